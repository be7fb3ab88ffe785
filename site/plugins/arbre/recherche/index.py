"""L'index de la recherche hors ligne : un extrait du modèle, sans logique d'aiguillage.

Chaque entrée donne l'adresse d'une page du parcours, son libellé, son indice, ses mots
clés et le chemin qui y mène ; la recherche elle-même (sans accents ni majuscules) est
faite dans le navigateur (site/theme/static/js/recherche.js).
"""

from __future__ import annotations


def index_recherche(modele: dict) -> list[dict]:
    noeuds = modele["noeuds"]
    # Les libellés et mots clés des renvois mènent aussi à la page visée.
    renvois: dict[str, list[str]] = {}
    for parent in noeuds.values():
        for choix in parent.get("choix", []):
            if choix["libelle"] != noeuds[choix["cible"]]["libelle"]:
                renvois.setdefault(choix["cible"], []).extend([choix["libelle"], *choix["mots_cles"]])
    entrees = []
    for noeud in noeuds.values():
        if noeud["id"] == "" or noeud.get("inatteignable"):
            continue
        mots = [*noeud["mots_cles"], *renvois.get(noeud["id"], [])]
        chemin = " › ".join(noeuds[a]["libelle"] for a in noeud["ancetres"][1:])
        entrees.append({"u": noeud["url"], "l": noeud["libelle"], "i": noeud["indice"] or "",
                        "m": mots, "c": chemin, "t": noeud["type"]})
    return entrees
