from __future__ import annotations

from datetime import timedelta

import pytest
from aides_fonctions import DEBUT

from fonctions.transmission.base import DELAIS, EchecTransmission, Recu, tenter


class CanalDeTest:
    nom = "test"

    def __init__(self, resultat):
        self.resultat = resultat

    def transmettre(self, dossier):
        if isinstance(self.resultat, Exception):
            raise self.resultat
        return self.resultat


def test_une_reussite_rend_le_recu_du_canal():
    issue = tenter(CanalDeTest(Recu("ok", {"a": "1"})), None, 0, DEBUT)
    assert issue.reussi
    assert issue.recu == Recu("ok", {"a": "1"})


def test_les_delais_grandissent_et_durent_des_jours():
    assert list(DELAIS) == sorted(DELAIS)
    assert timedelta(seconds=sum(DELAIS)) > timedelta(days=4)


@pytest.mark.parametrize("passees", range(len(DELAIS)))
def test_un_echec_est_reessaye_apres_le_delai_prevu(passees):
    issue = tenter(CanalDeTest(EchecTransmission("injoignable")), None, passees, DEBUT)
    assert not issue.reussi
    assert issue.erreur == "injoignable"
    assert issue.prochaine_tentative == DEBUT + timedelta(seconds=DELAIS[passees])


def test_apres_la_derniere_tentative_on_abandonne():
    issue = tenter(CanalDeTest(EchecTransmission("injoignable")), None, len(DELAIS), DEBUT)
    assert (issue.reussi, issue.prochaine_tentative) == (False, None)


def test_un_echec_definitif_n_est_pas_reessaye():
    issue = tenter(CanalDeTest(EchecTransmission("secret manquant", definitif=True)), None, 0,
                   DEBUT)
    assert (issue.reussi, issue.prochaine_tentative, issue.erreur) == (
        False, None, "secret manquant")


def test_une_erreur_inattendue_du_canal_est_reessayee_sans_tout_arreter(caplog):
    issue = tenter(CanalDeTest(ZeroDivisionError()), None, 0, DEBUT)
    assert issue.erreur == "erreur inattendue (ZeroDivisionError)"
    assert issue.prochaine_tentative == DEBUT + timedelta(seconds=DELAIS[0])
    assert "Erreur inattendue du canal test" in caplog.text
