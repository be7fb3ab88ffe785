"""Les points d'entrée Web Push : la clé publique, et l'abonnement d'un signalement.

- ``GET /api/push/cle`` : ``{"cle": "<base64url>"}`` pour ``pushManager.subscribe`` ;
- ``POST /api/abonnements`` (en-tête ``Authorization: Jeton <jeton de suivi>``, corps
  ``{"abonnement": PushSubscription.toJSON()}``) : ``201``, ou ``422`` si l'adresse n'est
  pas celle d'un service de push permis ;
- ``DELETE /api/abonnements`` (même en-tête, même corps) : ``204``.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fonctions.domaine.enregistrement import horodatage
from fonctions.domaine.validation import ErreursValidation
from fonctions.points_d_entree.suivi_citoyen import _jeton_de_l_entete, _lire_suivi
from fonctions.push.abonnements import AbonnementRefuse, verifier_abonnement
from fonctions.web.contexte import contexte
from fonctions.web.gardes import cible_du_jeton, noter_echec, trop_d_essais
from fonctions.web.lecture import lire_corps, lire_objet_json

ABONNEMENTS_MAX = 5  # par signalement : quelques appareils, pas plus
OCTETS_MAX = 8 * 1024


def _erreur(statut: int, message: str, champ: str | None = "abonnement") -> JSONResponse:
    return JSONResponse({"erreurs": [{"champ": champ, "message": message}]}, status_code=statut)


async def cle_publique(request: Request) -> Response:
    return JSONResponse({"cle": contexte(request).cles_vapid.publique},
                        headers={"Cache-Control": "public, max-age=3600"})


async def _lire(request: Request) -> tuple[dict | None, dict | Response]:
    ctx = contexte(request)
    jeton = _jeton_de_l_entete(request)
    refus = trop_d_essais(request, html=False, cible=cible_du_jeton(jeton))
    if refus is not None:
        return None, refus
    signalement = await run_in_threadpool(_lire_suivi, ctx, jeton)
    if signalement is None:
        noter_echec(request, cible_du_jeton(jeton))
        return None, _erreur(404, "Ce lien de suivi n'est pas valide : vérifiez qu'il est complet.",
                             "Authorization")
    try:
        donnees = lire_objet_json(await lire_corps(request, OCTETS_MAX))
    except ErreursValidation as refus:
        if refus.statut == 413:
            return None, _erreur(413, "L'abonnement envoyé est trop volumineux.")
        return None, _erreur(422, f"Le corps doit être un objet JSON : {refus.erreurs[0].message}")
    try:
        abonnement = verifier_abonnement(donnees.get("abonnement"),
                                         bancs_d_essai=ctx.reglages.push_bancs_d_essai)
    except AbonnementRefuse as refus:
        return None, _erreur(422, str(refus))
    return signalement, abonnement


async def abonner(request: Request) -> Response:
    ctx = contexte(request)
    signalement, abonnement = await _lire(request)
    if signalement is None:
        return abonnement
    maintenant = horodatage(ctx.horloge())

    def ajouter(document: dict) -> None:
        gardes = [a for a in document.get("abonnements_push", [])
                  if a["endpoint"] != abonnement["endpoint"]]
        document["abonnements_push"] = [*gardes, {**abonnement, "cree_le": maintenant}][-ABONNEMENTS_MAX:]

    await run_in_threadpool(ctx.stockage.modifier_signalement, signalement["reference"], None,
                            None, ajouter)
    return JSONResponse({"message": "Vous serez prévenu·e à chaque étape de ce signalement."},
                        status_code=201)


async def desabonner(request: Request) -> Response:
    ctx = contexte(request)
    signalement, abonnement = await _lire(request)
    if signalement is None:
        return abonnement

    def retirer(document: dict) -> None:
        document["abonnements_push"] = [a for a in document.get("abonnements_push", [])
                                        if a["endpoint"] != abonnement["endpoint"]]

    await run_in_threadpool(ctx.stockage.modifier_signalement, signalement["reference"], None,
                            None, retirer)
    return Response(status_code=204)


routes = [
    Route("/api/push/cle", cle_publique, methods=["GET"]),
    Route("/api/abonnements", abonner, methods=["POST"]),
    Route("/api/abonnements", desabonner, methods=["DELETE"]),
]
