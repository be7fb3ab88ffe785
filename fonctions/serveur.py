"""Le produit entier sur une seule origine : le site construit et les fonctions (``/api/…``).

C'est ce que font Netlify et son proxy en production ; ici, ``make demo`` le fait seul :
le dossier du site est servi avec des adresses propres (``/voirie/`` → ``voirie/index.html``,
``/voirie`` → redirection vers ``/voirie/``).
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from fonctions.app import creer_app
from fonctions.journal_d_acces import proteger_le_journal_d_acces, proteger_les_journaux
from fonctions.pages import page
from fonctions.photos import regler_l_allocateur
from fonctions.reglages import Reglages, lire_reglages


async def site_absent(request: Request) -> Response:
    return page(request, "message.html", 503, titre="Le site n'est pas encore construit",
                message="Construisez-le avec « make construire », puis rechargez la page.")


def routes_du_site(dossier: Path | None) -> list[BaseRoute]:
    if dossier is None:
        return []
    if not Path(dossier).is_dir():
        return [Route("/{chemin:path}", site_absent)]
    return [Mount("/", app=StaticFiles(directory=dossier, html=True), name="site")]


# Objets alloués (moins ceux libérés) entre deux passages du ramasse-miettes sur les objets
# jeunes : 700 par défaut, soit un passage toutes les quelques requêtes.
SEUIL_DU_RAMASSE_MIETTES = 20_000


def regler_le_ramasse_miettes() -> None:
    """Pour un processus qui sert des requêtes, une fois l'application construite.

    Ce qui existe à ce moment (modules, modèle, application) vit aussi longtemps que le
    processus : ``gc.freeze`` le sort des passages complets, qui ne parcourent plus que ce
    que les requêtes ont créé depuis. Et chaque requête crée quelques centaines de petits
    objets (un signalement est un document de dictionnaires) presque tous libérés dès la
    réponse, par leur compteur de références : un passage sur les objets jeunes toutes les
    700 allocations ne trouve presque rien et prend du temps à chaque requête. Mesuré avec
    ``bench/fonctions.py`` : environ 10 % de débit en plus, pour les signalements comme
    pour le point d'entrée nu (docs/performance.md). Les cycles restent collectés, plus
    rarement."""
    gc.collect()
    gc.freeze()
    _, seuil_1, seuil_2 = gc.get_threshold()
    gc.set_threshold(SEUIL_DU_RAMASSE_MIETTES, seuil_1, seuil_2)


def creer_serveur(reglages: Reglages | None = None) -> Starlette:
    reglages = reglages or lire_reglages(os.environ)
    return creer_app(reglages, routes_supplementaires=routes_du_site(reglages.site))


def application() -> Starlette:
    """Pour uvicorn : ``uvicorn --factory --no-proxy-headers fonctions.serveur:application``
    (le serveur de ``python -m fonctions servir``, réglé pour un processus qui ne fait que
    servir). ``--no-proxy-headers`` : l'application lit elle-même ``X-Forwarded-For``, des
    seuls mandataires de ``AIGUILLAGE_PROXIES`` ; uvicorn le croirait de 127.0.0.1."""
    app = creer_serveur()
    regler_le_ramasse_miettes()
    regler_l_allocateur()
    proteger_les_journaux()
    proteger_le_journal_d_acces()
    return app
