"""Les canaux de transmission, choisis par le nom que donne le contenu (``transmission:``).

Chacun est un petit module avec la même signature (``transmettre(dossier) -> Recu``) ;
les nouveaux essais sont faits une seule fois, dans ``base.tenter``.
"""

from __future__ import annotations

from collections.abc import Callable

from fonctions.socle.client_http import ClientHTTP
from fonctions.socle.courriels import Expediteur
from fonctions.socle.horloge import Horloge
from fonctions.socle.jetons import signature_photo
from fonctions.socle.reglages import Reglages
from fonctions.transmission.aucune import CanalAucune
from fonctions.transmission.base import Canal
from fonctions.transmission.courriel import CanalCourriel
from fonctions.transmission.open311 import CanalOpen311
from fonctions.transmission.webhook import CanalWebhook

NOMS_DES_CANAUX = ("courriel", "webhook", "open311", "aucune")
SECRET_DE_DEVELOPPEMENT = "secret-de-developpement"  # noqa: S105 (public, mode fichier)


def lien_photo(reglages: Reglages, horloge: Horloge) -> Callable[[str, str], str]:
    """L'adresse signée d'une photo pour un logiciel de service (``media_url``), valable
    ``AIGUILLAGE_LIEN_AGENT_JOURS`` jours (points_d_entree/photos_signees.py la sert)."""

    def lien(reference: str, nom: str) -> str:
        expire = int(horloge().timestamp()) + reglages.lien_agent_jours * 86_400
        signature = signature_photo(str(reglages.cle_secrete), reference, nom, expire)
        return (f"{reglages.url_publique}/api/photos/{reference}/{nom}"
                f"?expire={expire:x}&signature={signature}")
    return lien


def creer_canaux(reglages: Reglages, expediteur: Expediteur, client: ClientHTTP,
                 horloge: Horloge) -> dict[str, Canal]:
    secret = reglages.secret_webhook
    if reglages.envoi_web == "fichier":
        # Rien ne quitte la machine : une démonstration sans secret signe avec un secret
        # connu plutôt que d'alerter la coordination à chaque webhook.
        def secret(gestionnaire: str) -> str:
            return reglages.secret_webhook(gestionnaire) or SECRET_DE_DEVELOPPEMENT
    canaux: dict[str, Canal] = {
        "courriel": CanalCourriel(expediteur, reglages.expediteur),
        "webhook": CanalWebhook(client, secret, horloge),
        "open311": CanalOpen311(client, reglages.cle_open311, horloge,
                                lien_photo(reglages, horloge)),
        "aucune": CanalAucune(),
    }
    assert tuple(canaux) == NOMS_DES_CANAUX
    return canaux
