"""Lire un fichier de contenu : en-tête YAML (avec ses numéros de ligne) et texte Markdown.

Les valeurs lues sont des `dict` ordinaires ; `Entete.lignes` garde pour chaque champ la
ligne du fichier où il est écrit, pour que les erreurs puissent la citer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .erreurs import Rapport

_Chargeur = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DictLigne(dict):
    """Un dict qui sait à quelle ligne (à partir de 1) chacune de ses clés est écrite."""

    lignes: dict
    ligne: int

    def ligne_de(self, cle: str) -> int:
        return self.lignes.get(cle, self.ligne)


class _ChargeurAvecLignes(_Chargeur):
    decalage = 0


def _construire_mapping(chargeur, noeud):
    chargeur.flatten_mapping(noeud)
    resultat = DictLigne()
    resultat.lignes = {}
    resultat.ligne = noeud.start_mark.line + 1 + chargeur.decalage
    for noeud_cle, noeud_valeur in noeud.value:
        cle = chargeur.construct_object(noeud_cle, deep=True)
        if not isinstance(cle, str):
            cle = str(cle)
        resultat[cle] = chargeur.construct_object(noeud_valeur, deep=True)
        resultat.lignes[cle] = noeud_cle.start_mark.line + 1 + chargeur.decalage
    return resultat


_ChargeurAvecLignes.add_constructor("tag:yaml.org,2002:map", _construire_mapping)


def charger_yaml(texte: str, fichier: str, rapport: Rapport, decalage: int = 0):
    """Le document YAML `texte`, ou None (et une erreur au rapport) s'il est mal formé."""
    chargeur = _ChargeurAvecLignes(texte)
    chargeur.decalage = decalage
    try:
        return chargeur.get_single_data()
    except yaml.YAMLError as exc:
        marque = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if getattr(exc, "context", None) == "while scanning a simple key" and exc.context_mark:
            marque = exc.context_mark  # la ligne où manque le deux-points, pas la suivante
        ligne = marque.line + 1 + decalage if marque else None
        probleme = getattr(exc, "problem", None) or str(exc)
        rapport.ajouter(
            fichier,
            ligne,
            f"l'en-tête n'est pas lisible ({traduire(probleme)}).",
            "Vérifiez les deux-points après chaque nom de champ, l'indentation (des espaces, "
            "pas de tabulation) et mettez entre guillemets les valeurs qui contiennent « : » "
            "ou commencent par un caractère spécial.",
        )
        return None
    finally:
        chargeur.dispose()


_TRADUCTIONS = {
    "mapping values are not allowed here": "deux-points inattendu",
    "could not find expected ':'": "deux-points manquant",
    "found character '\\t' that cannot start any token": "tabulation interdite",
    "found unexpected end of stream": "guillemet ou crochet non refermé",
    "expected <block end>, but found": "indentation incohérente",
    "did not find expected key": "indentation incohérente",
    "found undefined alias": "alias inconnu",
}


def traduire(probleme: str) -> str:
    for anglais, francais in _TRADUCTIONS.items():
        if probleme.startswith(anglais):
            return francais
    return "syntaxe incorrecte"


@dataclass
class FichierContenu:
    chemin: str  # relatif, pour les messages : « contenu/arbre/10-voirie/index.md »
    entete: DictLigne
    texte: str  # le Markdown sous l'en-tête
    ligne_texte: int


def lire_fichier(chemin: Path, affiche: str, rapport: Rapport) -> FichierContenu | None:
    """Sépare l'en-tête `---` … `---` du texte Markdown et lit l'en-tête."""
    try:
        brut = chemin.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        rapport.ajouter(affiche, None, "le fichier n'est pas encodé en UTF-8.",
                        "Enregistrez-le en UTF-8 depuis votre éditeur.")
        return None
    brut = brut.removeprefix("\ufeff")
    lignes = brut.split("\n")
    if not lignes or lignes[0].strip() != "---":
        rapport.ajouter(affiche, 1, "le fichier ne commence pas par un en-tête « --- ».",
                        "La première ligne doit être « --- », suivie des champs, puis une "
                        "ligne « --- » avant le texte.")
        return None
    try:
        fin = next(i for i in range(1, len(lignes)) if lignes[i].strip() == "---")
    except StopIteration:
        rapport.ajouter(affiche, 1, "l'en-tête n'est jamais refermé.",
                        "Ajoutez une ligne « --- » après le dernier champ de l'en-tête.")
        return None
    entete = charger_yaml("\n".join(lignes[1:fin]), affiche, rapport, decalage=1)
    if entete is None:
        if any(line.strip() for line in lignes[1:fin]):
            return None  # erreur déjà signalée
        entete = DictLigne()
        entete.lignes, entete.ligne = {}, 1
    if not isinstance(entete, DictLigne):
        rapport.ajouter(affiche, 2, "l'en-tête doit être une liste de champs « nom: valeur ».",
                        "Écrivez un champ par ligne, par exemple « libelle: Un nid-de-poule ».")
        return None
    return FichierContenu(affiche, entete, "\n".join(lignes[fin + 1:]), fin + 2)
