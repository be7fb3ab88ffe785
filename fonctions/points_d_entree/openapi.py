"""``GET /api/openapi.json`` : la description OpenAPI 3.1 de l'API publique des fonctions.

La description est écrite ici, en Python, plutôt que dans un fichier JSON à part : les
limites qu'elle annonce (tailles des corps, longueurs des textes, profondeur du JSON) sont
les constantes mêmes des modules qui les appliquent, et ne peuvent donc pas s'en écarter.
Elle reste vraie grâce aux tests (voir docs/api.md) : chaque route de l'application y est
décrite (``tests/fonctions/points_d_entree/test_openapi.py``), chaque réponse vue par les tests des
fonctions est vérifiée contre elle (``tests/fonctions/conformite_openapi.py``), et
schemathesis l'éprouve contre le vrai serveur.

Les pages (agent, coordination, suivi sans JavaScript) y figurent aussi : ce sont des
formulaires HTML, décrits avec leurs champs et leurs réponses ``text/html``.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from arbre.agents import BOUTONS
from fonctions.domaine.actions import TEXTE_MAX
from fonctions.points_d_entree import (
    agent,
    coordination,
    mises_a_jour,
    open311,
    open311_lecture,
    recherches_vides,
)
from fonctions.points_d_entree import push as push_routes
from fonctions.points_d_entree.suivi_citoyen import OCTETS_MAX_COMPLEMENT
from fonctions.socle.reglages import Reglages
from fonctions.web.lecture import OCTETS_MAX_CORPS, OCTETS_MAX_JSON, PROFONDEUR_MAX

JSON, HTML = "application/json", "text/html"
FORMULAIRE, MULTIPART = "application/x-www-form-urlencoded", "multipart/form-data"
# Les réponses Open311 qui diffèrent de celles des autres routes.
LIBELLES_OPEN311 = {403: "api_key ou jurisdiction_id faux (GeoReport v2 : 403)."}
LIBELLES = {200: "Fait.", 201: "Créé.", 204: "Fait, sans contenu.",
            303: "Fait : le navigateur est renvoyé vers la page indiquée par Location.",
            400: "Corps illisible (JSON invalide, trop imbriqué, formulaire illisible).",
            401: "Signature ou clé absente ou fausse.",
            403: "Envoi venu d'un autre site, ou code de formulaire (csrf) faux.",
            404: "Lien, jeton ou signalement inconnu.",
            409: "Le changement ne s'applique pas à l'état actuel du signalement.",
            410: "Lien expiré ou retiré.", 413: "Corps trop volumineux.",
            415: "Type de contenu non accepté.", 422: "Champ manquant ou invalide.",
            429: "Trop d'essais depuis cette connexion : voir Retry-After.",
            503: "Service momentanément indisponible."}


def _ref(nom: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{nom}"}


def _texte(maximum: int | None = None, **autres: Any) -> dict[str, Any]:
    return {"type": "string", **({"maxLength": maximum} if maximum else {}), **autres}


def _objet(proprietes: dict[str, Any], requis: tuple[str, ...] = (), **autres: Any) -> dict:
    return {"type": "object", "properties": proprietes, "required": list(requis), **autres}


def _reponses(json: tuple[int, ...] = (), html: tuple[int, ...] = (),
              schemas: dict[int, str] | None = None, redirection: bool = False,
              autres: dict[int, dict] | None = None) -> dict[str, Any]:
    """Les réponses d'une opération : ``json`` et ``html`` disent quels statuts arrivent en
    JSON (``schemas`` donne le schéma des succès ; les autres sont ``Erreurs``) ou en page."""
    reponses: dict[str, Any] = {}
    for statut in sorted({*json, *html}):
        contenu = {}
        if statut in json:
            contenu[JSON] = {"schema": _ref((schemas or {}).get(statut, "Erreurs"))}
        if statut in html:
            contenu[HTML] = {"schema": {"type": "string"}}
        reponses[str(statut)] = {"description": LIBELLES[statut], "content": contenu}
    if redirection:
        reponses["303"] = {"description": LIBELLES[303], "headers": {
            "Location": {"schema": {"type": "string"}, "required": True}}}
    for statut, reponse in (autres or {}).items():
        reponses[str(statut)] = reponse
    return dict(sorted(reponses.items()))


def _corps(schema: dict[str, Any], *types: str, requis: bool = True) -> dict[str, Any]:
    return {"required": requis, "content": {t: {"schema": schema} for t in types}}


def _chemin(nom: str, description: str) -> dict[str, Any]:
    return {"name": nom, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


JETON_DE_SUIVI = {"name": "Authorization", "in": "header", "required": True,
                  "description": "« Jeton <jeton de suivi> » : le jeton rendu à l'envoi (après "
                                 "le # de l'adresse de suivi). Jamais dans l'adresse.",
                  "schema": {"type": "string"}}
JETON_AGENT = _chemin("jeton", "Le jeton signé du lien de prise en charge reçu par le service.")
JETON_COORDINATION = _chemin("jeton", "Le jeton signé du lien de connexion de la coordination.")
# Les champs des formulaires des pages, tous du texte (lecture.exiger_des_textes).
CSRF = _texte(description="Le code du formulaire, lu dans la page qui l'affiche.")

SCHEMAS: dict[str, Any] = {
    "Erreurs": _objet({"erreurs": {"type": "array", "minItems": 1, "items": _objet({
        "champ": {"type": ["string", "null"], "description": "Le champ fautif, ou null pour "
                                                             "l'envoi entier."},
        "message": _texte(description="Ce qu'il faut corriger, en français.")},
        ("champ", "message"))}}, ("erreurs",)),
    "Signalement": _objet({
        "noeud": _texte(description="L'identifiant de l'issue choisie dans le parcours "
                                    "(« voirie/nid-de-poule »)."),
        "commune": _texte(description="Le code INSEE de la commune."),
        "description": _texte(), "adresse": _texte(), "lieu": _texte(),
        "latitude": {"type": ["number", "string"]}, "longitude": {"type": ["number", "string"]},
        "courriel": _texte(), "telephone": _texte(),
        "consentement": {"type": ["string", "boolean"],
                         "description": "« oui » : le service peut contacter le citoyen."},
        "idempotency_key": _texte(description="Un UUID, si l'en-tête Idempotency-Key ne peut "
                                              "pas être envoyé."),
    }, ("noeud",), description="Les champs d'un signalement ; les réponses aux questions de "
                               "l'issue s'ajoutent en « question-<id> ». Chaque texte est "
                               "normalisé (ni caractère de contrôle ni moitié de paire).",
        additionalProperties=True),
    "Accepte": _objet({
        "reference": _texte(), "suivi": _texte(description="L'adresse de suivi (jeton après #)."),
        "confirmation": _texte(description="La page de suivi sans JavaScript."),
        "gestionnaire": _objet({"id": _texte(), "nom": _texte()}, ("id", "nom")),
        "prochaine_etape": _texte()},
        ("reference", "suivi", "confirmation", "gestionnaire", "prochaine_etape")),
    "Etape": _objet({
        "date": _texte(), "date_en_clair": _texte(), "type": _texte(), "titre": _texte(),
        "qui": {"type": ["string", "null"]}, "texte": _texte(),
        "motif": {"type": ["string", "null"]}, "votre_message": {"type": ["string", "null"]}},
        ("date", "type", "titre", "texte")),
    "Suivi": _objet({
        "reference": _texte(), "probleme": _texte(), "commune": {"type": ["string", "null"]},
        "cree_le": _texte(),
        "etat": _objet({"code": _texte(), "libelle": _texte(), "depuis": _texte()},
                       ("code", "libelle", "depuis")),
        "qui_s_en_occupe": {"type": "array", "items": _objet(
            {"nom": _texte(), "depuis": _texte(), "depuis_en_clair": _texte()}, ("nom",))},
        "prochaine_etape": _texte(),
        "chronologie": {"type": "array", "items": _ref("Etape")},
        "actions": _objet({"completer": {"type": "boolean"}, "confirmer": {"type": "boolean"},
                           "rouvrir": {"type": "boolean"},
                           "rouvrir_jusqu_au": {"type": ["string", "null"]}},
                          ("completer", "confirmer", "rouvrir"))},
        ("reference", "etat", "chronologie", "actions", "prochaine_etape")),
    "Export": _objet({
        "format": {"const": "aiguillage-export-1"}, "reference": _texte(),
        "envoye_le": _texte(), "probleme": {"type": ["string", "null"]},
        "description": {"type": ["string", "null"]},
        "photos": {"type": "array", "items": _objet({}, (), additionalProperties=True)},
        "coordonnees": {"type": ["object", "null"]},
        "chronologie": {"type": "array", "items": _ref("Etape")},
        "conservation": _objet({}, (), additionalProperties=True)},
        ("format", "reference", "envoye_le", "chronologie", "conservation"),
        description="« Télécharger mes données » : tout ce qu'Aiguillage garde du "
                    "signalement (textes, lieu, réponses, photos en base64, coordonnées, "
                    "chronologie) et les dates d'effacement prévues.",
        additionalProperties=True),
    "Etat": _objet({"reference": _texte(), "code": _texte(), "libelle": _texte(),
                    "service": _texte(), "depuis": _texte()},
                   ("reference", "code", "libelle", "service", "depuis")),
    "Complement": _objet({"message": _texte(TEXTE_MAX)}, additionalProperties=True),
    "Recherche": _objet({"requete": _texte(recherches_vides.REQUETE_MAX)}, ("requete",),
                        additionalProperties=False),
    "MiseAJour": _objet({
        "id": {"type": ["string", "integer"], "description": "Identifiant de la mise à jour "
                                                           "chez le service (rejeu sans effet)."},
        "reference": _texte(), "statut": _texte(description="pris_en_charge, en_cours, "
                                                            "programme, resolu, clos, "
                                                            "pas_de_notre_ressort, message"),
        "message": _texte(TEXTE_MAX), "motif": _texte(TEXTE_MAX), "vers": _texte(),
        "date_intervention": _texte(description="AAAA-MM-JJ")}, ("id", "reference", "statut")),
    "MiseAJourAcceptee": _objet({"etat": {"enum": ["enregistre", "deja_recu"]},
                                 "reference": _texte(), "statut": _texte()},
                                ("etat", "reference", "statut")),
    "MiseAJourOpen311": _objet({
        "jurisdiction_id": _texte(description="L'identifiant du service."), "api_key": _texte(),
        "service_request_id": _texte(), "update_id": _texte(), "status": _texte(),
        "description": _texte(), "expected_datetime": _texte(), "updated_datetime": _texte(
            description="W3C (2025-03-10T09:00:00Z) : l'état ne change que pour une mise à "
                        "jour plus récente que la dernière appliquée."),
        "aiguillage_service": _texte()},
        ("jurisdiction_id", "api_key", "service_request_id", "update_id", "status")),
    "ReponseOpen311": {"type": "array", "items": {"oneOf": [
        _objet({"update_id": _texte()}, ("update_id",)),
        _objet({"code": {"type": "integer"}, "description": _texte()}, ("code", "description"))]}},
    "Abonnement": _objet({"abonnement": _objet({
        "endpoint": _texte(), "keys": _objet({"p256dh": _texte(), "auth": _texte()})},
        ("endpoint", "keys"), description="PushSubscription.toJSON() du navigateur.")},
        ("abonnement",)),
    "Message": _objet({"message": _texte()}, ("message",)),
    "Cle": _objet({"cle": _texte(description="La clé VAPID publique, en base64url.")}, ("cle",)),
    "Sante": _objet({"etat": {"const": "ok"}, "modele": _texte(), "base": {"const": "ok"}},
                    ("etat", "modele")),
    "Description": _objet({"openapi": _texte()}, ("openapi",), additionalProperties=True),
}

# Ce qu'envoient les formulaires des pages : des textes, et rien d'autre n'est lu.
FORMULAIRE_AGENT = _objet({nom: _texte() for nom in agent.TEXTES} | {
    "csrf": CSRF, "action": {"enum": list(BOUTONS)}}, ("csrf", "action"))
FORMULAIRE_COORDINATION = _objet({nom: _texte() for nom in coordination.TEXTES} | {
    "csrf": CSRF, "action": {"enum": ["reattribuer", "revoquer"]}}, ("csrf", "action"))
FORMULAIRE_SUIVI = _objet({"jeton": _texte(), "csrf": CSRF, "action": {"enum": [
    "complement", "confirmer", "rouvrir", "envoyer_le_lien", "effacer_coordonnees",
    "telecharger"]}, "message": _texte(TEXTE_MAX),
    "courriel": _texte()}, ("jeton", "csrf", "action"))


def _operation(resume: str, reponses: dict, **autres: Any) -> dict[str, Any]:
    return {"summary": resume, **autres, "responses": reponses}


PAGES_DE_LIEN = (200, 404, 429)
CHEMINS: dict[str, dict[str, Any]] = {
    "/api/signalements": {"post": _operation(
        "Envoyer un signalement (JSON, formulaire simple, ou multipart avec des photos).",
        _reponses(json=(200, 201, 400, 409, 413, 415, 422, 429), html=(400, 409, 413, 415, 422, 429),
                  schemas={200: "Accepte", 201: "Accepte"}, redirection=True),
        description=(
            "201 : enregistré ; 200 : le même envoi, rejoué (même clé d'idempotence), la même "
            "réponse. Un formulaire envoyé par un navigateur (Accept: text/html) reçoit une "
            f"redirection 303 vers la page de suivi, ou sa page à corriger. Corps : "
            f"{OCTETS_MAX_CORPS // 1024 // 1024} Mo au plus ({OCTETS_MAX_JSON // 1024 // 1024} "
            f"Mo en JSON, sur {PROFONDEUR_MAX} niveaux au plus)."),
        parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                     "description": "Un UUID par signalement : un envoi rejoué ne crée rien.",
                     "schema": {"type": "string"}}],
        requestBody={"required": True, "content": {
            JSON: {"schema": _ref("Signalement")},
            FORMULAIRE: {"schema": _ref("Signalement")},
            MULTIPART: {"schema": {"allOf": [_ref("Signalement"), _objet({"photos": {
                "type": "array", "items": {"type": "string", "contentMediaType": "image/*"}}})]},
                "encoding": {"photos": {"contentType": "image/jpeg, image/png, image/webp"}}}}})},
    "/api/signalements/{reference}/confirmation": {
        "parameters": [_chemin("reference", "La référence du signalement (AIG-XXXX-XX).")],
        "get": _operation("La page de suivi sans JavaScript (ancienne adresse des liens).",
                          _reponses(html=PAGES_DE_LIEN), parameters=[{
                              "name": "jeton", "in": "query", "required": True,
                              "schema": {"type": "string"}}]),
        "post": _operation("Agir depuis la page de suivi sans JavaScript.", _reponses(
            html=(200, 400, 403, 404, 409, 413, 415, 422, 429, 503), redirection=True,
            autres={200: {"description": "La page de suivi, ou (action « telecharger ») le "
                                         "fichier des données du signalement.",
                          "content": {HTML: {"schema": {"type": "string"}},
                                      JSON: {"schema": _ref("Export")}}}}),
            description="503 : le lien de suivi n'a pas pu partir par courriel.",
            requestBody=_corps(FORMULAIRE_SUIVI, FORMULAIRE, MULTIPART))},
    "/api/suivi": {"get": _operation("Le suivi d'un signalement.", _reponses(
        json=(200, 404, 429), schemas={200: "Suivi"}), parameters=[JETON_DE_SUIVI])},
    "/api/suivi/donnees": {"get": _operation(
        "« Télécharger mes données » : le fichier JSON du signalement (pièce jointe).",
        _reponses(json=(200, 404, 429), schemas={200: "Export"}),
        parameters=[JETON_DE_SUIVI])},
    "/api/suivi/etat": {"get": _operation("Le dernier état d'un signalement (« Mes "
                                          "signalements »).", _reponses(
        json=(200, 404, 429), schemas={200: "Etat"}), parameters=[JETON_DE_SUIVI])},
    # Une seule adresse pour OpenAPI (deux gabarits de même forme seraient identiques) :
    # GET /api/suivi/<jeton> (la page) et POST /api/suivi/<action> (l'API).
    "/api/suivi/{jeton_ou_action}": {
        "get": _operation("La page de suivi sans JavaScript : le lien à garder.",
                          _reponses(html=PAGES_DE_LIEN),
                          parameters=[_chemin("jeton_ou_action", "Le jeton de suivi.")]),
        "post": _operation(
            "Compléter, confirmer la résolution, rouvrir un signalement, ou effacer ses "
            "coordonnées tout de suite.",
            _reponses(json=(200, 400, 403, 404, 409, 413, 415, 422, 429),
                      schemas={200: "Suivi"}),
            description=f"Corps : {OCTETS_MAX_COMPLEMENT // 1024 // 1024} Mo au plus (une "
                        "photo, en multipart).",
            parameters=[{**_chemin("jeton_ou_action", "L'action."), "schema": {
                "enum": ["complement", "confirmer", "rouvrir", "effacer_coordonnees"]}},
                JETON_DE_SUIVI],
            requestBody=_corps(_ref("Complement"), JSON, FORMULAIRE, MULTIPART, requis=False))},
    "/api/agent/{jeton}": {
        "parameters": [JETON_AGENT],
        "get": _operation("La page du service : le signalement, que faire, les réponses.",
                          _reponses(html=(200, 404, 410, 429))),
        "post": _operation("Une réponse du service (prendre en charge, résolu, message…).",
                           _reponses(html=(200, 400, 403, 404, 409, 410, 413, 415, 422, 429),
                                     redirection=True),
                           requestBody=_corps(FORMULAIRE_AGENT, FORMULAIRE, MULTIPART, JSON))},
    "/api/agent/{jeton}/photos/{nom}": {"get": _operation(
        "Une photo du signalement, avec un lien valide.",
        _reponses(html=(404, 410, 429), autres={200: {"description": "La photo.", "content": {
            "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}}}}}),
        parameters=[JETON_AGENT, _chemin("nom", "Le nom de la photo (photo-1.jpg).")])},
    "/api/agent/{jeton}/nouveau-lien": {"post": _operation(
        "Depuis un lien expiré, demander un lien neuf (il part au service, par son canal).",
        _reponses(html=(200, 400, 403, 404, 409, 410, 413, 415, 422, 429)),
        description=f"Corps : {agent.OCTETS_MAX_FORMULAIRE // 1024} Ko au plus.",
        parameters=[JETON_AGENT],
        requestBody=_corps(_objet({"csrf": CSRF}, ("csrf",)), FORMULAIRE, MULTIPART, JSON))},
    "/api/coordination": {
        "get": _operation("La page de connexion de la coordination.", _reponses(html=(200,))),
        "post": _operation(
            "Demander un lien de connexion (la réponse ne dit jamais si l'adresse est connue).",
            _reponses(html=(200, 403, 429)),
            requestBody=_corps(_objet({"courriel": _texte()}), FORMULAIRE, MULTIPART, JSON,
                               requis=False))},
    "/api/coordination/{jeton}": {
        "parameters": [JETON_COORDINATION],
        "get": _operation("Le tableau de la coordination.", _reponses(html=(200, 404, 410, 429)),
                          parameters=[{"name": "reference", "in": "query", "required": False,
                                       "schema": {"type": "string"}}]),
        "post": _operation(
            "Confier un signalement à un service, ou retirer les liens d'une attribution.",
            _reponses(html=(400, 403, 404, 409, 410, 413, 415, 422, 429), redirection=True),
            description=f"Corps : {coordination.OCTETS_MAX_FORMULAIRE // 1024} Ko au plus.",
            requestBody=_corps(FORMULAIRE_COORDINATION, FORMULAIRE, MULTIPART, JSON))},
    "/api/recherche/sans-resultat": {"post": _operation(
        "Compter une recherche du site restée sans résultat.",
        _reponses(json=(400, 403, 413, 415, 422, 429), autres={204: {"description": LIBELLES[204]}}),
        description=f"Corps : {recherches_vides.OCTETS_MAX // 1024} Ko au plus.",
        requestBody=_corps(_ref("Recherche"), JSON))},
    "/api/webhook/{gestionnaire}": {"post": _operation(
        "Une mise à jour signée venue de l'outil d'un service (voir docs/webhook.md).",
        _reponses(json=(200, 400, 401, 404, 409, 413, 415, 422, 429),
                  schemas={200: "MiseAJourAcceptee"}),
        description=f"Corps : {mises_a_jour.OCTETS_MAX // 1024} Ko au plus, signé (en-tête "
                    "Aiguillage-Signature).",
        parameters=[_chemin("gestionnaire", "L'identifiant du service."), {
            "name": "Aiguillage-Signature", "in": "header", "required": True,
            "description": "t=<horodatage>,v1=<HMAC-SHA256 hexadécimal>",
            "schema": {"type": "string"}}],
        requestBody=_corps(_ref("MiseAJour"), JSON))},
    "/api/photos/{reference}/{nom}": {"get": _operation(
        "Une photo d'un signalement pour le logiciel d'un service (media_url Open311 signée).",
        _reponses(json=(403, 404, 410, 429), autres={200: {"description": "La photo.", "content": {
            "image/jpeg": {"schema": {"type": "string", "contentMediaType": "image/jpeg"}}}}}),
        description="Adresse signée et datée, donnée au service avec le signalement (voir "
                    "docs/open311.md).",
        parameters=[_chemin("reference", "La référence du signalement (AIG-7K3M-Q9)."),
                    _chemin("nom", "Le nom de la photo (photo-1.jpg)."),
                    {"name": "expire", "in": "query", "required": True,
                     "description": "La date d'expiration (secondes UTC, en hexadécimal).",
                     "schema": {"type": "string"}},
                    {"name": "signature", "in": "query", "required": True,
                     "description": "La signature de l'adresse.", "schema": {"type": "string"}}])},
    **{f"/api/open311/v2/servicerequestupdates.{f}": {"post": _operation(
        "Une ou plusieurs mises à jour GeoReport v2 (« service request updates », voir "
        "docs/open311.md), en formulaire, JSON ou XML ; réponse dans le format de l'adresse.",
        {str(s): {"description": LIBELLES_OPEN311.get(s, LIBELLES[s]), "content": {
            JSON: {"schema": _ref("ReponseOpen311")},
            "text/xml": {"schema": {"type": "string"}}}}
         for s in (200, 400, 403, 404, 409, 413, 415, 422, 429)},
        description="Aussi en XML (Content-Type text/xml, <service_requests_updates>), et en "
                    "liste JSON, la clé et la juridiction dans l'adresse (voir docs/open311.md).",
        requestBody=_corps(_ref("MiseAJourOpen311"), FORMULAIRE, MULTIPART, JSON))}
       for f in ("json", "xml")},
    "/api/push/cle": {"get": _operation("La clé publique VAPID, pour pushManager.subscribe.",
                                        _reponses(json=(200,), schemas={200: "Cle"}))},
    "/api/abonnements": {
        "post": _operation("Abonner un appareil aux nouvelles d'un signalement.", _reponses(
            json=(201, 404, 413, 422, 429), schemas={201: "Message"}),
            description=f"Corps : {push_routes.OCTETS_MAX // 1024} Ko au plus.",
            parameters=[JETON_DE_SUIVI], requestBody=_corps(_ref("Abonnement"), JSON)),
        "delete": _operation("Désabonner un appareil.", _reponses(
            json=(404, 413, 422, 429), autres={204: {"description": LIBELLES[204]}}),
            parameters=[JETON_DE_SUIVI], requestBody=_corps(_ref("Abonnement"), JSON))},
    "/api/recherche": {"get": _operation(
        "Les résultats de la recherche, sans JavaScript.", _reponses(html=(200, 503)),
        parameters=[{"name": nom, "in": "query", "required": False,
                     "schema": {"type": "string"}} for nom in ("q", "commune")])},
    "/api/sante": {"get": _operation(
        "Le serveur répond et son modèle est chargé (sur PostgreSQL, la base aussi).",
        _reponses(json=(200, 503), schemas={200: "Sante"}),
        description="503 : sur PostgreSQL, la base n'a pas répondu à SELECT 1 en 2 s.")},
    "/api/openapi.json": {"get": _operation("Cette description.", _reponses(
        json=(200,), schemas={200: "Description"}))},
}

# -- Aiguillage comme serveur Open311 GeoReport v2 (open311.py, docs/open311.md) -------------
XML = "text/xml"
TEXTE_OU_NUL = {"type": ["string", "null"]}
SCHEMAS.update({
    "ErreursOpen311": {"type": "array", "minItems": 1, "items": _objet({
        "code": {"type": "integer"}, "description": _texte(description="En français.")},
        ("code", "description"))},
    "DecouverteOpen311": _objet({
        "changeset": _texte(), "contact": _texte(), "key_service": _texte(),
        "endpoints": {"type": "array", "items": _objet({
            "specification": _texte(), "url": _texte(), "changeset": _texte(),
            "type": _texte(), "formats": {"type": "array", "items": _texte()}},
            ("specification", "url", "formats"))}},
        ("changeset", "contact", "key_service", "endpoints")),
    "ServicesOpen311": {"type": "array", "items": _objet({
        "service_code": _texte(description="L'issue, « / » devenu « . »."),
        "service_name": _texte(), "description": _texte(), "metadata": {"type": "boolean"},
        "type": {"const": "realtime"}, "keywords": _texte(), "group": _texte()},
        ("service_code", "service_name", "metadata", "type", "keywords", "group"))},
    "DefinitionOpen311": _objet({
        "service_code": _texte(), "attributes": {"type": "array", "items": _objet({
            "variable": {"type": "boolean"}, "code": _texte(),
            "datatype": {"enum": ["string", "singlevaluelist"]},
            "required": {"type": "boolean"}, "datatype_description": _texte(),
            "order": {"type": "integer"}, "description": _texte(),
            "values": {"type": "array", "items": _objet({"key": _texte(), "name": _texte()},
                                                          ("key", "name"))}},
            ("variable", "code", "datatype", "required", "order", "description", "values"))}},
        ("service_code", "attributes")),
    "DemandeOpen311": _objet({
        "api_key": _texte(description="La clé du client (AIGUILLAGE_CLIENT_OPEN311_<NOM>)."),
        "jurisdiction_id": _texte(description="Accepté, ignoré : un seul territoire."),
        "service_code": _texte(), "lat": {"type": ["string", "number"]},
        "long": {"type": ["string", "number"]},
        "address_string": _texte(description="Le lieu ; la commune peut s'y lire (nom ou "
                                             "code postal)."),
        "email": _texte(), "phone": _texte(), "first_name": _texte(), "last_name": _texte(),
        "description": _texte(), "device_id": _texte(), "account_id": _texte(),
        "address_id": _texte(), "idempotency_key": _texte(),
        "media_url": _texte(description="Refusé : la photo s'envoie en multipart, champ "
                                        "« photos »."),
        "attribute[commune]": _texte(description="Le code INSEE de la commune."),
        "attribute[consentement]": {"enum": ["oui", "non"]}},
        ("api_key", "service_code"), additionalProperties=True,
        description="Les réponses aux questions s'ajoutent en « attribute[<code>] »."),
    "DemandeCreeeOpen311": {"type": "array", "items": _objet({
        "service_request_id": _texte(), "service_notice": _texte(),
        "account_id": TEXTE_OU_NUL}, ("service_request_id",))},
    "DemandesOpen311": {"type": "array", "items": _objet({
        "service_request_id": _texte(), "status": {"enum": ["open", "closed"]},
        "status_notes": _texte(), "service_name": _texte(), "service_code": _texte(),
        "agency_responsible": _texte(), "service_notice": _texte(),
        "requested_datetime": _texte(), "updated_datetime": _texte(),
        "expected_datetime": TEXTE_OU_NUL, "address": _texte(), "address_id": _texte(),
        "zipcode": _texte(), "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]}, "media_url": _texte()},
        ("service_request_id", "status", "service_code", "requested_datetime"),
        additionalProperties=False)},
    "JetonsOpen311": {"type": "array", "items": _objet({
        "service_request_id": _texte(), "token": _texte()}, ("service_request_id", "token"))},
    "MisesAJourOpen311": {"type": "array", "items": _objet({
        "update_id": _texte(), "service_request_id": _texte(), "status": _texte(),
        "updated_datetime": _texte(), "description": _texte(), "media_url": _texte()},
        ("update_id", "service_request_id", "status", "updated_datetime"),
        additionalProperties=False)},
})


LIBELLES_OPEN311 = {400: "Demande invalide (champ, filtre ou date) : la description dit quoi.",
                    403: "api_key absente ou inconnue."}


def _reponses_open311(format_: str, succes: dict[int, str], erreurs: tuple[int, ...]) -> dict:
    """Les réponses d'une adresse Open311 : en JSON (schémas) ou en XML (texte)."""
    def contenu(schema: str) -> dict:
        return ({JSON: {"schema": _ref(schema)}} if format_ == "json"
                else {XML: {"schema": {"type": "string"}}})
    reponses = {str(s): {"description": LIBELLES[s], "content": contenu(nom)}
                for s, nom in succes.items()}
    for statut in erreurs:
        libelle = LIBELLES_OPEN311.get(statut) or LIBELLES[statut]
        reponses[str(statut)] = {"description": libelle, "content": contenu("ErreursOpen311")}
    return dict(sorted(reponses.items()))


def _parametres(*noms: str) -> list[dict[str, Any]]:
    return [{"name": nom, "in": "query", "required": False, "schema": {"type": "string"}}
            for nom in noms]


_NOMBRE, _SECONDES = Reglages.limite_listes_open311
LIMITE_DES_LISTES = (f"429 (avec Retry-After) au-delà de AIGUILLAGE_LIMITE_LISTES_OPEN311 "
                     f"listes par adresse de client ({_NOMBRE} par {_SECONDES / 60:g} minutes "
                     "par défaut).")
FILTRES = _parametres("jurisdiction_id", "service_request_id", "service_code", "status",
                      "start_date", "end_date", "page", "page_size")


def _chemins_open311() -> dict[str, dict[str, Any]]:
    chemins: dict[str, dict[str, Any]] = {}
    base = open311.PREFIXE
    for f in ("json", "xml"):
        chemins[f"{base}/discovery.{f}"] = {"get": _operation(
            "Open311 : la découverte (adresse, formats, où demander une api_key).",
            _reponses_open311(f, {200: "DecouverteOpen311"}, ()))}
        chemins[f"{base}/services.{f}"] = {"get": _operation(
            "Open311 : les services (une issue qui accepte un signalement chacun).",
            _reponses_open311(f, {200: "ServicesOpen311"}, ()),
            parameters=_parametres("jurisdiction_id"))}
        chemins[f"{base}/services/{{code}}.{f}"] = {"get": _operation(
            "Open311 : la définition d'un service (ses attributs).",
            _reponses_open311(f, {200: "DefinitionOpen311"}, (404,)),
            parameters=[_chemin("code", "Le service_code."),
                        *_parametres("jurisdiction_id")])}
        chemins[f"{base}/requests.{f}"] = {
            "get": _operation(
                "Open311 : les demandes, vue publique (sans donnée personnelle).",
                _reponses_open311(f, {200: "DemandesOpen311"}, (400, 429)),
                description=f"Sans dates, les {open311_lecture.JOURS_PAR_DEFAUT} derniers jours ; "
                            f"page_size {open311_lecture.PAGE_PAR_DEFAUT} par défaut, "
                            f"{open311_lecture.PAGE_MAX} au plus. {LIMITE_DES_LISTES}",
                parameters=FILTRES),
            "post": _operation(
                "Open311 : envoyer un signalement (le même chemin que le formulaire du site).",
                _reponses_open311(f, {200: "DemandeCreeeOpen311", 201: "DemandeCreeeOpen311"},
                                  (400, 403, 409, 413, 415, 429, 503)),
                description="201 : enregistré ; 200 : la même demande, rejouée (même "
                            "Idempotency-Key, ou même contenu du même client dans les 24 "
                            "heures). Sans attribute[commune] ni commune dans address_string, "
                            "pour un service qui dépend de la commune, la commune de lat/long "
                            "est demandée au géocodeur des réglages (AIGUILLAGE_GEOCODEUR_URL) : "
                            "400 si la position n'est dans aucune commune du territoire ; 503 "
                            "(avec Retry-After) si le géocodeur ne répond pas, rien "
                            "d'enregistré. La clé d'idempotence est lue avant le géocodeur : "
                            "un rejeu d'une demande déjà enregistrée reçoit 200 même s'il "
                            "ne répond pas.",
                parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                             "schema": {"type": "string"}}],
                requestBody=_corps(_ref("DemandeOpen311"), FORMULAIRE, MULTIPART, JSON))}
        chemins[f"{base}/requests/{{reference}}.{f}"] = {"get": _operation(
            "Open311 : une demande, vue publique.",
            _reponses_open311(f, {200: "DemandesOpen311"}, (404,)),
            parameters=[_chemin("reference", "Le service_request_id (AIG-XXXX-XX)."),
                        *_parametres("jurisdiction_id")])}
        chemins[f"{base}/tokens/{{jeton}}.{f}"] = {"get": _operation(
            "Open311 : l'identifiant d'un jeton (chez Aiguillage, le jeton est l'identifiant).",
            _reponses_open311(f, {200: "JetonsOpen311"}, (404,)),
            parameters=[_chemin("jeton", "Le jeton."), *_parametres("jurisdiction_id")])}
        operation = _operation(
            "Open311 (FixMyStreet) : les étapes publiques des demandes.",
            _reponses_open311(f, {200: "MisesAJourOpen311"}, (400, 429)),
            description=LIMITE_DES_LISTES,
            parameters=_parametres("jurisdiction_id", "service_request_id", "start_date",
                                   "end_date", "page", "page_size"))
        chemins.setdefault(f"{base}/servicerequestupdates.{f}", {})["get"] = operation
    return chemins


DESCRIPTION: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Aiguillage — API des fonctions",
        "version": "1",
        "description": (
            "Envoyer un signalement, le suivre, y répondre (services et coordination). Toute "
            "erreur est rendue en français : en JSON {\"erreurs\": [{\"champ\", \"message\"}]}, "
            "ou en page pour un navigateur. Une adresse /api/… inconnue reçoit 404 (405 pour "
            "une méthode non permise) dans la même forme JSON ; sous /api/open311/v2/, au "
            "format d'erreur d'Open311 ([{\"code\", \"description\"}], ou <errors> en XML "
            "pour une adresse en .xml). Voir docs/api.md."),
        "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
    },
    "paths": {**CHEMINS, **{chemin: {**CHEMINS.get(chemin, {}), **operations}
                            for chemin, operations in _chemins_open311().items()}},
    "components": {"schemas": SCHEMAS},
}


async def description(request: Request) -> Response:
    return JSONResponse(DESCRIPTION, headers={"Cache-Control": "public, max-age=3600"})


routes = [Route("/api/openapi.json", description, methods=["GET"])]
