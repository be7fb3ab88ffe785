"""La commune d'une position seule (``lat``/``long``), en Open311 : par le géocodeur addok
des réglages (``fonctions/socle/geocodeur.py``), ici le géocodeur local de ``conftest.py``
(``geocodeur_local.py``), un vrai serveur HTTP qui répond comme l'API Adresse."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET

import httpx
import pytest
from aides_open311 import V2, client_avec_cle, demande
from geocodeur_local import ADRESSES_VAL_D_ESSAI, Geocodeur


@pytest.fixture
def client(fabrique_client):
    return client_avec_cle(fabrique_client)


def position_seule(lat: str, long: str, **autres) -> dict:
    return demande(lat=lat, long=long, address_string=None, **autres)


@pytest.mark.parametrize(("lat", "long", "commune", "service"), [
    ("47.5100", "-2.4800", "56001", "mairie-bourg-les-essais"),
    ("47.5201", "-2.3002", "56002", "mairie-saint-exemple"),
    ("47.5500", "-2.4000", "56003", "cc-val-d-essai"),
])
def test_une_position_seule_donne_la_commune_et_son_service(
        client, stockage, geocodeur, lat, long, commune, service):
    reponse = client.post(f"{V2}/requests.json", data=position_seule(lat, long))
    assert reponse.status_code == 201, reponse.text
    signalement = stockage.lire_signalement(reponse.json()[0]["service_request_id"])
    assert (signalement["commune"]["insee"], signalement["gestionnaire"]["id"]) == (commune, service)
    assert len(geocodeur.demandes) == 1
    assert geocodeur.demandes[0].startswith("/reverse/?")
    assert f"lat={float(lat):.6f}" in geocodeur.demandes[0]


def test_le_geocodeur_n_est_appele_que_si_la_commune_manque_et_compte(
        client, stockage, geocodeur):
    # L'attribut, puis address_string, donnent la commune : pas d'appel.
    assert client.post(f"{V2}/requests.json", data=demande(
        **{"attribute[commune]": "56002"})).status_code == 201
    assert client.post(f"{V2}/requests.json", data=demande()).status_code == 201
    # Un problème dont le service est le même partout : la position suffit, pas d'appel.
    assert client.post(f"{V2}/requests.json", data=position_seule(
        "47.51", "-2.48", service_code="eclairage.lampadaire-eteint",
        **{"attribute[taille]": None})).status_code == 201
    assert geocodeur.demandes == []


def test_une_position_en_mer_est_refusee_en_disant_quoi_faire(client, stockage, geocodeur):
    reponse = client.post(f"{V2}/requests.json", data=position_seule("47.30", "-2.90"))
    assert reponse.status_code == 400
    assert reponse.json() == [{"code": 400, "description": (
        "lat, long : cette position n'est dans aucune commune connue du géocodeur (en mer ?). "
        "Vérifiez lat et long, ou donnez le code INSEE d'une commune du territoire dans "
        "attribute[commune] (voir services/voirie.nid-de-poule.json).")}]
    assert stockage.compter_signalements() == 0


def test_une_position_hors_du_territoire_est_refusee_en_xml_aussi(client, stockage, geocodeur):
    reponse = client.post(f"{V2}/requests.xml", data=position_seule("47.6586", "-2.7603"))
    assert reponse.status_code == 400
    racine = ET.fromstring(reponse.content)
    assert racine.findtext("error/description").startswith(
        "lat, long : cette position est dans la commune de code INSEE 56260, qui n'est pas "
        "du territoire.")
    assert stockage.compter_signalements() == 0


@pytest.mark.parametrize("panne", ["en_panne", "illisible", "arrete", "lent"])
def test_un_geocodeur_indisponible_donne_503_et_rien_n_est_enregistre(
        fabrique_client, stockage, geocodeur, panne):
    url = geocodeur.url
    if panne == "arrete":  # un port où personne n'écoute
        eteint = Geocodeur(ADRESSES_VAL_D_ESSAI)
        eteint.arreter()
        url = eteint.url
    elif panne == "lent":
        geocodeur.lent = threading.Event()
    else:
        setattr(geocodeur, panne, True)
    client = client_avec_cle(fabrique_client, geocodeur_url=url, delai_http=0.5)
    reponse = client.post(f"{V2}/requests.json", data=position_seule("47.51", "-2.48"))
    assert reponse.status_code == 503, reponse.text
    assert reponse.headers["retry-after"] == "60"
    assert reponse.json()[0]["description"].startswith(
        "Le géocodeur qui trouve la commune d'une position ne répond pas : réessayez")
    assert stockage.compter_signalements() == 0


def test_une_demande_rejouee_recoit_sa_reponse_meme_geocodeur_en_panne(
        client, stockage, geocodeur):
    cle = {"Idempotency-Key": "8e03978e-40d5-43e8-bc93-6894a57f9324"}
    premiere = client.post(f"{V2}/requests.json", data=position_seule("47.5201", "-2.3002"),
                           headers=cle)
    assert premiere.status_code == 201, premiere.text
    geocodeur.en_panne = True
    rejouee = client.post(f"{V2}/requests.json", data=position_seule("47.5201", "-2.3002"),
                          headers=cle)
    assert (rejouee.status_code, rejouee.json()) == (200, premiere.json())
    assert len(geocodeur.demandes) == 1  # la clé lue d'abord : pas de second appel
    # La même clé pour un autre contenu reste refusée ; sans clé connue, le géocodeur
    # reste nécessaire.
    autre = client.post(f"{V2}/requests.json", headers=cle, data=position_seule(
        "47.5201", "-2.3002", description="Un autre trou, ailleurs dans la rue."))
    assert autre.status_code == 400
    assert autre.json()[0]["description"].startswith("Cette clé d'idempotence a déjà servi")
    nouvelle = client.post(f"{V2}/requests.json", data=position_seule("47.5201", "-2.3002"),
                           headers={"Idempotency-Key": "0e03978e-40d5-43e8-bc93-6894a57f9324"})
    assert nouvelle.status_code == 503
    assert stockage.compter_signalements() == 1


def test_en_developpement_le_geocodeur_n_est_pas_appele(fabrique_client, stockage, geocodeur):
    client = client_avec_cle(fabrique_client, envoi_web="fichier")
    reponse = client.post(f"{V2}/requests.json", data=position_seule("47.51", "-2.48"))
    assert reponse.status_code == 400
    assert reponse.json()[0]["description"].endswith(
        "En développement (AIGUILLAGE_ENVOI_WEB=fichier), Aiguillage n'appelle pas le "
        "géocodeur : la position seule ne suffit pas.")
    assert geocodeur.demandes == []
    assert stockage.compter_signalements() == 0


def test_une_position_illisible_n_appelle_pas_le_geocodeur(client, stockage, geocodeur):
    reponse = client.post(f"{V2}/requests.json", data=position_seule("quatre", "-2.48"))
    assert reponse.status_code == 400
    assert geocodeur.demandes == []


def test_le_geocodeur_local_refuse_une_position_fausse_comme_addok(geocodeur):
    for parametres in ({"lon": "200", "lat": "47"}, {"lat": "47"}, {"lon": "x", "lat": "1"}):
        reponse = httpx.get(f"{geocodeur.url}/reverse/", params=parametres)
        assert reponse.status_code == 400
        assert reponse.json()["message"] == "Failed parsing query"
    vide = httpx.get(f"{geocodeur.url}/reverse/", params={"lon": "-2.9", "lat": "47.3"}).json()
    assert (vide["type"], vide["features"]) == ("FeatureCollection", [])
