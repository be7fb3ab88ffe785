"""Les services qui ont leur propre outil donnent des nouvelles sans page ni lien :

- ``POST /api/webhook/<service>`` : JSON signé comme nos webhooks (``Aiguillage-Signature``,
  HMAC-SHA256 du secret ``AIGUILLAGE_SECRET_MISES_A_JOUR_<ID>``, horodaté, 5 minutes de
  tolérance ; plusieurs ``v1=`` et plusieurs secrets acceptés), voir docs/webhook.md ;
- ``POST /api/open311/v2/servicerequestupdates.{json,xml}`` : la convention « service
  request updates » de GeoReport v2 (FixMyStreet), en formulaire, JSON ou XML,
  ``api_key`` = ``AIGUILLAGE_CLE_OPEN311_<ID>``, ``jurisdiction_id`` = l'identifiant du
  service, voir docs/open311.md ; la traduction des statuts est dans ``domaine/open311.py``.

Un même identifiant de mise à jour (``id``, ``update_id``) reçu deux fois ne change rien.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fonctions.domaine import actions
from fonctions.domaine.suivi import ActionImpossible, Auteur
from fonctions.domaine.validation import Erreur, ErreursValidation
from fonctions.socle import georeport
from fonctions.socle.jetons import reference_valide
from fonctions.transmission import SECRET_DE_DEVELOPPEMENT
from fonctions.transmission.webhook import ENTETE_SIGNATURE, verifier_signature
from fonctions.web.contexte import Contexte, contexte
from fonctions.web.gardes import LONGUEUR_DE_CIBLE, noter_echec, trop_d_essais
from fonctions.web.lecture import lire_corps, lire_envoi, lire_objet_json
from fonctions.web.pages import reponse_erreurs

OCTETS_MAX = 64 * 1024
# Les champs textuels d'une mise à jour (webhook, Open311) : jamais une liste ou un objet.
TEXTES_WEBHOOK = {"statut": "", "reference": "", "message": "", "motif": "", "vers": "",
                  "date_intervention": "AAAA-MM-JJ"}
TEXTES_OPEN311 = ("jurisdiction_id", "api_key", "status", "update_id", "service_request_id",
                  "description", "expected_datetime", "updated_datetime", "aiguillage_service")
def _secret(ctx: Contexte, gestionnaire: str) -> str | None:
    """Le secret (un ou plusieurs, séparés par des espaces) qui vérifie les mises à jour du
    service : ``AIGUILLAGE_SECRET_MISES_A_JOUR_<ID>``, distinct de celui de nos envois."""
    secret = ctx.reglages.secret_mises_a_jour(gestionnaire)
    if secret is None and ctx.reglages.envoi_web == "fichier" and not ctx.reglages.production:
        return SECRET_DE_DEVELOPPEMENT  # la démonstration, comme pour l'envoi (transmission/)
    return secret


async def _appliquer(ctx: Contexte, reference: str, changement, auteur: Auteur):
    document, resultat = await run_in_threadpool(ctx.suivi.changer, reference, changement, auteur)
    ctx.reveil.sonner()
    return document, resultat


async def webhook(request: Request) -> Response:
    gestionnaire = request.path_params["gestionnaire"]
    cible = f"webhook:{gestionnaire}"[:LONGUEUR_DE_CIBLE]
    refus = trop_d_essais(request, html=False, cible=cible)
    if refus is not None:
        return refus
    ctx = contexte(request)
    try:
        corps = await lire_corps(request, OCTETS_MAX)
    except ErreursValidation as erreurs:
        return reponse_erreurs(erreurs.erreurs, erreurs.statut)
    secret = _secret(ctx, gestionnaire) if ctx.modele.actuel().gestionnaire(gestionnaire) else None
    if secret is None or not verifier_signature(
            secret, request.headers.get(ENTETE_SIGNATURE, ""), corps,
            int(ctx.horloge().timestamp())):
        noter_echec(request, cible)
        return reponse_erreurs([Erreur(None, (
            "Signature absente, fausse ou trop ancienne (5 minutes au plus) : voir "
            "docs/webhook.md."))], 401)
    try:
        donnees = lire_objet_json(corps, TEXTES_WEBHOOK)
    except ErreursValidation as erreurs:
        return reponse_erreurs(erreurs.erreurs, erreurs.statut)
    identifiant = donnees.get("id")
    if (not isinstance(identifiant, str | int) or isinstance(identifiant, bool)
            or not all(donnees.get(nom) for nom in ("reference", "statut"))):
        return reponse_erreurs([Erreur(None, (
            "Le corps doit être un objet JSON avec id, reference et statut."))], 422)
    identifiant, reference = str(identifiant), donnees["reference"]
    if not reference_valide(reference) or not 0 < len(identifiant) <= 200:
        return reponse_erreurs([Erreur("reference", "Référence ou identifiant invalide.")], 422)
    changement = actions.mise_a_jour(gestionnaire, identifiant, donnees["statut"],
                                     donnees.get("message"), donnees.get("motif"),
                                     donnees.get("vers"), donnees.get("date_intervention"))
    try:
        document, resultat = await _appliquer(ctx, reference, changement,
                                              Auteur("service", "webhook", gestionnaire))
    except KeyError:
        return reponse_erreurs([Erreur("reference", "Signalement inconnu.")], 404)
    except ActionImpossible as refus:
        return reponse_erreurs([Erreur(None, refus.message, refus.statut)], refus.statut)
    return JSONResponse({"etat": resultat, "reference": reference, "statut": document["etat"]})


def _erreur_open311(statut: int, description: str, format_: str = "json") -> Response:
    return Response(georeport.erreurs(statut, description, format_), status_code=statut,
                    media_type=georeport.TYPES[format_])


async def _lire_mises(request: Request) -> tuple[dict, list[dict]]:
    """(champs communs, mises à jour) : un formulaire ou un objet JSON (une mise à jour),
    ou la forme ``servicerequestupdates`` (liste JSON, ``<service_requests_updates>``) dont la
    clé et la juridiction viennent de l'adresse (``?api_key=…&jurisdiction_id=…``) ou de
    chaque mise à jour."""
    type_ = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if "xml" in type_ or type_ == "application/json":
        corps = await lire_corps(request, OCTETS_MAX)
        try:
            mises = georeport.lire(corps, "xml" if "xml" in type_ else "json")
        except georeport.ErreurGeoReport as erreur:
            raise ErreursValidation([Erreur(None, f"Corps illisible : {erreur}", 400)]) from None
        for mise in mises:
            for nom, valeur in list(mise.items()):
                if isinstance(valeur, bool) or not isinstance(valeur, str | int | float):
                    if valeur is None:
                        del mise[nom]
                        continue
                    raise ErreursValidation([Erreur(nom, f"{nom} doit être un texte.", 422)])
                mise[nom] = str(valeur)
        communs = {k: v for k, v in request.query_params.items()
                   if k in ("api_key", "jurisdiction_id")}
        if not mises:
            raise ErreursValidation([Erreur(None, "Aucune mise à jour dans le corps.", 400)])
        return communs, mises
    champs = (await lire_envoi(request, OCTETS_MAX, TEXTES_OPEN311)).champs
    return {}, [{k: str(v) for k, v in champs.items() if v is not None}]


async def open311(request: Request) -> Response:
    """Une ou plusieurs mises à jour GeoReport (docs/open311.md) ; réponse dans le format de
    l'adresse (``.json`` ou ``.xml``) : ``[{"update_id": "…"}]`` ou l'erreur Open311."""
    format_ = request.url.path.rpartition(".")[2]  # json ou xml : l'adresse de la route
    refus = trop_d_essais(request, html=False)  # l'adresse, avant de lire le corps
    if refus is not None:
        return refus
    ctx = contexte(request)
    nouvelles = ctx.boite_envoi.nouvelles_open311
    try:
        communs, mises = await _lire_mises(request)
    except ErreursValidation as erreurs:
        return _erreur_open311(erreurs.statut, erreurs.erreurs[0].message, format_)
    acceptees = []
    for mise in mises:
        champs = {**communs, **mise}
        gestionnaire = str(champs.get("jurisdiction_id", ""))
        cible = f"open311:{gestionnaire}"[:LONGUEUR_DE_CIBLE]
        refus = trop_d_essais(request, html=False, cible=cible)
        if refus is not None:
            return refus
        if not nouvelles.verifier_cle(gestionnaire, str(champs.get("api_key", ""))):
            noter_echec(request, cible)
            # 403 comme le dit GeoReport v2 pour une clé fausse (401 serait une demande
            # d'authentification HTTP).
            return _erreur_open311(403, "api_key ou jurisdiction_id invalide.", format_)
        issue = await run_in_threadpool(nouvelles.recevoir, gestionnaire, champs)
        if issue.statut != 200:
            return _erreur_open311(issue.statut, issue.description, format_)
        ctx.reveil.sonner()
        acceptees.append({"update_id": str(champs.get("update_id"))})
    return Response(georeport.ecrire(acceptees, format_, "service_request_updates"),
                    media_type=georeport.TYPES[format_])


routes = [
    Route("/api/webhook/{gestionnaire}", webhook, methods=["POST"]),
    *(Route(f"/api/open311/v2/servicerequestupdates.{format_}", open311, methods=["POST"])
      for format_ in georeport.FORMATS),
]
