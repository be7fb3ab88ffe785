from __future__ import annotations

import errno

import pytest

from fonctions.stockage.synchroniseur import Synchroniseur


@pytest.fixture
def synchroniseur(tmp_path):
    synchroniseur = Synchroniseur(tmp_path, ".journal")
    synchroniseur.demarrer()
    yield synchroniseur
    synchroniseur.arreter()


def test_chaque_demande_recoit_sa_reponse_dans_l_ordre(tmp_path, synchroniseur):
    (tmp_path / "000000000001.journal").write_bytes(b"J ...")
    (tmp_path / "000000000002.journal").write_bytes(b"J ...")
    for numero, segment in [(1, 1), (2, 1), (3, 2)]:
        synchroniseur.demander(numero, segment)
    reponses = [synchroniseur.lire_reponse(attendre=True) for _ in range(3)]
    assert reponses == [(1, 0), (2, 0), (3, 0)]
    assert synchroniseur.demandes == 3


def test_sans_reponse_prete_la_lecture_ne_bloque_pas(synchroniseur):
    assert synchroniseur.lire_reponse(attendre=False) is None


def test_une_erreur_du_systeme_est_rendue_avec_son_numero(synchroniseur):
    synchroniseur.demander(7, 99)  # ce segment n'existe pas
    assert synchroniseur.lire_reponse(attendre=True) == (7, errno.ENOENT)


def test_le_processus_s_arrete_quand_son_entree_se_ferme(tmp_path):
    synchroniseur = Synchroniseur(tmp_path, ".journal")
    synchroniseur.demarrer()
    processus = synchroniseur._processus
    synchroniseur.arreter()
    assert processus.returncode == 0
    synchroniseur.arreter()  # sans effet
    with pytest.raises(OSError):
        synchroniseur.demander(1, 1)
