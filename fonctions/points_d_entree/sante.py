"""``GET /api/sante`` : le serveur répond et son modèle est chargé (sonde de disponibilité)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from fonctions.web.contexte import contexte


async def sante(request: Request) -> JSONResponse:
    modele = contexte(request).modele.actuel()
    return JSONResponse({"etat": "ok", "modele": modele.empreinte})


routes = [Route("/api/sante", sante, methods=["GET"])]
