"""La date d'une intervention programmée : lue comme l'envoie un navigateur ou comme on la
tape, refusée en français quand elle ne peut pas être juste."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fonctions.domaine.intervention import (
    date_d_intervention,
    dernier_jour_permis,
    intervention_prevue,
    jour_d_un_horodatage,
    jour_en_clair,
    lire_jour,
)
from fonctions.domaine.suivi import ActionImpossible

# Le 10 mars 2025 à 23 h 30 en UTC : il est déjà 0 h 30 le 11 mars à Paris, « aujourd'hui ».
MAINTENANT = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)


def refus(valeur, exigee=True) -> str:
    with pytest.raises(ActionImpossible) as erreur:
        date_d_intervention(valeur, MAINTENANT, exigee)
    assert erreur.value.statut == 422
    return erreur.value.message


def test_le_jour_se_dit_avec_son_nom_et_le_premier_du_mois():
    assert jour_en_clair(date(2025, 3, 14)) == "vendredi 14 mars 2025"
    assert jour_en_clair(date(2025, 6, 1)) == "dimanche 1er juin 2025"


def test_la_date_se_lit_comme_l_envoie_le_navigateur_ou_comme_on_la_tape():
    assert lire_jour("2025-03-14") == date(2025, 3, 14)
    assert lire_jour("14/03/2025") == date(2025, 3, 14)
    assert lire_jour(" 4.3.2025 ") == date(2025, 3, 4)
    assert lire_jour("31/02/2025") is None
    assert lire_jour("demain") is None


def test_aujourd_hui_a_paris_ou_plus_tard_est_accepte():
    assert date_d_intervention("2025-03-11", MAINTENANT, True) == date(2025, 3, 11)
    assert date_d_intervention("2027-03-11", MAINTENANT, True) == date(2027, 3, 11)
    assert date_d_intervention("", MAINTENANT, exigee=False) is None


def test_une_date_absente_fausse_passee_ou_trop_lointaine_est_refusee_en_francais():
    assert refus("") == "Indiquez la date de l'intervention : le citoyen la lira dans son suivi."
    assert refus("31/02/2025") == (
        "« 31/02/2025 » n'est pas une date : écrivez-la sous la forme 14/03/2025.")
    assert refus("2025-03-10") == (
        "La date de l'intervention (lundi 10 mars 2025) est passée : indiquez aujourd'hui ou "
        "un jour à venir.")
    assert refus("2027-03-12") == (
        "La date de l'intervention (vendredi 12 mars 2027) est dans plus de 2 ans : vérifiez "
        "l'année.")
    assert refus("2025-03-10", exigee=False).startswith("La date de l'intervention")


def test_l_horodatage_open311_donne_le_jour_a_paris():
    assert jour_d_un_horodatage("2025-03-14T23:30:00Z") == "2025-03-15"
    assert jour_d_un_horodatage("2025-03-14T08:00:00+01:00") == "2025-03-14"
    assert jour_d_un_horodatage("2025-03-14") == "2025-03-14"
    assert jour_d_un_horodatage("bientôt") == "bientôt"


def test_seule_une_intervention_programmee_datee_a_un_jour_prevu():
    assert intervention_prevue({"statut": "programme", "date_intervention": "2025-03-14"}) == (
        "vendredi 14 mars 2025")
    assert intervention_prevue({"statut": "programme", "date_intervention": None}) is None
    assert intervention_prevue({"statut": "resolu", "date_intervention": "2025-03-14"}) is None


def test_deux_ans_apres_un_29_fevrier_le_dernier_jour_permis_est_le_28():
    assert dernier_jour_permis(datetime(2028, 2, 29, 12, tzinfo=UTC)) == date(2030, 2, 28)
