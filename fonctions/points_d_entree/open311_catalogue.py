"""Ce que le serveur Open311 montre : les services (les issues qui acceptent un signalement),
leurs définitions, et la vue publique d'un signalement et de ses étapes.

Tout est lu dans le modèle construit et dans le signalement, sans rien écrire. La vue
publique ne contient **aucune donnée personnelle** : ni la description du citoyen, ni ses
coordonnées, ni les messages échangés (un agent peut y nommer la personne) ; seulement
l'issue, la commune, les dates, le statut et le service qui s'en occupe. Le lieu exact
(adresse, latitude, longitude) n'y est pas quand l'issue est ``sensible`` (contenu), ni
quand elle n'est plus dans le modèle ou qu'elle est « Un autre problème » (tout peut s'y
dire).
"""

from __future__ import annotations

from typing import Any

from fonctions.domaine.chronologie import chronologie
from fonctions.domaine.modele import Modele
from fonctions.domaine.statuts import FINALS, derniere, libelle

# Les attributs qu'Aiguillage ajoute aux questions de chaque formulaire.
ATTRIBUT_COMMUNE = "commune"
ATTRIBUT_CONSENTEMENT = "consentement"
OUI_NON = [{"key": "oui", "name": "Oui"}, {"key": "non", "name": "Non"}]
# Nos statuts → ceux de FixMyStreet (``servicerequestupdates``), en majuscules.
STATUTS_ETENDUS = {
    "recu": "OPEN", "a_transmettre": "OPEN", "transmis": "OPEN", "a_orienter": "OPEN",
    "non_transmis": "OPEN", "abandon": "OPEN", "rouvert": "REOPEN",
    "pris_en_charge": "INVESTIGATING", "en_cours": "IN_PROGRESS",
    "programme": "ACTION_SCHEDULED", "resolu": "FIXED", "confirme": "FIXED",
    "clos": "NO_FURTHER_ACTION", "pas_de_notre_ressort": "NOT_COUNCILS_RESPONSIBILITY",
    "reattribue": "INTERNAL_REFERRAL",
}


PARTAGES = "_partages"  # le dossier des parties partagées du parcours (site/plugins/arbre)
PARTAGES_LISIBLE = "partages"  # son nom dans l'adresse des pages, et dans les codes


def code_de(noeud_id: str) -> str:
    """Le ``service_code`` d'une issue : l'adresse de sa page, « / » devenus « . » (un code
    est un segment d'adresse : ``services/voirie.nid-de-poule.json``). Comme l'adresse, une
    partie partagée du parcours (``_partages/arbre-tombe/parc``, page
    ``/partages/arbre-tombe/parc/``) s'écrit sans le tiret bas :
    ``partages.arbre-tombe.parc``."""
    segments = noeud_id.split("/")
    if segments[0] == PARTAGES:
        segments[0] = PARTAGES_LISIBLE
    return ".".join(segments)


def noeuds_du_code(code: str) -> list[str]:
    """Les identifiants d'issue qu'un ``service_code`` peut nommer : celui dont il est le
    code (``code_de``), et celui qu'il nommait avant que les parties partagées aient un code
    lisible (``_partages.arbre-tombe.parc``, toujours accepté)."""
    brut = code.replace(".", "/")
    segments = brut.split("/")
    if segments[0] == PARTAGES_LISIBLE:
        return [f"{PARTAGES}/{'/'.join(segments[1:])}", brut]
    return [brut]


def issue_de(modele: Modele, code: str) -> dict[str, Any] | None:
    """L'issue qui accepte un signalement dont ``code`` est le ``service_code``, ou ``None``."""
    for identifiant in noeuds_du_code(code):
        noeud = modele.noeud(identifiant)
        if noeud is not None and noeud.get("type") == "transmission":
            return noeud
    return None


def issues(modele: Modele) -> list[dict[str, Any]]:
    """Les issues qui acceptent un signalement, dans l'ordre du modèle, « Un autre
    problème » en dernier."""
    trouvees = [n for n in modele.noeuds.values() if n.get("type") == "transmission"]
    if modele.je_ne_trouve_pas:
        trouvees.append(modele.je_ne_trouve_pas)
    return trouvees


def groupe(modele: Modele, noeud: dict[str, Any]) -> str:
    """Le choix de premier niveau qui mène à l'issue (« La rue, le trottoir, la route »)."""
    ancetres = [a for a in noeud.get("ancetres", []) if a]
    premier = modele.noeuds.get(ancetres[0]) if ancetres else None
    if premier is None:
        return "Autres problèmes" if noeud.get("hors_parcours") else noeud.get("libelle", "")
    return premier.get("libelle", "")


def service(modele: Modele, noeud: dict[str, Any]) -> dict[str, Any]:
    return {
        "service_code": code_de(noeud["id"]),
        "service_name": noeud.get("libelle") or noeud.get("titre") or noeud["id"],
        "description": noeud.get("indice") or noeud.get("titre") or "",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(noeud.get("mots_cles") or []),
        "group": groupe(modele, noeud),
    }


def definition(modele: Modele, noeud: dict[str, Any]) -> dict[str, Any]:
    """La définition du service : une question du formulaire de l'issue par attribut, puis
    la commune (code INSEE) et l'accord pour que le service contacte la personne."""
    attributs = []
    for question in (noeud.get("formulaire") or {}).get("questions") or []:
        sorte = question.get("type")
        valeurs = ([{"key": c, "name": c} for c in question.get("choix") or []]
                   if sorte == "choix" else OUI_NON if sorte == "oui-non" else [])
        attributs.append({
            "variable": True, "code": question["id"],
            "datatype": "singlevaluelist" if valeurs else "string",
            "required": bool(question.get("obligatoire")), "datatype_description": "",
            "order": len(attributs) + 1, "description": question["libelle"], "values": valeurs})
    depend = bool(noeud.get("depend_de_la_commune"))
    attributs.append({
        "variable": True, "code": ATTRIBUT_COMMUNE, "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": (
            "Le code INSEE de la commune du problème. "
            + ("Le service qui s'en occupe change d'une commune à l'autre : sans ce code, la "
               "commune doit être écrite dans address_string (nom ou code postal)."
               if depend else "Facultatif : le même service s'en occupe partout.")),
        "order": len(attributs) + 1, "description": "Dans quelle commune ?",
        "values": [{"key": c["insee"], "name": c["nom"]} for c in modele.territoire["communes"]]})
    attributs.append({
        "variable": True, "code": ATTRIBUT_CONSENTEMENT, "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": (
            "« oui » : le service peut contacter la personne (email, phone). Sans cet "
            "accord, l'e-mail ne sert qu'à la tenir au courant et le téléphone n'est pas "
            "gardé."),
        "order": len(attributs) + 1, "description": "Le service peut-il vous contacter ?",
        "values": OUI_NON})
    return {"service_code": code_de(noeud["id"]), "attributes": attributs}


def est_sensible(modele: Modele, noeud_id: str | None) -> bool:
    noeud = modele.noeud(noeud_id) if noeud_id else None
    if noeud is None or noeud.get("type") != "transmission":  # retirée, ou devenue autre chose
        return True
    return bool(noeud.get("sensible") or noeud.get("hors_parcours"))


ETATS_FERMES = (*FINALS, "confirme")  # status=closed ; tous les autres : open


def statut_open311(signalement: dict[str, Any]) -> str:
    return "closed" if signalement.get("etat") in ETATS_FERMES else "open"


def demande_publique(modele: Modele, signalement: dict[str, Any]) -> dict[str, Any]:
    """Un signalement tel que ``GET requests`` le montre à tous (voir le haut du module)."""
    noeud = signalement.get("noeud") or {}
    commune = signalement.get("commune") or {}
    lieu = signalement.get("localisation") or {}
    actuelle = derniere(signalement) if signalement.get("attributions") else {}
    sensible = est_sensible(modele, noeud.get("id"))
    etat = signalement.get("etat", "")
    historique = signalement.get("historique") or [{}]
    demande = {
        "service_request_id": signalement["reference"],
        "status": statut_open311(signalement),
        "status_notes": libelle(etat) if etat != "confirme" else "Résolu, confirmé par le citoyen",
        "service_name": noeud.get("libelle") or "",
        "service_code": code_de(noeud.get("id") or ""),
        "agency_responsible": actuelle.get("nom") or "",
        "service_notice": "",
        "requested_datetime": signalement.get("cree_le"),
        "updated_datetime": historique[-1].get("date") or signalement.get("cree_le"),
        "expected_datetime": actuelle.get("date_intervention"),
        "address": commune.get("nom") or "",
        "address_id": "",
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }
    communes = modele.commune(commune.get("insee") or "")
    if communes and len(communes.get("codes_postaux") or []) == 1:
        demande["zipcode"] = communes["codes_postaux"][0]
    if not sensible:
        adresse, nom = lieu.get("adresse") or "", commune.get("nom") or ""
        if adresse:
            deja = nom.casefold() in adresse.casefold()
            demande["address"] = adresse if deja or not nom else f"{adresse}, {nom}"
        demande["lat"], demande["long"] = lieu.get("latitude"), lieu.get("longitude")
    return demande


def mises_a_jour(modele: Modele, signalement: dict[str, Any]) -> list[dict[str, Any]]:
    """Les étapes publiques du signalement, au format ``servicerequestupdates`` de
    FixMyStreet : le titre de l'étape et qui l'a faite, jamais le texte d'un message."""
    coordination = (modele.territoire.get("coordination") or {}).get("nom") or "La coordination"
    statut, sorties = "OPEN", []
    for numero, etape in enumerate(chronologie(signalement, coordination, True), 1):
        statut = STATUTS_ETENDUS.get(etape["type"], statut)
        if etape["type"] == "rouvert":
            statut_de_l_etape, statut = "REOPEN", "OPEN"
        else:
            statut_de_l_etape = statut
        qui = etape.get("qui")
        titre = etape["titre"]
        sorties.append({
            "update_id": f"{signalement['reference']}-{numero}",
            "service_request_id": signalement["reference"],
            "status": statut_de_l_etape,
            "updated_datetime": etape["date"],
            "description": f"{titre} ({qui})" if qui and qui != "Le citoyen" else titre,
            "media_url": "",
        })
    return sorties
