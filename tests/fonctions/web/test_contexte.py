from __future__ import annotations

from aides_fonctions import TestClient
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from fonctions.app import creer_app
from fonctions.web.contexte import Contexte, contexte


def test_chaque_requete_lit_le_contexte_pose_par_le_lifespan(reglages):
    vus: list[Contexte] = []

    async def regarder(request: Request) -> PlainTextResponse:
        vus.append(contexte(request))
        return PlainTextResponse("vu")

    app = creer_app(reglages, routes_supplementaires=[Route("/regarder", regarder)])
    with TestClient(app) as client:
        assert client.get("/regarder").text == "vu"
        assert client.get("/regarder").text == "vu"
    # Le même objet pour toutes les requêtes : celui que le lifespan a construit une fois.
    assert len(vus) == 2 and vus[0] is vus[1]
    assert vus[0].reglages == reglages
