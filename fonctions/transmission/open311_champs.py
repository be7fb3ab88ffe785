"""Ce qu'Aiguillage écrit et lit dans une demande Open311 : la configuration du service
(contenu), la description et ses marques, les adresses, l'identifiant rendu, les conseils
donnés à la coordination pour un refus. Sans HTTP (``open311.py`` envoie)."""

from __future__ import annotations

import re

from fonctions.socle import georeport
from fonctions.socle.client_http import ReponseHTTP

DESCRIPTION_MAX = 4000


def marque(reference: str) -> str:
    return f"[Aiguillage {reference}]"


def description_open311(signalement: dict) -> str:
    """La description du citoyen, les réponses du formulaire et la marque Aiguillage, en
    4 000 signes au plus (la marque n'est jamais coupée : elle sert à retrouver la demande)."""
    reponses = "".join(f"\n{r.get('libelle') or r['id']} : {r['valeur']}"
                       for r in signalement.get("reponses", []))
    suite = (f"\n{reponses}" if reponses else "") + f"\n\n{marque(signalement['reference'])}"
    description = signalement["description"]
    place = DESCRIPTION_MAX - len(suite)
    if len(description) > place:
        description = description[: place - 1] + "…"
    return (description + suite)[:DESCRIPTION_MAX]


def code_attribut(identifiant: str) -> str:
    """``attribute[code]`` : open311-adapter n'accepte que ``\\w+``."""
    return re.sub(r"\W", "_", identifiant)


def racine(adresse: str) -> str:
    """La racine de l'API, même si le contenu donne ``…/requests.json`` ou ``.xml``."""
    return re.sub(r"/?requests\.(json|xml)$", "", adresse.rstrip("/")) + "/"


def url_des_demandes(adresse: str, format_: str = "json") -> str:
    return f"{racine(adresse)}requests.{format_}"


class Configuration:
    """Ce que le contenu dit du service Open311."""

    def __init__(self, gestionnaire: dict) -> None:
        transmission = gestionnaire.get("transmission") or {}
        self.nom = gestionnaire["nom"]
        self.adresse = transmission.get("adresse") or ""
        self.format = transmission.get("format") or "json"
        self.juridiction = transmission.get("juridiction")
        self.codes = transmission.get("codes_service") or {}
        self.defaut = transmission.get("code_service")

    def url(self, chemin: str) -> str:
        return f"{racine(self.adresse)}{chemin}.{self.format}"

    def code_pour(self, issue: str | None) -> str | None:
        return self.codes.get(issue or "") or self.defaut


CONSEILS = {
    401: "Le service demande une authentification : vérifiez AIGUILLAGE_CLE_OPEN311_<ID> et "
         "l'adresse avec son équipe informatique.",
    403: "La clé d'API est refusée : vérifiez AIGUILLAGE_CLE_OPEN311_<ID> avec l'équipe "
         "informatique du service.",
    404: "Le service_code ou l'adresse n'existe pas chez le service : vérifiez « codes_service »,"
         " « code_service » et « adresse_transmission » dans son fichier de contenu.",
}


def identifiant_de(reponse: ReponseHTTP) -> dict[str, str]:
    """``service_request_id`` et/ou ``token`` de la réponse à un POST (JSON ou XML)."""
    try:
        objets = georeport.lire(reponse.texte, georeport.format_du_corps(reponse.texte,
                                                                          reponse.type))
    except georeport.ErreurGeoReport:
        return {}
    if not objets:
        return {}
    premier = objets[0]
    return {cle: str(premier[cle]) for cle in ("service_request_id", "token")
            if premier.get(cle) not in (None, "")}
