"""Le produit entier sur une seule origine : le site construit et les fonctions (``/api/…``).

C'est ce que font Netlify et son proxy en production ; ici, ``make demo`` le fait seul :
le dossier du site est servi avec des adresses propres (``/voirie/`` → ``voirie/index.html``,
``/voirie`` → redirection vers ``/voirie/``).
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from fonctions.app import creer_app
from fonctions.pages import page
from fonctions.reglages import Reglages, lire_reglages


async def site_absent(request: Request) -> Response:
    return page("message.html", 503, titre="Le site n'est pas encore construit",
                message="Construisez-le avec « make construire », puis rechargez la page.")


def routes_du_site(dossier: Path | None) -> list[BaseRoute]:
    if dossier is None:
        return []
    if not Path(dossier).is_dir():
        return [Route("/{chemin:path}", site_absent)]
    return [Mount("/", app=StaticFiles(directory=dossier, html=True), name="site")]


def creer_serveur(reglages: Reglages | None = None) -> Starlette:
    """Pour uvicorn : ``uvicorn --factory fonctions.serveur:creer_serveur``."""
    reglages = reglages or lire_reglages(os.environ)
    return creer_app(reglages, routes_supplementaires=routes_du_site(reglages.site))
