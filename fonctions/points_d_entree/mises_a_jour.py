"""Les services qui ont leur propre outil donnent des nouvelles sans page ni lien :

- ``POST /api/webhook/<service>`` : JSON signé comme nos webhooks (``Aiguillage-Signature``,
  HMAC-SHA256 du secret ``AIGUILLAGE_SECRET_MISES_A_JOUR_<ID>``, horodaté, 5 minutes de
  tolérance ; plusieurs ``v1=`` et plusieurs secrets acceptés), voir docs/webhook.md ;
- ``POST /api/open311/v2/servicerequestupdates.json`` : la convention « service request
  updates » de GeoReport v2 (FixMyStreet), ``api_key`` = ``AIGUILLAGE_CLE_OPEN311_<ID>``,
  ``jurisdiction_id`` = l'identifiant du service, voir docs/open311.md.

Un même identifiant de mise à jour (``id``, ``update_id``) reçu deux fois ne change rien.
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fonctions.domaine import actions
from fonctions.domaine.intervention import jour_d_un_horodatage
from fonctions.domaine.statuts import EN_ATTENTE, attribution_numero
from fonctions.domaine.suivi import ActionImpossible, Auteur
from fonctions.domaine.validation import Erreur, ErreursValidation
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
                  "description", "expected_datetime", "aiguillage_service")
# Statuts GeoReport (convention mySociety) → statut Aiguillage, et motif par défaut.
STATUTS_OPEN311 = {
    "investigating": ("pris_en_charge", None),
    "in_progress": ("en_cours", None),
    "action_scheduled": ("programme", None),
    "planned": ("programme", None),
    "fixed": ("resolu", None),
    "closed": ("clos", "Clos par le service."),
    "no_further_action": ("clos", "Pas d'intervention prévue."),
    "duplicate": ("clos", "Déjà signalé et traité."),
    "not_councils_responsibility": ("pas_de_notre_ressort", "Ce n'est pas de notre compétence."),
    "internal_referral": ("pas_de_notre_ressort", "Transmis à un autre service."),
}


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


def _erreur_open311(statut: int, description: str) -> Response:
    return JSONResponse([{"code": statut, "description": description}], status_code=statut)


def _reference_open311(ctx: Contexte, gestionnaire: str, identifiant: str) -> str | None:
    """Notre référence, ou l'identifiant que l'outil du service nous a rendu à l'envoi."""
    if reference_valide(identifiant):
        return identifiant
    for entree in ctx.stockage.lister_ouvertes():
        if (entree["gestionnaire"] == gestionnaire
                and entree.get("service_request_id") == identifiant):
            return entree["reference"]
    return None


async def open311(request: Request) -> Response:
    refus = trop_d_essais(request, html=False)  # l'adresse, avant de lire le corps
    if refus is not None:
        return refus
    ctx = contexte(request)
    try:
        champs = (await lire_envoi(request, OCTETS_MAX, TEXTES_OPEN311)).champs
    except ErreursValidation as erreurs:
        return _erreur_open311(erreurs.statut, erreurs.erreurs[0].message)
    gestionnaire = str(champs.get("jurisdiction_id", ""))
    cible = f"open311:{gestionnaire}"[:LONGUEUR_DE_CIBLE]
    refus = trop_d_essais(request, html=False, cible=cible)
    if refus is not None:
        return refus
    cle = ctx.reglages.cle_open311(gestionnaire) if ctx.modele.actuel().gestionnaire(
        gestionnaire) else None
    if cle is None or not hmac.compare_digest(cle.encode(), str(champs.get("api_key", "")).encode()):
        noter_echec(request, cible)
        return _erreur_open311(401, "api_key ou jurisdiction_id invalide.")
    status = str(champs.get("status", "")).lower()
    update_id = str(champs.get("update_id", ""))
    if status not in (*STATUTS_OPEN311, "open") or not 0 < len(update_id) <= 200:
        return _erreur_open311(400, "status ou update_id invalide (voir docs/open311.md).")
    reference = await run_in_threadpool(_reference_open311, ctx, gestionnaire,
                                        str(champs.get("service_request_id", "")))
    if reference is None:
        return _erreur_open311(404, "service_request_id inconnu.")
    description = str(champs.get("description") or "") or None
    if status == "open":
        signalement = ctx.stockage.lire_signalement(reference) or {}
        siennes = [a for a in signalement.get("attributions", [])
                   if a["gestionnaire"] == gestionnaire]
        attente = siennes and attribution_numero(signalement, siennes[-1]["numero"])[
            "statut"] in (*EN_ATTENTE, "a_transmettre")
        statut, motif = ("pris_en_charge" if attente else "message"), None
    else:
        statut, motif = STATUTS_OPEN311[status]
        motif = description if motif and description else motif
    attendu = str(champs.get("expected_datetime") or "").strip()
    changement = actions.mise_a_jour(
        gestionnaire, update_id, statut, description if statut != "clos" else None, motif,
        str(champs.get("aiguillage_service") or "") or None,
        jour_d_un_horodatage(attendu) if attendu and statut == "programme" else None)
    try:
        await _appliquer(ctx, reference, changement, Auteur("service", "open311", gestionnaire))
    except KeyError:
        return _erreur_open311(404, "service_request_id inconnu.")
    except ActionImpossible as refus:
        return _erreur_open311(refus.statut, refus.message)
    return JSONResponse([{"update_id": update_id}])


routes = [
    Route("/api/webhook/{gestionnaire}", webhook, methods=["POST"]),
    Route("/api/open311/v2/servicerequestupdates.json", open311, methods=["POST"]),
]
