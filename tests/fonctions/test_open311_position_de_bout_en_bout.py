"""Une demande Open311 avec sa seule position (``lat``, ``long``), de bout en bout : le vrai
serveur (uvicorn, ``serveur_reel.py``) demande la commune au géocodeur addok local
(``geocodeur_local.py``, un vrai serveur HTTP qui répond comme l'API Adresse), et le
signalement arrive par courriel (aiosmtpd) au service de cette commune."""

from __future__ import annotations

import email
import email.policy

import httpx
import pytest
from conformite_openapi import client_verifie
from geocodeur_local import ADRESSES_VAL_D_ESSAI, Geocodeur
from serveur_reel import ServeurReel
from serveurs_locaux import attendre

CLE = "cle-de-l-appli-qui-envoie-des-positions"
SERVICE = "voirie@bourg-les-essais.example.org"  # le nid-de-poule à Bourg-les-Essais


@pytest.fixture
def geocodeur():
    geocodeur = Geocodeur(ADRESSES_VAL_D_ESSAI)
    yield geocodeur
    geocodeur.arreter()


@pytest.fixture
def serveur(tmp_path, boite_smtp, recepteur_http, geocodeur):
    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url)
    serveur.variables["AIGUILLAGE_CLIENT_OPEN311_APPLI"] = CLE
    serveur.variables["AIGUILLAGE_GEOCODEUR_URL"] = geocodeur.url
    serveur.demarrer()
    yield serveur
    serveur.arreter()
    print(f"--- journal du serveur ---\n{serveur.journal()}")


def test_une_position_seule_arrive_au_service_de_sa_commune(serveur, geocodeur, boite_smtp):
    with client_verifie(serveur.url, timeout=30) as client:
        reponse = client.post("/api/open311/v2/requests.json", data={
            "api_key": CLE, "service_code": "voirie.nid-de-poule",
            "lat": "47.5101", "long": "-2.4802",
            "description": "Un trou profond devant l'école.", "email": "lea@exemple.fr",
            "attribute[taille]": "Plus grand"})
        assert reponse.status_code == 201, reponse.text
        reference = reponse.json()[0]["service_request_id"]
        assert reponse.json()[0]["service_notice"].startswith("Mairie de Bourg-les-Essais")
        assert [d.split("?")[0] for d in geocodeur.demandes] == ["/reverse/"]

        def courriel():
            for recu in list(boite_smtp.courriels):
                message = email.message_from_bytes(recu["contenu"], policy=email.policy.default)
                if recu["pour"] == [SERVICE] and reference in message["Subject"]:
                    return message
            return None
        message = attendre(courriel, message=f"aucun courriel sur {reference} pour {SERVICE}")
        assert "Un trou profond devant l'école." in message.get_body(("plain",)).get_content()

        # Le géocodeur en panne : 503 avec Retry-After, rien d'enregistré.
        geocodeur.en_panne = True
        panne = client.post("/api/open311/v2/requests.xml", data={
            "api_key": CLE, "service_code": "voirie.nid-de-poule",
            "lat": "47.5200", "long": "-2.3000",
            "description": "Un autre trou, sur la place.", "attribute[taille]": "Plus grand"})
        assert panne.status_code == 503
        assert panne.headers["retry-after"] == "60"
        assert b"<errors><error><code>503</code>" in panne.content
        demandes = httpx.get(f"{serveur.url}/api/open311/v2/requests.json", timeout=30).json()
        assert [d["service_request_id"] for d in demandes] == [reference]


def test_une_demande_rejouee_pendant_l_arret_du_geocodeur_recoit_sa_reponse(serveur, geocodeur):
    """Le client a perdu la réponse (délai dépassé) et rejoue ; entre-temps, le géocodeur
    s'est arrêté. La clé est lue avant lui : la réponse d'origine, rien de neuf."""
    champs = {"api_key": CLE, "service_code": "voirie.nid-de-poule",
              "lat": "47.5201", "long": "-2.3002", "description": "Un trou sur la place.",
              "attribute[taille]": "Plus grand"}
    cle = {"Idempotency-Key": "5b1d6f0e-8c1a-4d7e-9f3b-2a6c8e4d1f70"}
    with client_verifie(serveur.url, timeout=30) as client:
        premiere = client.post("/api/open311/v2/requests.json", data=champs, headers=cle)
        assert premiere.status_code == 201, premiere.text
        geocodeur.arreter()  # plus personne n'écoute à son adresse
        rejouee = client.post("/api/open311/v2/requests.json", data=champs, headers=cle)
        assert (rejouee.status_code, rejouee.json()) == (200, premiere.json())
        en_xml = client.post("/api/open311/v2/requests.xml", data=champs, headers=cle)
        assert en_xml.status_code == 200
        assert premiere.json()[0]["service_request_id"].encode() in en_xml.content
        # Une nouvelle demande, elle, a besoin du géocodeur : 503, rien d'enregistré.
        nouvelle = client.post("/api/open311/v2/requests.json", data=champs, headers={
            "Idempotency-Key": "6c2e7a1f-9d2b-4e8f-8a4c-3b7d9f5e2a81"})
        assert nouvelle.status_code == 503
        demandes = client.get("/api/open311/v2/requests.json").json()
        assert [d["service_request_id"] for d in demandes] == [
            premiere.json()[0]["service_request_id"]]
