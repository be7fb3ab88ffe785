"""Les en-têtes de sécurité : ceux de ``netlify.toml``, posés aussi par le serveur Python.

**Une seule source.** Les ``[[headers]]`` de ``netlify.toml`` (politique de contenu,
``frame-ancestors``, ``Referrer-Policy``, ``Permissions-Policy``…) sont lus ici au
démarrage : chaque réponse du serveur Python (le site servi par ``make demo``, les pages et
l'API) porte les en-têtes que Netlify poserait sur la même adresse. Netlify, lui, ne les
pose pas sur ce qu'il relaie (``/api/*``) : c'est ce module qui les y met. Seul
``Cache-Control`` n'est pas repris : la mise en cache du site est l'affaire de l'hébergeur.

Par-dessus, l'API et la page de suivi (``/suivi/``, dont le jeton est dans le fragment) ne
sont jamais mises en cache (l'API), ni indexées, et n'envoient pas de Referer. Un en-tête
que la réponse pose elle-même l'emporte (les pages des fonctions ont une politique de
contenu plus stricte, ``pages.CSP_SANS_SCRIPT``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from starlette.types import ASGIApp, Message, Receive, Scope, Send

NETLIFY = Path(__file__).resolve().parents[2] / "netlify.toml"
PAGES_PRIVEES = ("/suivi/", "/suivi/index.html")
NON_REPRIS = {"cache-control"}
ENTETES_DE_L_API = {"Cache-Control": "no-store"}
ENTETES_PRIVES = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}

Regles = list[tuple[str, dict[str, str]]]


def lire_regles(chemin: Path = NETLIFY) -> Regles:
    """Les ``[[headers]]`` de ``netlify.toml`` : (motif, en-têtes), dans l'ordre du fichier ;
    une liste vide si le fichier manque (``entetes_introuvables`` le dit au démarrage)."""
    try:
        donnees = tomllib.loads(chemin.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    return [
        (
            regle["for"],
            {nom: str(valeur) for nom, valeur in regle["values"].items() if nom.lower() not in NON_REPRIS},
        )
        for regle in donnees.get("headers", [])
    ]


def entetes_introuvables(chemin: Path = NETLIFY) -> str | None:
    if chemin.is_file():
        return None
    return (
        f"{chemin} est introuvable : le serveur y lit ses en-têtes de sécurité (les mêmes "
        "que Netlify). Lancez les fonctions depuis le dépôt."
    )


def correspond(motif: str, chemin: str) -> bool:
    """Le motif d'une règle Netlify : ``/*`` (tout), ``/suivi/*`` (ce dossier), ``/sw.js``."""
    if motif.endswith("*"):
        return chemin.startswith(motif[:-1])
    return chemin == motif


def entetes_pour(chemin: str, regles: Regles) -> dict[str, str]:
    """Les en-têtes de toutes les règles qui correspondent à ``chemin`` ; une règle plus bas
    dans le fichier l'emporte sur une règle plus haut (``/suivi/*`` sur ``/*``)."""
    entetes: dict[str, str] = {}
    for motif, valeurs in regles:
        if correspond(motif, chemin):
            entetes.update(valeurs)
    return entetes


REGLES = lire_regles()
CSP_DU_SITE = entetes_pour("/", REGLES).get("Content-Security-Policy", "default-src 'none'")


EntetesBruts = tuple[tuple[bytes, bytes], ...]


class EntetesDeSecurite:
    """L'intergiciel : ajoute à chaque réponse HTTP les en-têtes voulus pour son chemin
    qu'elle ne pose pas elle-même. Ceux de l'API (``/api/…``, que Netlify relaie sans
    ``[[headers]]`` propres) sont calculés une fois ; ceux du site, une fois par adresse."""

    def __init__(self, app: ASGIApp, regles: Regles | None = None) -> None:
        self.app = app
        self.regles = REGLES if regles is None else regles
        self._par_chemin: dict[str, EntetesBruts] = {}

    def _entetes(self, chemin: str) -> EntetesBruts:
        """Les en-têtes d'un chemin, l'API et les pages privées d'abord (ils l'emportent)."""
        api = chemin.startswith("/api/")
        cle = "/api/" if api else chemin
        entetes = self._par_chemin.get(cle)
        if entetes is None:
            valeurs = {
                **entetes_pour(cle, self.regles),
                "X-Content-Type-Options": "nosniff",
                **(ENTETES_DE_L_API if api else {}),
                **(ENTETES_PRIVES if api or chemin.startswith(PAGES_PRIVEES) else {}),
            }
            entetes = tuple(
                (nom.lower().encode("latin-1"), valeur.encode("latin-1")) for nom, valeur in valeurs.items()
            )
            if len(self._par_chemin) < 1000:  # les adresses du site, pas celles des jetons
                self._par_chemin[cle] = entetes
        return entetes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        voulus = self._entetes(scope["path"])

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                entetes = list(message.get("headers", ()))
                presents = {nom.lower() for nom, _ in entetes}
                entetes.extend(entete for entete in voulus if entete[0] not in presents)
                message["headers"] = entetes
            await send(message)

        await self.app(scope, receive, envoyer)
