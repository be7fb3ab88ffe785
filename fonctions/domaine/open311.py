"""Les nouvelles d'un logiciel de service Open311 : ses statuts traduits en les nôtres.

La table (docs/open311.md la reprend pour les équipes informatiques) suit les statuts
étendus de FixMyStreet et d'open311-adapter ; l'écriture (majuscules, minuscules) est
indifférente. ``CLOSED`` dépend du service (``statuts_open311`` dans son fichier) : pour un
logiciel qui ne connaît que ``open``/``closed`` (``ouvert-ferme``, par défaut), fermé veut
dire fait : résolu ; avec les statuts étendus (``etendus``), ``FIXED`` dit résolu et
``CLOSED`` dit clos sans suite.

Une mise à jour n'est jamais perdue : chacune, avec son texte, va dans la chronologie.
L'état ne change que si elle est **plus récente** (``updated_datetime``) que la dernière
appliquée pour cette attribution, et si le changement a un sens (une mise à jour qui
arrive en retard, ``INVESTIGATING`` après ``IN_PROGRESS``, ``CLOSED`` après ``FIXED`` :
notées, l'état reste).
"""

from __future__ import annotations

from datetime import datetime

from fonctions.domaine import actions
from fonctions.domaine.enregistrement import horodatage
from fonctions.domaine.statuts import EN_ATTENTE, libelle
from fonctions.domaine.suivi import ActionImpossible, Chantier

# statut GeoReport → (statut Aiguillage, motif par défaut). « message » : un commentaire,
# l'état ne change pas ; « prise » : pris en charge s'il attendait un accusé de réception.
STATUTS = {
    "OPEN": ("prise", None),
    "UNCHANGED": ("message", None),
    "FOR_TRIAGE": ("prise", None),
    "INVESTIGATING": ("pris_en_charge", None),
    "IN_PROGRESS": ("en_cours", None),
    "ACTION_SCHEDULED": ("programme", None),
    "PLANNED": ("programme", None),
    "FIXED": ("resolu", None),
    "CLOSED": ("clos", "Clos par le service."),
    "NO_FURTHER_ACTION": ("clos", "Pas d'intervention prévue."),
    "UNABLE_TO_FIX": ("clos", "Le service ne peut pas intervenir."),
    "WONT_FIX": ("clos", "Pas d'intervention prévue."),
    "DUPLICATE": ("clos", "Déjà signalé et traité."),
    "CANCELLED": ("clos", "Demande annulée par le service."),
    "NOT_COUNCILS_RESPONSIBILITY": ("pas_de_notre_ressort", "Ce n'est pas de notre compétence."),
    "INTERNAL_REFERRAL": ("pas_de_notre_ressort", "Transmis à un autre service."),
    "REOPEN": ("rouvre", None),
}
# L'ordre d'avancement : un statut plus bas qu'où l'on est déjà ne fait pas reculer l'état.
RANG = {"transmis": 0, "rouvert": 0, "a_transmettre": 0, "non_transmis": 0,
        "pris_en_charge": 1, "en_cours": 2, "programme": 2, "resolu": 3, "clos": 3}


def traduire(status: str, statuts_du_service: str = "ouvert-ferme") -> tuple[str, str | None]:
    """``(statut Aiguillage, motif par défaut)`` ; ``KeyError`` pour un statut inconnu."""
    status = status.strip().upper()
    if status == "CLOSED" and statuts_du_service != "etendus":
        return "resolu", None
    return STATUTS[status]


def mise_a_jour(gestionnaire: str, identifiant: str, status: str, description: str | None,
                quand: datetime | None, *, statuts_du_service: str = "ouvert-ferme",
                vers: str | None = None, date_intervention: str | None = None):
    """L'action d'une mise à jour Open311 (poussée ou relevée). Rend ``deja_recu``,
    ``enregistre`` (l'état a changé) ou ``note`` (gardée dans la chronologie seulement)."""
    statut, motif = traduire(status, statuts_du_service)
    texte = (description or "").strip() or None

    def action(c: Chantier) -> str:
        a = actions.attribution_de_la_mise_a_jour(c, gestionnaire, identifiant)
        if a is None:
            return "deja_recu"
        derniere = a.get("open311_derniere_mise_a_jour")
        if quand is not None and derniere and quand <= datetime.fromisoformat(derniere):
            return _noter(c, a, status, texte, quand, "plus ancienne que la dernière appliquée")
        raison = _sans_effet(a["statut"], statut, bool(date_intervention))
        if raison:
            return _noter(c, a, status, texte, quand, raison)
        if statut == "prise" and a["statut"] not in (*EN_ATTENTE, "a_transmettre",
                                                    "non_transmis"):
            statut_final = "message"
        else:
            statut_final = "pris_en_charge" if statut == "prise" else statut
        if statut_final == "message":
            return _noter(c, a, status, texte, quand, None)
        if statut_final == "rouvre":
            c.changer_statut(a, "pris_en_charge")
            a.pop("resolu_le", None)
            c.noter("pris_en_charge", attribution=a, statut="pris_en_charge",
                    pour_le_citoyen=texte or f"{a['nom']} a rouvert sa demande et s'en occupe.")
        else:
            garde_motif = statut_final in ("clos", "pas_de_notre_ressort")
            try:
                actions.declarer(a["numero"], statut_final,
                                 None if garde_motif else texte,
                                 (texte or motif) if garde_motif else None, vers,
                                 date_intervention if statut_final == "programme" else None,
                                 exiger_la_date=False)(c)
            except ActionImpossible as refus:
                if refus.statut != 409:
                    raise
                return _noter(c, a, status, texte, quand, refus.message)
        if quand is not None:  # la dernière appliquée (une mise à jour notée ne compte pas)
            a["open311_derniere_mise_a_jour"] = horodatage(quand)
        return "enregistre"
    return action


def _sans_effet(actuel: str, statut: str, nouvelle_date: bool = False) -> str | None:
    """Pourquoi ``statut`` ne change pas l'état ``actuel`` (``None`` : il le change). Une
    intervention programmée de nouveau, avec sa date, est un changement."""
    if statut == "rouvre":
        return None if actuel in ("resolu", "clos") else "la demande n'était pas fermée"
    if actuel in ("pas_de_notre_ressort", "reattribue"):
        return f"le signalement est « {libelle(actuel)} » pour ce service"
    if statut in ("message", "prise"):
        return None
    if statut == actuel and not (statut == "programme" and nouvelle_date):
        return "même statut"
    if statut in RANG and actuel in RANG and RANG[statut] < RANG[actuel]:
        return f"le signalement est déjà « {libelle(actuel)} »"
    if actuel in ("resolu", "clos") and statut in ("resolu", "clos"):
        return f"le signalement est déjà « {libelle(actuel)} »"
    return None


def _noter(c: Chantier, a: dict, status: str, texte: str | None, quand: datetime | None,
           raison: str | None) -> str:
    """La mise à jour dans la chronologie, sans changer l'état : son texte pour le citoyen
    s'il y en a un ; pour la coordination, pourquoi l'état n'a pas changé."""
    date = f" du {horodatage(quand)}" if quand else ""
    message = (f"Mise à jour {status.upper()}{date} de {a['nom']} : état inchangé ({raison})."
               if raison else None)
    if texte:
        c.noter("message", attribution=a, pour_le_citoyen=texte, open311=status.upper(),
                message=message)
    else:
        c.noter("message", public=False, attribution=a, open311=status.upper(),
                message=message or f"Mise à jour {status.upper()}{date} de {a['nom']}.")
    return "note"
