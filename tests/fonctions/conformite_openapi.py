"""Chaque réponse vue par les tests des fonctions est-elle celle que décrit
``/api/openapi.json`` ? Statut décrit pour l'opération, type de contenu décrit pour ce
statut, corps JSON valide selon son schéma (JSON Schema 2020-12, celui d'OpenAPI 3.1).

``verifier_reponse`` est posé comme crochet de réponse sur les clients des tests (le
``TestClient`` de ``conftest.py``, les clients httpx du vrai serveur) : une réponse qui
s'écarte de la description fait échouer le test qui l'a reçue.
"""

from __future__ import annotations

import json
import re
from functools import cache
from urllib.parse import urlsplit

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fonctions.points_d_entree.openapi import DESCRIPTION

URI = "urn:aiguillage:openapi"
# Les adresses sans route (``app.api_introuvable``) : 404 ou 405, en JSON ; sous
# /api/open311/v2/, au format d'erreur d'Open311 (JSON, ou XML pour une adresse .xml).
SANS_ROUTE = {404, 405}
OPEN311 = "/api/open311/v2/"


def _pointeur(*morceaux: str) -> str:
    return "/" + "/".join(m.replace("~", "~0").replace("/", "~1") for m in morceaux)


@cache
def _gabarits() -> list[tuple[re.Pattern, str]]:
    """Les adresses décrites, les fixes d'abord (``/api/suivi/etat`` avant
    ``/api/suivi/{jeton_ou_action}``)."""
    gabarits = sorted(DESCRIPTION["paths"], key=lambda c: (c.count("{"), c))
    return [(re.compile("".join("[^/]+" if m.startswith("{") else re.escape(m)
                                for m in re.split(r"(\{[^}]+\})", c)) + r"\Z"), c)
            for c in gabarits]


@cache
def _registre() -> Registry:
    return Registry().with_resource(URI, Resource.from_contents(
        DESCRIPTION, default_specification=DRAFT202012))


def chemin_decrit(chemin: str) -> str | None:
    return next((gabarit for motif, gabarit in _gabarits() if motif.match(chemin)), None)


def ecarts(methode: str, chemin: str, statut: int, type_de_contenu: str,
           corps: bytes) -> list[str]:
    """Ce qui, dans cette réponse, s'écarte de la description (vide si rien)."""
    if not chemin.startswith("/api/"):
        return []  # le site statique, servi à côté
    gabarit = chemin_decrit(chemin)
    operation = DESCRIPTION["paths"].get(gabarit or "", {}).get(methode.lower())
    pointeur: tuple[str, ...]
    if operation is None:
        if statut not in SANS_ROUTE:
            return [] if gabarit is None else [f"{methode} {chemin} : opération non décrite."]
        if chemin.startswith(OPEN311):
            media_open311 = "text/xml" if chemin.endswith(".xml") else "application/json"
            reponse, pointeur = {"content": {media_open311: {}}}, (
                "components", "schemas", "ErreursOpen311")
        else:
            reponse, pointeur = {"content": {"application/json": {}}}, (
                "components", "schemas", "Erreurs")
    else:
        if str(statut) not in operation["responses"]:
            return [f"{methode} {gabarit} : le statut {statut} n'est pas décrit."]
        reponse = operation["responses"][str(statut)]
        pointeur = ("paths", gabarit, methode.lower(), "responses", str(statut), "content")
    media = type_de_contenu.partition(";")[0].strip().lower()
    contenus = reponse.get("content")
    if not contenus:
        return [] if not corps else [f"{methode} {chemin} {statut} : un corps non décrit."]
    if media not in contenus:
        return [f"{methode} {chemin} {statut} : le type {media or '(aucun)'} n'est pas décrit "
                f"({', '.join(contenus)})."]
    if media != "application/json":
        return []
    if operation is not None:
        pointeur = (*pointeur, media, "schema")
    validateur = Draft202012Validator({"$ref": f"{URI}#{_pointeur(*pointeur)}"},
                                      registry=_registre())
    try:
        donnees = json.loads(corps)
    except ValueError:
        return [f"{methode} {chemin} {statut} : le corps n'est pas du JSON."]
    return [f"{methode} {chemin} {statut} : {erreur.message} (à {erreur.json_path})"
            for erreur in validateur.iter_errors(donnees)]


def verifier_reponse(reponse: httpx.Response) -> None:
    """Crochet de réponse httpx : ``AssertionError`` si la réponse s'écarte de la description."""
    reponse.read()
    requete = reponse.request
    trouves = ecarts(requete.method, urlsplit(str(requete.url)).path, reponse.status_code,
                     reponse.headers.get("content-type", ""), reponse.content)
    assert not trouves, "Réponse hors de la description OpenAPI :\n" + "\n".join(trouves)


def client_verifie(base_url: str, **options) -> httpx.Client:
    """Un client httpx dont chaque réponse est vérifiée contre la description."""
    return httpx.Client(base_url=base_url, event_hooks={"response": [verifier_reponse]},
                        **options)
