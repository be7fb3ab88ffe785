"""Le modèle des statuts : une attribution par service à qui le signalement a été confié.

Un signalement a une ou plusieurs **attributions** (``signalement["attributions"]``), une
par service qui l'a reçu, chacune avec son propre statut ::

    a_transmettre → transmis → pris_en_charge → en_cours | programme → resolu
                                                  ↘ clos (avec un motif)
                                                  ↘ pas_de_notre_ressort (motif, service suivant)
    non_transmis : la transmission a échoué, la coordination s'en occupe
    a_orienter   : attribution tenue par la coordination (personne n'a été nommé)
    rouvert      : le citoyen a rouvert après « résolu » ; attend une nouvelle prise en charge
    reattribue   : la coordination l'a confié à un autre service

Une attribution **ouverte** (statut non final) figure dans le petit index que lit la
coordination et la boucle des relances ; une attribution finale n'y est plus.
"""

from __future__ import annotations

from typing import Any

# code → libellé montré au citoyen et aux agents
LIBELLES = {
    "a_transmettre": "En cours d'envoi",
    "transmis": "Transmis, en attente de prise en charge",
    "pris_en_charge": "Pris en charge",
    "en_cours": "En cours",
    "programme": "Intervention programmée",
    "resolu": "Résolu",
    "clos": "Clos sans suite",
    "pas_de_notre_ressort": "Pas de notre ressort",
    "non_transmis": "Non transmis : la coordination s'en occupe",
    "a_orienter": "À orienter par la coordination",
    "rouvert": "Rouvert",
    "reattribue": "Confié à un autre service",
}
FINALS = frozenset({"resolu", "clos", "pas_de_notre_ressort", "reattribue"})
OUVERTS = frozenset(LIBELLES) - FINALS
# En attente d'un accusé de réception : c'est ce que surveillent les relances.
EN_ATTENTE = frozenset({"transmis", "rouvert"})
# Ce qu'un service peut déclarer (lien d'agent, webhook, Open311).
DECLARABLES = ("pris_en_charge", "en_cours", "programme", "resolu", "clos",
               "pas_de_notre_ressort")
# Depuis quels statuts un service peut encore agir.
MODIFIABLES_PAR_LE_SERVICE = frozenset({"a_transmettre", "transmis", "rouvert", "non_transmis",
                                        "pris_en_charge", "en_cours", "programme"})
CODE_COORDINATION = "coordination"  # le « service » d'une attribution à orienter
JOURS_POUR_ROUVRIR = 30


def libelle(statut: str) -> str:
    return LIBELLES.get(statut, statut)


def est_ouverte(attribution: dict[str, Any]) -> bool:
    return attribution["statut"] in OUVERTS


def attributions(signalement: dict[str, Any]) -> list[dict[str, Any]]:
    """Les attributions, dans l'ordre ; un ancien document (``attribution`` seule) en a une."""
    if "attributions" in signalement:
        return signalement["attributions"]
    ancienne = signalement.get("attribution") or {}
    g = signalement.get("gestionnaire") or {}
    etat = signalement.get("etat", "a_transmettre")
    return [{"numero": 1, "gestionnaire": ancienne.get("gestionnaire", g.get("id")),
             "nom": g.get("nom"), "canal": g.get("canal"), "sel": ancienne.get("sel", ""),
             "statut": etat if etat in LIBELLES else "transmis",
             "depuis": signalement.get("cree_le"), "revoque_le": None}]


def attribution_numero(signalement: dict[str, Any], numero: int) -> dict[str, Any] | None:
    return next((a for a in attributions(signalement) if a["numero"] == numero), None)


def ouvertes(signalement: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in attributions(signalement) if est_ouverte(a)]


def derniere(signalement: dict[str, Any]) -> dict[str, Any]:
    """L'attribution ouverte la plus récente, sinon la dernière tout court."""
    liste = attributions(signalement)
    return next((a for a in reversed(liste) if est_ouverte(a)), liste[-1])


def etat_du_signalement(signalement: dict[str, Any]) -> str:
    """Le statut résumé du signalement (champ ``etat``) : celui de sa dernière attribution,
    ou ``confirme`` quand le citoyen a confirmé la résolution."""
    if signalement.get("confirme_le"):
        return "confirme"
    return derniere(signalement)["statut"]
