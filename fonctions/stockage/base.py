"""L'interface du stockage : ce que les fonctions attendent, quel que soit le moteur.

Un signalement est un dictionnaire JSON dont ``reference`` est l'identifiant et
``historique`` la liste des événements. Une entrée de la boîte d'envoi est un
dictionnaire dont ``id`` est l'identifiant et ``reference`` le signalement visé.

Règles communes à tout moteur :

- chaque écriture est atomique et durable avant de rendre la main ;
- ``creer_signalement`` écrit les photos, puis les entrées de la boîte d'envoi, puis le
  signalement : son existence marque la fin de l'enregistrement (un arrêt brutal avant
  ne laisse qu'un reste que la boîte d'envoi ignore puis efface) ;
- une clé d'idempotence réservée l'est pour tous les fils et tous les processus, et se
  libère d'elle-même si le processus meurt ;
- une entrée réclamée de la boîte d'envoi l'est pour un seul envoyeur à la fois, et se
  libère d'elle-même si le processus meurt (le bail).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

Document = dict[str, Any]


class CleEnCours(Exception):
    """Une autre requête avec la même clé d'idempotence est en cours."""


class CleReutilisee(Exception):
    """La clé d'idempotence a déjà servi pour un autre contenu."""


class ReferencePrise(Exception):
    """Un signalement porte déjà cette référence."""


class Reservation(ABC):
    """Une clé d'idempotence tenue ; ``reference`` est celle qui lui est attachée."""

    reference: str

    @abstractmethod
    def changer_reference(self, reference: str) -> None:
        """Attache une autre référence à la clé (la proposée était prise)."""


class Stockage(ABC):
    @abstractmethod
    def reserver_cle(
        self, cle: str, empreinte: str, reference: str
    ) -> AbstractContextManager[Reservation]:
        """Tient la clé pendant le bloc ``with``.

        Clé nouvelle : ``reference`` lui est attachée. Clé connue : la référence attachée
        est rendue. Lève ``CleEnCours`` si elle est tenue ailleurs, ``CleReutilisee`` si
        l'empreinte diffère.
        """

    @abstractmethod
    def creer_signalement(
        self, signalement: Document, photos: Sequence[tuple[str, bytes]], envois: Sequence[Document]
    ) -> None:
        """Enregistre un nouveau signalement ; lève ``ReferencePrise`` s'il existe déjà."""

    @abstractmethod
    def lire_signalement(self, reference: str) -> Document | None: ...

    @abstractmethod
    def lire_photo(self, reference: str, nom: str) -> bytes: ...

    @abstractmethod
    def modifier_signalement(
        self,
        reference: str,
        champs: Document | None = None,
        evenement: Document | None = None,
        modification: Callable[[Document], None] | None = None,
    ) -> Document:
        """Met à jour des champs et ajoute un événement à l'historique, en une écriture."""

    @abstractmethod
    def compter_signalements(self) -> int: ...

    @abstractmethod
    def ajouter_envoi(self, envoi: Document) -> None: ...

    @abstractmethod
    def lister_envois(self) -> list[Document]:
        """Les entrées en attente ; le coût suit leur nombre, pas celui des signalements."""

    @abstractmethod
    def reclamer_envoi(self, identifiant: str) -> AbstractContextManager[Document | None]:
        """Prend le bail d'une entrée pendant le bloc ``with`` ; ``None`` si elle est déjà
        réclamée ailleurs ou n'existe plus."""

    @abstractmethod
    def enregistrer_envoi(self, envoi: Document) -> None: ...

    @abstractmethod
    def supprimer_envoi(self, identifiant: str) -> None: ...
