"""L'application installée : mise à jour proposée (jamais imposée), et notification
affichée par le service worker quand un message push arrive (DevTools protocol)."""

import shutil

import pytest
from playwright.sync_api import expect

from arbre.__main__ import construire
from tests.conftest import PETIT
from tests.navigateur.conftest import lancer_produit, notifier_par_le_worker
from tests.navigateur.test_formulaire import refuser_un_signalement
from tests.navigateur.test_hors_ligne import attendre_le_worker

pytestmark = pytest.mark.navigateur


def test_une_nouvelle_version_est_proposee_sans_interrompre_un_formulaire(navigateur, tmp_path):
    contenu, site = tmp_path / "contenu", tmp_path / "site"
    shutil.copytree(PETIT, contenu)
    assert construire(contenu, site) == 0
    serveur = lancer_produit(site, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/dechets/")
        attendre_le_worker(page)
        gaz = contenu / "arbre" / "20-gaz.md"
        gaz.write_text(gaz.read_text().replace("Une odeur de gaz", "Ça sent le gaz"))
        assert construire(contenu, site) == 0  # le contenu change : nouveau worker

        page.reload()
        page.get_by_label("Décrivez le problème").fill("Le bac n'a pas été vidé depuis mardi.")
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.get_by_text("Une nouvelle version du site est disponible.").wait_for(timeout=20_000)
        # Rien n'est rechargé de force : le texte en cours de saisie est toujours là.
        assert page.get_by_label("Décrivez le problème").input_value() == (
            "Le bac n'a pas été vidé depuis mardi.")
        with page.expect_navigation():
            page.get_by_role("button", name="Mettre à jour").click()
        page.goto(serveur.url + "/")
        assert page.get_by_role("link", name="Ça sent le gaz").is_visible()
    finally:
        contexte.close()
        serveur.arreter()


def test_un_message_push_devient_une_notification_en_francais(serveur, navigateur):
    contexte = navigateur.new_context(locale="fr-FR")
    contexte.grant_permissions(["notifications"], origin=serveur.url)
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/")
        attendre_le_worker(page)
        message = {"titre": "AIG-7K3M-Q9 : pris en charge", "texte": "La mairie a pris en charge "
                   "votre signalement.", "reference": "AIG-7K3M-Q9", "url": "/suivi/#jeton"}
        notifications = notifier_par_le_worker(contexte, page, serveur.url, message)
        assert notifications == [{"titre": "AIG-7K3M-Q9 : pris en charge",
                                  "texte": "La mairie a pris en charge votre signalement.",
                                  "tag": "AIG-7K3M-Q9", "url": "/suivi/#jeton"}]
    finally:
        contexte.close()


def test_un_signalement_refuse_est_montre_a_corriger_jamais_jete(serveur, page):
    # Une commune hors du territoire (page ancienne, contenu changé depuis) : le serveur refuse.
    refuser_un_signalement(page, serveur.url)
    assert "commune" in page.locator(".envoi-etat").inner_text().lower()

    page.goto(serveur.url + "/mes-signalements/")
    page.get_by_text("À corriger : le signalement n'a pas été accepté.").wait_for()
    page.get_by_role("link", name="Corriger et renvoyer").click()
    expect(page.get_by_label("Décrivez le problème")).to_have_value("Le bac jaune déborde.")
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Commune", exact=False).and_(page.locator("select")).select_option("56195")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_text("Signalement envoyé").wait_for()
    page.goto(serveur.url + "/mes-signalements/")
    page.locator(".etat-envoye").wait_for()
    assert page.get_by_text("À corriger").count() == 0
