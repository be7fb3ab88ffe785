"""Le canal « notification » de la boîte d'envoi : prévenir le citoyen d'un changement.

Par Web Push, à chacun de ses abonnements ; sans abonnement, par courriel s'il a laissé son
adresse pour être tenu au courant (elle sert à cela, qu'il ait ou non permis au service de le
contacter : voir contact.py). Un abonnement expiré (404/410) est oublié ; un service
de push indisponible (429, 5xx, réseau) fait échouer la tentative, que la boîte d'envoi
refera plus tard (le ``Topic`` fait qu'un message déjà remis est remplacé, pas doublé).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from fonctions.domaine.contact import courriel_pour_informer
from fonctions.push.envoi import EnvoyeurPush
from fonctions.push.messages import probleme_et_lieu
from fonctions.socle.courriels import ErreurExpedition, Expediteur
from fonctions.transmission.base import Dossier, EchecTransmission, Recu

SUJET_MAX = 90  # le problème et le lieu, au-delà coupés : un sujet se lit sur une ligne


def courriel_au_citoyen(adresse: str, expediteur: str, message: dict, identifiant: str,
                        signalement: dict) -> EmailMessage:
    """Le même message que la notification, dont le sujet et la première ligne disent
    l'étape, le problème, le lieu et la référence : « Pris en charge — Un nid-de-poule,
    12 rue des Écoles, Bourg-les-Essais (AIG-7K3M-Q9) »."""
    reference = message["reference"]
    etape = message["titre"].removeprefix(f"{reference} : ")
    quoi = probleme_et_lieu(signalement)
    court = quoi if len(quoi) <= SUJET_MAX else quoi[:SUJET_MAX].rsplit(" ", 1)[0].rstrip(" ,") + "…"
    courriel = EmailMessage()
    courriel["From"] = expediteur
    courriel["To"] = adresse
    courriel["Subject"] = f"{etape} — {court} ({reference})"
    courriel["Message-ID"] = make_msgid(idstring=identifiant, domain=expediteur.rpartition("@")[2] or None)
    courriel.set_content(
        f"Votre signalement {reference} : {quoi}.\n\n{etape}. {message['texte']}\n\n"
        f"Suivre votre signalement : {message['url']}\n\n"
        "Vous recevez ce message parce que vous avez laissé votre adresse en signalant ce "
        "problème. Gardez ce lien pour vous : il donne accès au suivi.\n")
    return courriel


class CanalCitoyen:
    nom = "notification"

    def __init__(self, envoyeur: EnvoyeurPush | None, expediteur: Expediteur,
                 adresse_expediteur: str) -> None:
        self.envoyeur, self.expediteur, self.adresse_expediteur = envoyeur, expediteur, adresse_expediteur

    def transmettre(self, dossier: Dossier) -> Recu:
        signalement, message = dossier.signalement, dossier.message or {}
        abonnements = signalement.get("abonnements_push") or []
        if abonnements and self.envoyeur is not None:
            perimes, a_refaire = [], []
            for abonnement in abonnements:
                issue = self.envoyeur.envoyer(abonnement, message, signalement["reference"])
                if issue.sorte == "perime":
                    perimes.append(abonnement["endpoint"])
                elif issue.sorte == "plus_tard":
                    a_refaire.append(issue.detail)
            if a_refaire:
                raise EchecTransmission(f"Notification à refaire : {a_refaire[0]}.")
            if len(perimes) < len(abonnements):
                return Recu("Notification envoyée sur le téléphone du citoyen.",
                            {"abonnements_perimes": perimes})
        courriel = courriel_pour_informer(signalement)
        if courriel:
            try:
                self.expediteur.envoyer(courriel_au_citoyen(
                    courriel, self.adresse_expediteur, message, dossier.identifiant,
                    signalement))
            except ErreurExpedition as erreur:
                raise EchecTransmission(f"Courriel au citoyen non envoyé : {erreur}") from erreur
            return Recu("Notification envoyée au citoyen par courriel.",
                        {"abonnements_perimes": [a["endpoint"] for a in abonnements]})
        return Recu("Aucun moyen de prévenir le citoyen.",
                    {"abonnements_perimes": [a["endpoint"] for a in abonnements]})
