"""Ce que partagent tous les canaux de transmission — et les nouveaux essais, ici seulement.

Un canal est un petit objet avec une méthode ``transmettre(dossier) -> Recu`` qui envoie
une fois, ou lève ``EchecTransmission`` (comme FixMyStreet::SendReport). Il ne réessaie
jamais lui-même : ``tenter`` décide de la suite, selon ``DELAIS``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

journal = logging.getLogger("aiguillage.transmission")

# Délais entre deux tentatives, en secondes : 12 tentatives sur un peu moins de 5 jours.
DELAIS = (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 86400, 86400, 86400)


class EchecTransmission(Exception):
    """L'envoi n'a pas abouti. ``definitif`` : inutile de réessayer (réglage manquant…)."""

    def __init__(self, message: str, *, definitif: bool = False,
                 injoignable: bool = False) -> None:
        self.message = message
        self.definitif = definitif
        # Le destinataire n'a pas répondu (réseau, délai dépassé) : ses autres envois de la
        # même passe attendront la suivante (boite_envoi.py), sans attendre chacun le délai.
        self.injoignable = injoignable
        super().__init__(message)


@dataclass(frozen=True)
class Recu:
    """Ce que le canal rapporte d'un envoi réussi (``donnees`` est gardé au signalement)."""

    message: str
    donnees: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PieceJointe:
    nom: str
    type: str
    contenu: bytes


@dataclass(frozen=True)
class Dossier:
    """Tout ce qu'un canal doit savoir pour transmettre un signalement.

    ``identifiant`` est stable d'une tentative à l'autre : le destinataire s'en sert pour
    écarter un doublon (Message-ID, Idempotency-Key).
    """

    identifiant: str
    signalement: dict[str, Any]
    gestionnaire: dict[str, Any]
    photos: tuple[PieceJointe, ...]
    lien_agent: str
    territoire: str
    motif: str | None = None  # pourquoi ce message (alerte, relance, réouverture…)
    # transmission | relance | rouvert | complement (au service) ;
    # alerte | escalade | a_orienter (à la coordination)
    evenement: str = "transmission"
    lien_coordination: str = ""
    lien_valable_jours: int = 30
    message: dict[str, Any] | None = None  # pour une notification au citoyen
    essai: int = 1  # le numéro de cette tentative (Open311 : chercher avant de reposter)
    premier_essai: str | None = None  # quand l'envoi a été mis en boîte (horodatage)

    @property
    def adresse(self) -> str:
        return (self.gestionnaire.get("transmission") or {}).get("adresse") or ""


class Canal(Protocol):
    nom: str

    def transmettre(self, dossier: Dossier) -> Recu: ...


@dataclass(frozen=True)
class Issue:
    reussi: bool
    recu: Recu | None = None
    erreur: str | None = None
    prochaine_tentative: datetime | None = None  # après un échec ; None : on abandonne
    injoignable: bool = False


def tenter(canal: Canal, dossier: Dossier, tentatives_passees: int, maintenant: datetime) -> Issue:
    """Une tentative ; en cas d'échec, la date de la suivante (ou l'abandon)."""
    try:
        recu = canal.transmettre(dossier)
    except EchecTransmission as echec:
        erreur, definitif, injoignable = echec.message, echec.definitif, echec.injoignable
    except Exception as inattendue:  # un canal défaillant ne doit pas arrêter les autres
        journal.exception("Erreur inattendue du canal %s", canal.nom)
        erreur, definitif = f"erreur inattendue ({type(inattendue).__name__})", False
        injoignable = False
    else:
        return Issue(reussi=True, recu=recu)
    if definitif or tentatives_passees >= len(DELAIS):
        return Issue(reussi=False, erreur=erreur, injoignable=injoignable)
    delai = timedelta(seconds=DELAIS[tentatives_passees])
    return Issue(reussi=False, erreur=erreur, prochaine_tentative=maintenant + delai,
                 injoignable=injoignable)
