"""Limite du nombre d'envois par adresse de client, dans une fenêtre glissante.

En mémoire, par processus : avec plusieurs processus, chacun compte pour lui. Derrière un
proxy, l'adresse du client vient de ``X-Forwarded-For`` seulement si le proxy est de
confiance (``AIGUILLAGE_PROXYS``, passé à uvicorn).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

NETTOYAGE_AU_DELA = 10_000


class Limiteur:
    def __init__(self, nombre: int, periode: float,
                 horloge: Callable[[], float] = time.monotonic) -> None:
        self.nombre, self.periode, self.horloge = nombre, periode, horloge
        self._envois: dict[str, deque[float]] = {}

    def attente(self, client: str) -> float:
        """0 si l'envoi est permis (et compté) ; sinon les secondes à attendre."""
        maintenant = self.horloge()
        if len(self._envois) > NETTOYAGE_AU_DELA:
            self._nettoyer(maintenant)
        envois = self._envois.setdefault(client, deque())
        while envois and envois[0] <= maintenant - self.periode:
            envois.popleft()
        if len(envois) >= self.nombre:
            return max(envois[0] + self.periode - maintenant, 1.0)
        envois.append(maintenant)
        return 0.0

    def bloque(self, client: str) -> float:
        """Comme ``attente``, sans compter : 0 si ``client`` peut encore essayer."""
        maintenant = self.horloge()
        envois = self._envois.get(client)
        while envois and envois[0] <= maintenant - self.periode:
            envois.popleft()
        if envois and len(envois) >= self.nombre:
            return max(envois[0] + self.periode - maintenant, 1.0)
        return 0.0

    def noter(self, client: str) -> None:
        """Compte un essai (un jeton faux) sans rien refuser."""
        if len(self._envois) > NETTOYAGE_AU_DELA:
            self._nettoyer(self.horloge())
        self._envois.setdefault(client, deque()).append(self.horloge())

    def _nettoyer(self, maintenant: float) -> None:
        for client in [c for c, e in self._envois.items() if e[-1] <= maintenant - self.periode]:
            del self._envois[client]
