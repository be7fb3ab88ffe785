"""Les règles du formulaire telles que le modèle construit les publie (clé ``regles``),
prêtes à servir : motifs compilés une fois par modèle chargé, messages remplis.

Elles viennent de ``arbre.regles`` au moment de la construction ; le téléphone lit les mêmes,
écrites dans la page du formulaire (``validation.js``). Un modèle construit avant elles n'a
pas de clé ``regles`` : ce sont alors celles de ``arbre.regles``, les mêmes valeurs.
"""

from __future__ import annotations

import re
from typing import Any

from arbre.regles import regles_du_formulaire


def nombre_fr(n: int) -> str:
    """« 4 001 », avec une espace fine insécable, comme ``nombreFr`` de validation.js."""
    return f"{n:,}".replace(",", "\u202f")


class Regles:
    """Les règles communes d'un modèle : limites, motifs compilés, messages."""

    def __init__(self, brutes: dict[str, Any] | None = None) -> None:
        brutes = brutes or regles_du_formulaire()
        self.brutes = brutes
        self.description_max: int = brutes["description"]["max"]
        self.adresse_max: int = brutes["adresse"]["max"]
        self.reponse_max: int = brutes["reponse"]["max"]
        self.courriel_max: int = brutes["courriel"]["max"]
        self.photos_max: int = brutes["photos"]["max"]
        self.courriel = re.compile(brutes["courriel"]["motif"])
        self.telephone = re.compile(brutes["telephone"]["motif"])
        self.separateurs = re.compile(brutes["telephone"]["separateurs"])
        self.coordonnee = re.compile(brutes["coordonnee"]["motif"])
        self.vrai = frozenset(brutes["vrai"])
        self.faux = frozenset(brutes["faux"])
        self.messages: dict[str, str] = brutes["messages"]

    def message(self, cle: str, **valeurs: Any) -> str:
        """Le message ``cle`` rempli ; un nombre entier est écrit à la française."""
        propres = {k: nombre_fr(v) if isinstance(v, int) and not isinstance(v, bool) else v
                   for k, v in valeurs.items()}
        return self.messages[cle].format(**propres)
