"""La page de l'agent, sans compte : ouverte par le lien signé reçu avec le signalement.

- ``GET /api/agent/<jeton>`` : le signalement d'abord (quoi, où avec les liens des cartes,
  les photos, le contact si le citoyen l'a permis, le suivi), puis « Que faire ? » (les
  consignes du contenu, voir ``fiche_agent.py``) et les réponses (prendre en charge,
  intervention programmée avec sa date, résolu, clore, « pas de notre ressort »…) — sans
  JavaScript ;
- ``POST /api/agent/<jeton>`` : une déclaration (``action``, ``message``, ``motif``,
  ``vers``, ``date_intervention``, ``csrf``) ; refusée, la page revient avec l'erreur et
  ce qui avait été saisi ;
- ``GET /api/agent/<jeton>/photos/<nom>`` : une photo, seulement avec un lien valide ;
- ``POST /api/agent/<jeton>/nouveau-lien`` : depuis un lien expiré, un lien neuf part au
  service, par son canal.

Un lien faux (404), expiré ou retiré (410) reçoit une page qui dit pourquoi, en français.
Le contact du citoyen (s'il l'a permis) n'est montré qu'au service qui a le signalement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from arbre.agents import BOUTONS
from arbre.francais import a_service
from fonctions.domaine import actions
from fonctions.domaine.chronologie import chronologie, date_en_clair
from fonctions.domaine.intervention import aujourd_hui, dernier_jour_permis, intervention_prevue
from fonctions.domaine.statuts import (
    CODE_COORDINATION,
    EN_ATTENTE,
    MODIFIABLES_PAR_LE_SERVICE,
    attribution_numero,
    derniere,
    est_ouverte,
    libelle,
)
from fonctions.domaine.suivi import ActionImpossible, Auteur
from fonctions.domaine.validation import ErreursValidation
from fonctions.points_d_entree import fiche_agent
from fonctions.points_d_entree.annuaire import services_par_nature
from fonctions.socle.jetons import emis_dans_le_futur, lire_jeton_agent, verifier_jeton_agent
from fonctions.web.contexte import Contexte, contexte
from fonctions.web.gardes import (
    cible_du_jeton,
    code_de_formulaire,
    formulaire_accepte,
    noter_echec,
    refus_du_formulaire,
    trop_d_essais,
)
from fonctions.web.lecture import lire_envoi
from fonctions.web.pages import ENTETES_PRIVES, page

OCTETS_MAX_FORMULAIRE = 64 * 1024
# Les champs des formulaires de l'agent : du texte, jamais une liste ou un objet JSON.
TEXTES = ("action", "message", "motif", "motif_autre", "vers", "date_intervention", "csrf")
FAITS = {
    "pris_en_charge": "C'est noté : le citoyen sait que vous avez pris en charge son signalement.",
    "en_cours": "C'est noté : le citoyen sait que c'est en cours.",
    "programme": "C'est noté : le citoyen sait que l'intervention est prévue le {jour}.",
    "resolu": "C'est noté : le citoyen sait que c'est résolu. Il peut le rouvrir pendant 30 jours.",
    "clos": "C'est noté : le signalement est clos, le citoyen sait pourquoi.",
    "programme_sans_date": "C'est noté : le citoyen sait qu'une intervention est programmée.",
    "message": "Votre message est affiché dans le suivi du citoyen.",
    "lien": "Un nouveau lien part vers votre service, par le même moyen que le signalement.",
}


class LienRefuse(Exception):
    def __init__(self, statut: int, titre: str, message: str, renouvelable: bool = False):
        self.statut, self.titre, self.message, self.renouvelable = (statut, titre, message,
                                                                    renouvelable)
        super().__init__(message)


@dataclass
class Ouverture:
    signalement: dict
    attribution: dict
    jeton: str


def ouvrir(ctx: Contexte, jeton: str, accepter_expire: bool = False) -> Ouverture:
    """Le signalement et l'attribution d'un lien d'agent ; ``LienRefuse`` sinon."""
    lu = lire_jeton_agent(jeton)
    signalement = ctx.stockage.lire_signalement(lu[0]) if lu else None
    attribution = attribution_numero(signalement, lu[1]) if lu and signalement else None
    if (attribution is None or attribution["gestionnaire"] == CODE_COORDINATION
            or not verifier_jeton_agent(str(ctx.reglages.cle_secrete), jeton,
                                        attribution["sel"])
            or emis_dans_le_futur(lu[2], ctx.horloge().timestamp())):
        raise LienRefuse(404, "Lien invalide", (
            "Ce lien de prise en charge n'est pas valide : vérifiez qu'il est complet (un "
            "courriel le coupe parfois en deux) ou ouvrez-le depuis le courriel reçu."))
    emis = datetime.fromtimestamp(lu[2], UTC)
    coordination = ", ".join(ctx.modele.actuel().coordination_courriels) or "la coordination"
    if attribution["statut"] in ("pas_de_notre_ressort", "reattribue"):
        actuel = derniere(signalement)
        raise LienRefuse(410, "Lien retiré", (
            f"Ce signalement n'est plus confié {a_service(attribution['nom'])} : il est maintenant "
            f"suivi par {actuel['nom']}. Ce lien ne sert plus ; merci d'avoir fait suivre."))
    revoque = attribution.get("revoque_le")
    if revoque and emis <= datetime.fromisoformat(revoque):
        raise LienRefuse(410, "Lien retiré", (
            "Ce lien a été retiré par la coordination. Si vous devez encore traiter ce "
            f"signalement, demandez un nouveau lien à la coordination ({coordination})."))
    expire = emis + timedelta(days=ctx.reglages.lien_agent_jours)
    if ctx.horloge() > expire and not accepter_expire:
        raise LienRefuse(410, "Lien expiré", (
            f"Ce lien a expiré le {date_en_clair(expire.isoformat())}. Les liens de prise en "
            f"charge servent {ctx.reglages.lien_agent_jours} jours."),
            renouvelable=est_ouverte(attribution))
    return Ouverture(signalement, attribution, jeton)


def _refus(request: Request, refus: LienRefuse, jeton: str) -> Response:
    if refus.statut == 404:
        noter_echec(request, cible_du_jeton(jeton))
    return page(request, "lien_refuse.html", refus.statut, titre=refus.titre, message=refus.message,
                renouvelable=refus.renouvelable, action=f"/api/agent/{jeton}/nouveau-lien",
                csrf=code_de_formulaire(request, jeton) if refus.renouvelable else "")


def _page(request: Request, o: Ouverture, statut: int = 200, fait: str | None = None,
          erreur: str | None = None, saisie: dict | None = None) -> Response:
    """La page ; ``saisie`` (après un refus) rouvre le formulaire de son action avec ce que
    l'agent avait écrit."""
    ctx = contexte(request)
    modele = ctx.modele.actuel()
    s, a = o.signalement, o.attribution
    coordination = (modele.territoire.get("coordination") or {}).get("nom") or "La coordination"
    maintenant = ctx.horloge()
    saisie = {"action": "", "message": "", "date_intervention": "", **(saisie or {})}
    messages = {action: modele.message_propose(action) for action in BOUTONS}
    if saisie.get("action") in messages:
        messages[saisie["action"]] = saisie.get("message") or ""
    return page(
        request, "agent.html", statut, s=s, a=a, libelle=libelle(a["statut"]), boutons=BOUTONS,
        depuis=date_en_clair(a["depuis"]), recu=date_en_clair(s["cree_le"]),
        echeance=date_en_clair(a["echeance"]) if a.get("echeance") else None,
        intervention=intervention_prevue(a), lieu=fiche_agent.lieu(s),
        contact=fiche_agent.contact_permis(s, a),
        consignes=fiche_agent.consignes(modele, s, a["gestionnaire"]),
        photos=fiche_agent.photos(s, f"/api/agent/{o.jeton}/photos"),
        etapes=chronologie(s, coordination, pour_le_service=True), pour_le_service=True,
        modifiable=a["statut"] in MODIFIABLES_PAR_LE_SERVICE,
        en_attente=a["statut"] in (*EN_ATTENTE, "a_transmettre", "non_transmis"),
        messages=messages, motifs_cloture=modele.agents["motifs_clos"],
        motifs_hors_ressort=modele.agents["motifs_hors_ressort"],
        date_min=aujourd_hui(maintenant).isoformat(),
        date_max=dernier_jour_permis(maintenant).isoformat(),
        date_saisie=saisie.get("date_intervention") or a.get("date_intervention") or "",
        services=services_par_nature(modele, sauf=a["gestionnaire"]),
        csrf=code_de_formulaire(request, o.jeton), action=f"/api/agent/{o.jeton}",
        fait=fait, erreur=erreur, saisie=saisie)


def _fait(o: Ouverture, quoi: str) -> str | None:
    texte = FAITS.get(quoi)
    if texte and quoi == "programme":
        jour = intervention_prevue(o.attribution)
        return texte.format(jour=jour) if jour else FAITS["programme_sans_date"]
    return texte


async def _ouvrir(request: Request, accepter_expire: bool = False) -> Ouverture | Response:
    jeton = request.path_params["jeton"]
    refus = trop_d_essais(request, html=True, cible=cible_du_jeton(jeton))
    if refus is not None:
        return refus
    try:
        return await run_in_threadpool(ouvrir, contexte(request), jeton, accepter_expire)
    except LienRefuse as lien_refuse:
        return _refus(request, lien_refuse, jeton)


async def voir(request: Request) -> Response:
    o = await _ouvrir(request)
    if isinstance(o, Response):
        return o
    return _page(request, o, fait=_fait(o, request.query_params.get("fait", "")))


def _motif(champs: dict) -> str | None:
    """Le motif choisi ; un « autre motif » écrit l'emporte, même sans cocher « Autre »."""
    autre = str(champs.get("motif_autre") or "").strip()
    motif = str(champs.get("motif") or "")
    return autre or (None if motif in ("", "autre") else motif)


async def declarer(request: Request) -> Response:
    o = await _ouvrir(request)
    if isinstance(o, Response):
        return o
    try:
        champs = (await lire_envoi(request, OCTETS_MAX_FORMULAIRE, TEXTES)).champs
    except ErreursValidation as erreurs:
        return _page(request, o, erreurs.statut, erreur=erreurs.erreurs[0].message)
    if not formulaire_accepte(request, o.jeton, champs.get("csrf")):
        return refus_du_formulaire(request)
    ctx, a = contexte(request), o.attribution
    action = str(champs.get("action", ""))
    auteur = Auteur("service", "lien", a["gestionnaire"])
    changement = actions.declarer(a["numero"], action, champs.get("message"), _motif(champs),
                                  str(champs.get("vers") or "") or None,
                                  str(champs.get("date_intervention") or "") or None)
    try:
        document, _ = await run_in_threadpool(ctx.suivi.changer, o.signalement["reference"],
                                              changement, auteur)
    except ActionImpossible as refus:
        saisie = {"action": action, "message": str(champs.get("message") or ""),
                  "date_intervention": str(champs.get("date_intervention") or "")}
        return _page(request, o, refus.statut, erreur=refus.message, saisie=saisie)
    ctx.reveil.sonner()
    if action == "pas_de_notre_ressort":
        suivant = derniere(document)
        return page(request, "message.html", titre="Merci, c'est noté", message=(
            f"Le signalement est confié {a_service(suivant['nom'])} et le citoyen le sait. Ce lien ne "
            "sert plus."))
    return RedirectResponse(f"/api/agent/{o.jeton}?fait={action}", 303)


async def photo(request: Request) -> Response:
    o = await _ouvrir(request)
    if isinstance(o, Response):
        return o
    nom = request.path_params["nom"]
    if nom not in {p["nom"] for p in o.signalement.get("photos", [])}:
        return page(request, "message.html", 404, titre="Photo introuvable",
                    message="Cette photo n'existe pas.")
    contenu = await run_in_threadpool(contexte(request).stockage.lire_photo,
                                      o.signalement["reference"], nom)
    return Response(contenu, media_type="image/jpeg", headers=ENTETES_PRIVES)


async def nouveau_lien(request: Request) -> Response:
    o = await _ouvrir(request, accepter_expire=True)
    if isinstance(o, Response):
        return o
    try:
        champs = (await lire_envoi(request, OCTETS_MAX_FORMULAIRE, TEXTES)).champs
    except ErreursValidation as erreurs:
        return page(request, "message.html", erreurs.statut, titre="Lien non renvoyé",
                    message=erreurs.erreurs[0].message)
    if not formulaire_accepte(request, o.jeton, champs.get("csrf")):
        return refus_du_formulaire(request)
    ctx, a = contexte(request), o.attribution
    try:
        await run_in_threadpool(ctx.suivi.changer, o.signalement["reference"],
                                actions.renouveler_lien(a["numero"]),
                                Auteur("service", "lien", a["gestionnaire"]))
    except ActionImpossible as refus:
        return page(request, "message.html", refus.statut, titre="Lien non renvoyé", message=refus.message)
    ctx.reveil.sonner()
    return page(request, "message.html", titre="Nouveau lien demandé", message=FAITS["lien"])


routes = [
    Route("/api/agent/{jeton}", voir, methods=["GET"]),
    Route("/api/agent/{jeton}", declarer, methods=["POST"]),
    Route("/api/agent/{jeton}/photos/{nom}", photo, methods=["GET"]),
    Route("/api/agent/{jeton}/nouveau-lien", nouveau_lien, methods=["POST"]),
]
