"""La fabrique : ``creer_app`` compose l'application à partir de listes de routes.

Tous les effets de bord (stockage, expéditeur de courriels, client HTTP, horloge, modèle)
entrent par ici, une fois, dans le lifespan ; un test passe les siens en paramètres.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from fonctions import (
    agent,
    coordination,
    mises_a_jour,
    openapi,
    purge,
    recherche,
    recherches_vides,
    sante,
    signalements,
    suivi_citoyen,
)
from fonctions.boite_envoi import BoiteEnvoi
from fonctions.client_http import ClientHTTP, ClientHTTPFichier, ClientHTTPReel
from fonctions.contexte import Contexte, Horloge, Reveil, horloge_systeme
from fonctions.courriels import Expediteur, creer_expediteur
from fonctions.entetes import EntetesDeSecurite, entetes_introuvables
from fonctions.limiteur import Limiteur, LimiteurDeJetons
from fonctions.modele import SourceModele
from fonctions.notification import Notificateur
from fonctions.pages import gabarits_introuvables, page, reponse_erreurs
from fonctions.push import routes as push_routes
from fonctions.push.canal import CanalCitoyen
from fonctions.push.cles import charger_cles
from fonctions.push.envoi import EnvoyeurPush
from fonctions.push.notificateur import NotificateurCitoyen
from fonctions.reglages import ErreurReglages, Reglages, verifier_pour_le_modele
from fonctions.relances import Relances
from fonctions.stockage import Stockage
from fonctions.stockage.ouverture import ouvrir_stockage
from fonctions.suivi import Suivi
from fonctions.transmission import creer_canaux
from fonctions.transmission.courriel import CanalAlerte
from fonctions.validation import Erreur, ErreursValidation

journal = logging.getLogger("aiguillage")


def contact_vapid(reglages: Reglages) -> str:
    """Le « sub » VAPID : l'adresse publique en https, sinon l'adresse d'expédition."""
    if reglages.url_publique.startswith("https://"):
        return reglages.url_publique
    return f"mailto:{reglages.expediteur}"


def construire_contexte(
    reglages: Reglages,
    *,
    stockage: Stockage | None = None,
    expediteur: Expediteur | None = None,
    client_http: ClientHTTP | None = None,
    horloge: Horloge | None = None,
    modele: SourceModele | None = None,
    notificateur: Notificateur | None = None,
) -> tuple[Contexte, Callable[[], None]]:
    """Le contexte complet et de quoi fermer ce qui a été ouvert ici (pas ce qui est passé)."""
    manque = gabarits_introuvables() or entetes_introuvables()
    if manque:
        raise ErreurReglages([manque])
    source = modele or SourceModele(reglages.modele)
    problemes = verifier_pour_le_modele(reglages, source.actuel())
    if problemes and reglages.production:
        raise ErreurReglages(problemes)
    for probleme in problemes:
        journal.warning("%s (accepté en développement)", probleme)
    # PostgreSQL si AIGUILLAGE_BASE_URL le nomme, sinon TinyDB et son journal.
    stock = stockage or ouvrir_stockage(
        reglages.donnees, str(reglages.base_url) if reglages.base_url else None)
    expediteur = expediteur or creer_expediteur(
        str(reglages.smtp_url) if reglages.smtp_url else None, reglages.donnees)
    client = client_http or (ClientHTTPReel() if reglages.envoi_web == "reel"
                             else ClientHTTPFichier(reglages.donnees / "sortants"))
    horloge = horloge or horloge_systeme
    alerte = CanalAlerte(expediteur, reglages.expediteur,
                         lambda: source.actuel().coordination_courriels)
    reveil = Reveil()
    cles_vapid = charger_cles(str(reglages.vapid_cle_privee) if reglages.vapid_cle_privee else None,
                              reglages.donnees)
    notificateur = notificateur or NotificateurCitoyen(
        stock, horloge, reglages.url_publique, str(reglages.cle_secrete), reveil.sonner)
    suivi = Suivi(stock, source, horloge, notificateur, reglages)
    canaux = creer_canaux(reglages, expediteur, client, horloge)
    canaux["notification"] = CanalCitoyen(
        EnvoyeurPush(cles_vapid, contact_vapid(reglages)), expediteur, reglages.expediteur)
    boite = BoiteEnvoi(stock, source, canaux, alerte,
                       reglages=reglages, suivi=suivi, horloge=horloge)
    boite.relances = Relances(stock, suivi, horloge, reglages)
    boite.purge_des_recherches = functools.partial(recherches_vides.purger, stock, horloge)
    boite.purge_des_donnees = lambda: purge.purger(stock, suivi, reglages, horloge())
    # Sur PostgreSQL, les limites sont comptées dans la base, pour tous les processus.
    partage = getattr(stock, "limiteur", None)

    def fabrique(espace: str, nombre: int, periode: float) -> Limiteur:
        return partage(espace, nombre, periode) if partage else Limiteur(nombre, periode)

    limiteur = fabrique("signalements", *reglages.limite_debit) if reglages.limite_debit else None
    limiteur_jetons = (LimiteurDeJetons(*reglages.limite_jetons, fabrique=fabrique)
                       if reglages.limite_jetons else None)
    limiteur_recherches = (fabrique("recherches", *reglages.limite_recherches)
                           if reglages.limite_recherches else None)
    contexte = Contexte(reglages, source, stock, horloge, limiteur, reveil, boite, suivi,
                        boite.relances, notificateur, limiteur_jetons, expediteur, cles_vapid,
                        limiteur_recherches)

    def fermer() -> None:
        if client_http is None:
            client.fermer()
        if stockage is None:
            stock.fermer()

    return contexte, fermer


async def introuvable(request: Request, exc: Exception) -> Response:
    if request.url.path.startswith("/api/"):
        return reponse_erreurs([Erreur(None, "Cette adresse n'existe pas.")], 404)
    return page(request, "message.html", 404, titre="Page introuvable",
                message="Cette page n'existe pas (ou plus).")


async def methode_refusee(request: Request, exc: Exception) -> Response:
    return reponse_erreurs([Erreur(None, f"La méthode {request.method} n'est pas permise ici.")],
                           405)


async def erreur_interne(request: Request, exc: Exception) -> Response:
    return reponse_erreurs([Erreur(None, (
        "Une erreur inattendue s'est produite ; rien n'a été perdu de ce qui a été confirmé. "
        "Réessayez dans un instant."))], 500)


async def envoi_refuse(request: Request, exc: Exception) -> Response:
    """Un corps refusé par ``lecture.py`` qu'une route n'a pas rendu elle-même : la réponse
    4xx en français (une page pour un navigateur), jamais une erreur 500."""
    assert isinstance(exc, ErreursValidation)
    if "text/html" in request.headers.get("accept", ""):
        return page(request, "message.html", exc.statut, titre="Envoi refusé",
                    message=" ".join(e.message for e in exc.erreurs))
    return reponse_erreurs(exc.erreurs, exc.statut)


async def api_introuvable(request: Request) -> Response:
    """Toute adresse ``/api/…`` sans route : 405 si elle existe pour une autre méthode, sinon
    404 — en JSON, même quand le site (et sa page 404) est servi à la racine."""
    for route in request.app.routes:
        if route.matches(request.scope)[0] == Match.PARTIAL:
            raise HTTPException(405)
    raise HTTPException(404)


def creer_app(
    reglages: Reglages,
    *,
    stockage: Stockage | None = None,
    expediteur: Expediteur | None = None,
    client_http: ClientHTTP | None = None,
    horloge: Horloge | None = None,
    modele: SourceModele | None = None,
    notificateur: Notificateur | None = None,
    routes_supplementaires: Sequence[BaseRoute] = (),
) -> Starlette:
    @asynccontextmanager
    async def lifespan(app: Starlette):
        contexte, fermer = construire_contexte(
            reglages, stockage=stockage, expediteur=expediteur, client_http=client_http,
            horloge=horloge, modele=modele, notificateur=notificateur)
        try:
            async with anyio.create_task_group() as groupe:
                if reglages.envoi_integre:
                    groupe.start_soon(contexte.boite_envoi.boucle, contexte.reveil,
                                      reglages.envoi_intervalle)
                yield {"aiguillage": contexte}
                groupe.cancel_scope.cancel()
        finally:
            fermer()

    routes = [
        *signalements.routes,
        *suivi_citoyen.routes,
        *agent.routes,
        *coordination.routes,
        *recherches_vides.routes,
        *mises_a_jour.routes,
        *push_routes.routes,
        *recherche.routes,
        *sante.routes,
        *openapi.routes,
        Route("/api/{reste:path}", api_introuvable),
        *routes_supplementaires,
    ]
    # L'adresse du client (limites de débit et de jetons faux) : celle de la connexion, ou
    # celle que dit X-Forwarded-For quand la connexion vient d'un mandataire nommé par
    # AIGUILLAGE_PROXIES ; par défaut, aucun n'est cru.
    mandataires = ([Middleware(ProxyHeadersMiddleware, trusted_hosts=list(reglages.proxies))]
                   if reglages.proxies else [])
    return Starlette(
        routes=routes,
        middleware=[*mandataires, Middleware(EntetesDeSecurite)],
        exception_handlers={404: introuvable, 405: methode_refusee, 500: erreur_interne,
                            ErreursValidation: envoi_refuse},
        lifespan=lifespan,
    )
