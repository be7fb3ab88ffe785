"""« Je ne trouve pas mon problème » dans un vrai Chromium, contre le produit entier (site
construit et fonctions) et un vrai serveur SMTP (aiosmtpd) : depuis une page de question,
l'habitant décrit son problème ; la coordination, prévenue par « [À orienter] », se connecte
par son lien et le confie au bon service ; la chronologie du citoyen le montre. Aussi : sans
JavaScript, hors ligne, au clavier, à 320 px, et sans défaut relevé par axe-core."""

import email
import email.policy
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.fonctions.serveurs_locaux import BoiteSMTP, attendre, demarrer_smtp
from tests.navigateur.conftest import lancer_produit
from tests.navigateur.test_hors_ligne import attendre_le_worker

pytestmark = pytest.mark.navigateur

COORDINATION = "coordination@essai.example.org"
MAIRIE = "services-techniques@muzillac.example.org"


@pytest.fixture(scope="module")
def produit_et_smtp(site_petit, tmp_path_factory):
    """Le produit entier, qui envoie ses courriels à un vrai serveur SMTP local."""
    boite = BoiteSMTP()
    controleur = demarrer_smtp(boite)
    serveur = lancer_produit(site_petit, tmp_path_factory.mktemp("je-ne-trouve-pas") / "donnees",
                             AIGUILLAGE_SMTP_URL=f"smtp://127.0.0.1:{controleur.port}",
                             AIGUILLAGE_EXPEDITEUR="aiguillage@essai.example.org")
    yield serveur, boite
    serveur.arreter()
    controleur.stop()


def courriel(boite: BoiteSMTP, adresse: str, debut_du_sujet: str):
    """Le courriel reçu par ``adresse`` dont le sujet commence ainsi (attendu s'il le faut)."""
    def trouve():
        for recu in list(boite.courriels):
            message = email.message_from_bytes(recu["contenu"], policy=email.policy.default)
            if recu["pour"] == [adresse] and message["Subject"].startswith(debut_du_sujet):
                return message
        return None
    return attendre(trouve, message=f"aucun courriel « {debut_du_sujet} » pour {adresse}")


def test_de_la_question_au_bon_service_par_la_coordination_et_le_citoyen_suit_tout(
        produit_et_smtp, page):
    serveur, boite = produit_et_smtp
    page.goto(serveur.url + "/voirie/")
    page.get_by_role("link", name="Je ne trouve pas mon problème").click()
    page.wait_for_url("**/je-ne-trouve-pas/")
    assert page.get_by_role("heading", level=1).inner_text() == "Je ne trouve pas mon problème"
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()
    suite = page.get_by_role("region", name="Ce qui va se passer").inner_text()
    assert ("Votre signalement est envoyé à Coordination des signalements (Communauté de "
            "communes d'Essai).") in suite

    page.get_by_label("Commune").select_option(label="Muzillac (56190)")
    page.get_by_label("Décrivez le problème").fill(
        "Le banc de l'abribus est arraché et traîne sur le trottoir.")
    page.get_by_label("Lieu précis").fill("Arrêt de car de la place du Marché")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Signalement envoyé").wait_for()
    assert page.get_by_text("Reçu par Coordination des signalements.").is_visible()
    reference = page.locator(".envoi-etat strong").inner_text()
    suivi = page.get_by_role("link", name="Suivre ce signalement").get_attribute("href")

    a_orienter = courriel(boite, COORDINATION, "[À orienter]")
    assert a_orienter["Subject"] == f"[À orienter] Signalement {reference} : Un autre problème " \
                                    "— Muzillac"
    assert "Le banc de l'abribus est arraché" in a_orienter.get_body(("plain",)).get_content()

    # La coordination : son adresse, puis le lien de connexion reçu par courriel.
    page.goto(serveur.url + "/api/coordination")
    page.get_by_label("Votre adresse e-mail de coordination").fill(COORDINATION)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    page.get_by_role("status").wait_for()
    connexion = courriel(boite, COORDINATION, "Votre lien de connexion")
    lien = re.search(r"http://\S+/api/coordination/\S+",
                     connexion.get_body(("plain",)).get_content()).group(0)
    page.goto(lien)
    page.get_by_role("heading", name="À orienter (1)").wait_for()
    assert f"{reference} — Un autre problème, Muzillac" in page.locator("main").inner_text()
    page.get_by_label(f"Confier {reference} à").select_option(label="Mairie de Muzillac")
    page.get_by_label("Message au citoyen (facultatif)").fill("Les bancs sont à la mairie.")
    page.get_by_role("button", name="Confier à ce service").click()
    page.get_by_text("C'est fait : le signalement part vers le service choisi.").wait_for()
    assert page.get_by_role("heading", name="À orienter (0)").is_visible()

    transmis = courriel(boite, MAIRIE, "[Hors de la liste]")
    assert transmis["Subject"] == (f"[Hors de la liste] Signalement {reference} : Un autre "
                                   "problème — Muzillac")

    page.goto(suivi)
    chronologie = page.locator("ol.chronologie > li")
    chronologie.nth(3).wait_for()
    textes = chronologie.all_inner_texts()
    assert [t.split("\n")[1] for t in textes] == [
        "Signalement reçu",
        "Confié à la coordination — Coordination des signalements",
        "Confié à un autre service — Coordination des signalements",
        "Transmis au service — Mairie de Muzillac",
    ]
    assert ("Coordination des signalements a confié votre signalement à Mairie de Muzillac. "
            "Les bancs sont à la mairie.") in textes[2]
    assert page.locator(".etat").inner_text() == "Transmis, en attente de prise en charge"


def test_sans_javascript_le_signalement_part_et_la_confirmation_s_affiche(serveur, page_sans_js):
    page = page_sans_js
    page.goto(serveur.url + "/")
    page.get_by_role("link", name="Je ne trouve pas mon problème").click()
    page.wait_for_url("**/je-ne-trouve-pas/")
    page.get_by_label("Commune").select_option(label="La Roche-Bernard (56130)")
    page.get_by_label("Décrivez le problème").fill("Je dois refaire ma carte d'identité.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Votre signalement est enregistré").wait_for()
    texte = page.locator("main").inner_text()
    assert "Un autre problème, à La Roche-Bernard." in texte
    assert "Il est confié à : Coordination des signalements." in texte
    assert "État : À orienter par la coordination." in texte


def test_hors_ligne_le_signalement_attend_le_reseau_puis_part(serveur, page):
    page.goto(serveur.url + "/je-ne-trouve-pas/")
    attendre_le_worker(page)
    page.context.set_offline(True)
    page.reload()  # servie par le service worker
    page.get_by_label("Commune").select_option(label="Muzillac (56190)")
    page.get_by_label("Décrivez le problème").fill("Un panneau est tombé dans le fossé.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_text("En attente de réseau").wait_for()
    page.context.set_offline(False)  # l'évènement « online » envoie la boîte
    page.locator(".etat-envoye").wait_for()
    assert page.locator(".etat-envoye").inner_text() == "Reçu par Coordination des signalements."


DEBORDEMENT = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_le_lien_se_prend_au_clavier_et_au_doigt_a_320_px_et_a_200_pour_cent(
        serveur, navigateur):
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
    page = contexte.new_page()
    page.goto(serveur.url + "/voirie/")
    lien = page.get_by_role("link", name="Je ne trouve pas mon problème")
    boite = lien.bounding_box()
    assert boite["height"] >= 44 and boite["width"] >= 280
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Je ne trouve pas mon problème":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/je-ne-trouve-pas/")
    assert page.evaluate(DEBORDEMENT) <= 0
    contexte.close()
    contexte = navigateur.new_context(viewport={"width": 640, "height": 800},
                                      device_scale_factor=2)
    page = contexte.new_page()
    page.goto(serveur.url + "/je-ne-trouve-pas/")
    page.evaluate("document.documentElement.style.zoom = '200%'")
    assert page.evaluate(DEBORDEMENT) <= 0
    contexte.close()
