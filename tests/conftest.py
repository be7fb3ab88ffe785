"""Outils communs des tests. Les attendus « dorés » se régénèrent par `make regenerer`."""

import os
import shutil
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[1]
DEMO = RACINE / "contenu"
REGENERER = os.environ.get("AIGUILLAGE_REGENERER") == "1"
PETIT = RACINE / "tests" / "arbre" / "contenus" / "petit"


def comparer_ou_regenerer(obtenu: str, attendu: Path) -> None:
    """Compare `obtenu` au fichier doré `attendu` ; le réécrit si AIGUILLAGE_REGENERER=1."""
    if REGENERER or not attendu.exists():
        attendu.parent.mkdir(parents=True, exist_ok=True)
        attendu.write_text(obtenu, encoding="utf-8")
        if not REGENERER:
            pytest.fail(f"{attendu} n'existait pas : il vient d'être créé, relisez-le.")
    assert obtenu == attendu.read_text(encoding="utf-8")


@pytest.fixture
def contenu_petit(tmp_path) -> Path:
    """Une copie modifiable du petit contenu de test."""
    copie = tmp_path / "contenu"
    shutil.copytree(PETIT, copie)
    return copie


@pytest.fixture(scope="session")
def site_petit(tmp_path_factory) -> Path:
    """Le petit contenu de test, construit une fois pour toute la session."""
    from arbre.__main__ import construire

    sortie = tmp_path_factory.mktemp("site-petit")
    assert construire(PETIT, sortie) == 0
    return sortie


@pytest.fixture(scope="session")
def site_demo(tmp_path_factory) -> Path:
    """Le contenu de démonstration (contenu/), construit une fois pour toute la session."""
    from arbre.__main__ import construire

    sortie = tmp_path_factory.mktemp("site-demo")
    assert construire(DEMO, sortie) == 0
    return sortie


def construire_decoupe(contenu: Path, sortie: Path, morceau_ko: str = "") -> None:
    """Construit `contenu` dans `sortie`, l'index de la recherche découpé en une base et des
    morceaux (seuil abaissé à 0 Ko ; morceaux de postes de `morceau_ko` Ko si donné), comme
    celui d'un grand parcours."""
    from arbre.__main__ import construire

    with pytest.MonkeyPatch.context() as reglage:
        reglage.setenv("AIGUILLAGE_RECHERCHE_SEUIL", "0")
        reglage.setenv("AIGUILLAGE_RECHERCHE_MORCEAU", morceau_ko)
        assert construire(contenu, sortie) == 0


@pytest.fixture(scope="session")
def site_petit_decoupe(tmp_path_factory) -> Path:
    """Le petit contenu, son index de recherche découpé, construit une fois pour la session."""
    sortie = tmp_path_factory.mktemp("site-petit-decoupe")
    construire_decoupe(PETIT, sortie)
    return sortie
