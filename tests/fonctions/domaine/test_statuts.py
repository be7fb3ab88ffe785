from __future__ import annotations

from fonctions.domaine.statuts import (
    DECLARABLES,
    EN_ATTENTE,
    FINALS,
    LIBELLES,
    OUVERTS,
    attributions,
    derniere,
    etat_du_signalement,
)


def test_chaque_statut_a_un_libelle_en_francais_et_est_ouvert_ou_final():
    assert OUVERTS | FINALS == set(LIBELLES)
    assert not OUVERTS & FINALS
    assert EN_ATTENTE <= OUVERTS
    assert set(DECLARABLES) <= set(LIBELLES)
    assert LIBELLES["pas_de_notre_ressort"] == "Pas de notre ressort"


def test_la_derniere_attribution_ouverte_donne_l_etat():
    signalement = {"attributions": [
        {"numero": 1, "statut": "pas_de_notre_ressort"},
        {"numero": 2, "statut": "en_cours"}]}
    assert derniere(signalement)["numero"] == 2
    assert etat_du_signalement(signalement) == "en_cours"
    signalement["attributions"][1]["statut"] = "resolu"
    assert etat_du_signalement(signalement) == "resolu"
    signalement["confirme_le"] = "2025-03-12T09:00:00+00:00"
    assert etat_du_signalement(signalement) == "confirme"


def test_un_document_d_avant_le_suivi_a_une_attribution():
    ancien = {"cree_le": "2025-03-10T09:00:00+00:00", "etat": "transmis",
              "gestionnaire": {"id": "mairie-x", "nom": "Mairie X", "canal": "courriel"},
              "attribution": {"gestionnaire": "mairie-x", "sel": "s", "etat": "nouveau"}}
    (seule,) = attributions(ancien)
    assert (seule["numero"], seule["statut"], seule["nom"], seule["sel"]) == (
        1, "transmis", "Mairie X", "s")
