"""Un géocodeur addok (l'API Adresse de la Base Adresse Nationale) sur la boucle locale,
partagé par les tests des fonctions (la commune d'une position, en Open311) et ceux du
navigateur (la carte du formulaire) : aucun test ne sort sur internet.

``GET /search/?q=…`` et ``GET /reverse/?lon=…&lat=…`` rendent des FeatureCollection GeoJSON
(propriétés ``label``, ``citycode``, ``city``…), comme addok : une collection vide quand rien
ne répond (en mer, loin de toute adresse), l'erreur 400 de l'API pour une recherche de moins
de 3 caractères ou une position illisible ou hors des bornes, 503 quand on le met « en
panne », une réponse qui n'est pas du JSON quand il est ``illisible``, et aucune réponse tant
que ``lent`` est posé (un ``threading.Event`` levé à l'arrêt).

Deux jeux d'adresses : ``ADRESSES`` (le contenu réel, autour de Muzillac, et Vannes hors du
territoire) et ``ADRESSES_VAL_D_ESSAI`` (le modèle de test des fonctions).
"""

from __future__ import annotations

import json
import math
import threading
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.fonctions.serveurs_locaux import HOTE


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
ADRESSES_VAL_D_ESSAI = [
    _feature(-2.4800, 47.5100, "housenumber", "12 Rue des Écoles 56190 Bourg-les-Essais",
             "12 Rue des Écoles", "56190", "56001", "Bourg-les-Essais", "56001_0100_00012",
             housenumber="12", street="Rue des Écoles"),
    _feature(-2.3000, 47.5200, "housenumber", "3 Place de l'Église 56130 Saint-Exemple",
             "3 Place de l'Église", "56130", "56002", "Saint-Exemple", "56002_0200_00003",
             housenumber="3", street="Place de l'Église"),
    _feature(-2.4000, 47.5500, "street", "Chemin du Lavoir 56130 La Roche-Témoin",
             "Chemin du Lavoir", "56130", "56003", "La Roche-Témoin", "56003_0300",
             street="Chemin du Lavoir"),
    ADRESSES[-1],  # Vannes : hors du territoire
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
                try:
                    self.send_response(statut)
                    for nom, valeur in entetes.items():
                        self.send_header(nom, valeur)
                    self.send_header("Content-Length", str(len(corps)))
                    self.end_headers()
                    self.wfile.write(corps)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # le client est parti (délai dépassé) : comme un vrai serveur

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


class Geocodeur(_Serveur):
    """``/search/`` et ``/reverse/`` d'addok, sur ``adresses`` (``ADRESSES`` par défaut) ;
    ``en_panne`` : 503 partout ; ``illisible`` : 200 avec une page HTML ; ``lent`` posé : ne
    répond pas avant que l'événement soit levé (par ``arreter`` au plus tard)."""

    def __init__(self, adresses: list[dict] | None = None) -> None:
        self.adresses = ADRESSES if adresses is None else adresses
        self.en_panne = False
        self.illisible = False
        self.lent: threading.Event | None = None
        super().__init__()

    def arreter(self) -> None:
        if self.lent is not None:
            self.lent.set()
        super().arreter()

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
        if self.lent is not None:
            self.lent.wait(timeout=60)
            return self.json(200, self.collection([]))
        if self.illisible:
            return 200, {"Content-Type": "text/html"}, b"<html><body>Maintenance</body></html>"
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
        for feature in self.adresses:
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
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return self.json(400, {"code": 400, "message": "Failed parsing query", "detail": [
                "lat: must be between -90 and 90", "lon: must be between -180 and 180"]})
        proches = sorted(
            ((distance(lat, lon, f["geometry"]["coordinates"][1], f["geometry"]["coordinates"][0]), f)
             for f in self.adresses if f["properties"]["type"] != "municipality"), key=lambda p: p[0])
        features = [{**f, "properties": {**f["properties"], "score": 0.99, "distance": round(d)}}
                    for d, f in proches[:1] if d <= RAYON_INVERSE]
        return self.json(200, self.collection(features, limit=int(params.get("limit", "1"))))
