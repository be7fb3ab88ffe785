"""Les réponses lisibles par un humain : les pages des fonctions, et les réponses d'erreur.

**Une seule porte pour les pages** : ``page(request, nom, …)``. Elle rend le gabarit ``nom``
avec l'environnement du site (``arbre.gabarits.environnement`` : réglé comme celui de
Pelican, sur les gabarits du thème précédés de ceux de ``fonctions/gabarits/``), le nom du
site et le modèle courant. Les gabarits des fonctions étendent ``_page.html``, qui étend le
``base.html`` du thème : l'en-tête, le pied et la feuille de style du site, une seule source.

Une page des fonctions porte souvent un jeton (dans son adresse ou ses formulaires) ou des
données personnelles : elle part sans cache, sans Referer, sans index, et **sans script**
(``ENTETES_PRIVES``). Sa politique de contenu permet la feuille de style et les images du
site, servies par la même origine (le site statique, derrière le même relais). Seules les
pages qui ne portent rien de tel et que le JavaScript du site enrichit (les résultats de la
recherche) demandent ``scripts=True`` : les scripts du site et sa politique de contenu.

Tout ce qui est inséré dans le HTML est échappé (``autoescape``) : un texte écrit par un
citoyen reste du texte, partout où il est montré de nouveau.

Les courriels (``courriel*.txt``, ``courriel.html``) ne sont pas des pages : ils ont leur
propre environnement, strict, qui n'échappe que le HTML (``fonctions/socle/courriels.py``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from jinja2 import PackageLoader
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from arbre.gabarits import SITENAME, THEME, environnement
from fonctions.domaine.validation import Erreur
from fonctions.web.contexte import contexte
from fonctions.web.entetes import CSP_DU_SITE
from fonctions.web.lecture import FORMULAIRE, MULTIPART, entete, type_du_contenu

# Les pages : comme celles du site.
pages = environnement(PackageLoader("fonctions", "gabarits"))

# Les mêmes octets que ``JSONResponse``, sans construire un encodeur à chaque réponse.
_ENCODEUR_JSON = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


class ReponseJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return _ENCODEUR_JSON.encode(content).encode()


# Pages qui portent un jeton ou des données personnelles : ni cache, ni Referer, ni index,
# ni script, ni ressource d'un autre site, ni cadre. La feuille de style, les icônes et le
# manifeste du site viennent de la même origine.
CSP_SANS_SCRIPT = ("default-src 'none'; style-src 'self'; img-src 'self'; manifest-src 'self'; "
                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
ENTETES_PRIVES = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Content-Security-Policy": CSP_SANS_SCRIPT,
}
# La politique de contenu du site, lue dans netlify.toml (fonctions/web/entetes.py) : une page
# avec ``scripts=True`` charge les scripts du site.
ENTETES_AVEC_SCRIPTS = {**ENTETES_PRIVES, "Content-Security-Policy": CSP_DU_SITE}

LIBELLES = {
    None: "Envoi",
    "noeud": "Problème signalé",
    "commune": "Commune",
    "description": "Description",
    "latitude": "Position",
    "longitude": "Position",
    "adresse": "Adresse",
    "lieu": "Lieu précis",
    "courriel": "Adresse e-mail",
    "telephone": "Téléphone",
    "consentement": "Le service peut me contacter",
    "photos": "Photos",
    "Idempotency-Key": "Envoi",
}


def gabarits_introuvables(theme: Path = THEME) -> str | None:
    """Ce qui manque, en français, si les gabarits du thème sont absents (des fonctions
    installées sans le dépôt) ; ``None`` s'ils sont là. Les fonctions ne démarrent pas sans
    eux : aucune de leurs pages ne pourrait s'afficher."""
    if (theme / "templates" / "base.html").is_file():
        return None
    return (f"Les gabarits du site sont introuvables ({theme / 'templates'}) : les pages des "
            "fonctions les emploient. Installez les fonctions depuis le dépôt, avec "
            "« pip install -e . », et lancez-les depuis celui-ci.")


def rendre_page(request: Request, nom: str, **variables: Any) -> str:
    """Le HTML de la page ``nom``, avec ce que ``base.html`` attend : ``SITENAME`` et le
    modèle courant (``modele``, le dictionnaire de ``modele.json``)."""
    modele = contexte(request).modele.actuel()
    return pages.get_template(nom).render(SITENAME=SITENAME, modele=modele.donnees, **variables)


def page(request: Request, nom: str, statut: int = 200, entetes: Mapping[str, str] | None = None,
         *, scripts: bool = False, **variables: Any) -> HTMLResponse:
    """La page ``nom`` : ``ENTETES_PRIVES`` (ou, avec ``scripts``, la politique du site)."""
    return HTMLResponse(rendre_page(request, nom, **variables), status_code=statut,
                        headers={**(ENTETES_AVEC_SCRIPTS if scripts else ENTETES_PRIVES),
                                 **(entetes or {})})


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


def reponse_erreurs(erreurs: Sequence[Erreur], statut: int, *,
                    entetes: Mapping[str, str] | None = None) -> Response:
    """``{"erreurs": [{"champ": …, "message": …}]}`` (un formulaire HTML reçoit une page :
    ``formulaire_a_corriger.py``)."""
    corps = {"erreurs": [{"champ": e.champ, "message": e.message} for e in erreurs]}
    return ReponseJSON(corps, status_code=statut, headers=dict(entetes or {}))
