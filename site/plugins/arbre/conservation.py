"""Les durées de conservation des données personnelles : une seule source.

Les fonctions (``fonctions/socle/reglages.py``, pour effacer) et la construction du site (la page
« Vos données personnelles », pour les annoncer) lisent ces durées ici, avec les mêmes
variables d'environnement et les mêmes valeurs par défaut : la page ne peut pas promettre
une durée que le serveur n'applique pas. La page les écrit par des repères
(``{{ coordonnees_apres_cloture }}``) que ``remplir`` remplace ; ``modele.json`` les garde
(``conservation``), et le serveur refuse en production un modèle construit avec d'autres.

    >>> remplir("Effacées {{ coordonnees_apres_cloture }} après la clôture.", DUREES_PAR_DEFAUT)
    'Effacées 30 jours après la clôture.'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass

# Les mots des recherches sans résultat : une constante (ils ne sont liés à personne).
RECHERCHES_VIDES_JOURS = 90
VARIABLE_COORDONNEES = "AIGUILLAGE_COORDONNEES_JOURS"
VARIABLE_CONSERVATION = "AIGUILLAGE_CONSERVATION_MOIS"
COORDONNEES_JOURS = 30  # autant que le délai pour rouvrir un signalement résolu
CONSERVATION_MOIS = 12
REPERE = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")


@dataclass(frozen=True)
class Durees:
    """``coordonnees_jours`` : jours entre la clôture et l'effacement des coordonnées et
    des abonnements aux notifications ; ``conservation_mois`` : mois entre la clôture et
    l'effacement des textes, du lieu et des photos (le reste devient statistique anonyme)."""

    coordonnees_jours: int = COORDONNEES_JOURS
    conservation_mois: int = CONSERVATION_MOIS
    recherches_vides_jours: int = RECHERCHES_VIDES_JOURS

    def en_dict(self) -> dict[str, int]:
        return asdict(self)


DUREES_PAR_DEFAUT = Durees()


def lire_durees(environ: Mapping[str, str]) -> tuple[Durees, list[str]]:
    """Les durées de l'environnement (valeurs par défaut si absentes), et les problèmes en
    français (une valeur invalide garde la valeur par défaut)."""
    problemes: list[str] = []

    def entier(nom: str, defaut: int, minimum: int, maximum: int, unite: str) -> int:
        texte = (environ.get(nom) or "").strip()
        if not texte:
            return defaut
        if not texte.isdigit() or not minimum <= int(texte) <= maximum:
            problemes.append(
                f"{nom} doit être un nombre de {unite} entre {minimum} et {maximum} (par défaut {defaut})."
            )
            return defaut
        return int(texte)

    durees = Durees(
        coordonnees_jours=entier(VARIABLE_COORDONNEES, COORDONNEES_JOURS, 0, 365, "jours"),
        conservation_mois=entier(VARIABLE_CONSERVATION, CONSERVATION_MOIS, 1, 120, "mois"),
    )
    return durees, problemes


def _jours(nombre: int) -> str:
    return "le jour même" if nombre == 0 else f"{nombre} jour{'s' if nombre > 1 else ''}"


def reperes(durees: Durees) -> dict[str, str]:
    """Ce que chaque repère de la page devient, en toutes lettres."""
    return {
        "coordonnees_apres_cloture": _jours(durees.coordonnees_jours),
        "conservation": f"{durees.conservation_mois} mois",
        "recherches_vides": _jours(durees.recherches_vides_jours),
    }


# La page des données personnelles doit écrire chaque durée par son repère, jamais en clair.
REPERES_OBLIGATOIRES = tuple(reperes(DUREES_PAR_DEFAUT))


def reperes_inconnus(texte: str) -> list[str]:
    connus = reperes(DUREES_PAR_DEFAUT)
    return sorted({nom for nom in REPERE.findall(texte) if nom not in connus})


def reperes_absents(texte: str) -> list[str]:
    presents = set(REPERE.findall(texte))
    return [nom for nom in REPERES_OBLIGATOIRES if nom not in presents]


def remplir(texte: str, durees: Durees) -> str:
    """Remplace chaque repère connu par sa durée ; laisse les autres tels quels."""
    valeurs = reperes(durees)
    return REPERE.sub(lambda m: valeurs.get(m.group(1), m.group(0)), texte)
