"""Le serveur Open311 en lecture (``fonctions/points_d_entree/open311_lecture.py``) : la vue
publique des demandes, ses filtres et ses pages, les jetons, les étapes
(``servicerequestupdates``). Chaque réponse est vérifiée contre /api/openapi.json."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from aides_open311 import V2, client_avec_cle, demande

from fonctions.domaine import actions, purge
from fonctions.domaine.suivi import Auteur
from fonctions.points_d_entree import open311_catalogue as catalogue
from fonctions.points_d_entree import open311_lecture


@pytest.fixture
def stockage(stockage_des_deux_moteurs):
    """Les deux moteurs : les listes passent par leurs index par date."""
    return stockage_des_deux_moteurs


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


# -- les listes par les index par date -------------------------------------------------------

SERVICE = Auteur("service", "lien", "mairie-bourg-les-essais")


def _remplir(client, boite, horloge, stockage) -> list[str]:
    """Des demandes sur trois semaines, de deux services, dont certaines suivies plus tard
    (prises en charge, résolues), une anonymisée, et deux à la même seconde."""
    suivi = client.app_state["aiguillage"].suivi
    references = []
    for numero in range(9):
        eclairage = numero % 3 == 1
        champs = demande(**({"service_code": "eclairage.lampadaire-eteint",
                             "attribute[taille]": None} if eclairage else {}),
                         description=f"Demande numéro {numero}, devant chez Mme Martin.")
        reponse = client.post(f"{V2}/requests.json", data=champs)
        assert reponse.status_code == 201, reponse.text
        references.append(reponse.json()[0]["service_request_id"])
        if numero != 4:  # la 4 et la 5 à la même seconde
            horloge.avancer(hours=41)
    boite.traiter_une_fois()
    for numero in (0, 3, 6):
        horloge.avancer(hours=30)
        suivi.changer(references[numero], actions.declarer(1, "pris_en_charge"), SERVICE)
    horloge.avancer(days=2)
    for numero in (0, 6):
        suivi.changer(references[numero], actions.declarer(1, "resolu"), SERVICE)
    purge.anonymiser(stockage, references[0], horloge())
    return references


def _comme_avant(client, stockage, requete: dict, sorte: str) -> list[dict]:
    """Ce que rendait la liste quand elle lisait chaque signalement gardé : la même règle,
    appliquée à tous."""
    modele = client.app_state["aiguillage"].modele.actuel()
    documents = [stockage.lire_signalement(r) for r in stockage.lister_references()]
    maintenant = client.app_state["aiguillage"].horloge()
    fin = (datetime.fromisoformat(requete["end_date"]) if "end_date" in requete
           else maintenant if "start_date" not in requete else datetime.max.replace(tzinfo=UTC))
    debut = (datetime.fromisoformat(requete["start_date"]) if "start_date" in requete
             else fin - timedelta(days=90))
    page, taille = int(requete.get("page", 1)), int(requete.get("page_size", 200))
    if sorte == "requests":
        codes = set(filter(None, requete.get("service_code", "").split(",")))
        statuts = set(filter(None, requete.get("status", "").split(",")))
        elements = [d for d in (catalogue.demande_publique(modele, d) for d in documents)
                    if (not codes or d["service_code"] in codes)
                    and (not statuts or d["status"] in statuts)
                    and debut <= datetime.fromisoformat(d["requested_datetime"]) <= fin]
        elements.sort(key=lambda d: d["requested_datetime"], reverse=True)
    else:
        elements = [e for d in documents for e in catalogue.mises_a_jour(modele, d)
                    if debut <= datetime.fromisoformat(e["updated_datetime"]) <= fin]
        elements.sort(key=lambda e: (e["updated_datetime"], e["update_id"]))
    return elements[(page - 1) * taille:page * taille]


@pytest.mark.parametrize("lot", [2, open311_lecture.LOT_D_EVENEMENTS])
def test_les_listes_par_les_index_rendent_ce_que_rendait_la_lecture_de_tout(
        fabrique_client, boite, horloge, stockage, monkeypatch, lot):
    monkeypatch.setattr(open311_lecture, "LOT_D_EVENEMENTS", lot)  # la suite de l'index, par lots
    client = client_avec_cle(fabrique_client, limite_listes_open311=None)
    _remplir(client, boite, horloge, stockage)
    debut, milieu = "2025-03-11T00:00:00+00:00", "2025-03-20T02:00:00+00:00"
    for requete in ({}, {"page_size": "2"}, {"page_size": "2", "page": "3"},
                    {"page_size": "4", "page": "9"}, {"status": "open"}, {"status": "closed"},
                    {"status": "open,closed"}, {"service_code": "voirie.nid-de-poule"},
                    {"service_code": "eclairage.lampadaire-eteint,voirie.inconnu"},
                    {"service_code": "voirie.nid-de-poule", "status": "open",
                     "page_size": "1", "page": "2"},
                    {"start_date": debut}, {"start_date": debut, "end_date": milieu},
                    {"end_date": milieu, "page_size": "3"}):
        obtenu = client.get(f"{V2}/requests.json", params=requete)
        assert obtenu.status_code == 200, (requete, obtenu.text)
        attendu = _comme_avant(client, stockage, requete, "requests")
        assert obtenu.json() == attendu, requete
        assert attendu or "page" in requete or "status" in requete
    for requete in ({}, {"page_size": "3", "page": "2"}, {"page_size": "5", "page": "4"},
                    {"start_date": milieu}, {"start_date": debut, "end_date": milieu},
                    {"start_date": debut, "end_date": milieu, "page_size": "2", "page": "3"}):
        obtenu = client.get(f"{V2}/servicerequestupdates.json", params=requete)
        assert obtenu.status_code == 200, (requete, obtenu.text)
        attendu = _comme_avant(client, stockage, requete, "servicerequestupdates")
        assert obtenu.json() == attendu, requete
        assert attendu


def test_une_demande_anonymisee_reste_listee_sans_son_lieu_ni_rien_de_personnel(
        client, boite, horloge, stockage):
    references = _remplir(client, boite, horloge, stockage)
    liste = client.get(f"{V2}/requests.json", params={"page_size": "1000"})
    (anonyme,) = [d for d in liste.json() if d["service_request_id"] == references[0]]
    assert (anonyme["address"], anonyme["lat"], anonyme["long"]) == ("Bourg-les-Essais",
                                                                      None, None)
    assert anonyme["status"] == "closed"
    for texte in (liste.text, client.get(f"{V2}/requests.xml").text,
                  client.get(f"{V2}/servicerequestupdates.json").text):
        assert "Martin" not in texte and "lea@exemple.fr" not in texte
    assert "12 rue des Écoles" in liste.text  # les autres gardent le leur


def test_trop_de_listes_depuis_une_adresse_recoivent_429_en_francais(fabrique_client):
    client = client_avec_cle(fabrique_client, limite_listes_open311=(2, 600.0))
    assert client.get(f"{V2}/requests.json").status_code == 200
    assert client.get(f"{V2}/servicerequestupdates.xml").status_code == 200
    refus = client.get(f"{V2}/requests.json", params={"status": "open"})
    assert refus.status_code == 429
    # En mémoire, 600 s ; sur PostgreSQL (fenêtres fixes), la fin de la fenêtre en cours.
    attente = int(refus.headers["Retry-After"])
    assert 1 <= attente <= 600
    ((erreur,),) = [refus.json()]
    assert erreur["code"] == 429
    assert re.fullmatch(r"Trop de listes demandées depuis cette connexion : réessayez dans "
                        r"(1 minute|([2-9]|10) minutes)\.", erreur["description"])
    refus_xml = client.get(f"{V2}/servicerequestupdates.xml")
    assert refus_xml.status_code == 429
    assert "<code>429</code>" in refus_xml.text and "Trop de listes" in refus_xml.text
    # Une demande par son identifiant, les services : pas des listes.
    assert client.get(f"{V2}/requests/AIG-XXXX-XX.json").status_code == 404
    assert client.get(f"{V2}/services.json").status_code == 200
