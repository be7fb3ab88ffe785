"""Aides des tests du serveur Open311 : un client avec une api_key, une demande valide."""

from __future__ import annotations

from starlette.datastructures import Secret

V2 = "/api/open311/v2"
CLE = "cle-de-l-appli-de-la-ville"


def client_avec_cle(fabrique_client, **reglages):
    """Un client de test dont l'application connaît l'api_key ``CLE``."""
    return fabrique_client(clients_open311={"APPLI_VILLE": Secret(CLE)}, **reglages)


def demande(**autres) -> dict:
    """Une demande Open311 valide : un nid-de-poule à Bourg-les-Essais."""
    champs = {"api_key": CLE, "service_code": "voirie.nid-de-poule", "lat": "47.51",
              "long": "-2.48", "address_string": "12 rue des Écoles, Bourg-les-Essais",
              "description": "Un trou profond devant l'école, rue des Écoles.",
              "email": "lea@exemple.fr", "first_name": "Léa", "last_name": "Martin",
              "attribute[taille]": "Comme une assiette"}
    champs.update(autres)
    return {k: v for k, v in champs.items() if v is not None}


