"""Écritures atomiques et verrous de fichiers, communs aux moteurs de stockage.

``ecrire_atomiquement`` écrit dans un fichier temporaire du même dossier, le synchronise
(``fsync``), le met en place par ``os.replace`` puis synchronise le dossier : après un arrêt
brutal, le fichier contient l'ancienne ou la nouvelle version, jamais un mélange.

Les verrous combinent un verrou de fil (``threading``) et ``flock`` : ils protègent entre
fils et entre processus (serveur et ``python -m fonctions envoyer`` lancé par cron), et le
noyau les libère si le processus meurt.
"""

from __future__ import annotations

import fcntl
import os
import re
import threading
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Le nom des fichiers temporaires : « .photo-1.jpg.<32 chiffres hexadécimaux>.tmp ». Un arrêt
# brutal pendant l'écriture en laisse un ; ``Stockage.effacer_restes`` (la purge) les retrouve ainsi.
MOTIF_TEMPORAIRE = re.compile(r"\..+\.[0-9a-f]{32}\.tmp")


def nom_temporaire(chemin: Path) -> Path:
    return chemin.parent / f".{chemin.name}.{uuid.uuid4().hex}.tmp"


def ecrire_atomiquement(chemin: Path, contenu: bytes) -> None:
    dossier = chemin.parent
    temporaire = nom_temporaire(chemin)
    try:
        descripteur = os.open(temporaire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileNotFoundError:
        dossier.mkdir(parents=True, exist_ok=True)
        descripteur = os.open(temporaire, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        vue = memoryview(contenu)
        while vue:
            vue = vue[os.write(descripteur, vue):]
        os.fsync(descripteur)
    except BaseException:
        os.close(descripteur)
        temporaire.unlink(missing_ok=True)
        raise
    os.close(descripteur)
    os.replace(temporaire, chemin)
    synchroniser_dossier(dossier)


def synchroniser_dossier(dossier: Path) -> None:
    descripteur = os.open(dossier, os.O_RDONLY)
    try:
        os.fsync(descripteur)
    finally:
        os.close(descripteur)


@contextmanager
def verrou_non_bloquant(chemin: Path) -> Iterator[bool]:
    """Tient ``flock`` sur ``chemin`` pendant le bloc ; rend ``False`` s'il est déjà tenu.

    Deux ouvertures du même fichier, même dans un seul processus, s'excluent.
    """
    try:
        descripteur = os.open(chemin, os.O_RDWR | os.O_CREAT, 0o600)
    except FileNotFoundError:
        chemin.parent.mkdir(parents=True, exist_ok=True)
        descripteur = os.open(chemin, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descripteur, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(descripteur)


class Verrous:
    """Un jeu fixe de verrous bloquants ; un nom tombe toujours sur le même."""

    def __init__(self, dossier: Path, nombre: int = 64) -> None:
        self.dossier = Path(dossier)
        self.nombre = nombre
        self._fils = [threading.Lock() for _ in range(nombre)]
        self._descripteurs: dict[int, int] = {}

    def _descripteur(self, numero: int) -> int:
        if numero not in self._descripteurs:
            self.dossier.mkdir(parents=True, exist_ok=True)
            chemin = self.dossier / f"{numero:02d}.verrou"
            self._descripteurs[numero] = os.open(chemin, os.O_RDWR | os.O_CREAT, 0o600)
        return self._descripteurs[numero]

    @contextmanager
    def tenir(self, nom: str) -> Iterator[None]:
        numero = zlib.crc32(nom.encode()) % self.nombre
        with self._fils[numero]:
            descripteur = self._descripteur(numero)
            fcntl.flock(descripteur, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(descripteur, fcntl.LOCK_UN)

    def fermer(self) -> None:
        for descripteur in self._descripteurs.values():
            os.close(descripteur)
        self._descripteurs.clear()
