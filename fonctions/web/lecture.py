"""La seule porte d'entrée des corps reçus : JSON, formulaire simple ou multipart.

Chaque point d'entrée qui lit un corps passe par ici (``lire_envoi``, ou ``lire_corps`` puis
``lire_objet_json`` quand il doit d'abord vérifier une signature sur les octets bruts), et
reçoit des champs sûrs, ou ``ErreursValidation`` (une réponse 4xx en français ; ``app.py``
la rend même si la route l'oublie) :

1. **la taille** : le corps est lu en comptant les octets (413 dès que la limite de la route
   est dépassée, même sans ``Content-Length``) ;
2. **le type** : JSON, formulaire simple ou multipart, sinon 415 ;
3. **la profondeur**, avant l'analyse : un JSON imbriqué sur plus de ``PROFONDEUR_MAX``
   niveaux est refusé (400) sans être décodé (2 000 niveaux faisaient déborder la pile) ;
4. **le texte** : chaque nom et chaque valeur de champ est normalisé
   (``validation.normaliser_texte`` : ni NUL ni autre caractère de contrôle, sauf saut de
   ligne et tabulation ; les moitiés de paire de substitution remplacées par U+FFFD) ;
5. **les types** : les champs que la route nomme dans ``textes`` doivent être du texte
   (un ``motif`` JSON envoyé en liste est refusé, 422, au lieu d'être montré « ['x'] »).

Aucune écriture n'a lieu ici.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from fonctions.domaine.validation import Erreur, ErreursValidation, normaliser_texte

OCTETS_MAX_CORPS = 32 * 1024 * 1024  # trois photos de 10 Mo et le texte
OCTETS_MAX_JSON = 1024 * 1024  # un JSON ne porte pas de photo : du texte seulement
FICHIERS_MAX = 10  # au-delà, le formulaire est refusé sans être lu (3 photos sont gardées)
CHAMPS_MAX = 200  # champs d'un formulaire
PROFONDEUR_MAX = 32  # niveaux d'imbrication d'un JSON (nos envois en ont 3 au plus)
CHAMPS_PHOTOS = ("photos", "photo")
JSON = "application/json"
FORMULAIRE = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


@dataclass
class Envoi:
    champs: dict[str, Any]
    photos: list[bytes] = field(default_factory=list)
    type: str = JSON


_ENTETES = "aiguillage.entetes"  # dans le scope ASGI de la requête


def entete(request: Request, nom: str, defaut: str = "") -> str:
    """La valeur de l'en-tête reçu ``nom`` (en minuscules ; le premier s'il est répété).

    Les en-têtes sont rangés une fois par requête dans un dictionnaire gardé dans son scope
    ASGI : ``request.headers.get`` parcourt leur liste en Python à chaque appel, et un
    signalement en lit quatre."""
    scope = request.scope
    entetes = scope.get(_ENTETES)
    if entetes is None:
        entetes = scope[_ENTETES] = dict(reversed(list(scope["headers"])))
    valeur = entetes.get(nom.encode("latin-1"))
    return defaut if valeur is None else valeur.decode("latin-1")


def type_du_contenu(request: Request) -> str:
    valeur = entete(request, "content-type")
    if ";" not in valeur and "," not in valeur:  # « application/json » : rien à analyser
        return valeur.strip().lower()
    brut, _ = parse_options_header(valeur)
    return brut.decode("latin-1").lower()


def _trop_gros(limite: int) -> ErreursValidation:
    """413, avec la limite de la route : « 32 Mo », « 64 Ko »."""
    taille = (f"{limite // 1024 // 1024} Mo" if limite >= 1024 * 1024
              else f"{max(1, limite // 1024)} Ko")
    conseil = ("retirez une photo ou réduisez-la" if limite > OCTETS_MAX_JSON
               else "raccourcissez le texte envoyé")
    return ErreursValidation([Erreur(None, (
        f"L'envoi est trop volumineux ({taille} au plus) : {conseil}."), 413)])


async def lire_corps(request: Request, limite: int = OCTETS_MAX_CORPS) -> bytes:
    """Le corps entier, lu message par message (``receive`` d'ASGI, sans le générateur
    asynchrone de ``request.stream()``, qui coûtait autant que le décodage du JSON)."""
    longueur = entete(request, "content-length")
    if longueur.isdigit() and int(longueur) > limite:
        raise _trop_gros(limite)
    morceaux, total = [], 0
    while True:
        message = await request.receive()
        if message["type"] != "http.request":  # http.disconnect
            raise ErreursValidation([Erreur(None, "L'envoi a été interrompu : réessayez.", 400)])
        morceau = message.get("body", b"")
        total += len(morceau)
        if total > limite:
            raise _trop_gros(limite)
        morceaux.append(morceau)
        if not message.get("more_body", False):
            return morceaux[0] if len(morceaux) == 1 else b"".join(morceaux)


async def lire_envoi(request: Request, limite: int = OCTETS_MAX_CORPS,
                     textes: Collection[str] = ()) -> Envoi:
    """L'envoi de ``request`` (JSON, formulaire simple ou multipart), vérifié et normalisé ;
    les champs nommés dans ``textes``, s'ils sont là, sont du texte."""
    type_ = type_du_contenu(request)
    if type_ not in (JSON, FORMULAIRE, MULTIPART):
        raise ErreursValidation([Erreur(None, (
            "Envoyez les données en JSON (application/json) ou avec un formulaire "
            "(application/x-www-form-urlencoded ou multipart/form-data)."
        ), 415)])
    if type_ == JSON:
        envoi = _lire_json(await lire_corps(request, min(limite, OCTETS_MAX_JSON)))
    else:
        envoi = await _lire_formulaire(request, await lire_corps(request, limite), type_)
    exiger_des_textes(envoi.champs, textes)
    return envoi


# Une chaîne JSON, avec ses échappements : les crochets qui y sont écrits ne comptent pas.
_CHAINE = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_SAUF_CROCHETS = bytes(range(256)).translate(None, b"[]{}")
# Une paire la plus intérieure ; une seule passe (``{[]}`` devient ``{}``, pas rien).
_PAIRE_INTERIEURE = re.compile(rb"\[\]|\{\}")


def _trop_profond(corps: bytes) -> bool:
    """Vrai si le JSON ``corps`` s'imbrique sur plus de ``PROFONDEUR_MAX`` niveaux, compté
    sans le décoder : les chaînes ôtées, il ne reste que les crochets, dont chaque tour retire
    les paires les plus intérieures (``[[{}]]`` : trois tours). Tout se fait en C (mesuré
    ici, pour un mégaoctet de ``[],[],…`` : 45 ms, contre 290 ms pour une boucle Python sur
    les crochets)."""
    if corps.count(b"[") + corps.count(b"{") <= PROFONDEUR_MAX:
        return False  # le cas de chaque envoi normal
    crochets = _CHAINE.sub(b"", corps).translate(None, _SAUF_CROCHETS)
    for _ in range(PROFONDEUR_MAX):
        interieurs_retires = _PAIRE_INTERIEURE.sub(b"", crochets)
        if interieurs_retires == crochets:
            return False  # plus rien à retirer : mal formé, json.loads le dira
        crochets = interieurs_retires
    return bool(crochets)


def _nombre_refuse(texte: str) -> float:
    raise ValueError(texte)  # NaN et Infinity ne sont pas du JSON (RFC 8259)


def normaliser(valeur: Any) -> Any:
    """``valeur`` (décodée d'un JSON de profondeur bornée) avec chaque texte normalisé, noms
    des champs compris."""
    if type(valeur) is str:
        return normaliser_texte(valeur)
    if isinstance(valeur, dict):
        return {normaliser_texte(nom): normaliser(v) for nom, v in valeur.items()}
    if isinstance(valeur, list):
        return [normaliser(v) for v in valeur]
    return valeur


def lire_objet_json(corps: bytes, textes: Collection[str] = ()) -> dict:
    """L'objet JSON du corps, normalisé, ses champs ``textes`` vérifiés ;
    ``ErreursValidation`` (400, en français) sinon."""
    if _trop_profond(corps):
        raise ErreursValidation([Erreur(None, (
            f"Le JSON reçu est imbriqué sur trop de niveaux ({PROFONDEUR_MAX} au plus)."), 400)])
    try:
        # UTF-8, comme l'exige la RFC 8259 entre systèmes ouverts (un navigateur n'envoie
        # rien d'autre) : sans la détection d'encodage de ``json.loads`` sur des octets.
        donnees = json.loads(corps.decode("utf-8-sig"), parse_constant=_nombre_refuse)
    except (ValueError, RecursionError):
        raise ErreursValidation([Erreur(None, "Le JSON reçu est illisible.", 400)]) from None
    if not isinstance(donnees, dict):
        raise ErreursValidation([Erreur(None, "Le JSON reçu doit être un objet.", 400)])
    donnees = normaliser(donnees)
    exiger_des_textes(donnees, textes)
    return donnees


_GENRES = ((bool, "vrai ou faux"), ((int, float), "un nombre"), (list, "une liste"),
           (dict, "un objet"))


def exiger_des_textes(champs: dict[str, Any], textes: Collection[str]) -> None:
    """422 pour chaque champ de ``textes`` présent qui n'est pas du texte (``null`` vaut
    absent) : un motif en liste n'est jamais montré « ['x'] » au citoyen. ``textes`` peut
    être un dictionnaire qui donne la forme attendue : ``{"date_intervention": "AAAA-MM-JJ"}``."""
    erreurs = []
    for nom in textes:
        valeur = champs.get(nom)
        if valeur is not None and not isinstance(valeur, str):
            genre = next((g for types, g in _GENRES if isinstance(valeur, types)), "autre chose")
            forme = textes.get(nom) if isinstance(textes, Mapping) else None
            erreurs.append(Erreur(nom, f"{nom} doit être un texte{f' ({forme})' if forme else ''}"
                                       f", pas {genre}."))
    if erreurs:
        raise ErreursValidation(erreurs)


def _lire_json(corps: bytes) -> Envoi:
    donnees = lire_objet_json(corps)
    if "photos" in donnees:
        raise ErreursValidation([Erreur("photos", (
            "Les photos s'envoient avec un formulaire multipart/form-data, pas en JSON."
        ), 415)])
    return Envoi(champs=donnees, type=JSON)


async def _lire_formulaire(request: Request, corps: bytes, type_: str) -> Envoi:
    async def rejouer() -> dict[str, Any]:
        return {"type": "http.request", "body": corps, "more_body": False}

    copie = Request(request.scope, rejouer)
    try:
        formulaire = await copie.form(max_files=FICHIERS_MAX, max_fields=CHAMPS_MAX)
    except (MultiPartException, HTTPException) as erreur:
        texte = getattr(erreur, "message", None) or getattr(erreur, "detail", "")
        if "files" in str(texte):
            raise ErreursValidation([Erreur("photos", "3 photos au plus.", 422)]) from None
        raise ErreursValidation([Erreur(None, "Le formulaire reçu est illisible.", 400)]) from None
    try:
        champs: dict[str, Any] = {}
        photos: list[bytes] = []
        for nom_recu, valeur in formulaire.multi_items():
            nom = normaliser_texte(nom_recu)
            if isinstance(valeur, UploadFile):
                contenu = await valeur.read()
                # Un champ fichier laissé vide arrive sans nom ni contenu : on l'ignore.
                if nom in CHAMPS_PHOTOS and contenu:
                    photos.append(contenu)
            else:
                champs[nom] = normaliser_texte(valeur)
    finally:
        await formulaire.close()
    return Envoi(champs=champs, photos=photos, type=type_)
