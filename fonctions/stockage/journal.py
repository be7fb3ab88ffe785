"""Le journal d'écriture anticipée : des enregistrements ajoutés à un fichier, rendus
durables par lots (*group commit*).

Un seul fil, le **validateur**, prend tout ce qui attend, l'écrit en un ``os.write`` et le
synchronise en un ``fdatasync`` : seize requêtes concurrentes coûtent une synchronisation,
pas seize. Quand le lot précédent avait plusieurs écrivains, il laisse au moins
``intervalle`` entre deux lots pour que le suivant se remplisse (comme ``commit_delay`` de
PostgreSQL) ; un écrivain seul n'attend jamais.

``ecrire`` rend la main quand l'enregistrement est durable ; ``soumettre`` rend la main
tout de suite et appelle ``rappel`` depuis le validateur, une fois l'enregistrement durable
(ou l'écriture ratée), puis ``apres_lot`` une fois par lot.

Le journal est fait de **segments** (``000000000001.journal``, …) qu'on ne fait
qu'allonger ; le validateur passe au suivant quand l'un dépasse ``taille_segment``. Chaque
enregistrement y est encadré ::

    J <longueur, 8 hex> <crc32, 8 hex> <contenu>\\n

Après un arrêt brutal, la fin du dernier segment peut être déchirée (un lot écrit mais pas
synchronisé, donc jamais confirmé) : ``rejouer`` s'arrête au premier enregistrement
incomplet ou dont la somme ne correspond pas, et l'ignore avec tout ce qui suit.

Cycle de vie, côté appelant (voir ``journalise.py``) : ``rejouer`` ce qui reste d'avant,
le matérialiser ; ``demarrer`` (les anciens segments sont effacés, un neuf est ouvert) ;
puis, en boucle, ``prendre_ecrits`` (les ``memo`` de ce qui est durable), les matérialiser
et ``oublier`` (les segments scellés dont tout est matérialisé sont effacés).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fonctions.stockage.fichiers import synchroniser_dossier

journal_log = logging.getLogger("aiguillage.journal")
SUFFIXE = ".journal"
TETE = 20  # b"J " + 8 hex + b" " + 8 hex + b" "
TAILLE_SEGMENT = 16 * 1024 * 1024
INTERVALLE = 0.003  # secondes au moins entre deux lots, quand des écrivains se suivent
Rappel = Callable[[BaseException | None], None]


class JournalEnPanne(Exception):
    """Le disque a refusé une écriture : plus rien n'est accepté jusqu'au redémarrage
    (un ``fdatasync`` raté ne se réessaie pas, l'état du fichier est inconnu)."""


def encadrer(contenu: bytes) -> bytes:
    return b"J %08x %08x " % (len(contenu), zlib.crc32(contenu)) + contenu + b"\n"


def lire_segment(donnees: bytes) -> tuple[list[bytes], int]:
    """Les contenus intacts d'un segment, et le nombre d'octets ignorés à la fin."""
    contenus, position = [], 0
    while position < len(donnees):
        tete = donnees[position:position + TETE]
        try:
            if len(tete) < TETE or tete[:2] != b"J " or tete[10:11] != b" " or tete[19:] != b" ":
                raise ValueError
            longueur, somme = int(tete[2:10], 16), int(tete[11:19], 16)
        except ValueError:
            break
        fin = position + TETE + longueur
        contenu = donnees[position + TETE:fin]
        if fin >= len(donnees) or donnees[fin:fin + 1] != b"\n" or zlib.crc32(contenu) != somme:
            break
        contenus.append(contenu)
        position = fin + 1
    return contenus, len(donnees) - position


class Journal:
    def __init__(self, dossier: Path, *,
                 synchroniser: Callable[[int], None] = os.fdatasync,
                 synchroniser_le_dossier: Callable[[Path], None] = synchroniser_dossier,
                 taille_segment: int = TAILLE_SEGMENT,
                 apres_lot: Callable[[], None] | None = None,
                 intervalle: float = INTERVALLE) -> None:
        self.dossier = Path(dossier)
        self.dossier.mkdir(parents=True, exist_ok=True)
        self._synchroniser, self._synchroniser_dossier = synchroniser, synchroniser_le_dossier
        self._taille_segment, self._apres_lot = taille_segment, apres_lot
        self._presse = False
        self._intervalle = intervalle
        verrou = threading.Lock()
        self._a_valider = threading.Condition(verrou)  # le validateur attend des écrivains
        self._a_materialiser = threading.Condition(verrou)  # l'appelant attend des écrits
        self._a_ecrire: list[tuple[bytes, Any, Rappel | None]] = []
        self._ecrits: list[Any] = []  # durables, pas encore pris par ``prendre_ecrits``
        self._dernier_ecrit = 0
        self._numero = 0  # le dernier numéro donné à un enregistrement
        self._panne: JournalEnPanne | None = None
        self._arret = False
        self._fil: threading.Thread | None = None
        self._descripteur: int | None = None
        self._taille = 0
        # Segment → numéro de son dernier enregistrement ; le courant n'y est pas.
        self._scelles: dict[int, int] = {
            int(p.stem): 0 for p in self.dossier.glob(f"*{SUFFIXE}") if p.stem.isdigit()}
        self._courant = max(self._scelles, default=0)

    def _chemin(self, numero: int) -> Path:
        return self.dossier / f"{numero:012d}{SUFFIXE}"

    # Avant de démarrer : ce qui reste d'une exécution précédente
    def rejouer(self) -> Iterator[bytes]:
        """Les contenus intacts des segments laissés par une exécution précédente."""
        for numero in sorted(self._scelles):
            chemin = self._chemin(numero)
            contenus, ignores = lire_segment(chemin.read_bytes())
            if ignores:
                journal_log.warning("%s : %d octets de fin déchirée ignorés (lot jamais "
                                    "confirmé, arrêt brutal).", chemin.name, ignores)
            yield from contenus

    def demarrer(self) -> None:
        """Efface les segments d'avant (l'appelant a matérialisé ``rejouer``), ouvre un
        segment neuf et lance le validateur."""
        self.oublier()
        self._ouvrir_segment()
        self._fil = threading.Thread(target=self._valider, name="journal-validateur",
                                     daemon=True)
        self._fil.start()

    def _ouvrir_segment(self) -> None:
        self._courant += 1
        self._descripteur = os.open(self._chemin(self._courant),
                                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._taille = 0
        # Le nom du segment doit survivre à une coupure avant qu'un lot y soit confirmé.
        self._synchroniser_dossier(self.dossier)

    def _sceller(self, dernier: int) -> None:
        os.close(self._descripteur)
        self._descripteur = None
        self._scelles[self._courant] = dernier

    # Écrire
    @property
    def dernier_numero(self) -> int:
        return self._numero

    @property
    def dernier_ecrit(self) -> int:
        return self._dernier_ecrit

    @property
    def panne(self) -> JournalEnPanne | None:
        return self._panne

    @property
    def ferme(self) -> bool:
        return self._arret

    @property
    def en_attente(self) -> int:
        """Le nombre d'enregistrements qui attendent le prochain lot."""
        return len(self._a_ecrire)

    def soumettre(self, contenu: bytes, memo: Any = None, rappel: Rappel | None = None) -> int:
        """Ajoute ``contenu`` au prochain lot et rend son numéro sans attendre. ``rappel``
        est appelé par le validateur avec ``None`` quand il est durable — avant que ``memo``
        ne soit rendu par ``prendre_ecrits`` —, ou avec l'erreur."""
        cadre = encadrer(contenu)
        with self._a_valider:
            if self._panne is not None:
                raise self._panne
            if self._arret or self._fil is None:
                raise RuntimeError("Le journal est fermé.")
            self._numero += 1
            self._a_ecrire.append((cadre, memo, rappel))
            if len(self._a_ecrire) == 1:  # sinon le validateur est déjà réveillé
                self._a_valider.notify()
            return self._numero

    def ecrire(self, contenu: bytes, memo: Any = None) -> int:
        """Ajoute ``contenu`` et attend qu'il soit durable ; rend son numéro."""
        fini, issue = threading.Event(), []

        def rappel(erreur: BaseException | None) -> None:
            issue.append(erreur)
            fini.set()

        numero = self.soumettre(contenu, memo, rappel)
        fini.wait()
        if issue[0] is not None:
            raise issue[0]
        return numero

    def _valider(self) -> None:
        debut_precedent, taille_precedente = 0.0, 0
        while True:
            with self._a_valider:
                while not self._a_ecrire and not self._arret:
                    self._a_valider.wait()
                if not self._a_ecrire:
                    return
            if taille_precedente > 1 and not self._arret:
                # Des écrivains concurrents : laisser le lot se remplir un peu. Chaque lot
                # coûte des réveils de fil et des passages du verrou global de Python ;
                # une requête seule (lot d'un) n'attend jamais.
                attente = debut_precedent + self._intervalle - time.monotonic()
                if attente > 0:
                    time.sleep(attente)
            debut_precedent = time.monotonic()
            with self._a_valider:
                lot, self._a_ecrire = self._a_ecrire, []
                dernier = self._numero
            taille_precedente = len(lot)
            erreur = None
            try:
                if self._panne is not None:
                    raise self._panne
                if self._taille >= self._taille_segment:
                    self._sceller(self._dernier_ecrit)
                    self._ouvrir_segment()
                vue = memoryview(b"".join(cadre for cadre, _, _ in lot))
                self._taille += len(vue)
                while vue:
                    vue = vue[os.write(self._descripteur, vue):]
                self._synchroniser(self._descripteur)
            except BaseException as probleme:  # noqa: BLE001 — rendue aux écrivains
                journal_log.exception("Le journal ne peut plus écrire : plus aucun "
                                      "signalement n'est accepté jusqu'au redémarrage.")
                with self._a_valider:
                    self._panne = self._panne or JournalEnPanne(str(probleme))
                    erreur = self._panne
            for _, _, rappel in lot:
                if rappel is not None:
                    try:
                        rappel(erreur)
                    except Exception:
                        journal_log.exception("Un rappel du journal a échoué.")
            if erreur is None:
                # Sans réveiller le matérialiseur s'il n'est pas pressé : il passe voir, et
                # chaque réveil d'un fil coûte un passage du verrou global de Python.
                with self._a_materialiser:
                    self._ecrits.extend(memo for _, memo, _ in lot)
                    self._dernier_ecrit = dernier
                    if self._presse:
                        self._a_materialiser.notify_all()
            if self._apres_lot is not None:
                try:
                    self._apres_lot()
                except Exception:
                    journal_log.exception("L'appel de fin de lot du journal a échoué.")

    # Matérialiser puis oublier
    def attendre_ecrits(self, delai: float) -> int:
        """Attend au plus ``delai`` secondes — moins si le journal est fermé, ou pressé
        (``presser``) avec des écrits à prendre — et rend le nombre d'enregistrements
        durables à prendre."""
        with self._a_materialiser:
            self._a_materialiser.wait_for(
                lambda: self._arret or (self._presse and bool(self._ecrits)), delai)
            return len(self._ecrits)

    @property
    def presse(self) -> bool:
        return self._presse

    def presser(self, presse: bool) -> None:
        """Quelqu'un attend la matérialisation : ``attendre_ecrits`` rend la main dès qu'il y
        a des écrits (et le validateur le réveille après chaque lot)."""
        with self._a_materialiser:
            self._presse = presse
            self._a_materialiser.notify_all()

    def prendre_ecrits(self) -> tuple[list[Any], int]:
        """Les ``memo`` de tout ce qui est durable et pas encore pris, et le plus grand
        numéro parmi eux (à passer à ``oublier`` une fois matérialisés)."""
        with self._a_materialiser:
            ecrits, self._ecrits = self._ecrits, []
            return ecrits, self._dernier_ecrit

    def oublier(self, jusqua: int | None = None) -> None:
        """Efface les segments scellés dont tous les enregistrements (numéros ``≤ jusqua``)
        sont matérialisés ailleurs, durablement ; sans ``jusqua``, tous les scellés."""
        effaces = [n for n, dernier in self._scelles.items() if jusqua is None or dernier <= jusqua]
        for numero in effaces:
            self._chemin(numero).unlink(missing_ok=True)
            del self._scelles[numero]
        if effaces:
            self._synchroniser_dossier(self.dossier)

    def fermer(self) -> None:
        """Écrit ce qui attend encore, arrête le validateur et scelle le dernier segment
        (``oublier`` l'effacera une fois son contenu matérialisé)."""
        with self._a_valider:
            self._arret = True
            self._a_valider.notify_all()
            self._a_materialiser.notify_all()
        if self._fil is not None:
            self._fil.join()
        if self._descripteur is not None:
            if self._panne is None:
                self._sceller(self._dernier_ecrit)
            else:  # gardé tel quel : il sera rejoué au redémarrage
                os.close(self._descripteur)
                self._descripteur = None
