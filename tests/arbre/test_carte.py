"""Les réglages de la carte du formulaire (arbre/carte.py) : lus à la construction, vérifiés,
écrits dans carte.json ; la politique de sécurité du site permet leurs hôtes par défaut."""

import json
import tomllib

import pytest

from arbre.carte import ATTRIBUTION, GEOCODEUR, TUILES, origines, reglages_de_la_carte
from arbre.erreurs import ErreursContenu
from tests.conftest import PETIT, RACINE


def message(environ: dict) -> str:
    with pytest.raises(ErreursContenu) as refus:
        reglages_de_la_carte(environ)
    return "\n".join(str(e) for e in refus.value.rapport.erreurs)


def test_sans_reglage_la_carte_prend_le_plan_ign_et_la_base_adresse_nationale():
    assert reglages_de_la_carte({}) == {"tuiles": TUILES, "attribution": ATTRIBUTION,
                                        "geocodeur": GEOCODEUR}
    assert "TILEMATRIX={z}&TILEROW={y}&TILECOL={x}" in TUILES
    # Une variable vide compte comme absente ; la barre finale du géocodeur est retirée.
    assert reglages_de_la_carte({"AIGUILLAGE_TUILES_URL": " ", "AIGUILLAGE_GEOCODEUR_URL":
                                 "https://adresses.example.org/"})["geocodeur"] == (
        "https://adresses.example.org")


def test_des_services_locaux_sont_permis_en_http_pour_le_developpement():
    reglages = reglages_de_la_carte({
        "AIGUILLAGE_TUILES_URL": "http://127.0.0.1:8080/{z}/{x}/{y}.png",
        "AIGUILLAGE_TUILES_ATTRIBUTION": "Tuiles de test",
        "AIGUILLAGE_GEOCODEUR_URL": "http://localhost:7878"})
    assert reglages == {"tuiles": "http://127.0.0.1:8080/{z}/{x}/{y}.png",
                        "attribution": "Tuiles de test", "geocodeur": "http://localhost:7878"}


def test_une_adresse_non_chiffree_ou_sans_zxy_est_refusee_en_francais():
    assert message({"AIGUILLAGE_TUILES_URL": "http://tuiles.example.org/{z}/{x}/{y}.png",
                    "AIGUILLAGE_TUILES_ATTRIBUTION": "x"}) == (
        "AIGUILLAGE_TUILES_URL : « http://tuiles.example.org/{z}/{x}/{y}.png » n'est pas une "
        "adresse web valide.\n  → Donnez une adresse en https:// (http:// n'est permis que vers "
        "localhost, pour le développement et les tests).")
    assert message({"AIGUILLAGE_TUILES_URL": "https://tuiles.example.org/{z}/{x}.png",
                    "AIGUILLAGE_TUILES_ATTRIBUTION": "x"}) == (
        "AIGUILLAGE_TUILES_URL : l'adresse des tuiles doit contenir {z}, {x} et {y} (le zoom, "
        "la colonne et la ligne de chaque tuile).\n  → Exemple : "
        "https://tuiles.example.org/{z}/{x}/{y}.png, ou pour un WMTS : "
        "…&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}.")


def test_un_autre_fond_de_carte_doit_citer_sa_source():
    assert message({"AIGUILLAGE_TUILES_URL": "https://tuiles.example.org/{z}/{x}/{y}.png"}) == (
        "AIGUILLAGE_TUILES_ATTRIBUTION : le fond de carte a changé (AIGUILLAGE_TUILES_URL) mais "
        "pas sa source.\n  → Donnez le texte qui cite le fournisseur des tuiles, affiché sur la "
        "carte (exemple : « © les contributeurs d'OpenStreetMap »).")


def test_le_geocodeur_est_une_adresse_de_base():
    assert message({"AIGUILLAGE_GEOCODEUR_URL": "https://api-adresse.data.gouv.fr/search/?q="}) == (
        "AIGUILLAGE_GEOCODEUR_URL : donnez l'adresse de base du géocodeur, sans « ? » ni « # ».\n"
        "  → Aiguillage y ajoute lui-même /search/ et /reverse/ (exemple : "
        "https://api-adresse.data.gouv.fr).")


def test_la_construction_ecrit_carte_json_avec_les_communes(site_petit):
    carte = json.loads((site_petit / "carte.json").read_text(encoding="utf-8"))
    assert carte == {"tuiles": TUILES, "attribution": ATTRIBUTION, "geocodeur": GEOCODEUR,
                     "territoire": "Communauté de communes d'Essai",
                     "communes": {"56143": {"nom": "Muzillac", "slug": "muzillac"},
                                  "56195": {"nom": "La Roche-Bernard", "slug": "la-roche-bernard"}}}


def test_la_carte_n_est_pas_gardee_pour_le_hors_ligne(site_petit):
    sw = (site_petit / "sw.js").read_text(encoding="utf-8")
    assert '"/theme/js/formulaire.js"' in sw
    for fichier in ("/carte.json", "/theme/js/carte.js", "/theme/js/geocodeur.js",
                    "/theme/js/lieu.js", "/theme/css/carte.css", "/theme/vendor/leaflet/"):
        assert f'"{fichier}' not in sw, fichier


def test_leaflet_garde_son_en_tete_de_licence(site_petit):
    texte = (site_petit / "theme" / "vendor" / "leaflet" / "leaflet.js").read_text(encoding="utf-8")
    assert texte.startswith("/* @preserve\n * Leaflet 1.9.4")


def test_un_reglage_faux_arrete_la_construction_sans_trace(tmp_path, monkeypatch, capsys):
    from arbre.__main__ import construire

    monkeypatch.setenv("AIGUILLAGE_GEOCODEUR_URL", "ftp://adresses.example.org")
    assert construire(PETIT, tmp_path / "sortie") == 1
    erreur = capsys.readouterr().err
    assert "AIGUILLAGE_GEOCODEUR_URL : « ftp://adresses.example.org » n'est pas une adresse web " \
           "valide." in erreur
    assert "Traceback" not in erreur


def test_la_politique_de_securite_du_site_permet_les_services_par_defaut():
    netlify = tomllib.loads((RACINE / "netlify.toml").read_text(encoding="utf-8"))
    csp = next(h for h in netlify["headers"] if h["for"] == "/*")["values"]["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    for directive, origine in origines({"tuiles": TUILES, "geocodeur": GEOCODEUR}).items():
        assert origine in directives[directive], (directive, origine)
    assert origines({"tuiles": TUILES, "geocodeur": GEOCODEUR}) == {
        "img-src": "https://data.geopf.fr", "connect-src": "https://api-adresse.data.gouv.fr"}
