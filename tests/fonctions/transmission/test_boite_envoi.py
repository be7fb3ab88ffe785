from __future__ import annotations

import json
import os

import pytest
from aides_fonctions import CHEMIN_MODELE, champs_valides, modele_brut
from aides_suivi import agir, jeton_de_suivi, lien_agent, suivre

from fonctions.domaine.enregistrement import nouvel_envoi
from fonctions.socle.client_http import ReponseHTTP
from fonctions.transmission.base import DELAIS


def poster(client, **champs):
    reponse = client.post("/api/signalements", json=champs_valides(**champs))
    assert reponse.status_code == 201, reponse.text
    return reponse.json()["reference"]


def types_de(stockage, reference):
    return [e["type"] for e in stockage.lire_signalement(reference)["historique"]]


def test_un_signalement_est_transmis_par_courriel_puis_retire_de_la_boite(
        client, boite, stockage, expediteur):
    reference = poster(client)
    assert boite.traiter_une_fois() == 1
    (message,) = expediteur.messages
    assert message["To"] == "voirie@bourg-les-essais.example.org"
    document = stockage.lire_signalement(reference)
    assert document["etat"] == "transmis"
    assert document["transmission"] == {"canal": "courriel", "date": "2025-03-10T09:00:00+00:00"}
    assert document["historique"][-1] == {
        "date": "2025-03-10T09:00:00+00:00", "type": "transmis", "canal": "courriel",
        "tentative": 1, "message": "Envoyé par courriel à voirie@bourg-les-essais.example.org.",
        "par": {"qui": "aiguillage", "canal": "boite_envoi"}, "attribution": 1,
        "gestionnaire": "mairie-bourg-les-essais", "public": True,
        "pour_le_citoyen": "Votre signalement a été transmis à Mairie de Bourg-les-Essais."}
    assert stockage.lister_envois() == []
    assert boite.traiter_une_fois() == 0


def test_le_lien_de_l_agent_est_secret_et_propre_au_signalement(client, boite, expediteur):
    reference = poster(client)
    boite.traiter_une_fois()
    texte = expediteur.messages[0].get_body(("plain",)).get_content()
    lien = next(ligne for ligne in texte.splitlines() if "/api/agent/" in ligne)
    assert lien.startswith(f"https://aiguillage.example.org/api/agent/{reference}.1.")
    assert len(lien.rpartition(".")[2]) == 27


def test_un_signalement_est_transmis_par_webhook_et_par_open311(
        client, boite, stockage, client_http):
    par_webhook = poster(client, commune="56002")
    client_http.reponses += [ReponseHTTP(200, ""), ReponseHTTP(201, '[{"service_request_id": "42"}]')]
    boite.traiter_une_fois()
    par_open311 = poster(client, commune="56003")
    boite.traiter_une_fois()
    assert [r["url"] for r in client_http.requetes] == [
        "http://127.0.0.1:9/webhook/saint-exemple", "http://127.0.0.1:9/open311/v2/requests.json"]
    assert stockage.lire_signalement(par_webhook)["etat"] == "transmis"
    assert stockage.lire_signalement(par_open311)["transmission"]["service_request_id"] == "42"
    assert stockage.lire_signalement(par_open311)["historique"][-1]["service_request_id"] == "42"


def test_aucun_service_ne_voit_les_coordonnees_sans_l_accord_du_citoyen(
        client, boite, stockage, expediteur, client_http):
    contact = {"courriel": "lea@exemple.fr", "telephone": "06 12 34 56 78"}
    par_courriel = poster(client, **contact)
    client_http.reponses += [ReponseHTTP(200, ""), ReponseHTTP(201, '[{"service_request_id": "7"}]')]
    poster(client, commune="56002", **contact)
    poster(client, commune="56003", **contact)
    assert boite.traiter_une_fois() == 3
    (message,) = expediteur.messages
    courriel = message.as_string()
    assert "lea@" not in courriel and "recontact" not in courriel
    webhook, open311 = sorted(client_http.requetes, key=lambda r: "open311" in r["url"])
    assert json.loads(webhook["contenu"])["signalement"]["contact"] is None
    assert "email" not in open311["formulaire"] and "phone" not in open311["formulaire"]
    assert "lea@" not in str(open311["formulaire"])
    # L'adresse reste chez Aiguillage, pour informer le citoyen ; le téléphone n'est pas gardé.
    assert stockage.lire_signalement(par_courriel)["contact"] == {
        "courriel": "lea@exemple.fr", "telephone": None, "consentement": False}


def test_avec_l_accord_chaque_canal_transmet_les_coordonnees(
        client, boite, expediteur, client_http):
    contact = {"courriel": "lea@exemple.fr", "telephone": "06 12 34 56 78", "consentement": "oui"}
    poster(client, **contact)
    client_http.reponses += [ReponseHTTP(200, ""), ReponseHTTP(201, '[{"service_request_id": "7"}]')]
    poster(client, commune="56002", **contact)
    poster(client, commune="56003", **contact)
    boite.traiter_une_fois()
    texte = expediteur.messages[0].get_body(("plain",)).get_content()
    assert "- courriel : lea@exemple.fr" in texte and "- téléphone : 0612345678" in texte
    webhook, open311 = sorted(client_http.requetes, key=lambda r: "open311" in r["url"])
    assert json.loads(webhook["contenu"])["signalement"]["contact"] == {
        "courriel": "lea@exemple.fr", "telephone": "0612345678", "consentement": True}
    assert (open311["formulaire"]["email"], open311["formulaire"]["phone"]) == (
        "lea@exemple.fr", "0612345678")


def test_le_canal_aucune_note_la_transmission_sans_rien_envoyer(
        client, boite, stockage, expediteur, client_http):
    reference = poster(client, noeud="eclairage/lampadaire-eteint", commune=None, adresse=None,
                       **{"question-taille": None})
    boite.traiter_une_fois()
    assert (expediteur.messages, client_http.requetes) == ([], [])
    assert stockage.lire_signalement(reference)["historique"][-1]["message"] == (
        "Aucune transmission automatique vers Syndicat d'énergie du Val d'Essai.")


def test_un_echec_est_reessaye_plus_tard_selon_l_horloge(client, boite, stockage, expediteur, horloge):
    reference = poster(client)
    expediteur.pannes = 1
    boite.traiter_une_fois()
    assert stockage.lire_signalement(reference)["historique"][-1]["message"] == (
        "Échec de la tentative 1 (courriel) : SMTP en panne (test) Nouvel essai le "
        "2025-03-10T09:01:00+00:00.")
    (envoi,) = stockage.lister_envois()
    assert (envoi["tentatives"], envoi["en_cours"], envoi["derniere_erreur"]) == (
        1, None, "SMTP en panne (test)")
    horloge.avancer(seconds=59)
    assert boite.traiter_une_fois() == 0
    horloge.avancer(seconds=1)
    assert boite.traiter_une_fois() == 1
    assert len(expediteur.messages) == 1
    assert types_de(stockage, reference) == ["recu", "echec", "transmis"]


def test_un_signalement_jamais_transmis_est_signale_a_la_coordination(
        client, boite, stockage, expediteur, horloge):
    reference = poster(client)
    expediteur.pannes = len(DELAIS) + 1
    for delai in DELAIS:
        assert boite.traiter_une_fois() == 1
        horloge.avancer(seconds=delai)
    assert boite.traiter_une_fois() == 1
    document = stockage.lire_signalement(reference)
    assert document["etat"] == "non_transmis"
    assert document["historique"][-1]["message"] == (
        "Abandon après 12 tentative(s) par courriel. Dernière erreur : SMTP en panne (test) "
        "La coordination du territoire est prévenue.")
    assert [e["id"] for e in stockage.lister_envois()] == [f"{reference}-alerte1"]
    assert boite.traiter_une_fois() == 1
    (alerte,) = expediteur.messages
    assert alerte["To"] == "coordination@val-d-essai.example.org"
    assert alerte["Subject"].startswith("[À transmettre à la main]")
    assert types_de(stockage, reference) == ["recu"] + ["echec"] * 11 + ["abandon", "alerte"]
    assert stockage.lister_envois() == []


def test_un_secret_manquant_previent_tout_de_suite_la_coordination(
        fabrique_client, stockage, expediteur, client_http):
    client = fabrique_client(secrets_webhook={})
    boite = client.app_state["aiguillage"].boite_envoi
    reference = poster(client, commune="56002")
    boite.traiter_une_fois()
    assert client_http.requetes == []
    assert stockage.lire_signalement(reference)["historique"][-1]["message"].startswith(
        "Abandon après 1 tentative(s) par webhook. Dernière erreur : "
        "AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE n'est pas défini.")
    boite.traiter_une_fois()
    assert [m["To"] for m in expediteur.messages] == ["coordination@val-d-essai.example.org"]


def test_une_tentative_interrompue_par_un_arret_est_notee_puis_refaite(
        client, boite, stockage, expediteur):
    reference = poster(client)
    (envoi,) = stockage.lister_envois()
    stockage.enregistrer_envoi({**envoi, "tentatives": 1,
                                "en_cours": {"debut": "2025-03-10T09:00:00+00:00"}})
    boite.traiter_une_fois()
    document = stockage.lire_signalement(reference)
    assert [e["type"] for e in document["historique"]] == ["recu", "interrompu", "transmis"]
    assert document["historique"][1]["message"].startswith("Tentative interrompue par un arrêt")
    assert document["historique"][2]["tentative"] == 2
    assert expediteur.messages[0]["Message-ID"] == (
        f"<{reference}-transmission@localhost>")


def test_un_envoi_deja_note_reussi_n_est_pas_refait(client, boite, stockage, expediteur):
    reference = poster(client)
    stockage.modifier_signalement(reference, {"envois_reussis": [f"{reference}-transmission"]})
    boite.traiter_une_fois()
    assert expediteur.messages == []
    assert stockage.lister_envois() == []


def test_le_reste_d_un_enregistrement_interrompu_est_efface_apres_une_heure(
        client, boite, stockage, horloge):
    stockage.ajouter_envoi(nouvel_envoi("AIG-2222-22", "transmission", horloge()))
    boite.traiter_une_fois()
    assert len(stockage.lister_envois()) == 1
    horloge.avancer(hours=1, seconds=1)
    boite.traiter_une_fois()
    assert stockage.lister_envois() == []


def test_un_envoi_reclame_par_un_autre_envoyeur_est_laisse(client, boite, stockage, expediteur):
    reference = poster(client)
    with stockage.reclamer_envoi(f"{reference}-transmission"):
        assert boite.traiter_une_fois() == 0
    assert expediteur.messages == []


@pytest.fixture
def modele_modifiable(tmp_path):
    chemin = tmp_path / "modele.json"
    chemin.write_text(CHEMIN_MODELE.read_text(encoding="utf-8"), encoding="utf-8")

    def modifier(fonction):
        donnees = modele_brut()
        fonction(donnees)
        chemin.write_text(json.dumps(donnees), encoding="utf-8")
        os.utime(chemin, ns=(10**18, 10**18))

    return chemin, modifier


def test_une_adresse_corrigee_dans_le_contenu_sert_a_la_tentative_suivante(
        fabrique_client, stockage, expediteur, modele_modifiable):
    chemin, modifier = modele_modifiable
    client = fabrique_client(modele=chemin)
    boite = client.app_state["aiguillage"].boite_envoi
    poster(client)
    modifier(lambda d: d["gestionnaires"]["mairie-bourg-les-essais"]["transmission"].update(
        adresse="nouvelle@bourg-les-essais.example.org"))
    boite.traiter_une_fois()
    assert expediteur.messages[0]["To"] == "nouvelle@bourg-les-essais.example.org"


def test_un_service_disparu_du_contenu_fait_prevenir_la_coordination(
        fabrique_client, stockage, expediteur, modele_modifiable):
    chemin, modifier = modele_modifiable
    client = fabrique_client(modele=chemin)
    boite = client.app_state["aiguillage"].boite_envoi
    reference = poster(client)
    modifier(lambda d: d["gestionnaires"].pop("mairie-bourg-les-essais"))
    boite.traiter_une_fois()
    assert stockage.lire_signalement(reference)["historique"][-1]["message"].startswith(
        "Abandon après 1 tentative(s) par inconnu. Dernière erreur : Mairie de "
        "Bourg-les-Essais n'existe plus dans le contenu du site.")
    boite.traiter_une_fois()
    assert [m["To"] for m in expediteur.messages] == ["coordination@val-d-essai.example.org"]


def test_je_ne_trouve_pas_previent_la_coordination_qui_le_voit_a_orienter(
        client, boite, stockage, expediteur):
    reference = poster(client, noeud="je-ne-trouve-pas", courriel="lea@exemple.fr",
                       consentement="oui", description="Je n'arrive pas à refaire ma carte.")
    assert boite.traiter_une_fois() == 1  # rien à transmettre : la coordination l'a
    document = stockage.lire_signalement(reference)
    assert document["historique"][-1] == {
        "date": "2025-03-10T09:00:00+00:00", "type": "a_orienter",
        "par": {"qui": "aiguillage", "canal": "boite_envoi"}, "attribution": 1,
        "gestionnaire": "coordination", "public": True,
        "pour_le_citoyen": ("Votre signalement est confié à Coordination des signalements du "
                            "Val d'Essai : une personne va le lire et le transmettre au service "
                            "qui s'en occupe.")}
    assert document["envois_reussis"] == [f"{reference}-transmission"]
    assert [(e["reference"], e["statut"]) for e in stockage.lister_ouvertes()] == [
        (reference, "a_orienter")]
    assert [e["id"] for e in stockage.lister_envois()] == [f"{reference}-aorienter1"]
    assert expediteur.messages == []

    assert boite.traiter_une_fois() == 1
    (message,) = expediteur.messages
    assert message["To"] == "coordination@val-d-essai.example.org"
    assert message["Subject"] == (
        f"[À orienter] Signalement {reference} : Un autre problème — Bourg-les-Essais")
    texte = message.get_body(("plain",)).get_content()
    assert texte.startswith(
        "À ORIENTER — aucun service n'a encore ce signalement.\n"
        "L'habitant n'a pas trouvé son problème dans la liste du site et l'a décrit avec ses "
        "mots : lisez-le, puis confiez-le au service qui doit le traiter.\n"
        "Choisissez le service qui doit le traiter.\n\nBonjour,\n\n"
        "Un habitant signale un problème.\n")
    assert "Je n'arrive pas à refaire ma carte." in texte
    assert "- Qu'avez-vous constaté ? → Un autre problème" in texte
    assert "https://aiguillage.example.org/api/coordination" in texte
    assert "/api/agent/" not in texte and "lea@" not in texte  # ni lien d'agent ni contact
    assert stockage.lister_envois() == []


def test_je_ne_trouve_pas_rejoue_apres_un_arret_ne_previent_pas_deux_fois(
        client, boite, stockage, expediteur):
    reference = poster(client, noeud="je-ne-trouve-pas")
    boite.traiter_une_fois()
    # Arrêt brutal entre l'écriture du changement et l'effacement de l'envoi : il revient.
    stockage.ajouter_envoi(nouvel_envoi(reference, "transmission", boite.horloge()))
    boite.traiter_une_fois()
    boite.traiter_une_fois()
    assert types_de(stockage, reference) == ["recu", "a_orienter", "envoye"]
    assert len(expediteur.messages) == 1
    assert stockage.lister_envois() == []


def test_je_ne_trouve_pas_va_au_service_que_nomme_le_territoire(
        fabrique_client, stockage, expediteur, modele_modifiable):
    chemin, modifier = modele_modifiable
    modifier(lambda d: d["je_ne_trouve_pas"].update(
        gestionnaire="mairie-bourg-les-essais", a_la_coordination=False,
        gestionnaires_par_commune={c["insee"]: "mairie-bourg-les-essais"
                                   for c in d["territoire"]["communes"]}))
    client = fabrique_client(modele=chemin)
    boite = client.app_state["aiguillage"].boite_envoi
    reponse = client.post("/api/signalements", json={
        "noeud": "je-ne-trouve-pas", "commune": "56002", "description": "Un banc arraché."})
    assert reponse.json()["gestionnaire"] == {"id": "mairie-bourg-les-essais",
                                              "nom": "Mairie de Bourg-les-Essais"}
    boite.traiter_une_fois()
    (message,) = expediteur.messages
    assert message["To"] == "voirie@bourg-les-essais.example.org"
    reference = reponse.json()["reference"]
    assert message["Subject"] == (
        f"[Hors de la liste] Signalement {reference} : Un autre problème — Saint-Exemple")
    texte = message.get_body(("plain",)).get_content()
    assert texte.startswith(
        "HORS DE LA LISTE — l'habitant n'a pas trouvé son problème dans la liste du site et "
        "l'a décrit avec ses mots.\nS'il ne relève pas de votre service, indiquez « Ce n'est "
        "pas de notre ressort » en nommant le bon service : il lui part aussitôt.\n\n"
        "Bonjour,\n\nUn habitant signale un problème qui relève de Mairie de Bourg-les-Essais.")
    assert f"/api/agent/{reference}.1." in texte
    assert stockage.lire_signalement(reference)["etat"] == "transmis"
    # Ce n'est pas le sien : il le fait suivre comme n'importe quel signalement.
    agir(client, lien_agent(message), "pas_de_notre_ressort",
         motif="Ce n'est pas de notre compétence.", vers="mairie-saint-exemple")
    suivi = suivre(client, jeton_de_suivi(reponse.json())).json()
    assert suivi["chronologie"][-1]["texte"] == (
        "Mairie de Bourg-les-Essais indique que ce n'est pas de son ressort : « Ce n'est pas de "
        "notre compétence ». Votre signalement est transmis à Mairie de Saint-Exemple, qui l'a "
        "maintenant.")
    assert suivi["qui_s_en_occupe"][0]["nom"] == "Mairie de Saint-Exemple"
