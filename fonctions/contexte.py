"""Ce que les points d'entrée reçoivent de la fabrique : la seule porte des effets de bord.

``creer_app`` construit un ``Contexte`` dans son lifespan et le range dans l'état de la
requête ; un test passe ses propres objets (stockage en dossier temporaire, horloge
réglable, faux expéditeur) par la même porte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio
from starlette.requests import Request

from fonctions.courriels import Expediteur
from fonctions.limiteur import Limiteur, LimiteurDeJetons
from fonctions.modele import SourceModele
from fonctions.notification import Notificateur
from fonctions.reglages import Reglages
from fonctions.stockage import Stockage

if TYPE_CHECKING:
    from fonctions.boite_envoi import BoiteEnvoi
    from fonctions.push.cles import ClesVapid
    from fonctions.relances import Relances
    from fonctions.suivi import Suivi

Horloge = Callable[[], datetime]


def horloge_systeme() -> datetime:
    return datetime.now(UTC)


class Reveil:
    """Réveille la boîte d'envoi dès qu'un signalement arrive, sans attendre l'intervalle."""

    def __init__(self) -> None:
        self._evenement: anyio.Event | None = None  # créé dans la boucle d'événements

    def _actuel(self) -> anyio.Event:
        if self._evenement is None:
            self._evenement = anyio.Event()
        return self._evenement

    def sonner(self) -> None:
        self._actuel().set()

    async def attendre(self, secondes: float) -> None:
        with anyio.move_on_after(secondes):
            await self._actuel().wait()
        self._evenement = None


@dataclass
class Contexte:
    reglages: Reglages
    modele: SourceModele
    stockage: Stockage
    horloge: Horloge
    limiteur: Limiteur | None
    reveil: Reveil
    boite_envoi: BoiteEnvoi
    suivi: Suivi
    relances: Relances
    notificateur: Notificateur
    limiteur_jetons: LimiteurDeJetons | None  # les jetons faux, par adresse et par cible
    expediteur: Expediteur  # pour les liens de connexion de la coordination
    cles_vapid: ClesVapid | None = None  # Web Push : la clé publique donnée aux navigateurs
    limiteur_recherches: Limiteur | None = None  # les recherches sans résultat, par adresse


def contexte(request: Request) -> Contexte:
    """Le contexte posé par le lifespan (l'état que le serveur copie dans chaque requête),
    lu dans le scope : ``request.state`` construirait un objet à chaque requête."""
    return request.scope["state"]["aiguillage"]
