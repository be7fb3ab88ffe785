"""Le serveur Open311 en lecture : ``GET requests``, ``requests/<id>``, ``tokens/<jeton>`` et
``servicerequestupdates`` (l'extension de FixMyStreet), vue publique seulement
(``open311_catalogue.py``) ; filtres, dates W3C et pages (docs/open311.md).

Sans ``service_request_id``, la liste lit chaque signalement gardé
(``Stockage.lister_references``) : pas encore d'index des vues publiques.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from fonctions.points_d_entree import open311_catalogue as catalogue
from fonctions.points_d_entree.open311_formats import Refus, reponse
from fonctions.socle.jetons import reference_valide
from fonctions.web.contexte import Contexte, contexte

JOURS_PAR_DEFAUT = 90  # GeoReport v2 : sans dates, les 90 derniers jours
PAGE_MAX, PAGE_PAR_DEFAUT = 1000, 200
STATUTS = ("open", "closed")


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


def _signalements(ctx: Contexte, references: list[str] | None) -> list[dict[str, Any]]:
    """Appel bloquant : les signalements nommés, ou tous (voir docs/open311.md, le coût)."""
    if references is None:
        references = ctx.stockage.lister_references()
    documents = (ctx.stockage.lire_signalement(r) for r in references if reference_valide(r))
    return [d for d in documents if d is not None]


async def lister(request: Request, format_: str) -> Response:
    ctx = contexte(request)
    modele = ctx.modele.actuel()
    identifiants = _liste(request, "service_request_id")
    codes, statuts = set(_liste(request, "service_code")), set(_liste(request, "status"))
    if statuts - set(STATUTS):
        raise Refus(400, "status vaut open ou closed (plusieurs : séparés par des virgules).")
    debut, fin = _periode(request, ctx.horloge())
    page, taille = _page(request)
    documents = await run_in_threadpool(_signalements, ctx, identifiants or None)
    demandes = [catalogue.demande_publique(modele, d) for d in documents]
    if not identifiants:  # service_request_id l'emporte sur les autres filtres (GeoReport v2)
        demandes = [d for d in demandes
                    if (not codes or d["service_code"] in codes)
                    and (not statuts or d["status"] in statuts)
                    and debut <= (_moment(d["requested_datetime"]) or debut) <= fin]
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


async def mises_a_jour(request: Request, format_: str) -> Response:
    ctx = contexte(request)
    modele = ctx.modele.actuel()
    identifiants = _liste(request, "service_request_id")
    debut, fin = _periode(request, ctx.horloge())
    page, taille = _page(request)
    documents = await run_in_threadpool(_signalements, ctx, identifiants or None)
    etapes = [e for d in documents for e in catalogue.mises_a_jour(modele, d)
              if debut <= (_moment(e["updated_datetime"]) or debut) <= fin]
    etapes.sort(key=lambda e: (e["updated_datetime"], e["update_id"]))
    return reponse(etapes[(page - 1) * taille:page * taille], format_, "mises_a_jour")
