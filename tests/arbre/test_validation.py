"""Chaque sorte d'erreur de contenu a son scénario dans tests/arbre/erreurs/<scénario>/ :
les fichiers qui y sont remplacent ceux du petit contenu, `supprimer.txt` liste ceux à
retirer, et `attendu.txt` est le message exact que doit afficher la vérification."""

import shutil
from pathlib import Path

import pytest

from arbre.__main__ import main
from arbre.erreurs import ErreursContenu
from arbre.modele import construire_modele
from tests.conftest import PETIT, comparer_ou_regenerer

ERREURS = Path(__file__).parent / "erreurs"
SCENARIOS = sorted(p.name for p in ERREURS.iterdir() if p.is_dir())
SPECIAUX = {"attendu.txt", "supprimer.txt"}


def preparer(scenario: str, destination: Path) -> Path:
    contenu = destination / "contenu"
    shutil.copytree(PETIT, contenu)
    source = ERREURS / scenario
    for fichier in source.rglob("*"):
        if fichier.is_file() and fichier.name not in SPECIAUX:
            cible = contenu / fichier.relative_to(source)
            cible.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(fichier, cible)
    supprimer = source / "supprimer.txt"
    if supprimer.exists():
        for ligne in supprimer.read_text().split():
            (contenu / ligne).unlink()
    return contenu


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_chaque_erreur_de_contenu_donne_son_message_exact(scenario, tmp_path):
    contenu = preparer(scenario, tmp_path)
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(contenu, "contenu")
    comparer_ou_regenerer(str(erreur.value) + "\n", ERREURS / scenario / "attendu.txt")


def test_le_petit_contenu_est_valide():
    modele = construire_modele(PETIT, "contenu")
    assert len(modele["noeuds"]) == 8


def test_plusieurs_erreurs_sont_toutes_listees_d_un_coup(tmp_path):
    contenu = preparer("plusieurs_erreurs", tmp_path)
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(contenu, "contenu")
    assert len(erreur.value.rapport.erreurs) >= 3


def test_make_verifier_sort_en_erreur_sans_trace_python(tmp_path, capsys):
    contenu = preparer("gestionnaire_inconnu", tmp_path)
    assert main(["verifier", str(contenu)]) == 1
    sortie = capsys.readouterr()
    assert "Traceback" not in sortie.err
    assert "20-gaz.md, ligne 4 : le service « grfd » n'existe pas." in sortie.err


def test_make_verifier_accepte_un_contenu_valide(capsys):
    assert main(["verifier", str(PETIT)]) == 0
    assert capsys.readouterr().out.startswith("Contenu valide : 8 pages du parcours")
