"""« Recevoir ce lien par e-mail » : la page de suivi sans JavaScript envoie son lien.

Le citoyen saisit une adresse sur la page de suivi ; un courriel lui part aussitôt, avec la
référence, le problème, la commune et le lien de suivi sans JavaScript. L'adresse n'est pas
gardée : elle ne sert qu'à cet envoi (pour être prévenu de chaque étape, il y a les choix du
formulaire et les notifications). L'envoi est fait pendant la requête, pour que la page dise
la vérité : parti, ou pas parti (le lien reste alors affiché sur la page).

Chaque signalement ne peut faire partir ce courriel que ``ENVOIS_MAX`` fois (compté dans le
signalement, avant l'envoi) : un lien de suivi ne permet pas d'écrire sans fin à n'importe
qui.
"""

from __future__ import annotations

import logging
import re
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

from arbre.francais import a_la_commune
from arbre.regles import COURRIEL, COURRIEL_MAX
from fonctions.domaine.suivi import ActionImpossible
from fonctions.socle.courriels import ErreurExpedition, rendre
from fonctions.stockage.base import Ecritures
from fonctions.web.contexte import Contexte

journal = logging.getLogger("aiguillage.courriel")
ENVOIS_MAX = 5
ADRESSE_INVALIDE = "Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."
TROP_D_ENVOIS = (f"Ce lien a déjà été envoyé {ENVOIS_MAX} fois par e-mail : ajoutez cette page à "
                 "vos favoris, ou notez le lien affiché plus bas.")
NON_PARTI = ("L'e-mail n'a pas pu partir pour le moment : réessayez plus tard. En attendant, "
             "ajoutez cette page à vos favoris, ou notez le lien affiché plus bas.")


def adresse_valide(valeur: Any) -> str:
    """L'adresse saisie, nettoyée ; ``ActionImpossible`` (422) si ce n'en est pas une."""
    adresse = valeur.strip() if isinstance(valeur, str) else ""
    if len(adresse) > COURRIEL_MAX or not re.fullmatch(COURRIEL, adresse):
        raise ActionImpossible(ADRESSE_INVALIDE, 422)
    return adresse


def courriel_du_lien(signalement: dict, lien: str, adresse: str, expediteur: str,
                     territoire: str) -> EmailMessage:
    reference = signalement["reference"]
    probleme = signalement["noeud"]["libelle"]
    commune = (signalement.get("commune") or {}).get("nom")
    message = EmailMessage()
    message["From"] = expediteur
    message["To"] = adresse
    lieu = f", {a_la_commune(commune)}" if commune else ""
    message["Subject"] = f"Votre lien de suivi : {probleme}{lieu} ({reference})"
    message["Message-ID"] = make_msgid(idstring=f"{reference}-lien",
                                       domain=expediteur.rpartition("@")[2] or None)
    message["X-Aiguillage-Reference"] = reference
    message.set_content(rendre("courriel_lien_de_suivi.txt", reference=reference,
                               probleme=probleme, commune=commune, lien=lien,
                               territoire=territoire))
    return message


def envoyer_le_lien(ctx: Contexte, signalement: dict, lien: str, valeur: Any) -> None:
    """Compte l'envoi dans le signalement, puis envoie ; appel bloquant. ``ActionImpossible``
    en français : adresse invalide (422), trop d'envois (429), courriel non parti (503)."""
    adresse = adresse_valide(valeur)

    def compter(document: dict) -> Ecritures:
        envois = document.get("liens_par_courriel", 0)
        if envois >= ENVOIS_MAX:
            raise ActionImpossible(TROP_D_ENVOIS, 429)
        document["liens_par_courriel"] = envois + 1
        return Ecritures()

    ctx.stockage.changer_signalement(signalement["reference"], compter)
    territoire = ctx.modele.actuel().territoire["nom"]
    try:
        ctx.expediteur.envoyer(courriel_du_lien(signalement, lien, adresse,
                                                ctx.reglages.expediteur, territoire))
    except ErreurExpedition:
        # Sans le détail : la réponse d'un serveur SMTP peut citer l'adresse.
        journal.warning("Lien de suivi de %s non envoyé par courriel : l'envoi a échoué.",
                        signalement["reference"])
        raise ActionImpossible(NON_PARTI, 503) from None
