"""Vérifier un abonnement Web Push venu du navigateur, avant de le garder.

L'adresse (``endpoint``) vient du client : sans liste de services permis, le serveur
posterait où on lui dit (SSRF). On exige https, le port 443, aucun identifiant dans
l'adresse, et un hôte de service de push connu (égalité exacte ou suffixe « .domaine »,
sur le nom d'hôte analysé — jamais une expression régulière sur l'adresse entière).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

# Hôte exact, ou « .suffixe » pour tous ses sous-domaines.
SERVICES_CONNUS = (
    "fcm.googleapis.com",               # Chrome, Edge, Android
    "updates.push.services.mozilla.com",  # Firefox
    ".notify.windows.com",              # Edge ancien, Windows
    ".push.apple.com",                  # Safari (macOS, iOS 16.4+)
)


class AbonnementRefuse(ValueError):
    """L'abonnement n'est pas acceptable ; le message dit pourquoi, en français."""


def _b64url(texte: Any, taille: int, nom: str) -> str:
    if not isinstance(texte, str) or len(texte) > 200:
        raise AbonnementRefuse(f"La clé « {nom} » de l'abonnement est absente ou invalide.")
    try:
        octets = base64.urlsafe_b64decode(texte + "=" * (-len(texte) % 4))
    except (binascii.Error, ValueError) as exc:
        raise AbonnementRefuse(f"La clé « {nom} » de l'abonnement n'est pas en base64url.") from exc
    if len(octets) != taille:
        raise AbonnementRefuse(f"La clé « {nom} » de l'abonnement n'a pas la bonne taille.")
    return texte


def hote_permis(hote: str, permis: Iterable[str]) -> bool:
    hote = hote.lower().rstrip(".")
    for motif in permis:
        if motif.startswith(".") and hote.endswith(motif) and len(hote) > len(motif):
            return True
        if hote == motif:
            return True
    return False


def verifier_abonnement(donnees: Any, *, bancs_d_essai: Iterable[str] = ()) -> dict[str, Any]:
    """L'abonnement nettoyé ``{endpoint, keys: {p256dh, auth}}``, ou ``AbonnementRefuse``.

    ``bancs_d_essai`` (réglage réservé aux tests) ajoute des « hôte:port » en http sur la
    boucle locale, pour un faux service de push.
    """
    if not isinstance(donnees, dict):
        raise AbonnementRefuse("L'abonnement doit être un objet JSON.")
    endpoint = donnees.get("endpoint")
    if not isinstance(endpoint, str) or len(endpoint) > 2000:
        raise AbonnementRefuse("L'adresse de l'abonnement est absente ou trop longue.")
    try:
        adresse = urlsplit(endpoint)
        port = adresse.port
    except ValueError as exc:
        raise AbonnementRefuse("L'adresse de l'abonnement n'est pas une adresse web valide.") from exc
    hote = adresse.hostname or ""
    banc = f"{hote}:{port}" in set(bancs_d_essai) and adresse.scheme == "http"
    if not banc:
        if adresse.scheme != "https":
            raise AbonnementRefuse("L'adresse de l'abonnement doit être en https.")
        if port not in (None, 443):
            raise AbonnementRefuse("L'adresse de l'abonnement doit utiliser le port 443.")
        if not hote_permis(hote, SERVICES_CONNUS):
            raise AbonnementRefuse("Ce service de notifications n'est pas pris en charge.")
    if adresse.username is not None or adresse.password is not None or "@" in adresse.netloc:
        raise AbonnementRefuse("L'adresse de l'abonnement ne doit pas contenir d'identifiants.")
    cles = donnees.get("keys")
    if not isinstance(cles, dict):
        raise AbonnementRefuse("Les clés de l'abonnement sont absentes.")
    return {"endpoint": endpoint, "keys": {"p256dh": _b64url(cles.get("p256dh"), 65, "p256dh"),
                                           "auth": _b64url(cles.get("auth"), 16, "auth")}}
