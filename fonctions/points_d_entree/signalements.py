"""``POST /api/signalements`` (la page de confirmation et de suivi sans JavaScript est dans
``suivi_citoyen.py``).

Le service destinataire est résolu ici, sur le serveur, à partir du modèle construit :
le client ne choisit jamais le service, seulement l'issue (``noeud``) et la commune.
"""

from __future__ import annotations

import math
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fonctions.domaine.enregistrement import Resultat
from fonctions.domaine.modele import Modele
from fonctions.domaine.photos import PhotoRefusee, preparer_photo
from fonctions.domaine.statuts import CODE_COORDINATION
from fonctions.domaine.validation import Erreur, ErreursValidation, valider
from fonctions.points_d_entree.doublons import appareil, enregistrer_sans_doublon
from fonctions.points_d_entree.formulaire_a_corriger import page_a_corriger
from fonctions.points_d_entree.sans_bloquer import enregistrer_sans_bloquer
from fonctions.socle.jetons import jeton
from fonctions.socle.reglages import Reglages
from fonctions.stockage import CleEnCours, CleReutilisee
from fonctions.web.contexte import contexte
from fonctions.web.idempotence import empreinte_de_demande, lire_cle
from fonctions.web.lecture import JSON, Envoi, lire_envoi
from fonctions.web.pages import ReponseJSON, reponse_erreurs, veut_du_html


def _verifier(envoi: Envoi, modele: Modele):
    """Champs et photos vérifiés ensemble, pour tout dire au citoyen en une fois."""
    erreurs: list[Erreur] = []
    photos = []
    if len(envoi.photos) <= modele.regles.photos_max:
        for numero, octets in enumerate(envoi.photos, 1):
            try:
                photos.append(preparer_photo(octets))
            except PhotoRefusee as refus:
                erreurs.append(Erreur("photos", f"Photo {numero} : {refus.message}", refus.statut))
    try:
        demande = valider(envoi.champs, len(envoi.photos), modele)
    except ErreursValidation as refus:
        erreurs = refus.erreurs + erreurs
    if erreurs:
        raise ErreursValidation(erreurs)
    return demande, photos


def prochaine_etape(signalement: dict[str, Any]) -> str:
    gestionnaire, reference = signalement["gestionnaire"], signalement["reference"]
    nom = gestionnaire["nom"]
    if gestionnaire["id"] == CODE_COORDINATION:  # « Je ne trouve pas » : à orienter
        return (f"{nom} reçoit votre signalement : une personne va le lire et le transmettre "
                "au service qui s'en occupe. Votre suivi vous dira quel service l'a. Gardez la "
                f"référence {reference}.")
    if gestionnaire["canal"] == "aucune":
        if gestionnaire.get("telephone"):
            joindre = f"appelez le {gestionnaire['telephone']}"
        elif gestionnaire.get("site"):
            joindre = f"passez par {gestionnaire['site']}"
        else:
            joindre = "contactez-le directement"
        return (f"Votre signalement est enregistré sous la référence {reference}. {nom} ne "
                f"reçoit pas encore les signalements par Aiguillage : pour qu'il soit traité, "
                f"{joindre}.")
    delai = gestionnaire.get("delai_prise_en_charge")
    engagement = ""
    if delai:
        pluriel = "s" if delai > 1 else ""
        engagement = (f" Ce service s'engage à en accuser réception sous {delai} "
                      f"jour{pluriel} ouvré{pluriel}.")
    return f"{nom} reçoit votre signalement.{engagement} Gardez la référence {reference}."


def corps_de_reponse(signalement: dict[str, Any], reglages: Reglages) -> dict[str, Any]:
    """Le corps de la réponse : le même, octet pour octet, à chaque envoi rejoué."""
    reference = signalement["reference"]
    jeton_suivi = jeton(str(reglages.cle_secrete), "suivi", reference, signalement["suivi"]["sel"])
    return {
        "reference": reference,
        # Le jeton est dans le fragment : jamais envoyé au serveur, jamais dans un Referer.
        "suivi": f"{reglages.url_publique}/suivi/#{jeton_suivi}",
        "confirmation": f"{reglages.url_publique}{chemin_de_confirmation(reference, jeton_suivi)}",
        "gestionnaire": {"id": signalement["gestionnaire"]["id"],
                         "nom": signalement["gestionnaire"]["nom"]},
        "prochaine_etape": prochaine_etape(signalement),
    }


def chemin_de_confirmation(reference: str, jeton_suivi: str) -> str:
    return f"/api/signalements/{reference}/confirmation?jeton={jeton_suivi}"


def chemin_de_suivi(jeton_suivi: str) -> str:
    """La page de suivi sans JavaScript : le lien à garder (``suivi_citoyen.py``)."""
    return f"/api/suivi/{jeton_suivi}"


async def enregistrer_l_envoi(request: Request, envoi: Envoi, modele: Modele,
                              appareil_: str | None = None,
                              origine: dict[str, str] | None = None) -> Resultat:
    """Le chemin de tout signalement reçu, du formulaire du site comme d'Open311
    (``open311.py``) : clé d'idempotence, vérification (champs et photos), enregistrement
    (sans doublon pour un formulaire sans clé), réveil de la boîte d'envoi.

    Lève ``ErreursValidation``, ``CleEnCours`` ou ``CleReutilisee`` ; rien n'est écrit alors.
    ``appareil_`` remplace l'appareil (adresse et navigateur) dans la clé tirée du contenu
    d'un formulaire sans clé ; ``origine`` est gardée dans le signalement (``Demande``)."""
    ctx = contexte(request)
    cle = lire_cle(request, envoi.champs)
    # Sans photo, vérifier n'est que du calcul : pas de saut vers un fil (voir sans_bloquer.py).
    demande, photos = (await run_in_threadpool(_verifier, envoi, modele) if envoi.photos
                       else _verifier(envoi, modele))
    demande.origine = origine
    if cle is None and envoi.type != JSON:
        # Un formulaire sans clé (sans JavaScript) : sa clé vient de son contenu.
        resultat = await enregistrer_sans_doublon(
            ctx.stockage, demande, photos, modele, ctx.horloge(),
            str(ctx.reglages.cle_secrete), empreinte_de_demande(demande, []),
            appareil_ or appareil(request))
    else:
        empreinte = empreinte_de_demande(demande, envoi.photos) if cle else ""
        resultat = await enregistrer_sans_bloquer(
            ctx.stockage, demande, photos, modele, ctx.horloge(), cle, empreinte
        )
    if not resultat.rejoue:
        ctx.reveil.sonner()
    return resultat


async def recevoir(request: Request) -> Response:
    ctx = contexte(request)
    html = veut_du_html(request)
    modele = ctx.modele.actuel()
    if ctx.limiteur is not None:
        attente = ctx.limiteur.attente(request.client.host if request.client else "inconnu")
        if attente:
            minutes = max(1, round(attente / 60))
            erreur = Erreur(None, (f"Trop d'envois depuis votre connexion : réessayez dans "
                                   f"{minutes} minute{'s' if minutes > 1 else ''}."), 429)
            return _refus(request, [erreur], 429, html, {}, 0,
                          {"Retry-After": str(math.ceil(attente))})
    champs: dict[str, Any] = {}
    nombre_de_photos = 0
    try:
        envoi = await lire_envoi(request)
        champs, nombre_de_photos = envoi.champs, len(envoi.photos)
        resultat = await enregistrer_l_envoi(request, envoi, modele)
    except ErreursValidation as refus:
        return _refus(request, refus.erreurs, refus.statut, html, champs, nombre_de_photos)
    except CleEnCours:
        erreur = Erreur("Idempotency-Key", "Ce signalement est en cours d'enregistrement : "
                        "patientez quelques secondes, puis réessayez.", 409)
        return _refus(request, [erreur], 409, html, champs, nombre_de_photos,
                      {"Retry-After": "2"})
    except CleReutilisee:
        erreur = Erreur("Idempotency-Key", "Cette clé d'idempotence a déjà servi pour un autre "
                        "signalement : utilisez-en une nouvelle.")
        return _refus(request, [erreur], 422, html, champs, nombre_de_photos)
    corps = corps_de_reponse(resultat.signalement, ctx.reglages)
    if html:
        # La page de suivi sans JavaScript ; « déjà » si ce formulaire avait déjà été envoyé.
        jeton_suivi = corps["suivi"].rpartition("#")[2]
        adresse = chemin_de_suivi(jeton_suivi) + ("?fait=deja" if resultat.rejoue else "")
        return RedirectResponse(adresse, 303)
    return ReponseJSON(corps, status_code=200 if resultat.rejoue else 201)


def _refus(request: Request, erreurs: list[Erreur], statut: int, html: bool,
           champs: dict[str, Any], nombre_de_photos: int,
           entetes: dict[str, str] | None = None) -> Response:
    """En JSON, les erreurs ; en HTML, le formulaire de l'issue à corriger."""
    if html:
        return page_a_corriger(request, erreurs, statut, champs, nombre_de_photos, entetes)
    return reponse_erreurs(erreurs, statut, entetes=entetes)


routes = [
    Route("/api/signalements", recevoir, methods=["POST"]),
]
