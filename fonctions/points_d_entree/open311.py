"""Aiguillage comme serveur Open311 GeoReport v2, sous ``/api/open311/v2/`` (docs/open311.md).

Chaque adresse existe en ``.json`` et en ``.xml`` :

- ``discovery`` ; ``services`` (une issue qui accepte un signalement = un service, groupé
  par le choix de premier niveau) ; ``services/<code>`` (ses attributs : les questions du
  formulaire, la commune, l'accord pour être contacté) ;
- ``POST requests`` : un signalement, par **le même chemin que le formulaire du site**
  (``signalements.enregistrer_l_envoi`` : vérification, idempotence, enregistrement,
  transmission), avec l'``api_key`` d'un client (``AIGUILLAGE_CLIENT_OPEN311_<NOM>``) ;
- ``GET requests``, ``requests/<id>``, ``tokens/<jeton>`` et ``servicerequestupdates``
  (l'extension de FixMyStreet, en lecture) : la vue publique seulement
  (``open311_catalogue.py``), sans donnée personnelle (``open311_lecture.py``).

Les erreurs sont au format Open311 (``open311_formats.py``), en français. La réception des
mises à jour d'un service (``POST servicerequestupdates.json``) est dans ``mises_a_jour.py``.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fonctions.domaine.modele import Modele
from fonctions.domaine.validation import Erreur, ErreursValidation
from fonctions.points_d_entree import open311_catalogue as catalogue
from fonctions.points_d_entree.doublons import appareil
from fonctions.points_d_entree.open311_formats import (
    FORMATS,
    Refus,
    erreur_open311,
    reponse,
    reponse_erreurs_open311,
)
from fonctions.points_d_entree.open311_lecture import jeton, lister, mises_a_jour, une_demande
from fonctions.points_d_entree.signalements import enregistrer_l_envoi, prochaine_etape
from fonctions.socle.geocodeur import GeocodeurIndisponible
from fonctions.stockage import CleEnCours, CleReutilisee
from fonctions.web.contexte import Contexte, contexte
from fonctions.web.gardes import noter_echec, trop_d_essais
from fonctions.web.idempotence import lire_cle
from fonctions.web.lecture import OCTETS_MAX_CORPS, Envoi, lire_envoi

PREFIXE = "/api/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CIBLE = "open311-client"  # la limite des clés fausses (web/gardes.py)
# Les champs de GeoReport v2 que lit POST requests : du texte seulement (lat et long
# peuvent aussi être des nombres JSON, comme pour le formulaire).
TEXTES = ("api_key", "jurisdiction_id", "service_code", "address_string",
          "address_id", "email", "device_id", "account_id", "first_name", "last_name",
          "phone", "description", "media_url", "idempotency_key")
# Leur nom chez Aiguillage (les erreurs de validation le disent avec le nom d'Open311).
VERS_AIGUILLAGE = {"lat": "latitude", "long": "longitude", "address_string": "adresse",
                   "email": "courriel", "phone": "telephone", "description": "description",
                   "idempotency_key": "idempotency_key"}
NOMS_OPEN311 = {**{v: k for k, v in VERS_AIGUILLAGE.items()}, "lieu": "address_string",
                "noeud": "service_code", "commune": "attribute[commune]",
                "consentement": "attribute[consentement]"}
ATTRIBUT = re.compile(r"attribute\[([^\]]+)\]")
RETRY_AFTER_GEOCODEUR = 60  # secondes, quand le géocodeur ne répond pas


def _par_format(fonction: Callable, format_: str) -> Callable:
    async def point_d_entree(request: Request) -> Response:
        try:
            return await fonction(request, format_)
        except Refus as refus:
            return erreur_open311(refus.statut, refus.description, format_,
                                  entetes=refus.entetes)

    point_d_entree.__name__ = f"{fonction.__name__}_{format_}"
    return point_d_entree


# -- lecture du catalogue ------------------------------------------------------------------

async def discovery(request: Request, format_: str) -> Response:
    ctx = contexte(request)
    modele = ctx.modele.actuel()
    courriels = modele.coordination_courriels
    contact = courriels[0] if courriels else ""
    changeset = modele.empreinte[:16]
    return reponse({
        "changeset": changeset,
        "contact": f"{modele.territoire['nom']} — {contact}".strip(" —"),
        "key_service": (f"Pour envoyer des signalements, demandez une api_key à {contact}."
                        if contact else "Pour envoyer des signalements, demandez une api_key "
                                        "à la coordination du territoire."),
        "endpoints": [{"specification": SPECIFICATION,
                       "url": f"{ctx.reglages.url_publique}{PREFIXE}",
                       "changeset": changeset, "type": "production",
                       "formats": ["application/json", "text/xml"]}],
    }, format_, racine="discovery")


async def services(request: Request, format_: str) -> Response:
    modele = contexte(request).modele.actuel()
    return reponse([catalogue.service(modele, n) for n in catalogue.issues(modele)], format_,
                   "services")


def _issue(modele: Modele, code: str) -> dict[str, Any]:
    noeud = catalogue.issue_de(modele, code)
    if noeud is None:
        raise Refus(404, f"Le service « {code} » n'existe pas : la liste est dans "
                         f"services.json.")
    return noeud


async def definition(request: Request, format_: str) -> Response:
    modele = contexte(request).modele.actuel()
    noeud = _issue(modele, request.path_params["code"])
    return reponse(catalogue.definition(modele, noeud), format_, racine="service_definition")


# -- POST requests -------------------------------------------------------------------------

def _client(ctx: Contexte, cle: str) -> str | None:
    """Le nom du client dont ``cle`` est l'api_key : chaque clé est comparée, en temps
    constant, sans s'arrêter à la première qui va."""
    trouve = None
    for nom, attendue in ctx.reglages.clients_open311.items():
        if hmac.compare_digest(str(attendue).encode(), cle.encode()) and trouve is None:
            trouve = nom
    return trouve


def _sans_accents(texte: str) -> str:
    decompose = unicodedata.normalize("NFD", texte.lower())
    return " ".join(re.sub(r"[^a-z0-9]+", " ", "".join(
        c for c in decompose if not unicodedata.combining(c))).split())


def commune_de_l_adresse(modele: Modele, adresse: str) -> str | None:
    """Le code INSEE de la seule commune du territoire que l'adresse nomme (son nom, ou un
    code postal qui n'est qu'à elle) ; ``None`` si aucune ou plusieurs."""
    texte = f" {_sans_accents(adresse)} "
    communes = modele.territoire["communes"]
    par_nom = {c["insee"] for c in communes if f" {_sans_accents(c['nom'])} " in texte}
    # « Saint-Exemple » nomme aussi « Exemple » : la commune au nom le plus long l'emporte.
    par_nom = {i for i in par_nom if not any(
        i != j and _sans_accents(modele.communes[i]["nom"]) in _sans_accents(
            modele.communes[j]["nom"]) for j in par_nom)}
    if len(par_nom) == 1:
        return par_nom.pop()
    if par_nom:
        return None
    codes = set(re.findall(r"\b\d{5}\b", adresse))
    par_code = {c["insee"] for c in communes if codes & set(c.get("codes_postaux") or [])}
    return par_code.pop() if len(par_code) == 1 else None


def _champs_du_formulaire(modele: Modele, recus: dict[str, Any]) -> dict[str, Any]:
    """Les champs d'une demande Open311 sous les noms du formulaire du site."""
    if recus.get("media_url"):
        raise Refus(400, "media_url n'est pas accepté (Aiguillage ne va pas chercher de "
                         "photo ailleurs) : envoyez la photo en multipart/form-data, champ "
                         "« photos ».")
    code = str(recus.get("service_code") or "")
    if not code:
        raise Refus(400, "service_code manque : choisissez un service de services.json.")
    noeud = catalogue.issue_de(modele, code)
    if noeud is None:
        raise Refus(400, f"service_code : le service « {code} » n'existe pas (la liste est "
                         "dans services.json).")
    champs: dict[str, Any] = {"noeud": noeud["id"]}
    for nom, valeur in recus.items():
        if nom in VERS_AIGUILLAGE:
            champs[VERS_AIGUILLAGE[nom]] = valeur
        elif isinstance(valeur, dict) and nom == "attribute":  # JSON : {"attribute": {…}}
            champs.update({f"attribute[{k}]": v for k, v in valeur.items()})
    attributs = {m.group(1): v for nom, v in {**recus, **champs}.items()
                 if (m := ATTRIBUT.fullmatch(nom))}
    for nom, valeur in attributs.items():
        if nom in (catalogue.ATTRIBUT_COMMUNE, catalogue.ATTRIBUT_CONSENTEMENT):
            champs[nom] = valeur
        else:
            champs[f"question-{nom}"] = valeur
    champs = {k: v for k, v in champs.items() if not ATTRIBUT.fullmatch(k)}
    if not champs.get("commune") and isinstance(champs.get("adresse"), str):
        champs["commune"] = commune_de_l_adresse(modele, champs["adresse"])
    return champs


def _position(champs: dict[str, Any]) -> tuple[float, float] | None:
    """(latitude, longitude) si ``lat`` et ``long`` sont des nombres plausibles, sinon
    ``None`` (la validation du formulaire dira ce qui ne va pas)."""
    try:
        latitude, longitude = float(champs["latitude"]), float(champs["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    return latitude, longitude


async def _commune_de_la_position(ctx: Contexte, modele: Modele, code: str,
                                  champs: dict[str, Any]) -> None:
    """Sans commune (ni attribut, ni address_string) pour un problème dont le service en
    dépend : la commune de ``lat``/``long`` par le géocodeur des réglages, ou un refus."""
    noeud = modele.noeuds[champs["noeud"]]
    if champs.get("commune") or not noeud.get("depend_de_la_commune"):
        return
    position = _position(champs)
    geocodeur = ctx.geocodeur
    if position is not None and geocodeur is not None and geocodeur.actif:
        try:
            insee = await geocodeur.commune(*position)
        except GeocodeurIndisponible:
            raise Refus(503, (
                "Le géocodeur qui trouve la commune d'une position ne répond pas : réessayez "
                "dans une minute, ou donnez le code INSEE dans attribute[commune] (ou le nom "
                "de la commune dans address_string)."),
                entetes={"Retry-After": str(RETRY_AFTER_GEOCODEUR)}) from None
        if insee is not None and insee in modele.communes:
            champs["commune"] = insee
            return
        lieu = (f"est dans la commune de code INSEE {insee[:10]}, qui n'est pas du territoire"
                if insee else "n'est dans aucune commune connue du géocodeur (en mer ?)")
        raise Refus(400, (
            f"lat, long : cette position {lieu}. Vérifiez lat et long, ou donnez le "
            f"code INSEE d'une commune du territoire dans attribute[commune] (voir "
            f"services/{code}.json)."))
    en_developpement = position is not None and geocodeur is not None and not geocodeur.actif
    raise Refus(400, (
        "attribute[commune] : le service qui s'occupe de ce problème change d'une "
        "commune à l'autre. Donnez le code INSEE de la commune dans attribute[commune] "
        "(voir services/" f"{code}.json), écrivez le nom de la commune dans "
        "address_string, ou donnez sa position dans lat et long."
        + (" En développement (AIGUILLAGE_ENVOI_WEB=fichier), Aiguillage n'appelle pas le "
           "géocodeur : la position seule ne suffit pas." if en_developpement else "")))


async def _commune_d_une_demande_rejouee(request: Request, ctx: Contexte, modele: Modele,
                                        champs: dict[str, Any]) -> None:
    """Avant le géocodeur : une demande rejouée (même ``Idempotency-Key``) dont le
    signalement est déjà gardé reprend la commune qu'il a reçue. Son empreinte est alors
    celle du premier envoi, et elle reçoit sa réponse d'origine (``200``) même si le
    géocodeur ne répond plus ; un autre contenu sous la même clé reste refusé."""
    noeud = modele.noeuds[champs["noeud"]]
    if champs.get("commune") or not noeud.get("depend_de_la_commune"):
        return
    cle = lire_cle(request, dict(champs))  # une copie : la clé reste pour l'enregistrement
    if cle is None:
        return
    reference = await run_in_threadpool(ctx.stockage.reference_de_cle, cle)
    document = (await run_in_threadpool(ctx.stockage.lire_signalement, reference)
                if reference else None)
    if document and (document.get("noeud") or {}).get("id") == noeud["id"]:
        champs["commune"] = (document.get("commune") or {}).get("insee") or None


async def creer(request: Request, format_: str) -> Response:
    ctx = contexte(request)
    refus = trop_d_essais(request, html=False, cible=CIBLE)
    if refus is not None:
        return erreur_open311(429, "Trop de clés fausses depuis cette connexion : "
                                   "réessayez plus tard.", format_)
    try:
        envoi = await lire_envoi(request, OCTETS_MAX_CORPS, TEXTES)
    except ErreursValidation as erreurs:
        return _erreurs(erreurs, format_)
    client = _client(ctx, str(envoi.champs.get("api_key") or ""))
    if client is None:
        noter_echec(request, CIBLE)
        return erreur_open311(403, "api_key absente ou inconnue : demandez la vôtre à la "
                                   "coordination (voir discovery.json).", format_)
    modele = ctx.modele.actuel()
    try:
        champs = _champs_du_formulaire(modele, envoi.champs)
        await _commune_d_une_demande_rejouee(request, ctx, modele, champs)
        await _commune_de_la_position(ctx, modele, str(envoi.champs.get("service_code")),
                                      champs)
        formulaire = Envoi(champs=champs, photos=envoi.photos, type=envoi.type)
        resultat = await enregistrer_l_envoi(request, formulaire, modele,
                                             f"open311:{client}\x1f{appareil(request)}",
                                             {"canal": "open311", "client": client})
    except ErreursValidation as erreurs:
        return _erreurs(erreurs, format_)
    except CleEnCours:
        return reponse_erreurs_open311([Erreur(None, (
            "Cette demande est en cours d'enregistrement : réessayez dans quelques "
            "secondes."), 409)], 409, format_, entetes={"Retry-After": "2"})
    except CleReutilisee:
        return erreur_open311(400, "Cette clé d'idempotence a déjà servi pour une autre "
                                   "demande : utilisez-en une nouvelle.", format_)
    signalement = resultat.signalement
    return reponse([{"service_request_id": signalement["reference"],
                     "service_notice": prochaine_etape(signalement), "account_id": None}],
                   format_, "demandes", statut=200 if resultat.rejoue else 201)


def _erreurs(erreurs: ErreursValidation, format_: str) -> Response:
    """422 (un champ à corriger) devient 400, comme le veut GeoReport v2."""
    statut = 400 if erreurs.statut == 422 else erreurs.statut
    return reponse_erreurs_open311(erreurs.erreurs, statut, format_, noms=NOMS_OPEN311)


routes = [
    route
    for format_ in FORMATS
    for route in (
        Route(f"{PREFIXE}/discovery.{format_}", _par_format(discovery, format_), methods=["GET"]),
        Route(f"{PREFIXE}/services.{format_}", _par_format(services, format_), methods=["GET"]),
        Route(f"{PREFIXE}/services/{{code}}.{format_}", _par_format(definition, format_),
              methods=["GET"]),
        Route(f"{PREFIXE}/requests.{format_}", _par_format(lister, format_), methods=["GET"]),
        Route(f"{PREFIXE}/requests.{format_}", _par_format(creer, format_), methods=["POST"]),
        Route(f"{PREFIXE}/requests/{{reference}}.{format_}", _par_format(une_demande, format_),
              methods=["GET"]),
        Route(f"{PREFIXE}/tokens/{{jeton}}.{format_}", _par_format(jeton, format_),
              methods=["GET"]),
        Route(f"{PREFIXE}/servicerequestupdates.{format_}", _par_format(mises_a_jour, format_),
              methods=["GET"]),
    )
]
