"""Les pages rendues par les fonctions ont l'allure du site, dans un vrai Chromium contre le
produit entier : l'en-tête, le pied et la feuille de style du site (chargée sous leur politique
de contenu, sans erreur), aucun script là où la page porte un jeton ou des données
personnelles, et ni défaut pour axe-core ni défilement de côté à 320 px et à 200 % de zoom."""

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
COORDINATION = "coordination@essai.example.org"  # celle du contenu « petit »
MAIRIE = "services-techniques@muzillac.example.org"
DEBORDEMENT = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(scope="module")
def serveur(site_petit, tmp_path_factory):
    donnees = tmp_path_factory.mktemp("pages-des-fonctions") / "donnees"
    serveur = lancer_produit(site_petit, donnees)
    serveur.donnees = donnees
    yield serveur
    serveur.arreter()


@pytest.fixture(scope="module")
def signalement(serveur) -> dict:
    donnees = serveur.donnees
    corps = json.dumps({"noeud": "voirie/nid-de-poule", "commune": "56143",
                        "description": "Un trou profond devant la boulangerie.",
                        "adresse": "2 place du Marché", "question-taille": "Plus grand"}).encode()
    requete = urllib.request.Request(serveur.url + "/api/signalements", data=corps,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(requete, timeout=10) as reponse:
        signalement = json.load(reponse)
    signalement["agent"] = lien_du_courriel(donnees, MAIRIE, r"http://\S+/api/agent/\S+")
    return signalement


def lien_du_courriel(donnees: Path, adresse: str, motif: str) -> str:
    limite = time.monotonic() + 30
    while time.monotonic() < limite:
        dossier = donnees / "courriels"
        for fichier in sorted(dossier.glob("*.eml")) if dossier.exists() else []:
            message = email.message_from_bytes(fichier.read_bytes(), policy=email.policy.default)
            if message["To"] == adresse:
                return re.search(motif, message.get_body(("plain",)).get_content()).group(0)
        time.sleep(0.1)
    raise AssertionError(f"aucun courriel pour {adresse}")


def formulaire_a_corriger(page, serveur, _):
    # Le script du formulaire ne se charge pas (réseau lent, bloqueur) : le formulaire part
    # sans lui, comme sans JavaScript.
    page.route("**/theme/js/formulaire.js", lambda route: route.abort())
    page.goto(serveur.url + "/voirie/nid-de-poule/muzillac/")
    page.get_by_label("Décrivez le problème").fill("Un trou devant la poste.")
    page.get_by_label("Plus grand").check()
    page.get_by_label("Lieu précis").fill("1 rue de la Poste")
    page.get_by_label("Le service peut me contacter").check()  # le téléphone n'est lu qu'avec
    page.get_by_label("Téléphone").fill("12")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Votre signalement n'est pas encore envoyé").wait_for()


def erreurs_sans_formulaire(page, serveur, _):
    # Une page construite avant que son issue ne disparaisse du contenu.
    page.route("**/theme/js/formulaire.js", lambda route: route.abort())
    page.route("**/api/signalements", lambda route: route.continue_(
        post_data="noeud=voirie%2Fdisparue&description=Un+trou.",
        headers={**route.request.headers, "content-type": "application/x-www-form-urlencoded"}))
    page.goto(serveur.url + "/voirie/nid-de-poule/muzillac/")
    page.get_by_label("Décrivez le problème").fill("Un trou.")
    page.get_by_label("Plus grand").check()
    page.get_by_label("Lieu précis").fill("1 rue de la Poste")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("link", name="Recommencer depuis l'accueil").wait_for()


def suivi_sans_javascript(page, serveur, signalement):
    jeton = signalement["suivi"].rpartition("#")[2]
    page.goto(f"{serveur.url}/api/suivi/{jeton}?fait=deja")
    page.get_by_role("region", name="Garder ce suivi").wait_for()


def lien_introuvable(page, serveur, _):
    page.goto(serveur.url + "/api/suivi/AIG-2222-22.faux")
    page.get_by_role("heading", name="Lien introuvable").wait_for()


def page_de_l_agent(page, serveur, signalement):
    page.goto(signalement["agent"])
    page.get_by_role("heading", name=f"Signalement {signalement['reference']}").wait_for()


def lien_d_agent_invalide(page, serveur, _):
    page.goto(serveur.url + "/api/agent/AIG-2222-22.1.67ceaa10.faux")
    page.get_by_role("heading", name="Lien invalide").wait_for()


def connexion_de_la_coordination(page, serveur, _):
    page.goto(serveur.url + "/api/coordination")
    page.get_by_label("Votre adresse e-mail de coordination").wait_for()


def page_de_la_coordination(page, serveur, _):
    page.goto(serveur.url + "/api/coordination")
    page.get_by_label("Votre adresse e-mail de coordination").fill(COORDINATION)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    page.get_by_role("status").wait_for()
    page.goto(lien_du_courriel(serveur.donnees, COORDINATION, r"http://\S+/api/coordination/\S+"))
    page.get_by_label("Retrouver un signalement par sa référence").wait_for()


def recherche_sans_javascript(page, serveur, _):
    page.goto(serveur.url + "/api/recherche?q=trou")
    page.get_by_role("heading", name="Rechercher un problème").wait_for()


PAGES = {
    "formulaire à corriger": formulaire_a_corriger,
    "signalement non envoyé": erreurs_sans_formulaire,
    "suivi sans JavaScript": suivi_sans_javascript,
    "message (lien introuvable)": lien_introuvable,
    "page de l'agent": page_de_l_agent,
    "lien d'agent refusé": lien_d_agent_invalide,
    "connexion de la coordination": connexion_de_la_coordination,
    "page de la coordination": page_de_la_coordination,
    "résultats de recherche sans JavaScript": recherche_sans_javascript,
}


def verifier_la_page(navigateur, serveur, signalement, sorte: str, largeur: int, zoom: int):
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 800},
                                      device_scale_factor=zoom)
    page = contexte.new_page()
    refus, ressources = [], []
    page.on("console", lambda message: refus.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("response", lambda reponse: ressources.append((reponse.url, reponse.status))
            if reponse.request.resource_type != "document" else None)
    try:
        PAGES[sorte](page, serveur, signalement)
        page.wait_for_load_state("load")  # feuilles de style comprises
        entete = page.locator("header.entete")
        assert entete.get_by_role("link", name="Qui s'en occupe ?").is_visible()
        assert page.locator("footer.pied").get_by_role("link", name="Plan du site").is_visible()
        # La feuille du site est chargée et appliquée : la couleur --pale de aiguillage.css.
        assert entete.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(243, 245, 249)"
        feuilles = page.evaluate("""[...document.styleSheets].map(
            f => [new URL(f.href).pathname, f.cssRules.length > 0])""")
        if sorte == "résultats de recherche sans JavaScript":  # une page du site, scripts compris
            assert feuilles == [["/theme/css/aiguillage.css", True]]
        else:
            assert feuilles == [["/theme/css/aiguillage.css", True],
                                ["/theme/css/fonctions.css", True]]
            # aucun script exécutable (le bloc de données du formulaire n'en est pas un)
            assert page.locator("script:not([type='application/json'])").count() == 0
        if zoom == 2:
            page.evaluate("document.documentElement.style.zoom = '200%'")
        assert page.evaluate(DEBORDEMENT) <= 0, f"{sorte} déborde à {largeur} px, zoom {zoom}"
        resultats = Axe().run(page)
        assert resultats.violations_count == 0, resultats.generate_report()
        assert refus == []  # rien n'est refusé par la politique de contenu de la page
        # Feuilles, icônes, manifeste : toutes servies. Une page qui en suit une autre dans le
        # même contexte (connexion, puis coordination) les fait revalider, ou non, selon l'âge
        # des fichiers construits (fraîcheur heuristique) : 304 vaut 200.
        assert [r for r in ressources if r[1] not in (200, 304)] == []
    finally:
        contexte.close()


@pytest.mark.parametrize("sorte", PAGES)
def test_chaque_page_des_fonctions_a_l_allure_du_site_et_aucun_defaut(
        serveur, signalement, navigateur, sorte):
    verifier_la_page(navigateur, serveur, signalement, sorte, 320, 1)
    verifier_la_page(navigateur, serveur, signalement, sorte, 640, 2)
