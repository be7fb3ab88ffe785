"""La description OpenAPI 3.1 (``fonctions/points_d_entree/openapi.py``) : complète, servie, et vraie.

- chaque route de l'application y est décrite, et rien d'autre ;
- chaque réponse vue par les tests des fonctions la respecte (``conformite_openapi.py``,
  posé sur leurs clients) ;
- schemathesis l'éprouve contre le vrai serveur, et hypothesis les formulaires de
  ``POST /api/signalements`` : aucune erreur 5xx, aucune réponse hors de la description.
"""

from __future__ import annotations

import email
import email.policy
import re

import pytest
import schemathesis
from aides_fonctions import champs_valides, photo
from aides_suivi import csrf_de, lien_agent
from conformite_openapi import client_verifie
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from serveur_reel import ServeurReel
from serveurs_locaux import BoiteSMTP, RecepteurHTTP, attendre, demarrer_smtp
from starlette.routing import Route

from fonctions.app import creer_app
from fonctions.points_d_entree.openapi import DESCRIPTION

# La seule route non décrite : la réponse JSON (404, 405) des adresses /api/… sans route,
# dite dans info.description, et vérifiée par conformite_openapi.SANS_ROUTE.
NON_DECRITES = {("/api/{reste:path}", "GET")}


def _forme(chemin: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", chemin)


def test_chaque_route_de_l_application_est_decrite_et_rien_d_autre(reglages):
    routes = {(_forme(r.path), m) for r in creer_app(reglages).routes if isinstance(r, Route)
              for m in r.methods - {"HEAD"} if (r.path, m) not in NON_DECRITES}
    decrites = {(_forme(chemin), methode.upper()) for chemin, item in DESCRIPTION["paths"].items()
                for methode in item if methode != "parameters"}
    assert decrites == routes


def test_la_description_est_un_document_openapi_3_1_valide():
    validate(DESCRIPTION)  # lève une exception, qui dit où, sinon


def test_la_description_est_servie_telle_quelle(client):
    reponse = client.get("/api/openapi.json")
    assert reponse.status_code == 200
    assert reponse.json() == DESCRIPTION
    assert reponse.json()["openapi"] == "3.1.0"


def test_une_reponse_hors_de_la_description_est_reperee():
    from conformite_openapi import ecarts

    assert ecarts("GET", "/api/sante", 200, "application/json",
                  b'{"etat": "ok", "modele": "abc"}') == []
    assert ecarts("GET", "/api/sante", 200, "application/json", b'{"etat": "ko"}') == [
        "GET /api/sante 200 : 'ok' was expected (à $.etat)",
        "GET /api/sante 200 : 'modele' is a required property (à $)"]
    assert ecarts("GET", "/api/sante", 201, "application/json", b"{}") == [
        "GET /api/sante : le statut 201 n'est pas décrit."]
    assert ecarts("GET", "/api/suivi/etat", 200, "text/html", b"<p>") == [
        "GET /api/suivi/etat 200 : le type text/html n'est pas décrit (application/json)."]
    assert ecarts("POST", "/api/suivi/complement", 200, "application/json",
                  b'{"reference": 1}')[0].startswith("POST /api/suivi/complement 200 : ")
    assert ecarts("GET", "/api/nulle-part", 404, "application/json",
                  b'{"erreurs": [{"champ": null, "message": "Cette adresse n\'existe pas."}]}') == []
    assert ecarts("GET", "/api/nulle-part", 404, "text/html", b"<p>") == [
        "GET /api/nulle-part 404 : le type text/html n'est pas décrit (application/json)."]


# -- schemathesis contre le vrai serveur ------------------------------------------------------
# Environ 25 opérations × EXEMPLES cas, en mode positif et négatif : moins d'une minute
# sur une machine à deux cœurs chargée. derandomize : les mêmes cas à chaque passage, un échec
# se rejoue tel quel (pas de chance, ni bonne ni mauvaise).
EXEMPLES = 60
VERIFICATIONS = [not_a_server_error, status_code_conformance, content_type_conformance,
                 response_schema_conformance]


@pytest.fixture(scope="module")
def serveur_fuzz(tmp_path_factory):
    """Le vrai serveur (uvicorn sur un port libre), avec un vrai SMTP et un vrai récepteur
    HTTP ; sans limite de jetons faux (schemathesis en présente des milliers). Il prête les
    liens d'un vrai signalement (``serveur.liens``) : suivi, agent et coordination."""
    boite = BoiteSMTP()
    controleur = demarrer_smtp(boite)
    recepteur = RecepteurHTTP()
    serveur = ServeurReel(tmp_path_factory.mktemp("fuzz"), controleur.port, recepteur.url)
    serveur.variables["AIGUILLAGE_LIMITE_JETONS"] = "0"
    serveur.demarrer()
    try:
        with client_verifie(serveur.url, timeout=30) as client:
            corps = client.post("/api/signalements", json=champs_valides()).json()
            client.post("/api/coordination",
                        data={"courriel": "coordination@val-d-essai.example.org"})
            courriels = attendre(lambda: _courriels(boite) if len(boite.courriels) >= 2 else None,
                                 message="le courriel au service ou à la coordination manque")
            suivi = corps["suivi"].rpartition("#")[2]
            agent = lien_agent(courriels["agent"])
            coordination = _lien_de_coordination(courriels["coordination"]).partition(
                serveur.url)[2]
            serveur.liens = {
                "reference": corps["reference"], "suivi": suivi,
                "agent": agent.rpartition("/")[2],
                "coordination": coordination.rpartition("/")[2],
                # Les codes des formulaires (csrf), lus dans les pages comme un navigateur.
                "csrf_suivi": csrf_de(client.get(f"/api/suivi/{suivi}").text),
                "csrf_agent": csrf_de(client.get(agent).text),
                "csrf_coordination": csrf_de(client.get(
                    f"{coordination}?reference={corps['reference']}").text)}
        yield serveur
    finally:
        serveur.arreter()
        recepteur.arreter()
        controleur.stop()
        print(f"--- journal du serveur ---\n{serveur.journal()}")


def _courriels(boite: BoiteSMTP) -> dict[str, email.message.EmailMessage]:
    messages = [email.message_from_bytes(c["contenu"], policy=email.policy.default)
                for c in boite.courriels]
    return {"coordination" if "coordination" in m["Subject"] else "agent": m for m in messages}


def _lien_de_coordination(message: email.message.EmailMessage) -> str:
    texte = message.get_body(("plain",)).get_content()
    return next(ligne.strip() for ligne in texte.splitlines() if "/api/coordination/" in ligne)


def preter_les_liens(case, liens: dict[str, str]) -> None:
    """Les jetons d'un vrai signalement à la place des jetons tirés au hasard (tous refusés
    d'emblée, 404) : les cas vont jusqu'à la lecture du corps et aux pages."""
    chemin, methode = case.operation.path, case.method.upper()
    if "Authorization" in (case.headers or {}) or chemin == "/api/abonnements":
        case.headers = {**(case.headers or {}), "Authorization": f"Jeton {liens['suivi']}"}
    parametres = case.path_parameters or {}
    corps = case.body if isinstance(case.body, dict) else {}
    if chemin.startswith("/api/agent/{jeton}"):
        parametres["jeton"] = liens["agent"]
        corps["csrf"] = liens["csrf_agent"]
    elif chemin == "/api/coordination/{jeton}":
        parametres["jeton"] = liens["coordination"]
        corps["csrf"] = liens["csrf_coordination"]
    elif chemin == "/api/suivi/{jeton_ou_action}" and methode == "GET":
        parametres["jeton_ou_action"] = liens["suivi"]
    elif chemin == "/api/signalements/{reference}/confirmation":
        parametres["reference"] = liens["reference"]
        if methode == "GET":
            case.query = {**(case.query or {}), "jeton": liens["suivi"]}
        corps.update(jeton=liens["suivi"], csrf=liens["csrf_suivi"])


# La description elle-même, et non celle lue sur le serveur : la même (voir
# test_la_description_est_servie_telle_quelle), sans le chargeur paresseux de schemathesis
# (``from_fixture``), qui lit un attribut interne que pytest 9.2 n'a plus.
schema = schemathesis.openapi.from_dict(DESCRIPTION)


@schema.parametrize()
@settings(max_examples=EXEMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
def test_schemathesis_ne_trouve_ni_erreur_5xx_ni_reponse_hors_description(case, serveur_fuzz):
    preter_les_liens(case, serveur_fuzz.liens)
    case.call_and_validate(base_url=serveur_fuzz.url, checks=VERIFICATIONS, timeout=30)


# -- hypothesis : les formulaires de POST /api/signalements, sur le vrai serveur -------------
# Les chemins que schemathesis atteint peu : un formulaire presque valide (issue et commune
# du modèle), des textes quelconques (contrôles, emoji, RTL…), des champs inconnus, des
# photos vraies ou fausses, avec ou sans Accept: text/html.
# Surtout des valeurs valides (pour aller jusqu'à l'enregistrement), parfois d'autres.
NOEUDS = st.sampled_from(["voirie/nid-de-poule"] * 6 + [
    "eclairage/lampadaire-eteint", "voirie/depot-sauvage", "voirie", "", "inconnu/nulle-part"])
COMMUNES = st.sampled_from(["56001", "56002", "56003"] * 3 + ["", "99999"])
NOMS_DE_CHAMPS = st.sampled_from(["description", "adresse", "lieu", "courriel", "telephone",
                                  "consentement", "latitude", "longitude", "question-taille",
                                  "idempotency_key"]) | st.text(min_size=1, max_size=12)
TEXTES = st.text(max_size=300) | st.sampled_from(
    ["47.5", "-2.48", "nan", "inf", "1e400", "oui", "lea@exemple.fr", "06 12 34 56 78",
     "Comme une assiette", "\x00\x1b[31m", "\u202etexte inversé", "😀" * 50])
PHOTOS = st.lists(st.sampled_from([photo(), photo("PNG")] * 4 + [
    b"", b"pas une image", photo()[:40]]), min_size=1, max_size=4) | st.just([])


@st.composite
def formulaires(tirage) -> tuple[dict[str, str], list[bytes], bool]:
    """Un formulaire valide (``champs_valides``) dont quelques champs sont changés."""
    champs = champs_valides(noeud=tirage(NOEUDS), commune=tirage(COMMUNES))
    champs.update(tirage(st.dictionaries(NOMS_DE_CHAMPS, TEXTES, max_size=3)))
    return champs, tirage(PHOTOS), tirage(st.booleans())


@given(formulaire=formulaires())
@settings(max_examples=EXEMPLES + EXEMPLES // 2, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_les_formulaires_du_signalement_ne_donnent_ni_5xx_ni_reponse_hors_description(
        serveur_fuzz, formulaire):
    champs, photos, navigateur = formulaire
    entetes = {"Accept": "text/html,application/xhtml+xml"} if navigateur else {}
    with client_verifie(serveur_fuzz.url, timeout=30) as client:
        reponse = client.post("/api/signalements", data=champs, headers=entetes,
                              files=[("photos", ("p.jpg", p, "image/jpeg")) for p in photos])
        assert reponse.status_code < 500, reponse.text
        if reponse.status_code == 303:  # sans JavaScript : la page de suivi
            assert client.get(reponse.headers["location"]).status_code == 200
