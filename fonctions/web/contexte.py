"""Ce que les points d'entrée reçoivent de la fabrique : la seule porte des effets de bord.

``creer_app`` construit un ``Contexte`` dans son lifespan et le range dans l'état de la
requête ; un test passe ses propres objets (stockage en dossier temporaire, horloge
réglable, faux expéditeur) par la même porte.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

from fonctions.domaine.modele import SourceModele
from fonctions.domaine.notification import Notificateur
from fonctions.socle.courriels import Expediteur
from fonctions.socle.horloge import Horloge, Reveil
from fonctions.socle.reglages import Reglages
from fonctions.stockage import Stockage
from fonctions.web.limiteur import Limiteur, LimiteurDeJetons

if TYPE_CHECKING:
    from fonctions.domaine.relances import Relances
    from fonctions.domaine.suivi import Suivi
    from fonctions.push.cles import ClesVapid
    from fonctions.socle.geocodeur import Geocodeur
    from fonctions.transmission.boite_envoi import BoiteEnvoi

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
    geocodeur: Geocodeur | None = None  # la commune d'une position (Open311, socle/geocodeur.py)
    limiteur_listes_open311: Limiteur | None = None  # GET requests, servicerequestupdates


def contexte(request: Request) -> Contexte:
    """Le contexte posé par le lifespan (l'état que le serveur copie dans chaque requête),
    lu dans le scope : ``request.state`` construirait un objet à chaque requête."""
    return request.scope["state"]["aiguillage"]
