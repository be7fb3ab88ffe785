"""En-têtes de sécurité ajoutés à toutes les réponses ; pas de cache pour l'API.

L'API et la page de suivi (``/suivi/``, dont le jeton est dans le fragment) ne sont jamais
indexées et n'envoient pas de Referer. En production, c'est Netlify qui sert ``/suivi/`` :
ses en-têtes sont alors à poser dans ``netlify.toml`` (la page les répète en ``<meta>``).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGES_PRIVEES = ("/suivi/", "/suivi/index.html")


class EntetesDeSecurite:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")
        suivi = scope["path"].startswith(PAGES_PRIVEES)

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                entetes = MutableHeaders(scope=message)
                entetes.setdefault("X-Content-Type-Options", "nosniff")
                if api:
                    # Les réponses de l'API portent des jetons : ni cache, ni Referer.
                    entetes.setdefault("Cache-Control", "no-store")
                if api or suivi:
                    entetes.setdefault("Referrer-Policy", "no-referrer")
                    entetes.setdefault("X-Robots-Tag", "noindex")
            await send(message)

        await self.app(scope, receive, envoyer)
