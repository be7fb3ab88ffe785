"""La page de l'agent dans un vrai Chromium, contre le produit entier (site construit et
fonctions, comme `make demo`) : sur un téléphone de 360 px, le signalement vient avant les
réponses (positions des éléments sur la page) ; « Intervention programmée » demande sa date,
au clavier, et le citoyen la lit dans son suivi ; axe-core ne trouve aucun défaut ; rien ne
déborde à 320 px."""

import email
import email.policy
import io
import re
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from fonctions.domaine.intervention import jour_en_clair
from tests.navigateur.conftest import lancer_produit

pytestmark = pytest.mark.navigateur


@pytest.fixture(scope="module")
def produit(site_petit, tmp_path_factory):
    donnees = tmp_path_factory.mktemp("agent") / "donnees"
    serveur = lancer_produit(site_petit, donnees)
    yield serveur, donnees
    serveur.arreter()


def une_photo() -> bytes:
    tampon = io.BytesIO()
    Image.new("RGB", (800, 600), (120, 110, 100)).save(tampon, "JPEG")
    return tampon.getvalue()


def signaler(url: str) -> dict:
    """Un nid-de-poule à Muzillac, avec une photo, une position et un téléphone que le
    citoyen permet au service d'utiliser."""
    # Une clé neuve à chaque appel, comme l'application : sans elle, deux envois identiques
    # (ceux de deux tests) seraient un seul signalement (fonctions/points_d_entree/doublons.py).
    reponse = httpx.post(url + "/api/signalements", timeout=10,
                         headers={"Idempotency-Key": str(uuid.uuid4())}, data={
        "noeud": "voirie/nid-de-poule", "commune": "56143",
        "description": "Un trou profond devant la boulangerie, une roue de vélo y passe.",
        "adresse": "2 place du Marché", "latitude": "47.5541", "longitude": "-2.4806",
        "question-taille": "Plus grand", "telephone": "06 39 98 12 34", "consentement": "oui"},
        files=[("photos", ("trou.jpg", une_photo(), "image/jpeg"))])
    assert reponse.status_code == 201, reponse.text
    return reponse.json()


def lien_du_courriel(donnees: Path, reference: str) -> str:
    """Le lien de prise en charge du courriel (.eml) reçu par la mairie pour ``reference``."""
    limite = time.monotonic() + 20
    while time.monotonic() < limite:
        for fichier in sorted((donnees / "courriels").glob("*.eml")) if (
                donnees / "courriels").exists() else []:
            message = email.message_from_bytes(fichier.read_bytes(), policy=email.policy.default)
            if message["X-Aiguillage-Reference"] == reference:
                texte = message.get_body(("plain",)).get_content()
                return re.search(r"http://\S+/api/agent/\S+", texte).group(0)
        time.sleep(0.1)
    raise AssertionError(f"aucun courriel pour {reference}")


def haut(page, locator) -> float:
    boite = locator.bounding_box()
    assert boite is not None, locator
    return boite["y"]


def test_a_360_px_l_agent_lit_le_signalement_avant_les_reponses(produit, telephone):
    serveur, donnees = produit
    corps = signaler(serveur.url)
    page = telephone
    page.goto(lien_du_courriel(donnees, corps["reference"]))
    assert page.get_by_role("heading", level=1).inner_text() == f"Signalement {corps['reference']}"
    dans_l_ordre = [
        page.get_by_text("Un trou profond devant la boulangerie"),
        page.get_by_role("heading", name="Où", exact=True),
        page.get_by_role("link", name="Voir le point sur OpenStreetMap"),
        page.get_by_role("img", name=re.compile("^Photo 1 sur 1")),
        page.get_by_role("link", name="06 39 98 12 34"),
        page.locator("ol.chronologie"),
        page.get_by_role("heading", name="Que faire ?"),
        page.get_by_text("Allez voir sur place sous 48 heures."),
        page.get_by_role("heading", name="Répondre"),
        page.get_by_role("button", name="Prendre en charge"),
    ]
    positions = [haut(page, element) for element in dans_l_ordre]
    assert positions == sorted(positions), positions
    assert page.get_by_role("link", name="06 39 98 12 34").get_attribute("href") == (
        "tel:+33639981234")
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()

    with page.expect_navigation() as navigation:  # la photo s'ouvre en taille réelle
        page.get_by_role("img", name=re.compile("^Photo 1 sur 1")).click()
    assert navigation.value.headers["content-type"] == "image/jpeg"
    assert page.evaluate("document.images[0].naturalWidth") == 800
    page.go_back()

    page.set_viewport_size({"width": 320, "height": 740})
    page.locator("summary", has_text="Intervention programmée").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_intervention_programmee_se_date_au_clavier_et_le_citoyen_la_lit(produit, telephone):
    serveur, donnees = produit
    corps = signaler(serveur.url)
    page = telephone
    page.goto(lien_du_courriel(donnees, corps["reference"]))

    resume = page.locator("summary", has_text="Intervention programmée")
    resume.focus()
    page.keyboard.press("Enter")  # le détail s'ouvre au clavier
    page.keyboard.press("Tab")
    date = page.get_by_label("Date de l'intervention")
    assert page.evaluate("document.activeElement.id") == "date-programme"
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()

    bouton = page.locator("#action-programme").get_by_role("button", name="Intervention programmée")
    bouton.click()  # sans date : le navigateur refuse d'envoyer
    assert date.evaluate("champ => champ.validity.valueMissing") is True
    assert "fait=" not in page.url

    jour = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=3)).date()
    date.fill(jour.isoformat())
    page.locator("#action-programme").get_by_label("Message au citoyen").fill(
        "L'équipe voirie passera le matin.")
    bouton.focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").get_by_text(
        f"C'est noté : le citoyen sait que l'intervention est prévue le {jour_en_clair(jour)}."
    ).wait_for()
    assert page.locator(".encadre").get_by_text(
        f"Intervention prévue le {jour_en_clair(jour)}.").count() == 1
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()

    citoyen = page.context.new_page()
    citoyen.goto(corps["suivi"])
    derniere = citoyen.locator("ol.chronologie > li").nth(2)
    derniere.wait_for()
    assert [ligne for ligne in derniere.inner_text().split("\n") if ligne][1:] == [
        "Intervention programmée — Mairie de Muzillac",
        f"Intervention prévue le {jour_en_clair(jour)}. L'équipe voirie passera le matin.",
    ]
    citoyen.get_by_text(f"Mairie de Muzillac a prévu d'intervenir le {jour_en_clair(jour)}."
                        ).wait_for()
