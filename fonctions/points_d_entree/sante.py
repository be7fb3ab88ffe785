"""``GET /api/sante`` : le serveur répond, son modèle est chargé et, sur PostgreSQL, la base
répond à un ``SELECT 1`` borné dans le temps (sonde de disponibilité d'un répartiteur de
charge, voir ``docs/production.md``). Sinon 503, en français : le répartiteur retire ce
processus, et le remet quand la base revient."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from fonctions.domaine.validation import Erreur
from fonctions.web.contexte import contexte
from fonctions.web.pages import reponse_erreurs

DELAI_DE_LA_BASE = 2.0  # secondes au plus pour la réponse de la base


async def sante(request: Request) -> Response:
    ctx = contexte(request)
    modele = ctx.modele.actuel()
    verifier_la_base = getattr(ctx.stockage, "verifier_la_base", None)
    if verifier_la_base is not None:
        probleme = await verifier_la_base(DELAI_DE_LA_BASE)
        if probleme is not None:
            message = (f"Service indisponible : {probleme}. Les signalements ne peuvent pas "
                       "être enregistrés pour l'instant : réessayez dans quelques minutes.")
            return reponse_erreurs([Erreur(None, message, 503)], 503,
                                   entetes={"Retry-After": "30"})
        return JSONResponse({"etat": "ok", "modele": modele.empreinte, "base": "ok"})
    return JSONResponse({"etat": "ok", "modele": modele.empreinte})


routes = [Route("/api/sante", sante, methods=["GET"])]
