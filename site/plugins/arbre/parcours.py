"""Combien de questions restent avant de savoir qui s'en occupe : calculé une fois, à la
construction, à partir du parcours, et affiché sur chaque page de question
(« Encore 1 ou 2 questions »)."""

from __future__ import annotations


def questions_restantes(noeuds: dict[str, dict]) -> dict[str, tuple[int, int]]:
    """Pour chaque question, le moins et le plus de questions auxquelles répondre, celle-ci
    comprise, avant d'arriver à une issue : ``{"voirie": (1, 2), …}``.

    Une réponse qui mène à une urgence n'est pas un chemin : « appelez » n'est pas la réponse
    que l'on compte (sinon toute question avec « Quelqu'un est en danger » dirait « encore
    1 question »). Une question dont toutes les réponses sont des urgences compte pour une.
    Le parcours est sans boucle (arbre.py les retire) : la récursion se termine.
    """
    connus: dict[str, tuple[int, int]] = {}

    def compter(identifiant: str) -> tuple[int, int]:
        if identifiant in connus:
            return connus[identifiant]
        suites = []
        for choix in noeuds[identifiant].get("choix", []):
            cible = noeuds[choix["cible"]]
            if cible["type"] == "question":
                suites.append(compter(cible["id"]))
            elif cible["type"] != "urgence":
                suites.append((0, 0))
        moins = min((s[0] for s in suites), default=0) + 1
        plus = max((s[1] for s in suites), default=0) + 1
        connus[identifiant] = (moins, plus)
        return connus[identifiant]

    for identifiant, noeud in noeuds.items():
        if noeud["type"] == "question":
            compter(identifiant)
    return connus


def dire_questions_restantes(moins: int, plus: int) -> str:
    """« Dernière question », « Encore 2 questions », « Encore 1 ou 2 questions »,
    « Encore 2 à 4 questions »."""
    if plus == 1:
        return "Dernière question"
    if moins == plus:
        return f"Encore {moins} questions"
    if plus == moins + 1:
        return f"Encore {moins} ou {plus} questions"
    return f"Encore {moins} à {plus} questions"
