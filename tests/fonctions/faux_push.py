"""Un faux service de push sur la boucle locale, qui fait le travail du vrai : il vérifie
la signature VAPID (JWT ES256, audience, expiration, contact) et déchiffre le corps
``aes128gcm`` avec la clé privée de l'abonnement de test (http_ece)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from serveurs_locaux import HOTE


def b64d(texte: str) -> bytes:
    return base64.urlsafe_b64decode(texte + "=" * (-len(texte) % 4))


def b64e(octets: bytes) -> str:
    return base64.urlsafe_b64encode(octets).rstrip(b"=").decode()


class AbonnementDeTest:
    """Les clés qu'un navigateur aurait créées : la publique part au serveur, la privée
    reste ici pour déchiffrer."""

    def __init__(self, endpoint: str) -> None:
        self.cle_privee = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        publique = self.cle_privee.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        self.json = {"endpoint": endpoint, "keys": {"p256dh": b64e(publique), "auth": b64e(self.auth)}}


def verifier_vapid(autorisation: str, audience: str) -> dict:
    """Les revendications du JWT VAPID, après vérification ; lève ``ValueError`` sinon."""
    if not autorisation.startswith("vapid "):
        raise ValueError("pas d'en-tête « vapid »")
    parties = dict(p.strip().split("=", 1) for p in autorisation[6:].split(","))
    jwt, cle = parties["t"], parties["k"]
    tete, corps, signature = jwt.split(".")
    if json.loads(b64d(tete)) != {"typ": "JWT", "alg": "ES256"}:
        raise ValueError("en-tête JWT inattendu")
    publique = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(cle))
    brute = b64d(signature)
    der = encode_dss_signature(int.from_bytes(brute[:32], "big"), int.from_bytes(brute[32:], "big"))
    try:
        publique.verify(der, f"{tete}.{corps}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as exc:
        raise ValueError("signature VAPID invalide") from exc
    revendications = json.loads(b64d(corps))
    if revendications.get("aud") != audience:
        raise ValueError(f"audience {revendications.get('aud')} ≠ {audience}")
    if not time.time() < revendications["exp"] <= time.time() + 24 * 3600:
        raise ValueError("expiration hors de la fenêtre permise")
    if not str(revendications.get("sub", "")).startswith(("mailto:", "https:")):
        raise ValueError("contact « sub » manquant")
    return {**revendications, "k": cle}


class FauxServicePush:
    """``recus`` : la liste des messages déchiffrés ; ``reponses`` : statuts à rendre, dans l'ordre."""

    def __init__(self) -> None:
        self.abonnements: dict[str, AbonnementDeTest] = {}
        self.recus: list[dict] = []
        self.refus: list[str] = []
        self.reponses: list[int] = []
        service = self

        class Gestion(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                corps = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                statut = service.recevoir(self.path, {k.lower(): v for k, v in self.headers.items()}, corps)
                self.send_response(statut)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.serveur = ThreadingHTTPServer((HOTE, 0), Gestion)
        self.port = self.serveur.server_address[1]
        self.origine = f"http://{HOTE}:{self.port}"
        self.fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self.fil.start()

    @property
    def banc(self) -> str:
        return f"{HOTE}:{self.port}"

    def abonnement(self) -> AbonnementDeTest:
        nom = b64e(os.urandom(9))
        abonnement = AbonnementDeTest(f"{self.origine}/push/{nom}")
        self.abonnements[f"/push/{nom}"] = abonnement
        return abonnement

    def recevoir(self, chemin: str, entetes: dict, corps: bytes) -> int:
        abonnement = self.abonnements.get(chemin)
        if abonnement is None:
            return 404
        try:
            vapid = verifier_vapid(entetes.get("authorization", ""), self.origine)
            if int(entetes.get("ttl", "0")) < 24 * 3600:
                raise ValueError("TTL trop court")
            if entetes.get("content-encoding") != "aes128gcm":
                raise ValueError("codage inattendu")
            texte = http_ece.decrypt(corps, private_key=abonnement.cle_privee,
                                     auth_secret=abonnement.auth, version="aes128gcm")
        except (ValueError, KeyError) as exc:
            self.refus.append(str(exc))
            return 400
        statut = self.reponses.pop(0) if self.reponses else 201
        self.recus.append({"chemin": chemin, "message": json.loads(texte), "vapid": vapid,
                           "entetes": entetes, "statut": statut})
        return statut

    def arreter(self) -> None:
        self.serveur.shutdown()
        self.serveur.server_close()
