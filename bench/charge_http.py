"""Le client de charge des bancs de mesure (``bench/fonctions.py``, ``bench/postgresql.py``,
``bench/instructions.py``) : sockets asyncio bruts sur des connexions persistantes, le moins
de travail possible côté client pour que la mesure soit celle du serveur.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
import uuid

# Un signalement valide pour le modèle de test (tests/fonctions/modele_test.json).
CHAMPS = {
    "noeud": "voirie/nid-de-poule", "commune": "56001",
    "description": "Un trou profond devant l'école, au niveau du passage piéton. " * 3,
    "adresse": "12 rue des Écoles, Bourg-les-Essais", "latitude": 47.55, "longitude": -2.48,
    "question-taille": "Comme une assiette", "question-dangereux": "oui",
}


def port_libre() -> int:
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        return prise.getsockname()[1]


def requete_http(methode: str, chemin: str, corps: bytes, cle: bool) -> bytes:
    entetes = [f"{methode} {chemin} HTTP/1.1", "Host: 127.0.0.1",
               "Content-Type: application/json", f"Content-Length: {len(corps)}"]
    if cle:
        entetes.append(f"Idempotency-Key: {uuid.uuid4()}")
    return ("\r\n".join(entetes) + "\r\n\r\n").encode() + corps


async def lire_reponse(lecteur: asyncio.StreamReader) -> int:
    tete = await lecteur.readuntil(b"\r\n\r\n")
    statut = int(tete.split(b" ", 2)[1])
    longueur = 0
    for ligne in tete.split(b"\r\n"):
        if ligne.lower().startswith(b"content-length:"):
            longueur = int(ligne.split(b":")[1])
    await lecteur.readexactly(longueur)
    return statut


async def requete_unique(port: int, methode: str, chemin: str, corps: bytes) -> int:
    lecteur, ecrivain = await asyncio.open_connection("127.0.0.1", port)
    ecrivain.write(requete_http(methode, chemin, corps, cle=False))
    await ecrivain.drain()
    statut = await lire_reponse(lecteur)
    ecrivain.close()
    await ecrivain.wait_closed()
    return statut


async def charge(ports: list[int], chemin: str, duree: float, connexions: int
                 ) -> tuple[float, int]:
    """Le débit (requêtes/s) et le nombre de réponses 201 de ``POST chemin`` avec ``CHAMPS``
    et une clé d'idempotence neuve, les connexions réparties entre ``ports`` (plusieurs
    processus serveur : comme derrière un répartiteur de charge)."""
    corps = json.dumps(CHAMPS).encode()
    fin = time.perf_counter() + duree
    faites = [0]

    async def connexion(port: int) -> None:
        lecteur, ecrivain = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < fin:
            ecrivain.write(requete_http("POST", chemin, corps, cle=True))
            await ecrivain.drain()
            statut = await lire_reponse(lecteur)
            if statut != 201:
                raise SystemExit(f"{chemin} a répondu {statut}")
            faites[0] += 1
        ecrivain.close()
        await ecrivain.wait_closed()

    debut = time.perf_counter()
    await asyncio.gather(*(connexion(ports[i % len(ports)]) for i in range(connexions)))
    return faites[0] / (time.perf_counter() - debut), faites[0]


def nombre_fr(valeur: float, decimales: int = 0) -> str:
    return f"{valeur:,.{decimales}f}".replace(",", "\u202f").replace(".", ",")
