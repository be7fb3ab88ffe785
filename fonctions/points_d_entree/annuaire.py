"""La liste des services du modèle, groupés par nature, pour choisir « le bon service ».

Un simple ``<select>`` avec un ``<optgroup>`` par nature : il marche sans JavaScript, au
clavier et avec un lecteur d'écran, et les navigateurs y cherchent en tapant les premières
lettres.
"""

from __future__ import annotations

from fonctions.domaine.modele import Modele

NATURES = {
    "commune": "Communes",
    "intercommunalite": "Intercommunalités",
    "syndicat": "Syndicats",
    "departement": "Département",
    "region": "Région",
    "etat": "Services de l'État",
    "police": "Police et gendarmerie",
    "operateur": "Opérateurs de réseaux",
    "bailleur": "Bailleurs",
    "plateforme-nationale": "Plateformes nationales",
    "urgence": "Urgences",
}


def services_par_nature(modele: Modele, sauf: str | None = None) -> list[dict]:
    """``[{"nature": "Communes", "services": [{"id", "nom"}, …]}, …]``, dans l'ordre des
    natures puis des noms. Un service qui ne reçoit rien par Aiguillage le dit."""
    groupes: dict[str, list[dict]] = {}
    for gestionnaire in modele.gestionnaires.values():
        if gestionnaire["id"] == sauf:
            continue
        canal = (gestionnaire.get("transmission") or {}).get("canal") or "aucune"
        nom = gestionnaire["nom"]
        if canal == "aucune":
            nom += " (ne reçoit rien par Aiguillage : le citoyen sera invité à le joindre)"
        groupes.setdefault(gestionnaire.get("nature") or "autre", []).append(
            {"id": gestionnaire["id"], "nom": nom})
    ordre = list(NATURES)
    return [{"nature": NATURES.get(nature, nature.capitalize()),
             "services": sorted(services, key=lambda s: s["nom"].casefold())}
            for nature, services in sorted(groupes.items(),
                                           key=lambda g: (ordre.index(g[0]) if g[0] in ordre
                                                          else len(ordre), g[0]))]
