"""Les phrases qu'Aiguillage dit lui-même au citoyen, et les titres de sa chronologie.

Les textes proposés aux agents (un message par bouton, les motifs de « Clore sans suite » et
de « Ce n'est pas de notre ressort ») et les consignes qui leur apprennent quoi faire sont
dans le contenu, écrits par l'équipe du contenu : ``contenu/agents.md`` (voir
``contenu/LISEZMOI.md``), lus par les fonctions dans le modèle (``Modele.message_propose``).

**Pour changer ces phrases-ci** : modifiez ce fichier (du texte en français, simple, sans
jargon, qui parle au citoyen : « nous », « votre signalement »), relancez les tests
(``make test`` : ``tests/fonctions/domaine/test_textes.py`` vérifie qu'il ne manque rien), puis
redémarrez les fonctions.

Les textes sont montrés au citoyen tels quels, échappés : pas de HTML.
"""

from __future__ import annotations

from arbre.francais import a_service  # « transmis au Logis… », jamais « à Le Logis… »

# Titres des étapes de la chronologie, pour le citoyen.
TITRES = {
    "recu": "Signalement reçu",
    "transmis": "Transmis au service",
    "abandon": "Transmission impossible",
    "pris_en_charge": "Pris en charge",
    "en_cours": "En cours",
    "programme": "Intervention programmée",
    "resolu": "Résolu",
    "clos": "Clos sans suite",
    "pas_de_notre_ressort": "Pas de notre ressort",
    "a_orienter": "Confié à la coordination",
    "reattribue": "Confié à un autre service",
    "message": "Message du service",
    "complement": "Vous avez ajouté une information",
    "confirme": "Vous avez confirmé la résolution",
    "rouvert": "Vous avez rouvert le signalement",
    "relance": "Service relancé",
    "escalade": "Coordination prévenue",
}

TITRES_POUR_LE_SERVICE = {
    "complement": "Le citoyen a ajouté une information",
    "confirme": "Le citoyen a confirmé la résolution",
    "rouvert": "Le citoyen a rouvert le signalement",
}


def dire_intervention_prevue(jour: str) -> str:
    """``jour`` en clair : « vendredi 14 mars 2025 » (voir intervention.py)."""
    return f"Intervention prévue le {jour}."


def dire_transmis(service: str) -> str:
    return f"Votre signalement a été transmis {a_service(service)}."


def dire_sans_transmission(service: str, joindre: str) -> str:
    return (f"{service} ne reçoit pas les signalements par Aiguillage : pour qu'il soit "
            f"traité, {joindre}.")


def dire_non_transmis(service: str, coordination: str) -> str:
    return (f"Votre signalement n'a pas pu être transmis automatiquement {a_service(service)}. "
            f"{coordination} s'en occupe.")


def dire_hors_ressort(par: str, motif: str, message: str, suivant: str | None,
                      coordination: str) -> str:
    texte = f"{par} indique que ce n'est pas de son ressort"
    texte += f" : « {motif.rstrip(' .')} »." if motif else "."
    if message:
        texte += f" {message}"
    if suivant:
        return f"{texte} Votre signalement est transmis {a_service(suivant)}, qui l'a maintenant."
    return (f"{texte} {coordination} l'a maintenant et cherche le bon service pour "
            "vous.")


def dire_confie_a_la_coordination(coordination: str) -> str:
    return (f"Votre signalement est confié à {coordination} : une personne va le lire et le "
            "transmettre au service qui s'en occupe.")


# Pour la coordination (courriel « [À orienter] ») : pourquoi elle reçoit ce signalement.
MOTIF_HORS_PARCOURS = (
    "L'habitant n'a pas trouvé son problème dans la liste du site et l'a décrit avec ses "
    "mots : lisez-le, puis confiez-le au service qui doit le traiter.")


def dire_reattribue(coordination: str, suivant: str, message: str) -> str:
    texte = f"{coordination} a confié votre signalement {a_service(suivant)}."
    return f"{texte} {message}" if message else texte


def dire_relance(service: str) -> str:
    return (f"{service} n'a pas encore accusé réception de votre signalement dans le délai "
            "prévu : nous l'avons relancé.")


def dire_escalade(service: str, coordination: str) -> str:
    return (f"{service} n'a toujours pas répondu : {coordination} est prévenue et "
            "s'assure que votre signalement soit traité.")


def dire_rouvert(service: str) -> str:
    return f"{service} est prévenu et doit de nouveau s'en occuper."
