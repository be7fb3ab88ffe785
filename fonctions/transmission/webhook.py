"""Le canal ``webhook`` : un POST JSON signé (HMAC-SHA256), décrit dans docs/webhook.md.

En-tête ``Aiguillage-Signature: t=<secondes>,v1=<hex>`` où ``v1`` est le HMAC-SHA256, avec
le secret du service, de ``"<t>." + corps`` (comme Stripe). Le secret vient de
l'environnement (``AIGUILLAGE_SECRET_WEBHOOK_<ID>``), jamais du contenu.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from fonctions.domaine.chronologie import chronologie
from fonctions.socle.client_http import ClientHTTP, ErreurReseau
from fonctions.socle.horloge import Horloge
from fonctions.socle.reglages import PREFIXE_SECRET_WEBHOOK, suffixe_de
from fonctions.transmission.base import Dossier, EchecTransmission, Recu

ENTETE_SIGNATURE = "Aiguillage-Signature"
TOLERANCE = 300  # secondes d'écart admises par le destinataire


def signer(secret: str, horodatage: int, corps: bytes) -> str:
    code = hmac.new(secret.encode(), f"{horodatage}.".encode() + corps, hashlib.sha256)
    return f"t={horodatage},v1={code.hexdigest()}"


def verifier_signature(secret: str, entete: str, corps: bytes, maintenant: int,
                       tolerance: int = TOLERANCE) -> bool:
    """Ce que fait un destinataire : recalculer, comparer en temps constant, dater."""
    morceaux = dict(p.split("=", 1) for p in entete.split(",") if "=" in p)
    try:
        horodatage = int(morceaux["t"])
    except (KeyError, ValueError):
        return False
    attendu = signer(secret, horodatage, corps).rpartition("v1=")[2]
    return (abs(maintenant - horodatage) <= tolerance
            and hmac.compare_digest(attendu, morceaux.get("v1", "")))


# La sorte d'envoi → le type d'événement annoncé au service.
TYPES = {"transmission": "signalement.nouveau", "relance": "signalement.relance",
         "rouvert": "signalement.rouvert", "complement": "signalement.complement",
         "lien": "signalement.lien"}


def charge_utile(dossier: Dossier) -> dict[str, Any]:
    s = dossier.signalement
    return {
        "id": dossier.identifiant,
        "type": TYPES.get(dossier.evenement, f"signalement.{dossier.evenement}"),
        "gestionnaire": {"id": dossier.gestionnaire["id"], "nom": dossier.gestionnaire["nom"]},
        "lien_agent": dossier.lien_agent,
        "message": dossier.motif if dossier.evenement != "transmission" else None,
        "signalement": {
            "reference": s["reference"],
            "cree_le": s["cree_le"],
            "probleme": s["noeud"],
            "parcours": s["parcours"],
            "commune": s["commune"],
            "description": s["description"],
            "localisation": s["localisation"],
            "contact": s["contact"],
            "reponses": s["reponses"],
            "historique": chronologie(s, "La coordination du territoire", pour_le_service=True),
            "photos": [
                {"nom": p.nom, "type": p.type,
                 "contenu_base64": base64.b64encode(p.contenu).decode()}
                for p in dossier.photos
            ],
        },
    }


class CanalWebhook:
    nom = "webhook"

    def __init__(self, client: ClientHTTP, secret: Callable[[str], str | None],
                 horloge: Horloge) -> None:
        self.client, self.secret, self.horloge = client, secret, horloge

    def transmettre(self, dossier: Dossier) -> Recu:
        identifiant = dossier.gestionnaire["id"]
        secret = self.secret(identifiant)
        if not secret:
            raise EchecTransmission(
                f"{PREFIXE_SECRET_WEBHOOK}{suffixe_de(identifiant)} n'est pas défini.",
                definitif=True)
        if not dossier.adresse.startswith(("https://", "http://")):
            raise EchecTransmission(f"{dossier.gestionnaire['nom']} n'a pas d'adresse web de "
                                    "transmission (adresse_transmission).", definitif=True)
        corps = json.dumps(charge_utile(dossier), ensure_ascii=False).encode()
        entetes = {
            "Content-Type": "application/json; charset=utf-8",
            ENTETE_SIGNATURE: signer(secret, int(self.horloge().timestamp()), corps),
            "Aiguillage-Evenement": TYPES.get(dossier.evenement, dossier.evenement),
            "Idempotency-Key": dossier.identifiant,
        }
        try:
            reponse = self.client.post(dossier.adresse, contenu=corps, entetes=entetes)
        except ErreurReseau as erreur:
            raise EchecTransmission(f"{dossier.adresse} injoignable : {erreur}",
                                    injoignable=True) from None
        if not 200 <= reponse.statut < 300:
            raise EchecTransmission(f"{dossier.adresse} a répondu {reponse.statut} : "
                                    f"{reponse.texte[:200]}")
        return Recu(f"Envoyé par webhook à {dossier.adresse} (réponse {reponse.statut}).")
