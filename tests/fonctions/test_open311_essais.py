"""Les essais d'un envoi Open311, contre le faux logiciel de service (vrai HTTP, 127.0.0.1),
avec l'application en mémoire et une horloge que le test avance : délai dépassé sans
doublon, 500 et 400 réessayés, 401 et 404 définitifs, un service lent qui ne retarde pas
les autres, un complément envoyé en ``OPEN`` avec ``updated_datetime``."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest
from aides_fonctions import modele_brut
from aides_suivi import jeton_de_suivi, poster
from faux_back_office import FauxBackOffice, Service
from serveurs_locaux import attendre

from fonctions.socle.client_http import ClientHTTPReel

CLE = "cle-open311-de-test"  # celle des réglages de test (conftest.py)


@pytest.fixture
def faux():
    faux = FauxBackOffice(cle=CLE, services={"voirie-nid-de-poule": Service("voirie-nid-de-poule")})
    yield faux
    faux.arreter()


@pytest.fixture
def delai() -> float:
    return 1.0  # le faux service retient sa réponse jusqu'à liberer() : le délai expire


@pytest.fixture
def client_http(delai):
    client = ClientHTTPReel(delai=delai)
    yield client
    client.fermer()


@pytest.fixture
def transmission() -> dict:
    return {}


@pytest.fixture
def reglages(reglages, tmp_path, faux, recepteur_http, transmission):
    modele = modele_brut()
    modele["gestionnaires"]["cc-val-d-essai"]["transmission"].update(
        {"adresse": faux.url, **transmission})
    modele["gestionnaires"]["mairie-saint-exemple"]["transmission"]["adresse"] = (
        f"{recepteur_http.url}/webhook")
    chemin = tmp_path / "modele.json"
    chemin.write_text(json.dumps(modele, ensure_ascii=False), encoding="utf-8")
    return replace(reglages, modele=chemin)


def historique(stockage, reference: str) -> list[str]:
    return [e.get("message", "") for e in stockage.lire_signalement(reference)["historique"]]


def test_un_delai_depasse_ne_cree_pas_de_doublon_chez_le_service(
        client, boite, horloge, stockage, faux):
    faux.pannes.append("lent")  # la demande est créée, la réponse n'arrive pas à temps
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()
    assert len(faux.demandes) == 1
    (echec,) = [m for m in historique(stockage, corps["reference"]) if "Échec" in m]
    assert "requests.json n'a pas répondu à temps" in echec
    horloge.avancer(minutes=2)
    boite.traiter_une_fois()
    assert len(faux.demandes) == 1  # pas de seconde demande
    assert len(faux.requetes_vers("requests")) == 1
    (recherche,) = faux.requetes_vers("requests.json", "GET")
    assert recherche["champs"]["service_code"] == ["voirie-nid-de-poule"]
    assert recherche["champs"]["start_date"] == ["2025-03-10T08:00:00Z"]
    document = stockage.lire_signalement(corps["reference"])
    assert document["etat"] == "transmis"
    assert document["attributions"][0]["transmission"]["service_request_id"] == (
        faux.demandes[0].identifiant)
    assert historique(stockage, corps["reference"])[-1] == (
        "La demande envoyée à une tentative précédente est bien arrivée chez Communauté de "
        f"communes du Val d'Essai (demande {faux.demandes[0].identifiant}) : elle n'est pas "
        "envoyée une seconde fois.")


def test_une_erreur_500_puis_400_est_reessayee_plus_tard(client, boite, horloge, stockage,
                                                        faux):
    faux.pannes += [(500, "Internal error"), (400, "Error in input: lat is not a number")]
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()
    horloge.avancer(minutes=2)
    boite.traiter_une_fois()
    horloge.avancer(minutes=10)
    boite.traiter_une_fois()
    echecs = [m for m in historique(stockage, corps["reference"]) if m.startswith("Échec")]
    assert [e.split("requests.json ")[1].split(" Nouvel essai")[0] for e in echecs] == [
        "a répondu 500 : 500 Internal error.", "a répondu 400 : 400 Error in input: lat is not a "
        "number."]
    assert len(faux.demandes) == 1
    assert stockage.lire_signalement(corps["reference"])["etat"] == "transmis"


@pytest.mark.parametrize(("panne", "lu"), [
    ((401, "Authentication required"), "(401) : 401 Authentication required."),
    ((403, "Invalid api_key"), "(403) : 403 Invalid api_key."),
])
def test_401_et_403_arretent_les_essais_et_previennent_la_coordination(
        client, boite, expediteur, stockage, faux, panne, lu):
    faux.pannes.append(panne)
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()  # refus, puis l'alerte à la coordination
    boite.traiter_une_fois()
    document = stockage.lire_signalement(corps["reference"])
    assert document["attributions"][0]["statut"] == "non_transmis"
    (alerte,) = [m for m in expediteur.messages
                 if m["To"] == "coordination@val-d-essai.example.org"]
    assert lu in alerte.get_body(("plain",)).get_content()
    assert len(faux.requetes_vers("requests")) == 1


@pytest.mark.parametrize("transmission", [{"codes_service": {
    "voirie/nid-de-poule": "code-retire"}}])
def test_un_code_de_service_inconnu_du_service_est_un_refus_definitif(
        client, boite, expediteur, faux, transmission):
    poster(client, commune="56003")
    boite.traiter_une_fois()
    boite.traiter_une_fois()
    (alerte,) = [m for m in expediteur.messages
                 if m["To"] == "coordination@val-d-essai.example.org"]
    texte = alerte.get_body(("plain",)).get_content()
    assert "(404) : 404 Service code-retire not found." in texte
    assert "vérifiez « codes_service »" in texte


@pytest.mark.parametrize("delai", [60.0])  # plus long que l'attente du test
def test_un_service_lent_ne_retarde_pas_les_autres(client, boite, faux, recepteur_http):
    faux.pannes.append("lent")
    poster(client, commune="56003")  # Open311, lent
    poster(client, commune="56002")  # webhook de Saint-Exemple
    fil = threading.Thread(target=boite.traiter_une_fois)
    fil.start()
    try:
        # Le webhook part pendant que le service lent tient encore sa réponse.
        attendre(lambda: recepteur_http.requetes and faux.requetes_vers("requests"),
                 message="le webhook attend le service lent")
        assert not faux.liberation.is_set()
    finally:
        faux.liberer()
        fil.join()
    assert len(faux.demandes) == 1


def test_un_complement_part_en_open_avec_sa_date(client, boite, horloge, faux):
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()
    horloge.avancer(hours=1)
    reponse = client.post("/api/suivi/complement", data={"message": "Le trou s'agrandit."},
                          headers={"Authorization": f"Jeton {jeton_de_suivi(corps)}"})
    assert reponse.status_code == 200, reponse.text
    boite.traiter_une_fois()
    (mise,) = faux.mises_a_jour_recues  # le faux service l'a acceptée (règles FixMyStreet)
    assert (mise["status"], mise["updated_datetime"], mise["service_request_id"]) == (
        "OPEN", "2025-03-10T10:00:00Z", faux.demandes[0].identifiant)
    assert mise["description"].startswith("Le trou s'agrandit.")


def test_un_service_qui_ne_repond_pas_ne_coute_qu_un_delai_par_passe(client, boite, faux):
    faux.pannes += ["lent", "lent"]
    poster(client, commune="56003")
    poster(client, commune="56003")
    boite.traiter_une_fois()
    assert len(faux.requetes_vers("requests")) == 1  # le second attend la passe suivante
    boite.traiter_une_fois()
    assert len(faux.requetes_vers("requests")) == 2
