"""Les gabarits du thème (`site/theme/templates/`), pour Pelican et hors de Pelican.

Pelican rend les pages du site ; les fonctions rendent avec **les mêmes gabarits** les rares
pages du site qui dépendent d'une requête (les résultats de recherche sans JavaScript,
`fonctions/recherche.py`). Les deux emploient les options de `OPTIONS_JINJA` : tout est
échappé (un texte du contenu ou d'un habitant est une donnée), blocs sans lignes vides.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader

THEME = Path(__file__).resolve().parents[2] / "theme"
OPTIONS_JINJA = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True, "extensions": []}
SITENAME = "Aiguillage"


def environnement() -> Environment:
    """Un environnement Jinja réglé comme celui de Pelican, sur les gabarits du thème."""
    options = {k: v for k, v in OPTIONS_JINJA.items() if k != "autoescape"}
    return Environment(loader=FileSystemLoader(THEME / "templates"), autoescape=True, **options)
