"""Le notificateur du citoyen : branché sur la porte des notifications (``notification.py``).

Appelé après chaque changement visible, il ne fait que mettre un envoi ``notification``
dans la boîte d'envoi (écriture durable, rapide) : c'est la boîte d'envoi qui envoie, avec
ses nouveaux essais, par Web Push ou par courriel (``canal.py``). Rien n'est mis en boîte
si le citoyen n'a ni abonnement ni adresse e-mail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fonctions.domaine.contact import courriel_pour_informer
from fonctions.domaine.enregistrement import nouvel_envoi
from fonctions.push.messages import lien_de_suivi, message
from fonctions.socle.horloge import Horloge
from fonctions.stockage import Stockage


def joignable(signalement: dict[str, Any]) -> bool:
    return bool(signalement.get("abonnements_push") or courriel_pour_informer(signalement))


class NotificateurCitoyen:
    def __init__(self, stockage: Stockage, horloge: Horloge, url_publique: str, cle_secrete: str,
                 reveiller: Callable[[], None] = lambda: None) -> None:
        self.stockage, self.horloge, self.reveiller = stockage, horloge, reveiller
        self.url_publique, self.cle_secrete = url_publique, cle_secrete

    def changement(self, signalement: dict[str, Any], evenement: dict[str, Any]) -> None:
        if not joignable(signalement) or not evenement.get("pour_le_citoyen"):
            return
        reference = signalement["reference"]
        numero = len(signalement.get("historique", []))  # unique : l'historique ne fait que croître
        envoi = nouvel_envoi(reference, "notification", self.horloge(),
                             message=message(signalement, evenement, lien_de_suivi(
                                 signalement, self.url_publique, self.cle_secrete)))
        envoi["id"] = f"{reference}-notification{numero}"
        self.stockage.ajouter_envoi(envoi)
        self.reveiller()
