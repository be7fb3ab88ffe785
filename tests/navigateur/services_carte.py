"""Les deux services de la carte, remplacés par de vrais serveurs HTTP locaux qui répondent
dans les formats des vrais : aucun test ne sort sur internet.

- ``ServeurDeTuiles`` : un WMTS comme celui de la Géoplateforme (``GET
  /wmts?SERVICE=WMTS&REQUEST=GetTile&…&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}``), qui rend des
  tuiles PNG de 256 px et, pour une demande fautive, un ``ExceptionReport`` OWS en 400 ;
- ``Geocodeur`` : l'API d'addok / de la Base Adresse Nationale (``GET /search/?q=…`` et
  ``GET /reverse/?lon=…&lat=…``), qui rend des FeatureCollection GeoJSON (propriétés ``label``,
  ``citycode``, ``city``…), une collection vide quand rien ne répond, l'erreur 400 de l'API pour
  une recherche de moins de 3 caractères, et 503 quand on le met « en panne ».

Les adresses sont un petit jeu fixe autour du territoire du contenu de test (Muzillac,
La Roche-Bernard) et une hors du territoire (Vannes).
"""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from tests.fonctions.geocodeur_local import ADRESSES, Geocodeur, _Serveur, distance

__all__ = ["ADRESSES", "Geocodeur", "ServeurDeTuiles", "distance"]

CALQUE = "GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
# Le modèle d'adresse à donner à AIGUILLAGE_TUILES_URL : celui de la Géoplateforme, sur ce serveur.
MODELE_WMTS = ("/wmts?SERVICE=WMTS&VERSION=1.0.0&REQUEST=GetTile&LAYER=" + CALQUE
               + "&STYLE=normal&FORMAT=image/png&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}"
               "&TILECOL={x}")


class ServeurDeTuiles(_Serveur):
    """Un WMTS « GetTile » en KVP ; garde (zoom, ligne, colonne) de chaque tuile servie."""

    def __init__(self) -> None:
        tampon = io.BytesIO()
        image = Image.new("RGB", (256, 256), (236, 239, 232))
        for i in range(256):  # un quadrillage : on voit les tuiles se poser
            image.putpixel((i, 0), (180, 186, 176))
            image.putpixel((0, i), (180, 186, 176))
        image.save(tampon, "PNG")
        self.png = tampon.getvalue()
        self.tuiles: list[tuple[int, int, int]] = []
        super().__init__()

    @staticmethod
    def exception(code: str, localisation: str) -> tuple[int, dict, bytes]:
        corps = ('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<ExceptionReport xmlns="http://www.opengis.net/ows/1.1" version="1.1.0">'
                 f'<Exception exceptionCode="{code}" locator="{localisation}"/></ExceptionReport>')
        return 400, {"Content-Type": "application/xml"}, corps.encode()

    def repondre(self, chemin):
        self.demandes.append(chemin)
        url = urlsplit(chemin)
        if url.path != "/wmts":
            return 404, {"Content-Type": "text/plain"}, b"Not Found"
        params = {k.upper(): v[0] for k, v in parse_qs(url.query).items()}
        attendus = {"SERVICE": "WMTS", "REQUEST": "GetTile", "VERSION": "1.0.0", "LAYER": CALQUE,
                    "STYLE": "normal", "FORMAT": "image/png", "TILEMATRIXSET": "PM"}
        for nom, valeur in attendus.items():
            if nom not in params:
                return self.exception("MissingParameterValue", nom)
            if params[nom] != valeur:
                return self.exception("InvalidParameterValue", nom)
        try:
            z, ligne, colonne = (int(params[n]) for n in ("TILEMATRIX", "TILEROW", "TILECOL"))
        except (KeyError, ValueError):
            return self.exception("InvalidParameterValue", "TILEMATRIX")
        if not 0 <= z <= 19:
            return self.exception("InvalidParameterValue", "TILEMATRIX")
        for nom, valeur in (("TILEROW", ligne), ("TILECOL", colonne)):
            if not 0 <= valeur < 2 ** z:
                return self.exception("TileOutOfRange", nom)
        self.tuiles.append((z, ligne, colonne))
        return 200, {"Content-Type": "image/png"}, self.png
