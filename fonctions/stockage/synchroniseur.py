"""Un petit processus qui fait les ``fdatasync`` du journal pour la boucle d'événements.

Pourquoi un processus et pas un fil : un fil Python qui se réveille pour chaque lot doit
reprendre le verrou global de l'interpréteur à la boucle d'événements, plusieurs fois par
lot. Mesuré ici (2 processeurs, le client de charge sur la même machine) : 110 à 150 µs de
fil principal perdues par signalement, plus que tout le reste de l'enregistrement. Un
processus à part a son propre interpréteur : la boucle lui écrit une demande dans un tube
et lit la réponse quand le tube est prêt, comme n'importe quelle entrée-sortie.

``fdatasync`` vaut pour le fichier, pas pour le descripteur : celui du processus auxiliaire
(ouvert en lecture) rend durables les octets que la boucle a écrits avec le sien.

Protocole, en entiers de 64 bits : la boucle envoie ``(numéro, segment)`` ; le processus
synchronise le segment et répond ``(numéro, errno)`` (0 : durable). Il s'arrête quand son
entrée se ferme — donc aussi quand le serveur meurt, même tué net.
"""

from __future__ import annotations

import os
import select
import struct
import subprocess
import sys
from pathlib import Path

FORMAT = struct.Struct("<qq")

# Le programme du processus auxiliaire : sans dépendance, lancé avec ``python -I -S`` pour
# démarrer vite. SIGINT et SIGTERM sont ignorés : un Ctrl-C arrête le serveur, qui ferme
# proprement le journal, puis l'entrée du processus.
PROGRAMME = r"""
import os, signal, struct, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
dossier, suffixe, taille = sys.argv[1], sys.argv[2], 16
segment, descripteur = None, None
while True:
    demande = b""
    while len(demande) < taille:
        morceau = os.read(0, taille - len(demande))
        if not morceau:
            sys.exit(0)
        demande += morceau
    numero, voulu = struct.unpack("<qq", demande)
    try:
        if voulu != segment:
            if descripteur is not None:
                os.close(descripteur)
            descripteur = os.open(os.path.join(dossier, "%012d%s" % (voulu, suffixe)), os.O_RDONLY)
            segment = voulu
        os.fdatasync(descripteur)
        erreur = 0
    except OSError as probleme:
        erreur = probleme.errno or -1
    os.write(1, struct.pack("<qq", numero, erreur))
"""


class Synchroniseur:
    """Le processus auxiliaire, vu de la boucle : ``demander`` puis, quand ``descripteur``
    est prêt à la lecture, ``lire_reponse``."""

    def __init__(self, dossier: Path, suffixe: str) -> None:
        self.dossier, self.suffixe = Path(dossier), suffixe
        self.demandes = 0  # pour les tests : une demande, un ``fdatasync``
        self._processus: subprocess.Popen | None = None

    def demarrer(self) -> None:
        self._processus = subprocess.Popen(  # noqa: S603 — notre propre programme
            [sys.executable, "-I", "-S", "-c", PROGRAMME, str(self.dossier), self.suffixe],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0, close_fds=True)
        self.descripteur = self._processus.stdout.fileno()  # les réponses
        os.set_blocking(self.descripteur, False)

    def demander(self, numero: int, segment: int) -> None:
        if self._processus is None:
            raise OSError("Le processus de synchronisation du journal est arrêté.")
        self.demandes += 1
        os.write(self._processus.stdin.fileno(), FORMAT.pack(numero, segment))

    def lire_reponse(self, attendre: bool) -> tuple[int, int] | None:
        """``(numéro, errno)``, ou ``None`` si rien n'est prêt et ``attendre`` est faux.
        ``OSError`` si le processus a disparu."""
        if self._processus is None:
            raise OSError("Le processus de synchronisation du journal est arrêté.")
        lu = b""
        while len(lu) < FORMAT.size:
            if attendre or lu:
                select.select([self.descripteur], [], [])
            try:
                morceau = os.read(self.descripteur, FORMAT.size - len(lu))
            except BlockingIOError:
                if not lu and not attendre:
                    return None
                continue
            if not morceau:
                raise OSError("Le processus de synchronisation du journal a disparu.")
            lu += morceau
        return FORMAT.unpack(lu)

    def arreter(self) -> None:
        """Ferme son entrée et attend qu'il sorte ; sans effet la seconde fois."""
        processus, self._processus = self._processus, None
        if processus is None:
            return
        processus.stdin.close()
        processus.wait()
        processus.stdout.close()
