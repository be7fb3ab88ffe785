"""Le serveur Open311 en lecture (``fonctions/points_d_entree/open311_lecture.py``) : la vue
publique des demandes, ses filtres et ses pages, les jetons, les étapes
(``servicerequestupdates``). Chaque réponse est vérifiée contre /api/openapi.json."""

from __future__ import annotations

import pytest
from aides_open311 import V2, client_avec_cle, demande

from fonctions.domaine import actions
from fonctions.domaine.suivi import Auteur


@pytest.fixture
def client(fabrique_client):
    return client_avec_cle(fabrique_client)


def _publiques(client, requete: str = "") -> list[dict]:
    reponse = client.get(f"{V2}/requests.json{requete}")
    assert reponse.status_code == 200, reponse.text
    return reponse.json()


def test_la_liste_des_demandes_ne_montre_aucune_donnee_personnelle(client):
    client.post(f"{V2}/requests.json", data=demande(phone="0612345678", **{
        "attribute[consentement]": "oui", "attribute[repere]": "chez Mme Martin"}))
    texte = client.get(f"{V2}/requests.json").text + client.get(f"{V2}/requests.xml").text
    for prive in ("lea@exemple.fr", "0612345678", "Un trou profond", "Mme Martin", "Léa"):
        assert prive not in texte
    (publique,) = _publiques(client)
    assert publique["address"] == "12 rue des Écoles, Bourg-les-Essais"
    assert (publique["lat"], publique["long"], publique["zipcode"]) == (47.51, -2.48, "56190")
    assert (publique["status"], publique["agency_responsible"]) == (
        "open", "Mairie de Bourg-les-Essais")


def test_les_demandes_se_filtrent_et_se_paginent(client, horloge):
    client.post(f"{V2}/requests.json", data=demande())
    horloge.avancer(days=2)
    client.post(f"{V2}/requests.json", data=demande(
        service_code="eclairage.lampadaire-eteint", **{"attribute[taille]": None}))
    tous = _publiques(client)
    assert [d["service_code"] for d in tous] == ["eclairage.lampadaire-eteint",
                                                 "voirie.nid-de-poule"]
    assert _publiques(client, "?service_code=voirie.nid-de-poule") == tous[1:]
    assert _publiques(client, "?status=closed") == []
    assert _publiques(client, "?start_date=2025-03-11T00:00:00Z") == tous[:1]
    assert _publiques(client, "?end_date=2025-03-11T00:00:00%2B01:00") == tous[1:]
    assert _publiques(client, "?page_size=1&page=2") == tous[1:]
    assert _publiques(client, f"?service_request_id={tous[1]['service_request_id']}"
                              "&status=closed") == tous[1:]  # l'identifiant l'emporte
    for requete, mot in (("?status=ouvert", "status"), ("?start_date=hier", "start_date"),
                         ("?page=0", "page"), ("?page_size=5000", "page_size"),
                         ("?start_date=2025-03-12&end_date=2025-03-11", "start_date")):
        reponse = client.get(f"{V2}/requests.json{requete}")
        assert reponse.status_code == 400, requete
        assert reponse.json()[0]["description"].startswith(mot)


def test_une_demande_inconnue_ou_un_jeton_inconnu_donnent_404(client):
    assert client.get(f"{V2}/requests/AIG-XXXX-XX.json").status_code == 404
    assert client.get(f"{V2}/requests/n'importe-quoi.xml").status_code == 404
    assert client.get(f"{V2}/tokens/inconnu.json").json() == [
        {"code": 404, "description": "Le jeton « inconnu » est inconnu."}]


def test_le_jeton_d_une_demande_est_son_identifiant(client):
    reference = client.post(f"{V2}/requests.json", data=demande()).json()[0][
        "service_request_id"]
    assert client.get(f"{V2}/tokens/{reference}.json").json() == [
        {"service_request_id": reference, "token": reference}]


def test_les_mises_a_jour_publiques_suivent_les_statuts_sans_leurs_messages(client, boite,
                                                                            horloge):
    reference = client.post(f"{V2}/requests.json", data=demande(
        **{"attribute[commune]": "56002", "address_string": None})).json()[0][
        "service_request_id"]
    boite.traiter_une_fois()  # transmis par webhook à Saint-Exemple
    horloge.avancer(hours=1)
    suivi = client.app_state["aiguillage"].suivi
    suivi.changer(reference, actions.mise_a_jour(
        "mairie-saint-exemple", "evt-1", "resolu", "Rebouché par M. Durand.", None, None, None),
        Auteur("service", "webhook", "mairie-saint-exemple"))
    etapes = client.get(f"{V2}/servicerequestupdates.json",
                        params={"service_request_id": reference}).json()
    assert [(e["status"], e["description"]) for e in etapes] == [
        ("OPEN", "Signalement reçu"),
        ("OPEN", "Transmis au service (Mairie de Saint-Exemple)"),
        ("FIXED", "Résolu (Mairie de Saint-Exemple)")]
    assert [e["update_id"] for e in etapes] == [f"{reference}-{n}" for n in (1, 2, 3)]
    assert "Durand" not in client.get(f"{V2}/servicerequestupdates.xml").text
    assert client.get(f"{V2}/requests/{reference}.json").json()[0]["status"] == "closed"
