from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
from aides_fonctions import DEBUT, ClientHTTPMemoire, HorlogeReglable, dossier_de_test, photo

from fonctions.socle.client_http import ErreurReseau, ReponseHTTP
from fonctions.transmission.base import EchecTransmission
from fonctions.transmission.webhook import CanalWebhook, signer, verifier_signature

SECRETS = {"mairie-saint-exemple": "secret-webhook-de-test"}


def canal(client):
    return CanalWebhook(client, SECRETS.get, HorlogeReglable())


def test_le_webhook_envoie_un_json_signe_verifiable_par_le_service(modele):
    client = ClientHTTPMemoire()
    dossier = dossier_de_test(modele, commune="56002", photos=(photo(),))
    recu = canal(client).transmettre(dossier)
    assert recu.message == ("Envoyé par webhook à http://127.0.0.1:9/webhook/saint-exemple "
                            "(réponse 200).")
    (requete,) = client.requetes
    assert requete["url"] == "http://127.0.0.1:9/webhook/saint-exemple"
    entetes, corps = requete["entetes"], requete["contenu"]
    maintenant = int(DEBUT.timestamp())
    assert entetes["Aiguillage-Signature"] == signer("secret-webhook-de-test", maintenant, corps)
    assert verifier_signature("secret-webhook-de-test", entetes["Aiguillage-Signature"], corps,
                              maintenant)
    assert entetes["Idempotency-Key"] == "AIG-7K3M-Q2-transmission"
    assert entetes["Content-Type"] == "application/json; charset=utf-8"
    charge = json.loads(corps)
    assert charge["id"] == "AIG-7K3M-Q2-transmission"
    assert charge["type"] == "signalement.nouveau"
    assert charge["gestionnaire"] == {"id": "mairie-saint-exemple", "nom": "Mairie de Saint-Exemple"}
    assert charge["signalement"]["reference"] == "AIG-7K3M-Q2"
    assert charge["signalement"]["parcours"][-1]["reponse"] == "Un nid-de-poule"
    assert charge["lien_agent"].endswith("#AIG-7K3M-Q2.jeton-agent")
    assert base64.b64decode(charge["signalement"]["photos"][0]["contenu_base64"])[:2] == b"\xff\xd8"


def test_une_signature_falsifiee_ou_trop_vieille_est_refusee():
    entete = signer("s", 1000, b"{}")
    assert verifier_signature("s", entete, b"{}", 1100)
    assert not verifier_signature("s", entete, b'{"a":1}', 1100)
    assert not verifier_signature("autre", entete, b"{}", 1100)
    assert not verifier_signature("s", entete, b"{}", 1000 + 301)
    assert not verifier_signature("s", "v1=abc", b"{}", 1000)


def test_sans_secret_le_webhook_echoue_definitivement(modele):
    client = ClientHTTPMemoire()
    with pytest.raises(EchecTransmission) as echec:
        CanalWebhook(client, {}.get, HorlogeReglable()).transmettre(
            dossier_de_test(modele, commune="56002"))
    assert echec.value.definitif
    assert echec.value.message == "AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE n'est pas défini."
    assert client.requetes == []


@pytest.mark.parametrize("reponse", [ReponseHTTP(500, "panne"), ReponseHTTP(401, "non"),
                                     ErreurReseau("ConnectError : refusé")])
def test_une_reponse_hors_2xx_ou_une_erreur_reseau_est_un_echec_a_reessayer(modele, reponse):
    client = ClientHTTPMemoire()
    client.reponses.append(reponse)
    with pytest.raises(EchecTransmission) as echec:
        canal(client).transmettre(dossier_de_test(modele, commune="56002"))
    assert not echec.value.definitif


def test_une_relance_par_webhook_dit_sa_sorte_et_son_message(modele):
    client = ClientHTTPMemoire()
    dossier = dossier_de_test(modele, commune="56002", motif="En attente depuis lundi.",
                              evenement="relance")
    CanalWebhook(client, {"mairie-saint-exemple": "s"}.get, HorlogeReglable()).transmettre(dossier)
    (requete,) = client.requetes
    assert requete["entetes"]["Aiguillage-Evenement"] == "signalement.relance"
    charge = json.loads(requete["contenu"])
    assert (charge["type"], charge["message"]) == ("signalement.relance",
                                                   "En attente depuis lundi.")


def test_plusieurs_signatures_v1_sont_acceptees_pour_changer_de_cle():
    entete = signer("neuf ancien", 1000, b"{}")  # nouveau secret, puis l'ancien
    assert entete.count("v1=") == 2
    assert verifier_signature("ancien", entete, b"{}", 1000)  # le service pas encore changé
    assert verifier_signature("neuf", entete, b"{}", 1000)
    assert verifier_signature("autre neuf", signer("neuf", 1000, b"{}"), b"{}", 1000)
    assert not verifier_signature("autre", entete, b"{}", 1000)
    assert verifier_signature("s", f"v1=faux,{signer('s', 1000, b'{}')}", b"{}", 1000)
    assert not verifier_signature("s", "t=1000,v1=,v1=faux", b"{}", 1000)


def test_les_entetes_standard_webhooks_se_verifient_avec_la_bibliotheque_de_la_specification(
        modele, recepteur_http):
    """Un vrai envoi HTTP, vérifié par ``standardwebhooks`` (PyPI) telle quelle, avec le
    secret écrit comme la spécification l'attend : « whsec_ » + base64 de ses octets. La
    bibliothèque compare l'horodatage à l'heure réelle (5 minutes) : l'envoi est daté
    maintenant."""
    from datetime import UTC, datetime

    from standardwebhooks import Webhook, WebhookVerificationError

    from fonctions.socle.client_http import ClientHTTPReel

    client = ClientHTTPReel()
    dossier = dossier_de_test(modele, commune="56002")
    transmission = {**dossier.gestionnaire["transmission"],
                    "adresse": f"{recepteur_http.url}/webhook/saint-exemple"}
    dossier = replace(dossier, gestionnaire={**dossier.gestionnaire,
                                             "transmission": transmission})
    try:
        CanalWebhook(client, {"mairie-saint-exemple": "neuf ancien"}.get,
                     lambda: datetime.now(UTC)).transmettre(dossier)
    finally:
        client.fermer()
    (requete,) = recepteur_http.requetes
    entetes, corps = requete["entetes"], requete["corps"]
    assert entetes["webhook-id"] == "AIG-7K3M-Q2-transmission"
    assert entetes["webhook-timestamp"] == entetes["Aiguillage-Signature"].split(",")[0][2:]
    for secret in ("neuf", "ancien"):
        cle = "whsec_" + base64.b64encode(secret.encode()).decode()
        charge = Webhook(cle).verify(corps, entetes)
        assert charge["signalement"]["reference"] == "AIG-7K3M-Q2"
        assert Webhook(secret.encode()).verify(corps, entetes, json_parse=False) is None
    with pytest.raises(WebhookVerificationError):
        Webhook(base64.b64encode(b"autre").decode()).verify(corps, entetes)
    with pytest.raises(WebhookVerificationError):
        Webhook(base64.b64encode(b"neuf").decode()).verify(corps + b" ", entetes)
