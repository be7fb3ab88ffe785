"""L'architecture des fonctions, vérifiée : des paquets par rôle, un seul sens, aucun cycle.

``fonctions/app.py`` (la racine de composition) importe tout et rien ne l'importe, sauf
``__main__`` qui la lance. Les paquets sont rangés du plus haut au plus bas : un module
n'importe que son paquet ou ceux qui viennent après lui dans ``ORDRE`` (voir
docs/fonctions.md, « Où vit quoi »).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[2]
FONCTIONS = RACINE / "fonctions"

ORDRE = ["points_d_entree", "web", "push", "transmission", "domaine", "stockage", "socle"]
AU_SOMMET = {"fonctions", "fonctions.app", "fonctions.__main__"}


def _nom(chemin: Path) -> str:
    parties = chemin.relative_to(RACINE).with_suffix("").parts
    if parties[-1] == "__init__":
        parties = parties[:-1]
    return ".".join(parties)


MODULES = {_nom(p): p for p in sorted(FONCTIONS.rglob("*.py"))}


def _importes(nom: str) -> set[str]:
    """Les modules de ``fonctions`` que ``nom`` importe, où que ce soit dans le fichier (y
    compris dans une fonction ou sous ``TYPE_CHECKING`` : une dépendance reste une
    dépendance)."""
    chemin = MODULES[nom]
    paquet = nom if chemin.name == "__init__.py" else nom.rpartition(".")[0]
    trouves: set[str] = set()
    for noeud in ast.walk(ast.parse(chemin.read_text(), str(chemin))):
        if isinstance(noeud, ast.Import):
            trouves.update(a.name for a in noeud.names)
        elif isinstance(noeud, ast.ImportFrom):
            base = noeud.module or ""
            if noeud.level:
                morceaux = paquet.split(".")[: len(paquet.split(".")) - noeud.level + 1]
                base = ".".join([*morceaux, *([noeud.module] if noeud.module else [])])
            for alias in noeud.names:
                complet = f"{base}.{alias.name}"
                trouves.add(complet if complet in MODULES else base)
    return {m for m in trouves if m in MODULES and m != nom}


GRAPHE = {nom: _importes(nom) for nom in MODULES}


PAQUETS = {d.name for d in FONCTIONS.iterdir() if (d / "__init__.py").is_file()}


def _paquet(nom: str) -> str | None:
    """Le paquet par rôle d'un module (``fonctions.stockage`` lui-même est dans
    ``stockage``) ; ``None`` pour la racine et les modules posés à côté d'elle."""
    parties = nom.split(".")
    return parties[1] if len(parties) > 1 and parties[1] in PAQUETS else None


def test_chaque_module_vit_dans_un_paquet_de_son_role():
    seuls = [nom for nom in MODULES if _paquet(nom) is None and nom not in AU_SOMMET]
    paquets = {_paquet(nom) for nom in MODULES} - {None}
    assert seuls == [], f"Modules hors des paquets par rôle : {seuls}"
    assert paquets == set(ORDRE), f"Paquets non rangés dans ORDRE : {paquets ^ set(ORDRE)}"


def test_rien_n_importe_la_racine_de_composition():
    importateurs = sorted(nom for nom, deps in GRAPHE.items() if "fonctions.app" in deps)
    assert importateurs == ["fonctions.__main__"]
    assert not any("fonctions.__main__" in deps for deps in GRAPHE.values())


@pytest.mark.parametrize("nom", sorted(n for n in MODULES if _paquet(n)))
def test_un_module_n_importe_que_vers_le_bas(nom):
    rang = ORDRE.index(_paquet(nom))
    vers_le_haut = sorted(d for d in GRAPHE[nom]
                          if _paquet(d) is None or ORDRE.index(_paquet(d)) < rang)
    assert vers_le_haut == [], (
        f"{nom} ({_paquet(nom)}) importe un paquet plus haut que lui : {vers_le_haut}")


def test_aucun_cycle_d_imports():
    # Tarjan : les composantes fortement connexes de plus d'un module sont des cycles.
    index: dict[str, int] = {}
    bas: dict[str, int] = {}
    pile: list[str] = []
    cycles: list[list[str]] = []

    def visiter(nom: str) -> None:
        index[nom] = bas[nom] = len(index)
        pile.append(nom)
        for suivant in GRAPHE[nom]:
            if suivant not in index:
                visiter(suivant)
                bas[nom] = min(bas[nom], bas[suivant])
            elif suivant in pile:
                bas[nom] = min(bas[nom], index[suivant])
        if bas[nom] == index[nom]:
            composante = []
            while True:
                dernier = pile.pop()
                composante.append(dernier)
                if dernier == nom:
                    break
            if len(composante) > 1:
                cycles.append(sorted(composante))

    for nom in GRAPHE:
        if nom not in index:
            visiter(nom)
    assert cycles == []


# Les écritures de fichiers (``socle/fichiers.py``) hors du stockage et du socle, chacune
# justifiée. Un état que partagent les processus (identifiants, relevés, comptes…) va dans
# le stockage : un fichier à côté de la base serait propre à chaque machine sur PostgreSQL.
ECRIVENT_HORS_DU_STOCKAGE = {
    # La clé VAPID n'est créée sur disque qu'en développement, sans AIGUILLAGE_VAPID_CLE_PRIVEE.
    "fonctions.push.cles",
}


def test_les_etats_durables_passent_par_le_stockage():
    ecrivains = {nom for nom, deps in GRAPHE.items()
                 if "fonctions.socle.fichiers" in deps
                 and _paquet(nom) not in ("stockage", "socle")}
    assert ecrivains == ECRIVENT_HORS_DU_STOCKAGE, (
        f"Écrivent des fichiers hors du stockage : {sorted(ecrivains)} ; gardez cet état "
        "dans le stockage (fonctions/stockage/base.py), qui vaut pour les deux moteurs.")


def test_le_test_voit_les_imports():
    # Le test lui-même : il trouve les imports connus (sinon il ne vérifierait rien).
    assert "fonctions.domaine.suivi" in GRAPHE["fonctions.app"]
    assert "fonctions.socle.horloge" in GRAPHE["fonctions.domaine.suivi"]
    assert "fonctions.domaine.actions" in GRAPHE["fonctions.points_d_entree.agent"]
    assert "fonctions.socle.fichiers" in GRAPHE["fonctions.push.cles"]
