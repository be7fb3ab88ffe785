from __future__ import annotations

from aides_fonctions import tourner_la_boucle
from aides_suivi import agir, jeton_de_suivi, lien_agent, poster, suivre


def test_sans_accuse_de_reception_le_service_est_relance_puis_la_coordination_prevenue(
        client, boite, expediteur, horloge, stockage, notificateur):
    relances = client.app_state["aiguillage"].relances
    corps = poster(client)  # lundi 10 mars 2025, 10 h (Paris) ; délai de la mairie : 3 jours
    boite.traiter_une_fois()
    assert relances.traiter_une_fois() == 0

    horloge.avancer(days=3, seconds=-1)  # jeudi 13 mars, 9 h 59 59 : pas encore
    assert relances.traiter_une_fois() == 0
    horloge.avancer(seconds=1)
    assert relances.traiter_une_fois() == 1
    assert relances.traiter_une_fois() == 0  # une seule relance
    boite.traiter_une_fois()
    relance = expediteur.messages[-1]
    assert relance["To"] == "voirie@bourg-les-essais.example.org"
    assert relance["Subject"].startswith("[Relance] Signalement")
    texte = relance.get_body(("plain",)).get_content()
    assert "ce signalement attend votre accusé de réception" in texte
    assert "Ce signalement attend votre accusé de réception depuis le 10 mars 2025" in texte
    assert client.get(lien_agent(relance)).status_code == 200  # un lien neuf

    horloge.avancer(days=1)  # vendredi 14 mars : l'escalade attend 2 jours ouvrés
    assert relances.traiter_une_fois() == 0
    horloge.avancer(days=3)  # lundi 17 mars, 10 h : 2 jours ouvrés après la relance
    assert relances.traiter_une_fois() == 1
    boite.traiter_une_fois()
    escalade = expediteur.messages[-1]
    assert escalade["To"] == "coordination@val-d-essai.example.org"
    assert escalade["Subject"].startswith("[Sans réponse du service] Signalement")
    texte = escalade.get_body(("plain",)).get_content()
    assert "Mairie de Bourg-les-Essais n'a pas accusé réception de ce signalement" in texte
    assert "https://aiguillage.example.org/api/coordination" in texte
    assert "/api/agent/" not in texte
    assert relances.traiter_une_fois() == 0

    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert [e["type"] for e in suivi["chronologie"]] == [
        "recu", "transmis", "relance", "escalade"]
    assert suivi["chronologie"][2]["texte"] == (
        "Mairie de Bourg-les-Essais n'a pas encore accusé réception de votre signalement dans "
        "le délai prévu : nous l'avons relancé.")
    assert notificateur.types() == ["transmis", "relance", "escalade"]
    (entree,) = stockage.lister_ouvertes()
    assert entree["escalade_le"] == "2025-03-17T09:00:00+00:00"


def test_une_prise_en_charge_arrete_les_relances(client, boite, expediteur, horloge, stockage):
    relances = client.app_state["aiguillage"].relances
    poster(client)
    boite.traiter_une_fois()
    agir(client, lien_agent(expediteur.messages[-1]), "pris_en_charge")
    horloge.avancer(days=30)
    assert relances.traiter_une_fois() == 0
    assert [e["statut"] for e in stockage.lister_ouvertes()] == ["pris_en_charge"]


def test_les_jours_feries_ne_comptent_pas(client, boite, expediteur, horloge):
    relances = client.app_state["aiguillage"].relances
    horloge.avancer(days=38)  # jeudi 17 avril 2025 ; lundi 21 avril : Pâques
    poster(client)
    boite.traiter_une_fois()
    horloge.avancer(days=5)  # mardi 22 avril : 2 jours ouvrés seulement
    assert relances.traiter_une_fois() == 0
    horloge.avancer(days=1)  # mercredi 23 avril : 3 jours ouvrés
    assert relances.traiter_une_fois() == 1


def test_un_service_sans_transmission_n_est_jamais_relance(client, boite, horloge, stockage):
    relances = client.app_state["aiguillage"].relances
    client.post("/api/signalements", json={"noeud": "eclairage/lampadaire-eteint",
                                           "description": "Éteint."})
    boite.traiter_une_fois()
    horloge.avancer(days=60)
    assert relances.traiter_une_fois() == 0


def test_la_boucle_de_la_boite_d_envoi_fait_aussi_les_relances(client, boite, horloge,
                                                               expediteur):
    poster(client)
    boite.traiter_une_fois()
    horloge.avancer(days=7)
    tourner_la_boucle(boite, 2)
    assert expediteur.messages[-1]["Subject"].startswith("[Relance]")
