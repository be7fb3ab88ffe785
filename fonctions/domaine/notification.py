"""La porte des notifications au citoyen : appelée à chaque changement qu'il peut voir.

Tout changement visible par le citoyen (statut, réattribution, réouverture, message, relance)
passe par ``Suivi.changer`` (``fonctions/domaine/suivi.py``), qui appelle
``contexte.notificateur.changement(signalement, evenement)`` une fois par événement public,
**après** que le changement est écrit sur disque.

Contrat d'un notificateur :

- ``signalement`` est le document complet après le changement (il contient le contact du
  citoyen s'il en a laissé un : à n'utiliser que pour le prévenir) ; ``evenement`` est
  l'événement ajouté à l'historique (``type``, ``date``, ``pour_le_citoyen``, ``statut``…) ;
- il ne lève pas d'exception (une erreur est journalisée et ignorée : le changement est déjà
  fait) et rend la main vite — un envoi lent (Web Push, courriel) se met en file.

``NotificateurMuet`` ne fait rien (par défaut) ; ``NotificateurEnregistreur`` garde les
appels, pour les tests.
"""

from __future__ import annotations

from typing import Any, Protocol


class Notificateur(Protocol):
    def changement(self, signalement: dict[str, Any], evenement: dict[str, Any]) -> None: ...


class NotificateurMuet:
    def changement(self, signalement: dict[str, Any], evenement: dict[str, Any]) -> None:
        return None


class NotificateurEnregistreur:
    """Garde ``(référence, événement)`` de chaque appel, dans l'ordre."""

    def __init__(self) -> None:
        self.appels: list[tuple[str, dict[str, Any]]] = []

    def changement(self, signalement: dict[str, Any], evenement: dict[str, Any]) -> None:
        self.appels.append((signalement["reference"], evenement))

    def types(self) -> list[str]:
        return [evenement["type"] for _, evenement in self.appels]
