"""La commune d'une position, par le géocodeur inverse d'addok (celui de la Base Adresse
Nationale par défaut) : ``GET <AIGUILLAGE_GEOCODEUR_URL>/reverse/?lon=…&lat=…``.

Le serveur Open311 s'en sert quand une demande ne donne que ``lat``/``long`` pour un problème
dont le service dépend de la commune (docs/open311.md, « La commune »). L'adresse du
géocodeur vient des réglages, jamais de la demande ; le délai est court (``DELAI_MAX``, et
jamais plus que ``AIGUILLAGE_DELAI_HTTP``).

La réponse d'addok est une FeatureCollection GeoJSON ; le code INSEE est
``features[0].properties.citycode`` ; une liste vide veut dire « rien ici » (en mer…).

En développement (``AIGUILLAGE_ENVOI_WEB=fichier``), rien ne quitte la machine : le géocodeur
n'est pas appelé (``actif`` faux) et la position seule ne donne pas de commune.
"""

from __future__ import annotations

import json
import logging

from starlette.concurrency import run_in_threadpool

from fonctions.socle.client_http import ClientHTTP, ErreurReseau

journal = logging.getLogger("aiguillage.geocodeur")
DELAI_MAX = 3.0  # secondes : la personne (ou l'application) attend la réponse du POST


class GeocodeurIndisponible(Exception):
    """Le géocodeur n'a pas répondu, pas à temps, ou pas lisiblement."""


class Geocodeur:
    def __init__(self, client: ClientHTTP | None, url: str) -> None:
        self.client = client  # None : pas d'appel (développement)
        self.url = url.rstrip("/")

    @property
    def actif(self) -> bool:
        return self.client is not None

    async def commune(self, latitude: float, longitude: float) -> str | None:
        """Le code INSEE de la commune au point donné, ``None`` si le géocodeur n'en trouve
        pas (en mer, hors de France) ; ``GeocodeurIndisponible`` sinon."""
        if self.client is None:
            return None
        parametres = {"lon": f"{longitude:.6f}", "lat": f"{latitude:.6f}", "limit": "1"}
        try:
            reponse = await run_in_threadpool(self.client.get, f"{self.url}/reverse/",
                                              parametres=parametres)
        except ErreurReseau as erreur:
            journal.warning("Géocodeur injoignable (%s) : %s", self.url, erreur)
            raise GeocodeurIndisponible(str(erreur)) from None
        if reponse.statut != 200:
            journal.warning("Géocodeur : statut %s pour %s", reponse.statut, parametres)
            raise GeocodeurIndisponible(f"statut {reponse.statut}")
        return citycode(reponse.texte)


def citycode(texte: str) -> str | None:
    """Le ``citycode`` de la première feature d'une FeatureCollection d'addok ::

        >>> citycode('{"type": "FeatureCollection", "features": []}') is None
        True
    """
    try:
        document = json.loads(texte)
        features = document["features"]
        if not isinstance(features, list):
            raise TypeError("features n'est pas une liste")
        if not features:
            return None
        code = features[0]["properties"]["citycode"]
        if not isinstance(code, str) or not code:
            raise TypeError("citycode n'est pas un texte")
        return code
    except (ValueError, KeyError, TypeError, IndexError) as erreur:
        journal.warning("Géocodeur : réponse illisible (%s)", erreur)
        raise GeocodeurIndisponible("réponse illisible") from None
