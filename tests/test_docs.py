"""Méta-tests : « penser à documenter » devient un échec de test."""

import re

import pytest

from arbre import agents, conservation, schema
from tests.conftest import RACINE

LISEZMOI = (RACINE / "contenu" / "LISEZMOI.md").read_text(encoding="utf-8")
README = (RACINE / "README.md").read_text(encoding="utf-8")

TOUS_LES_CHAMPS = sorted({
    nom
    for champs in [*schema.CHAMPS_NOEUD.values(), schema.CHAMPS_FORMULAIRE,
                   schema.CHAMPS_QUESTION_FORMULAIRE, schema.CHAMPS_GESTIONNAIRE,
                   schema.CHAMPS_TERRITOIRE, schema.CHAMPS_COORDINATION, schema.CHAMPS_COMMUNE,
                   schema.CHAMPS_COMPETENCE, schema.CHAMPS_URGENCE, schema.CHAMPS_PAGE,
                   agents.CHAMPS_AGENTS, agents.CHAMPS_MESSAGES]
    for nom in champs
})


@pytest.mark.parametrize("champ", TOUS_LES_CHAMPS)
def test_chaque_champ_du_contenu_est_decrit_et_montre_dans_le_guide(champ):
    assert f"`{champ}`" in LISEZMOI, f"« {champ} » n'est pas décrit dans contenu/LISEZMOI.md"
    assert re.search(rf"^\s*-?\s*{champ}:", LISEZMOI, re.M), (
        f"aucun exemple de « {champ}: » dans contenu/LISEZMOI.md")


@pytest.mark.parametrize("valeur", [*schema.NATURES, *schema.CANAUX])
def test_chaque_valeur_permise_est_dans_le_guide(valeur):
    assert f"`{valeur}`" in LISEZMOI


@pytest.mark.parametrize("bouton", agents.BOUTONS.values())
def test_chaque_bouton_de_la_page_de_l_agent_est_dans_le_guide(bouton):
    assert f"| « {bouton} » |" in LISEZMOI


def test_les_cibles_du_makefile_sont_dans_le_readme():
    makefile = (RACINE / "Makefile").read_text()
    cibles = re.search(r"^\.PHONY: (.*)$", makefile, re.M).group(1).split()
    internes = {"installer", "chromium", "postgresql", "valgrind", "nettoyer"}  # appelées par d'autres
    for cible in set(cibles) - internes:
        assert f"make {cible}" in README, f"« make {cible} » n'est pas dans le README"


def test_la_ci_appelle_make_test():
    assert "make test" in (RACINE / ".ci" / "run").read_text()


@pytest.mark.parametrize("repere", conservation.REPERES_OBLIGATOIRES)
def test_chaque_repere_de_duree_est_dans_le_guide_et_dans_la_page(repere):
    assert f"`{{{{ {repere} }}}}`" in LISEZMOI
    page = (RACINE / "contenu" / "pages" / "donnees-personnelles.md").read_text(encoding="utf-8")
    assert f"{{{{ {repere} }}}}" in page


def test_le_registre_des_traitements_nomme_chaque_duree_et_la_commande_de_purge():
    registre = (RACINE / "docs" / "donnees-personnelles.md").read_text(encoding="utf-8")
    for nom in (conservation.VARIABLE_COORDONNEES, conservation.VARIABLE_CONSERVATION,
                "python -m fonctions purger"):
        assert nom in registre
