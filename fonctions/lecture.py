"""Lire le corps d'un envoi de signalement : JSON, formulaire simple ou multipart.

Le corps est lu en comptant les octets (413 dès que la limite est dépassée, même sans
``Content-Length``), puis analysé. Aucune écriture n'a lieu ici.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from python_multipart.multipart import parse_options_header
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from fonctions.validation import Erreur, ErreursValidation

OCTETS_MAX_CORPS = 32 * 1024 * 1024  # trois photos de 10 Mo et le texte
FICHIERS_MAX = 10  # au-delà, le formulaire est refusé sans être lu (3 photos sont gardées)
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


def _trop_gros() -> ErreursValidation:
    mo = OCTETS_MAX_CORPS // 1024 // 1024
    return ErreursValidation([Erreur(None, (
        f"L'envoi est trop volumineux ({mo} Mo au plus) : retirez une photo ou réduisez-la."
    ), 413)])


async def lire_corps(request: Request, limite: int = OCTETS_MAX_CORPS) -> bytes:
    """Le corps entier, lu message par message (``receive`` d'ASGI, sans le générateur
    asynchrone de ``request.stream()``, qui coûtait autant que le décodage du JSON)."""
    longueur = entete(request, "content-length")
    if longueur.isdigit() and int(longueur) > limite:
        raise _trop_gros()
    morceaux, total = [], 0
    while True:
        message = await request.receive()
        if message["type"] != "http.request":  # http.disconnect
            raise ErreursValidation([Erreur(None, "L'envoi a été interrompu : réessayez.", 400)])
        morceau = message.get("body", b"")
        total += len(morceau)
        if total > limite:
            raise _trop_gros()
        morceaux.append(morceau)
        if not message.get("more_body", False):
            return morceaux[0] if len(morceaux) == 1 else b"".join(morceaux)


async def lire_envoi(request: Request, limite: int = OCTETS_MAX_CORPS) -> Envoi:
    type_ = type_du_contenu(request)
    if type_ not in (JSON, FORMULAIRE, MULTIPART):
        raise ErreursValidation([Erreur(None, (
            "Envoyez le signalement en JSON (application/json) ou avec un formulaire "
            "(multipart/form-data)."
        ), 415)])
    corps = await lire_corps(request, limite)
    if type_ == JSON:
        return _lire_json(corps)
    return await _lire_formulaire(request, corps, type_)


def lire_objet_json(corps: bytes) -> dict:
    """L'objet JSON du corps ; ``ErreursValidation`` (400, en français) sinon."""
    try:
        # UTF-8, comme l'exige la RFC 8259 entre systèmes ouverts (un navigateur n'envoie
        # rien d'autre) : sans la détection d'encodage de ``json.loads`` sur des octets.
        donnees = json.loads(corps.decode("utf-8-sig"))
    except ValueError:
        raise ErreursValidation([Erreur(None, "Le JSON reçu est illisible.", 400)]) from None
    if not isinstance(donnees, dict):
        raise ErreursValidation([Erreur(None, "Le JSON reçu doit être un objet.", 400)])
    return donnees


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
        formulaire = await copie.form(max_files=FICHIERS_MAX, max_fields=200)
    except (MultiPartException, HTTPException) as erreur:
        texte = getattr(erreur, "message", None) or getattr(erreur, "detail", "")
        if "files" in str(texte):
            raise ErreursValidation([Erreur("photos", "3 photos au plus.", 422)]) from None
        raise ErreursValidation([Erreur(None, "Le formulaire reçu est illisible.", 400)]) from None
    try:
        champs: dict[str, Any] = {}
        photos: list[bytes] = []
        for nom, valeur in formulaire.multi_items():
            if isinstance(valeur, UploadFile):
                contenu = await valeur.read()
                # Un champ fichier laissé vide arrive sans nom ni contenu : on l'ignore.
                if nom in CHAMPS_PHOTOS and contenu:
                    photos.append(contenu)
            else:
                champs[nom] = valeur
    finally:
        await formulaire.close()
    return Envoi(champs=champs, photos=photos, type=type_)
