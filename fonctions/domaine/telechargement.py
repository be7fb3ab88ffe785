"""« Télécharger mes données » : tout ce qu'Aiguillage garde d'un signalement, pour son
auteur (la page de suivi, avec ou sans JavaScript ; voir ``fonctions/points_d_entree/suivi_citoyen.py``).

Le fichier JSON (``format`` : ``aiguillage-export-1``) contient les textes, le lieu, les
réponses, les photos (en base64), les coordonnées, la chronologie que voit le citoyen et les
dates où la purge effacera chaque donnée (``fonctions/domaine/purge.py``).
"""

from __future__ import annotations

import base64
from typing import Any

from fonctions.domaine.chronologie import chronologie
from fonctions.domaine.enregistrement import horodatage
from fonctions.domaine.purge import cloture, echeances
from fonctions.domaine.statuts import etat_du_signalement, libelle
from fonctions.socle.reglages import Reglages
from fonctions.stockage import Stockage


def export_du_signalement(
    stockage: Stockage, signalement: dict, reglages: Reglages, coordination: str
) -> dict[str, Any]:
    """Tout ce qu'Aiguillage garde du signalement et que son auteur peut lire (le fichier
    « Télécharger mes données » de la page de suivi) : ses textes, son lieu, ses photos (en
    base64), ses coordonnées, ce qui s'est passé et quand chaque donnée sera effacée. Ni les
    sels des liens, ni l'adresse des notifications (une adresse technique du navigateur)."""
    reference = signalement["reference"]
    photos = []
    for photo in signalement.get("photos", []):
        try:
            contenu = stockage.lire_photo(reference, photo["nom"])
        except FileNotFoundError:
            continue
        photos.append({**photo, "contenu_base64": base64.b64encode(contenu).decode()})
    dates = echeances(signalement, reglages)
    etat = etat_du_signalement(signalement)
    return {
        "format": "aiguillage-export-1",
        "reference": reference,
        "envoye_le": signalement["cree_le"],
        "probleme": signalement["noeud"].get("libelle"),
        "commune": (signalement.get("commune") or {}).get("nom"),
        "description": signalement.get("description"),
        "lieu": signalement.get("localisation"),
        "reponses": signalement.get("reponses", []),
        "photos": photos,
        "coordonnees": signalement.get("contact"),
        "appareils_prevenus": len(signalement.get("abonnements_push") or []),
        "etat": "Résolu, confirmé" if etat == "confirme" else libelle(etat),
        "chronologie": chronologie(signalement, coordination),
        "conservation": {
            "clos_le": horodatage(cloture(signalement)) if dates else None,
            "coordonnees_effacees_le": signalement.get("coordonnees_effacees_le"),
            "coordonnees_effacees_au_plus_tard_le": horodatage(dates[0]) if dates else None,
            "anonymise_au_plus_tard_le": horodatage(dates[1]) if dates else None,
            "tant_que_le_signalement_est_ouvert": (
                "Rien n'est effacé : les durées courent à partir de la clôture."
            ),
        },
    }
