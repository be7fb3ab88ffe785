"""L'interface du stockage : ce que les fonctions attendent, quel que soit le moteur.

Un signalement est un dictionnaire JSON dont ``reference`` est l'identifiant et
``historique`` la liste des événements. Une entrée de la boîte d'envoi est un
dictionnaire dont ``id`` est l'identifiant et ``reference`` le signalement visé. Une entrée
de l'**index des attributions ouvertes** (``id`` = ``<référence>-<numéro>``) résume une
attribution non finale : la coordination et les relances ne lisent que cet index, jamais
tous les signalements.

Règles communes à tout moteur :

- chaque écriture est atomique et durable avant de rendre la main ;
- ``creer_signalement`` écrit les photos, puis les entrées de la boîte d'envoi, puis le
  signalement : son existence marque la fin de l'enregistrement (un arrêt brutal avant
  ne laisse qu'un reste que la boîte d'envoi ignore puis efface) ;
- une clé d'idempotence réservée l'est pour tous les fils et tous les processus, et se
  libère d'elle-même si le processus meurt ;
- une entrée réclamée de la boîte d'envoi l'est pour un seul envoyeur à la fois, et se
  libère d'elle-même si le processus meurt (le bail) ;
- ``changer_signalement`` écrit les entrées ouvertes de l'index *avant* le signalement et
  retire les entrées fermées *après* : après un arrêt brutal l'index peut contenir une
  entrée de trop (réparée à la lecture), jamais en manquer une.

Les **recherches sans résultat** sont de simples comptes ``(jour, texte) → nombre``, sans
lien avec les signalements ni avec qui a cherché (``fonctions/points_d_entree/recherches_vides.py`` décide
du texte gardé) : un ajout n'est jamais perdu, même entre fils ou processus concurrents, et
un arrêt brutal laisse l'ancien compte ou le nouveau, jamais un fichier abîmé.

Les **index par date** servent les listes publiques du serveur Open311
(``points_d_entree/open311_lecture.py``) sans lire tous les signalements : l'un range les
signalements par ``cree_le``, l'autre note chaque moment (à la seconde près, comme les
horodatages) où un signalement a été créé ou a reçu un événement (``historique[].date``). Ils ne
gardent que des références et des dates — rien que la purge ait à effacer. Comme l'index
des ouvertes, ils sont écrits *avant* le signalement : après un arrêt brutal ils peuvent
nommer un signalement jamais écrit (ignoré à la lecture), jamais en oublier un. Un
``cree_le`` ou une date d'événement illisible (ou sans fuseau) n'est pas indexé.

Les **identifiants externes** sont ceux que rendent les services Open311
(``service_request_id``, ``token``) : ``(service, identifiant) → référence``, écrit une fois,
pour retrouver un signalement même après que son attribution a quitté l'index des
ouvertes. Le **relevé** d'un service est le moment de la dernière mise à jour lue chez lui
(``transmission/nouvelles_open311.py``) ; il ne recule jamais. Les deux sont dans le
stockage, donc partagés par tous les processus et toutes les machines d'une même base.
"""

from __future__ import annotations

import functools
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

Document = dict[str, Any]


@functools.lru_cache(maxsize=256)
def empreinte_cle(cle: str) -> str:
    """Le SHA-256 (hexadécimal) d'une clé d'idempotence : le nom de son fichier chez le
    moteur, et ce qu'en garde le signalement — la clé elle-même n'est jamais gardée. En
    cache : une même requête la calcule pour la réservation puis pour le document."""
    return hashlib.sha256(cle.encode()).hexdigest()


def moment_utc(texte: object) -> datetime | None:
    """Un horodatage ISO 8601 avec fuseau, en UTC ; ``None`` s'il est illisible ou sans
    fuseau (ce que les index par date ne rangent pas)."""
    if not isinstance(texte, str):
        return None
    try:
        moment = datetime.fromisoformat(texte)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


def moments_des_evenements(document: Document) -> set[datetime]:
    """Les moments (UTC) des événements de l'historique du signalement."""
    moments = set()
    for evenement in document.get("historique") or []:
        moment = moment_utc(evenement.get("date")) if isinstance(evenement, dict) else None
        if moment is not None:
            moments.add(moment)
    return moments


class CleEnCours(Exception):
    """Une autre requête avec la même clé d'idempotence est en cours."""


class CleReutilisee(Exception):
    """La clé d'idempotence a déjà servi pour un autre contenu."""


class ReferencePrise(Exception):
    """Un signalement porte déjà cette référence."""


@dataclass
class Ecritures:
    """Ce qu'un changement écrit à côté du signalement, dans cet ordre : ``photos``,
    entrées ``ouvertes`` de l'index, ``envois`` de la boîte d'envoi, le signalement (sauf si
    ``inchange``), puis le retrait des entrées ``fermees`` de l'index."""

    photos: list[tuple[str, bytes]] = field(default_factory=list)
    ouvertes: list[Document] = field(default_factory=list)
    envois: list[Document] = field(default_factory=list)
    fermees: list[str] = field(default_factory=list)
    inchange: bool = False


class Reservation(ABC):
    """Une clé d'idempotence tenue ; ``reference`` est celle qui lui est attachée.

    ``nouvelle`` : la clé était inconnue, la référence est celle proposée. Aucun signalement
    ne peut alors porter cette clé (la clé est écrite avant ou avec son signalement) : il
    n'y a rien à relire avant de créer."""

    reference: str
    nouvelle: bool = False

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
    def reference_de_cle(self, cle: str) -> str | None:
        """La référence attachée à la clé d'idempotence ``cle``, sans la tenir ni l'écrire ;
        ``None`` si elle est inconnue. Une clé réservée par une requête qui a échoué peut
        nommer un signalement qui n'existe pas."""

    @abstractmethod
    def creer_signalement(
        self, signalement: Document, photos: Sequence[tuple[str, bytes]], envois: Sequence[Document]
    ) -> None:
        """Enregistre un nouveau signalement ; lève ``ReferencePrise`` s'il existe déjà."""

    @abstractmethod
    def lire_signalement(self, reference: str) -> Document | None: ...

    @abstractmethod
    def lire_photo(self, reference: str, nom: str) -> bytes: ...

    def modifier_signalement(
        self,
        reference: str,
        champs: Document | None = None,
        evenement: Document | None = None,
        modification: Callable[[Document], None] | None = None,
    ) -> Document:
        """Met à jour des champs et ajoute un événement à l'historique, en une écriture : les
        champs, puis l'événement, puis la modification libre (``changer_signalement``, le
        même pour tout moteur)."""

        def transformer(document: Document) -> Ecritures:
            document.update(champs or {})
            if evenement is not None:
                document["historique"] = [*document.get("historique", []), evenement]
            if modification is not None:
                modification(document)
            return Ecritures()

        return self.changer_signalement(reference, transformer)

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

    # Suivi entre services
    @abstractmethod
    def changer_signalement(
        self, reference: str, transformation: Callable[[Document], Ecritures]
    ) -> Document:
        """Sous le verrou du signalement : lit le document, appelle ``transformation`` (qui le
        modifie sur place et rend ses ``Ecritures``), puis écrit le tout dans l'ordre dit par
        ``Ecritures``. Si ``transformation`` lève, rien n'est écrit. ``KeyError`` si le
        signalement n'existe pas. Rend le document tel qu'écrit."""

    @abstractmethod
    def lister_ouvertes(self) -> list[Document]:
        """L'index des attributions ouvertes ; le coût suit leur nombre, pas celui des
        signalements."""

    # Index par date (les listes publiques d'Open311)
    @abstractmethod
    def lister_par_creation(self, debut: datetime, fin: datetime, nombre: int,
                            decalage: int = 0, *, noeuds: Collection[str] | None = None,
                            etats: Collection[str] | None = None,
                            sans_etats: Collection[str] | None = None) -> list[Document]:
        """Au plus ``nombre`` signalements créés de ``debut`` à ``fin`` (compris, par
        ``cree_le``), les plus récents d'abord (à égalité, par référence), après les
        ``decalage`` premiers. Filtres facultatifs : l'issue (``noeud.id`` parmi ``noeuds``),
        l'``etat`` parmi ``etats``, ou hors de ``sans_etats`` (un document sans ``etat`` est
        hors de tout ensemble : gardé par ``sans_etats``, jamais par ``etats``).

        Sans filtre, le coût suit ``nombre + decalage`` entrées d'index et ``nombre``
        lectures, pas le nombre de signalements. Avec filtres, PostgreSQL les applique dans
        l'index ; TinyDB lit les signalements de la période, du plus récent au plus ancien,
        jusqu'à remplir la page."""

    @abstractmethod
    def lister_evenements(self, debut: datetime, fin: datetime,
                          apres: tuple[datetime, str] | None, nombre: int
                          ) -> list[tuple[datetime, str]]:
        """Au plus ``nombre`` couples ``(moment UTC, référence)`` : un signalement créé
        (``cree_le``) ou qui a un événement daté de ce moment, de ``debut`` à ``fin``
        (compris), dans l'ordre (moment, puis référence), strictement après ``apres`` (pour
        lire la suite) ; un signalement n'y est qu'une fois par moment. Le coût suit
        ``nombre``, pas le nombre de signalements."""

    # Recherches sans résultat
    @abstractmethod
    def compter_recherche_vide(self, jour: date, texte: str) -> None:
        """Ajoute 1 au compte de ``texte`` pour ``jour``. Deux appels concurrents (fils ou
        processus) ajoutent 2."""

    @abstractmethod
    def lister_recherches_vides(self, debut: date, fin: date, nombre: int
                                ) -> list[tuple[str, int]]:
        """Au plus ``nombre`` textes comptés du jour ``debut`` au jour ``fin`` (compris), avec
        leur total sur la période : le plus fréquent d'abord ; à égalité, dans l'ordre
        alphabétique."""

    # Données personnelles (fonctions/domaine/purge.py)
    @abstractmethod
    def lister_references(self) -> list[str]:
        """Les références de tous les signalements écrits ; le coût suit leur nombre (pour
        la purge, une fois par jour, jamais sur le chemin d'une requête)."""

    @abstractmethod
    def effacer_photos(self, reference: str) -> int:
        """Efface les photos du signalement ; rend leur nombre (0 la seconde fois)."""

    @abstractmethod
    def oublier_cle(self, empreinte: str) -> bool:
        """Efface la clé d'idempotence dont ``empreinte`` est l'empreinte (``empreinte_cle``,
        ce que garde le signalement) ; faux si elle n'existait plus, ``CleEnCours`` si une
        requête la tient à cet instant."""

    @abstractmethod
    def effacer_restes(self, age_minimal: float) -> int:
        """Efface ce qu'un arrêt brutal a pu laisser, vieux d'au moins ``age_minimal``
        secondes (temps des fichiers) : fichiers temporaires d'écritures interrompues,
        photos d'un signalement jamais écrit. Rend le nombre de fichiers effacés."""

    @abstractmethod
    def purger_recherches_vides(self, avant: date) -> int:
        """Efface les comptes des jours strictement antérieurs à ``avant`` ; rend le nombre
        de comptes ``(jour, texte)`` effacés."""

    # Services Open311 (fonctions/transmission/nouvelles_open311.py)
    @abstractmethod
    def retenir_identifiant_externe(self, service: str, identifiant: str, reference: str
                                    ) -> None:
        """Retient que ``identifiant``, rendu par ``service``, désigne ``reference``. Écrit
        une fois : retenir un identifiant déjà connu ne change rien (même pour une autre
        référence), entre fils comme entre processus."""

    @abstractmethod
    def retrouver_par_identifiant_externe(self, service: str, identifiant: str) -> str | None:
        """La référence retenue pour ``identifiant`` chez ``service`` ; ``None`` si inconnu."""

    @abstractmethod
    def oublier_identifiants_externes(self, references: Collection[str]) -> int:
        """Efface les identifiants externes qui désignent l'une de ces ``references`` (la
        purge, pour les signalements anonymisés) ; rend leur nombre (0 la seconde fois). Le
        coût suit le nombre d'identifiants retenus : un appel par passe de purge."""

    @abstractmethod
    def lire_releve(self, service: str) -> datetime | None:
        """Le moment (UTC) de la dernière mise à jour relevée chez ``service`` ; ``None``
        avant le premier relevé."""

    @abstractmethod
    def noter_releve(self, service: str, moment: datetime) -> None:
        """Note ``moment`` (avec fuseau) comme dernier relevé de ``service`` ; un moment plus
        ancien que celui déjà noté ne change rien : le relevé ne recule jamais."""
