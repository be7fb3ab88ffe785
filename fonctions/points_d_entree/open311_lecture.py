"""Le serveur Open311 en lecture : ``GET requests``, ``requests/<id>``, ``tokens/<jeton>`` et
``servicerequestupdates`` (l'extension de FixMyStreet), vue publique seulement
(``open311_catalogue.py``) ; filtres, dates W3C et pages (docs/open311.md).

Sans ``service_request_id``, les listes passent par les index par date du stockage
(``Stockage.lister_par_creation``, ``Stockage.lister_evenements``) : une page lit
les signalements qu'elle montre, pas tous ceux qui sont gardés. Chaque adresse de client a
sa limite de listes (``AIGUILLAGE_LIMITE_LISTES_OPEN311``, ``429`` au-delà).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from fonctions.points_d_entree import open311_catalogue as catalogue
from fonctions.points_d_entree.open311_formats import Refus, reponse
from fonctions.socle.jetons import reference_valide
from fonctions.web.contexte import Contexte, contexte
from fonctions.web.gardes import adresse_client
from fonctions.web.limiteur import Limiteur

JOURS_PAR_DEFAUT = 90  # GeoReport v2 : sans dates, les 90 derniers jours
PAGE_MAX, PAGE_PAR_DEFAUT = 1000, 200
STATUTS = ("open", "closed")
LOT_D_EVENEMENTS = 500  # couples (moment, référence) lus à la fois dans l'index


def _liste(request: Request, nom: str) -> list[str]:
    return [v.strip() for valeur in request.query_params.getlist(nom)
            for v in valeur.split(",") if v.strip()]


def _date(request: Request, nom: str) -> datetime | None:
    texte = request.query_params.get(nom, "").strip()
    if not texte:
        return None
    try:
        moment = datetime.fromisoformat(texte.replace(" ", "+"))
        # En UTC : comparer des dates de fuseaux différents aux bornes du calendrier
        # déborderait.
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise Refus(400, f"{nom} : « {texte[:40]} » n'est pas une date W3C "
                         "(exemple : 2025-03-10T09:00:00Z).") from None


def _periode(request: Request, maintenant: datetime) -> tuple[datetime, datetime]:
    debut, fin = _date(request, "start_date"), _date(request, "end_date")
    fin = fin or (maintenant if debut is None else datetime.max.replace(tzinfo=UTC))
    try:
        debut = debut or fin - timedelta(days=JOURS_PAR_DEFAUT)
    except OverflowError:  # end_date en l'an 1
        raise Refus(400, "end_date est trop ancienne.") from None
    if debut > fin:
        raise Refus(400, "start_date est après end_date.")
    return debut, fin


def _page(request: Request) -> tuple[int, int]:
    valeurs = []
    for nom, defaut, maximum in (("page", 1, 10**6), ("page_size", PAGE_PAR_DEFAUT, PAGE_MAX)):
        texte = request.query_params.get(nom, str(defaut)).strip()
        if not texte.isascii() or not texte.isdigit() or not 1 <= int(texte) <= maximum:
            raise Refus(400, f"{nom} doit être un nombre entier de 1 à {maximum}.")
        valeurs.append(int(texte))
    return valeurs[0], valeurs[1]


def _moment(iso: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(iso or "")
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _signalements(ctx: Contexte, references: list[str]) -> list[dict[str, Any]]:
    """Appel bloquant : les signalements nommés qui existent."""
    documents = (ctx.stockage.lire_signalement(r) for r in references if reference_valide(r))
    return [d for d in documents if d is not None]


async def _limiter(request: Request) -> None:
    """``Refus`` 429 quand cette adresse a demandé trop de listes (sinon, la compte)."""
    limiteur = contexte(request).limiteur_listes_open311
    if limiteur is None:
        return
    client = adresse_client(request)
    # Partagé (PostgreSQL), le limiteur interroge la base : pas dans la boucle d'événements.
    attente = (limiteur.attente(client) if isinstance(limiteur, Limiteur)
               else await run_in_threadpool(limiteur.attente, client))
    if attente:
        minutes = max(1, round(attente / 60))
        raise Refus(429, (f"Trop de listes demandées depuis cette connexion : réessayez dans "
                          f"{minutes} minute{'s' if minutes > 1 else ''}."),
                    entetes={"Retry-After": str(math.ceil(attente))})


def _filtres(codes: set[str], statuts: set[str]) -> dict[str, Any]:
    """Les filtres de ``Stockage.lister_par_creation`` pour ``service_code`` et ``status``."""
    filtres: dict[str, Any] = {}
    if codes:
        filtres["noeuds"] = sorted({n for c in codes for n in catalogue.noeuds_du_code(c)})
    if statuts == {"closed"}:
        filtres["etats"] = catalogue.ETATS_FERMES
    elif statuts == {"open"}:
        filtres["sans_etats"] = catalogue.ETATS_FERMES
    return filtres


async def lister(request: Request, format_: str) -> Response:
    ctx = contexte(request)
    await _limiter(request)
    modele = ctx.modele.actuel()
    identifiants = _liste(request, "service_request_id")
    codes, statuts = set(_liste(request, "service_code")), set(_liste(request, "status"))
    if statuts - set(STATUTS):
        raise Refus(400, "status vaut open ou closed (plusieurs : séparés par des virgules).")
    debut, fin = _periode(request, ctx.horloge())
    page, taille = _page(request)
    if not identifiants:
        documents = await run_in_threadpool(
            ctx.stockage.lister_par_creation, debut, fin, taille, (page - 1) * taille,
            **_filtres(codes, statuts))
        return reponse([catalogue.demande_publique(modele, d) for d in documents], format_,
                       "demandes")
    # service_request_id l'emporte sur les autres filtres (GeoReport v2).
    documents = await run_in_threadpool(_signalements, ctx, identifiants)
    demandes = [catalogue.demande_publique(modele, d) for d in documents]
    demandes.sort(key=lambda d: d["requested_datetime"] or "", reverse=True)
    return reponse(demandes[(page - 1) * taille:page * taille], format_, "demandes")


async def une_demande(request: Request, format_: str) -> Response:
    ctx = contexte(request)
    reference = request.path_params["reference"]
    documents = await run_in_threadpool(_signalements, ctx, [reference])
    if not documents:
        raise Refus(404, f"La demande « {reference[:40]} » n'existe pas.")
    return reponse([catalogue.demande_publique(ctx.modele.actuel(), documents[0])], format_,
                   "demandes")


async def jeton(request: Request, format_: str) -> Response:
    """Aiguillage rend toujours l'identifiant tout de suite : le seul jeton connu d'une demande
    est son identifiant même (pour les clients qui passent toujours par ``tokens``)."""
    ctx = contexte(request)
    valeur = request.path_params["jeton"]
    documents = await run_in_threadpool(_signalements, ctx, [valeur])
    if not documents:
        raise Refus(404, f"Le jeton « {valeur[:40]} » est inconnu.")
    return reponse([{"service_request_id": valeur, "token": valeur}], format_, "demandes")


def _ordre(etape: dict[str, Any]) -> tuple[str, str]:
    return etape["updated_datetime"], etape["update_id"]


def _etapes(modele: Any, documents: list[dict[str, Any]], debut: datetime, fin: datetime
            ) -> list[dict[str, Any]]:
    """Les étapes publiques de ces signalements datées de ``debut`` à ``fin`` (une date
    illisible est gardée), dans l'ordre de la liste."""
    etapes = [e for d in documents for e in catalogue.mises_a_jour(modele, d)
              if debut <= (_moment(e["updated_datetime"]) or debut) <= fin]
    etapes.sort(key=_ordre)
    return etapes


def _etapes_par_l_index(ctx: Contexte, modele: Any, debut: datetime, fin: datetime,
                        combien: int) -> list[dict[str, Any]]:
    """Appel bloquant : au moins ``combien`` étapes de la période, dans l'ordre (ou toutes),
    par l'index des événements : un moment après l'autre, seulement les signalements qui
    ont un événement à ce moment-là. Un moment est lu en entier (ses étapes ne sont dans
    l'ordre qu'ensemble) ; chaque signalement n'est lu qu'une fois."""
    lues: dict[str, list[dict[str, Any]]] = {}

    def du_moment(moment: datetime | None, references: list[str]) -> list[dict[str, Any]]:
        for reference in references:
            if reference not in lues:
                document = ctx.stockage.lire_signalement(reference)
                lues[reference] = (catalogue.mises_a_jour(modele, document)
                                   if document is not None else [])
        trouvees = [e for r in references for e in lues[r]
                    if _moment(e["updated_datetime"]) == moment]
        trouvees.sort(key=_ordre)
        return trouvees

    etapes: list[dict[str, Any]] = []
    moment, references, apres = None, [], None
    while True:
        lot = ctx.stockage.lister_evenements(debut, fin, apres, LOT_D_EVENEMENTS)
        for suivant, reference in lot:
            if suivant != moment:
                etapes += du_moment(moment, references)
                if len(etapes) >= combien:
                    return etapes
                moment, references = suivant, []
            references.append(reference)
        if len(lot) < LOT_D_EVENEMENTS:
            return etapes + du_moment(moment, references)
        apres = lot[-1]


async def mises_a_jour(request: Request, format_: str) -> Response:
    ctx = contexte(request)
    await _limiter(request)
    modele = ctx.modele.actuel()
    identifiants = _liste(request, "service_request_id")
    debut, fin = _periode(request, ctx.horloge())
    page, taille = _page(request)
    if identifiants:
        documents = await run_in_threadpool(_signalements, ctx, identifiants)
        etapes = _etapes(modele, documents, debut, fin)
    else:
        etapes = await run_in_threadpool(_etapes_par_l_index, ctx, modele, debut, fin,
                                         page * taille)
    return reponse(etapes[(page - 1) * taille:page * taille], format_, "mises_a_jour")
