"""Les clés VAPID : la clé privée signe chaque envoi, la clé publique est donnée au
navigateur (``applicationServerKey``) pour qu'il n'accepte que nos messages.

En production, ``AIGUILLAGE_VAPID_CLE_PRIVEE`` donne la clé (PEM) ; en développement, une
clé est créée au premier lancement dans le dossier des données (``vapid.pem``, lisible par
le seul propriétaire). ``python -m fonctions vapid`` en crée une nouvelle et l'affiche.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid

from fonctions.socle.fichiers import ecrire_atomiquement

FICHIER = "vapid.pem"


def b64url(octets: bytes) -> str:
    return base64.urlsafe_b64encode(octets).rstrip(b"=").decode()


@dataclass(frozen=True)
class ClesVapid:
    vapid: Vapid
    publique: str  # base64url du point non compressé (65 octets), pour le navigateur

    @classmethod
    def depuis_pem(cls, pem: bytes) -> ClesVapid:
        vapid = Vapid.from_pem(pem)
        point = vapid.public_key.public_bytes(serialization.Encoding.X962,
                                              serialization.PublicFormat.UncompressedPoint)
        return cls(vapid, b64url(point))


def nouvelle_cle_pem() -> bytes:
    vapid = Vapid()
    vapid.generate_keys()
    return vapid.private_pem()


def charger_cles(pem: str | None, donnees: Path) -> ClesVapid:
    """La clé donnée par le réglage, sinon celle du dossier des données (créée au besoin)."""
    if pem:
        return ClesVapid.depuis_pem(pem.encode())
    chemin = Path(donnees) / FICHIER
    if not chemin.exists():
        ecrire_atomiquement(chemin, nouvelle_cle_pem())
        os.chmod(chemin, 0o600)
    return ClesVapid.depuis_pem(chemin.read_bytes())
