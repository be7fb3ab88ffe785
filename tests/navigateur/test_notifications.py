"""Web Push de bout en bout, sans internet : un agent prend en charge le signalement sur sa
page ; le serveur chiffre et signe la notification pour le faux service de push local, qui
vérifie la signature VAPID et déchiffre le message avec les clés de l'abonnement de test ;
ce message, remis au service worker par le DevTools protocol, devient une notification."""

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.fonctions.serveurs_locaux import attendre
from tests.navigateur.conftest import ATTENTE_MAX, lancer_produit, notifier_par_le_worker
from tests.navigateur.test_hors_ligne import attendre_le_worker
from tests.navigateur.test_suivi import lien_du_courriel

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fonctions"))
from faux_push import FauxServicePush  # noqa: E402

pytestmark = pytest.mark.navigateur


def test_une_prise_en_charge_arrive_en_notification_sur_le_telephone(site_petit, navigateur, tmp_path):
    service = FauxServicePush()
    donnees = tmp_path / "donnees"
    serveur = lancer_produit(site_petit, donnees, AIGUILLAGE_PUSH_BANCS_D_ESSAI=service.banc)
    contexte = navigateur.new_context(locale="fr-FR")
    contexte.grant_permissions(["notifications"], origin=serveur.url)
    page = contexte.new_page()
    try:
        # Le citoyen signale depuis le site (JavaScript, boîte d'envoi du téléphone).
        page.goto(serveur.url + "/voirie/nid-de-poule/muzillac/")
        attendre_le_worker(page)
        page.get_by_label("Décrivez le problème").fill("Un trou profond devant la boulangerie.")
        page.get_by_label("Plus grand").check()
        page.get_by_label("Lieu précis").fill("2 place du Marché")
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_text("Signalement envoyé").wait_for()
        assert page.get_by_role("button", name="Être prévenu·e de l'avancement").is_visible()
        suivi = page.get_by_role("link", name="Suivre ce signalement").get_attribute("href")
        reference = page.locator(".envoi-etat strong").inner_text()

        # Son abonnement : celui qu'aurait créé le navigateur, vers le faux service de push.
        abonnement = service.abonnement()
        requete = urllib.request.Request(
            serveur.url + "/api/abonnements", method="POST",
            data=json.dumps({"abonnement": abonnement.json}).encode(),
            headers={"Authorization": f"Jeton {suivi.rpartition('#')[2]}",
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(requete, timeout=10) as reponse:
            assert reponse.status == 201

        # L'agent de la mairie prend en charge, depuis le lien de son courriel.
        agent = contexte.new_page()
        agent.goto(lien_du_courriel(donnees, "services-techniques@muzillac.example.org",
                                    reference, set()))
        agent.get_by_role("button", name="Prendre en charge").click()
        agent.get_by_text("C'est noté").wait_for()

        titre = f"{reference} : Pris en charge"
        def recus_de_ce_titre():
            page.wait_for_timeout(100)  # le navigateur reste servi pendant l'attente
            return [r["message"] for r in service.recus if r["message"]["titre"] == titre]

        recus = attendre(recus_de_ce_titre, ATTENTE_MAX, f"aucune notification « {titre} »")
        assert service.refus == []
        [message] = recus
        assert message["url"] == suivi
        assert message["texte"].startswith("Mairie de Muzillac")

        # Le service worker reçoit ce message et l'affiche.
        notifications = notifier_par_le_worker(contexte, page, serveur.url, message)
        assert [(n["titre"], n["url"]) for n in notifications] == [(titre, suivi)]
    finally:
        contexte.close()
        serveur.arreter()
        service.arreter()
