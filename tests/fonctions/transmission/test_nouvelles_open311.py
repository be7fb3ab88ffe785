"""Les nouvelles des services Open311 : identifiants retenus, relevé de leurs mises à jour."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from aides_suivi import jeton_de_suivi, poster, suivre

from fonctions.socle import georeport
from fonctions.socle.client_http import ErreurReseau, ReponseHTTP


@pytest.fixture
def stockage(stockage_des_deux_moteurs):
    """Les deux moteurs : identifiants et relevés sont dans le stockage, pas à côté."""
    return stockage_des_deux_moteurs


@pytest.fixture
def releve(reglages, tmp_path):
    """Le service Open311 du modèle de test relevé toutes les 15 minutes, en XML."""
    from aides_fonctions import modele_brut

    modele = modele_brut()
    modele["gestionnaires"]["cc-val-d-essai"]["transmission"].update(
        releve_minutes=15, format="xml", juridiction="val-d-essai")
    chemin = tmp_path / "modele-releve.json"
    chemin.write_text(json.dumps(modele, ensure_ascii=False), encoding="utf-8")
    return chemin


def test_un_identifiant_rendu_retrouve_son_signalement_meme_ferme(client, boite, client_http,
                                                                  stockage, reglages):
    client_http.reponses.append(ReponseHTTP(201, '[{"service_request_id": "SR-9"}]'))
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()
    nouvelles = boite.nouvelles_open311
    assert nouvelles.retrouver("cc-val-d-essai", "SR-9") == corps["reference"]
    assert nouvelles.retrouver("cc-val-d-essai", corps["reference"]) == corps["reference"]
    assert nouvelles.retrouver("mairie-saint-exemple", "SR-9") is None  # un autre service
    assert nouvelles.retrouver("cc-val-d-essai", "SR-10") is None
    # Retenu dans le stockage (partagé par tous les processus), plus dans des fichiers à part.
    assert stockage.retrouver_par_identifiant_externe(
        "cc-val-d-essai", "service_request_id:SR-9") == corps["reference"]
    assert not (reglages.donnees / "open311").exists()


def test_le_releve_lit_le_flux_du_service_depuis_la_derniere_date_vue(
        fabrique_client, client_http, horloge, releve, stockage, reglages):
    client = fabrique_client(modele=releve)
    boite = client.app_state["aiguillage"].boite_envoi
    client_http.reponses.append(ReponseHTTP(201, '[{"service_request_id": "SR-9"}]'))
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()
    client_http.lectures.append(ReponseHTTP(200, georeport.ecrire([
        {"update_id": "R2", "service_request_id": "SR-9", "status": "IN_PROGRESS",
         "updated_datetime": "2025-03-10T10:00:00Z", "description": "Sur place."},
        {"update_id": "R1", "service_request_id": "SR-9", "status": "INVESTIGATING",
         "updated_datetime": "2025-03-10T09:30:00Z", "description": "Vu."},
        {"update_id": "X", "service_request_id": "AUTRE", "status": "FIXED",
         "updated_datetime": "2025-03-10T09:45:00Z"},
    ], "xml", "service_requests_updates"), "text/xml"))
    assert boite.nouvelles_open311.relever() == 3
    (lecture,) = client_http.lectures_faites[-1:]
    assert lecture["url"] == "http://127.0.0.1:9/open311/v2/servicerequestupdates.xml"
    assert lecture["parametres"] == {
        "start_date": "2025-02-08T09:00:00Z", "end_date": "2025-03-10T09:00:00Z",
        "api_key": "cle-open311-de-test", "jurisdiction_id": "val-d-essai"}
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["etat"]["code"] == "en_cours"
    assert [e["texte"] for e in suivi["chronologie"]][-2:] == ["Vu.", "Sur place."]
    # Noté dans le stockage : un autre processus reprendrait de là.
    assert stockage.lire_releve("cc-val-d-essai") == datetime(2025, 3, 10, 10, tzinfo=UTC)
    assert not (reglages.donnees / "open311").exists()
    assert boite.nouvelles_open311.relever() == 0  # pas avant 15 minutes
    client_http.lectures.append(ErreurReseau("injoignable"))
    assert boite.nouvelles_open311.relever(forcer=True) == 0  # écrit au journal, sans lever
    boite.nouvelles_open311.relever(forcer=True)
    assert client_http.lectures_faites[-1]["parametres"]["start_date"] == "2025-03-10T10:00:00Z"
