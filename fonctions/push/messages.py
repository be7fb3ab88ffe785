"""Ce que dit une notification au citoyen, tiré de l'événement du suivi.

Le même texte part en Web Push ou, à défaut d'abonnement, par courriel (si le citoyen a
laissé son adresse pour être tenu au courant). Jamais de donnée de contact dedans.
"""

from __future__ import annotations

from typing import Any

from fonctions.jetons import jeton
from fonctions.statuts import libelle


def lien_de_suivi(signalement: dict[str, Any], url_publique: str, cle_secrete: str) -> str:
    reference = signalement["reference"]
    return f"{url_publique}/suivi/#{jeton(cle_secrete, 'suivi', reference, signalement['suivi']['sel'])}"


def message(signalement: dict[str, Any], evenement: dict[str, Any], lien: str) -> dict[str, str]:
    """``{titre, texte, reference, url}`` pour le service worker (voir sw.js, « push »)."""
    reference = signalement["reference"]
    statut = evenement.get("statut")
    titre = f"{reference} : {libelle(statut)}" if statut else f"{reference} : du nouveau"
    texte = evenement.get("pour_le_citoyen") or "Votre signalement a avancé : ouvrez le suivi."
    nom = next((a.get("nom") for a in signalement.get("attributions", [])
                if a.get("numero") == evenement.get("attribution")), None)
    if nom and nom not in texte:  # « nous nous en occupons » : dire qui parle
        texte = f"{nom} : {texte}"
    return {"titre": titre, "texte": texte, "reference": reference, "url": lien}
