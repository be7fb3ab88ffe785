"""Les règles du formulaire de signalement, écrites une seule fois.

La construction les écrit dans le modèle (`modele.json`, clé `regles`, voir docs/modele.md)
et dans chaque page qui a un formulaire ; le serveur (`fonctions/domaine/validation.py`) et le
téléphone (`theme/static/js/validation.js`) les lisent là et les appliquent de la même
façon, avec les mêmes messages : un signalement gardé hors ligne n'est jamais refusé au
retour du réseau pour une chose que le téléphone pouvait dire (des vecteurs de test
partagés le vérifient, voir tests/fonctions/vecteurs_validation.json).

Ce que chaque issue ajoute (photo, lieu, questions) est dans son `formulaire` du modèle.

Les motifs sont écrits pour les deux moteurs d'expressions rationnelles : Python (`re`,
`fullmatch`) et JavaScript (`RegExp` avec le drapeau `u`, ancré `^(?:…)$`). Les espaces y
sont une liste explicite, celle de `str.isspace` (le `\\s` des deux moteurs diffère).
"""

from __future__ import annotations

# Les espaces de `str.strip()` et `str.isspace()` (sans les caractères de contrôle, retirés
# avant) : JavaScript les retire de la même façon (`String.prototype.trim` retirerait aussi
# U+FEFF, qui n'est pas un espace pour Python).
ESPACES = "\\t\\n\\u000b\\u000c\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"

DESCRIPTION_MAX = 4000  # comme Open311
ADRESSE_MAX = 300
REPONSE_MAX = 500
COURRIEL_MAX = 254
TELEPHONE_SAISIE_MAX = 20  # le champ (maxlength) ; le numéro lui-même : 15 chiffres au plus
PHOTOS_MAX = 3
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
COURRIEL = f"[^@{ESPACES}]{{1,64}}@[^@{ESPACES}]+\\.[^@{ESPACES}]+"
TELEPHONE = "\\+?[0-9]{3,15}"
# Retirés d'un numéro avant de le vérifier : « 06 12.34-56 (78) » → « 0612345678 ».
TELEPHONE_SEPARATEURS = f"[{ESPACES}.\\-()]"
# Une latitude ou une longitude écrite en chiffres (virgule ou point) : ni « inf », ni
# « 0x10 », ni « 1_000 », que Python et JavaScript ne liraient pas de la même façon.
COORDONNEE = "[+-]?([0-9]+([.,][0-9]*)?|[.,][0-9]+)([eE][+-]?[0-9]+)?"
VRAI = ("oui", "on", "true", "1", "vrai")
FAUX = ("non", "off", "false", "0", "faux")

# Les messages, avec leurs paramètres entre accolades. Un nombre est écrit à la française
# (« 4 001 », espace fine insécable) des deux côtés.
MESSAGES = {
    "commune_manquante": "Indiquez la commune où se trouve le problème.",
    "description_manquante": "Décrivez le problème en quelques mots.",
    "description_trop_longue": "La description fait {longueur} caractères ; {max} au plus.",
    "coordonnees_incompletes": "Donnez la latitude et la longitude, ou aucune des deux.",
    "coordonnee_invalide": "La {champ} doit être un nombre entre -{borne} et {borne}.",
    "adresse_trop_longue": "L'adresse fait plus de {max} caractères.",
    "lieu_manquant": ("Indiquez où se trouve le problème : une adresse, un repère ou votre "
                      "position."),
    "courriel_invalide": ("Cette adresse e-mail n'est pas valide "
                          "(exemple : prenom.nom@exemple.fr)."),
    "telephone_invalide": ("Ce numéro de téléphone n'est pas valide "
                           "(exemple : 06 12 34 56 78)."),
    "contact_manquant": ("Pour que le service puisse vous contacter, indiquez une adresse "
                         "e-mail ou un téléphone, ou décochez la case."),
    "reponse_manquante": "Répondez à la question « {libelle} ».",
    "choix_invalide": "Choisissez l'une des réponses proposées : {choix}.",
    "oui_non_invalide": "Répondez par oui ou par non.",
    "reponse_trop_longue": "La réponse fait plus de {max} caractères.",
    "trop_de_photos": "{max} photos au plus (vous en avez joint {nombre}).",
    "pas_de_photo": "Ce signalement ne prend pas de photo.",
    "photo_manquante": "Ajoutez au moins une photo du problème.",
    "photo_manquante_raison": "Ajoutez au moins une photo du problème. {raison}",
}


def regles_du_formulaire() -> dict:
    """Les règles communes à tous les formulaires, telles que le modèle les publie.

    >>> regles_du_formulaire()["description"]
    {'max': 4000}
    """
    return {
        "description": {"max": DESCRIPTION_MAX},
        "adresse": {"max": ADRESSE_MAX},
        "reponse": {"max": REPONSE_MAX},
        "courriel": {"max": COURRIEL_MAX, "motif": COURRIEL},
        "telephone": {"max_saisie": TELEPHONE_SAISIE_MAX, "motif": TELEPHONE,
                      "separateurs": TELEPHONE_SEPARATEURS},
        "coordonnee": {"motif": COORDONNEE},
        "photos": {"max": PHOTOS_MAX, "types": list(PHOTO_TYPES)},
        "vrai": list(VRAI),
        "faux": list(FAUX),
        "espaces": ESPACES,
        "messages": dict(MESSAGES),
    }
