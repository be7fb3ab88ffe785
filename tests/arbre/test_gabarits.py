"""Les gabarits du thème hors de Pelican (`arbre/gabarits.py`) : le même environnement et le
même contexte de page d'issue que la construction, pour les fonctions."""

import json

import pytest
from jinja2 import DictLoader

from arbre.__main__ import construire
from arbre.gabarits import contexte_d_issue, environnement, gabarit_d_issue
from tests.conftest import PETIT


@pytest.fixture(scope="module")
def sortie(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("sortie")
    assert construire(PETIT, dossier) == 0
    return dossier


@pytest.fixture(scope="module")
def modele(sortie):
    return json.loads((sortie / "modele.json").read_text(encoding="utf-8"))


def test_l_environnement_echappe_tout_et_compose_les_noms_comme_le_site():
    env = environnement(DictLoader({"essai.html": "{{ texte }} {{ 'Le Guerno'|a_la_commune }}"}))
    assert env.get_template("essai.html").render(texte="<b>") == "&lt;b&gt; au Guerno"
    assert env.from_string("{{ '<i>' }}").render() == "&lt;i&gt;"


def test_les_gabarits_ajoutes_passent_avant_ceux_du_theme_et_peuvent_les_etendre():
    env = environnement(DictLoader({"page.html": "la mienne",
                                    "fille.html": '{% extends "introuvable.html" %}'
                                                  "{% block titre %}Perdu{% endblock %}"}))
    assert env.get_template("page.html").render() == "la mienne"
    assert "<title>Perdu – Aiguillage" in env.get_template("fille.html").render(
        SITENAME="Aiguillage", modele={"territoire": {"nom": "Essai"}, "pages": {}, "urgences": [],
                                       "noeuds": {"": {"question": "Quoi ?"}}})


def test_une_issue_rendue_par_les_fonctions_est_la_page_construite(sortie, modele):
    noeud = modele["noeuds"]["dechets"]
    env = environnement()
    page = env.get_template(f"{gabarit_d_issue(noeud)}.html").render(
        SITENAME="Aiguillage", modele=modele, **contexte_d_issue(modele, noeud))
    assert page == (sortie / "dechets" / "index.html").read_text(encoding="utf-8")


def test_le_contexte_d_une_page_par_commune_nomme_le_service_de_la_commune(sortie, modele):
    noeud = modele["noeuds"]["voirie/nid-de-poule"]
    commune = next(c for c in modele["territoire"]["communes"] if c["slug"] == "la-roche-bernard")
    contexte = contexte_d_issue(modele, noeud, commune)
    assert (contexte["adresse_page"], contexte["gestionnaire"]["nom"], contexte["commune"]) == (
        "/voirie/nid-de-poule/la-roche-bernard/", "Mairie de La Roche-Bernard", commune)
    assert [a["id"] for a in contexte["fil"]] == ["", "voirie"]
    page = environnement().get_template("transmission.html").render(
        SITENAME="Aiguillage", modele=modele, **contexte)
    assert page == (sortie / "voirie" / "nid-de-poule" / "la-roche-bernard" / "index.html"
                    ).read_text(encoding="utf-8")


def test_je_ne_trouve_pas_a_son_propre_gabarit(sortie, modele):
    issue = modele["je_ne_trouve_pas"]
    assert gabarit_d_issue(issue) == "je-ne-trouve-pas"
    page = environnement().get_template("je-ne-trouve-pas.html").render(
        SITENAME="Aiguillage", modele=modele, **contexte_d_issue(modele, issue))
    assert page == (sortie / "je-ne-trouve-pas" / "index.html").read_text(encoding="utf-8")
