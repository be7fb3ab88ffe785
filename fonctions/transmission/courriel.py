"""Le canal ``courriel`` : un courriel en texte et en HTML, photos jointes.

Il contient tout ce qu'un agent doit savoir : le problème, le lieu, la description, les
réponses, le parcours du citoyen dans l'arbre, les consignes du service et le lien de
prise en charge. Le texte du citoyen est échappé dans la partie HTML.

``CanalAlerte`` envoie le même contenu à la coordination du territoire quand un
signalement n'a pas pu être transmis.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from arbre.francais import a_service
from fonctions.domaine.chronologie import chronologie
from fonctions.socle.courriels import ErreurExpedition, Expediteur, rendre
from fonctions.transmission.base import Dossier, EchecTransmission, Recu

PARIS = ZoneInfo("Europe/Paris")


def date_en_francais(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(PARIS)
    return moment.strftime("%d/%m/%Y à %H h %M (heure de Paris)")


def texte_des_consignes(consignes_html: str) -> str:
    sans_balises = re.sub(r"<[^>]+>", "", re.sub(r"</p>|<br\s*/?>", "\n", consignes_html))
    return html.unescape(sans_balises).strip()


# Pour chaque sorte de message : le préfixe du sujet et la phrase d'en-tête (``{service}``, ou
# ``{a_service}`` pour « à Enedis », « au Logis… »).
BANDEAUX = {
    "alerte": ("À transmettre à la main",
               "ce signalement n'a pas pu être transmis {a_service}.",
               "Transmettez-le au service par un autre moyen."),
    "escalade": ("Sans réponse du service",
                 "{service} n'a pas accusé réception de ce signalement.",
                 "Confiez-le à un autre service ou joignez {service}."),
    # Le service est ici la coordination elle-même : le motif dit d'où vient le signalement.
    "a_orienter": ("À orienter", "aucun service n'a encore ce signalement.",
                   "Choisissez le service qui doit le traiter."),
    # Une transmission « Je ne trouve pas mon problème » (voir ``bandeau``).
    "hors_parcours": ("Hors de la liste", "l'habitant n'a pas trouvé son problème dans la "
                      "liste du site et l'a décrit avec ses mots.",
                      "S'il ne relève pas de votre service, indiquez « Ce n'est pas de notre "
                      "ressort » en nommant le bon service : il lui part aussitôt."),
    "relance": ("Relance", "ce signalement attend votre accusé de réception.",
                "Ouvrez le lien ci-dessous pour le prendre en charge."),
    "rouvert": ("Rouvert", "le citoyen indique que le problème n'est pas réglé.",
                "Ouvrez le lien ci-dessous : le signalement attend de nouveau votre prise "
                "en charge."),
    "lien": ("Nouveau lien", "voici le nouveau lien de prise en charge demandé.",
             "L'ancien lien reste expiré."),
    "complement": ("Complément", "le citoyen a ajouté une information à ce signalement.",
                   "Le détail est sur la page de prise en charge."),
}


def historique_pour_le_service(signalement: dict) -> list[dict]:
    """La chronologie publique, s'il s'est passé autre chose que « reçu, transmis »."""
    etapes = chronologie(signalement, "La coordination du territoire", pour_le_service=True)
    return etapes if len(etapes) > 2 else []


def bandeau(dossier: Dossier) -> dict[str, str] | None:
    evenement = dossier.evenement
    if evenement == "transmission" and dossier.signalement["noeud"].get("hors_parcours"):
        evenement = "hors_parcours"
    if evenement not in BANDEAUX:
        return None
    titre, phrase, suite = BANDEAUX[evenement]
    service = dossier.gestionnaire["nom"]
    noms = {"service": service, "a_service": a_service(service)}
    return {"titre": titre, "phrase": phrase.format(**noms),
            "motif": dossier.motif or "", "suite": suite.format(**noms)}


def composer_message(dossier: Dossier, expediteur: str, destinataires: Sequence[str]
                     ) -> EmailMessage:
    signalement = dossier.signalement
    sujet = f"Signalement {signalement['reference']} : {signalement['noeud']['libelle']}"
    if signalement.get("commune"):
        sujet += f" — {signalement['commune']['nom']}"
    entete = bandeau(dossier)
    if entete:
        sujet = f"[{entete['titre']}] {sujet}"
    localisation = signalement.get("localisation") or {}
    carte = None
    if localisation.get("latitude") is not None:
        lat, lon = localisation["latitude"], localisation["longitude"]
        carte = f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=19/{lat}/{lon}"
    contexte = {
        "s": signalement,
        "g": dossier.gestionnaire,
        "date": date_en_francais(signalement["cree_le"]),
        "carte": carte,
        "consignes_html": dossier.gestionnaire.get("consignes_html") or "",
        "consignes_texte": texte_des_consignes(dossier.gestionnaire.get("consignes_html") or ""),
        "lien_agent": dossier.lien_agent,
        "pour_la_coordination": dossier.evenement in ("alerte", "escalade", "a_orienter"),
        # À orienter : le « service » du dossier est la coordination, pas celui du problème.
        "a_orienter": dossier.evenement == "a_orienter",
        # Après un refus ou une réattribution, le service voit tout ce qui s'est passé avant.
        "historique": historique_pour_le_service(signalement),
        "territoire": dossier.territoire,
        "bandeau": entete,
        "lien_coordination": dossier.lien_coordination,
        "lien_valable_jours": dossier.lien_valable_jours,
        "photos": dossier.photos,
    }
    message = EmailMessage()
    message["Subject"] = sujet
    message["From"] = f"Aiguillage <{expediteur}>"
    message["To"] = ", ".join(destinataires)
    message["Date"] = format_datetime(datetime.fromisoformat(signalement["cree_le"]))
    # Le même à chaque tentative : un doublon (arrêt entre l'envoi et son enregistrement)
    # se reconnaît à son Message-ID.
    domaine = expediteur.rpartition("@")[2] or "aiguillage.invalid"
    message["Message-ID"] = f"<{dossier.identifiant}@{domaine}>"
    message["X-Aiguillage-Reference"] = signalement["reference"]
    message.set_content(rendre("courriel.txt", **contexte))
    message.add_alternative(rendre("courriel.html", **contexte), subtype="html")
    for photo in dossier.photos:
        principal, _, secondaire = photo.type.partition("/")
        message.add_attachment(photo.contenu, maintype=principal, subtype=secondaire,
                               filename=photo.nom)
    return message


class CanalCourriel:
    nom = "courriel"

    def __init__(self, expediteur: Expediteur, adresse_expediteur: str) -> None:
        self.expediteur, self.adresse_expediteur = expediteur, adresse_expediteur

    def transmettre(self, dossier: Dossier) -> Recu:
        if "@" not in dossier.adresse:
            raise EchecTransmission(
                f"{dossier.gestionnaire['nom']} n'a pas d'adresse de transmission valide "
                "(adresse_transmission).", definitif=True)
        message = composer_message(dossier, self.adresse_expediteur, [dossier.adresse])
        try:
            self.expediteur.envoyer(message)
        except ErreurExpedition as erreur:
            raise EchecTransmission(str(erreur)) from None
        return Recu(f"Envoyé par courriel à {dossier.adresse}.")


class CanalAlerte:
    nom = "alerte"

    def __init__(self, expediteur: Expediteur, adresse_expediteur: str,
                 destinataires: Callable[[], list[str]]) -> None:
        self.expediteur, self.adresse_expediteur = expediteur, adresse_expediteur
        self.destinataires = destinataires

    def transmettre(self, dossier: Dossier) -> Recu:
        adresses = self.destinataires()
        if not adresses:
            raise EchecTransmission("Aucun courriel de coordination dans le territoire.",
                                    definitif=True)
        message = composer_message(dossier, self.adresse_expediteur, adresses)
        try:
            self.expediteur.envoyer(message)
        except ErreurExpedition as erreur:
            raise EchecTransmission(str(erreur)) from None
        return Recu(f"Coordination prévenue par courriel ({', '.join(adresses)}).")
