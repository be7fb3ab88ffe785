"""Le canal ``webhook`` : un POST JSON signé (HMAC-SHA256), décrit dans docs/webhook.md.

Deux signatures du même corps, pour que le service vérifie avec ce qu'il préfère :

- ``Aiguillage-Signature: t=<secondes>,v1=<hex>`` où ``v1`` est le HMAC-SHA256, avec le
  secret, de ``"<t>." + corps`` (comme Stripe) ;
- les en-têtes Standard Webhooks (https://www.standardwebhooks.com) : ``webhook-id``,
  ``webhook-timestamp`` et ``webhook-signature: v1,<base64>``, HMAC-SHA256 de
  ``"<id>.<t>." + corps`` avec les octets du même secret ; une bibliothèque de la
  spécification les vérifie telle quelle (``Webhook("whsec_" + base64(secret))``).

**Rotation** : le réglage peut nommer plusieurs secrets, séparés par des espaces ; chaque
secret signe (un ``v1=`` de plus, une signature Standard Webhooks de plus), et le
destinataire accepte le corps si une seule signature est bonne. Les secrets viennent de
l'environnement, un par sens (``AIGUILLAGE_SECRET_WEBHOOK_<ID>`` signe nos envois,
``AIGUILLAGE_SECRET_MISES_A_JOUR_<ID>`` vérifie les mises à jour du service), jamais du
contenu.
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


def _hmac(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def secrets_de(reglage: str) -> list[str]:
    """Les secrets d'un réglage : un, ou plusieurs séparés par des espaces (rotation)."""
    return reglage.split()


def signer(secret: str, horodatage: int, corps: bytes) -> str:
    """``t=<horodatage>,v1=<hex>``, un ``v1=`` par secret de ``secret`` (voir ``secrets_de``)."""
    message = f"{horodatage}.".encode() + corps
    return ",".join([f"t={horodatage}", *(f"v1={_hmac(s, message).hex()}"
                                           for s in secrets_de(secret))])


def signer_standard(secret: str, identifiant: str, horodatage: int, corps: bytes) -> str:
    """La valeur de ``webhook-signature`` (Standard Webhooks) : ``v1,<base64>`` par secret,
    séparés par des espaces."""
    message = f"{identifiant}.{horodatage}.".encode() + corps
    return " ".join(f"v1,{base64.b64encode(_hmac(s, message)).decode()}"
                    for s in secrets_de(secret))


def verifier_signature(secret: str, entete: str, corps: bytes, maintenant: int,
                       tolerance: int = TOLERANCE) -> bool:
    """Ce que fait un destinataire : recalculer, comparer en temps constant, dater.

    L'en-tête peut porter plusieurs ``v1=`` et ``secret`` nommer plusieurs secrets (une clé
    qui change, chez l'un ou chez l'autre) : une seule paire qui va suffit."""
    morceaux = [p.strip().partition("=") for p in entete.split(",")]
    horodatages = [v for n, _, v in morceaux if n == "t"]
    recues = [v.encode() for n, _, v in morceaux if n == "v1"]
    try:
        horodatage = int(horodatages[0])
    except (IndexError, ValueError):
        return False
    message = f"{horodatage}.".encode() + corps
    attendues = [_hmac(s, message).hex().encode() for s in secrets_de(secret)]
    bonne = False
    for attendue in attendues:  # tout est comparé, sans s'arrêter à la première qui va
        for recue in recues:
            bonne |= hmac.compare_digest(attendue, recue)
    return bonne and abs(maintenant - horodatage) <= tolerance


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
        horodatage = int(self.horloge().timestamp())
        entetes = {
            "Content-Type": "application/json; charset=utf-8",
            ENTETE_SIGNATURE: signer(secret, horodatage, corps),
            # Standard Webhooks : l'identifiant de l'envoi, le même à chaque nouvel essai.
            "webhook-id": dossier.identifiant,
            "webhook-timestamp": str(horodatage),
            "webhook-signature": signer_standard(secret, dossier.identifiant, horodatage, corps),
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
