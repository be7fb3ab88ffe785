"""La page de la coordination du territoire, sans compte ni mot de passe.

- ``GET /api/coordination`` : saisir son adresse ; ``POST`` : si elle figure dans
  ``territoire.coordination.courriels``, un lien de connexion y part (valable
  ``HEURES_DU_LIEN`` heures). La réponse est la même, au même moment, que l'adresse soit
  connue ou non : la page ne dit jamais qui est dans la liste.
- ``GET /api/coordination/<jeton>`` : les signalements sans réponse dans le délai, à orienter
  ou non transmis (lus dans le petit index des attributions ouvertes), la recherche d'un
  signalement par sa référence, et les recherches du site restées sans résultat ces 30
  derniers jours (``recherches_vides.py``) ;
- ``POST /api/coordination/<jeton>`` : confier un signalement à un service (``reattribuer``)
  ou retirer les liens de prise en charge d'une attribution (``revoquer``).

Un lien de connexion cesse de marcher dès que son adresse est retirée du contenu.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fonctions.domaine import actions
from fonctions.domaine.chronologie import chronologie, date_en_clair
from fonctions.domaine.intervention import intervention_prevue
from fonctions.domaine.statuts import EN_ATTENTE, attribution_numero, derniere, libelle
from fonctions.domaine.suivi import ActionImpossible, Auteur
from fonctions.domaine.validation import ErreursValidation
from fonctions.points_d_entree.annuaire import services_par_nature
from fonctions.points_d_entree.recherches_vides import PERIODE_MONTREE, recherches_frequentes
from fonctions.socle.courriels import rendre
from fonctions.socle.jetons import (
    emis_dans_le_futur,
    jeton_coordination,
    lire_jeton_coordination,
    reference_valide,
)
from fonctions.web.contexte import Contexte, contexte
from fonctions.web.gardes import (
    cible_du_jeton,
    code_de_formulaire,
    formulaire_accepte,
    noter_echec,
    origine_acceptee,
    refus_du_formulaire,
    trop_d_essais,
)
from fonctions.web.lecture import lire_envoi
from fonctions.web.pages import page

journal = logging.getLogger("aiguillage.coordination")
HEURES_DU_LIEN = 12
OCTETS_MAX_FORMULAIRE = 16 * 1024
# Les champs des formulaires de la coordination : du texte, jamais une liste ou un objet JSON.
TEXTES = ("action", "reference", "numero", "vers", "message", "csrf", "courriel")
FAITS = {"reattribuer": "C'est fait : le signalement part vers le service choisi.",
         "revoquer": "C'est fait : les liens de prise en charge de ce service ne marchent plus."}
ENVOYE = ("Si cette adresse est celle de la coordination du territoire, un lien de connexion "
          f"vient d'y être envoyé. Il sert {HEURES_DU_LIEN} heures.")


def _adresses(ctx: Contexte) -> set[str]:
    return {a.strip().lower() for a in ctx.modele.actuel().coordination_courriels}


async def connexion(request: Request) -> Response:
    return page(request, "coordination_connexion.html", message=None)


def _envoyer_lien(ctx: Contexte, adresse: str) -> None:
    emis = int(ctx.horloge().timestamp())
    lien = (f"{ctx.reglages.url_publique}/api/coordination/"
            f"{jeton_coordination(str(ctx.reglages.cle_secrete), adresse, emis)}")
    message = EmailMessage()
    message["Subject"] = "Votre lien de connexion à la coordination des signalements"
    message["From"] = f"Aiguillage <{ctx.reglages.expediteur}>"
    message["To"] = adresse
    message.set_content(rendre("courriel_coordination.txt", lien=lien, heures=HEURES_DU_LIEN,
                               territoire=ctx.modele.actuel().territoire["nom"]))
    try:
        ctx.expediteur.envoyer(message)
    except Exception:
        journal.exception("Le lien de coordination n'a pas pu partir vers %s.", adresse)


DEMANDE_DE_LIEN = "demande-de-lien"  # la cible commune des demandes de lien


async def demander_lien(request: Request) -> Response:
    refus = trop_d_essais(request, html=True, cible=DEMANDE_DE_LIEN)
    if refus is not None:
        return refus
    if not origine_acceptee(request):
        return refus_du_formulaire(request)
    # Chaque demande compte : pas d'essais d'adresses en rafale.
    noter_echec(request, DEMANDE_DE_LIEN)
    ctx = contexte(request)
    try:
        champs = (await lire_envoi(request, 4096, TEXTES)).champs
    except ErreursValidation:
        champs = {}
    adresse = str(champs.get("courriel") or "").strip().lower()
    tache = None
    if adresse and adresse in _adresses(ctx):
        # Envoyé après la réponse : le temps de réponse ne dit pas si l'adresse est connue.
        tache = BackgroundTask(run_in_threadpool, _envoyer_lien, ctx, adresse)
    reponse = page(request, "coordination_connexion.html", message=ENVOYE)
    reponse.background = tache
    return reponse


def _ouvrir(request: Request) -> str | Response:
    jeton = request.path_params["jeton"]
    refus = trop_d_essais(request, html=True, cible=cible_du_jeton(jeton))
    if refus is not None:
        return refus
    ctx = contexte(request)
    lu = lire_jeton_coordination(str(ctx.reglages.cle_secrete), jeton)
    if lu is None or emis_dans_le_futur(lu[1], ctx.horloge().timestamp()):
        noter_echec(request, cible_du_jeton(jeton))
        return page(request, "message.html", 404, titre="Lien invalide", message=(
            "Ce lien de connexion n'est pas valide : vérifiez qu'il est complet, ou demandez-en "
            "un nouveau sur /api/coordination."))
    adresse, emis = lu
    expire = datetime.fromtimestamp(emis, UTC) + timedelta(hours=HEURES_DU_LIEN)
    if adresse not in _adresses(ctx) or ctx.horloge() > expire:
        return page(request, "message.html", 410, titre="Lien expiré", message=(
            "Ce lien de connexion ne sert plus. Demandez-en un nouveau sur /api/coordination."))
    return adresse


def _carte(ctx: Contexte, entree: dict) -> dict | None:
    """Ce que la page montre d'une attribution, relu dans le signalement (qui fait foi)."""
    signalement = ctx.stockage.lire_signalement(entree["reference"])
    attribution = attribution_numero(signalement, entree["numero"]) if signalement else None
    if attribution is None or attribution["statut"] != entree["statut"]:
        ctx.suivi.reparer_index(entree)  # index en retard sur le document : on le répare
        return None
    return _carte_du_signalement(ctx, signalement, attribution)


def _carte_du_signalement(ctx: Contexte, signalement: dict, attribution: dict) -> dict:
    refus = next((e for e in reversed(signalement.get("historique", []))
                  if e["type"] == "pas_de_notre_ressort"), None)
    coordination = (ctx.modele.actuel().territoire.get("coordination") or {}).get("nom", "")
    return {
        "reference": signalement["reference"], "numero": attribution["numero"],
        "probleme": signalement["noeud"]["libelle"],
        "commune": (signalement.get("commune") or {}).get("nom"),
        "service": attribution["nom"], "statut": libelle(attribution["statut"]),
        "intervention": intervention_prevue(attribution),
        "depuis": date_en_clair(attribution["depuis"]),
        "relance": date_en_clair(attribution["relance_le"]) if attribution.get("relance_le")
        else None,
        "refus": refus and {"par": (attribution_numero(signalement, refus["attribution"])
                                    or {}).get("nom"), "motif": refus.get("motif")},
        "etapes": chronologie(signalement, coordination, pour_le_service=True),
    }


def _tableau(ctx: Contexte, reference: str | None) -> dict:
    maintenant = ctx.horloge()
    sections = {"sans_reponse": [], "a_orienter": [], "non_transmis": []}
    for entree in sorted(ctx.stockage.lister_ouvertes(), key=lambda e: e["depuis"]):
        if entree["statut"] in EN_ATTENTE:
            if not entree.get("echeance") or datetime.fromisoformat(entree["echeance"]) > maintenant:
                continue
            section = "sans_reponse"
        elif entree["statut"] in ("a_orienter", "non_transmis"):
            section = entree["statut"]
        else:
            continue
        carte = _carte(ctx, entree)
        if carte is not None:
            sections[section].append(carte)
    cherche, introuvable = None, False
    if reference:
        signalement = ctx.stockage.lire_signalement(reference) if reference_valide(
            reference) else None
        if signalement is None:
            introuvable = True
        else:
            cherche = _carte_du_signalement(ctx, signalement, derniere(signalement))
    return {"sections": sections, "cherche": cherche, "introuvable": introuvable,
            "recherches": recherches_frequentes(ctx.stockage, ctx.horloge),
            "periode": PERIODE_MONTREE}


async def tableau(request: Request) -> Response:
    adresse = _ouvrir(request)
    if isinstance(adresse, Response):
        return adresse
    ctx = contexte(request)
    reference = (request.query_params.get("reference") or "").strip().upper() or None
    donnees = await run_in_threadpool(_tableau, ctx, reference)
    return page(request, "coordination.html", **donnees, reference=reference or "",
                services=services_par_nature(ctx.modele.actuel()), adresse=adresse,
                csrf=code_de_formulaire(request, request.path_params["jeton"]),
                action=f"/api/coordination/{request.path_params['jeton']}",
                fait=FAITS.get(request.query_params.get("fait", "")),
                erreur=None, pour_le_service=True)


async def agir(request: Request) -> Response:
    adresse = _ouvrir(request)
    if isinstance(adresse, Response):
        return adresse
    jeton = request.path_params["jeton"]
    ctx = contexte(request)
    try:
        champs = (await lire_envoi(request, OCTETS_MAX_FORMULAIRE, TEXTES)).champs
    except ErreursValidation as erreurs:
        return page(request, "message.html", erreurs.statut, titre="Envoi refusé",
                    message=erreurs.erreurs[0].message)
    if not formulaire_accepte(request, jeton, champs.get("csrf")):
        return refus_du_formulaire(request)
    nom, reference = str(champs.get("action", "")), str(champs.get("reference", ""))
    numero = str(champs.get("numero", ""))
    if nom == "reattribuer":
        action = actions.reattribuer(str(champs.get("vers", "")), champs.get("message"))
    elif nom == "revoquer" and numero.isdigit():
        action = actions.revoquer_liens(int(numero))
    else:
        return page(request, "message.html", 422, titre="Action inconnue", message="Action inconnue.")
    try:
        if not reference_valide(reference):
            raise ActionImpossible("Référence inconnue.", 404)
        await run_in_threadpool(ctx.suivi.changer, reference, action,
                                Auteur("coordination", "page", personne=adresse))
    except (ActionImpossible, KeyError) as refus:
        message = refus.message if isinstance(refus, ActionImpossible) else "Référence inconnue."
        return page(request, "message.html", getattr(refus, "statut", 404), titre="Action impossible",
                    message=message)
    ctx.reveil.sonner()
    return RedirectResponse(f"/api/coordination/{jeton}?fait={nom}&reference={reference}", 303)


routes = [
    Route("/api/coordination", connexion, methods=["GET"]),
    Route("/api/coordination", demander_lien, methods=["POST"]),
    Route("/api/coordination/{jeton}", tableau, methods=["GET"]),
    Route("/api/coordination/{jeton}", agir, methods=["POST"]),
]
