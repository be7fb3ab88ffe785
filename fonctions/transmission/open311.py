"""Le canal ``open311`` : ``POST requests.json`` (GeoReport v2) vers le service.

``adresse_transmission`` est la racine de l'API (``https://…/open311/v2/``) ;
``code_service`` donne le ``service_code``. La clé d'API vient de l'environnement
(``AIGUILLAGE_CLE_OPEN311_<ID>``). L'identifiant rendu (``service_request_id``, ou le
``token`` d'un serveur asynchrone) est gardé au signalement.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from fonctions.socle.client_http import ClientHTTP, ErreurReseau, ReponseHTTP
from fonctions.transmission.base import Dossier, EchecTransmission, Recu

DESCRIPTION_MAX = 4000


def description_open311(signalement: dict) -> str:
    """La description du citoyen, suivie de la référence Aiguillage, en 4 000 signes au plus."""
    suite = f"\n\n[Aiguillage {signalement['reference']}]"
    description = signalement["description"]
    place = DESCRIPTION_MAX - len(suite)
    if len(description) > place:
        description = description[: place - 1] + "…"
    return description + suite


def url_des_demandes(adresse: str) -> str:
    return adresse if adresse.endswith("requests.json") else adresse.rstrip("/") + "/requests.json"


class CanalOpen311:
    nom = "open311"

    def __init__(self, client: ClientHTTP, cle: Callable[[str], str | None]) -> None:
        self.client, self.cle = client, cle

    def transmettre(self, dossier: Dossier) -> Recu:
        if dossier.evenement in ("relance", "lien"):
            # GeoReport v2 ne connaît pas la relance : l'échéance suivante prévient la
            # coordination, qui joint le service.
            return Recu("Pas de relance par Open311 : la coordination sera prévenue si le "
                        "service ne répond pas.")
        if dossier.evenement in ("rouvert", "complement"):
            return self._mise_a_jour(dossier)
        code = (dossier.gestionnaire.get("transmission") or {}).get("code_service")
        if not dossier.adresse.startswith(("https://", "http://")) or not code:
            raise EchecTransmission(f"{dossier.gestionnaire['nom']} : adresse_transmission ou "
                                    "code_service manquant.", definitif=True)
        s = dossier.signalement
        localisation, contact = s["localisation"], s.get("contact") or {}
        champs = {"service_code": code, "description": description_open311(s)}
        if localisation.get("latitude") is not None:
            champs["lat"] = str(localisation["latitude"])
            champs["long"] = str(localisation["longitude"])
        if localisation.get("adresse"):
            champs["address_string"] = localisation["adresse"]
        if contact.get("courriel"):
            champs["email"] = contact["courriel"]
        if contact.get("telephone"):
            champs["phone"] = contact["telephone"]
        for reponse in s.get("reponses", []):
            champs[f"attribute[{reponse['id']}]"] = reponse["valeur"]
        url = url_des_demandes(dossier.adresse)
        reponse = self._poster(url, champs, dossier)
        # Accepté (2xx) : c'est transmis, même si la réponse ne se lit pas — réessayer
        # créerait un doublon chez le service.
        donnees = _identifiant(reponse.texte)
        suite = f" (demande {next(iter(donnees.values()))})" if donnees else ""
        return Recu(f"Envoyé par Open311 à {url}{suite}.", donnees)


    def _mise_a_jour(self, dossier: Dossier) -> Recu:
        """Une mise à jour d'une demande existante, à la manière de FixMyStreet :
        ``POST servicerequestupdates.json`` (``status`` : ``open`` pour une réouverture)."""
        if not dossier.adresse.startswith(("https://", "http://")):
            raise EchecTransmission(f"{dossier.gestionnaire['nom']} : adresse_transmission "
                                    "manquante.", definitif=True)
        s = dossier.signalement
        transmission = _transmission_de(s, dossier)
        champs = {
            "service_request_id": transmission.get("service_request_id") or s["reference"],
            "update_id": dossier.identifiant,
            "status": "open",
            "description": (dossier.motif or "")[:DESCRIPTION_MAX],
        }
        url = dossier.adresse.rstrip("/").removesuffix("/requests.json")
        url = f"{url}/servicerequestupdates.json"
        self._poster(url, champs, dossier)
        return Recu(f"Mise à jour envoyée par Open311 à {url}.")

    def _poster(self, url: str, champs: dict[str, str], dossier: Dossier) -> ReponseHTTP:
        """Le formulaire, avec la clé d'API du service s'il en a une ; un refus ou un
        serveur injoignable devient ``EchecTransmission`` (réessayé plus tard)."""
        cle = self.cle(dossier.gestionnaire["id"])
        if cle:
            champs = {**champs, "api_key": cle}
        try:
            reponse = self.client.post(url, formulaire=champs)
        except ErreurReseau as erreur:
            raise EchecTransmission(f"{url} injoignable : {erreur}") from None
        if not 200 <= reponse.statut < 300:
            raise EchecTransmission(f"{url} a répondu {reponse.statut} : {reponse.texte[:200]}")
        return reponse


def _transmission_de(signalement: dict, dossier: Dossier) -> dict:
    for attribution in reversed(signalement.get("attributions", [])):
        if attribution["gestionnaire"] == dossier.gestionnaire["id"]:
            transmission = attribution.get("transmission") or {}
            if transmission:
                return transmission
    return signalement.get("transmission") or {}


def _identifiant(texte: str) -> dict[str, str]:
    try:
        premier = json.loads(texte)[0]
    except (ValueError, IndexError, KeyError, TypeError):
        return {}
    if not isinstance(premier, dict):
        return {}
    for cle in ("service_request_id", "token"):
        if premier.get(cle) is not None:
            return {cle: str(premier[cle])}
    return {}
