"""Le matérialiseur : un fil qui écrit dans les fichiers TinyDB ce que le journal a rendu
durable (``materialisation.py``), puis efface les segments du journal devenus inutiles.

Pendant une rafale il laisse le journal s'allonger — les créations sont durables, et
lisibles en mémoire — et matérialise quand les requêtes se calment (rien de neuf pendant
``calme`` secondes), quand quelqu'un l'attend (``attendre``, la barrière), ou au plus tard
après ``lot_max`` créations ou ``age_max`` secondes : créer trois fichiers par
signalement coûte plus cher que de le recevoir, et ce travail n'a pas à retarder les
requêtes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from fonctions.stockage.journal import Journal
from fonctions.stockage.materialisation import Creation

journal_log = logging.getLogger("aiguillage.stockage")
PAUSE_APRES_ECHEC = 1.0  # secondes avant de réessayer une matérialisation ratée
# Au calme, un segment du journal tout matérialisé et plus vieux que cela est effacé : le
# journal ne garde pas longtemps ce que la purge efface ailleurs (Journal.tourner).
AGE_MAX_DU_SEGMENT = 3600.0


class Materialiseur:
    """``materialiser(lot)`` écrit un lot ; ``apres(lot)`` est appelé une fois le lot sur
    disque, avant que ``attendre`` ne rende la main à qui l'attendait."""

    def __init__(self, journal: Journal, materialiser: Callable[[list[Creation]], int],
                 apres: Callable[[list[Creation]], None], *,
                 calme: float, lot_max: int, age_max: float,
                 age_du_segment: float = AGE_MAX_DU_SEGMENT) -> None:
        self._journal, self._materialiser, self._apres = journal, materialiser, apres
        self._age_du_segment = age_du_segment
        self._calme, self._lot_max, self._age_max = calme, lot_max, age_max
        self._condition = threading.Condition()
        self._jusqua = 0  # numéro jusqu'où tout est matérialisé
        self._attendus = 0  # appels qui attendent à la barrière
        self._abandon = False
        self._fil = threading.Thread(target=self._boucle, name="journal-materialiseur",
                                     daemon=True)

    def demarrer(self) -> None:
        self._fil.start()

    def attendre(self) -> None:
        """La barrière : rend la main quand tout ce qui a été journalisé avant l'appel est
        dans les fichiers du moteur."""
        journal = self._journal
        cible = journal.dernier_numero
        if self._jusqua >= cible:
            return
        with self._condition:
            self._attendus += 1
            if self._attendus == 1:
                journal.presser(True)
            try:
                while self._jusqua < cible:
                    if journal.panne is not None and self._jusqua >= journal.dernier_ecrit:
                        raise journal.panne.refus()  # le reste ne sera jamais écrit
                    self._condition.wait(0.5)
            finally:
                self._attendus -= 1
                if not self._attendus:
                    journal.presser(False)

    def arreter(self) -> bool:
        """Attend la fin du fil (le journal est fermé : il matérialise ce qui reste) ; rend
        faux s'il a dû abandonner, le journal gardant alors tout pour le redémarrage."""
        self._fil.join()
        return not self._abandon

    def _boucle(self) -> None:
        journal = self._journal
        reste: list[Creation] = []  # un lot dont la matérialisation a échoué, à refaire
        precedent, debut = 0, 0.0
        while True:
            # Après un échec, on réessaie après une pause, sans attendre de nouveaux écrits.
            nombre = journal.attendre_ecrits(PAUSE_APRES_ECHEC if reste else self._calme)
            fin = journal.ferme
            if not nombre and not reste:
                if fin:
                    return
                precedent = 0
                journal.tourner(self._jusqua, self._age_du_segment)
                continue
            if not precedent:
                debut = time.monotonic()
            if not (fin or reste or journal.presse or nombre == precedent
                    or nombre >= self._lot_max or time.monotonic() - debut >= self._age_max):
                precedent = nombre  # la rafale continue
                continue
            precedent = 0
            nouveaux, dernier = journal.prendre_ecrits()
            lot = reste + nouveaux
            try:
                self._materialiser(lot)
            except Exception:
                journal_log.exception("Matérialisation ratée ; le journal garde tout "
                                      "(rejoué au prochain démarrage s'il le faut).")
                reste = lot
                if fin:
                    self._abandon = True
                    return
                continue
            reste = []
            self._apres(lot)
            with self._condition:
                self._jusqua = max(self._jusqua, dernier)
                self._condition.notify_all()
            journal.oublier(dernier)
