"""Envoyer un message Web Push, et classer la réponse du service de push.

Les pièges évités (voir shared/TECHNIQUE.md) : ``ttl`` à un jour au moins (sinon le message
est jeté si le téléphone est hors ligne), un délai d'attente explicite, des revendications
VAPID neuves à chaque envoi (pywebpush modifie le dict), la clé passée en objet ``Vapid``,
aucune redirection suivie, ``Topic`` (≤ 32 caractères) pour qu'un message remplace le
précédent du même signalement, ``Urgency: high`` (iOS).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import requests
from pywebpush import WebPushException, webpush

from fonctions.push.cles import ClesVapid

TTL = 24 * 3600
DELAI = 10.0


class _SansRedirection(requests.Session):
    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs["allow_redirects"] = False
        return super().request(*args, **kwargs)


@dataclass(frozen=True)
class Issue:
    """``remis`` ; ``perime`` (404/410 : oublier l'abonnement) ; ``plus_tard`` (429, 5xx,
    réseau : réessayer) ; ``refuse`` (autre refus : inutile de réessayer)."""

    sorte: str
    detail: str = ""


def sujet(reference: str) -> str:
    """Le ``Topic`` d'un signalement : 32 caractères au plus, de l'alphabet base64url."""
    return hashlib.sha256(reference.encode()).hexdigest()[:32]


class EnvoyeurPush:
    def __init__(self, cles: ClesVapid, contact: str) -> None:
        self.cles, self.contact = cles, contact
        self.session = _SansRedirection()

    def envoyer(self, abonnement: dict[str, Any], message: dict[str, Any], reference: str) -> Issue:
        revendications = {"sub": self.contact}  # neuves à chaque envoi
        try:
            webpush(abonnement, json.dumps(message, ensure_ascii=False),
                    vapid_private_key=self.cles.vapid, vapid_claims=revendications,
                    ttl=TTL, timeout=DELAI, requests_session=self.session,
                    headers={"Urgency": "high", "Topic": sujet(reference)})
        except WebPushException as exc:
            statut = exc.response.status_code if exc.response is not None else None
            if statut in (404, 410):
                return Issue("perime", f"abonnement expiré ({statut})")
            if statut is None or statut == 429 or statut >= 500:
                return Issue("plus_tard", f"service de push indisponible ({statut or exc})")
            return Issue("refuse", f"refusé par le service de push ({statut})")
        except requests.RequestException as exc:
            return Issue("plus_tard", f"service de push injoignable ({type(exc).__name__})")
        return Issue("remis")
