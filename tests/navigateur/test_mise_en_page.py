"""Les promesses de mise en page, dans un vrai Chromium contre le vrai serveur, sur chaque
sorte de page : l'issue transmise mène d'abord au signalement, l'en-tête des pages
intérieures est compact et garde les numéros d'urgence, « Mes signalements » est partout,
toute cible fait au moins 24 × 24 px, rien ne défile de côté à 320 px ni à 200 %, rien ne
bouge après le premier affichage (CLS 0), le focus va au résultat de chaque action, et
axe-core ne trouve aucun défaut. Aucune mesure de temps : chaque test attend une condition."""

import json
import urllib.request
import uuid

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.navigateur.conftest import lancer_produit
from tests.navigateur.test_hors_ligne import attendre_le_worker

pytestmark = pytest.mark.navigateur

ISSUE = "/voirie/nid-de-poule/muzillac/"
# Chaque sorte de page : son adresse, et ce qu'il faut attendre pour qu'elle soit complète.
SORTES_DE_PAGES = {
    "accueil": ("/", None),
    "question": ("/voirie/", None),
    "choix de la commune": ("/voirie/nid-de-poule/", None),
    "issue transmise, par commune": (ISSUE, None),
    "issue transmise": ("/dechets/", None),
    "orientation": ("/gaz/", None),
    "urgence": ("/partages/arbre-tombe/sur-un-fil/", None),
    "page d'information": ("/accessibilite/", None),
    "plan du site": ("/plan-du-site/", None),
    "je ne trouve pas mon problème": ("/je-ne-trouve-pas/", None),
    "recherche": ("/recherche/?q=gaz", "main [data-liste-resultats] a"),
    "recherche sans JavaScript (fonctions)": ("/api/recherche?q=gaz", None),
    "suivi": (None, ".chronologie"),
    "mes signalements": ("/mes-signalements/", "[data-mes-signalements] p:not(.aide)"),
    "hors ligne": ("/hors-ligne/", None),
    "page introuvable": ("/404.html", None),
}
CIBLES = """() => [...document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary')]
  .filter(e => e.checkVisibility() && !e.closest('.invisible'))
  .map(e => { const b = e.getBoundingClientRect();
              return {cible: e.outerHTML.slice(0, 90), largeur: b.width, hauteur: b.height}; })"""
DEBORDEMENT = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
# Les décalages de mise en page depuis le chargement, hors ceux qui suivent une action.
CLS = """() => { const o = new PerformanceObserver(() => {});
  o.observe({type: 'layout-shift', buffered: true});
  return o.takeRecords().filter(e => !e.hadRecentInput).reduce((t, e) => t + e.value, 0); }"""


@pytest.fixture(scope="module")
def suivi(serveur) -> str:
    """Le lien de suivi d'un vrai signalement fait sur le serveur de la session."""
    corps = {"noeud": "voirie/nid-de-poule", "commune": "56143", "description": "Un trou profond.",
             "adresse": "3 place de l'Église", "question-taille": "Plus grand"}
    requete = urllib.request.Request(
        serveur.url + "/api/signalements", data=json.dumps(corps).encode(), method="POST",
        headers={"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())})
    with urllib.request.urlopen(requete, timeout=30) as reponse:
        lien = json.loads(reponse.read())["suivi"]
    return "/suivi/#" + lien.rpartition("#")[2]


def ouvrir(page, serveur, suivi: str, sorte: str) -> None:
    chemin, attendu = SORTES_DE_PAGES[sorte]
    page.goto(serveur.url + (chemin or suivi))
    if attendu:
        page.locator(attendu).first.wait_for()


def haut(locator) -> float:
    return locator.bounding_box()["y"]


def test_sur_une_issue_transmise_signaler_en_ligne_vient_avant_l_appel(serveur, telephone):
    page = telephone
    page.goto(serveur.url + ISSUE)
    signaler = page.get_by_role("link", name="Signaler en ligne")
    appeler = page.locator("main").get_by_role("link", name="Appeler le 02 61 91 00 01")
    assert appeler.count() == 1  # une fois, en tête : la carte du service ne le répète pas
    assert haut(signaler) < haut(appeler)
    assert haut(appeler) + appeler.bounding_box()["height"] <= 740  # les deux sur le premier écran
    assert "bouton" in signaler.get_attribute("class")
    # L'annonce, les actions, le conseil du contenu, le formulaire, puis la carte du service.
    ordre = [haut(page.locator(s)) for s in (
        ".annonce", ".actions-issue", ".texte", "#signaler-titre", "#service-nom")]
    assert ordre == sorted(ordre)
    signaler.click()
    page.wait_for_url(f"**{ISSUE}#signaler-titre")
    titre = page.locator("#signaler-titre").bounding_box()
    assert 0 < titre["y"] < 740  # le formulaire est à l'écran, son titre lisible en haut


def test_hors_ligne_la_page_de_l_issue_remplace_la_page_par_commune_dans_le_meme_ordre(
        site_petit, navigateur, tmp_path):
    serveur = lancer_produit(site_petit, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/voirie/")
        attendre_le_worker(page)
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    page.goto(serveur.url + ISSUE)
    page.locator("h1", has_text="à Muzillac").wait_for()
    assert page.get_by_role("heading", name="Dans quelle commune ?").is_hidden()
    signaler = page.get_by_role("link", name="Signaler en ligne")
    appeler = page.locator("main").get_by_role("link", name="Appeler le 02 61 91 00 01")
    assert appeler.count() == 1 and haut(signaler) < haut(appeler)
    ordre = [haut(page.locator(s)) for s in (
        ".annonce", ".actions-issue", ".texte", "#signaler-titre", "#service-nom")]
    assert ordre == sorted(ordre)
    assert page.locator("#service-nom").inner_text() == "Mairie de Muzillac"
    assert page.locator("form[data-signalement] input[name=commune]").input_value() == "56143"
    contexte.close()


@pytest.fixture(scope="module")
def urgences(site_petit) -> list[dict]:
    return json.loads((site_petit / "modele.json").read_text(encoding="utf-8"))["urgences"]


@pytest.mark.parametrize("sorte", [s for s in SORTES_DE_PAGES if s != "accueil"])
def test_l_en_tete_des_pages_interieures_est_compact_et_garde_les_numeros_d_urgence(
        serveur, telephone, suivi, urgences, sorte):
    page = telephone
    ouvrir(page, serveur, suivi, sorte)
    entete = page.locator("header.entete").bounding_box()
    assert entete["height"] <= 740 * 0.25, f"l'en-tête prend {entete['height']:.0f} px"
    danger = page.get_by_role("region", name="Danger immédiat ?")
    numeros = danger.get_by_role("link").all()
    assert [n.inner_text() for n in numeros] == [
        ("SMS " if u.get("sms") else "") + u["numero"] for u in urgences]
    for numero in numeros:
        boite = numero.bounding_box()
        assert boite["y"] + boite["height"] <= entete["height"] and numero.is_visible()
    # Les libellés ne sont plus à l'écran, mais toujours là pour les lecteurs d'écran.
    libelle = danger.get_by_text(urgences[0]["libelle"], exact=True)
    assert libelle.bounding_box()["width"] <= 1


def test_l_accueil_garde_l_en_tete_complet_avec_les_libelles(serveur, telephone, urgences):
    telephone.goto(serveur.url + "/")
    assert telephone.get_by_text(urgences[0]["libelle"], exact=True).bounding_box()["width"] > 50
    assert telephone.get_by_text("Communauté de communes d'Essai", exact=True).is_visible()
    assert telephone.get_by_label("Rechercher un problème, avec vos mots").is_visible()


@pytest.mark.parametrize("sorte", SORTES_DE_PAGES)
def test_mes_signalements_est_dans_l_en_tete_et_le_pied_de_chaque_page(serveur, page, suivi, sorte):
    ouvrir(page, serveur, suivi, sorte)
    for zone in ("header", "footer"):
        lien = page.locator(zone).get_by_role("link", name="Mes signalements", exact=True)
        assert lien.get_attribute("href") == "/mes-signalements/", zone


def test_le_plan_du_site_mene_a_mes_signalements(serveur, page):
    page.goto(serveur.url + "/plan-du-site/")
    assert page.locator("main").get_by_role("link", name="Mes signalements").get_attribute(
        "href") == "/mes-signalements/"


@pytest.mark.parametrize("sorte", SORTES_DE_PAGES)
def test_chaque_cible_fait_au_moins_24_px_sur_24(serveur, navigateur, suivi, sorte):
    for largeur in (320, 360):
        contexte = navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 740})
        page = contexte.new_page()
        ouvrir(page, serveur, suivi, sorte)
        cibles = page.evaluate(CIBLES)
        assert cibles, sorte
        petites = [c for c in cibles if c["largeur"] < 24 or c["hauteur"] < 24]
        contexte.close()
        assert petites == [], f"à {largeur} px"


@pytest.mark.parametrize("sorte", SORTES_DE_PAGES)
def test_rien_ne_defile_de_cote_a_320_px_ni_a_200_pour_cent(serveur, navigateur, suivi, sorte):
    for largeur, zoom in ((320, 1), (640, 2)):
        contexte = navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 800},
                                          device_scale_factor=zoom)
        page = contexte.new_page()
        ouvrir(page, serveur, suivi, sorte)
        if zoom == 2:
            page.evaluate("document.documentElement.style.zoom = '200%'")
        debordement = page.evaluate(DEBORDEMENT)
        contexte.close()
        assert debordement <= 0, f"déborde de {debordement} px à {largeur} px, zoom {zoom}"


@pytest.mark.parametrize("sorte", SORTES_DE_PAGES)
def test_axe_ne_trouve_aucun_defaut_sur_chaque_sorte_de_page(serveur, telephone, suivi, sorte):
    ouvrir(telephone, serveur, suivi, sorte)
    resultats = Axe().run(telephone)
    assert resultats.violations_count == 0, resultats.generate_report()


@pytest.mark.parametrize("sorte", ["accueil", "question", "issue transmise, par commune", "suivi"])
def test_rien_ne_bouge_apres_le_premier_affichage(serveur, telephone, suivi, sorte):
    page = telephone
    ouvrir(page, serveur, suivi, sorte)
    # Tout est arrivé : le worker est prêt et le pied de page a dit ce qui est gardé.
    attendre_le_worker(page)
    page.locator("footer [data-hors-ligne-etat]").wait_for()
    assert page.evaluate(CLS) == 0


def test_apres_un_envoi_hors_ligne_le_focus_va_au_resultat(site_petit, navigateur, tmp_path):
    serveur = lancer_produit(site_petit, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    page = contexte.new_page()
    try:
        page.goto(serveur.url + ISSUE)
        attendre_le_worker(page)
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    page.reload()
    page.get_by_label("Décrivez le problème").fill("Un trou profond devant la boulangerie.")
    page.get_by_label("Plus grand").check()
    page.get_by_label("Lieu précis").fill("3 place de l'Église")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_text("En attente de réseau").wait_for()
    page.wait_for_function("() => document.activeElement.tagName === 'H2'")
    assert page.evaluate("document.activeElement.textContent") == "Un nid-de-poule à Muzillac"
    assert page.evaluate("document.activeElement.closest('.envoi-etat') !== null")
    contexte.close()


def test_apres_un_envoi_suivre_ce_signalement_est_le_bouton_principal(serveur, telephone):
    page = telephone
    page.goto(serveur.url + ISSUE)
    page.get_by_label("Décrivez le problème").fill("Un trou profond devant la boulangerie.")
    page.get_by_label("Plus grand").check()
    page.get_by_label("Lieu précis").fill("3 place de l'Église")
    page.get_by_role("button", name="Envoyer le signalement").click()
    titre = page.get_by_role("heading", name="Signalement envoyé")
    titre.wait_for()
    assert page.evaluate("document.activeElement.textContent") == "Signalement envoyé"
    suivre = page.get_by_role("link", name="Suivre ce signalement")
    assert suivre.get_attribute("class") == "bouton"
    assert suivre.get_attribute("href").startswith(serveur.url + "/suivi/#")
    prevenir = page.get_by_role("button", name="Être prévenu·e de l'avancement")
    prevenir.wait_for()
    assert prevenir.get_attribute("class") == "bouton-secondaire"
    assert haut(suivre) < haut(prevenir)


def test_rechercher_met_le_focus_sur_le_resultat(serveur, telephone):
    page = telephone
    page.goto(serveur.url + "/recherche/")
    page.get_by_label("Décrivez le problème avec vos mots").fill("gaz")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_function("() => document.activeElement.matches('main [data-etat]')")
    assert page.evaluate("document.activeElement.textContent").startswith("1 résultat")
