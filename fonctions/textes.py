"""Les textes tout prêts proposés aux agents, et les phrases qu'Aiguillage dit au citoyen.

**Pour les changer** : modifiez ce fichier (du texte en français, simple, sans jargon, qui
parle au citoyen : « nous », « votre signalement »), relancez les tests
(``make test`` : ``tests/fonctions/test_textes.py`` vérifie qu'il ne manque rien), puis
redémarrez les fonctions. L'agent peut toujours modifier le texte avant de l'envoyer ; c'est
ce texte-là, tel qu'envoyé, que le citoyen lit dans son suivi.

Les textes sont montrés au citoyen tels quels, échappés : pas de HTML.
"""

from __future__ import annotations

from arbre.francais import a_service  # « transmis au Logis… », jamais « à Le Logis… »

# Le message proposé à l'agent pour chaque statut qu'il peut déclarer.
MESSAGES_POUR_LE_CITOYEN = {
    "pris_en_charge": "Nous avons bien reçu votre signalement et nous nous en occupons.",
    "en_cours": "Une équipe travaille à régler le problème.",
    "programme": "Une intervention est programmée. Nous vous tiendrons informé(e).",
    "resolu": "Le problème est réglé. Merci de nous l'avoir signalé.",
    "clos": "Après examen, nous ne donnerons pas suite à ce signalement.",
    "pas_de_notre_ressort": "Ce problème ne relève pas de notre service.",
    "message": "",
}

# Motifs tout prêts, proposés dans une liste (l'agent peut écrire le sien).
MOTIFS_DE_CLOTURE = (
    "Le problème avait déjà été signalé et est traité.",
    "Rien n'a été constaté sur place.",
    "Le lieu est une propriété privée : c'est au propriétaire d'agir.",
    "La demande ne peut pas être satisfaite.",
)
MOTIFS_HORS_RESSORT = (
    "Ce n'est pas de notre compétence.",
    "Ce lieu n'est pas sur notre territoire.",
    "Cette voie ou cet équipement ne nous appartient pas.",
)

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
