"""Le journal d'écriture anticipée : des enregistrements ajoutés à un fichier, rendus
durables par lots (*group commit*).

Deux façons d'écrire :

- ``soumettre``, depuis la boucle d'événements, rend la main tout de suite. Tout ce qui
  est soumis pendant qu'un lot est en cours forme le lot suivant : écrit en un
  ``os.write``, rendu durable par **un** ``fdatasync``, que fait un petit processus
  auxiliaire (``synchroniseur.py``) sans jamais bloquer la boucle. ``rappel`` est appelé,
  dans la boucle, quand l'enregistrement est durable (ou que l'écriture a échoué). Quand le
  lot précédent avait plusieurs écrivains, au moins ``intervalle`` sépare deux lots, pour
  que le suivant se remplisse (comme ``commit_delay`` de PostgreSQL) ; un écrivain seul
  n'attend jamais ;
- ``ecrire``, depuis n'importe quel fil, écrit et synchronise lui-même (``synchroniser``),
  puis rend la main : c'est le chemin des photos, de cron, des tests.

Le journal est fait de **segments** (``000000000001.journal``, …) qu'on ne fait
qu'allonger ; on passe au suivant quand l'un dépasse ``taille_segment``. Chaque
enregistrement y est encadré ::

    J <longueur, 8 hex> <crc32, 8 hex> <contenu>\\n

Après un arrêt brutal, la fin du dernier segment peut être déchirée (un lot écrit mais pas
synchronisé, donc jamais confirmé) : ``rejouer`` s'arrête au premier enregistrement
incomplet ou dont la somme ne correspond pas, et l'ignore avec tout ce qui suit.

Cycle de vie, côté appelant (voir ``journalise.py``) : ``rejouer`` ce qui reste d'avant, le
matérialiser ; ``demarrer`` (les anciens segments sont effacés, un neuf est ouvert) ; puis,
en boucle, ``prendre_ecrits`` (les ``memo`` de ce qui est durable), les matérialiser et
``oublier`` (les segments scellés dont tout est matérialisé sont effacés).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fonctions.socle.fichiers import synchroniser_dossier
from fonctions.stockage.synchroniseur import Synchroniseur

journal_log = logging.getLogger("aiguillage.journal")
SUFFIXE = ".journal"
TETE = 20  # b"J " + 8 hex + b" " + 8 hex + b" "
TAILLE_SEGMENT = 16 * 1024 * 1024
INTERVALLE = 0.003  # secondes au moins entre deux lots, quand des écrivains se suivent
Rappel = Callable[[BaseException | None], None]


class JournalEnPanne(Exception):
    """Le disque a refusé une écriture : plus rien n'est accepté jusqu'au redémarrage
    (un ``fdatasync`` raté ne se réessaie pas, l'état du fichier est inconnu).

    Chaque refus lève une nouvelle instance (``refus``) : relever toujours la même
    allongerait sa trace de pile à chaque requête refusée, et la garderait en mémoire avec
    tout ce que ses cadres tiennent."""

    def refus(self) -> JournalEnPanne:
        return JournalEnPanne(*self.args)


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
                 synchroniseur: Callable[[Path, str], Synchroniseur] = Synchroniseur,
                 taille_segment: int = TAILLE_SEGMENT, intervalle: float = INTERVALLE) -> None:
        self.dossier = Path(dossier)
        self.dossier.mkdir(parents=True, exist_ok=True)
        self._synchroniser, self._synchroniser_dossier = synchroniser, synchroniser_le_dossier
        self._fabrique_synchroniseur = synchroniseur
        self._taille_segment, self._intervalle = taille_segment, intervalle
        self._verrou = threading.Lock()  # numéros, file, écrits, panne
        self._a_materialiser = threading.Condition(self._verrou)
        self._verrou_fichier = threading.Lock()  # le segment courant et ses écritures
        self._verrou_boucle = threading.RLock()  # le lot en vol et le tube du synchroniseur
        self._numero = 0  # le dernier numéro donné
        self._file: list[tuple[bytes, Any, Rappel | None, int]] = []  # pour le prochain lot
        self._en_vol: list[tuple[bytes, Any, Rappel | None, int]] | None = None
        self._prevu: asyncio.Handle | None = None
        self._boucle: asyncio.AbstractEventLoop | None = None
        self._debut_precedent, self._taille_precedente = 0.0, 0
        self._synchroniseur: Synchroniseur | None = None
        self._ecrits: list[Any] = []  # durables, pas encore pris par ``prendre_ecrits``
        self._termines: set[int] = set()  # durables, au-delà de ``_dernier_ecrit``
        self._dernier_ecrit = 0  # tout numéro jusqu'à lui est durable
        self._presse = self._arret = self._demarre = False
        self._fermeture = False  # ``fermer`` a commencé : plus rien n'est accepté
        self._panne: JournalEnPanne | None = None
        self._descripteur: int | None = None
        self._taille = self._max_courant = 0
        # Segment scellé → plus grand numéro qu'il contient ; le courant n'y est pas.
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
        segment neuf et lance le synchroniseur."""
        self.oublier()
        with self._verrou_fichier:
            self._ouvrir_segment()
        self._synchroniseur = self._fabrique_synchroniseur(self.dossier, SUFFIXE)
        self._synchroniseur.demarrer()
        self._demarre = True

    def _ouvrir_segment(self) -> None:
        self._courant += 1
        self._descripteur = os.open(self._chemin(self._courant),
                                    os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._taille = self._max_courant = 0
        self._ouvert_le = time.monotonic()
        # Le nom du segment doit survivre à une coupure avant qu'un lot y soit confirmé.
        self._synchroniser_dossier(self.dossier)

    def _sceller(self) -> None:
        os.close(self._descripteur)
        self._descripteur = None
        self._scelles[self._courant] = self._max_courant

    def _ajouter(self, donnees: bytes, plus_grand: int) -> int:
        """Sous ``_verrou_fichier`` : ajoute au segment courant (un neuf s'il est plein) ;
        rend son numéro."""
        if self._taille >= self._taille_segment:
            self._sceller()
            self._ouvrir_segment()
        vue = memoryview(donnees)
        while vue:
            vue = vue[os.write(self._descripteur, vue):]
        self._taille += len(donnees)
        self._max_courant = max(self._max_courant, plus_grand)
        return self._courant

    # État
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
        """Vrai quand ``fermer`` a tout écrit : les derniers écrits sont à prendre, et il
        n'en viendra plus."""
        return self._arret

    def _numeroter(self) -> int:
        """Sous ``_verrou``."""
        if self._panne is not None:
            raise self._panne.refus()
        if self._fermeture or not self._demarre:
            raise RuntimeError("Le journal est fermé.")
        self._numero += 1
        return self._numero

    def _terminer(self, durables: list[tuple[int, Any]]) -> None:
        with self._a_materialiser:
            for numero, memo in durables:
                self._ecrits.append(memo)
                self._termines.add(numero)
            while self._dernier_ecrit + 1 in self._termines:
                self._dernier_ecrit += 1
                self._termines.discard(self._dernier_ecrit)
            if self._presse:
                self._a_materialiser.notify_all()

    def _tomber_en_panne(self, probleme: BaseException) -> JournalEnPanne:
        journal_log.error("Le journal ne peut plus écrire (%s) : plus aucun signalement n'est "
                          "accepté jusqu'au redémarrage.", probleme)
        with self._verrou:
            self._panne = self._panne or JournalEnPanne(str(probleme))
            return self._panne

    # Écrire depuis n'importe quel fil : bloquant, sans lot
    def ecrire(self, contenu: bytes, memo: Any = None, rappel: Rappel | None = None) -> int:
        """Ajoute ``contenu``, le synchronise et rend son numéro ; ``rappel`` comme pour
        ``soumettre``, mais dans le fil appelant."""
        cadre = encadrer(contenu)
        with self._verrou:
            numero = self._numeroter()
        try:
            with self._verrou_fichier:
                self._ajouter(cadre, numero)
                copie = os.dup(self._descripteur)  # survit à un changement de segment
            try:
                self._synchroniser(copie)
            finally:
                os.close(copie)
        except Exception as probleme:
            panne = self._tomber_en_panne(probleme)
            _rappeler([(cadre, memo, rappel, numero)], panne)
            raise panne from probleme
        _rappeler([(cadre, memo, rappel, numero)], None)
        self._terminer([(numero, memo)])
        return numero

    # Écrire depuis la boucle d'événements : par lots, sans bloquer
    def peut_soumettre(self) -> bool:
        """Vrai dans une boucle d'événements où ``soumettre`` est permis : le journal n'est
        lié à aucune autre boucle encore en marche."""
        try:
            boucle = asyncio.get_running_loop()
        except RuntimeError:
            return False
        autre = self._boucle
        return (self._demarre and self._panne is None and not self._fermeture
                and (autre is None or autre is boucle or autre.is_closed()
                     or not autre.is_running()))

    def soumettre(self, contenu: bytes, memo: Any = None, rappel: Rappel | None = None) -> int:
        """Ajoute ``contenu`` au prochain lot et rend son numéro sans attendre. ``rappel``
        est appelé dans la boucle avec ``None`` quand il est durable — avant que ``memo`` ne
        soit rendu par ``prendre_ecrits`` —, ou avec l'erreur."""
        boucle = asyncio.get_running_loop()
        cadre = encadrer(contenu)
        with self._verrou_boucle:
            if self._boucle is not boucle:
                self._lier(boucle)
            with self._verrou:
                numero = self._numeroter()
                self._file.append((cadre, memo, rappel, numero))
            if self._en_vol is None and self._prevu is None:
                self._planifier()
        return numero

    def _lier(self, boucle: asyncio.AbstractEventLoop) -> None:
        ancienne = self._boucle
        if ancienne is not None:
            if not ancienne.is_closed() and ancienne.is_running():
                raise RuntimeError("Le journal est lié à une autre boucle d'événements.")
            self._finir_en_vol()
            if not ancienne.is_closed():
                ancienne.remove_reader(self._synchroniseur.descripteur)
        self._boucle, self._prevu = boucle, None
        boucle.add_reader(self._synchroniseur.descripteur, self._reponse)

    def _planifier(self) -> None:
        attente = 0.0
        if self._taille_precedente > 1:
            attente = self._debut_precedent + self._intervalle - time.monotonic()
        if attente > 0:
            self._prevu = self._boucle.call_later(attente, self._lancer)
        else:
            self._prevu = self._boucle.call_soon(self._lancer)

    def _lancer(self) -> None:
        with self._verrou_boucle:
            self._prevu = None
            if self._en_vol is not None:
                return
            with self._verrou:
                lot, self._file = self._file, []
            if not lot:
                return
            try:
                with self._verrou_fichier:
                    segment = self._ajouter(b"".join(cadre for cadre, _, _, _ in lot), lot[-1][3])
                self._synchroniseur.demander(lot[-1][3], segment)
            except Exception as probleme:
                self._echouer(lot, probleme)
                return
            self._en_vol = lot
            self._debut_precedent, self._taille_precedente = time.monotonic(), len(lot)

    def _reponse(self) -> None:
        """Le tube du synchroniseur est prêt : le lot en vol est durable (ou pas)."""
        with self._verrou_boucle:
            if self._en_vol is None:
                return
            try:
                reponse = self._synchroniseur.lire_reponse(attendre=False)
            except OSError as probleme:
                self._echouer(self._en_vol, probleme)
                return
            if reponse is not None:
                self._finir(reponse)

    def _finir_en_vol(self) -> None:
        """Attend, sans la boucle, la réponse du lot en vol."""
        if self._en_vol is not None:
            try:
                self._finir(self._synchroniseur.lire_reponse(attendre=True))
            except OSError as probleme:
                self._echouer(self._en_vol, probleme)

    def _finir(self, reponse: tuple[int, int]) -> None:
        lot, self._en_vol = self._en_vol, None
        _, erreur = reponse
        if erreur:
            self._echouer(lot, OSError(erreur, os.strerror(erreur) if erreur > 0 else "?"))
            return
        _rappeler(lot, None)
        self._terminer([(numero, memo) for _, memo, _, numero in lot])
        if self._file and not self._fermeture:
            self._planifier()

    def _echouer(self, lot: list, probleme: BaseException) -> None:
        panne = self._tomber_en_panne(probleme)
        self._en_vol = None
        with self._verrou:
            reste, self._file = self._file, []
        _rappeler(lot + reste, panne)

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
        a des écrits, et chaque lot durable le réveille."""
        with self._a_materialiser:
            self._presse = presse
            self._a_materialiser.notify_all()

    def prendre_ecrits(self) -> tuple[list[Any], int]:
        """Les ``memo`` de tout ce qui est durable et pas encore pris, et le numéro jusqu'où
        tout est durable (à passer à ``oublier`` une fois ces ``memo`` matérialisés)."""
        with self._a_materialiser:
            ecrits, self._ecrits = self._ecrits, []
            return ecrits, self._dernier_ecrit

    def oublier(self, jusqua: int | None = None) -> None:
        """Efface les segments scellés dont tous les enregistrements (numéros ``≤ jusqua``)
        sont matérialisés ailleurs, durablement ; sans ``jusqua``, tous les scellés."""
        with self._verrou_fichier:  # la boucle y écrit : le temps de les retirer de la liste
            effaces = [n for n, plus_grand in self._scelles.items()
                       if jusqua is None or plus_grand <= jusqua]
            for numero in effaces:
                del self._scelles[numero]
        for numero in effaces:
            self._chemin(numero).unlink(missing_ok=True)
        if effaces:
            self._synchroniser_dossier(self.dossier)

    def tourner(self, jusqua: int, age: float) -> bool:
        """Scelle le segment courant, puis l'efface (``oublier``), s'il a des
        enregistrements, tous matérialisés (numéros ``≤ jusqua``), et qu'il a été ouvert il y
        a au moins ``age`` secondes ; rend vrai s'il l'a fait.

        Sans cela, un serveur peu sollicité garderait des mois dans son segment courant ce
        que les citoyens ont envoyé (leurs coordonnées comprises), bien après que la purge
        les a effacées des fichiers du moteur (voir ``fonctions/domaine/purge.py``)."""
        with self._verrou_fichier:
            if (self._descripteur is None or not self._taille or self._max_courant > jusqua
                    or time.monotonic() - self._ouvert_le < age):
                return False
            self._sceller()
            self._ouvrir_segment()
        self.oublier(jusqua)
        return True

    def fermer(self) -> None:
        """Écrit et synchronise ce qui attend encore, arrête le synchroniseur et scelle le
        dernier segment (``oublier`` l'effacera une fois son contenu matérialisé).

        Le journal refuse d'abord tout nouvel enregistrement, puis écrit ce qui attend, et
        ne se dit ``ferme`` qu'ensuite : le matérialiseur, qui s'arrête quand il le voit
        fermé et sans écrit à prendre, ne doit pas partir avant les derniers lots."""
        with self._verrou:
            self._fermeture = True
        try:
            self._ecrire_ce_qui_reste()
        finally:
            with self._a_materialiser:
                self._arret = True
                self._a_materialiser.notify_all()

    def _ecrire_ce_qui_reste(self) -> None:
        with self._verrou_boucle:
            if self._prevu is not None:
                self._prevu.cancel()
                self._prevu = None
            self._finir_en_vol()
            while self._file and self._panne is None:
                self._lancer()
                self._finir_en_vol()
            if self._boucle is not None and not self._boucle.is_closed():
                try:
                    self._boucle.remove_reader(self._synchroniseur.descripteur)
                except (OSError, ValueError, RuntimeError):  # pragma: no cover — tube fermé
                    pass
            if self._synchroniseur is not None:
                self._synchroniseur.arreter()
        with self._verrou_fichier:
            if self._descripteur is not None:
                if self._panne is None:
                    self._sceller()
                else:  # gardé tel quel : il sera rejoué au redémarrage
                    os.close(self._descripteur)
                    self._descripteur = None


def _rappeler(lot: list, erreur: BaseException | None) -> None:
    for _, _, rappel, _ in lot:
        if rappel is not None:
            try:
                rappel(erreur)
            except Exception:
                journal_log.exception("Un rappel du journal a échoué.")
