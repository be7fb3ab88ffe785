"""Lire un fichier de contenu : en-tête YAML (avec ses numéros de ligne) et texte Markdown.

Les valeurs lues sont des `dict` ordinaires ; `Entete.lignes` garde pour chaque champ la
ligne du fichier où il est écrit, pour que les erreurs puissent la citer.

Rien de ce qu'écrit un rédacteur n'est changé en silence :

- une valeur écrite sans guillemets est gardée **telle qu'elle est écrite** : YAML 1.1 lirait
  `8:30` comme le nombre 510, `01053` comme 555 (base 8), `non` ou `off` comme « faux » et
  `1984` comme un nombre. Ces valeurs restent ici du texte (`TexteLu`, qui retient aussi ce
  que YAML aurait compris, pour les messages) ; les champs qui attendent un nombre ou un
  oui/non le lisent dans ce texte (`schema.py`) ;
- un « # » précédé d'une espace commence un commentaire et coupe la valeur : la partie
  coupée est retenue (`DictLigne.commentaires`) pour que la vérification la signale ;
- un fichier qui n'est pas en UTF-8 donne une erreur qui dit quoi faire, jamais une trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .erreurs import Rapport

_Chargeur = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TEXTE = "tag:yaml.org,2002:str"


class DictLigne(dict):
    """Un dict qui sait à quelle ligne (à partir de 1) chacune de ses clés est écrite.

    `commentaires[cle]` est le commentaire « # … » écrit sur la même ligne que la valeur,
    que YAML a retiré de celle-ci.
    """

    lignes: dict
    ligne: int
    commentaires: dict

    def ligne_de(self, cle: str) -> int:
        return self.lignes.get(cle, self.ligne)


class ListeLigne(list):
    """Une liste qui sait à quelle ligne (à partir de 1) chacun de ses éléments est écrit.

    `sources[i]` est la ligne du fichier où commence l'élément `i`, telle qu'écrite (pour
    citer la ligne à corriger) ; `commentaires[i]` le commentaire « # … » que YAML a retiré
    de sa fin.
    """

    lignes: list
    sources: list
    commentaires: dict


class TexteLu(str):
    """Une valeur écrite sans guillemets que YAML 1.1 aurait lue comme autre chose qu'un
    texte : c'est le texte écrit, et `yaml` est ce que YAML en aurait fait (555 pour
    « 01053 », 510 pour « 8:30 », False pour « non »)."""

    yaml: object

    def __new__(cls, texte: str, lu_par_yaml):
        objet = super().__new__(cls, texte)
        objet.yaml = lu_par_yaml
        return objet


def nombre_de_yaml(valeur) -> bool:
    """Vrai si `valeur` a été écrite sans guillemets et que YAML y aurait vu un nombre."""
    return isinstance(valeur, TexteLu) and isinstance(valeur.yaml, (int, float)) and not isinstance(
        valeur.yaml, bool)


class _ChargeurAvecLignes(_Chargeur):
    decalage = 0
    lignes_source: list[str] = []

    # Une valeur sans guillemets est un texte (ou rien, si elle est vide) : pas de nombres,
    # de booléens ni de dates devinés (voir le haut du fichier).
    yaml_implicit_resolvers = {
        debut: [(tag, motif) for tag, motif in resolveurs
                if tag in ("tag:yaml.org,2002:null", "tag:yaml.org,2002:merge")]
        for debut, resolveurs in _Chargeur.yaml_implicit_resolvers.items()
    }


_RESOLVEUR_YAML_11 = yaml.resolver.Resolver()


def _lu_par_yaml_11(texte: str):
    """Ce que YAML 1.1 (PyYAML par défaut) ferait de `texte` écrit sans guillemets."""
    tag = _RESOLVEUR_YAML_11.resolve(yaml.ScalarNode, texte, (True, False))
    if tag == _TEXTE:
        return texte
    try:
        return yaml.constructor.SafeConstructor().construct_object(yaml.ScalarNode(tag, texte))
    except (ValueError, yaml.YAMLError):  # « 2024-02-30 » : YAML 1.1 aurait échoué
        return texte


def _construire_texte(chargeur, noeud):
    valeur = chargeur.construct_scalar(noeud)
    if not noeud.style:  # sans guillemets
        lu = _lu_par_yaml_11(valeur)
        if not isinstance(lu, str):
            return TexteLu(valeur, lu)
    return valeur


def _commentaire_apres(chargeur, noeud) -> str | None:
    """Le commentaire « # … » écrit juste après une valeur sans guillemets, sur sa ligne."""
    if not isinstance(noeud, yaml.ScalarNode) or noeud.style or not noeud.value:
        return None
    fin = noeud.end_mark
    if fin.line >= len(chargeur.lignes_source):
        return None
    suite = re.match(r"[ \t]+(#.*)$", chargeur.lignes_source[fin.line][fin.column:])
    return suite.group(1).rstrip() if suite else None


def _construire_mapping(chargeur, noeud):
    chargeur.flatten_mapping(noeud)
    resultat = DictLigne()
    resultat.lignes = {}
    resultat.commentaires = {}
    resultat.ligne = noeud.start_mark.line + 1 + chargeur.decalage
    for noeud_cle, noeud_valeur in noeud.value:
        cle = chargeur.construct_object(noeud_cle, deep=True)
        if not isinstance(cle, str):
            cle = str(cle)
        resultat[cle] = chargeur.construct_object(noeud_valeur, deep=True)
        resultat.lignes[cle] = noeud_cle.start_mark.line + 1 + chargeur.decalage
        commentaire = _commentaire_apres(chargeur, noeud_valeur)
        if commentaire:
            resultat.commentaires[cle] = commentaire
    return resultat


def _construire_liste(chargeur, noeud):
    resultat = ListeLigne(chargeur.construct_object(n, deep=True) for n in noeud.value)
    resultat.lignes = [n.start_mark.line + 1 + chargeur.decalage for n in noeud.value]
    resultat.sources = [chargeur.lignes_source[n.start_mark.line]
                        if n.start_mark.line < len(chargeur.lignes_source) else ""
                        for n in noeud.value]
    resultat.commentaires = {}
    for i, n in enumerate(noeud.value):
        commentaire = _commentaire_apres(chargeur, n)
        if commentaire:
            resultat.commentaires[i] = commentaire
    return resultat


_ChargeurAvecLignes.add_constructor("tag:yaml.org,2002:map", _construire_mapping)
_ChargeurAvecLignes.add_constructor("tag:yaml.org,2002:seq", _construire_liste)
_ChargeurAvecLignes.add_constructor(_TEXTE, _construire_texte)


def charger_yaml(texte: str, fichier: str, rapport: Rapport, decalage: int = 0):
    """Le document YAML `texte`, ou None (et une erreur au rapport) s'il est mal formé.

    `decalage` est le nombre de lignes du fichier avant `texte` : 1 pour l'en-tête d'un
    fichier .md (après sa ligne « --- »), 0 pour un fichier .yaml entier.
    """
    chargeur = _ChargeurAvecLignes(texte)
    chargeur.decalage = decalage
    chargeur.lignes_source = texte.split("\n")
    try:
        return chargeur.get_single_data()
    except yaml.YAMLError as exc:
        marque = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if getattr(exc, "context", None) == "while scanning a simple key" and exc.context_mark:
            marque = exc.context_mark  # la ligne où manque le deux-points, pas la suivante
        ligne = marque.line + 1 + decalage if marque else None
        probleme = getattr(exc, "problem", None) or str(exc)
        quoi = "le fichier" if fichier.endswith(".yaml") else "l'en-tête"
        deux_points = _deux_points_dans_la_valeur(probleme, marque, chargeur.lignes_source)
        if deux_points:
            rapport.ajouter(fichier, ligne, *deux_points)
            return None
        rapport.ajouter(
            fichier,
            ligne,
            f"{quoi} n'est pas lisible ({traduire(probleme)}).",
            "Vérifiez les deux-points après chaque nom de champ, l'indentation (des espaces, "
            "pas de tabulation) et mettez entre guillemets les valeurs qui contiennent « : » "
            "ou commencent par un caractère spécial.",
        )
        return None
    finally:
        chargeur.dispose()


_CHAMP_ET_VALEUR = re.compile(r"^(\s*(?:-\s+)?)([^\s:#\"'][^:#]*?):[ \t]+(\S.*?)\s*$")


def _deux_points_dans_la_valeur(probleme: str, marque, lignes: list[str]) -> tuple[str, str] | None:
    """Le message précis quand YAML bute sur « : » à l'intérieur d'une valeur sans
    guillemets (« missions: Eau : production » : deux-points à la française)."""
    # « here » : PyYAML ; « in this context » : libyaml.
    if not probleme.startswith("mapping values are not allowed") or marque is None:
        return None
    if marque.line >= len(lignes):
        return None
    correspondance = _CHAMP_ET_VALEUR.match(lignes[marque.line])
    if not correspondance or correspondance.start(3) > marque.column:
        return None
    nom, valeur = correspondance.group(2), correspondance.group(3)
    return (f"« {nom} » : la valeur contient « : » ; sans guillemets, YAML prend ce qui "
            "précède pour un nom de champ.",
            f"Mettez toute la valeur entre guillemets : « {nom}: {entre_guillemets(valeur)} ».")


def entre_guillemets(valeur: str) -> str:
    """`valeur` écrite entre guillemets YAML, telle qu'un rédacteur peut la recopier."""
    if '"' not in valeur and "\\" not in valeur:
        return f'"{valeur}"'
    return "'" + valeur.replace("'", "''") + "'"


_TRADUCTIONS = {
    "mapping values are not allowed": "deux-points inattendu",
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


# -- fichiers qui ne sont pas du contenu ----------------------------------------------------

# Les sauvegardes et verrous des éditeurs (« index.md~ », « .index.md.swp », « #index.md# »,
# « index.md.bak », « ~$index.md » de Word) et les fichiers des systèmes (Thumbs.db) : ils
# ne sont pas du contenu, et les lire bloquerait la publication pour rien.
_SAUVEGARDE = re.compile(r"(~|\.(sw[a-p]|bak|orig|rej|tmp|old)|^#.*#|^~\$.*|^thumbs\.db|^desktop\.ini)$",
                         re.IGNORECASE)


def est_cache(nom: str) -> bool:
    """Un fichier caché (« .DS_Store », « .git ») : ignoré sans le dire."""
    return nom.startswith(".")


def est_une_sauvegarde(nom: str) -> bool:
    """Une sauvegarde ou un verrou d'éditeur : ignoré, avec une note (`Rapport.noter_ignore`)."""
    return bool(_SAUVEGARDE.search(nom))


# -- encodage ------------------------------------------------------------------------------

_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_CONSEIL_UTF8 = ("Enregistrez-le en UTF-8 : dans votre éditeur, « Enregistrer sous… » puis "
                 "l'encodage « UTF-8 ». Tous les fichiers du contenu doivent être en UTF-8.")


def lire_texte(chemin: Path, affiche: str, rapport: Rapport) -> str | None:
    """Le texte UTF-8 de `chemin` (sans marque d'ordre d'octets) ; None et une erreur qui dit
    comment le corriger s'il est dans un autre encodage (Windows-1252, Latin-1, UTF-16…)."""
    octets = chemin.read_bytes()
    if octets.startswith(_UTF16):
        rapport.ajouter(affiche, None, "le fichier est enregistré en UTF-16 (« Unicode » dans "
                        "certains éditeurs sous Windows), pas en UTF-8.", _CONSEIL_UTF8)
        return None
    try:
        return octets.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        ligne = octets.count(b"\n", 0, exc.start) + 1
        rapport.ajouter(affiche, ligne, _encodage_inconnu(octets, exc.start), _CONSEIL_UTF8)
        return None


def _encodage_inconnu(octets: bytes, position: int) -> str:
    """« n'est pas en UTF-8 » ; et, si c'est du Windows-1252 (ou Latin-1), le dire avec le mot
    de la ligne fautive tel qu'il devait s'écrire."""
    message = "le fichier n'est pas enregistré en UTF-8"
    try:
        texte = octets.decode("cp1252")
    except UnicodeDecodeError:
        return message + "."
    non_ascii = {c for c in texte if ord(c) > 127}
    if not all(c.isalpha() or c in "«»’‘“”–—…°€\u00a0·" for c in non_ascii):
        return message + "."
    # Windows-1252 a un caractère par octet : `position` est aussi l'indice dans `texte`.
    mot = (re.search(r"[\w’'-]*$", texte[:position]).group()
           + re.match(r"[\w’'-]*", texte[position:]).group())
    return (f"{message} mais, semble-t-il, en Windows-1252 (ou Latin-1), l'encodage de certains "
            f"éditeurs sous Windows : les lettres accentuées, comme dans « {mot} », n'y sont pas "
            "lisibles.")


@dataclass
class FichierContenu:
    chemin: str  # relatif, pour les messages : « contenu/arbre/10-voirie/index.md »
    entete: DictLigne
    texte: str  # le Markdown sous l'en-tête
    ligne_texte: int


def lire_fichier(chemin: Path, affiche: str, rapport: Rapport) -> FichierContenu | None:
    """Sépare l'en-tête `---` … `---` du texte Markdown et lit l'en-tête."""
    brut = lire_texte(chemin, affiche, rapport)
    if brut is None:
        return None
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
        entete.lignes, entete.ligne, entete.commentaires = {}, 1, {}
    if not isinstance(entete, DictLigne):
        rapport.ajouter(affiche, 2, "l'en-tête doit être une liste de champs « nom: valeur ».",
                        "Écrivez un champ par ligne, par exemple « libelle: Un nid-de-poule ».")
        return None
    return FichierContenu(affiche, entete, "\n".join(lignes[fin + 1:]), fin + 2)
