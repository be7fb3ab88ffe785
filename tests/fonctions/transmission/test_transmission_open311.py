from __future__ import annotations

import json

import pytest
from aides_fonctions import ClientHTTPMemoire, HorlogeReglable, dossier_de_test

from fonctions.socle.client_http import ReponseHTTP
from fonctions.transmission.base import EchecTransmission
from fonctions.transmission.open311 import CanalOpen311

CLES = {"cc-val-d-essai": "cle-open311-de-test"}


def test_open311_poste_une_demande_georeport_et_garde_son_identifiant(modele):
    client = ClientHTTPMemoire()
    client.reponses.append(ReponseHTTP(201, '[{"service_request_id": "638344", '
                                            '"service_notice": "Merci"}]'))
    dossier = dossier_de_test(modele, commune="56003", latitude="47.5", longitude="-2.4",
                              telephone="06 12 34 56 78", consentement="oui",
                              **{"question-dangereux": "non"})
    recu = CanalOpen311(client, CLES.get).transmettre(dossier)
    assert recu.donnees == {"service_request_id": "638344"}
    assert recu.message == ("Envoyé par Open311 à http://127.0.0.1:9/open311/v2/requests.json "
                            "(demande 638344).")
    (requete,) = client.requetes
    assert requete["url"] == "http://127.0.0.1:9/open311/v2/requests.json"
    assert requete["formulaire"] == {
        "service_code": "voirie-nid-de-poule",
        "description": ("Un trou profond devant l'école, rue des Écoles.\n\n"
                        "Quelle est la taille du trou ? : Comme une assiette\n"
                        "Le trou est-il dangereux pour les vélos ? : non\n\n"
                        "[Aiguillage AIG-7K3M-Q2]"),
        "lat": "47.5",
        "long": "-2.4",
        "address_string": "12 rue des Écoles, Bourg-les-Essais",
        "phone": "0612345678",
        "attribute[aiguillage_reference]": "AIG-7K3M-Q2",
        "attribute[aiguillage_issue]": "voirie/nid-de-poule",
        "attribute[aiguillage_commune]": "56003",
        "attribute[taille]": "Comme une assiette",
        "attribute[dangereux]": "non",
        "api_key": "cle-open311-de-test",
    }


def test_un_serveur_asynchrone_rend_un_jeton(modele):
    client = ClientHTTPMemoire()
    client.reponses.append(ReponseHTTP(200, '[{"token": "12345"}]'))
    recu = CanalOpen311(client, CLES.get).transmettre(dossier_de_test(modele, commune="56003"))
    assert recu.donnees == {"token": "12345"}


def test_une_reponse_2xx_illisible_vaut_transmission_sans_identifiant(modele):
    client = ClientHTTPMemoire()
    client.reponses.append(ReponseHTTP(202, "<html>ok</html>"))
    recu = CanalOpen311(client, CLES.get).transmettre(dossier_de_test(modele, commune="56003"))
    assert recu.donnees == {}


def test_une_erreur_du_serveur_open311_est_un_echec_a_reessayer(modele):
    client = ClientHTTPMemoire()
    client.reponses.append(ReponseHTTP(400, '[{"code": 400, "description": "service_code"}]'))
    with pytest.raises(EchecTransmission) as echec:
        CanalOpen311(client, CLES.get).transmettre(dossier_de_test(modele, commune="56003"))
    assert echec.value.message.startswith(
        "http://127.0.0.1:9/open311/v2/requests.json a répondu 400")


def test_sans_code_de_service_l_envoi_echoue_definitivement(modele):
    dossier = dossier_de_test(modele, commune="56003")
    dossier.gestionnaire["transmission"] = {"canal": "open311", "adresse": "https://x/v2"}
    with pytest.raises(EchecTransmission) as echec:
        CanalOpen311(ClientHTTPMemoire(), CLES.get).transmettre(dossier)
    assert echec.value.definitif


def test_une_reouverture_suit_la_convention_service_request_updates(modele):
    client = ClientHTTPMemoire()
    dossier = dossier_de_test(modele, commune="56003", motif="Le trou est revenu.",
                              evenement="rouvert")
    dossier.signalement["attributions"][0]["transmission"] = {"service_request_id": "638344"}
    recu = CanalOpen311(client, CLES.get, HorlogeReglable()).transmettre(dossier)
    assert recu.message == ("Mise à jour REOPEN envoyée par Open311 à "
                            "http://127.0.0.1:9/open311/v2/servicerequestupdates.json.")
    (requete,) = client.requetes
    assert requete["formulaire"] == {
        "service_request_id": "638344", "update_id": "AIG-7K3M-Q2-transmission",
        "status": "REOPEN", "updated_datetime": "2025-03-10T09:00:00Z",
        "description": "Le trou est revenu.", "api_key": "cle-open311-de-test"}


def test_open311_ne_connait_pas_la_relance(modele):
    client = ClientHTTPMemoire()
    dossier = dossier_de_test(modele, commune="56003", motif="x", evenement="relance")
    assert CanalOpen311(client, CLES.get).transmettre(dossier).message.startswith(
        "Pas de relance par Open311")
    assert client.requetes == []


def avec(dossier, **transmission):
    dossier.gestionnaire["transmission"] = {**dossier.gestionnaire["transmission"],
                                            **transmission}
    return dossier


def test_un_service_en_xml_recoit_requests_xml_et_son_identifiant_est_lu(modele):
    client = ClientHTTPMemoire()
    client.reponses.append(ReponseHTTP(
        201, '<?xml version="1.0" encoding="utf-8"?><service_requests><request>'
             '<service_request_id>638344</service_request_id></request></service_requests>',
        "text/xml"))
    dossier = avec(dossier_de_test(modele, commune="56003"), format="xml",
                   adresse="https://x.example.org/open311/v2/requests.xml",
                   juridiction="val-d-essai",
                   codes_service={"voirie/nid-de-poule": "chaussee-degradee"})
    recu = CanalOpen311(client, CLES.get).transmettre(dossier)
    assert recu.donnees == {"service_request_id": "638344"}
    (requete,) = client.requetes
    assert requete["url"] == "https://x.example.org/open311/v2/requests.xml"
    assert (requete["formulaire"]["service_code"], requete["formulaire"]["jurisdiction_id"]) == (
        "chaussee-degradee", "val-d-essai")
    assert [lu["url"] for lu in client.lectures_faites] == [
        "https://x.example.org/open311/v2/services/chaussee-degradee.xml"]


@pytest.mark.parametrize("statut", [401, 403, 404])
def test_401_403_404_sont_des_refus_definitifs_avec_l_erreur_lue(modele, statut):
    client = ClientHTTPMemoire()
    client.reponses.append(ReponseHTTP(
        statut, f"<errors><error><code>{statut}</code><description>Non</description></error>"
                "</errors>"))
    with pytest.raises(EchecTransmission) as echec:
        CanalOpen311(client, CLES.get).transmettre(dossier_de_test(modele, commune="56003"))
    assert echec.value.definitif
    assert f"a refusé la demande ({statut}) : {statut} Non." in echec.value.message


def test_un_jeton_est_change_en_identifiant_des_l_envoi(modele):
    client = ClientHTTPMemoire()
    client.reponses.append(ReponseHTTP(200, '[{"token": "T-1"}]'))
    client.lectures += [ReponseHTTP(404, ""),  # pas de définition du service
                        ReponseHTTP(200, '[{"token": "T-1", "service_request_id": "77"}]')]
    recu = CanalOpen311(client, CLES.get).transmettre(dossier_de_test(modele, commune="56003"))
    assert recu.donnees == {"token": "T-1", "service_request_id": "77"}
    assert client.lectures_faites[-1]["url"] == "http://127.0.0.1:9/open311/v2/tokens/T-1.json"


def test_un_nouvel_essai_reprend_la_demande_deja_arrivee(modele):
    from dataclasses import replace

    client = ClientHTTPMemoire()
    client.lectures += [ReponseHTTP(200, json.dumps([
        {"service_request_id": "12", "description": "Autre chose [Aiguillage AIG-2222-22]"},
        {"service_request_id": "13", "description": "Un trou…\n\n[Aiguillage AIG-7K3M-Q2]"}]))]
    dossier = replace(dossier_de_test(modele, commune="56003"), essai=2,
                      premier_essai="2025-03-10T09:00:00+00:00")
    recu = CanalOpen311(client, CLES.get).transmettre(dossier)
    assert recu.donnees == {"service_request_id": "13"}
    assert client.requetes == []  # rien de reposté
    assert client.lectures_faites[0]["parametres"] == {
        "service_code": "voirie-nid-de-poule", "start_date": "2025-03-10T08:00:00Z",
        "api_key": "cle-open311-de-test"}
