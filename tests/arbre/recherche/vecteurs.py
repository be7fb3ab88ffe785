"""Les vecteurs de test partagés (`vecteurs.json`) : des entrées et ce que les fonctions de
texte Python en font. Le navigateur doit en faire exactement autant
(tests/navigateur/test_recherche.py) : c'est ce qui prouve que les deux moitiés de la
recherche comparent les mêmes mots et les mêmes racines.

Les entrées sont fixes (un ajout se fait à la main, ou par `python -m
tests.arbre.recherche.vecteurs`, qui reprend les mots du contenu de démonstration, du jeu
public et d'une liste de cas difficiles) ; `make regenerer` recalcule les sorties.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

from arbre.recherche.moteur import distance
from arbre.recherche.texte import cles, mots, normaliser, plier

FICHIER = Path(__file__).with_name("vecteurs.json")

CAS_DIFFICILES = [
    "", "   ", "L'ŒIL-de-bœuf ÉTEINT !", "e\u0301teint", "Cœur ÆQUO", "aujourd’hui", "nid‑de‑poule",
    "N°165 : 3×2 = 6 €", "İstanbul", "ÀÉÎÕÜ ÿ ñ ç", "SMS : ya 1 trou ds la rue", "🙂 τέλος", "l'égout",
    "qu'il y ait", "ça sent le gaz", "Je voudrais signaler un problème svp", "poubelle pa ramasser",
    "lampadère", "egou", "trotoir abime", "RD 20", "tél 02 61 91 00 01", "a\u00a0b\tc\nd", "x" * 30,
]
DISTANCES = [("lampadere", "lampadaire", 2), ("poubele", "poubelle", 1), ("ordrues", "ordures", 1),
             ("route", "rouge", 1), ("egou", "egout", 0), ("abc", "", 3), ("", "", 0),
             ("trotoir", "trottoir", 1), ("chausee", "chaussee", 2), ("ab", "ba", 1),
             ("lampadaire", "poubelle", 2), ("electricite", "electr", 2)]


def calculer(entrees: dict) -> dict:
    """Les sorties des fonctions Python pour les entrées de `vecteurs.json`."""
    return {
        "normaliser": {t: normaliser(t) for t in entrees["normaliser"]},
        "mots": {t: mots(t) for t in entrees["mots"]},
        "cles": {m: list(cles(m)) for m in entrees["cles"]},
        "distance": [[a, b, limite, distance(a, b, limite)] for a, b, limite, _ in entrees["distance"]],
    }


def entrees_neuves(racine: Path) -> dict:
    """Les entrées : les cas difficiles, les 100 requêtes du jeu public, tous les mots du contenu
    de démonstration et leur forme sans accents."""
    import yaml

    requetes = [r["texte"] for r in yaml.safe_load(
        (Path(__file__).with_name("requetes.yaml")).read_text(encoding="utf-8"))]
    textes = [p.read_text(encoding="utf-8") for p in sorted((racine / "contenu").rglob("*"))
              if p.suffix in (".md", ".yaml")]
    vocabulaire = {m for t in [*textes, *requetes, *CAS_DIFFICILES] for m in normaliser(t).split()}
    vocabulaire |= {plier(m) for m in vocabulaire}
    vocabulaire = {unicodedata.normalize("NFC", m) for m in vocabulaire if len(m) >= 2}
    return {"normaliser": CAS_DIFFICILES + requetes, "mots": CAS_DIFFICILES + requetes,
            "cles": sorted(vocabulaire), "distance": [[a, b, limite, None] for a, b, limite in DISTANCES]}


def ecrire(vecteurs: dict) -> None:
    FICHIER.write_text(json.dumps(vecteurs, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    ecrire(calculer(entrees_neuves(Path(__file__).resolve().parents[3])))
    print(f"{FICHIER} écrit.", file=sys.stderr)
