"""La racine de composition : ``creer_app`` compose l'application à partir de listes de
routes, ``creer_serveur`` y ajoute le site construit (le produit entier sur une seule origine).

Tous les effets de bord (stockage, expéditeur de courriels, client HTTP, horloge, modèle)
entrent par ici, une fois, dans le lifespan ; un test passe les siens en paramètres. Ce
module importe tous les autres et aucun ne l'importe (seul ``__main__`` le lance) : les
points d'entrée reçoivent ce qu'il construit par le contexte (``web/contexte.py``).

Le site et les fonctions sur une même origine, c'est ce que font Netlify et son proxy en
production ; ici, ``make demo`` le fait seul : le dossier du site est servi avec des adresses
propres (``/voirie/`` → ``voirie/index.html``, ``/voirie`` → redirection vers ``/voirie/``).
"""

from __future__ import annotations

import functools
import gc
import logging
import os
from collections.abc import Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from fonctions.domaine import purge
from fonctions.domaine.modele import SourceModele
from fonctions.domaine.notification import Notificateur
from fonctions.domaine.photos import regler_l_allocateur
from fonctions.domaine.relances import Relances
from fonctions.domaine.suivi import Suivi
from fonctions.domaine.validation import Erreur, ErreursValidation
from fonctions.points_d_entree import (
    agent,
    coordination,
    mises_a_jour,
    open311,
    openapi,
    photos_signees,
    recherche,
    recherches_vides,
    sante,
    signalements,
    suivi_citoyen,
)
from fonctions.points_d_entree import push as push_routes
from fonctions.points_d_entree.open311_formats import erreur_open311
from fonctions.push.canal import CanalCitoyen
from fonctions.push.cles import charger_cles
from fonctions.push.envoi import EnvoyeurPush
from fonctions.push.notificateur import NotificateurCitoyen
from fonctions.socle.client_http import ClientHTTP, ClientHTTPFichier, ClientHTTPReel
from fonctions.socle.courriels import Expediteur, creer_expediteur
from fonctions.socle.geocodeur import DELAI_MAX, Geocodeur
from fonctions.socle.horloge import Horloge, Reveil, horloge_systeme
from fonctions.socle.reglages import ErreurReglages, Reglages, lire_reglages, verifier_pour_le_modele
from fonctions.stockage import Stockage
from fonctions.stockage.ouverture import ouvrir_stockage
from fonctions.transmission import creer_canaux
from fonctions.transmission.boite_envoi import BoiteEnvoi
from fonctions.transmission.courriel import CanalAlerte
from fonctions.transmission.nouvelles_open311 import NouvellesOpen311
from fonctions.web.contexte import Contexte
from fonctions.web.entetes import EntetesDeSecurite, entetes_introuvables
from fonctions.web.journal_d_acces import proteger_le_journal_d_acces, proteger_les_journaux
from fonctions.web.limiteur import Limiteur, LimiteurDeJetons
from fonctions.web.pages import gabarits_introuvables, page, reponse_erreurs

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
    client = client_http or (ClientHTTPReel(delai=reglages.delai_http) if reglages.envoi_web == "reel"
                             else ClientHTTPFichier(reglages.donnees / "sortants"))
    # Le géocodeur (la commune d'une position, en Open311) : un client à lui, au délai court ;
    # aucun en développement (rien ne quitte la machine, socle/geocodeur.py).
    client_geocodeur = (ClientHTTPReel(delai=min(DELAI_MAX, reglages.delai_http))
                        if reglages.envoi_web == "reel" else None)
    geocodeur = Geocodeur(client_geocodeur, reglages.geocodeur_url)
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
    boite.nouvelles_open311 = NouvellesOpen311(stock, suivi, source, reglages, client, horloge,
                                               canaux["open311"])
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
    limiteur_listes = (fabrique("listes-open311", *reglages.limite_listes_open311)
                       if reglages.limite_listes_open311 else None)
    contexte = Contexte(reglages, source, stock, horloge, limiteur, reveil, boite, suivi,
                        boite.relances, notificateur, limiteur_jetons, expediteur, cles_vapid,
                        limiteur_recherches, geocodeur, limiteur_listes)

    def fermer() -> None:
        if client_geocodeur is not None:
            client_geocodeur.fermer()
        if client_http is None:
            client.fermer()
        if stockage is None:
            stock.fermer()

    return contexte, fermer


def _format_open311(request: Request) -> str | None:
    """``json`` ou ``xml`` pour une adresse sous ``/api/open311/v2/`` (XML si elle finit par
    ``.xml``), ``None`` ailleurs : ses erreurs sont au format d'Open311."""
    chemin = request.url.path
    if not chemin.startswith(f"{open311.PREFIXE}/"):
        return None
    return "xml" if chemin.endswith(".xml") else "json"


async def introuvable(request: Request, exc: Exception) -> Response:
    format_open311 = _format_open311(request)
    if format_open311:
        return erreur_open311(404, "Cette adresse n'existe pas dans l'API Open311 : les "
                                   "adresses sont dans discovery.json et docs/open311.md "
                                   "(chacune en .json ou en .xml).", format_open311)
    if request.url.path.startswith("/api/"):
        return reponse_erreurs([Erreur(None, "Cette adresse n'existe pas.")], 404)
    return page(request, "message.html", 404, titre="Page introuvable",
                message="Cette page n'existe pas (ou plus).")


async def methode_refusee(request: Request, exc: Exception) -> Response:
    format_open311 = _format_open311(request)
    if format_open311:
        return erreur_open311(405, f"La méthode {request.method} n'est pas permise ici.",
                              format_open311)
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
            # Les connexions asynchrones sont celles de cette boucle (PostgreSQL) : fermées
            # avec elle, que le stockage soit le nôtre ou passé par un test.
            fermer_asynchrone = getattr(contexte.stockage, "fermer_asynchrone", None)
            if fermer_asynchrone is not None:
                await fermer_asynchrone()
            fermer()

    routes = [
        *signalements.routes,
        *suivi_citoyen.routes,
        *agent.routes,
        *coordination.routes,
        *recherches_vides.routes,
        *mises_a_jour.routes,
        *photos_signees.routes,
        *open311.routes,
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


async def site_absent(request: Request) -> Response:
    return page(request, "message.html", 503, titre="Le site n'est pas encore construit",
                message="Construisez-le avec « make construire », puis rechargez la page.")


def routes_du_site(dossier: Path | None) -> list[BaseRoute]:
    if dossier is None:
        return []
    if not Path(dossier).is_dir():
        return [Route("/{chemin:path}", site_absent)]
    return [Mount("/", app=StaticFiles(directory=dossier, html=True), name="site")]


# Objets alloués (moins ceux libérés) entre deux passages du ramasse-miettes sur les objets
# jeunes : 700 par défaut, soit un passage toutes les quelques requêtes.
SEUIL_DU_RAMASSE_MIETTES = 20_000


def regler_le_ramasse_miettes() -> None:
    """Pour un processus qui sert des requêtes, une fois l'application construite.

    Ce qui existe à ce moment (modules, modèle, application) vit aussi longtemps que le
    processus : ``gc.freeze`` le sort des passages complets, qui ne parcourent plus que ce
    que les requêtes ont créé depuis. Et chaque requête crée quelques centaines de petits
    objets (un signalement est un document de dictionnaires) presque tous libérés dès la
    réponse, par leur compteur de références : un passage sur les objets jeunes toutes les
    700 allocations ne trouve presque rien et prend du temps à chaque requête. Mesuré avec
    ``bench/fonctions.py`` : environ 10 % de débit en plus, pour les signalements comme
    pour le point d'entrée nu (docs/performance.md). Les cycles restent collectés, plus
    rarement."""
    gc.collect()
    gc.freeze()
    _, seuil_1, seuil_2 = gc.get_threshold()
    gc.set_threshold(SEUIL_DU_RAMASSE_MIETTES, seuil_1, seuil_2)


def creer_serveur(reglages: Reglages | None = None) -> Starlette:
    reglages = reglages or lire_reglages(os.environ)
    return creer_app(reglages, routes_supplementaires=routes_du_site(reglages.site))


def application() -> Starlette:
    """Pour uvicorn : ``uvicorn --factory --no-proxy-headers fonctions.app:application``
    (le serveur de ``python -m fonctions servir``, réglé pour un processus qui ne fait que
    servir). ``--no-proxy-headers`` : l'application lit elle-même ``X-Forwarded-For``, des
    seuls mandataires de ``AIGUILLAGE_PROXIES`` ; uvicorn le croirait de 127.0.0.1."""
    app = creer_serveur()
    regler_le_ramasse_miettes()
    regler_l_allocateur()
    proteger_les_journaux()
    proteger_le_journal_d_acces()
    return app
