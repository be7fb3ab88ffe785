"""Les champs permis dans chaque sorte de fichier, et leur vérification.

Un champ inconnu est une erreur (une faute de frappe ne doit pas être ignorée en silence) ;
un champ obligatoire absent aussi. `verifier` rend les valeurs normalisées.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .erreurs import Rapport, liste, suggestion
from .lecture import DictLigne, entre_guillemets

NATURES = ("commune", "intercommunalite", "syndicat", "departement", "region", "etat",
           "operateur", "bailleur", "police", "plateforme-nationale", "urgence")
CANAUX = ("courriel", "webhook", "open311", "aucune")
TYPES_NOEUD = ("question", "transmission", "orientation", "urgence", "renvoi")
LONGUEUR_CONSIGNE = 300  # une consigne pour les agents : une ou deux phrases
# Lu sans tenir compte des majuscules : « oui », « Oui », « OUI ».
OUI = ("oui", "true")
NON = ("non", "false")


@dataclass(frozen=True)
class Champ:
    nom: str
    # texte, textes (une liste de textes, un par ligne), mots, entier, telephone, courriel,
    # url, valeur, oui-non, objet, liste
    sorte: str = "texte"
    obligatoire: bool = False
    valeurs: tuple = ()
    longueur_max: int | None = None
    # Un texte montré aux habitants : un « # » qui le couperait est une erreur. Un
    # identifiant (« gestionnaire: grdf  # GRDF ») peut être suivi d'un commentaire.
    affiche: bool = True


def _champs(*champs: Champ) -> dict[str, Champ]:
    return {c.nom: c for c in champs}


_COMMUNS = (
    Champ("type", "valeur", valeurs=TYPES_NOEUD),
    Champ("libelle", obligatoire=True, longueur_max=80),
    Champ("titre", longueur_max=120),
    Champ("indice", longueur_max=160),
    Champ("mots_cles", "mots"),
)
_DESTINATION = (
    Champ("gestionnaire", affiche=False),
    Champ("competence", affiche=False),
    Champ("pourquoi", obligatoire=True, longueur_max=400),
)

CHAMPS_NOEUD = {
    "question": _champs(*_COMMUNS, Champ("question", obligatoire=True, longueur_max=160)),
    "transmission": _champs(*_COMMUNS, *_DESTINATION, Champ("formulaire", "objet"),
                            Champ("consignes_agent", "textes", longueur_max=LONGUEUR_CONSIGNE),
                            # Le lieu exact de ces signalements n'est jamais publié (Open311).
                            Champ("sensible", "oui-non")),
    "orientation": _champs(*_COMMUNS, *_DESTINATION),
    "urgence": _champs(*_COMMUNS, Champ("numeros", "liste", obligatoire=True)),
    "renvoi": _champs(*(c for c in _COMMUNS if c.nom != "titre"),
                      Champ("vers", obligatoire=True, affiche=False)),
}

CHAMPS_FORMULAIRE = _champs(
    Champ("photo", "valeur", valeurs=("obligatoire", "facultative", "non")),
    Champ("raison_photo", longueur_max=200),
    Champ("localisation", "valeur", valeurs=("obligatoire", "facultative", "non")),
    Champ("questions", "liste"),
)
CHAMPS_QUESTION_FORMULAIRE = _champs(
    Champ("id", obligatoire=True, affiche=False),
    Champ("libelle", obligatoire=True, longueur_max=160),
    Champ("type", "valeur", obligatoire=True, valeurs=("texte", "choix", "oui-non")),
    Champ("choix", "liste"),
    Champ("obligatoire", "oui-non"),
)

CHAMPS_GESTIONNAIRE = _champs(
    Champ("nom", obligatoire=True, longueur_max=120),
    Champ("nature", "valeur", obligatoire=True, valeurs=NATURES),
    Champ("missions", obligatoire=True, longueur_max=400),
    Champ("telephone", "telephone"),
    Champ("horaires", longueur_max=200),
    Champ("courriel", "courriel"),
    Champ("site", "url"),
    Champ("transmission", "valeur", obligatoire=True, valeurs=CANAUX),
    Champ("adresse_transmission", affiche=False),
    Champ("code_service", affiche=False),
    # Open311 (docs/open311.md) : le service_code de chaque issue, le format, la juridiction,
    # le sens de « closed » et le relevé des mises à jour.
    Champ("codes_service", "objet"),
    Champ("format_open311", "valeur", valeurs=("json", "xml")),
    Champ("juridiction_open311", affiche=False, longueur_max=120),
    Champ("statuts_open311", "valeur", valeurs=("ouvert-ferme", "etendus")),
    Champ("releve_open311", "entier"),
    Champ("delai_prise_en_charge", "entier"),
)

CHAMPS_TERRITOIRE = _champs(
    Champ("nom", obligatoire=True),
    Champ("coordination", "objet", obligatoire=True),
    Champ("communes", "liste", obligatoire=True),
    Champ("competences", "objet", obligatoire=True),
    Champ("je_ne_trouve_pas"),
)
CHAMPS_COORDINATION = _champs(
    Champ("nom", obligatoire=True), Champ("courriels", "liste", obligatoire=True))
CHAMPS_COMMUNE = _champs(
    Champ("insee", obligatoire=True), Champ("nom", obligatoire=True),
    Champ("codes_postaux", "liste", obligatoire=True))
CHAMPS_COMPETENCE = _champs(
    Champ("libelle", obligatoire=True), Champ("par_defaut", affiche=False), Champ("exceptions", "objet"))
CHAMPS_URGENCE = _champs(
    Champ("numero", obligatoire=True), Champ("libelle", obligatoire=True),
    Champ("sms", "oui-non"))
CHAMPS_PAGE = _champs(Champ("titre", obligatoire=True, longueur_max=120))


_TELEPHONE = re.compile(r"^(0[1-9]\d{8}|1\d{1,2}|3\d{3})$")
_COURRIEL = re.compile(r"^[^@\s<>\"',;]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$", re.I)
_IDENTIFIANT = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def telephone(valeur: str) -> tuple[str, str] | None:
    """(affichage, URI tel:) d'un numéro français, ou None s'il n'en est pas un.

    >>> telephone("0 800 47 33 33")
    ('0 800 47 33 33', 'tel:+33800473333')
    >>> telephone("3919")
    ('3919', 'tel:3919')
    """
    chiffres = re.sub(r"[\s.\u00a0-]", "", str(valeur))
    if not _TELEPHONE.match(chiffres):
        return None
    uri = f"tel:+33{chiffres[1:]}" if len(chiffres) == 10 else f"tel:{chiffres}"
    return str(valeur).strip(), uri


def courriel_valide(valeur: str) -> bool:
    return bool(_COURRIEL.match(str(valeur)))


def url_valide(valeur: str) -> bool:
    try:
        parties = urlsplit(str(valeur))
    except ValueError:
        return False
    return parties.scheme == "https" and bool(parties.hostname) and " " not in str(valeur)


def identifiant_valide(valeur) -> bool:
    return isinstance(valeur, str) and bool(_IDENTIFIANT.match(valeur))


def verifier(donnees: DictLigne, champs: dict[str, Champ], fichier: str, rapport: Rapport,
             ou: str = "") -> dict:
    """Vérifie `donnees` contre `champs` ; rend un dict des valeurs normalisées.

    Chaque problème est ajouté au rapport ; la valeur fautive est alors omise.
    """
    prefixe = f"{ou} : " if ou else ""
    propre: dict = {}
    mal_ecrits: set[str] = set()  # champs sans doute écrits avec une faute de frappe
    commentaires = getattr(donnees, "commentaires", {})
    for nom, valeur in donnees.items():
        ligne = donnees.ligne_de(nom)
        champ = champs.get(nom)
        if (champ is not None and champ.sorte in ("texte", "textes") and champ.affiche
                and nom in commentaires and isinstance(valeur, str)):
            _commentaire_dans_un_texte(nom, valeur, commentaires[nom], fichier, ligne, rapport,
                                       prefixe)
            continue
        if champ is None:
            conseil = suggestion(nom, champs)
            if conseil:
                mal_ecrits.add(conseil.split("« ")[1].split(" »")[0])
            conseil = conseil or f"Les champs possibles ici sont : {liste(champs)}."
            rapport.ajouter(fichier, ligne, f"{prefixe}champ inconnu « {nom} ».", conseil)
            continue
        normal = _normaliser(champ, valeur, fichier, ligne, rapport, prefixe)
        if normal is not None:
            propre[nom] = normal
    for nom, champ in champs.items():
        if champ.obligatoire and nom not in donnees and nom not in mal_ecrits:
            rapport.ajouter(fichier, getattr(donnees, "ligne", None),
                            f"{prefixe}champ obligatoire manquant : « {nom} ».",
                            f"Ajoutez une ligne « {nom}: … » (voir contenu/LISEZMOI.md).")
    return propre


def _textes(champ: Champ, valeur, fichier, ligne, rapport: Rapport, prefixe: str):
    """Une liste de textes, un par ligne commençant par « - » (un texte seul en est une
    d'un élément). Chaque élément fautif est signalé à sa ligne, avec la ligne à recopier."""
    if isinstance(valeur, str):
        valeur = [valeur]
    if not isinstance(valeur, list):
        rapport.ajouter(fichier, ligne, f"{prefixe}« {champ.nom} » doit être une liste de phrases.",
                        "Écrivez une phrase par ligne, en retrait, commençant par « - ».")
        return None
    lignes = getattr(valeur, "lignes", None) or [ligne] * len(valeur)
    sources = getattr(valeur, "sources", None) or [""] * len(valeur)
    commentaires = getattr(valeur, "commentaires", {})
    propres = []
    for i, element in enumerate(valeur):
        ecrit = sources[i].strip().removeprefix("-").strip()
        if isinstance(element, dict):
            rapport.ajouter(fichier, lignes[i], f"{prefixe}« {champ.nom} » : cette ligne contient "
                            "« : » ; sans guillemets, YAML prend ce qui précède pour un nom de "
                            "champ.", f"Mettez toute la phrase entre guillemets : "
                            f"« - {entre_guillemets(ecrit)} ».")
        elif isinstance(element, list) or element is None or not str(element).strip():
            rapport.ajouter(fichier, lignes[i], f"{prefixe}« {champ.nom} » : cette ligne n'est pas "
                            "une simple phrase.", "Écrivez une phrase après le « - », ou retirez "
                            "la ligne.")
        elif i in commentaires:
            _commentaire_dans_un_texte(champ.nom, element, commentaires[i], fichier, lignes[i],
                                       rapport, prefixe, element=True)
        elif champ.longueur_max and len(str(element).strip()) > champ.longueur_max:
            rapport.ajouter(fichier, lignes[i], f"{prefixe}« {champ.nom} » : cette phrase est trop "
                            f"longue ({len(str(element).strip())} caractères, "
                            f"{champ.longueur_max} au plus).",
                            "Coupez-la en deux lignes « - », une idée par ligne.")
        else:
            propres.append((str(element).strip(), lignes[i]))
    return ListeTextes(propres)


class ListeTextes(list):
    """Les textes d'un champ « textes » ; `lignes[i]` est la ligne du texte `i`."""

    def __init__(self, textes_et_lignes: list[tuple[str, int]]):
        super().__init__(t for t, _ in textes_et_lignes)
        self.lignes = [n for _, n in textes_et_lignes]


def _commentaire_dans_un_texte(nom, valeur, commentaire, fichier, ligne, rapport, prefixe,
                               element: bool = False):
    """« libelle: Le bac n°3 #urgent » : YAML ne garde que « Le bac n°3 ». Rien n'est coupé
    en silence : le rédacteur dit s'il voulait un texte ou un commentaire. `element` : la
    valeur est une ligne « - … » d'une liste."""
    ecrit = f"{valeur} {commentaire}"
    a_recopier = f"- {entre_guillemets(ecrit)}" if element else f"{nom}: {entre_guillemets(ecrit)}"
    rapport.ajouter(fichier, ligne,
                    f"{prefixe}« {nom} » : « # » commence un commentaire, qui n'est pas publié : "
                    f"seul « {valeur} » serait affiché, sans « {commentaire} ».",
                    f"Si « {commentaire} » fait partie du texte, mettez toute la valeur entre "
                    f"guillemets : « {a_recopier} » ; si c'est une note pour "
                    "vous, écrivez-la sur sa propre ligne.")


def _normaliser(champ: Champ, valeur, fichier, ligne, rapport: Rapport, prefixe: str):
    def erreur(message, conseil=""):
        rapport.ajouter(fichier, ligne, f"{prefixe}« {champ.nom} »{message}", conseil)

    if valeur is None or valeur == "":
        if champ.obligatoire:
            erreur(" est vide.", "Donnez-lui une valeur ou retirez la ligne.")
        return None
    sorte = champ.sorte
    if sorte in ("texte", "telephone", "courriel", "url", "valeur"):
        if isinstance(valeur, (dict, list)):
            erreur(" doit être un simple texte.", "Écrivez la valeur sur la même ligne.")
            return None
        valeur = str(valeur).strip()
    if sorte == "texte":
        if champ.longueur_max and len(valeur) > champ.longueur_max:
            erreur(f" est trop long ({len(valeur)} caractères, {champ.longueur_max} au plus).",
                   "Raccourcissez-le ; le détail peut aller dans le texte sous l'en-tête.")
            return None
        return valeur
    if sorte == "valeur":
        if valeur not in champ.valeurs:
            conseil = suggestion(valeur, champ.valeurs)
            erreur(f" vaut « {valeur} », qui n'est pas permis.",
                   (conseil + " " if conseil else "") + f"Valeurs possibles : {liste(champ.valeurs)}.")
            return None
        return valeur
    if sorte == "telephone":
        resultat = telephone(valeur)
        if resultat is None:
            erreur(f" : « {valeur} » n'est pas un numéro de téléphone français valide.",
                   "Écrivez 10 chiffres commençant par 0 (« 02 61 91 00 01 ») "
                   "ou un numéro court (« 3919 », « 112 »).")
        return resultat
    if sorte == "courriel":
        if not courriel_valide(valeur):
            erreur(f" : « {valeur} » n'est pas une adresse e-mail valide.",
                   "Écrivez une adresse complète, par exemple « contact@commune.example.org ».")
            return None
        return valeur
    if sorte == "url":
        if not url_valide(valeur):
            erreur(f" : « {valeur} » n'est pas une adresse web valide.",
                   "Écrivez l'adresse complète, en commençant par « https:// ».")
            return None
        return valeur
    if sorte == "entier":
        if not isinstance(valeur, str) or not re.fullmatch(r"\d+", valeur.strip()):
            erreur(f" doit être un nombre entier positif, pas « {valeur} ».",
                   "Écrivez seulement le nombre, par exemple « 3 ».")
            return None
        return int(valeur)
    if sorte == "oui-non":
        mot = str(valeur).strip().lower()
        if mot in OUI:
            return True
        if mot in NON:
            return False
        erreur(f" doit valoir « oui » ou « non », pas « {valeur} ».",
               "Écrivez « oui » ou « non ».")
        return None
    if sorte == "textes":
        return _textes(champ, valeur, fichier, ligne, rapport, prefixe)
    if sorte == "mots":
        if isinstance(valeur, str):
            valeur = [m for m in (x.strip() for x in valeur.split(",")) if m]
        if not isinstance(valeur, list) or any(isinstance(m, (dict, list)) for m in valeur):
            erreur(" doit être une liste de mots.", "Par exemple : « [lampadaire, réverbère] ».")
            return None
        return [str(m) for m in valeur]
    if sorte == "liste":
        if not isinstance(valeur, list):
            erreur(" doit être une liste.",
                   "Écrivez les éléments entre crochets ou un par ligne précédé de « - ».")
            return None
        return valeur
    if sorte == "objet":
        if not isinstance(valeur, dict):
            erreur(" doit contenir des champs « nom: valeur » en retrait sur les lignes suivantes.")
            return None
        return valeur
    raise AssertionError(sorte)
