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
  délègue au moteur : modifications, boîte d'envoi et listes voient un état complet. Seuls
  les comptes des recherches sans résultat, étrangers aux signalements, vont droit au
  moteur.

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
import logging
import os
import threading
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import date
from pathlib import Path
from typing import Any

from fonctions.socle.fichiers import ecrire_atomiquement, synchroniser_dossier
from fonctions.stockage.base import Document, ReferencePrise, Stockage
from fonctions.stockage.cles import ClesEnMemoire, ReservationJournalisee, Tenue
from fonctions.stockage.journal import Journal
from fonctions.stockage.materialisation import (
    Chemins,
    Creation,
    materialiser,
    reference_correcte,
    synchroniser_disque,
    verifier_les_noms,
    vider_les_temporaires,
)
from fonctions.stockage.materialiseur import AGE_MAX_DU_SEGMENT, Materialiseur
from fonctions.stockage.tinydb import StockageTinyDB, _lire
from fonctions.stockage.verrou_de_dossier import VerrouDeDossier

journal_log = logging.getLogger("aiguillage.stockage")
LOT_DE_REJEU = 2000  # créations matérialisées à la fois au démarrage
CALME = 0.2  # secondes sans nouvelle création : la rafale est passée, on matérialise
LOT_MAX = 20_000  # créations en attente au plus (mémoire : ~60 Mo ; durée d'un rejeu)
AGE_MAX = 30.0  # secondes au plus entre une création et sa matérialisation
_DIFFEREES: ContextVar[Durabilite | None] = ContextVar("durabilite", default=None)


class DossierOccupe(RuntimeError):
    """Un autre processus reçoit déjà les signalements de ce dossier."""


class Durabilite:
    """Le bloc ``with`` de ``differer_la_durabilite`` : les créations qui y sont soumises
    sans attendre, et de quoi les attendre ensuite (``await durabilite.attendre()``)."""

    __slots__ = ("_jeton", "boucle", "fil", "futurs")

    def __init__(self, boucle: asyncio.AbstractEventLoop) -> None:
        self.boucle, self.fil = boucle, threading.get_ident()
        self.futurs: list[asyncio.Future] = []

    def __enter__(self) -> Durabilite:
        self._jeton = _DIFFEREES.set(self)
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
                 lot_max: int = LOT_MAX, age_max: float = AGE_MAX,
                 age_du_segment: float = AGE_MAX_DU_SEGMENT) -> None:
        self.moteur = moteur
        self._age_du_segment = age_du_segment
        self.dossier = moteur.dossier
        self.dossier_journal = self.dossier / "journal"
        self.temporaires = self.dossier_journal / "a_placer"
        self._chemins = Chemins(moteur)
        self._synchroniser, self._synchroniser_disque = synchroniser, synchroniser_le_disque
        self._attente_du_verrou = attente_du_verrou
        self._calme, self._lot_max, self._age_max = calme, lot_max, age_max
        self._verrou = threading.Lock()
        self._signalements: dict[str, Creation] = {}  # pas encore matérialisées
        self._cles = ClesEnMemoire(self._lire_cle)
        self._devenir = threading.Lock()
        self._journal: Journal | None = None
        self._proprietaire = VerrouDeDossier(self.dossier_journal / "proprietaire.verrou")
        self._materialiseur: Materialiseur | None = None
        self._ferme = False
        if self._proprietaire.prendre():
            try:
                self._rejouer(self._ouvrir_journal())
            finally:
                self._proprietaire.rendre()

    # Le journal
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
            if not self._proprietaire.prendre(self._attente_du_verrou):
                raise DossierOccupe(
                    f"Un autre processus reçoit déjà les signalements de {self.dossier} : "
                    "un seul processus (un seul worker uvicorn) par dossier de données.")
            journal = self._ouvrir_journal()
            self._rejouer(journal)
            journal.demarrer()
            self._materialiseur = Materialiseur(
                journal, self._materialiser, self._apres, calme=self._calme,
                lot_max=self._lot_max, age_max=self._age_max,
                age_du_segment=self._age_du_segment)
            self._materialiseur.demarrer()
            self._journal = journal
            return journal

    def _apres(self, lot: list[Creation]) -> None:
        """Le lot est sur disque : il n'a plus à être servi depuis la mémoire. Par
        morceaux, car les requêtes prennent le même verrou et un lot peut compter des
        milliers de créations."""
        for debut in range(0, len(lot), 500):
            with self._verrou:
                for creation in lot[debut:debut + 500]:
                    if self._signalements.get(creation.reference) is creation:
                        del self._signalements[creation.reference]
        self._cles.materialisees(c.empreinte_cle for c in lot if c.empreinte_cle is not None)

    def attendre_materialisation(self) -> None:
        """La barrière : rend la main quand tout ce qui a été journalisé avant l'appel est
        dans les fichiers du moteur (sans effet si ce processus ne reçoit rien)."""
        materialiseur = self._materialiseur
        if materialiseur is not None:
            materialiseur.attendre()

    # Idempotence
    def reserver_cle(self, cle: str, empreinte: str, reference: str) -> Tenue:
        """Comme le moteur ; la clé est écrite avec la création (voir ``cles.py``)."""
        self._devenir_proprietaire()
        return self._cles.reserver(cle, empreinte, reference)

    def reference_de_cle(self, cle: str) -> str | None:
        """Sans la barrière : une clé journalisée est en mémoire, les autres sur disque."""
        return self._cles.reference(cle)

    def _lire_cle(self, fichier: str) -> tuple[str, str] | None:
        chemin = self._chemins.cle(fichier)
        document = _lire(Path(chemin)) if _existe(chemin) else None
        return None if document is None else (document["empreinte"], document["reference"])

    # Signalements
    def creer_signalement(
        self, signalement: Document, photos: Sequence[tuple[str, bytes]], envois: Sequence[Document]
    ) -> None:
        """Rend la main quand la création est durable ; dans un bloc
        ``differer_la_durabilite``, tout de suite (l'attente est pour ``attendre``)."""
        journal = self._devenir_proprietaire()
        reservation = self._cles.courante(signalement["reference"])
        durabilite = _DIFFEREES.get()
        futur = None if durabilite is None else durabilite.boucle.create_future()
        try:
            self._journaliser(journal, signalement, photos, envois, reservation, durabilite,
                              futur)
        except BaseException:
            if futur is not None and futur.done() and not futur.cancelled():
                futur.exception()  # l'erreur part à l'appelant : personne n'attendra ce futur
            raise
        if futur is not None:
            durabilite.futurs.append(futur)

    def _journaliser(self, journal: Journal, signalement: Document,
                     photos: Sequence[tuple[str, bytes]], envois: Sequence[Document],
                     reservation: ReservationJournalisee | None,
                     durabilite: Durabilite | None, futur: asyncio.Future | None) -> None:
        """Un enregistrement au journal : par ``soumettre`` dans un bloc
        ``differer_la_durabilite`` (la boucle attendra ``futur``), sinon par ``ecrire`` (ce
        fil attend).

        La création est en mémoire dès le début : ``lire_signalement`` la voit comme on voit
        chez le moteur un fichier renommé avant d'être synchronisé. Il le faut, car
        ``enregistrer`` relit après ``ReferencePrise`` pour choisir une autre référence ;
        une référence prise mais invisible le ferait tourner en rond."""
        reference = signalement["reference"]
        verifier_les_noms(reference, [envoi["id"] for envoi in envois])
        chemin = self._chemins.signalement(reference)
        cle = None
        if reservation is not None:
            cle = (reservation.empreinte_cle, reservation.empreinte, reference)
        creation = Creation.nouvelle(signalement, envois, cle)
        with self._verrou:
            if reference in self._signalements:
                raise ReferencePrise(reference)
            self._signalements[reference] = creation
        suite = _Suite(self, creation, reservation, durabilite, futur)
        try:
            if _existe(chemin):
                raise ReferencePrise(reference)
            for nom, contenu in photos:  # rares et lourdes : hors du journal, avant lui
                ecrire_atomiquement(self.moteur._photos(reference) / Path(nom).name, contenu)
            if reservation is not None:
                self._cles.soumise(reservation)
        except BaseException:
            suite.oublier()
            raise
        if durabilite is None:
            journal.ecrire(creation.contenu, creation, suite)
        else:
            try:
                journal.soumettre(creation.contenu, creation, suite)
            except BaseException as probleme:
                suite(probleme)
                raise

    def lire_signalement(self, reference: str) -> Document | None:
        en_attente = self._signalements.get(reference)
        if en_attente is not None:
            return en_attente.documents()[0]
        if reference_correcte(reference) and not _existe(self._chemins.signalement(reference)):
            return None  # sans instancier TinyDB
        return self.moteur.lire_signalement(reference)

    # Recevoir sans occuper un fil (voir fonctions/points_d_entree/sans_bloquer.py)
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
        return Durabilite(asyncio.get_running_loop())

    # Recherches sans résultat : sans la barrière. Ces comptes ne doivent rien aux
    # signalements ; attendre la matérialisation forcerait, pendant une rafale de
    # signalements, une écriture du journal vers TinyDB à chaque recherche vide.
    def compter_recherche_vide(self, jour: date, texte: str) -> None:
        self.moteur.compter_recherche_vide(jour, texte)

    def lister_recherches_vides(self, debut: date, fin: date, nombre: int
                                ) -> list[tuple[str, int]]:
        return self.moteur.lister_recherches_vides(debut, fin, nombre)

    def purger_recherches_vides(self, avant: date) -> int:
        return self.moteur.purger_recherches_vides(avant)

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
            journal.fermer()  # le matérialiseur prend ce qui reste, puis s'arrête
            if self._materialiseur.arreter():  # sinon le journal reste, pour le redémarrage
                journal.oublier()
        self._proprietaire.rendre()
        self.moteur.fermer()


class _Suite:
    """Ce que le journal appelle quand une création est durable (``None``) ou a échoué
    (l'erreur) : retirer de la mémoire une création qui a échoué, tenir sa clé à jour,
    réveiller la requête qui l'attend — dans sa boucle, ou par elle si le journal se ferme
    depuis un autre fil. Un objet plutôt que trois fonctions imbriquées : c'est sur le
    chemin de chaque signalement."""

    __slots__ = ("creation", "durabilite", "futur", "reservation", "stockage")

    def __init__(self, stockage: StockageJournalise, creation: Creation,
                 reservation: ReservationJournalisee | None, durabilite: Durabilite | None,
                 futur: asyncio.Future | None) -> None:
        self.stockage, self.creation, self.reservation = stockage, creation, reservation
        self.durabilite, self.futur = durabilite, futur

    def oublier(self) -> None:
        """Retire la création de la mémoire, si c'est toujours elle qui y est."""
        stockage, creation = self.stockage, self.creation
        with stockage._verrou:
            if stockage._signalements.get(creation.reference) is creation:
                del stockage._signalements[creation.reference]

    def __call__(self, erreur: BaseException | None) -> None:
        if erreur is not None:
            self.oublier()
        if self.reservation is not None:
            self.stockage._cles.durable(
                self.reservation, self.creation.reference if erreur is None else None)
        durabilite = self.durabilite
        if durabilite is None:
            return
        if durabilite.fil == threading.get_ident() and durabilite.boucle.is_running():
            _resoudre(self.futur, erreur)
        else:  # le journal se ferme depuis un autre fil
            durabilite.boucle.call_soon_threadsafe(_resoudre, self.futur, erreur)


def _resoudre(futur: asyncio.Future, erreur: BaseException | None) -> None:
    if futur.done():  # la requête a été abandonnée : la création, elle, est faite
        return
    if erreur is None:
        futur.set_result(None)
    else:
        futur.set_exception(erreur)


def _existe(chemin: str) -> bool:
    return os.access(chemin, os.F_OK)  # sans construire le résultat d'un ``stat``


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
