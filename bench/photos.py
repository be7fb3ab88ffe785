"""Mémoire du serveur sous des photos de taille maximale (make bench) — pas un test.

Pour chaque cas, un serveur neuf (``python -m fonctions servir``, le vrai) reçoit 4 envois
simultanés de ``POST /api/signalements``, chacun avec 3 photos ; la mesure est le pic de
mémoire résidente du processus serveur (``VmHWM`` de ``/proc/<pid>/status``), lu après les
réponses. Objectif : 300 Mo au plus (docs/performance.md).

Les cas : des JPEG de 6 000 × 6 600 pixels (près de la limite de 40 millions, décodés
réduits), des PNG de 4 000 × 4 000 (la limite de 16 millions des images décodées en entier),
et les PNG de 6 000 × 6 600 qui faisaient monter le serveur à 1,5 Go (refusés dès l'en-tête).

    .venv/bin/python bench/photos.py
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from PIL import Image

RACINE = Path(__file__).resolve().parents[1]
MODELE = RACINE / "tests" / "fonctions" / "modele_test.json"
OBJECTIF_MO = 300
ENVOIS, PHOTOS = 4, 3
CHAMPS = {
    "noeud": "voirie/nid-de-poule",
    "commune": "56001",
    "description": "Un trou profond devant l'école, au niveau du passage piéton.",
    "adresse": "12 rue des Écoles, Bourg-les-Essais",
    "question-taille": "Comme une assiette",
    "question-dangereux": "oui",
}


def port_libre() -> int:
    with socket.socket() as prise:
        prise.bind(("127.0.0.1", 0))
        return prise.getsockname()[1]


def image(taille: tuple[int, int], format_: str) -> bytes:
    """Une image en dégradés, avec du bruit pour le JPEG (qui se compresse alors comme une
    photo) ; sans, pour que le PNG reste sous les 10 Mo."""
    largeur, hauteur = taille
    horizontal = Image.linear_gradient("L").resize((largeur, hauteur))
    vertical = Image.linear_gradient("L").rotate(90).resize((largeur, hauteur))
    troisieme = (
        Image.effect_noise((largeur, hauteur), 24)
        if format_ == "JPEG"
        else horizontal.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    )
    sortie = io.BytesIO()
    Image.merge("RGB", (horizontal, vertical, troisieme)).save(sortie, format=format_, quality=85)
    return sortie.getvalue()


def pic_mo(pid: int, cle: str = "VmHWM") -> float:
    for ligne in Path(f"/proc/{pid}/status").read_text().splitlines():
        if ligne.startswith(cle + ":"):
            return int(ligne.split()[1]) / 1024
    raise SystemExit(f"{cle} introuvable dans /proc/{pid}/status (Linux seulement).")


def mesurer(nom: str, photo: bytes, type_: str) -> float:
    port = port_libre()
    with tempfile.TemporaryDirectory() as dossier:
        environnement = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
        environnement.update(
            {
                "AIGUILLAGE_DONNEES": dossier,
                "AIGUILLAGE_MODELE": str(MODELE),
                "AIGUILLAGE_SITE": "-",
                "AIGUILLAGE_LIMITE_DEBIT": "0",
                "AIGUILLAGE_ENVOI_INTEGRE": "non",
            }
        )
        serveur = subprocess.Popen(
            [sys.executable, "-m", "fonctions", "servir", "--port", str(port)],
            cwd=RACINE,
            env=environnement,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            limite = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/api/sante", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    if time.monotonic() > limite:
                        raise SystemExit("Le serveur mesuré ne démarre pas.") from None
                    time.sleep(0.1)
            au_repos = pic_mo(serveur.pid, "VmRSS")

            def envoyer(_: int) -> int:
                fichiers = [("photos", (f"photo-{n}", photo, type_)) for n in range(PHOTOS)]
                return httpx.post(
                    f"{url}/api/signalements",
                    data=CHAMPS,
                    files=fichiers,
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                    timeout=300,
                ).status_code

            debut = time.monotonic()
            with ThreadPoolExecutor(ENVOIS) as fils:
                statuts = list(fils.map(envoyer, range(ENVOIS)))
            duree = time.monotonic() - debut
            pic = pic_mo(serveur.pid)
        finally:
            serveur.terminate()
            serveur.wait(timeout=30)
    print(
        f"  {nom} ({len(photo) / 1e6:.1f} Mo chacune) : statuts {statuts}, "
        f"{duree:.1f} s ; au repos {au_repos:.0f} Mo, pic {pic:.0f} Mo"
    )
    return pic


def main() -> None:
    print(
        f"Mémoire du serveur, {ENVOIS} envois simultanés de {PHOTOS} photos "
        f"(objectif : {OBJECTIF_MO} Mo au plus)"
    )
    cas = [
        ("JPEG 6 000 × 6 600", image((6000, 6600), "JPEG"), "image/jpeg"),
        ("PNG 4 000 × 4 000", image((4000, 4000), "PNG"), "image/png"),
        ("PNG 6 000 × 6 600, refusés", image((6000, 6600), "PNG"), "image/png"),
    ]
    pics = [mesurer(nom, photo, type_) for nom, photo, type_ in cas]
    pire = max(pics)
    print(
        f"Pic de mémoire du serveur : {pire:.0f} Mo "
        f"({'objectif tenu' if pire <= OBJECTIF_MO else 'OBJECTIF DÉPASSÉ'})."
    )


if __name__ == "__main__":
    main()
