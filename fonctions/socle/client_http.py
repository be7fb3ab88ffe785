"""Les requêtes web sortantes (webhook, Open311) : réelles, ou écrites dans un fichier.

En développement (``AIGUILLAGE_ENVOI_WEB=fichier``, par défaut hors production), rien ne
quitte la machine : chaque requête est écrite dans ``donnees/sortants/`` et réputée reçue
(statut 202, corps vide), comme les courriels deviennent des fichiers ``.eml``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import httpx

from fonctions.socle.fichiers import ecrire_atomiquement

journal = logging.getLogger("aiguillage.envoi")
# httpx écrit chaque adresse appelée au niveau INFO, paramètres compris : la clé d'API d'un
# GET Open311 (``?api_key=…``, comme le veut GeoReport v2) finirait dans le journal.
logging.getLogger("httpx").setLevel(logging.WARNING)
DELAI = 15.0
AGENT = "Aiguillage/0.1"


class ErreurReseau(Exception):
    """Le serveur n'a pas répondu. ``delai_depasse`` : la requête a pu lui arriver (il n'a
    pas répondu à temps) — un POST a peut-être créé quelque chose chez lui."""

    def __init__(self, message: str, *, delai_depasse: bool = False) -> None:
        super().__init__(message)
        self.delai_depasse = delai_depasse


@dataclass(frozen=True)
class ReponseHTTP:
    statut: int
    texte: str
    type: str = ""  # Content-Type annoncé


class ClientHTTP(Protocol):
    def post(self, url: str, *, contenu: bytes | None = None,
             formulaire: Mapping[str, str] | None = None,
             entetes: Mapping[str, str] | None = None) -> ReponseHTTP: ...

    def get(self, url: str, *, parametres: Mapping[str, str] | None = None,
            entetes: Mapping[str, str] | None = None) -> ReponseHTTP: ...

    def fermer(self) -> None: ...


class ClientHTTPReel:
    def __init__(self, transport: httpx.BaseTransport | None = None,
                 delai: float = DELAI) -> None:
        # Pas de redirection suivie : l'adresse du service est celle du contenu, pas une autre.
        self._client = httpx.Client(timeout=delai, follow_redirects=False,
                                    headers={"User-Agent": AGENT}, transport=transport)

    def post(self, url, *, contenu=None, formulaire=None, entetes=None) -> ReponseHTTP:
        return self._envoyer("POST", url, content=contenu, data=formulaire,
                             headers=dict(entetes or {}))

    def get(self, url, *, parametres=None, entetes=None) -> ReponseHTTP:
        return self._envoyer("GET", url, params=dict(parametres or {}),
                             headers=dict(entetes or {}))

    def _envoyer(self, methode: str, url: str, **options) -> ReponseHTTP:
        try:
            reponse = self._client.request(methode, url, **options)
        except httpx.HTTPError as erreur:
            # Connexion refusée : rien n'est arrivé ; délai de lecture dépassé : peut-être.
            arrive = isinstance(erreur, httpx.ReadTimeout | httpx.WriteTimeout | httpx.ReadError)
            raise ErreurReseau(f"{type(erreur).__name__} : {erreur}",
                               delai_depasse=arrive) from None
        return ReponseHTTP(reponse.status_code, reponse.text,
                           reponse.headers.get("content-type", ""))

    def fermer(self) -> None:
        self._client.close()


class ClientHTTPFichier:
    def __init__(self, dossier: Path) -> None:
        self.dossier = Path(dossier)

    def post(self, url, *, contenu=None, formulaire=None, entetes=None) -> ReponseHTTP:
        moment = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        chemin = self.dossier / f"{moment}-{uuid.uuid4().hex[:8]}.json"
        requete = {"methode": "POST", "url": url, "entetes": dict(entetes or {}),
                   "corps": contenu.decode() if contenu else None,
                   "formulaire": dict(formulaire) if formulaire else None}
        ecrire_atomiquement(chemin, json.dumps(requete, ensure_ascii=False, indent=2).encode())
        journal.info("Requête vers %s écrite dans %s (aucun envoi en développement).", url, chemin)
        return ReponseHTTP(202, "")

    def get(self, url, *, parametres=None, entetes=None) -> ReponseHTTP:
        # Rien ne quitte la machine : aucune réponse à lire (les relevés ne trouvent rien).
        journal.info("Lecture de %s ignorée (aucun envoi en développement).", url)
        return ReponseHTTP(404, "")

    def fermer(self) -> None:
        pass
