"""Les changements d'un signalement, chacun appliqué par ``Suivi.changer`` (voir suivi.py).

Chaque fonction rend une *action* : une fonction qui reçoit le ``Chantier`` du signalement,
vérifie que le changement est permis (sinon ``ActionImpossible``, et rien n'est écrit), puis
modifie les attributions, note les événements et met en boîte ce qu'il faut envoyer.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from arbre.francais import de_service
from fonctions.domaine import textes
from fonctions.domaine.enregistrement import horodatage
from fonctions.domaine.intervention import date_d_intervention, jour_en_clair
from fonctions.domaine.statuts import (
    DECLARABLES,
    EN_ATTENTE,
    JOURS_POUR_ROUVRIR,
    MODIFIABLES_PAR_LE_SERVICE,
    est_ouverte,
    libelle,
)
from fonctions.domaine.suivi import ActionImpossible, Chantier

Action = Callable[[Chantier], Any]
PHOTOS_AJOUTEES_MAX = 3
TEXTE_MAX = 2000


def _texte(valeur: str | None, nom: str = "Le message") -> str:
    texte = (valeur or "").strip()
    if len(texte) > TEXTE_MAX:
        raise ActionImpossible(f"{nom} fait {len(texte)} caractères ; {TEXTE_MAX} au plus.", 422)
    return texte


def _joindre(gestionnaire: dict) -> str:
    if gestionnaire.get("telephone"):
        return f"appelez le {gestionnaire['telephone']}"
    if gestionnaire.get("site"):
        return f"passez par {gestionnaire['site']}"
    return "contactez-le directement"


# -- la boîte d'envoi rapporte ---------------------------------------------------------

def transmission_reussie(numero: int, envoi: dict, canal: str, recu) -> Action:
    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        transmission = {"canal": canal, "date": horodatage(c.maintenant), **recu.donnees}
        a["transmission"], a["transmis_le"] = transmission, horodatage(c.maintenant)
        if numero == 1:
            c.document["transmission"] = transmission
        if a["statut"] == "a_transmettre":
            c.attendre_prise_en_charge(a, "transmis")
        c.document["envois_reussis"] = [*c.document.get("envois_reussis", []), envoi["id"]]
        gestionnaire = c.modele.gestionnaire(a["gestionnaire"]) or {}
        pour_le_citoyen = (textes.dire_sans_transmission(a["nom"], _joindre(gestionnaire))
                           if canal == "aucune" else textes.dire_transmis(a["nom"]))
        c.noter("transmis", attribution=a, pour_le_citoyen=pour_le_citoyen, canal=canal,
                tentative=envoi["tentatives"], message=recu.message, **recu.donnees)
    return action


def confier_a_la_coordination(numero: int, envoi: dict) -> Action:
    """Un signalement « Je ne trouve pas mon problème » reçu pour la coordination : rien à
    transmettre. Elle est notée (le citoyen le lit), l'attribution entre dans l'index des
    ouvertes (la page de coordination la montre « À orienter ») et le courriel
    « [À orienter] » part par la boîte d'envoi, avec ses nouveaux essais. L'envoi reçu à
    l'enregistrement est noté fait : rejoué après un arrêt brutal, il ne refait rien."""

    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        c.document["envois_reussis"] = [*c.document.get("envois_reussis", []), envoi["id"]]
        if a["statut"] != "a_orienter":  # déjà confiée ailleurs par la coordination
            return
        a["transmis_le"] = horodatage(c.maintenant)
        c.noter("a_orienter", attribution=a,
                pour_le_citoyen=textes.dire_confie_a_la_coordination(a["nom"]))
        c.mettre_en_boite("a_orienter", a, motif=textes.MOTIF_HORS_PARCOURS)
    return action


def transmission_abandonnee(numero: int, envoi: dict, canal: str, erreur: str) -> Action:
    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        motif = (f"Abandon après {envoi['tentatives']} tentative(s) par {canal}. "
                 f"Dernière erreur : {erreur}")
        if a["statut"] == "a_transmettre":
            c.changer_statut(a, "non_transmis")
        c.noter("abandon", attribution=a, canal=canal, tentative=envoi["tentatives"],
                message=f"{motif} La coordination du territoire est prévenue.",
                pour_le_citoyen=textes.dire_non_transmis(a["nom"], c.coordination))
        c.mettre_en_boite("alerte", a, motif=motif)
    return action


def envoi_abandonne(numero: int, envoi: dict, canal: str, erreur: str) -> Action:
    """Une relance, une réouverture ou un complément n'a pas pu partir : la coordination
    est prévenue (l'attribution ne change pas)."""

    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        motif = (f"Le message « {envoi['sorte']} » pour {a['nom']} n'a pas pu partir après "
                 f"{envoi['tentatives']} tentative(s) par {canal}. Dernière erreur : {erreur}")
        c.noter("abandon", public=False, attribution=a, canal=canal, sorte=envoi["sorte"],
                tentative=envoi["tentatives"],
                message=f"{motif} La coordination du territoire est prévenue.")
        c.mettre_en_boite("alerte", a, motif=f"{motif} {envoi.get('motif') or ''}".strip())
    return action


# -- un service déclare ------------------------------------------------------------------

def declarer(numero: int, statut: str, message: str | None = None, motif: str | None = None,
             vers: str | None = None, date_intervention: str | None = None,
             exiger_la_date: bool = True) -> Action:
    """Un service déclare ``statut`` (ou ``message``) pour son attribution ``numero``.

    « Intervention programmée » (``programme``) porte la date de l'intervention
    (``AAAA-MM-JJ`` ou ``JJ/MM/AAAA``), dite au citoyen avant le message ; elle est exigée
    sauf ``exiger_la_date=False`` (l'outil d'un service, qui peut ne pas la connaître).
    Sans message, c'est celui que propose le contenu (``contenu/agents.md``) qui part."""

    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        if statut not in (*DECLARABLES, "message"):
            raise ActionImpossible(f"Statut inconnu : « {statut} ».", 422)
        if a["statut"] not in MODIFIABLES_PAR_LE_SERVICE:
            raise ActionImpossible(
                f"Ce signalement est « {libelle(a['statut'])} » pour {a['nom']} : il n'y a "
                "plus rien à changer.")
        texte = _texte(message)
        raison = _texte(motif, "Le motif")
        if statut == "pris_en_charge" and a["statut"] not in (*EN_ATTENTE, "a_transmettre",
                                                              "non_transmis"):
            raise ActionImpossible("Ce signalement est déjà pris en charge.")
        if statut != "programme" and (date_intervention or "").strip():
            raise ActionImpossible("Une date d'intervention ne se donne qu'avec « Intervention "
                                   "programmée ».", 422)
        if statut == "message":
            if not texte:
                raise ActionImpossible("Écrivez le message pour le citoyen.", 422)
            c.noter("message", attribution=a, pour_le_citoyen=texte)
            return
        if statut in ("clos", "pas_de_notre_ressort") and not raison:
            raise ActionImpossible("Indiquez le motif : le citoyen saura pourquoi.", 422)
        jour = (date_d_intervention(date_intervention, c.maintenant, exiger_la_date)
                if statut == "programme" else None)
        texte = texte or c.modele.message_propose(statut)
        if statut == "pas_de_notre_ressort":
            _hors_ressort(c, a, texte, raison, vers)
            return
        c.changer_statut(a, statut)
        if statut == "resolu":
            a["resolu_le"] = horodatage(c.maintenant)
        pour_le_citoyen = texte
        if statut == "programme":
            a["date_intervention"] = jour.isoformat() if jour else None
            if jour:
                pour_le_citoyen = " ".join(
                    filter(None, [textes.dire_intervention_prevue(jour_en_clair(jour)), texte]))
        c.noter(statut, attribution=a, statut=statut, pour_le_citoyen=pour_le_citoyen,
                motif=raison or None, date_intervention=jour.isoformat() if jour else None)
    return action


def attribution_de_la_mise_a_jour(c: Chantier, gestionnaire: str,
                                   identifiant: str) -> dict | None:
    """Le début de toute mise à jour venue de l'outil d'un service (webhook, Open311) :
    ``None`` si son identifiant a déjà été reçu (rien ne change) ; sinon il est noté et la
    dernière attribution du service est rendue (404 si le signalement ne lui est pas confié).
    Noter avant d'appliquer ne change rien si l'application échoue : ``Suivi.changer``
    n'écrit alors rien."""
    if c.document.get("anonymise_le"):
        # Il n'en reste que la statistique anonyme (domaine/purge.py) : rien n'y est plus
        # ajouté (un texte du service dirait de nouveau quoi, où, qui), et une référence citée
        # est refusée comme un identifiant oublié à l'anonymisation.
        raise ActionImpossible(
            "Ce signalement a été anonymisé (sa durée de conservation est passée) : "
            "Aiguillage n'en garde que la statistique et n'y ajoute plus rien.", 404)
    recues = c.document.setdefault("mises_a_jour_recues", [])
    cle = f"{gestionnaire}:{identifiant}"
    if cle in recues:
        c.ecritures.inchange = True
        return None
    siennes = [a for a in c.document["attributions"] if a["gestionnaire"] == gestionnaire]
    if not siennes:
        raise ActionImpossible("Ce signalement n'est pas confié à votre service.", 404)
    c.document["mises_a_jour_recues"] = [*recues, cle][-200:]
    return siennes[-1]


def mise_a_jour(gestionnaire: str, identifiant: str, statut: str, message: str | None = None,
                motif: str | None = None, vers: str | None = None,
                date_intervention: str | None = None) -> Action:
    """Une mise à jour venue de l'outil d'un service (webhook, Open311) ; un identifiant déjà
    reçu ne change rien (rejeu, ou nouvel essai du service). La date d'une intervention
    programmée y est facultative."""

    def action(c: Chantier) -> str:
        attribution = attribution_de_la_mise_a_jour(c, gestionnaire, identifiant)
        if attribution is None:
            return "deja_recu"
        declarer(attribution["numero"], statut, message, motif, vers, date_intervention,
                 exiger_la_date=False)(c)
        return "enregistre"
    return action


def _hors_ressort(c: Chantier, a: dict, texte: str, raison: str, vers: str | None) -> None:
    suivant = None
    if vers:
        suivant = c.modele.gestionnaire(vers)
        if suivant is None:
            raise ActionImpossible(f"Le service « {vers} » n'existe pas.", 422)
        if suivant["id"] == a["gestionnaire"]:
            raise ActionImpossible("Choisissez un autre service que le vôtre.", 422)
    c.changer_statut(a, "pas_de_notre_ressort")
    a.update(motif=raison, vers=vers, revoque_le=horodatage(c.maintenant))
    nouvelle = c.nouvelle_attribution(suivant)
    c.noter("pas_de_notre_ressort", attribution=a, statut="pas_de_notre_ressort",
            motif=raison, vers=vers, message=texte, nouvelle_attribution=nouvelle["numero"],
            pour_le_citoyen=textes.dire_hors_ressort(
                a["nom"], raison, texte if texte != c.modele.message_propose(
                    "pas_de_notre_ressort") else "", suivant and suivant["nom"],
                c.coordination))
    if suivant is None:
        c.mettre_en_boite("a_orienter", nouvelle, motif=(
            f"{a['nom']} indique que ce signalement n'est pas de son ressort (« {raison} ») "
            "sans nommer de service : choisissez le bon service sur la page de coordination."))


# -- la coordination -----------------------------------------------------------------------

def reattribuer(vers: str, message: str | None = None) -> Action:
    def action(c: Chantier) -> None:
        suivant = c.modele.gestionnaire(vers)
        if suivant is None:
            raise ActionImpossible(f"Le service « {vers} » n'existe pas.", 422)
        if c.document.get("confirme_le"):
            raise ActionImpossible("Le citoyen a confirmé la résolution : le signalement est clos.")
        for a in c.document["attributions"]:
            if est_ouverte(a):
                c.changer_statut(a, "reattribue")
                a.update(vers=vers, revoque_le=horodatage(c.maintenant))
        nouvelle = c.nouvelle_attribution(suivant)
        c.noter("reattribue", attribution=nouvelle, vers=vers,
                pour_le_citoyen=textes.dire_reattribue(c.coordination, suivant["nom"],
                                                       _texte(message)))
    return action


def revoquer_liens(numero: int) -> Action:
    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        a["revoque_le"] = horodatage(c.maintenant)
        c.noter("liens_revoques", public=False, attribution=a,
                message=f"Liens de prise en charge {de_service(a['nom'])} retirés.")
    return action


def renouveler_lien(numero: int) -> Action:
    """Un agent au lien expiré demande un lien neuf : il part au service par son canal (une
    fois par heure au plus)."""

    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        if not est_ouverte(a) or a.get("canal") in (None, "aucune"):
            raise ActionImpossible("Ce signalement n'attend plus rien de votre service.")
        demande = a.get("lien_demande_le")
        if demande and demande > c.il_y_a(hours=1):
            raise ActionImpossible("Un nouveau lien vient déjà de partir : regardez vos "
                                   "courriels (ou votre outil) dans quelques minutes.", 429)
        a["lien_demande_le"] = horodatage(c.maintenant)
        c.noter("lien_demande", public=False, attribution=a,
                message="Nouveau lien de prise en charge demandé depuis un lien expiré.")
        c.mettre_en_boite("lien", a, motif="Voici un nouveau lien de prise en charge.")
    return action


# -- le citoyen ---------------------------------------------------------------------------

def completer(message: str | None, photo: tuple[bytes, int, int] | None = None) -> Action:
    def action(c: Chantier) -> None:
        texte = _texte(message)
        if not texte and photo is None:
            raise ActionImpossible("Écrivez une information ou joignez une photo.", 422)
        photos = c.document.setdefault("photos", [])
        nom = None
        if photo is not None:
            if sum(1 for p in photos if p.get("ajoutee_le")) >= PHOTOS_AJOUTEES_MAX:
                raise ActionImpossible(f"{PHOTOS_AJOUTEES_MAX} photos ajoutées au plus.", 422)
            contenu, largeur, hauteur = photo
            nom = f"photo-{len(photos) + 1}.jpg"
            photos.append({"nom": nom, "type": "image/jpeg", "largeur": largeur,
                           "hauteur": hauteur, "octets": len(contenu),
                           "ajoutee_le": horodatage(c.maintenant)})
            c.ecritures.photos.append((nom, contenu))
        c.noter("complement", photo=nom,
                pour_le_citoyen=" ".join(filter(None, [texte, "Photo jointe." if nom else ""])))
        for a in c.document["attributions"]:
            if est_ouverte(a) and a.get("canal") not in (None, "aucune"):
                c.mettre_en_boite("complement", a, motif=texte or "Une photo a été ajoutée.")
    return action


def _derniere_resolue(c: Chantier) -> dict:
    if c.document.get("confirme_le"):
        raise ActionImpossible("Vous avez déjà confirmé la résolution de ce signalement.")
    resolues = [a for a in c.document["attributions"] if a["statut"] == "resolu"]
    if not resolues or any(est_ouverte(a) for a in c.document["attributions"]):
        raise ActionImpossible("Ce signalement n'est pas marqué résolu.")
    return resolues[-1]


def confirmer() -> Action:
    def action(c: Chantier) -> None:
        a = _derniere_resolue(c)
        c.document["confirme_le"] = horodatage(c.maintenant)
        c.noter("confirme", attribution=a, pour_le_citoyen="Merci ! Le signalement est clos.")
    return action


def rouvrir(message: str | None) -> Action:
    def action(c: Chantier) -> None:
        a = _derniere_resolue(c)
        limite = datetime.fromisoformat(a["resolu_le"]) + timedelta(days=JOURS_POUR_ROUVRIR)
        if c.maintenant > limite:
            raise ActionImpossible(
                f"Un signalement se rouvre dans les {JOURS_POUR_ROUVRIR} jours qui suivent sa "
                "résolution. Faites un nouveau signalement.")
        texte = _texte(message)
        c.attendre_prise_en_charge(a, "rouvert")
        c.noter("rouvert", attribution=a, statut="rouvert", message_du_citoyen=texte or None,
                pour_le_citoyen=textes.dire_rouvert(a["nom"]))
        c.mettre_en_boite("rouvert", a, motif=texte or "Le problème n'est pas réglé.")
    return action
