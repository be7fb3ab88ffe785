"""Limite du nombre d'envois par adresse de client, dans une fenêtre glissante.

En mémoire, par processus : avec plusieurs processus, chacun compte pour lui — sauf sur
PostgreSQL, où l'application prend des limiteurs partagés aux mêmes méthodes
(``StockagePostgreSQL.limiteur``, comptés dans la base). Derrière un
mandataire, l'adresse du client vient de ``X-Forwarded-For`` seulement si le mandataire est
nommé par ``AIGUILLAGE_PROXIES`` (``fonctions/app.py``).

``LimiteurDeJetons`` compte les liens faux par adresse **et par cible** (le signalement
visé), avec un plafond par adresse dix fois plus haut : derrière l'adresse partagée d'un
opérateur mobile (CGNAT), qui essaie des liens au hasard ne bloque pas ses voisins.
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


PLAFOND_PAR_ADRESSE = 10  # fois la limite par cible


class LimiteurDeJetons:
    """Les liens faux : ``nombre`` par période pour une adresse et une cible (la référence du
    signalement visé), ``nombre × PLAFOND_PAR_ADRESSE`` pour une adresse, toutes cibles
    confondues. ``bloque`` est à demander avant de vérifier le lien (sinon un 429 ne
    tomberait que sur les faux, et dirait lesquels le sont)."""

    def __init__(self, nombre: int, periode: float,
                 horloge: Callable[[], float] = time.monotonic,
                 fabrique: Callable[[str, int, float], Limiteur] | None = None) -> None:
        """``fabrique(espace, nombre, periode)`` : d'autres limiteurs que ceux en mémoire
        (partagés entre processus par PostgreSQL, voir ``StockagePostgreSQL.limiteur``)."""
        if fabrique is None:
            def fabrique(espace: str, nombre: int, periode: float) -> Limiteur:
                return Limiteur(nombre, periode, horloge)
        self.par_cible = fabrique("jetons-par-cible", nombre, periode)
        self.par_adresse = fabrique("jetons-par-adresse", nombre * PLAFOND_PAR_ADRESSE, periode)

    def bloque(self, adresse: str, cible: str) -> float:
        """0 si ce client peut encore essayer un lien vers ``cible`` ; sinon les secondes."""
        return max(self.par_adresse.bloque(adresse),
                   self.par_cible.bloque(f"{adresse}\x1f{cible}"))

    def noter(self, adresse: str, cible: str) -> None:
        self.par_adresse.noter(adresse)
        self.par_cible.noter(f"{adresse}\x1f{cible}")
