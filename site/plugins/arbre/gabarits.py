"""Les gabarits du thème (`site/theme/templates/`), pour Pelican et hors de Pelican.

Pelican rend les pages du site ; les fonctions rendent avec **les mêmes gabarits** les pages
qui dépendent d'une requête (résultats de recherche sans JavaScript, formulaire à corriger,
suivi, pages des agents et de la coordination : `fonctions/web/pages.py`). Les deux emploient
les options de `OPTIONS_JINJA` (tout est échappé : un texte du contenu ou d'un habitant est
une donnée ; blocs sans lignes vides) et les mêmes filtres (`FILTRES`), et une page d'issue
reçoit le même contexte des deux côtés (`contexte_d_issue`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, ChoiceLoader, Environment, FileSystemLoader

from .francais import a_la_commune, a_service, de_service

THEME = Path(__file__).resolve().parents[2] / "theme"
# `auto_reload` coupé : les gabarits ne changent pas pendant une construction ni sous un
# serveur lancé (sinon Jinja relit la date de chaque gabarit à chaque inclusion).
OPTIONS_JINJA = {"autoescape": True, "trim_blocks": True, "lstrip_blocks": True,
                 "auto_reload": False, "extensions": []}
SITENAME = "Aiguillage"
# « à Le Guerno », « de Enedis » : les gabarits composent les noms par ces filtres.
FILTRES = {"a_la_commune": a_la_commune, "a_service": a_service, "de_service": de_service}


def environnement(*chargeurs: BaseLoader) -> Environment:
    """Un environnement Jinja réglé comme celui de Pelican, sur les gabarits du thème.

    ``chargeurs`` passent avant le thème : les fonctions y ajoutent leurs propres gabarits,
    qui étendent ``base.html`` (aucun nom n'existe des deux côtés, voir les tests)."""
    options = {k: v for k, v in OPTIONS_JINJA.items() if k != "autoescape"}
    chargeur = ChoiceLoader([*chargeurs, FileSystemLoader(THEME / "templates")])
    env = Environment(loader=chargeur, autoescape=True, **options)
    env.filters.update(FILTRES)
    return env


def gabarit_d_issue(noeud: dict[str, Any]) -> str:
    """Le gabarit de la page d'une issue : ``transmission``, ``orientation``, ou la page
    « Je ne trouve pas mon problème »."""
    return "je-ne-trouve-pas" if noeud.get("hors_parcours") else noeud["type"]


def contexte_d_issue(modele: dict[str, Any], noeud: dict[str, Any],
                     commune: dict[str, Any] | None = None) -> dict[str, Any]:
    """Le contexte de la page d'une issue qui nomme son service (avec ``commune`` : sa page
    « par commune ») : ``noeud``, ``fil``, ``gestionnaire`` (``None`` si l'issue n'en nomme
    pas), ``commune`` et ``adresse_page``. Le même à la construction et dans les fonctions,
    qui rendent de nouveau cette page pour un formulaire à corriger."""
    contexte: dict[str, Any] = {"noeud": noeud,
                                "fil": [modele["noeuds"][a] for a in noeud["ancetres"]]}
    if commune is not None:
        identifiant = noeud["gestionnaires_par_commune"][commune["insee"]]
        contexte.update(commune=commune, adresse_page=f"{noeud['url']}{commune['slug']}/")
    else:
        identifiant = noeud.get("gestionnaire")
        contexte["adresse_page"] = noeud["url"]
    contexte["gestionnaire"] = modele["gestionnaires"].get(identifiant or "")
    return contexte
