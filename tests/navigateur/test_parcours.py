"""Le parcours « Qui s'en occupe ? » dans un vrai Chromium : au clavier, sans JavaScript,
à 320 px de large et à 200 % de zoom, et sans défaut relevé par axe-core. La recherche a ses
propres tests : test_recherche.py."""

import pytest
from axe_playwright_python.sync_playwright import Axe

pytestmark = pytest.mark.navigateur

SORTES_DE_PAGES = {
    "accueil (question)": "/",
    "question": "/voirie/",
    "choix de la commune": "/voirie/nid-de-poule/",
    "transmission avec formulaire": "/voirie/nid-de-poule/muzillac/",
    "orientation": "/gaz/",
    "urgence": "/partages/arbre-tombe/sur-un-fil/",
    "page d'information": "/accessibilite/",
    "plan du site": "/plan-du-site/",
    "page introuvable": "/404.html",
}


def tabuler_jusqu_a(page, texte: str, limite: int = 60) -> None:
    for _ in range(limite):
        page.keyboard.press("Tab")
        if texte in (page.evaluate("document.activeElement.textContent") or ""):
            return
    raise AssertionError(f"« {texte} » n'est pas atteignable au clavier")


def test_on_atteint_une_issue_au_clavier_seulement(serveur, page):
    page.goto(serveur.url + "/")
    tabuler_jusqu_a(page, "Une poubelle non ramassée")
    contour = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert contour == "solid"  # le focus est visible
    page.keyboard.press("Enter")
    page.wait_for_url("**/dechets/")
    assert page.locator("h1").inner_text() == "Une poubelle non ramassée"
    assert "Communauté de communes d'Essai" in page.locator("#service-nom").inner_text()
    for _ in range(40):  # le formulaire se remplit au clavier
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "description":
            break
    page.keyboard.type("Le bac jaune n'a pas été vidé.")
    assert page.locator("#description").input_value() == "Le bac jaune n'a pas été vidé."


def test_sans_javascript_la_commune_mene_au_bon_service(serveur, page_sans_js):
    page = page_sans_js
    page.goto(serveur.url + "/")
    page.get_by_role("link", name="La rue, le trottoir").click()
    page.get_by_role("link", name="Un nid-de-poule").click()
    assert page.get_by_role("heading", name="Dans quelle commune ?").is_visible()
    page.get_by_role("link", name="La Roche-Bernard").click()
    page.wait_for_url("**/voirie/nid-de-poule/la-roche-bernard/")
    assert page.locator("#service-nom").inner_text() == "Mairie de La Roche-Bernard"
    assert page.get_by_role("region", name="Signaler le problème").locator(
        "input[name=commune]").get_attribute("value") == "56195"
    fil = page.locator("nav.fil li").all_inner_texts()
    assert fil == ["Accueil", "La rue, le trottoir", "Un nid-de-poule", "La Roche-Bernard"]


@pytest.mark.parametrize("sorte", SORTES_DE_PAGES)
def test_axe_ne_trouve_aucun_defaut(serveur, page, sorte):
    page.goto(serveur.url + SORTES_DE_PAGES[sorte])
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()


@pytest.mark.parametrize("chemin", ["/", "/voirie/nid-de-poule/muzillac/", "/plan-du-site/"])
def test_utilisable_a_320_px_et_a_200_pour_cent(serveur, navigateur, chemin):
    for largeur, zoom in ((320, 1), (640, 2)):
        contexte = navigateur.new_context(viewport={"width": largeur, "height": 800},
                                          device_scale_factor=zoom)
        page = contexte.new_page()
        page.goto(serveur.url + chemin)
        if zoom == 2:
            page.evaluate("document.documentElement.style.zoom = '200%'")
        debordement = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert debordement <= 0, f"{chemin} déborde de {debordement} px à {largeur} px, zoom {zoom}"
        contexte.close()


def test_la_page_est_en_francais_et_annonce_le_danger(serveur, page):
    page.goto(serveur.url + "/voirie/")
    assert page.locator("html").get_attribute("lang") == "fr"
    danger = page.get_by_role("region", name="Danger immédiat ?")
    assert danger.get_by_role("link", name="112").get_attribute("href") == "tel:112"
