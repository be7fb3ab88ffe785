from __future__ import annotations

import pytest
from aides_fonctions import tenue_par_un_autre_fil

from fonctions.stockage import CleEnCours, CleReutilisee
from fonctions.stockage.base import empreinte_cle
from fonctions.stockage.cles import ATTACHEES_MAX, ClesEnMemoire

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"


@pytest.fixture
def disque():
    return {}


@pytest.fixture
def cles(disque):
    return ClesEnMemoire(disque.get)


def test_une_cle_inconnue_prend_la_reference_proposee_et_se_libere(cles):
    with cles.reserver(CLE, "empreinte", "AIG-7K3M-Q2") as reservation:
        assert reservation.reference == "AIG-7K3M-Q2"
        assert cles.courante("AIG-7K3M-Q2") is reservation
        assert cles.courante("AIG-2222-22") is None
    assert cles.courante("AIG-7K3M-Q2") is None
    with cles.reserver(CLE, "empreinte", "AIG-2222-22") as reservation:
        assert reservation.reference == "AIG-7K3M-Q2"  # attachée, en mémoire


def test_une_cle_sur_disque_rend_sa_reference_et_refuse_un_autre_contenu(cles, disque):
    disque[empreinte_cle(CLE)] = ("empreinte", "AIG-7K3M-Q2")
    with cles.reserver(CLE, "empreinte", "AIG-2222-22") as reservation:
        assert reservation.reference == "AIG-7K3M-Q2"
    with pytest.raises(CleReutilisee), cles.reserver(CLE, "autre", "AIG-2222-22"):
        pass
    with cles.reserver(CLE, "empreinte", "AIG-2222-22"):  # le refus n'a rien retenu
        pass


def test_une_cle_tenue_ailleurs_est_en_cours(cles):
    with tenue_par_un_autre_fil(lambda: cles.reserver(CLE, "empreinte", "AIG-7K3M-Q2")):
        with pytest.raises(CleEnCours), cles.reserver(CLE, "empreinte", "AIG-7K3M-Q2"):
            pass


def test_une_cle_reste_tenue_jusqu_a_ce_que_sa_creation_soit_durable(cles):
    with cles.reserver(CLE, "empreinte", "AIG-7K3M-Q2") as reservation:
        cles.soumise(reservation)
    with pytest.raises(CleEnCours), cles.reserver(CLE, "empreinte", "AIG-7K3M-Q2"):
        pass
    cles.durable(reservation, "AIG-7K3M-Q2")
    with cles.reserver(CLE, "empreinte", "AIG-2222-22") as encore:
        assert encore.reference == "AIG-7K3M-Q2"  # journalisée
    cles.materialisees([empreinte_cle(CLE)])
    with cles.reserver(CLE, "empreinte", "AIG-2222-22") as apres:
        assert apres.reference == "AIG-2222-22"  # ni en mémoire ni (ici) sur disque


def test_une_creation_ratee_libere_la_cle_sans_rien_retenir(cles):
    with cles.reserver(CLE, "empreinte", "AIG-7K3M-Q2") as reservation:
        cles.soumise(reservation)
    cles.durable(reservation, None)
    with cles.reserver(CLE, "autre", "AIG-2222-22") as reservation:
        assert reservation.reference == "AIG-2222-22"


def test_les_cles_attachees_sans_creation_sont_bornees(cles):
    for numero in range(ATTACHEES_MAX + 5):
        with cles.reserver(f"cle-{numero}", "empreinte", "AIG-7K3M-Q2"):
            pass
    assert len(cles._attachees) == ATTACHEES_MAX
    with cles.reserver("cle-0", "autre", "AIG-2222-22") as oubliee:
        assert oubliee.reference == "AIG-2222-22"
