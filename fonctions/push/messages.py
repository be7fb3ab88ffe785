"""Ce que dit une notification au citoyen, tiré de l'événement du suivi.

Le même texte part en Web Push ou, à défaut d'abonnement, par courriel (si le citoyen a
laissé son adresse pour être tenu au courant). Jamais de donnée de contact dedans.
"""

from __future__ import annotations

import re
from typing import Any

from fonctions.domaine.statuts import libelle
from fonctions.domaine.textes import TITRES
from fonctions.socle.jetons import jeton


def lien_de_suivi(signalement: dict[str, Any], url_publique: str, cle_secrete: str) -> str:
    reference = signalement["reference"]
    return f"{url_publique}/suivi/#{jeton(cle_secrete, 'suivi', reference, signalement['suivi']['sel'])}"


def message(signalement: dict[str, Any], evenement: dict[str, Any], lien: str) -> dict[str, str]:
    """``{titre, texte, reference, url}`` pour le service worker (voir sw.js, « push »)."""
    reference = signalement["reference"]
    statut = evenement.get("statut")
    etape = libelle(statut) if statut else TITRES.get(evenement.get("type"), "Nouvelle étape")
    titre = f"{reference} : {etape}"
    texte = evenement.get("pour_le_citoyen") or "Votre signalement a avancé : ouvrez le suivi."
    nom = next((a.get("nom") for a in signalement.get("attributions", [])
                if a.get("numero") == evenement.get("attribution")), None)
    if nom and nom not in texte:  # « nous nous en occupons » : dire qui parle
        texte = f"{nom} : {texte}"
    return {"titre": titre, "texte": texte, "reference": reference, "url": lien}


def _une_ligne(texte: str) -> str:
    return re.sub(r"\s+", " ", texte).strip()


def probleme_et_lieu(signalement: dict[str, Any]) -> str:
    """Le problème et le lieu, en une ligne : « Un nid-de-poule, 12 rue des Écoles, Muzillac ».

    L'adresse écrite par le citoyen vient d'abord ; la commune s'y ajoute si elle n'y est pas
    déjà. Les sauts de ligne deviennent des espaces (la ligne va dans un sujet de courriel).
    """
    probleme = _une_ligne((signalement.get("noeud") or {}).get("libelle") or "Votre signalement")
    adresse = _une_ligne((signalement.get("localisation") or {}).get("adresse") or "")
    commune = _une_ligne((signalement.get("commune") or {}).get("nom") or "")
    lieu = [adresse] if adresse else []
    if commune and commune.casefold() not in adresse.casefold():
        lieu.append(commune)
    return ", ".join([probleme, *lieu])
