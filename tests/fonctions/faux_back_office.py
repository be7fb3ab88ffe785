"""Un faux logiciel de service Open311 (GeoReport v2), vrai serveur HTTP sur 127.0.0.1.

Il applique les règles d'open311-adapter (mySociety, ``perllib/Open311/Endpoint.pm``) et de
FixMyStreet, pour que nos tests échouent là où un vrai logiciel refuserait :

- extension ``.json`` ou ``.xml`` obligatoire (sinon 404 « Bad extension ») ; réponse et
  erreurs dans le format de l'extension ;
- ``POST requests`` : formulaire ; ``api_key`` et ``service_code`` exigés (400 sinon),
  clé fausse → 403, ``jurisdiction_id`` exigé s'il en a un (400), code de service inconnu →
  404, un lieu (``lat``+``long`` numériques, ``address_string`` ou ``address_id``) exigé,
  les attributs obligatoires du service exigés, ``attribute[code]`` avec ``code`` en
  ``\\w+`` ; réponse ``service_request_id`` (service « realtime ») ou ``token`` (« batch ») ;
- ``GET requests`` (filtres ``service_request_id``, ``service_code``, ``start_date``,
  ``end_date``, ``status``), ``GET requests/{id}``, ``GET tokens/{token}`` ;
- ``POST servicerequestupdates`` comme FixMyStreet l'envoie : statut en majuscules d'une
  liste connue, ``updated_datetime`` W3C, ``update_id`` exigés (400 sinon) ;
- ``GET servicerequestupdates`` : les mises à jour que le test a ajoutées
  (``ajouter_mise_a_jour``), entre ``start_date`` et ``end_date``.

Le test règle des pannes pour les prochains POST (``pannes``) : un statut et son corps, ou
``"lent"`` — la demande est **créée** puis la réponse attend que le test appelle
``liberer()`` (le client abandonne avant : c'est le délai dépassé qui créait un doublon).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from serveurs_locaux import HOTE

from fonctions.socle import georeport

STATUTS_DE_MISE_A_JOUR = ("OPEN", "CLOSED", "FIXED", "REOPEN", "IN_PROGRESS", "INVESTIGATING",
                          "ACTION_SCHEDULED", "NOT_COUNCILS_RESPONSIBILITY", "DUPLICATE",
                          "NO_FURTHER_ACTION", "INTERNAL_REFERRAL", "UNABLE_TO_FIX",
                          "CANCELLED", "FOR_TRIAGE", "UNCHANGED")
_ATTRIBUT = re.compile(r"^attribute\[(\w+)\]$")


@dataclass
class Service:
    code: str
    nom: str = ""
    type: str = "realtime"  # ou « batch » : la réponse est un jeton
    attributs_obligatoires: tuple[str, ...] = ()
    # La définition du service (GET services/<code>) : ses attributs ; tout autre attribut
    # est refusé (400), comme le schéma d'open311-adapter. ``None`` : pas de définition.
    attributs: tuple[str, ...] | None = None

    def definition(self) -> dict:
        return {"service_code": self.code, "attributes": [
            {"code": code, "variable": True, "datatype": "string", "order": rang,
             "required": code in self.attributs_obligatoires, "description": code}
            for rang, code in enumerate(self.attributs or (), 1)]}


@dataclass
class Demande:
    identifiant: str
    token: str | None
    service_code: str
    champs: dict
    attributs: dict
    media_url: list
    requested_datetime: datetime
    jeton_resolu: bool = True
    status: str = "open"

    def en_objet(self) -> dict:
        return {"service_request_id": self.identifiant, "status": self.status,
                "service_code": self.service_code,
                "description": self.champs.get("description", ""),
                "address": self.champs.get("address_string", ""),
                "lat": self.champs.get("lat"), "long": self.champs.get("long"),
                "media_url": self.media_url[0] if self.media_url else "",
                "requested_datetime": georeport.ecrire_date(self.requested_datetime),
                "updated_datetime": georeport.ecrire_date(self.requested_datetime)}


@dataclass
class FauxBackOffice:
    cle: str = "cle-open311-de-test"
    juridiction: str | None = None
    services: dict[str, Service] = field(default_factory=dict)
    prefixe: str = "/open311/v2"
    # Répondre en batch (jeton) : le jeton ne devient un identifiant qu'après ce nombre
    # de lectures de GET tokens (0 : tout de suite).
    lectures_avant_identifiant: int = 0

    def __post_init__(self) -> None:
        self.demandes: list[Demande] = []
        self.mises_a_jour_recues: list[dict] = []
        self.mises_a_jour_a_donner: list[dict] = []
        self.requetes: list[dict] = []
        self.pannes: list = []  # (statut, corps) ou "lent", pour les prochains POST requests
        self.verrou = threading.Lock()
        self.liberation = threading.Event()
        self.compteur = itertools.count(638344)
        self.lectures_de_jetons: dict[str, int] = {}
        self._demarrer()

    # -- pour les tests ----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{HOTE}:{self.port}{self.prefixe}/"

    def liberer(self) -> None:
        self.liberation.set()

    def ajouter_mise_a_jour(self, **champs) -> None:
        with self.verrou:
            self.mises_a_jour_a_donner.append(champs)

    def requetes_vers(self, debut: str, methode: str = "POST") -> list[dict]:
        with self.verrou:
            return [r for r in self.requetes
                    if r["methode"] == methode and r["chemin"].startswith(self.prefixe + "/" + debut)]

    def arreter(self) -> None:
        self.liberer()
        self.serveur.shutdown()
        self.serveur.server_close()
        self.fil.join()

    # -- le serveur --------------------------------------------------------------------------

    def _demarrer(self) -> None:
        faux = self

        class Gestionnaire(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (nom imposé par http.server)
                faux._repondre(self, "GET", b"")

            def do_POST(self):  # noqa: N802
                corps = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                faux._repondre(self, "POST", corps)

            def log_message(self, *args):
                pass

        self.serveur = ThreadingHTTPServer((HOTE, 0), Gestionnaire)
        self.serveur.daemon_threads = True
        self.port = self.serveur.server_address[1]
        self.fil = threading.Thread(target=self.serveur.serve_forever, daemon=True)
        self.fil.start()

    def _repondre(self, requete: BaseHTTPRequestHandler, methode: str, corps: bytes) -> None:
        adresse = urlsplit(requete.path)
        parametres = parse_qs(adresse.query, keep_blank_values=True)
        if methode == "POST":
            parametres = parse_qs(corps.decode(), keep_blank_values=True)
        with self.verrou:
            self.requetes.append({"methode": methode, "chemin": adresse.path,
                                  "champs": parametres, "entetes": dict(requete.headers)})
        chemin = adresse.path.removeprefix(self.prefixe + "/")
        base, point, format_ = chemin.rpartition(".")
        if not point or format_ not in georeport.FORMATS:
            return _envoyer(requete, 404, b"Bad extension. We support .xml and .json",
                            "text/plain")
        champs = {k: v[-1] for k, v in parametres.items() if k != "media_url"}
        champs["media_url"] = parametres.get("media_url", [])
        try:
            statut, objets, racine = self._traiter(methode, base, champs)
        except _Refus as refus:
            return _envoyer(requete, refus.code, georeport.erreurs(refus.code, refus.description,
                                                                   format_),
                            georeport.TYPES[format_])
        if statut == "lent":
            self.liberation.wait(60)
            statut = 201
        corps = (georeport.ecrire_objet(objets, format_, racine) if isinstance(objets, dict)
                 else georeport.ecrire(objets, format_, racine))
        _envoyer(requete, statut, corps, georeport.TYPES[format_])

    def _traiter(self, methode: str, base: str, champs: dict) -> tuple:
        if methode == "POST" and base == "requests":
            return self._poster_demande(champs)
        if methode == "POST" and base == "servicerequestupdates":
            return self._poster_mise_a_jour(champs)
        if methode == "GET" and base == "requests":
            return 200, [d.en_objet() for d in self._filtrer(champs)], "service_requests"
        if methode == "GET" and base.startswith("requests/"):
            self._verifier_juridiction(champs)
            demande = self._demande(base.removeprefix("requests/"))
            return 200, [demande.en_objet()], "service_requests"
        if methode == "GET" and base.startswith("services/"):
            self._verifier_juridiction(champs)
            service = self.services.get(base.removeprefix("services/"))
            if service is None or service.attributs is None:
                raise _Refus(404, "Resource not found")
            return 200, service.definition(), "service_definition"
        if methode == "GET" and base.startswith("tokens/"):
            return self._lire_jeton(base.removeprefix("tokens/"), champs)
        if methode == "GET" and base == "servicerequestupdates":
            return self._donner_mises_a_jour(champs)
        raise _Refus(404, "Resource not found")

    def _verifier_cle(self, champs: dict) -> None:
        if not champs.get("api_key"):
            raise _Refus(400, "Error in input: api_key is required")
        if champs["api_key"] != self.cle:
            raise _Refus(403, "Invalid api_key")

    def _verifier_juridiction(self, champs: dict) -> None:
        if self.juridiction and champs.get("jurisdiction_id") != self.juridiction:
            raise _Refus(400, "Error in input: jurisdiction_id is required or invalid")

    def _poster_demande(self, champs: dict) -> tuple:
        panne = None
        with self.verrou:
            if self.pannes:
                panne = self.pannes.pop(0)
        if isinstance(panne, tuple):
            raise _Refus(*panne)
        if not champs.get("service_code"):
            raise _Refus(400, "Error in input for POST_Service_Request: service_code is required")
        self._verifier_cle(champs)
        self._verifier_juridiction(champs)
        service = self.services.get(champs["service_code"])
        if service is None:
            raise _Refus(404, f"Service {champs['service_code']} not found")
        lieu = (_nombre(champs.get("lat")) and _nombre(champs.get("long"))
                or champs.get("address_string") or champs.get("address_id"))
        if not lieu:
            raise _Refus(400, "Error in input: lat/long, address_string or address_id required")
        attributs = {}
        for cle, valeur in champs.items():
            if cle.startswith("attribute["):
                lu = _ATTRIBUT.match(cle)
                if lu is None:
                    raise _Refus(400, f"Error in input: unexpected field {cle}")
                if service.attributs is not None and lu.group(1) not in service.attributs:
                    raise _Refus(400, f"Error in input for POST_Service_Request: unexpected "
                                      f"field {cle}")
                attributs[lu.group(1)] = valeur
        manquants = [a for a in service.attributs_obligatoires if not attributs.get(a)]
        if manquants:
            raise _Refus(400, f"Error in input: attribute[{manquants[0]}] is required")
        with self.verrou:
            numero = next(self.compteur)
            demande = Demande(
                identifiant=str(numero), token=f"T-{numero}" if service.type == "batch" else None,
                service_code=service.code, champs=champs, attributs=attributs,
                media_url=list(champs["media_url"]), requested_datetime=datetime.now(UTC),
                jeton_resolu=self.lectures_avant_identifiant == 0)
            self.demandes.append(demande)
        reponse = ({"token": demande.token} if demande.token
                   else {"service_request_id": demande.identifiant})
        return ("lent" if panne == "lent" else 201), [reponse], "service_requests"

    def _filtrer(self, champs: dict) -> list[Demande]:
        self._verifier_juridiction(champs)
        debut = champs.get("start_date") and georeport.lire_date(champs["start_date"])
        fin = champs.get("end_date") and georeport.lire_date(champs["end_date"])
        codes = set(filter(None, champs.get("service_code", "").split(",")))
        ids = set(filter(None, champs.get("service_request_id", "").split(",")))
        with self.verrou:
            return [d for d in self.demandes
                    if (not debut or d.requested_datetime >= debut)
                    and (not fin or d.requested_datetime <= fin)
                    and (not codes or d.service_code in codes)
                    and (not ids or d.identifiant in ids)]

    def _demande(self, identifiant: str) -> Demande:
        with self.verrou:
            for demande in self.demandes:
                if demande.identifiant == identifiant:
                    return demande
        raise _Refus(404, f"Service request {identifiant} not found")

    def _lire_jeton(self, token: str, champs: dict) -> tuple:
        self._verifier_juridiction(champs)
        with self.verrou:
            demande = next((d for d in self.demandes if d.token == token), None)
            if demande is None:
                raise _Refus(404, f"Token {token} not found")
            lectures = self.lectures_de_jetons[token] = self.lectures_de_jetons.get(token, 0) + 1
        if lectures <= self.lectures_avant_identifiant:
            return 200, [{"token": token}], "service_requests"
        return 200, [{"token": token, "service_request_id": demande.identifiant}], \
            "service_requests"

    def _poster_mise_a_jour(self, champs: dict) -> tuple:
        self._verifier_cle(champs)
        self._verifier_juridiction(champs)
        for nom in ("service_request_id", "update_id", "status", "updated_datetime"):
            if not champs.get(nom):
                raise _Refus(400, f"Error in input for POST_Service_Request_Update: {nom} "
                                  "is required")
        if champs["status"] not in STATUTS_DE_MISE_A_JOUR:
            raise _Refus(400, f"Error in input: invalid status {champs['status']}")
        try:
            georeport.lire_date(champs["updated_datetime"])
        except georeport.ErreurGeoReport:
            raise _Refus(400, "Error in input: updated_datetime is not W3C") from None
        self._demande(champs["service_request_id"])
        with self.verrou:
            self.mises_a_jour_recues.append(champs)
        return 200, [{"update_id": f"FBO-{champs['update_id']}"}], "service_request_updates"

    def _donner_mises_a_jour(self, champs: dict) -> tuple:
        self._verifier_cle(champs)
        self._verifier_juridiction(champs)
        debut = champs.get("start_date") and georeport.lire_date(champs["start_date"])
        fin = champs.get("end_date") and georeport.lire_date(champs["end_date"])
        with self.verrou:
            donnees = list(self.mises_a_jour_a_donner)
        retenues = [m for m in donnees
                    if (not debut or georeport.lire_date(m["updated_datetime"]) >= debut)
                    and (not fin or georeport.lire_date(m["updated_datetime"]) <= fin)]
        return 200, retenues, "service_requests_updates"


class _Refus(Exception):
    def __init__(self, code: int, description: str) -> None:
        self.code, self.description = code, description


def _nombre(texte) -> bool:
    try:
        float(texte)
    except (TypeError, ValueError):
        return False
    return True


def _envoyer(requete: BaseHTTPRequestHandler, statut: int, corps: bytes, type_: str) -> None:
    try:
        requete.send_response(statut)
        requete.send_header("Content-Type", type_)
        requete.send_header("Content-Length", str(len(corps)))
        requete.end_headers()
        requete.wfile.write(corps)
    except (BrokenPipeError, ConnectionResetError):
        pass  # le client a abandonné (délai dépassé) : la demande reste créée


def en_json(objet) -> str:
    return json.dumps(objet, ensure_ascii=False)
