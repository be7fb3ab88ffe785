"""Les photos d'un signalement pour le logiciel d'un service (``media_url`` d'Open311).

``GET /api/photos/<référence>/<nom>?expire=<hex>&signature=<…>`` : l'adresse est signée par
``AIGUILLAGE_CLE_SECRETE`` (référence, nom et date d'expiration, voir ``socle/jetons.py``)
et vaut ``AIGUILLAGE_LIEN_AGENT_JOURS`` jours. Sans signature juste : 403 ; expirée : 410 ;
photo effacée ou inconnue : 404. Rien d'autre du signalement n'est lisible par là.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fonctions.domaine.validation import Erreur
from fonctions.socle.jetons import reference_valide, verifier_photo
from fonctions.web.contexte import contexte
from fonctions.web.gardes import noter_echec, trop_d_essais
from fonctions.web.pages import ENTETES_PRIVES, reponse_erreurs


async def photo(request: Request) -> Response:
    refus = trop_d_essais(request, html=False)
    if refus is not None:
        return refus
    ctx = contexte(request)
    reference, nom = request.path_params["reference"], request.path_params["nom"]
    expire_texte = request.query_params.get("expire", "")
    signature = request.query_params.get("signature", "")
    try:
        expire = int(expire_texte, 16) if 0 < len(expire_texte) <= 12 else None
    except ValueError:
        expire = None
    if (expire is None or not reference_valide(reference) or len(nom) > 40
            or not verifier_photo(str(ctx.reglages.cle_secrete), reference, nom, expire,
                                  signature[:60])):
        noter_echec(request)
        return reponse_erreurs([Erreur(None, "Adresse de photo fausse ou incomplète : "
                                             "utilisez celle reçue avec le signalement.")], 403)
    if expire < ctx.horloge().timestamp():
        return reponse_erreurs([Erreur(None, "Cette adresse de photo a expiré : demandez la "
                                             "photo à la coordination du territoire.")], 410)
    signalement = await run_in_threadpool(ctx.stockage.lire_signalement, reference)
    if signalement is None or nom not in {p["nom"] for p in signalement.get("photos", [])}:
        return reponse_erreurs([Erreur(None, "Cette photo n'existe plus.")], 404)
    try:
        contenu = await run_in_threadpool(ctx.stockage.lire_photo, reference, nom)
    except (FileNotFoundError, KeyError):
        return reponse_erreurs([Erreur(None, "Cette photo n'existe plus.")], 404)
    return Response(contenu, media_type="image/jpeg",
                    headers={**ENTETES_PRIVES, "Cache-Control": "private, max-age=3600"})


routes = [Route("/api/photos/{reference}/{nom}", photo, methods=["GET"])]
