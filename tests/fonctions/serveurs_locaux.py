"""Vrais serveurs sur la boucle locale (127.0.0.1) pour les tests : SMTP et HTTP."""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HOTE = "127.0.0.1"


def port_libre() -> int:
    with socket.socket() as prise:
        prise.bind((HOTE, 0))
        return prise.getsockname()[1]


def attendre(condition, delai: float = 30.0, message: str = "condition non remplie"):
    """Attend qu'une condition soit vraie (sans rien supposer de la durée) ou échoue."""
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        resultat = condition()
        if resultat:
            return resultat
        time.sleep(0.02)
    raise AssertionError(message)


class BoiteSMTP:
    """Un serveur SMTP aiosmtpd dans un fil ; garde chaque courriel reçu."""

    def __init__(self) -> None:
        self.courriels: list[dict] = []
        self.verrou = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (nom imposé)
        with self.verrou:
            self.courriels.append({"de": envelope.mail_from, "pour": list(envelope.rcpt_tos),
                                   "contenu": envelope.original_content or envelope.content,
                                   "tls": server.transport.get_extra_info("ssl_object")
                                   is not None,
                                   "identifiant": session.auth_data})
        return "250 OK"


def demarrer_smtp(boite: BoiteSMTP, **options) -> Controller:
    controleur = Controller(boite, hostname=HOTE, port=port_libre(), **options)
    controleur.start()
    return controleur


def authentifier(server, session, envelope, mechanism, auth_data):
    if isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            b"agent", b"mot de passe"):
        return AuthResult(success=True, auth_data="agent")
    return AuthResult(success=False, handled=False)


def certificat_local(dossier: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """Un certificat autosigné pour 127.0.0.1 : contexte serveur et contexte client qui s'y fie."""
    cle = ec.generate_private_key(ec.SECP256R1())
    nom = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aiguillage-test")])
    maintenant = datetime.datetime.now(datetime.UTC)
    certificat = (
        x509.CertificateBuilder().subject_name(nom).issuer_name(nom).public_key(cle.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(maintenant - datetime.timedelta(hours=1))
        .not_valid_after(maintenant + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOTE))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(cle, hashes.SHA256())
    )
    chemin_certificat, chemin_cle = dossier / "cert.pem", dossier / "cle.pem"
    chemin_certificat.write_bytes(certificat.public_bytes(serialization.Encoding.PEM))
    chemin_cle.write_bytes(cle.private_bytes(serialization.Encoding.PEM,
                                             serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()))
    serveur = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    serveur.load_cert_chain(chemin_certificat, chemin_cle)
    client = ssl.create_default_context(cafile=str(chemin_certificat))
    return serveur, client


class RecepteurHTTP:
    """Un serveur HTTP local qui garde chaque requête et rend la réponse prévue pour son chemin."""

    def __init__(self) -> None:
        self.requetes: list[dict] = []
        self.reponses: dict[str, tuple[int, str]] = {}
        self.verrou = threading.Lock()
        self.compteur = 0
        self.delai = 0.0  # pour qu'un envoi dure : l'arrêt brutal tombe pendant un envoi
        recepteur = self

        class Gestionnaire(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (nom imposé par http.server)
                corps = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with recepteur.verrou:
                    recepteur.compteur += 1
                    numero = recepteur.compteur
                    recepteur.requetes.append({"chemin": self.path, "entetes": dict(self.headers),
                                               "corps": corps})
                time.sleep(recepteur.delai)
                statut, texte = recepteur.reponses.get(self.path, (200, "{}"))
                texte = texte.replace("{numero}", str(numero))
                donnees = texte.encode()
                self.send_response(statut)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(donnees)))
                self.end_headers()
                self.wfile.write(donnees)

            def log_message(self, *args):
                pass

        self.serveur = ThreadingHTTPServer((HOTE, 0), Gestionnaire)
        self.serveur.daemon_threads = True
        self.port = self.serveur.server_address[1]
        self.fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self.fil.start()

    @property
    def url(self) -> str:
        return f"http://{HOTE}:{self.port}"

    def arreter(self) -> None:
        self.serveur.shutdown()
        self.serveur.server_close()
        self.fil.join()


def json_de(requete: dict):
    return json.loads(requete["corps"])
