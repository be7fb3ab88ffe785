"""La liste officielle des communes (code INSEE, nom, type de nom, codes postaux).

Elle vient du découpage administratif d'Etalab (paquet npm @etalab/decoupage-administratif,
Licence Ouverte), réduit à ce que la vérification utilise dans `donnees/communes.tsv.gz`
(voir donnees/LISEZMOI.md ; `make communes` le régénère). Le fichier est lu une fois, à la
première vérification d'un territoire.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from functools import cache
from pathlib import Path

FICHIER = Path(__file__).resolve().parent / "donnees" / "communes.tsv.gz"


@dataclass(frozen=True)
class CommuneOfficielle:
    insee: str
    nom: str
    # Type de nom en clair (TNCC) de l'INSEE : 0 « de Muzillac », 1 « d'Ambon » (voyelle ou
    # h muet), 2 « du Guerno » (Le), 3 « de La Roche-Bernard », 4 « des » (Les), 5 « de L' »,
    # 6 « des » (Aux), 7 « de Las », 8 « de Los » ; None pour quelques arrondissements.
    tncc: int | None
    codes_postaux: tuple[str, ...]


@cache
def communes() -> dict[str, CommuneOfficielle]:
    """Toutes les communes actuelles et les arrondissements municipaux, par code INSEE."""
    resultat = {}
    with gzip.open(FICHIER, "rt", encoding="utf-8") as lignes:
        for ligne in lignes:
            if ligne.startswith("#"):
                continue
            insee, nom, tncc, postaux = ligne.rstrip("\n").split("\t")
            resultat[insee] = CommuneOfficielle(insee, nom, int(tncc) if tncc else None,
                                                tuple(postaux.split()))
    return resultat


def source() -> str:
    """La première ligne du fichier : d'où viennent les données, quelle version, quelle licence."""
    with gzip.open(FICHIER, "rt", encoding="utf-8") as lignes:
        return lignes.readline().removeprefix("# ").rstrip("\n")
