from __future__ import annotations

from datetime import UTC, datetime

from fonctions.domaine.chronologie import chronologie, date_en_clair, dernier_etat, jour_en_clair, resume

COORDINATION = "La coordination du Val"


def document(**autres) -> dict:
    return {
        "reference": "AIG-7K3M-Q2", "cree_le": "2025-03-10T09:00:00+00:00",
        "noeud": {"libelle": "Un nid-de-poule"}, "commune": {"nom": "Bourg"},
        "contact": {"courriel": "lea@exemple.fr", "telephone": "0612345678"},
        "attributions": [
            {"numero": 1, "gestionnaire": "a", "nom": "Service A", "canal": "courriel",
             "statut": "pas_de_notre_ressort", "depuis": "2025-03-10T10:00:00+00:00"},
            {"numero": 2, "gestionnaire": "b", "nom": "Service B", "canal": "courriel",
             "statut": "resolu", "depuis": "2025-03-11T10:00:00+00:00",
             "resolu_le": "2025-03-11T10:00:00+00:00"}],
        "historique": [
            {"date": "2025-03-10T09:00:00+00:00", "type": "recu", "message": "Reçu."},
            {"date": "2025-03-10T09:00:00+00:00", "type": "transmis", "attribution": 1,
             "public": True, "pour_le_citoyen": "Transmis à A."},
            {"date": "2025-03-10T09:05:00+00:00", "type": "echec", "message": "SMTP"},
            {"date": "2025-03-10T10:00:00+00:00", "type": "pas_de_notre_ressort",
             "attribution": 1, "public": True, "motif": "Hors zone",
             "par": {"qui": "service"}, "pour_le_citoyen": "A dit non (Hors zone)."},
            {"date": "2025-03-11T10:00:00+00:00", "type": "resolu", "attribution": 2,
             "public": True, "par": {"qui": "service"}, "pour_le_citoyen": "Réglé."},
            {"date": "2025-03-11T11:00:00+00:00", "type": "complement", "public": True,
             "par": {"qui": "citoyen"}, "pour_le_citoyen": "Merci."}],
        **autres,
    }


def test_les_dates_se_lisent_en_francais_a_l_heure_de_paris():
    assert date_en_clair("2025-03-10T09:00:00+00:00") == "10 mars 2025 à 10 h 00"
    assert date_en_clair("2025-08-01T06:05:00+00:00") == "1er août 2025 à 8 h 05"
    assert jour_en_clair("2025-12-31T23:30:00+00:00") == "1er janvier 2026"


def test_la_chronologie_ne_garde_que_ce_que_le_citoyen_doit_lire():
    etapes = chronologie(document(), COORDINATION)
    assert [(e["type"], e["qui"], e["texte"]) for e in etapes] == [
        ("recu", None, "Enregistré sous la référence AIG-7K3M-Q2."),
        ("transmis", "Service A", "Transmis à A."),
        ("pas_de_notre_ressort", "Service A", "A dit non (Hors zone)."),
        ("resolu", "Service B", "Réglé."),
        ("complement", "Vous", "Merci."),
    ]
    assert etapes[2]["motif"] is None  # déjà dans le texte
    pour_le_service = chronologie(document(), COORDINATION, pour_le_service=True)
    assert (pour_le_service[-1]["titre"], pour_le_service[-1]["qui"]) == (
        "Le citoyen a ajouté une information", "Le citoyen")


def test_le_resume_propose_de_confirmer_ou_rouvrir_pendant_trente_jours_sans_contact():
    maintenant = datetime(2025, 3, 12, tzinfo=UTC)
    suivi = resume(document(), COORDINATION, maintenant)
    assert suivi["etat"] == {"code": "resolu", "libelle": "Résolu",
                             "depuis": "2025-03-11T10:00:00+00:00"}
    assert suivi["actions"] == {"completer": True, "confirmer": True, "rouvrir": True,
                                "rouvrir_jusqu_au": "2025-04-10T10:00:00+00:00"}
    assert suivi["prochaine_etape"] == (
        "Le problème est-il vraiment réglé ? Confirmez-le, ou rouvrez le signalement d'ici le "
        "10 avril 2025.")
    assert "lea@" not in str(suivi) and "0612345678" not in str(suivi)
    plus_tard = resume(document(), COORDINATION, datetime(2025, 4, 11, tzinfo=UTC))
    assert plus_tard["actions"]["rouvrir"] is False


def test_le_dernier_etat_suffit_a_mes_signalements():
    assert dernier_etat(document(confirme_le="2025-03-12T09:00:00+00:00"), COORDINATION) == {
        "reference": "AIG-7K3M-Q2", "code": "confirme", "libelle": "Résolu, confirmé",
        "service": "Service B", "depuis": "2025-03-12T09:00:00+00:00"}
