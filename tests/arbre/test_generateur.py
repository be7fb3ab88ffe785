"""Sortie dorée du petit contenu : chaque page HTML et le modèle, comparés octet pour octet
aux fichiers de tests/arbre/attendu/petit/ (régénérés par `make regenerer`)."""

import json
from pathlib import Path

import pytest

from arbre.__main__ import construire
from tests.conftest import PETIT, comparer_ou_regenerer

ATTENDU = Path(__file__).parent / "attendu" / "petit"


@pytest.fixture(scope="module")
def sortie(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("sortie")
    assert construire(PETIT, dossier) == 0
    return dossier


def pages(dossier: Path) -> list[str]:
    return sorted(p.relative_to(dossier).as_posix() for p in dossier.rglob("*.html")
                  if not p.relative_to(dossier).as_posix().startswith("theme/"))


def test_une_page_par_noeud_a_une_adresse_propre(sortie):
    assert pages(sortie) == [
        "404.html", "accessibilite/index.html", "dechets/index.html",
        "donnees-personnelles/index.html", "gaz/index.html", "hors-ligne/index.html",
        "index.html", "je-ne-trouve-pas/index.html", "mentions-legales/index.html",
        "mes-signalements/index.html",
        "partages/arbre-tombe/index.html",
        "partages/arbre-tombe/sur-la-route/index.html",
        "partages/arbre-tombe/sur-la-route/la-roche-bernard/index.html",
        "partages/arbre-tombe/sur-la-route/muzillac/index.html",
        "partages/arbre-tombe/sur-un-fil/index.html", "plan-du-site/index.html",
        "recherche/index.html", "suivi/index.html", "voirie/index.html", "voirie/nid-de-poule/index.html",
        "voirie/nid-de-poule/la-roche-bernard/index.html",
        "voirie/nid-de-poule/muzillac/index.html",
    ]


@pytest.mark.parametrize("page", [
    "index.html", "voirie/index.html", "voirie/nid-de-poule/index.html",
    "voirie/nid-de-poule/muzillac/index.html", "gaz/index.html", "dechets/index.html",
    "partages/arbre-tombe/sur-un-fil/index.html", "plan-du-site/index.html",
    "accessibilite/index.html", "404.html", "je-ne-trouve-pas/index.html",
])
def test_chaque_sorte_de_page_correspond_a_la_sortie_doree(sortie, page):
    comparer_ou_regenerer((sortie / page).read_text(encoding="utf-8"), ATTENDU / page)


def test_le_modele_correspond_a_la_sortie_doree(sortie):
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    modele["empreinte"] = "…"
    texte = json.dumps(modele, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    comparer_ou_regenerer(texte, ATTENDU / "modele.json")


def test_la_commune_choisit_le_service(sortie):
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    nid = modele["noeuds"]["voirie/nid-de-poule"]
    assert nid["depend_de_la_commune"] is True
    assert nid["gestionnaires_par_commune"] == {"56143": "mairie-muzillac",
                                                "56195": "mairie-la-roche-bernard"}
    dechets = modele["noeuds"]["dechets"]
    assert (dechets["depend_de_la_commune"], dechets["gestionnaire"]) == (False, "cc-essai")
    page = (sortie / "voirie/nid-de-poule/la-roche-bernard/index.html").read_text()
    assert "s'en occupe&nbsp;: <strong>Mairie de La Roche-Bernard</strong>" in page


def test_le_texte_du_contenu_est_echappe(contenu_petit, tmp_path):
    gaz = contenu_petit / "arbre" / "20-gaz.md"
    gaz.write_text(gaz.read_text().replace("libelle: Une odeur de gaz",
                                           'libelle: "<script>alert(1)</script>"')
                   + "\n<img src=x onerror=alert(1)>\n")
    assert construire(contenu_petit, tmp_path / "sortie") == 0
    page = (tmp_path / "sortie" / "gaz" / "index.html").read_text()
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_les_urgences_passent_avant_les_autres_reponses(contenu_petit, tmp_path):
    (contenu_petit / "arbre" / "90-blesse.md").write_text(
        "---\ntype: urgence\nlibelle: Quelqu'un est blessé\nnumeros: [\"112\"]\n---\n")
    assert construire(contenu_petit, tmp_path / "sortie") == 0
    modele = json.loads((tmp_path / "sortie" / "modele.json").read_text())
    assert [c["cible"] for c in modele["noeuds"][""]["choix"]] == [
        "blesse", "voirie", "gaz", "dechets"]


def test_modifier_un_libelle_change_la_page(contenu_petit, tmp_path):
    gaz = contenu_petit / "arbre" / "20-gaz.md"
    gaz.write_text(gaz.read_text().replace("Une odeur de gaz", "Ça sent le gaz"))
    assert construire(contenu_petit, tmp_path / "sortie") == 0
    assert "Ça sent le gaz" in (tmp_path / "sortie" / "index.html").read_text()


def test_le_relais_netlify_vient_de_la_variable_de_construction(tmp_path, monkeypatch):
    monkeypatch.setenv("AIGUILLAGE_FONCTIONS_URL", "https://fonctions.example.org/")
    assert construire(PETIT, tmp_path) == 0
    relais = (tmp_path / "_redirects").read_text()
    assert relais == "/api/*  https://fonctions.example.org/api/:splat  200!\n"


def test_aucun_script_ni_style_en_ligne_la_csp_les_interdit():
    gabarits = Path(__file__).resolve().parents[2] / "site" / "theme" / "templates"
    for gabarit in gabarits.glob("*.html"):
        texte = gabarit.read_text(encoding="utf-8")
        assert "<style" not in texte and " style=" not in texte, gabarit.name
        assert "<script>" not in texte and "<script type=\"module\">" not in texte, gabarit.name


def test_une_commune_au_nom_avec_article_est_ecrite_au_guerno(contenu_petit, tmp_path):
    territoire = contenu_petit / "territoire.yaml"
    territoire.write_text(territoire.read_text().replace("competences:", (
        '  - insee: "56077"\n    nom: Le Guerno\n    codes_postaux: ["56190"]\ncompetences:')))
    muzillac = (contenu_petit / "gestionnaires" / "mairie-muzillac.md").read_text()
    (contenu_petit / "gestionnaires" / "mairie-le-guerno.md").write_text(
        muzillac.replace("Mairie de Muzillac", "Mairie du Guerno").replace("muzillac", "le-guerno"))
    assert construire(contenu_petit, tmp_path / "sortie") == 0
    page = (tmp_path / "sortie" / "voirie" / "nid-de-poule" / "le-guerno" / "index.html").read_text()
    assert "<title>Un nid-de-poule au Guerno : signaler à Mairie du Guerno" in page
    assert '<span class="commune">au Guerno</span>' in page
    # La page de l'issue, qui la remplace hors ligne, le lit dans communes.json.
    services = json.loads((tmp_path / "sortie" / "voirie" / "nid-de-poule" / "communes.json").read_text())
    assert services["communes"]["le-guerno"] == ["56077", "Le Guerno", "au Guerno", "mairie-le-guerno"]
    assert "<strong>Mairie du Guerno</strong>" in services["services"]["mairie-le-guerno"][0]
    assert '<h2 id="service-nom">Mairie du Guerno</h2>' in services["services"]["mairie-le-guerno"][1]
