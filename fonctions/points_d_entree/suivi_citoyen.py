"""Le suivi du citoyen : l'API JSON (lue par la page ``/suivi/#<jeton>`` du site) et la même
chose sans JavaScript (``/api/suivi/<jeton>``, le lien à garder, où un formulaire envoyé sans
JavaScript mène ; et ``/api/signalements/<référence>/confirmation?jeton=…``, l'adresse des
liens donnés avant elle).

API (le jeton dans l'en-tête ``Authorization: Jeton <jeton>``, jamais dans l'adresse) :

- ``GET /api/suivi`` : la chronologie, qui s'en occupe, la suite, les actions possibles ;
- ``GET /api/suivi/etat`` : le dernier état seulement (« Mes signalements ») ;
- ``POST /api/suivi/complement`` (``message``, ``photo`` en multipart),
  ``POST /api/suivi/confirmer``, ``POST /api/suivi/rouvrir`` (``message``),
  ``POST /api/suivi/effacer_coordonnees`` : rendent le nouveau suivi ;
- ``GET /api/suivi/donnees`` : « Télécharger mes données », un fichier JSON
  (``telechargement.py``) ; sans JavaScript, le bouton de la page envoie
  ``action=telecharger``.

Aucune de ces réponses ne contient le contact du citoyen, sauf son propre téléchargement.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from fonctions.domaine import actions
from fonctions.domaine.chronologie import chronologie, dernier_etat, resume
from fonctions.domaine.photos import PhotoRefusee, preparer_photo
from fonctions.domaine.purge import effacer_les_coordonnees
from fonctions.domaine.statuts import ouvertes
from fonctions.domaine.suivi import ActionImpossible, Auteur
from fonctions.domaine.telechargement import export_du_signalement
from fonctions.domaine.validation import Erreur, ErreursValidation
from fonctions.points_d_entree.lien_par_courriel import envoyer_le_lien
from fonctions.points_d_entree.signalements import chemin_de_confirmation, chemin_de_suivi, corps_de_reponse
from fonctions.socle.jetons import reference_du_jeton, verifier_jeton
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
from fonctions.web.pages import page, reponse_erreurs

OCTETS_MAX_COMPLEMENT = 11 * 1024 * 1024  # une photo de 10 Mo et le texte
FAITS = {
    "deja": ("Vous aviez déjà envoyé ce signalement : il n'est enregistré qu'une fois, et le "
             "service ne le reçoit qu'une fois."),
    "envoyer_le_lien": ("Le lien de suivi est parti à l'adresse indiquée. Rien reçu d'ici "
                        "quelques minutes ? Regardez dans les courriers indésirables."),
    "complement": "Votre information est ajoutée : le service qui s'en occupe la voit.",
    "confirmer": "Merci ! Le signalement est clos.",
    "rouvrir": "Le signalement est rouvert : le service est prévenu et doit de nouveau s'en "
               "occuper.",
    "effacer_coordonnees": ("Vos coordonnées sont effacées : vous ne recevrez plus de nouvelles "
                            "de ce signalement, mais cette page reste ouverte."),
}
# Les champs des envois du citoyen : du texte, jamais une liste ou un objet JSON.
TEXTES = ("message", "action", "jeton", "csrf", "courriel")
LIEN_INVALIDE = "Ce lien de suivi n'est pas valide : vérifiez qu'il est complet."


def _coordination(ctx: Contexte) -> str:
    territoire = ctx.modele.actuel().territoire
    return (territoire.get("coordination") or {}).get("nom") or "La coordination"


def _lire_suivi(ctx: Contexte, jeton: str, reference: str | None = None) -> dict | None:
    """Le signalement de ce jeton de suivi, ou ``None`` (faux, ou d'un autre signalement)."""
    lue = reference_du_jeton(jeton)
    if lue is None or (reference is not None and lue != reference):
        return None
    signalement = ctx.stockage.lire_signalement(lue)
    if signalement is None or not verifier_jeton(str(ctx.reglages.cle_secrete), "suivi", jeton,
                                                 lue, signalement["suivi"]["sel"]):
        return None
    return signalement


def _jeton_de_l_entete(request: Request) -> str:
    schema, _, jeton = request.headers.get("authorization", "").partition(" ")
    return jeton.strip() if schema.lower() == "jeton" else ""


def _action(nom: str, champs: dict, photos: list[bytes]):
    message = champs.get("message")  # du texte ou rien : lire_envoi l'a vérifié
    if nom == "complement":
        if len(photos) > 1:
            raise ActionImpossible("Une photo à la fois.", 422)
        photo = None
        if photos:
            try:
                prete = preparer_photo(photos[0])
            except PhotoRefusee as refus:
                raise ActionImpossible(refus.message, refus.statut) from None
            photo = (prete.contenu, prete.largeur, prete.hauteur)
        return actions.completer(message, photo)
    if nom == "confirmer":
        return actions.confirmer()
    if nom == "rouvrir":
        return actions.rouvrir(message)
    raise ActionImpossible("Cette action n'existe pas.", 404)


async def _appliquer(ctx: Contexte, reference: str, nom: str, champs: dict, photos: list[bytes],
                     canal: str) -> dict:
    def faire() -> dict:
        if nom == "effacer_coordonnees":
            return effacer_les_coordonnees(ctx.suivi, ctx.stockage, reference,
                                           Auteur("citoyen", canal))
        document, _ = ctx.suivi.changer(reference, _action(nom, champs, photos),
                                        Auteur("citoyen", canal))
        return document

    document = await run_in_threadpool(faire)
    ctx.reveil.sonner()
    return document


# -- l'API JSON --------------------------------------------------------------------------

async def _ouvrir_api(request: Request) -> dict | Response:
    jeton = _jeton_de_l_entete(request)
    refus = trop_d_essais(request, html=False, cible=cible_du_jeton(jeton))
    if refus is not None:
        return refus
    ctx = contexte(request)
    signalement = await run_in_threadpool(_lire_suivi, ctx, jeton)
    if signalement is None:
        noter_echec(request, cible_du_jeton(jeton))
        return reponse_erreurs([Erreur(None, LIEN_INVALIDE)], 404)
    return signalement


async def api_suivi(request: Request) -> Response:
    signalement = await _ouvrir_api(request)
    if isinstance(signalement, Response):
        return signalement
    ctx = contexte(request)
    return JSONResponse(resume(signalement, _coordination(ctx), ctx.horloge()))


async def api_etat(request: Request) -> Response:
    signalement = await _ouvrir_api(request)
    if isinstance(signalement, Response):
        return signalement
    return JSONResponse(dernier_etat(signalement, _coordination(contexte(request))))


def _telechargement(ctx: Contexte, signalement: dict) -> Response:
    donnees = export_du_signalement(ctx.stockage, signalement, ctx.reglages, _coordination(ctx))
    return JSONResponse(donnees, headers={
        "Content-Disposition": f'attachment; filename="{signalement["reference"]}.json"',
        "Cache-Control": "no-store"})


async def api_donnees(request: Request) -> Response:
    signalement = await _ouvrir_api(request)
    if isinstance(signalement, Response):
        return signalement
    ctx = contexte(request)
    return await run_in_threadpool(_telechargement, ctx, signalement)


async def api_action(request: Request) -> Response:
    if not origine_acceptee(request):
        return reponse_erreurs([Erreur(None, "Envoi refusé : il ne vient pas du site.")], 403)
    signalement = await _ouvrir_api(request)
    if isinstance(signalement, Response):
        return signalement
    ctx = contexte(request)
    try:
        envoi = await lire_envoi(request, OCTETS_MAX_COMPLEMENT, TEXTES)
        document = await _appliquer(ctx, signalement["reference"],
                                    request.path_params["action"], envoi.champs, envoi.photos,
                                    "api")
    except ErreursValidation as refus:
        return reponse_erreurs(refus.erreurs, refus.statut)
    except ActionImpossible as refus:
        return reponse_erreurs([Erreur(None, refus.message, refus.statut)], refus.statut)
    return JSONResponse(resume(document, _coordination(ctx), ctx.horloge()))


# -- la page sans JavaScript ----------------------------------------------------------------

# Ce que l'envoi lui-même écrit à l'historique (réception, transmission, courriels, alerte
# de la coordination) : tant qu'il n'y a rien d'autre, la page dit « Votre signalement est
# enregistré », que la boîte d'envoi soit passée avant l'affichage ou non.
EVENEMENTS_DE_L_ENVOI = frozenset({"recu", "transmis", "envoye", "alerte", "a_orienter",
                                   "abandon"})


def _rien_depuis_l_envoi(signalement: dict) -> bool:
    return all(e.get("type") in EVENEMENTS_DE_L_ENVOI for e in signalement.get("historique", []))


def _page_de_suivi(request: Request, signalement: dict, jeton: str, statut: int = 200,
                   fait: str | None = None, erreur: str | None = None,
                   courriel_saisi: str = "") -> Response:
    ctx = contexte(request)
    coordination = _coordination(ctx)
    corps = corps_de_reponse(signalement, ctx.reglages)
    actuels = ouvertes(signalement) or signalement.get("attributions", [])[-1:]
    return page(
        request, "confirmation.html", statut,
        reference=signalement["reference"], s=resume(signalement, coordination, ctx.horloge()),
        lien_de_suivi=f"{ctx.reglages.url_publique}{chemin_de_suivi(jeton)}",
        lien_de_l_application=corps["suivi"],
        gestionnaire=", ".join(a["nom"] for a in actuels) or signalement["gestionnaire"]["nom"],
        nouveau=_rien_depuis_l_envoi(signalement), fait=fait, erreur=erreur,
        jeton=jeton, csrf=code_de_formulaire(request, jeton), pour_le_service=False,
        action=chemin_de_confirmation(signalement["reference"], jeton).partition("?")[0],
        etapes=chronologie(signalement, coordination), courriel_saisi=courriel_saisi,
        erreur_courriel=erreur if courriel_saisi else None)


async def _afficher(request: Request, jeton: str, reference: str | None) -> Response:
    refus = trop_d_essais(request, html=True, cible=cible_du_jeton(jeton))
    if refus is not None:
        return refus
    signalement = await run_in_threadpool(_lire_suivi, contexte(request), jeton, reference)
    if signalement is None:
        noter_echec(request, cible_du_jeton(jeton))
        return page(request, "message.html", 404, titre="Lien introuvable",
                    message=LIEN_INVALIDE)
    return _page_de_suivi(request, signalement, jeton,
                          fait=FAITS.get(request.query_params.get("fait", "")))


async def page_de_suivi(request: Request) -> Response:
    """``GET /api/suivi/<jeton>`` : le lien de suivi à garder, qui marche sans JavaScript."""
    return await _afficher(request, request.path_params["jeton"], None)


async def page_de_confirmation(request: Request) -> Response:
    """``GET /api/signalements/<référence>/confirmation?jeton=…`` : la même page, à l'adresse
    des liens donnés avant ``/api/suivi/<jeton>`` (ils marchent toujours)."""
    return await _afficher(request, request.query_params.get("jeton", ""),
                           request.path_params["reference"])


async def page_action(request: Request) -> Response:
    refus = trop_d_essais(request, html=True)  # l'adresse, avant de lire le formulaire
    if refus is not None:
        return refus
    ctx = contexte(request)
    try:
        envoi = await lire_envoi(request, OCTETS_MAX_COMPLEMENT, TEXTES)
    except ErreursValidation as erreurs:
        return page(request, "message.html", erreurs.statut, titre="Envoi refusé",
                    message=erreurs.erreurs[0].message)
    jeton = str(envoi.champs.get("jeton", ""))
    refus = trop_d_essais(request, html=True, cible=cible_du_jeton(jeton))
    if refus is not None:
        return refus
    signalement = await run_in_threadpool(_lire_suivi, ctx, jeton,
                                          request.path_params["reference"])
    if signalement is None:
        noter_echec(request, cible_du_jeton(jeton))
        return page(request, "message.html", 404, titre="Lien introuvable",
                    message=LIEN_INVALIDE)
    if not formulaire_accepte(request, jeton, envoi.champs.get("csrf")):
        return refus_du_formulaire(request)
    nom = str(envoi.champs.get("action", ""))
    if nom == "telecharger":
        return await run_in_threadpool(_telechargement, ctx, signalement)
    try:
        if nom == "envoyer_le_lien":
            lien = f"{ctx.reglages.url_publique}{chemin_de_suivi(jeton)}"
            await run_in_threadpool(envoyer_le_lien, ctx, signalement, lien,
                                    envoi.champs.get("courriel"))
        else:
            await _appliquer(ctx, signalement["reference"], nom, envoi.champs, envoi.photos,
                             "page")
    except ActionImpossible as refus:
        saisi = envoi.champs.get("courriel") if nom == "envoyer_le_lien" else ""
        return _page_de_suivi(request, signalement, jeton, refus.statut, erreur=refus.message,
                              courriel_saisi=saisi if isinstance(saisi, str) else "")
    return RedirectResponse(f"{chemin_de_suivi(jeton)}?fait={nom}", 303)


routes = [
    Route("/api/signalements/{reference}/confirmation", page_de_confirmation, methods=["GET"]),
    Route("/api/signalements/{reference}/confirmation", page_action, methods=["POST"]),
    Route("/api/suivi", api_suivi, methods=["GET"]),
    Route("/api/suivi/etat", api_etat, methods=["GET"]),
    Route("/api/suivi/donnees", api_donnees, methods=["GET"]),
    Route("/api/suivi/{action}", api_action, methods=["POST"]),
    Route("/api/suivi/{jeton}", page_de_suivi, methods=["GET"]),
]
