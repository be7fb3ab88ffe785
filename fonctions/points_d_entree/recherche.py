"""``GET /api/recherche?q=…&commune=…`` : les résultats de la recherche, sans JavaScript.

Le formulaire de recherche de chaque page y envoie la requête quand le navigateur n'a pas
de JavaScript ; la page est rendue par la porte des pages (``pages.page``) avec **le gabarit
du site** (``recherche.html`` du thème, celui de ``/recherche/``) et **le même moteur** que
le navigateur (``arbre.recherche``, sur le ``recherche.json`` construit avec le modèle) :
les mêmes résultats, dans le même ordre, avec les mêmes éléments. Derrière le relais
``/api/*`` de Netlify, la page est servie sur l'origine du site : ses liens et ses feuilles
de style sont des adresses de ce site.

Une recherche qui ne trouve rien est comptée pour les rédacteurs (``recherches_vides``),
sauf quand le navigateur ne fait que précharger la page (``Sec-Purpose: prefetch``). Le
journal d'accès du serveur n'en garde pas les mots (``journal_d_acces.py``).
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fonctions.domaine.modele import ErreurModele
from fonctions.points_d_entree.recherches_vides import noter_recherche_vide
from fonctions.web.contexte import contexte
from fonctions.web.gardes import adresse_client
from fonctions.web.lecture import entete
from fonctions.web.pages import page

journal = logging.getLogger("aiguillage.recherche")
INDISPONIBLE = ("La recherche ne répond pas pour le moment. Choisissez votre problème question "
                "après question depuis la page d'accueil, ou réessayez plus tard.")
LONGUEUR_MAX = 200  # celle du champ (maxlength) : au-delà, la suite est ignorée


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
    try:
        index = ctx.modele.recherche()
    except ErreurModele as erreur:
        journal.error("%s", erreur)
        return page(request, "message.html", 503, titre="La recherche n'est pas disponible",
                    message=INDISPONIBLE)
    resultats = index.afficher(requete, insee) if requete.strip() else []
    if requete.strip() and not resultats and "prefetch" not in entete(request, "sec-purpose"):
        await run_in_threadpool(noter_recherche_vide, ctx, requete, adresse_client(request))
    # Le JavaScript du site enrichit cette page (comme /recherche/) : elle garde ses scripts.
    return page(request, "recherche.html", scripts=True, adresse_page="/recherche/",
                requete=requete, insee=insee, resultats=resultats, rendu_serveur=True,
                etat=phrase_etat(len(resultats), requete))


routes = [Route("/api/recherche", rechercher, methods=["GET"])]
