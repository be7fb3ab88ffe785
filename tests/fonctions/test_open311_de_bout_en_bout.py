"""Un client Open311 tiers (``georeport`` de PyPI, tel quel) contre le vrai serveur (uvicorn sur
un port libre) et un vrai SMTP (aiosmtpd) : il lit nos services et leurs définitions, en JSON
et en XML ; une demande postée arrive dans la boîte du service ; le client la relit, puis la
relit après la prise en charge par l'agent, avec ses mises à jour.

Ce que ``georeport`` 0.3.1 ne sait pas faire, et comment le test le contourne (sans rien
changer au serveur) :

- il n'a **aucune méthode pour poster** une demande (ni ``tokens``, ni
  ``servicerequestupdates``) : le test poste avec ``requests`` (la dépendance même de
  ``georeport``), à l'adresse et avec l'``api_key`` que le client garde
  (``root_address``, ``api_key``), comme le ferait une application qui l'utilise ;
- en XML, il rend ``xmltodict.parse(...)[racine][element]`` : **un dictionnaire** quand la
  liste n'a qu'un élément, une liste sinon (``une_liste`` remet une liste) ; et tout y est
  texte (``"true"``, ``"47.51"``) ;
- il ne passe pas le ``service_code`` dans l'adresse par ``quote`` : nos codes n'ont que
  des lettres, des chiffres, « - » et « . » (un « / » y deviendrait un autre chemin).
"""

from __future__ import annotations

import email
import email.policy

import pytest
import requests
from aides_suivi import csrf_de
from conformite_openapi import client_verifie
from georeport import GeoReport
from serveur_reel import ServeurReel
from serveurs_locaux import attendre

CLE = "cle-du-client-georeport-de-test"
SERVICE = "voirie@bourg-les-essais.example.org"  # le nid-de-poule à Bourg-les-Essais


@pytest.fixture
def serveur(tmp_path, boite_smtp, recepteur_http):
    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url)
    serveur.variables["AIGUILLAGE_CLIENT_OPEN311_GEOREPORT"] = CLE
    serveur.demarrer()
    yield serveur
    serveur.arreter()
    print(f"--- journal du serveur ---\n{serveur.journal()}")


def une_liste(valeur) -> list:
    return valeur if isinstance(valeur, list) else [valeur]


def courriel_pour(boite_smtp, adresse: str, reference: str):
    def trouve():
        for recu in list(boite_smtp.courriels):
            message = email.message_from_bytes(recu["contenu"], policy=email.policy.default)
            if recu["pour"] == [adresse] and reference in message["Subject"]:
                return message
        return None
    return attendre(trouve, message=f"aucun courriel sur {reference} pour {adresse}")


def test_georeport_lit_nos_services_poste_une_demande_et_la_relit_avec_ses_mises_a_jour(
        serveur, boite_smtp):
    racine = f"{serveur.url}/api/open311/v2"
    client = GeoReport(racine, api_key=CLE)
    en_xml = GeoReport(racine, output_format="xml")

    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert "voirie.nid-de-poule" in codes
    assert [s["service_code"] for s in une_liste(en_xml.get_service_list())] == codes
    definition = client.get_service_definition("voirie.nid-de-poule")
    assert [a["code"] for a in definition["attributes"]] == [
        "taille", "dangereux", "repere", "commune", "consentement"]
    definition_xml = en_xml.get_service_definition("voirie.nid-de-poule")
    assert [a["code"] for a in une_liste(definition_xml["attributes"]["attribute"])] == [
        "taille", "dangereux", "repere", "commune", "consentement"]

    # georeport ne poste pas : requests, avec l'adresse et la clé que le client garde.
    reponse = requests.post(f"{client.root_address}/requests.json", data={
        "api_key": client.api_key, "service_code": "voirie.nid-de-poule",
        "lat": "47.51", "long": "-2.48",
        "address_string": "12 rue des Écoles, 56190 Bourg-les-Essais",
        "description": "Un trou profond devant l'école.", "email": "lea@exemple.fr",
        "attribute[taille]": "Plus grand", "attribute[dangereux]": "oui"}, timeout=30)
    assert reponse.status_code == 201, reponse.text
    reference = reponse.json()[0]["service_request_id"]

    message = courriel_pour(boite_smtp, SERVICE, reference)
    texte = message.get_body(("plain",)).get_content()
    assert "Un trou profond devant l'école." in texte
    assert "Plus grand" in texte

    relue = client.get_service_request(reference)
    assert (relue["service_request_id"], relue["status"], relue["service_code"]) == (
        reference, "open", "voirie.nid-de-poule")
    assert "lea@exemple.fr" not in str(client.get_service_requests())

    # L'agent prend en charge depuis le lien du courriel, comme dans un navigateur.
    lien = next(ligne.strip() for ligne in texte.splitlines() if "/api/agent/" in ligne)
    with client_verifie(serveur.url, timeout=30) as navigateur:
        page = navigateur.get(lien)
        navigateur.post(lien, data={"csrf": csrf_de(page.text), "action": "pris_en_charge"})
    relue = attendre(lambda: (r := client.get_service_request(reference))["status_notes"]
                     == "Pris en charge" and r, message="la prise en charge ne se voit pas")
    assert relue["agency_responsible"] == "Mairie de Bourg-les-Essais"
    assert en_xml.get_service_request(reference)["status_notes"] == "Pris en charge"

    # servicerequestupdates (FixMyStreet) : georeport ne le lit pas, requests si.
    etapes = requests.get(f"{client.root_address}/servicerequestupdates.json",
                          params={"service_request_id": reference}, timeout=30).json()
    assert [e["status"] for e in etapes][-1] == "INVESTIGATING"
    assert etapes[-1]["description"] == "Pris en charge (Mairie de Bourg-les-Essais)"
