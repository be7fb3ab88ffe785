"""Le géocodeur inverse d'addok (``fonctions/socle/geocodeur.py``), contre le géocodeur
local des tests (``geocodeur_local.py``, un vrai serveur HTTP)."""

from __future__ import annotations

import asyncio

import pytest

from fonctions.socle.client_http import ClientHTTPReel
from fonctions.socle.geocodeur import Geocodeur, GeocodeurIndisponible, citycode


def test_le_geocodeur_lit_la_reponse_d_addok(geocodeur):
    client = ClientHTTPReel(delai=2)
    try:
        addok = Geocodeur(client, geocodeur.url + "/")
        # loin de toute adresse du jeu : rien
        assert asyncio.run(addok.commune(47.5537, -2.4806)) is None
        assert asyncio.run(addok.commune(47.51, -2.48)) == "56001"
        assert Geocodeur(None, geocodeur.url).actif is False
    finally:
        client.fermer()


@pytest.mark.parametrize("texte", [
    "", "[]", '{"features": {}}', '{"features": [{"properties": {}}]}',
    '{"features": [{"properties": {"citycode": 56001}}]}', "<html></html>"])
def test_une_reponse_illisible_du_geocodeur_est_une_indisponibilite(texte):
    with pytest.raises(GeocodeurIndisponible):
        citycode(texte)
