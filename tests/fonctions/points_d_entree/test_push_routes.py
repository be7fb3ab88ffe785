import uuid
from dataclasses import replace

import pytest
from aides_fonctions import TestClient, champs_valides
from faux_push import FauxServicePush

from fonctions.app import creer_app
from fonctions.domaine import actions
from fonctions.domaine.suivi import Auteur

CLES = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}


def envoyer_signalement(client) -> tuple[str, str]:
    reponse = client.post("/api/signalements", json=champs_valides(),
                          headers={"Idempotency-Key": str(uuid.uuid4())})
    assert reponse.status_code == 201, reponse.text
    corps = reponse.json()
    return corps["reference"], corps["suivi"].rpartition("#")[2]


def abonner(client, jeton, endpoint, cles=CLES):
    return client.post("/api/abonnements", json={"abonnement": {"endpoint": endpoint, "keys": cles}},
                       headers={"Authorization": f"Jeton {jeton}"})


def test_la_cle_publique_est_donnee_au_navigateur(client):
    cle = client.get("/api/push/cle").json()["cle"]
    assert len(cle) == 87 and cle == client.app_state["aiguillage"].cles_vapid.publique


def test_un_abonnement_vers_un_service_connu_est_garde_avec_le_signalement(client, stockage):
    reference, jeton = envoyer_signalement(client)
    reponse = abonner(client, jeton, "https://fcm.googleapis.com/fcm/send/abc")
    assert reponse.status_code == 201
    assert reponse.json() == {"message": "Vous serez prévenu·e à chaque étape de ce signalement."}
    [garde] = stockage.lire_signalement(reference)["abonnements_push"]
    assert garde["endpoint"] == "https://fcm.googleapis.com/fcm/send/abc"
    assert client.request("DELETE", "/api/abonnements", json={"abonnement": {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc", "keys": CLES}},
        headers={"Authorization": f"Jeton {jeton}"}).status_code == 204
    assert stockage.lire_signalement(reference)["abonnements_push"] == []


@pytest.mark.parametrize(("endpoint", "message"), [
    ("https://10.0.0.7/push/abc", "Ce service de notifications n'est pas pris en charge."),
    ("https://192.168.1.1:443/push", "Ce service de notifications n'est pas pris en charge."),
    ("http://fcm.googleapis.com/fcm/send/abc", "L'adresse de l'abonnement doit être en https."),
    ("https://push.example.org/abc", "Ce service de notifications n'est pas pris en charge."),
    ("https://127.0.0.1/push", "Ce service de notifications n'est pas pris en charge."),
])
def test_un_abonnement_vers_une_adresse_non_permise_est_refuse(client, stockage, endpoint, message):
    reference, jeton = envoyer_signalement(client)
    reponse = abonner(client, jeton, endpoint)
    assert reponse.status_code == 422
    assert reponse.json() == {"erreurs": [{"champ": "abonnement", "message": message}]}
    assert "abonnements_push" not in stockage.lire_signalement(reference)


def test_un_jeton_faux_ne_permet_pas_de_s_abonner(client):
    reponse = abonner(client, "AIG-7K3M-Q9.faux", "https://fcm.googleapis.com/fcm/send/abc")
    assert reponse.status_code == 404


def test_un_changement_de_statut_arrive_chiffre_au_service_de_push(
        reglages, stockage, expediteur, client_http, horloge):
    service = FauxServicePush()
    app = creer_app(replace(reglages, push_bancs_d_essai=(service.banc,)), stockage=stockage,
                    expediteur=expediteur, client_http=client_http, horloge=horloge)
    try:
        with TestClient(app) as client:
            ctx = client.app_state["aiguillage"]
            reference, jeton = envoyer_signalement(client)
            abonnement = service.abonnement()
            reponse = abonner(client, jeton, abonnement.json["endpoint"], abonnement.json["keys"])
            assert reponse.status_code == 201
            ctx.boite_envoi.traiter_une_fois()  # transmission au service
            gestionnaire = stockage.lire_signalement(reference)["attributions"][0]["gestionnaire"]
            ctx.suivi.changer(reference, actions.declarer(1, "pris_en_charge", "On s'en occupe."),
                              Auteur("service", "lien", gestionnaire))
            ctx.boite_envoi.traiter_une_fois()
            messages = [r["message"] for r in service.recus]
            assert {"titre": f"{reference} : Pris en charge",
                    "texte": "Mairie de Bourg-les-Essais : On s'en occupe.",
                    "reference": reference, "url": f"{reglages.url_publique}/suivi/#{jeton}"} in messages
    finally:
        service.arreter()
