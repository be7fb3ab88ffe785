"""En-têtes de sécurité ajoutés à toutes les réponses ; pas de cache pour l'API."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class EntetesDeSecurite:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/")

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                entetes = MutableHeaders(scope=message)
                entetes.setdefault("X-Content-Type-Options", "nosniff")
                if api:
                    # Les réponses de l'API portent des jetons : ni cache, ni Referer.
                    entetes.setdefault("Cache-Control", "no-store")
                    entetes.setdefault("Referrer-Policy", "no-referrer")
            await send(message)

        await self.app(scope, receive, envoyer)
