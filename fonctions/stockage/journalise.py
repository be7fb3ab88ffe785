"""Le stockage par défaut du serveur : TinyDB, précédé d'un journal.

Recevoir un signalement, c'est écrire **un** enregistrement au journal (``journal.py`` :
le signalement, son entrée de la boîte d'envoi et sa clé d'idempotence ensemble), validé
par lots avec les requêtes concurrentes ; la réponse 201 part quand il est sur disque. Un
fil, le **matérialiseur**, écrit ensuite les lots dans les fichiers TinyDB du moteur
(``materialisation.py``) puis efface les segments du journal : TinyDB reste le stockage de
référence, et ses fichiers sont ceux qu'il écrirait seul.

Ce que voient les autres appels :

- ``lire_signalement`` lit d'abord les créations pas encore matérialisées (en mémoire dès
  leur soumission, comme on voit chez le moteur un fichier renommé avant sa
  synchronisation), puis le moteur ; ``reserver_cle`` fait de même pour les clés, et une
  clé reste tenue (409) jusqu'à ce que sa création soit durable ;
- toute autre méthode — y compris celles que l'interface ``Stockage`` gagnera — attend que
  tout ce qui a été journalisé avant l'appel soit matérialisé (la **barrière**), puis
  délègue au moteur : modifications, boîte d'envoi et listes voient un état complet.

Un seul processus reçoit les signalements d'un dossier : celui qui tient le verrou
``journal/proprietaire.verrou`` (``flock``, libéré par le noyau si le processus meurt). Un
processus le prend à son premier signalement et le garde jusqu'à ``fermer`` ; à
l'ouverture, un processus qui le trouve libre rejoue d'abord ce qu'un autre a laissé.
``python -m fonctions envoyer`` (cron), qui ne reçoit rien, ne fait que passer par le
moteur : ses verrous protègent entre processus, et seules les créations encore en mémoire
du serveur lui échappent (il les verra au passage suivant). Un second processus qui
voudrait recevoir (uvicorn avec deux workers) attend le verrou puis échoue
(``DossierOccupe``) : deux journaux sur un même dossier pourraient doubler une clé.
"""

from __future__ import annotations

import abc
import asyncio
import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from fonctions.stockage.base import (
    CleEnCours,
    CleReutilisee,
    Document,
    ReferencePrise,
    Reservation,
    Stockage,
)
from fonctions.stockage.fichiers import ecrire_atomiquement, synchroniser_dossier
from fonctions.stockage.journal import Journal, Rappel
from fonctions.stockage.materialisation import (
    Chemins,
    Creation,
    empreinte_cle,
    materialiser,
    reference_correcte,
    synchroniser_disque,
    verifier_les_noms,
    vider_les_temporaires,
)
from fonctions.stockage.tinydb import StockageTinyDB, _lire

journal_log = logging.getLogger("aiguillage.stockage")
LOT_DE_REJEU = 2000  # créations matérialisées à la fois au démarrage
PAUSE_APRES_ECHEC = 1.0  # secondes avant de réessayer une matérialisation ratée
CALME = 0.2  # secondes sans nouvelle création : la rafale est passée, on matérialise
LOT_MAX = 20_000  # créations en attente au plus (mémoire : ~60 Mo ; durée d'un rejeu)
AGE_MAX = 30.0  # secondes au plus entre une création et sa matérialisation
ATTACHEES_MAX = 10_000  # clés réservées sans création gardées en mémoire (voir _attacher)
_DIFFEREES: ContextVar[list[asyncio.Future] | None] = ContextVar("durabilite", default=None)


class DossierOccupe(RuntimeError):
    """Un autre processus reçoit déjà les signalements de ce dossier."""


class ReservationJournalisee(Reservation):
    """La clé est écrite avec la création, dans le même enregistrement : changer de
    référence ne coûte rien tant que rien n'est créé."""

    def __init__(self, empreinte_cle: str, empreinte: str, reference: str) -> None:
        self.empreinte_cle, self.empreinte, self.reference = empreinte_cle, empreinte, reference
        self.en_vol = False  # une création soumise, pas encore durable
        self.creee = False  # une création a été soumise (la clé part avec elle)
        self.sortie = False  # le bloc ``with`` est fini

    def changer_reference(self, reference: str) -> None:
        self.reference = reference


class _Tenue:
    """Le bloc ``with`` de ``reserver_cle`` (une classe : c'est sur le chemin de chaque
    signalement, et un générateur ``contextmanager`` coûte plus)."""

    __slots__ = ("_arguments", "_reservation", "_stockage")

    def __init__(self, stockage: StockageJournalise, *arguments: str) -> None:
        self._stockage, self._arguments = stockage, arguments

    def __enter__(self) -> ReservationJournalisee:
        self._reservation = self._stockage._tenir(*self._arguments)
        return self._reservation

    def __exit__(self, *exc: object) -> None:
        self._stockage._lacher(self._reservation)


class Durabilite:
    """Le bloc ``with`` de ``differer_la_durabilite`` : les créations qui y sont soumises
    sans attendre, et de quoi les attendre ensuite (``await durabilite.attendre()``)."""

    __slots__ = ("_jeton", "futurs")

    def __init__(self) -> None:
        self.futurs: list[asyncio.Future] = []

    def __enter__(self) -> Durabilite:
        self._jeton = _DIFFEREES.set(self.futurs)
        return self

    def __exit__(self, *exc: object) -> None:
        _DIFFEREES.reset(self._jeton)

    async def attendre(self) -> None:
        for futur in self.futurs:
            await futur


class StockageJournalise(Stockage):
    def __init__(self, moteur: StockageTinyDB, *,
                 synchroniser: Callable[[int], None] = os.fdatasync,
                 synchroniser_le_disque: Callable[[Path], None] = synchroniser_disque,
                 attente_du_verrou: float = 10.0, calme: float = CALME,
                 lot_max: int = LOT_MAX, age_max: float = AGE_MAX) -> None:
        self.moteur = moteur
        self.dossier = moteur.dossier
        self.dossier_journal = self.dossier / "journal"
        self.temporaires = self.dossier_journal / "a_placer"
        self._chemins = Chemins(moteur)
        self._synchroniser, self._synchroniser_disque = synchroniser, synchroniser_le_disque
        self._attente_du_verrou = attente_du_verrou
        self._calme, self._lot_max, self._age_max = calme, lot_max, age_max
        self._a_la_barriere = 0  # appels qui attendent la matérialisation
        self._verrou = threading.Lock()
        self._materialise = threading.Condition(self._verrou)
        self._signalements: dict[str, Creation] = {}  # pas encore matérialisées
        self._cles: dict[str, tuple[str, str]] = {}  # empreinte de clé → (empreinte, réf.)
        self._attachees: dict[str, tuple[str, str]] = {}  # réservées, sans création
        self._cles_tenues: set[str] = set()
        self._jusqua = 0  # numéro du dernier enregistrement matérialisé
        self._local = threading.local()
        self._devenir = threading.Lock()
        self._journal: Journal | None = None
        self._proprietaire: int | None = None  # le descripteur du verrou de dossier
        self._materialiseur: threading.Thread | None = None
        self._ferme = self._abandon = False
        if self._prendre_le_verrou(bloquant=False):
            try:
                self._rejouer(self._ouvrir_journal())
            finally:
                self._rendre_le_verrou()

    # Le verrou du dossier et le journal
    def _prendre_le_verrou(self, bloquant: bool) -> bool:
        self.dossier_journal.mkdir(parents=True, exist_ok=True)
        descripteur = os.open(self.dossier_journal / "proprietaire.verrou",
                              os.O_RDWR | os.O_CREAT, 0o600)
        limite = time.monotonic() + (self._attente_du_verrou if bloquant else 0)
        while True:
            try:
                fcntl.flock(descripteur, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._proprietaire = descripteur
                return True
            except BlockingIOError:
                if time.monotonic() >= limite:
                    os.close(descripteur)
                    return False
                time.sleep(0.05)

    def _rendre_le_verrou(self) -> None:
        if self._proprietaire is not None:
            os.close(self._proprietaire)  # libère le flock
            self._proprietaire = None

    def _ouvrir_journal(self) -> Journal:
        return Journal(self.dossier_journal, synchroniser=self._synchroniser,
                       synchroniser_le_dossier=synchroniser_dossier)

    def _rejouer(self, journal: Journal) -> None:
        """Matérialise ce qu'une exécution précédente a journalisé, puis l'oublie."""
        vider_les_temporaires(self.temporaires)
        lot, total = [], 0
        for contenu in journal.rejouer():
            lot.append(Creation.decoder(contenu))
            if len(lot) == LOT_DE_REJEU:
                total += self._materialiser(lot)
                lot = []
        total += self._materialiser(lot)
        journal.oublier()
        if total:
            journal_log.info("Journal rejoué : %d signalement(s) matérialisé(s).", total)

    def _materialiser(self, lot: list[Creation]) -> int:
        return materialiser(self.moteur, lot, self.temporaires, self._synchroniser_disque)

    def _devenir_proprietaire(self) -> Journal:
        journal = self._journal
        if journal is not None:
            return journal
        with self._devenir:
            if self._journal is not None:
                return self._journal
            if self._ferme:
                raise RuntimeError("Le stockage est fermé.")
            if not self._prendre_le_verrou(bloquant=True):
                raise DossierOccupe(
                    f"Un autre processus reçoit déjà les signalements de {self.dossier} : "
                    "un seul processus (un seul worker uvicorn) par dossier de données.")
            journal = self._ouvrir_journal()
            self._rejouer(journal)
            journal.demarrer()
            self._materialiseur = threading.Thread(
                target=self._materialiser_en_continu, args=(journal,),
                name="journal-materialiseur", daemon=True)
            self._materialiseur.start()
            self._journal = journal
            return journal

    def _materialiser_en_continu(self, journal: Journal) -> None:
        """Le matérialiseur. Pendant une rafale il laisse le journal s'allonger (les
        créations sont durables et lisibles en mémoire) et matérialise quand les requêtes
        se calment (rien de neuf pendant ``calme`` secondes), quand quelqu'un attend à la
        barrière, ou au plus tard après ``lot_max`` créations ou ``age_max`` secondes :
        créer trois fichiers par signalement coûte plus cher que de le recevoir."""
        reste: list[Creation] = []  # un lot dont la matérialisation a échoué, à refaire
        precedent, debut = 0, 0.0
        while True:
            nombre = journal.attendre_ecrits(self._calme)
            fin = journal.ferme
            if not nombre and not reste:
                if fin:
                    return
                precedent = 0
                continue
            if not precedent:
                debut = time.monotonic()
            if not (fin or reste or journal.presse or nombre == precedent
                    or nombre >= self._lot_max or time.monotonic() - debut >= self._age_max):
                precedent = nombre
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
                time.sleep(PAUSE_APRES_ECHEC)
                continue
            reste = []
            # Par morceaux : les requêtes prennent le même verrou, et un lot peut compter
            # des milliers de créations. Elles sont sur disque : les lire là, entre-temps,
            # revient au même (``_deja_verifiee`` ne s'appuie que sur ``_jusqua``).
            for debut in range(0, len(lot), 500):
                with self._verrou:
                    for creation in lot[debut:debut + 500]:
                        if self._signalements.get(creation.reference) is creation:
                            del self._signalements[creation.reference]
                        if creation.empreinte_cle is not None:
                            self._cles.pop(creation.empreinte_cle, None)
            with self._materialise:
                self._jusqua = max(self._jusqua, dernier)
                self._materialise.notify_all()
            journal.oublier(dernier)

    def attendre_materialisation(self) -> None:
        """La barrière : rend la main quand tout ce qui a été journalisé avant l'appel est
        dans les fichiers du moteur."""
        journal = self._journal
        if journal is None:
            return
        cible = journal.dernier_numero
        if self._jusqua >= cible:
            return
        with self._materialise:
            self._a_la_barriere += 1
            if self._a_la_barriere == 1:
                journal.presser(True)
            try:
                while self._jusqua < cible:
                    if journal.panne is not None and self._jusqua >= journal.dernier_ecrit:
                        raise journal.panne  # le reste ne sera jamais écrit
                    self._materialise.wait(0.5)
            finally:
                self._a_la_barriere -= 1
                if not self._a_la_barriere:
                    journal.presser(False)

    # Idempotence
    def reserver_cle(self, cle: str, empreinte: str, reference: str) -> _Tenue:
        """Comme le moteur (``Stockage.reserver_cle``) ; la clé est écrite avec la création."""
        self._devenir_proprietaire()
        return _Tenue(self, cle, empreinte, reference)

    def _tenir(self, cle: str, empreinte: str, reference: str) -> ReservationJournalisee:
        fichier = empreinte_cle(cle)
        with self._verrou:
            if fichier in self._cles_tenues:
                raise CleEnCours(cle)
            connu = self._cles.get(fichier) or self._attachees.get(fichier)
            self._cles_tenues.add(fichier)
        try:
            if connu is None:
                # Pas en mémoire : absente, ou déjà matérialisée (retirée de la mémoire
                # seulement après son écriture sur disque).
                chemin = self._chemins.cle(fichier)
                document = _lire(Path(chemin)) if _existe(chemin) else None
                if document is not None:
                    connu = (document["empreinte"], document["reference"])
            if connu is not None and connu[0] != empreinte:
                raise CleReutilisee(cle)
        except BaseException:
            with self._verrou:
                self._cles_tenues.discard(fichier)
            raise
        reservation = ReservationJournalisee(
            fichier, empreinte, connu[1] if connu is not None else reference)
        self._local.reservation = reservation
        return reservation

    def _lacher(self, reservation: ReservationJournalisee) -> None:
        self._local.reservation = None
        with self._verrou:
            reservation.sortie = True
            if not reservation.creee:
                self._attacher(reservation.empreinte_cle, reservation.empreinte,
                               reservation.reference)
            if not reservation.en_vol:  # sinon, quand sa création sera durable
                self._cles_tenues.discard(reservation.empreinte_cle)

    def _attacher(self, fichier: str, empreinte: str, reference: str) -> None:
        """Sous ``_verrou`` : une clé réservée sans création garde sa référence (et son
        empreinte : un autre contenu serait refusé), comme chez le moteur — ici en mémoire
        seulement : après un redémarrage, c'est comme si la requête n'avait pas eu lieu, et
        rien d'elle n'a été confirmé au citoyen."""
        self._attachees.pop(fichier, None)
        self._attachees[fichier] = (empreinte, reference)
        if len(self._attachees) > ATTACHEES_MAX:
            del self._attachees[next(iter(self._attachees))]

    # Signalements
    def creer_signalement(
        self, signalement: Document, photos: Sequence[tuple[str, bytes]], envois: Sequence[Document]
    ) -> None:
        """Rend la main quand la création est durable ; dans un bloc
        ``differer_la_durabilite``, tout de suite (l'attente est pour ``attendre``)."""
        journal = self._devenir_proprietaire()
        reservation = getattr(self._local, "reservation", None)
        differees = _DIFFEREES.get()
        if differees is None:
            self._journaliser(journal, signalement, photos, envois, reservation, None)
            return
        boucle = asyncio.get_running_loop()
        futur = boucle.create_future()

        def resoudre(erreur: BaseException | None) -> None:
            if _dans(boucle):
                _resoudre(futur, erreur)
            else:  # le journal se ferme depuis un autre fil
                boucle.call_soon_threadsafe(_resoudre, futur, erreur)

        self._journaliser(journal, signalement, photos, envois, reservation, resoudre)
        differees.append(futur)

    def _journaliser(self, journal: Journal, signalement: Document,
                     photos: Sequence[tuple[str, bytes]], envois: Sequence[Document],
                     reservation: ReservationJournalisee | None,
                     rappel: Rappel | None) -> None:
        """Un enregistrement au journal : par ``soumettre`` si ``rappel`` (la boucle
        attendra), sinon par ``ecrire`` (ce fil attend).

        La création est en mémoire dès le début : ``lire_signalement`` la voit comme on voit
        chez le moteur un fichier renommé avant d'être synchronisé. Il le faut, car
        ``enregistrer`` relit après ``ReferencePrise`` pour choisir une autre référence ;
        une référence prise mais invisible le ferait tourner en rond."""
        reference = signalement["reference"]
        verifier_les_noms(reference, [envoi["id"] for envoi in envois])
        chemin = self._chemins.signalement(reference)
        if reservation is not None and reservation.reference != reference:
            reservation = None
        cle = None
        if reservation is not None:
            cle = (reservation.empreinte_cle, reservation.empreinte, reference)
        creation = Creation.nouvelle(signalement, envois, cle)
        with self._verrou:
            if reference in self._signalements:
                raise ReferencePrise(reference)
            verifiee = self._deja_verifiee(reference)
            self._signalements[reference] = creation

        def oublier() -> None:  # sous ``_verrou``
            if self._signalements.get(reference) is creation:
                del self._signalements[reference]

        def durable(erreur: BaseException | None) -> None:
            with self._verrou:
                if erreur is not None:
                    oublier()
                elif cle is not None:
                    self._cles[cle[0]] = (cle[1], reference)
                    self._attachees.pop(cle[0], None)
                if reservation is not None:
                    reservation.en_vol = False
                    if reservation.sortie:
                        self._cles_tenues.discard(reservation.empreinte_cle)
            if rappel is not None:
                rappel(erreur)

        try:
            if not verifiee and _existe(chemin):
                raise ReferencePrise(reference)
            for nom, contenu in photos:  # rares et lourdes : hors du journal, avant lui
                ecrire_atomiquement(self.moteur._photos(reference) / Path(nom).name, contenu)
            if reservation is not None:
                reservation.en_vol = reservation.creee = True
        except BaseException:
            with self._verrou:
                oublier()
            raise
        if rappel is None:
            journal.ecrire(creation.contenu, creation, durable)
        else:
            try:
                journal.soumettre(creation.contenu, creation, durable)
            except BaseException as probleme:
                durable(probleme)
                raise

    def lire_signalement(self, reference: str) -> Document | None:
        jusqua = self._jusqua  # avant de regarder la mémoire (voir ``_deja_verifiee``)
        en_attente = self._signalements.get(reference)
        if en_attente is not None:
            return en_attente.documents()[0]
        if reference_correcte(reference) and not _existe(self._chemins.signalement(reference)):
            self._local.absente = (reference, jusqua)
            return None  # le cas de chaque nouveau signalement : sans instancier TinyDB
        return self.moteur.lire_signalement(reference)

    def _deja_verifiee(self, reference: str) -> bool:
        """Sous ``_verrou``, la référence n'étant pas en mémoire : vrai si ce fil
        vient de la chercher sur disque sans la trouver et que rien n'a été matérialisé
        depuis — une création de même référence serait alors encore en mémoire. Épargne à
        chaque signalement un second appel au système pour le même fichier."""
        absente, self._local.absente = getattr(self._local, "absente", None), None
        return absente == (reference, self._jusqua)

    # Recevoir sans occuper un fil (voir fonctions/sans_bloquer.py)
    def peut_differer(self) -> bool:
        """Vrai si ce processus tient le journal et que la boucle d'événements courante peut
        y soumettre : ``creer_signalement`` peut alors y être appelé, sous
        ``differer_la_durabilite``."""
        journal = self._journal
        return journal is not None and journal.peut_soumettre()

    def differer_la_durabilite(self) -> Durabilite:
        """Dans la boucle d'événements (``with``) : les créations du bloc sont soumises au
        journal sans bloquer ; ``await durabilite.attendre()`` avant de répondre. Les clés
        restent tenues jusqu'à ce que leur création soit durable."""
        return Durabilite()

    # Le reste : barrière, puis le moteur
    def __getattr__(self, nom: str) -> Any:
        if nom.startswith("_") or nom == "moteur":
            raise AttributeError(nom)
        valeur = getattr(self.moteur, nom)
        if not callable(valeur):
            return valeur

        def apres_la_barriere(*args: Any, **kwargs: Any) -> Any:
            self.attendre_materialisation()
            return valeur(*args, **kwargs)

        return apres_la_barriere

    def fermer(self) -> None:
        """Écrit et matérialise tout ce qui attend, efface le journal, rend le verrou."""
        with self._devenir:
            self._ferme = True
            journal, self._journal = self._journal, None
        if journal is not None:
            journal.fermer()
            if self._materialiseur is not None:
                self._materialiseur.join()
            if not self._abandon:  # sinon le journal reste, pour le prochain démarrage
                journal.oublier()
        self._rendre_le_verrou()
        self.moteur.fermer()


def _resoudre(futur: asyncio.Future, erreur: BaseException | None) -> None:
    if futur.done():  # la requête a été abandonnée : la création, elle, est faite
        return
    if erreur is None:
        futur.set_result(None)
    else:
        futur.set_exception(erreur)


def _existe(chemin: str) -> bool:
    return os.access(chemin, os.F_OK)  # sans construire le résultat d'un ``stat``


def _dans(boucle: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is boucle
    except RuntimeError:
        return False


def _deleguer(nom: str) -> Callable[..., Any]:
    def methode(self: StockageJournalise, *args: Any, **kwargs: Any) -> Any:
        self.attendre_materialisation()
        return getattr(self.moteur, nom)(*args, **kwargs)

    methode.__name__ = nom
    methode.__doc__ = getattr(Stockage, nom).__doc__
    return methode


# Toute méthode de l'interface que cette classe ne réécrit pas passe par la barrière, même
# celles ajoutées à ``Stockage`` après l'écriture de ce module.
for _nom in Stockage.__abstractmethods__:
    if _nom not in StockageJournalise.__dict__:
        setattr(StockageJournalise, _nom, _deleguer(_nom))
abc.update_abstractmethods(StockageJournalise)


def ouvrir_stockage(dossier: Path) -> StockageJournalise:
    """Le stockage du serveur et de ``python -m fonctions`` : TinyDB et son journal."""
    return StockageJournalise(StockageTinyDB(dossier))
