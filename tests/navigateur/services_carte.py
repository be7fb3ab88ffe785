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
import json
import math
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from PIL import Image

from tests.fonctions.serveurs_locaux import HOTE

CALQUE = "GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2"
# Le modèle d'adresse à donner à AIGUILLAGE_TUILES_URL : celui de la Géoplateforme, sur ce serveur.
MODELE_WMTS = ("/wmts?SERVICE=WMTS&VERSION=1.0.0&REQUEST=GetTile&LAYER=" + CALQUE
               + "&STYLE=normal&FORMAT=image/png&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}"
               "&TILECOL={x}")


def _feature(lon, lat, type_, label, name, postcode, citycode, city, identifiant, **autres):
    """Une feature comme celles de l'API Adresse (GeoCodeJSON)."""
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"label": label, "score": 0.0, "id": identifiant, "name": name,
                           "postcode": postcode, "citycode": citycode, "x": 0.0, "y": 0.0,
                           "city": city, "context": "56, Morbihan, Bretagne", "type": type_,
                           "importance": 0.5, **autres}}


ADRESSES = [
    _feature(-2.4806, 47.5537, "municipality", "Muzillac", "Muzillac", "56190", "56143",
             "Muzillac", "56143", population=5200),
    _feature(-2.4795, 47.5541, "housenumber", "2 Place du Marché 56190 Muzillac",
             "2 Place du Marché", "56190", "56143", "Muzillac", "56143_0420_00002",
             housenumber="2", street="Place du Marché"),
    _feature(-2.4870, 47.5512, "street", "Rue du Pont de Bois 56190 Muzillac",
             "Rue du Pont de Bois", "56190", "56143", "Muzillac", "56143_0580", street="Rue du Pont de Bois"),
    _feature(-2.2996, 47.5193, "municipality", "La Roche-Bernard", "La Roche-Bernard", "56130",
             "56195", "La Roche-Bernard", "56195", population=700),
    _feature(-2.3003, 47.5189, "housenumber", "1 Rue du Docteur Cornudet 56130 La Roche-Bernard",
             "1 Rue du Docteur Cornudet", "56130", "56195", "La Roche-Bernard",
             "56195_0130_00001", housenumber="1", street="Rue du Docteur Cornudet"),
    _feature(-2.7603, 47.6586, "housenumber", "1 Place Maurice Marchais 56000 Vannes",
             "1 Place Maurice Marchais", "56000", "56260", "Vannes", "56260_2380_00001",
             housenumber="1", street="Place Maurice Marchais"),
]
RAYON_INVERSE = 500  # mètres : plus loin, /reverse/ ne rend rien (en mer, en pleine campagne)


def _sans_accents(texte: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", texte.lower())
                   if unicodedata.category(c) != "Mn")


def distance(lat1, lon1, lat2, lon2) -> float:
    """Distance à vol d'oiseau, en mètres (haversine)."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


class _Serveur:
    """Un ThreadingHTTPServer dans un fil, sur un port libre de la boucle locale."""

    def __init__(self) -> None:
        proprietaire = self

        class Gestionnaire(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (nom imposé)
                statut, entetes, corps = proprietaire.repondre(self.path)
                self.send_response(statut)
                for nom, valeur in entetes.items():
                    self.send_header(nom, valeur)
                self.send_header("Content-Length", str(len(corps)))
                self.end_headers()
                self.wfile.write(corps)

            def log_message(self, *args):
                pass

        self.serveur = ThreadingHTTPServer((HOTE, 0), Gestionnaire)
        self.url = f"http://{HOTE}:{self.serveur.server_address[1]}"
        self.demandes: list[str] = []
        self._fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self._fil.start()

    def repondre(self, chemin: str) -> tuple[int, dict, bytes]:
        raise NotImplementedError

    def arreter(self) -> None:
        self.serveur.shutdown()
        self.serveur.server_close()


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


class Geocodeur(_Serveur):
    """``/search/`` et ``/reverse/`` d'addok, sur ``ADRESSES`` ; ``en_panne`` : 503 partout."""

    def __init__(self) -> None:
        self.en_panne = False
        super().__init__()

    @staticmethod
    def json(statut: int, donnees: dict) -> tuple[int, dict, bytes]:
        # addok répond à toute origine (en-tête CORS) : le navigateur l'appelle directement.
        return statut, {"Content-Type": "application/json; charset=utf-8",
                        "Access-Control-Allow-Origin": "*"}, json.dumps(
            donnees, ensure_ascii=False).encode()

    @staticmethod
    def collection(features, **autres) -> dict:
        return {"type": "FeatureCollection", "version": "draft", "features": features,
                "attribution": "BAN", "licence": "ETALAB-2.0", **autres}

    def repondre(self, chemin):
        self.demandes.append(chemin)
        if self.en_panne:
            return self.json(503, {"code": 503, "message": "Service Unavailable"})
        url = urlsplit(chemin)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/search/":
            return self.chercher(params)
        if url.path == "/reverse/":
            return self.inverser(params)
        return self.json(404, {"code": 404, "message": "Not Found"})

    def chercher(self, params):
        q = params.get("q", "")
        if not 3 <= len(q.strip()) <= 200 or not q.strip()[0].isalnum():
            return self.json(400, {"code": 400, "message": "Failed parsing query", "detail": [
                "q: must contain between 3 and 200 chars and start with a number or a letter"]})
        limite = int(params.get("limit", "5"))
        filtres = {k: params[k] for k in ("citycode", "postcode", "type") if k in params}
        mots = _sans_accents(q).replace(",", " ").split()
        trouvees = []
        for feature in ADRESSES:
            p = feature["properties"]
            if any(p.get(k) != v for k, v in filtres.items()):
                continue
            libelle = _sans_accents(p["label"]).split()
            # Comme l'autocomplétion d'addok : chaque mot est le début d'un mot de l'adresse.
            if all(any(m.startswith(mot) for m in libelle) for mot in mots):
                trouvees.append(feature)
        autres = {"query": q, "limit": limite}
        if filtres:
            autres["filters"] = filtres
        if "lat" in params and "lon" in params:
            lat, lon = float(params["lat"]), float(params["lon"])
            trouvees.sort(key=lambda f: distance(lat, lon, f["geometry"]["coordinates"][1],
                                                 f["geometry"]["coordinates"][0]))
            autres["center"] = [lon, lat]
        resultats = [{**f, "properties": {**f["properties"], "score": 0.9}} for f in trouvees[:limite]]
        return self.json(200, self.collection(resultats, **autres))

    def inverser(self, params):
        try:
            lat, lon = float(params["lat"]), float(params["lon"])
        except (KeyError, ValueError):
            return self.json(400, {"code": 400, "message": "Failed parsing query", "detail": [
                "lon: required", "lat: required"]})
        proches = sorted(
            ((distance(lat, lon, f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]), f)
             for f in ADRESSES if f["properties"]["type"] != "municipality"), key=lambda p: p[0])
        features = [{**f, "properties": {**f["properties"], "score": 0.99, "distance": round(d)}}
                    for d, f in proches[:1] if d <= RAYON_INVERSE]
        return self.json(200, self.collection(features, limit=int(params.get("limit", "1"))))
