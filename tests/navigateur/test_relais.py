"""Derrière le relais `/api/*` de Netlify (un hôte de test qui applique le `_redirects`
écrit par la construction, relais_netlify.py) : la recherche sans JavaScript, rendue par
des fonctions hébergées ailleurs, s'affiche sur l'origine du site, avec sa feuille de style
et ses liens ; avec JavaScript, une recherche sans résultat est comptée à travers le relais."""

import sys
from pathlib import Path

import pytest

from arbre.__main__ import construire
from tests.conftest import PETIT
from tests.navigateur.conftest import Serveur, lancer_produit, port_libre

pytestmark = pytest.mark.navigateur

HOTE_PUBLIC = "https://fonctions.example.org"


@pytest.fixture(scope="module")
def relais(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("relais")
    site = dossier / "site"
    with pytest.MonkeyPatch.context() as m:
        m.setenv("AIGUILLAGE_FONCTIONS_URL", HOTE_PUBLIC)
        assert construire(PETIT, site) == 0
    assert (site / "_redirects").read_text() == f"/api/*  {HOTE_PUBLIC}/api/:splat  200!\n"
    # Les fonctions, seules sur leur hôte (elles ne servent pas le site).
    fonctions = lancer_produit(site, dossier / "donnees", AIGUILLAGE_SITE="-")
    port = port_libre()
    hote = Serveur([sys.executable, str(Path(__file__).with_name("relais_netlify.py")), str(site),
                    str(port), HOTE_PUBLIC, fonctions.url], port, dossier / "relais.log")
    yield hote
    hote.arreter()
    fonctions.arreter()


def test_sans_javascript_la_recherche_passe_par_le_relais(relais, page_sans_js):
    page = page_sans_js
    page.goto(relais.url + "/voirie/")
    page.get_by_label("Rechercher un problème, avec vos mots").fill("odeur de gaz")
    with page.expect_response(lambda r: r.url.endswith("/theme/css/aiguillage.css")) as css:
        page.get_by_role("button", name="Rechercher").click()
    assert css.value.status in (200, 304)  # la feuille du site, servie par l'hôte du site
    assert page.url == relais.url + "/api/recherche?q=odeur+de+gaz"
    assert page.locator("main [data-etat]").inner_text() == "1 résultat pour « odeur de gaz »."
    page.get_by_role("link", name="Une odeur de gaz").click()
    page.wait_for_url(relais.url + "/gaz/")
    assert page.locator("h1").inner_text() == "Une odeur de gaz"


def test_avec_javascript_une_recherche_vide_est_comptee_a_travers_le_relais(relais, page):
    page.goto(relais.url + "/")
    with page.expect_response("**/api/recherche/sans-resultat") as envoi:
        page.goto(relais.url + "/recherche/?q=dragon+cracheur")
    assert envoi.value.status == 204
    assert page.url.startswith(relais.url)
