"""Les réponses lisibles par un humain : pages HTML en français et réponses d'erreur.

Les gabarits (``fonctions/gabarits/``) échappent tout ce qui est inséré dans du HTML
(``autoescape``) : un texte écrit par un citoyen reste du texte, partout où il est
montré de nouveau.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from arbre.francais import a_la_commune, a_service, de_service
from fonctions.lecture import FORMULAIRE, MULTIPART, entete, type_du_contenu
from fonctions.validation import Erreur

gabarits = Environment(
    loader=PackageLoader("fonctions", "gabarits"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
# « à Le Guerno », « de Enedis » : les noms sont composés par ces filtres (arbre/francais.py).
gabarits.filters.update(a_la_commune=a_la_commune, a_service=a_service, de_service=de_service)

# Les mêmes octets que ``JSONResponse``, sans construire un encodeur à chaque réponse.
_ENCODEUR_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class ReponseJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return _ENCODEUR_JSON.encode(content).encode()


# Pages qui portent un jeton ou des données personnelles : ni cache, ni Referer, ni index,
# ni script, ni ressource d'un autre site, ni cadre.
ENTETES_PRIVES = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
}

LIBELLES = {
    None: "Envoi",
    "noeud": "Problème signalé",
    "commune": "Commune",
    "description": "Description",
    "latitude": "Position sur la carte",
    "longitude": "Position sur la carte",
    "adresse": "Adresse",
    "lieu": "Lieu précis",
    "courriel": "Adresse e-mail",
    "telephone": "Téléphone",
    "consentement": "Le service peut me contacter",
    "photos": "Photos",
    "Idempotency-Key": "Envoi",
}


def rendre(nom: str, **contexte: Any) -> str:
    return gabarits.get_template(nom).render(**contexte)


def page(nom: str, statut: int = 200, entetes: Mapping[str, str] | None = None,
         **contexte: Any) -> HTMLResponse:
    return HTMLResponse(rendre(nom, **contexte), status_code=statut,
                        headers={**ENTETES_PRIVES, **(entetes or {})})


def veut_du_html(request: Request) -> bool:
    """Un formulaire HTML envoyé sans JavaScript : formulaire et navigateur qui veut du HTML."""
    return ("text/html" in entete(request, "accept")
            and type_du_contenu(request) in (FORMULAIRE, MULTIPART))


def libelle_du_champ(champ: str | None, noeud: Mapping[str, Any] | None) -> str:
    if champ and champ.startswith("question-") and noeud:
        for question in (noeud.get("formulaire") or {}).get("questions") or []:
            if f"question-{question['id']}" == champ:
                return question["libelle"]
    return LIBELLES.get(champ, champ or "Envoi")


def reponse_erreurs(
    erreurs: Sequence[Erreur],
    statut: int,
    *,
    html: bool = False,
    noeud: Mapping[str, Any] | None = None,
    retour: str = "/",
    entetes: Mapping[str, str] | None = None,
) -> Response:
    """``{"erreurs": [{"champ": …, "message": …}]}``, ou une page qui dit quoi corriger."""
    if html:
        lignes = [{"libelle": libelle_du_champ(e.champ, noeud), "message": e.message}
                  for e in erreurs]
        return page("erreurs.html", statut, entetes, erreurs=lignes, retour=retour)
    corps = {"erreurs": [{"champ": e.champ, "message": e.message} for e in erreurs]}
    return ReponseJSON(corps, status_code=statut, headers=dict(entetes or {}))
