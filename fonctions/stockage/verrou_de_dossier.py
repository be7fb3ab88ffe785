"""Le verrou qui désigne le seul processus recevant les signalements d'un dossier.

Un ``flock`` exclusif sur ``journal/proprietaire.verrou`` : le noyau le libère si le
processus meurt, même tué net. Deux ouvertures du fichier s'excluent, même dans un seul
processus.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path


class VerrouDeDossier:
    def __init__(self, chemin: Path) -> None:
        self.chemin = Path(chemin)
        self._descripteur: int | None = None

    @property
    def tenu(self) -> bool:
        return self._descripteur is not None

    def prendre(self, attente: float = 0.0) -> bool:
        """Essaie pendant ``attente`` secondes au plus ; rend vrai s'il est tenu."""
        if self._descripteur is not None:
            return True
        self.chemin.parent.mkdir(parents=True, exist_ok=True)
        descripteur = os.open(self.chemin, os.O_RDWR | os.O_CREAT, 0o600)
        limite = time.monotonic() + attente
        while True:
            try:
                fcntl.flock(descripteur, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= limite:
                    os.close(descripteur)
                    return False
                time.sleep(0.05)
                continue
            self._descripteur = descripteur
            return True

    def rendre(self) -> None:
        if self._descripteur is not None:
            os.close(self._descripteur)  # libère le flock
            self._descripteur = None
