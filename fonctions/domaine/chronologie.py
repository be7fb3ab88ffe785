"""Ce que le citoyen voit de son signalement : une chronologie en français simple, qui s'en
occupe, depuis quand, et la suite. La même pour l'API JSON et la page sans JavaScript.

Rien ici ne montre le contact du citoyen, ni le nom d'un agent : seulement des services.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fonctions.domaine import textes
from fonctions.domaine.intervention import MOIS, intervention_prevue
from fonctions.domaine.statuts import (
    EN_ATTENTE,
    JOURS_POUR_ROUVRIR,
    attributions,
    derniere,
    etat_du_signalement,
    libelle,
    ouvertes,
)

PARIS = ZoneInfo("Europe/Paris")


def jour_en_clair(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(PARIS)
    jour = "1er" if moment.day == 1 else str(moment.day)
    return f"{jour} {MOIS[moment.month - 1]} {moment.year}"


def date_en_clair(iso: str) -> str:
    """``2025-03-10T09:00:00+00:00`` → ``10 mars 2025 à 10 h 00`` (heure de Paris)."""
    moment = datetime.fromisoformat(iso).astimezone(PARIS)
    return f"{jour_en_clair(iso)} à {moment.hour} h {moment.minute:02d}"


def _visible(evenement: dict) -> bool:
    # Les documents d'avant le suivi entre services n'ont pas le drapeau « public ».
    return evenement["type"] == "recu" or evenement.get("public", evenement["type"] == "transmis")


def chronologie(signalement: dict, coordination: str, pour_le_service: bool = False
                ) -> list[dict[str, Any]]:
    """Les étapes visibles par le citoyen, de la plus ancienne à la plus récente ; avec
    ``pour_le_service``, écrites pour l'agent (« le citoyen » au lieu de « vous »)."""
    titres = {**textes.TITRES, **(textes.TITRES_POUR_LE_SERVICE if pour_le_service else {})}
    noms = {a["numero"]: a["nom"] for a in attributions(signalement)}
    etapes = []
    for evenement in signalement.get("historique", []):
        if not _visible(evenement):
            continue
        sorte = evenement["type"]
        par = (evenement.get("par") or {}).get("qui")
        service = noms.get(evenement.get("attribution", 1))
        if par == "citoyen":
            qui = "Le citoyen" if pour_le_service else "Vous"
        elif par == "coordination":
            qui = coordination
        elif sorte == "recu":
            qui = None
        else:
            qui = service
        texte = evenement.get("pour_le_citoyen")
        if sorte == "recu":
            texte = f"Enregistré sous la référence {signalement['reference']}."
        elif sorte == "transmis" and not texte:
            texte = textes.dire_transmis(service or "le service")
        etape = {"date": evenement["date"], "date_en_clair": date_en_clair(evenement["date"]),
                 "type": sorte, "titre": titres.get(sorte, sorte), "qui": qui,
                 "texte": texte or "",
                 # le motif d'un refus est déjà dans son texte
                 "motif": evenement.get("motif") if sorte != "pas_de_notre_ressort" else None,
                 "votre_message": evenement.get("message_du_citoyen")}
        etapes.append(etape)
    return etapes


def rouvrir_jusqu_au(signalement: dict) -> str | None:
    """La date limite pour rouvrir, si le signalement est résolu et pas encore confirmé."""
    if signalement.get("confirme_le") or ouvertes(signalement):
        return None
    a = derniere(signalement)
    if a["statut"] != "resolu" or not a.get("resolu_le"):
        return None
    return (datetime.fromisoformat(a["resolu_le"])
            + timedelta(days=JOURS_POUR_ROUVRIR)).isoformat(timespec="seconds")


def prochaine_etape(signalement: dict, coordination: str, maintenant: datetime) -> str:
    a = derniere(signalement)
    statut, nom = a["statut"], a["nom"]
    if signalement.get("confirme_le"):
        return "Le signalement est clos. Merci de nous avoir aidés à améliorer votre quartier."
    if statut == "a_transmettre":
        return f"Votre signalement part vers {nom}."
    if statut in EN_ATTENTE:
        if a.get("canal") == "aucune":
            return f"{nom} ne reçoit pas les signalements par Aiguillage : contactez-le directement."
        if a.get("echeance"):
            return (f"{nom} doit en accuser réception d'ici le {jour_en_clair(a['echeance'])}. "
                    "Sinon, nous le relançons.")
        return f"{nom} doit en accuser réception."
    if statut == "non_transmis":
        return f"{coordination} transmet votre signalement à la main."
    if statut == "a_orienter":
        return f"{coordination} cherche le bon service et vous dira ici qui l'a."
    if intervention_prevue(a):
        return (f"{nom} a prévu d'intervenir le {intervention_prevue(a)}. Chacune de ses "
                "réponses s'affichera ici.")
    if statut in ("pris_en_charge", "en_cours", "programme"):
        return f"{nom} s'en occupe. Chacune de ses réponses s'affichera ici."
    if statut == "resolu":
        limite = rouvrir_jusqu_au(signalement)
        if limite and maintenant <= datetime.fromisoformat(limite):
            return ("Le problème est-il vraiment réglé ? Confirmez-le, ou rouvrez le "
                    f"signalement d'ici le {jour_en_clair(limite)}.")
        return "Le signalement est résolu. Si le problème revient, faites un nouveau signalement."
    if statut == "clos":
        return (f"{nom} a clos ce signalement. Si le problème continue, faites un nouveau "
                "signalement.")
    return "Le signalement est suivi."


def resume(signalement: dict, coordination: str, maintenant: datetime) -> dict[str, Any]:
    """Ce que l'API de suivi rend (sans contact ni donnée personnelle)."""
    a = derniere(signalement)
    etat = etat_du_signalement(signalement)
    limite = rouvrir_jusqu_au(signalement)
    peut_rouvrir = bool(limite and maintenant <= datetime.fromisoformat(limite))
    return {
        "reference": signalement["reference"],
        "probleme": signalement["noeud"]["libelle"],
        "commune": (signalement.get("commune") or {}).get("nom"),
        "cree_le": signalement["cree_le"],
        "etat": {"code": etat,
                 "libelle": "Résolu, confirmé" if etat == "confirme" else libelle(etat),
                 "depuis": signalement.get("confirme_le") or a["depuis"]},
        "qui_s_en_occupe": [{"nom": o["nom"], "depuis": o["depuis"],
                             "depuis_en_clair": date_en_clair(o["depuis"])}
                            for o in ouvertes(signalement)],
        "prochaine_etape": prochaine_etape(signalement, coordination, maintenant),
        "chronologie": chronologie(signalement, coordination),
        "actions": {
            "completer": not signalement.get("confirme_le"),
            "confirmer": peut_rouvrir,
            "rouvrir": peut_rouvrir,
            "rouvrir_jusqu_au": limite if peut_rouvrir else None,
        },
    }


def dernier_etat(signalement: dict, coordination: str) -> dict[str, Any]:
    """Le dernier état seulement, pour la liste « Mes signalements »."""
    etat = etat_du_signalement(signalement)
    a = derniere(signalement)
    return {"reference": signalement["reference"], "code": etat,
            "libelle": "Résolu, confirmé" if etat == "confirme" else libelle(etat),
            "service": coordination if a["gestionnaire"] == "coordination" else a["nom"],
            "depuis": signalement.get("confirme_le") or a["depuis"]}
