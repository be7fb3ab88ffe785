"""« Encore 1 ou 2 questions » : compté à la construction, sur le parcours lui-même."""

import pytest

from arbre.modele import construire_modele
from arbre.parcours import dire_questions_restantes, questions_restantes
from tests.conftest import PETIT


def question(identifiant: str, *cibles: str) -> dict:
    return {"id": identifiant, "type": "question",
            "choix": [{"libelle": c, "cible": c} for c in cibles]}


def issue(identifiant: str, sorte: str = "transmission") -> dict:
    return {"id": identifiant, "type": sorte}


def test_chaque_question_compte_les_questions_jusqu_a_l_issue_la_plus_proche_et_la_plus_loin():
    noeuds = {n["id"]: n for n in [
        question("", "voirie", "gaz"),
        question("voirie", "trou", "arbre"),
        question("arbre", "sur-la-route", "sur-un-fil"),
        issue("gaz", "orientation"), issue("trou"), issue("sur-la-route"), issue("sur-un-fil"),
    ]}
    assert questions_restantes(noeuds) == {"": (1, 3), "voirie": (1, 2), "arbre": (1, 1)}


def test_une_reponse_qui_mene_a_une_urgence_ne_raccourcit_pas_le_parcours():
    noeuds = {n["id"]: n for n in [
        question("", "danger", "voirie"), question("voirie", "trou"),
        issue("danger", "urgence"), issue("trou"),
    ]}
    assert questions_restantes(noeuds)[""] == (2, 2)


def test_une_question_partagee_est_comptee_depuis_chaque_endroit_qui_y_mene():
    noeuds = {n["id"]: n for n in [
        question("", "voirie", "parc"), question("voirie", "arbre"), question("parc", "arbre", "banc"),
        question("arbre", "fil", "route"), issue("fil"), issue("route"), issue("banc"),
    ]}
    restantes = questions_restantes(noeuds)
    assert restantes["voirie"] == (2, 2) and restantes["parc"] == (1, 2) and restantes[""] == (2, 3)


def test_une_question_qui_n_offre_que_des_urgences_compte_pour_une():
    noeuds = {n["id"]: n for n in [question("", "danger"), issue("danger", "urgence")]}
    assert questions_restantes(noeuds) == {"": (1, 1)}


@pytest.mark.parametrize(("moins", "plus", "phrase"), [
    (1, 1, "Dernière question"),
    (2, 2, "Encore 2 questions"),
    (1, 2, "Encore 1 ou 2 questions"),
    (2, 5, "Encore 2 à 5 questions"),
])
def test_le_nombre_se_dit_en_francais(moins, plus, phrase):
    assert dire_questions_restantes(moins, plus) == phrase


def test_le_petit_contenu_dit_combien_de_questions_restent():
    noeuds = construire_modele(PETIT)["noeuds"]
    assert questions_restantes(noeuds) == {
        "": (1, 3), "voirie": (1, 2), "_partages/arbre-tombe": (1, 1)}
