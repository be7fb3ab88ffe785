"""L'heure et le réveil : ce que la fabrique donne aux tâches qui attendent ou datent.

Une horloge est une fonction sans argument qui rend l'heure UTC : ``horloge_systeme`` en
service, une horloge réglable dans les tests (la même porte, ``creer_app(horloge=…)``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import anyio

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
