"""``GET /api/recherche?q=…&commune=…`` : les résultats de la recherche, sans JavaScript.

Le formulaire de recherche de chaque page y envoie la requête quand le navigateur n'a pas
de JavaScript ; la page est rendue avec **le gabarit du site** (``recherche.html`` du thème,
celui de ``/recherche/``) et **le même moteur** que le navigateur (``arbre.recherche``, sur
le ``recherche.json`` construit avec le modèle) : les mêmes résultats, dans le même ordre,
avec les mêmes éléments. Derrière le relais ``/api/*`` de Netlify, la page est servie sur
l'origine du site : ses liens et ses feuilles de style sont des adresses de ce site.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from arbre.gabarits import SITENAME, environnement
from fonctions.contexte import contexte

LONGUEUR_MAX = 200  # celle du champ (maxlength) : au-delà, la suite est ignorée
# La politique de contenu du site (netlify.toml) : Netlify ne pose pas ses en-têtes sur les
# réponses qu'il relaie, et cette page charge les scripts et la feuille de style du site.
CSP_DU_SITE = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: "
               "blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; form-action "
               "'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")

gabarits = environnement()


def phrase_etat(nombre: int, requete: str) -> str:
    """La phrase annoncée aux lecteurs d'écran ; la même que ``phraseEtat`` (recherche-ui.js)."""
    if not nombre:
        return (f"Aucun résultat pour « {requete.strip()} ». Essayez d'autres mots, ou "
                "choisissez « Je ne trouve pas mon problème ».")
    return f"{nombre} résultat{'s' if nombre > 1 else ''} pour « {requete.strip()} »."


async def rechercher(request: Request) -> Response:
    ctx = contexte(request)
    requete = request.query_params.get("q", "")[:LONGUEUR_MAX]
    modele = ctx.modele.actuel()
    insee = request.query_params.get("commune") or None
    if insee not in modele.communes:
        insee = None  # commune inconnue ou absente : les résultats le disent sans elle
    resultats = ctx.modele.recherche().afficher(requete, insee) if requete.strip() else []
    texte = gabarits.get_template("recherche.html").render(
        SITENAME=SITENAME, modele=modele.donnees, adresse_page="/recherche/",
        requete=requete, insee=insee, resultats=resultats, rendu_serveur=True,
        etat=phrase_etat(len(resultats), requete))
    return HTMLResponse(texte, headers={"Content-Security-Policy": CSP_DU_SITE})


routes = [Route("/api/recherche", rechercher, methods=["GET"])]
