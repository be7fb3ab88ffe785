"""Les clés d'idempotence du stockage journalisé, vues de la mémoire.

Une clé est écrite avec sa création, dans le même enregistrement du journal : entre la
réservation et la matérialisation, c'est ici qu'on la trouve. Trois états :

- **tenue** : une requête la tient (``with reserver``) ; une autre reçoit ``CleEnCours``
  (409). Elle reste tenue après le bloc tant que sa création n'est pas durable ;
- **journalisée** : sa création est durable, pas encore matérialisée ;
- **attachée** : réservée sans création (la requête a échoué) ; elle garde sa référence et
  son empreinte comme chez le moteur, mais en mémoire seulement — après un redémarrage,
  c'est comme si la requête n'avait pas eu lieu, et rien n'en a été confirmé au citoyen.
  Une clé dont la création a été soumise puis refusée par le journal est oubliée, elle :
  un nouvel essai repart d'une référence neuve.

Ailleurs, la clé est sur disque (``lire_sur_disque``) ou n'existe pas.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from fonctions.stockage.base import CleEnCours, CleReutilisee, Reservation, empreinte_cle

ATTACHEES_MAX = 10_000  # clés réservées sans création gardées en mémoire


class ReservationJournalisee(Reservation):
    """Changer de référence ne coûte rien tant que rien n'est créé."""

    def __init__(self, empreinte_cle: str, empreinte: str, reference: str,
                 nouvelle: bool) -> None:
        self.empreinte_cle, self.empreinte, self.reference = empreinte_cle, empreinte, reference
        self.nouvelle = nouvelle
        self.en_vol = False  # une création soumise, pas encore durable
        self.creee = False  # une création a été soumise (la clé part avec elle)
        self.sortie = False  # le bloc ``with`` est fini

    def changer_reference(self, reference: str) -> None:
        self.reference = reference


class Tenue:
    """Le bloc ``with`` de ``reserver`` (une classe : c'est sur le chemin de chaque
    signalement, et un générateur ``contextmanager`` coûte plus)."""

    __slots__ = ("_arguments", "_cles", "_reservation")

    def __init__(self, cles: ClesEnMemoire, *arguments: str) -> None:
        self._cles, self._arguments = cles, arguments

    def __enter__(self) -> ReservationJournalisee:
        self._reservation = self._cles.tenir(*self._arguments)
        return self._reservation

    def __exit__(self, *exc: object) -> None:
        self._cles.lacher(self._reservation)


class ClesEnMemoire:
    def __init__(self, lire_sur_disque: Callable[[str], tuple[str, str] | None]) -> None:
        """``lire_sur_disque(empreinte de la clé)`` : (empreinte du contenu, référence)."""
        self._lire_sur_disque = lire_sur_disque
        self._verrou = threading.Lock()
        self._journalisees: dict[str, tuple[str, str]] = {}
        self._attachees: dict[str, tuple[str, str]] = {}
        self._tenues: set[str] = set()
        self._local = threading.local()  # la réservation que tient ce fil

    def reference(self, cle: str) -> str | None:
        """La référence attachée à ``cle`` (en mémoire, sinon sur disque), sans la tenir."""
        fichier = empreinte_cle(cle)
        with self._verrou:
            connu = self._journalisees.get(fichier) or self._attachees.get(fichier)
        if connu is None:
            connu = self._lire_sur_disque(fichier)
        return connu[1] if connu is not None else None

    def reserver(self, cle: str, empreinte: str, reference: str) -> Tenue:
        return Tenue(self, cle, empreinte, reference)

    def tenir(self, cle: str, empreinte: str, reference: str) -> ReservationJournalisee:
        fichier = empreinte_cle(cle)
        with self._verrou:
            if fichier in self._tenues:
                raise CleEnCours(cle)
            connu = self._journalisees.get(fichier) or self._attachees.get(fichier)
            self._tenues.add(fichier)
        try:
            if connu is None:  # absente, ou sur disque (quitte la mémoire une fois écrite)
                connu = self._lire_sur_disque(fichier)
            if connu is not None and connu[0] != empreinte:
                raise CleReutilisee(cle)
        except BaseException:
            with self._verrou:
                self._tenues.discard(fichier)
            raise
        if connu is None:
            reservation = ReservationJournalisee(fichier, empreinte, reference, True)
        else:
            reservation = ReservationJournalisee(fichier, empreinte, connu[1], False)
        self._local.reservation = reservation
        return reservation

    def lacher(self, reservation: ReservationJournalisee) -> None:
        self._local.reservation = None
        with self._verrou:
            reservation.sortie = True
            if not reservation.creee:
                fichier = reservation.empreinte_cle
                self._attachees.pop(fichier, None)
                self._attachees[fichier] = (reservation.empreinte, reservation.reference)
                if len(self._attachees) > ATTACHEES_MAX:
                    del self._attachees[next(iter(self._attachees))]
            if not reservation.en_vol:  # sinon, quand sa création sera durable
                self._tenues.discard(reservation.empreinte_cle)

    def courante(self, reference: str) -> ReservationJournalisee | None:
        """La réservation que tient ce fil, si elle mène à ``reference``."""
        reservation = getattr(self._local, "reservation", None)
        return reservation if reservation is not None and reservation.reference == reference \
            else None

    def soumise(self, reservation: ReservationJournalisee) -> None:
        """Une création part au journal avec cette clé."""
        with self._verrou:
            reservation.en_vol = reservation.creee = True

    def durable(self, reservation: ReservationJournalisee, reference: str | None) -> None:
        """La création de ``reference`` est durable (``None`` : elle a échoué) : la clé est
        journalisée, et lâchée si le bloc ``with`` est déjà fini."""
        with self._verrou:
            if reference is not None:
                self._journalisees[reservation.empreinte_cle] = (reservation.empreinte,
                                                                 reference)
                self._attachees.pop(reservation.empreinte_cle, None)
            reservation.en_vol = False
            if reservation.sortie:
                self._tenues.discard(reservation.empreinte_cle)

    def materialisees(self, empreintes: Iterable[str]) -> None:
        """Ces clés sont sur disque : la mémoire peut les oublier."""
        with self._verrou:
            for fichier in empreintes:
                self._journalisees.pop(fichier, None)
                self._attachees.pop(fichier, None)  # rejouée entre-temps : le disque fait foi
