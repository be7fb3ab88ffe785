"""Le suivi entre services dans un vrai Chromium, contre le produit entier (site construit et
fonctions, comme `make demo`) : la page de l'agent ouverte depuis le courriel (.eml), un refus
vers un autre service, puis la chronologie du citoyen sur /suivi/#jeton — et axe-core ne
trouve aucun défaut ni sur l'une ni sur l'autre."""

import email
import email.policy
import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.navigateur.conftest import lancer_produit

pytestmark = pytest.mark.navigateur


@pytest.fixture(scope="module")
def produit(site_petit, tmp_path_factory):
    donnees = tmp_path_factory.mktemp("suivi") / "donnees"
    serveur = lancer_produit(site_petit, donnees)
    yield serveur, donnees
    serveur.arreter()


def signaler(url: str, **autres) -> dict:
    corps = json.dumps({"noeud": "voirie/nid-de-poule", "commune": "56143",
                        "description": "Un trou profond devant la boulangerie.",
                        "adresse": "2 place du Marché, Muzillac",
                        "question-taille": "Plus grand", **autres}).encode()
    requete = urllib.request.Request(url + "/api/signalements", data=corps,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(requete, timeout=10) as reponse:
        return json.load(reponse)


def lien_du_courriel(donnees: Path, adresse: str, reference: str, deja: set) -> str:
    """Le lien de prise en charge du courriel (.eml) reçu par ``adresse`` pour ``reference``."""
    limite = time.monotonic() + 20
    while time.monotonic() < limite:
        for fichier in sorted((donnees / "courriels").glob("*.eml")) if (
                donnees / "courriels").exists() else []:
            if fichier in deja:
                continue
            message = email.message_from_bytes(fichier.read_bytes(), policy=email.policy.default)
            if message["To"] == adresse and message["X-Aiguillage-Reference"] == reference:
                deja.add(fichier)
                texte = message.get_body(("plain",)).get_content()
                return re.search(r"http://\S+/api/agent/\S+", texte).group(0)
        time.sleep(0.1)
    raise AssertionError(f"aucun courriel pour {adresse}")


def test_l_agent_refuse_et_le_citoyen_suit_tout_sans_defaut_d_accessibilite(produit, page):
    serveur, donnees = produit
    corps = signaler(serveur.url)
    lus = set()
    lien_muzillac = lien_du_courriel(donnees, "services-techniques@muzillac.example.org",
                                     corps["reference"], lus)

    page.goto(lien_muzillac)
    assert page.get_by_role("heading", level=1).inner_text() == f"Signalement {corps['reference']}"
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()
    page.locator("summary", has_text="Ce n'est pas de notre ressort").click()
    page.get_by_label("Ce lieu n'est pas sur notre territoire.").check()
    page.get_by_label("Quel service doit s'en occuper ?").select_option(
        label="Mairie de La Roche-Bernard")
    page.locator("#action-pas_de_notre_ressort").get_by_role(
        "button", name="Ce n'est pas de notre ressort").click()
    page.get_by_text("Le signalement est confié à Mairie de La Roche-Bernard").wait_for()

    lien_roche = lien_du_courriel(donnees, "services-techniques@la-roche-bernard.example.org",
                                  corps["reference"], lus)
    page.goto(lien_roche)
    page.get_by_role("button", name="Prendre en charge").click()
    page.get_by_text("C'est noté : le citoyen sait que vous avez pris en charge").wait_for()
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()

    page.goto(corps["suivi"])
    chronologie = page.locator("ol.chronologie > li")
    chronologie.nth(4).wait_for()
    textes = chronologie.all_inner_texts()
    assert [t.split("\n")[1] for t in textes] == [
        "Signalement reçu",
        "Transmis au service — Mairie de Muzillac",
        "Pas de notre ressort — Mairie de Muzillac",
        "Transmis au service — Mairie de La Roche-Bernard",
        "Pris en charge — Mairie de La Roche-Bernard",
    ]
    assert "« Ce lieu n'est pas sur notre territoire »" in textes[2]
    assert page.locator(".etat").inner_text() == "Pris en charge"
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()

    page.get_by_label("Votre information").fill("Le trou s'agrandit avec la pluie.")
    page.get_by_role("button", name="Ajouter").click()
    page.get_by_role("status").get_by_text("Votre information est ajoutée").wait_for()
    assert "Le trou s'agrandit avec la pluie." in chronologie.last.inner_text()
    assert page.locator("main").inner_text().count("@") == 0  # aucun contact affiché

    agent = page.context.new_page()
    agent.goto(lien_roche)
    agent.locator("summary", has_text="C'est résolu").click()
    agent.get_by_role("button", name="C'est résolu").click()
    agent.get_by_text("C'est noté : le citoyen sait que c'est résolu.").wait_for()
    page.reload()
    page.get_by_role("heading", name="Le problème est-il réglé ?").wait_for()
    page.get_by_label("Non : qu'est-ce qui ne va pas ? (facultatif)").fill("Toujours là.")
    page.get_by_role("button", name="Non, rouvrir le signalement").click()
    page.get_by_role("status").get_by_text("Le signalement est rouvert").wait_for()
    assert page.locator(".etat").inner_text() == "Rouvert"
    agent.reload()
    assert "Le citoyen a rouvert ce signalement" in agent.locator("main").inner_text()


def test_sans_jeton_la_page_de_suivi_le_dit(produit, page):
    serveur, _ = produit
    page.goto(serveur.url + "/suivi/")
    page.get_by_text("Ce lien de suivi est incomplet").wait_for()
    page.goto("about:blank")
    page.goto(serveur.url + "/suivi/#AIG-2222-22.faux")
    page.get_by_text("Ce lien de suivi n'est pas valide : vérifiez qu'il est complet.").wait_for()
    assert page.get_by_text("Chargement du suivi…").count() == 0


def telecharger(page) -> dict:
    with page.expect_download() as attente:
        page.get_by_role("button", name="Télécharger mes données").click()
    return attente.value


def test_le_citoyen_telecharge_ses_donnees_et_efface_ses_coordonnees(produit, page):
    serveur, _ = produit
    corps = signaler(serveur.url, courriel="lea@exemple.fr")
    page.goto(corps["suivi"])
    page.get_by_role("heading", name="Vos données").wait_for()
    fichier = telecharger(page)
    assert fichier.suggested_filename == f"{corps['reference']}.json"
    donnees = json.loads(Path(fichier.path()).read_text(encoding="utf-8"))
    assert donnees["reference"] == corps["reference"]
    assert donnees["coordonnees"]["courriel"] == "lea@exemple.fr"
    assert donnees["description"] == "Un trou profond devant la boulangerie."
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()

    page.get_by_role("button", name="Effacer mes coordonnées").click()
    page.get_by_role("status").get_by_text("Vos coordonnées sont effacées").wait_for()
    apres = json.loads(Path(telecharger(page).path()).read_text(encoding="utf-8"))
    assert apres["coordonnees"] is None


def test_sans_javascript_le_citoyen_telecharge_et_efface_aussi(produit, page_sans_js):
    serveur, _ = produit
    corps = signaler(serveur.url, courriel="paul@exemple.fr")
    jeton = corps["suivi"].rpartition("#")[2]
    page = page_sans_js
    page.goto(f"{serveur.url}/api/suivi/{jeton}")
    donnees = json.loads(Path(telecharger(page).path()).read_text(encoding="utf-8"))
    assert donnees["coordonnees"]["courriel"] == "paul@exemple.fr"
    page.get_by_role("button", name="Effacer mes coordonnées").click()
    page.get_by_text("Vos coordonnées sont effacées").wait_for()
    assert json.loads(Path(telecharger(page).path()).read_text(encoding="utf-8"))[
        "coordonnees"] is None
