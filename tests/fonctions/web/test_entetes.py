from __future__ import annotations

import tomllib

import pytest
from aides_fonctions import RACINE, TestClient

from fonctions.app import creer_app, routes_du_site
from fonctions.web.entetes import (
    CSP_DU_SITE,
    NETLIFY,
    REGLES,
    entetes_introuvables,
    entetes_pour,
    lire_regles,
)
from fonctions.web.pages import CSP_SANS_SCRIPT

NETLIFY_TOML = tomllib.loads((RACINE / "netlify.toml").read_text(encoding="utf-8"))
DU_SITE = next(r for r in NETLIFY_TOML["headers"] if r["for"] == "/*")["values"]
SECURITE = (
    "Content-Security-Policy",
    "Referrer-Policy",
    "X-Content-Type-Options",
    "Permissions-Policy",
    "X-Frame-Options",
)


@pytest.fixture
def produit(tmp_path, reglages, stockage):
    """Le site construit (deux pages) et les fonctions, comme ``make demo``."""
    site = tmp_path / "sortie"
    (site / "suivi").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Qui s'en occupe ?</h1>", encoding="utf-8")
    (site / "suivi" / "index.html").write_text("<h1>Suivi</h1>", encoding="utf-8")
    (site / "sw.js").write_text("// le service worker", encoding="utf-8")
    app = creer_app(reglages, stockage=stockage, routes_supplementaires=routes_du_site(site))
    with TestClient(app) as client:
        yield client


def test_les_regles_sont_celles_de_netlify_toml_sans_la_mise_en_cache():
    assert NETLIFY == RACINE / "netlify.toml"
    attendues = [
        (r["for"], {k: v for k, v in r["values"].items() if k != "Cache-Control"})
        for r in NETLIFY_TOML["headers"]
    ]
    assert REGLES == attendues
    assert CSP_DU_SITE == DU_SITE["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in CSP_DU_SITE


def test_une_regle_plus_bas_dans_le_fichier_l_emporte():
    assert entetes_pour("/suivi/", REGLES)["Referrer-Policy"] == "no-referrer"
    assert entetes_pour("/voirie/", REGLES)["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert entetes_pour("/sw.js", REGLES)["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "chemin",
    ["/", "/suivi/", "/sw.js", "/page-absente/", "/api/sante", "/api/absente", "/api/suivi/AIG-2222-22.faux"],
)
def test_chaque_reponse_du_serveur_porte_les_en_tetes_de_securite_de_netlify(produit, chemin):
    reponse = produit.get(chemin)
    # Une page des fonctions (la page 404 comprise) a sa politique, plus stricte, qui l'emporte.
    page_des_fonctions = reponse.headers.get("content-security-policy") == CSP_SANS_SCRIPT
    for nom in SECURITE:
        if nom == "Content-Security-Policy" and page_des_fonctions:
            continue
        if nom == "Referrer-Policy" and (chemin.startswith(("/api/", "/suivi/")) or page_des_fonctions):
            assert reponse.headers[nom] == "no-referrer"
            continue
        assert reponse.headers[nom] == DU_SITE[nom], (chemin, nom)
    assert "frame-ancestors 'none'" in reponse.headers["content-security-policy"]


def test_l_api_n_est_jamais_mise_en_cache_et_ne_fuit_pas_dans_le_referer(client):
    reponse = client.get("/api/sante")
    assert reponse.headers["x-content-type-options"] == "nosniff"
    assert reponse.headers["cache-control"] == "no-store"
    assert reponse.headers["referrer-policy"] == "no-referrer"
    assert reponse.headers["x-robots-tag"] == "noindex"


def test_le_site_garde_sa_mise_en_cache_et_la_page_de_suivi_n_est_pas_indexee(produit):
    accueil = produit.get("/")
    assert "cache-control" not in accueil.headers and "x-robots-tag" not in accueil.headers
    suivi = produit.get("/suivi/")
    assert suivi.headers["referrer-policy"] == "no-referrer"
    assert suivi.headers["x-robots-tag"] == "noindex"


def test_sans_netlify_toml_le_serveur_dit_ce_qui_manque(tmp_path):
    assert lire_regles(tmp_path / "netlify.toml") == []
    assert entetes_introuvables(tmp_path / "netlify.toml") == (
        f"{tmp_path / 'netlify.toml'} est introuvable : le serveur y lit ses en-têtes de sécurité "
        "(les mêmes que Netlify). Lancez les fonctions depuis le dépôt."
    )
    assert entetes_introuvables() is None
