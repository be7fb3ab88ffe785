"""Aiguillage comme serveur Open311 GeoReport v2 (``fonctions/points_d_entree/open311.py``).

Chaque réponse est aussi vérifiée contre /api/openapi.json (le client de ``conftest.py``).
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET

import pytest
from aides_fonctions import CHEMIN_MODELE, champs_valides, photo
from aides_open311 import CLE, V2, client_avec_cle, demande
from aides_suivi import poster

from fonctions.domaine.modele import charger_modele
from fonctions.points_d_entree.open311 import commune_de_l_adresse


@pytest.fixture
def client(fabrique_client):
    return client_avec_cle(fabrique_client)


def test_la_liste_des_services_donne_chaque_issue_qui_accepte_un_signalement(client):
    services = client.get(f"{V2}/services.json").json()
    assert [(s["service_code"], s["group"], s["keywords"]) for s in services] == [
        ("voirie.nid-de-poule", "La rue, le trottoir, la route", "trou"),
        ("voirie.depot-sauvage", "La rue, le trottoir, la route", "déchets"),
        ("eclairage.lampadaire-eteint", "Un lampadaire éteint", "réverbère"),
        ("je-ne-trouve-pas", "Autres problèmes", "")]
    assert services[0] == {"service_code": "voirie.nid-de-poule",
                           "service_name": "Un nid-de-poule",
                           "description": "un trou dans la chaussée", "metadata": True,
                           "type": "realtime", "keywords": "trou",
                           "group": "La rue, le trottoir, la route"}


def test_la_liste_des_services_existe_en_xml(client):
    reponse = client.get(f"{V2}/services.xml")
    assert reponse.headers["content-type"] == "text/xml; charset=utf-8"
    racine = ET.fromstring(reponse.content)
    assert racine.tag == "services"
    assert [s.findtext("service_code") for s in racine.findall("service")][:2] == [
        "voirie.nid-de-poule", "voirie.depot-sauvage"]
    assert racine.find("service/metadata").text == "true"


def test_la_definition_d_un_service_reprend_les_questions_de_son_formulaire(client):
    definition = client.get(f"{V2}/services/voirie.nid-de-poule.json").json()
    attributs = {a["code"]: a for a in definition["attributes"]}
    assert list(attributs) == ["taille", "dangereux", "repere", "commune", "consentement"]
    assert attributs["taille"]["required"] is True
    assert attributs["taille"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attributs["taille"]["values"]] == [
        "Moins qu'une main", "Comme une assiette", "Plus grand"]
    assert attributs["taille"]["description"] == "Quelle est la taille du trou ?"
    assert [v["key"] for v in attributs["dangereux"]["values"]] == ["oui", "non"]
    assert (attributs["repere"]["datatype"], attributs["repere"]["values"]) == ("string", [])
    assert [v["key"] for v in attributs["commune"]["values"]] == ["56001", "56002", "56003"]
    xml = ET.fromstring(client.get(f"{V2}/services/voirie.nid-de-poule.xml").content)
    assert [a.findtext("code") for a in xml.findall("attributes/attribute")] == list(attributs)
    assert xml.findtext("attributes/attribute/values/value/name") == "Moins qu'une main"


def test_un_service_inconnu_est_une_erreur_open311_en_francais(client):
    reponse = client.get(f"{V2}/services/voirie.nulle-part.json")
    assert reponse.status_code == 404
    assert reponse.json() == [{"code": 404, "description": (
        "Le service « voirie.nulle-part » n'existe pas : la liste est dans services.json.")}]
    xml = ET.fromstring(client.get(f"{V2}/services/gaz.xml").content)  # une orientation
    assert (xml.tag, xml.findtext("error/code")) == ("errors", "404")


def test_la_decouverte_dit_l_adresse_et_ou_demander_une_cle(client):
    decouverte = client.get(f"{V2}/discovery.json").json()
    assert decouverte["endpoints"][0]["url"] == "https://aiguillage.example.org/api/open311/v2"
    assert "coordination@val-d-essai.example.org" in decouverte["key_service"]


def test_une_demande_suit_le_meme_chemin_que_le_formulaire(client, stockage):
    reponse = client.post(f"{V2}/requests.json", data=demande(**{
        "attribute[dangereux]": "oui", "attribute[consentement]": "oui", "phone": "0612345678"}))
    assert reponse.status_code == 201, reponse.text
    (cree,) = reponse.json()
    assert cree["service_notice"].startswith("Mairie de Bourg-les-Essais reçoit votre "
                                             "signalement.")
    par_open311 = stockage.lire_signalement(cree["service_request_id"])
    formulaire = poster(client, **champs_valides(
        latitude="47.51", longitude="-2.48", courriel="lea@exemple.fr",
        **{"question-dangereux": "oui"}, consentement="oui", telephone="0612345678"))
    par_le_site = stockage.lire_signalement(formulaire["reference"])

    def sans_ce_qui_change(document: dict) -> dict:
        copie = json.loads(json.dumps(document))
        for cle in ("reference", "idempotence", "suivi"):
            copie.pop(cle)
        copie["attributions"][0].pop("sel")
        return copie

    # Le même document, sauf le client Open311 qui l'a envoyé (sa clé se retire s'il abuse).
    assert par_open311.pop("origine") == {"canal": "open311", "client": "APPLI_VILLE"}
    assert sans_ce_qui_change(par_open311) == sans_ce_qui_change(par_le_site)
    assert par_open311["contact"]["courriel"] == "lea@exemple.fr"
    assert "Léa" not in json.dumps(par_open311)  # le nom n'est pas gardé
    envois = [e for e in stockage.lister_envois() if e["reference"] == cree["service_request_id"]]
    assert [e["sorte"] for e in envois] == ["transmission"]


def test_une_demande_rejouee_avec_la_meme_cle_rend_la_meme_reference(client, stockage):
    cle = str(uuid.uuid4())
    premiere = client.post(f"{V2}/requests.json", data=demande(),
                           headers={"Idempotency-Key": cle})
    seconde = client.post(f"{V2}/requests.xml", data=demande(),
                          headers={"Idempotency-Key": cle})
    assert (premiere.status_code, seconde.status_code) == (201, 200)
    assert ET.fromstring(seconde.content).findtext("request/service_request_id") == (
        premiere.json()[0]["service_request_id"])
    assert stockage.compter_signalements() == 1


def test_une_cle_fausse_ou_absente_est_refusee_et_rien_n_est_ecrit(client, stockage):
    for api_key in ("cle-fausse", None, CLE[:-1]):
        reponse = client.post(f"{V2}/requests.json", data=demande(api_key=api_key))
        assert reponse.status_code == 403
        assert reponse.json()[0]["description"].startswith("api_key absente ou inconnue")
    xml = client.post(f"{V2}/requests.xml", data=demande(api_key="x"))
    assert ET.fromstring(xml.content).findtext("error/code") == "403"
    assert stockage.compter_signalements() == 0


@pytest.mark.parametrize(("lieu", "service"), [
    ({"attribute[commune]": "56002", "address_string": None}, "mairie-saint-exemple"),
    ({"address_string": "3 place de l'Église, Saint-Exemple"}, "mairie-saint-exemple"),
    ({"address_string": "Route de la gare, 56190"}, "mairie-bourg-les-essais"),
    ({"address_string": "près du lavoir, la roche temoin"}, "cc-val-d-essai"),
])
def test_la_commune_vient_d_un_attribut_ou_de_l_adresse(client, stockage, lieu, service):
    reponse = client.post(f"{V2}/requests.json", data=demande(**lieu))
    assert reponse.status_code == 201, reponse.text
    signalement = stockage.lire_signalement(reponse.json()[0]["service_request_id"])
    assert signalement["gestionnaire"]["id"] == service


def test_sans_commune_un_probleme_qui_en_depend_est_refuse_en_disant_quoi_faire(client, stockage):
    # Deux communes ont ce code postal, et pas de position (lat, long) : rien ne la donne.
    reponse = client.post(f"{V2}/requests.json", data=demande(
        address_string="Devant la boulangerie, 56130", lat=None, long=None))
    assert reponse.status_code == 400
    assert reponse.json()[0]["description"].startswith(
        "attribute[commune] : le service qui s'occupe de ce problème change d'une commune à "
        "l'autre. Donnez le code INSEE")
    assert stockage.compter_signalements() == 0


def test_un_probleme_qui_ne_depend_pas_de_la_commune_se_contente_de_la_position(client, stockage):
    reponse = client.post(f"{V2}/requests.json", data=demande(
        service_code="eclairage.lampadaire-eteint", address_string=None,
        **{"attribute[taille]": None}))
    assert reponse.status_code == 201, reponse.text
    signalement = stockage.lire_signalement(reponse.json()[0]["service_request_id"])
    assert (signalement["gestionnaire"]["id"], signalement["commune"]) == (
        "syndicat-eclairage", None)


def test_les_erreurs_de_validation_nomment_les_champs_d_open311(client, stockage):
    reponse = client.post(f"{V2}/requests.json", data=demande(
        description=None, lat="95", email="pas-une-adresse", **{"attribute[taille]": "Énorme"}))
    assert reponse.status_code == 400
    descriptions = [e["description"] for e in reponse.json()]
    assert [d.partition(" : ")[0] for d in descriptions] == [
        "description", "lat", "email", "attribute[taille]"]
    assert all(e["code"] == 400 for e in reponse.json())
    assert stockage.compter_signalements() == 0


def test_une_photo_par_adresse_est_refusee_plutot_que_perdue(client, stockage):
    reponse = client.post(f"{V2}/requests.json", data=demande(
        media_url="https://exemple.fr/photo.jpg"))
    assert reponse.status_code == 400
    assert "multipart/form-data" in reponse.json()[0]["description"]
    assert stockage.compter_signalements() == 0


def test_un_service_code_manquant_ou_inconnu_est_refuse(client):
    assert client.post(f"{V2}/requests.json", data=demande(
        service_code=None)).json()[0]["description"].startswith("service_code manque")
    assert client.post(f"{V2}/requests.json", data=demande(
        service_code="gaz")).json()[0]["description"].startswith("service_code : le service")


def test_la_commune_d_une_adresse():
    modele = charger_modele(CHEMIN_MODELE)
    assert commune_de_l_adresse(modele, "1 rue Haute, SAINT EXEMPLE") == "56002"
    assert commune_de_l_adresse(modele, "Bourg les Essais") == "56001"
    assert commune_de_l_adresse(modele, "56190") == "56001"
    assert commune_de_l_adresse(modele, "56130") is None  # deux communes
    assert commune_de_l_adresse(modele, "Saint-Exemple ou La Roche-Témoin") is None
    assert commune_de_l_adresse(modele, "nulle part") is None


def test_une_demande_en_json_porte_ses_attributs_dans_un_objet(client, stockage):
    corps = demande(**{"attribute[taille]": None})
    corps["attribute"] = {"taille": "Plus grand", "commune": "56003"}
    reponse = client.post(f"{V2}/requests.json", json=corps)
    assert reponse.status_code == 201, reponse.text
    signalement = stockage.lire_signalement(reponse.json()[0]["service_request_id"])
    assert (signalement["reponses"][0]["valeur"], signalement["commune"]["insee"]) == (
        "Plus grand", "56003")
    corps["attribute"] = {"taille": ["Plus grand"]}
    reponse = client.post(f"{V2}/requests.json", json=corps)
    assert reponse.json()[0] == {"code": 400, "description": (
        "attribute[taille] : Cette valeur doit être un texte ou un nombre.")}
    assert client.post(f"{V2}/requests.json", json={**corps, "lat": 47.5, "long": -2.5,
                                                     "attribute": {"taille": "Plus grand"}}
                       ).status_code == 201  # des nombres JSON, comme le formulaire
    assert client.post(f"{V2}/requests.json", json={**corps, "email": ["a@b.fr"]}).json()[0][
        "description"] == "email doit être un texte, pas une liste."


def test_une_photo_s_envoie_en_multipart_comme_avec_le_formulaire(client, stockage):
    champs = demande(service_code="voirie.depot-sauvage", **{"attribute[taille]": None})
    sans_photo = client.post(f"{V2}/requests.json", data=champs)
    assert sans_photo.status_code == 400
    assert sans_photo.json()[0]["description"].startswith("photos : ")
    reponse = client.post(f"{V2}/requests.json", data=champs,
                          files=[("photos", ("depot.jpg", photo(), "image/jpeg"))])
    assert reponse.status_code == 201, reponse.text
    signalement = stockage.lire_signalement(reponse.json()[0]["service_request_id"])
    assert [p["nom"] for p in signalement["photos"]] == ["photo-1.jpg"]


@pytest.mark.parametrize(("methode", "adresse", "statut", "debut"), [
    ("GET", f"{V2}/requests.csv", 404, "Cette adresse n'existe pas dans l'API Open311"),
    ("GET", f"{V2}/inconnue.json", 404, "Cette adresse n'existe pas dans l'API Open311"),
    ("DELETE", f"{V2}/requests.json", 405, "La méthode DELETE n'est pas permise ici."),
    ("PUT", f"{V2}/services.json", 405, "La méthode PUT n'est pas permise ici."),
])
def test_une_adresse_ou_une_methode_inconnue_repond_au_format_open311(
        client, methode, adresse, statut, debut):
    reponse = client.request(methode, adresse)
    assert reponse.status_code == statut
    assert reponse.headers["content-type"].startswith("application/json")
    [erreur] = reponse.json()
    assert erreur["code"] == statut
    assert erreur["description"].startswith(debut)


@pytest.mark.parametrize(("methode", "adresse", "statut"), [
    ("GET", f"{V2}/inconnue.xml", 404), ("DELETE", f"{V2}/requests.xml", 405)])
def test_une_adresse_xml_inconnue_repond_en_xml_open311(client, methode, adresse, statut):
    reponse = client.request(methode, adresse)
    assert reponse.status_code == statut
    assert reponse.headers["content-type"] == "text/xml; charset=utf-8"
    racine = ET.fromstring(reponse.content)
    assert (racine.tag, racine.findtext("error/code")) == ("errors", str(statut))
