"""Un hôte comme Netlify, pour les tests : il sert le site construit et applique son fichier
`_redirects` (écrit par la construction avec AIGUILLAGE_FONCTIONS_URL).

Il suit les règles que Netlify documente pour une règle de relais (« rewrite » vers une
autre origine, statut 200) : `/api/*` correspond à tout chemin qui commence par `/api/`,
`:splat` reçoit ce que l'étoile a pris, la chaîne de requête est transmise telle quelle, la
méthode et le corps aussi ; le navigateur reste sur l'origine du site, et les en-têtes
`[[headers]]` du site ne s'appliquent pas à la réponse relayée. L'hôte des fonctions
nommé dans `_redirects` (une adresse https publique) est remplacé par celle du serveur de
test, comme le ferait la résolution DNS.

    python relais_netlify.py <dossier du site> <port> <hôte des fonctions> <url locale>
"""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

# Ce qu'un mandataire ne transmet pas (en-têtes « hop-by-hop » de la RFC 9110, et la longueur
# que le serveur recalcule).
SAUTES = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
          "proxy-authorization", "proxy-authenticate", "host", "content-length"}


def lire_regles(site: Path) -> list[tuple[str, str]]:
    """Les règles de relais (statut 200) de `_redirects` : [(origine, destination)]."""
    regles = []
    for ligne in (site / "_redirects").read_text(encoding="utf-8").splitlines():
        morceaux = ligne.split()
        if len(morceaux) >= 3 and morceaux[2].rstrip("!") == "200":
            regles.append((morceaux[0], morceaux[1]))
    return regles


def application(site: Path, hote_public: str, hote_local: str) -> Starlette:
    regles = lire_regles(site)
    client = httpx.AsyncClient(timeout=26)  # Netlify coupe un relais au bout de 26 s

    async def relayer(request: Request) -> Response:
        for origine, destination in regles:
            prefixe = origine.removesuffix("*")
            if request.url.path.startswith(prefixe):
                cible = destination.replace(":splat", request.url.path[len(prefixe):])
                cible = cible.replace(hote_public, hote_local, 1)
                if request.url.query:
                    cible += "?" + request.url.query
                break
        else:
            return Response("Introuvable", status_code=404)
        entetes = {k: v for k, v in request.headers.items() if k.lower() not in SAUTES}
        entetes["x-forwarded-for"] = request.client.host if request.client else ""
        reponse = await client.request(request.method, cible, headers=entetes,
                                       content=await request.body())
        return Response(reponse.content, status_code=reponse.status_code, headers={
            k: v for k, v in reponse.headers.items() if k.lower() not in SAUTES | {"content-encoding"}})

    return Starlette(routes=[
        Route("/api/{reste:path}", relayer, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
        Mount("/", app=StaticFiles(directory=site, html=True)),
    ])


if __name__ == "__main__":
    dossier, port, public, local = sys.argv[1:5]
    uvicorn.run(application(Path(dossier), public, local), host="127.0.0.1", port=int(port),
                log_level="warning")
