"""Les synonymes du territoire (`contenu/synonymes.yaml`), que l'équipe éditoriale tient.

Un groupe par ligne, ses mots séparés par des virgules ::

    - ordures, détritus, déchets
    - réverbère, lampadaire
    - nid de poule, trou dans la route

La recherche trouve chaque mot d'un groupe dès que l'un d'eux est dans une page du parcours
(voir `recherche/index.py`). Chaque ligne est lue **telle qu'elle est écrite** : YAML ne
la transforme pas (ni nombre, ni vrai/faux), et ce qu'il couperait en silence (un `#` lu
comme un commentaire, un `:` lu comme un champ) est une erreur qui dit d'ajouter des
guillemets. Le fichier est facultatif.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from .erreurs import Rapport
from .lecture import lire_texte, traduire
from .recherche.texte import mots, plier

FICHIER = "synonymes.yaml"
LONGUEUR_MAX = 80
GUILLEMETS = "Mettez toute la ligne entre guillemets, par exemple : - \"eau : fuite, eau qui coule\"."


def _entre_guillemets(ligne: str) -> str:
    """Le conseil, avec la ligne de l'éditeur elle-même mise entre guillemets."""
    contenu = ligne.strip().removeprefix("-").strip().replace('"', '\\"')
    return f"Mettez toute la ligne entre guillemets : - \"{contenu}\""


def lire_synonymes(dossier: Path, affiche: str, rapport: Rapport) -> list[list[str]]:
    """Les groupes de synonymes, chacun une liste de termes tels qu'écrits (sans espaces
    autour) ; les erreurs vont au rapport, et une ligne fautive est ignorée."""
    chemin = dossier / FICHIER
    fichier = f"{affiche}/{FICHIER}"
    if not chemin.exists():
        return []
    texte = lire_texte(chemin, fichier, rapport)
    if texte is None:
        return []
    try:
        racine = yaml.compose(texte, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        marque = getattr(exc, "problem_mark", None)
        probleme = traduire(getattr(exc, "problem", None) or str(exc))
        rapport.ajouter(fichier, marque.line + 1 if marque else None,
                        f"le fichier n'est pas lisible ({probleme}).",
                        "Écrivez un groupe par ligne, commençant par « - ». " + GUILLEMETS)
        return []
    if racine is None:
        return []
    if not isinstance(racine, yaml.SequenceNode):
        rapport.ajouter(fichier, racine.start_mark.line + 1,
                        "le fichier doit être une liste de groupes de mots.",
                        "Commencez chaque ligne par « - », suivi des mots séparés par des "
                        "virgules : - ordures, détritus, déchets")
        return []
    lignes = texte.split("\n")
    groupes: list[list[str]] = []
    vus: dict[str, int] = {}
    for element in racine.value:
        ligne = element.start_mark.line + 1
        termes = _termes(element, lignes, fichier, ligne, rapport)
        if termes is None:
            continue
        groupe: list[str] = []
        for terme in termes:
            cle = " ".join(plier(m) for m in mots(terme))
            if len(terme) > LONGUEUR_MAX:
                rapport.ajouter(fichier, ligne, f"« {terme[:40]}… » est trop long "
                                f"({len(terme)} caractères, {LONGUEUR_MAX} au plus).",
                                "Un terme est un mot ou une courte expression.")
            elif not cle:
                rapport.ajouter(fichier, ligne, f"« {terme} » n'a que des mots que la recherche "
                                "ignore, trop courants pour distinguer un problème d'un autre "
                                "(le, de, pour, problème…).",
                                "Retirez-le, ou écrivez un mot qui a un sens à lui seul.")
            elif cle in vus:
                autre = vus[cle]
                rapport.ajouter(fichier, ligne, f"« {terme} » est déjà "
                                + ("dans ce groupe." if autre == ligne else
                                   f"dans le groupe de la ligne {autre}."),
                                "Un mot ne peut être que dans un groupe : réunissez les deux lignes "
                                "en une, ou retirez-le de l'une d'elles." if autre != ligne else
                                "Retirez le doublon.")
            else:
                vus[cle] = ligne
                groupe.append(terme)
        if len(groupe) >= 2:
            groupes.append(groupe)
    return groupes


def _termes(element, lignes: list[str], fichier: str, ligne: int,
            rapport: Rapport) -> list[str] | None:
    """Les termes d'une ligne, tels qu'écrits, ou None (erreur au rapport)."""
    if isinstance(element, yaml.MappingNode):
        rapport.ajouter(fichier, ligne, "cette ligne contient « : », que YAML lit comme le nom "
                        "d'un champ.", _entre_guillemets(lignes[ligne - 1]))
        return None
    if isinstance(element, yaml.SequenceNode):  # - [ordures, détritus] : accepté aussi
        if any(not isinstance(e, yaml.ScalarNode) for e in element.value):
            rapport.ajouter(fichier, ligne, "cette ligne n'est pas une simple liste de mots.",
                            "Écrivez les mots séparés par des virgules : - ordures, détritus")
            return None
        termes = [e.value.strip() for e in element.value]
        fin = element.end_mark
    else:
        termes = [t.strip() for t in element.value.split(",")]
        fin = element.end_mark
    reste = lignes[fin.line][fin.column:] if fin.line < len(lignes) else ""
    if "#" in reste:
        rapport.ajouter(fichier, ligne, "le signe « # » et ce qui le suit sont lus comme un "
                        "commentaire : cette partie de la ligne serait ignorée.",
                        _entre_guillemets(lignes[ligne - 1]))
        return None
    termes = [t for t in termes if t]
    if not termes:
        rapport.ajouter(fichier, ligne, "cette ligne est vide.", "Retirez-la, ou écrivez-y un groupe.")
        return None
    if len(termes) < 2:
        rapport.ajouter(fichier, ligne, f"le groupe « {', '.join(termes)} » n'a qu'un mot.",
                        "Un groupe réunit au moins deux mots, séparés par des virgules : "
                        "- réverbère, lampadaire")
        return None
    return termes
