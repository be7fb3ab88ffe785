"""Les erreurs de contenu : ce qui ne va pas, où, et comment le corriger.

La validation ne s'arrête jamais à la première erreur : chaque étape ajoute les siennes
au `Rapport`, puis la construction les affiche toutes d'un coup, en français, sans trace
Python. Exemple de sortie ::

    contenu/arbre/10-voirie/20-nid.md, ligne 4 : champ inconnu « libele ».
      → Vouliez-vous écrire « libelle » ?
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Erreur:
    fichier: str
    ligne: int | None
    message: str
    conseil: str = ""

    def __str__(self) -> str:
        ou = self.fichier if self.ligne is None else f"{self.fichier}, ligne {self.ligne}"
        texte = f"{ou} : {self.message}"
        if self.conseil:
            texte += f"\n  → {self.conseil}"
        return texte


@dataclass
class Rapport:
    """Accumule les erreurs de toutes les étapes de la lecture du contenu."""

    erreurs: list[Erreur] = field(default_factory=list)

    def ajouter(self, fichier: str, ligne: int | None, message: str, conseil: str = "") -> None:
        self.erreurs.append(Erreur(fichier, ligne, message, conseil))

    def __bool__(self) -> bool:
        return bool(self.erreurs)

    def texte(self) -> str:
        erreurs = sorted(set(self.erreurs), key=lambda e: (e.fichier, e.ligne or 0, e.message))
        n = len(erreurs)
        titre = f"{n} erreur{'s' if n > 1 else ''} dans le contenu :"
        return "\n\n".join([titre, *map(str, erreurs)])


class ErreursContenu(Exception):
    """Levée quand le contenu a des erreurs ; son message les liste toutes."""

    exitcode = 1

    def __init__(self, rapport: Rapport):
        self.rapport = rapport
        super().__init__(rapport.texte())


def suggestion(mot: str, possibles: list[str] | set[str] | dict) -> str:
    """« Vouliez-vous écrire … ? » pour le mot connu le plus proche, ou une chaîne vide."""
    proches = difflib.get_close_matches(mot, sorted(possibles), n=1, cutoff=0.6)
    return f"Vouliez-vous écrire « {proches[0]} » ?" if proches else ""


def liste(mots) -> str:
    return ", ".join(f"« {m} »" for m in mots)
