"""Les cinq causes des erreurs 500 trouvées en attaquant les fonctions (issue 12), chacune
par la route où elle a été vue : toutes sont maintenant refusées ou nettoyées par la porte
d'entrée (``fonctions/web/lecture.py``), avec une réponse 4xx en français.

Le ``TestClient`` relance toute exception du serveur : une erreur 500 ferait échouer ces tests.
"""

from __future__ import annotations

import email
import email.policy
import json
import time

from aides_fonctions import champs_valides
from aides_suivi import NAVIGATEUR, csrf_de, jeton_de_suivi, lien_agent, poster, suivre, texte_de
from conformite_openapi import client_verifie
from serveur_reel import SECRET_WEBHOOK
from serveurs_locaux import attendre
from test_coordination import se_connecter
from test_mises_a_jour import SECRET, envoyer_webhook, par_webhook

from fonctions.transmission.webhook import signer

PROFOND = b'{"a":' + b"[" * 2000 + b"]" * 2000 + b"}"
TROP_PROFOND = {"erreurs": [{"champ": None, "message": (
    "Le JSON reçu est imbriqué sur trop de niveaux (32 au plus).")}]}


def transmis(client, boite, expediteur) -> tuple[dict, str]:
    corps = poster(client)
    boite.traiter_une_fois()
    return corps, lien_agent(expediteur.messages[-1])


def en_json(client, adresse: str, donnees: dict, **entetes):
    return client.post(adresse, content=json.dumps(donnees), follow_redirects=False,
                       headers={"Content-Type": "application/json", **entetes})


# 1. Un JSON imbriqué sur 2 000 niveaux -------------------------------------------------------

def test_un_json_imbrique_sur_2000_niveaux_recoit_un_400_en_francais_partout(
        client, boite, horloge):
    signalement = client.post("/api/signalements", content=PROFOND,
                              headers={"Content-Type": "application/json"})
    assert (signalement.status_code, signalement.json()) == (400, TROP_PROFOND)

    corps = par_webhook(client, boite)
    webhook = client.post("/api/webhook/mairie-saint-exemple", content=PROFOND, headers={
        "Content-Type": "application/json",
        "Aiguillage-Signature": signer(SECRET, int(horloge().timestamp()), PROFOND)})
    assert (webhook.status_code, webhook.json()) == (400, TROP_PROFOND)

    abonnement = client.post("/api/abonnements", content=PROFOND, headers={
        "Authorization": f"Jeton {jeton_de_suivi(corps)}", "Content-Type": "application/json"})
    assert (abonnement.status_code, abonnement.json()) == (422, {"erreurs": [{
        "champ": "abonnement", "message": "Le corps doit être un objet JSON : Le JSON reçu est "
        "imbriqué sur trop de niveaux (32 au plus)."}]})


# 2. Une moitié de paire de substitution comme nom de champ ----------------------------------

def test_une_moitie_de_paire_comme_nom_de_champ_est_remplacee(client):
    donnees = {**champs_valides(), "\ud800": ["x"]}
    reponse = en_json(client, "/api/signalements", donnees)
    assert (reponse.status_code, reponse.json()) == (422, {"erreurs": [{
        "champ": "\ufffd", "message": "Cette valeur doit être un texte ou un nombre."}]})
    page = en_json(client, "/api/signalements", donnees, Accept="text/html")
    assert page.status_code == 422


# 3. Une moitié de paire dans un complément ou un message de l'agent --------------------------

def test_une_moitie_de_paire_dans_un_complement_ou_un_message_est_enregistree_remplacee(
        client, boite, expediteur, stockage):
    corps, lien = transmis(client, boite, expediteur)
    jeton = {"Authorization": f"Jeton {jeton_de_suivi(corps)}"}
    complement = en_json(client, "/api/suivi/complement", {"message": "trou\ud800"}, **jeton)
    assert complement.status_code == 200, complement.text
    assert complement.json()["chronologie"][-1]["texte"] == "trou\ufffd"

    csrf = csrf_de(client.get(lien).text)
    message = en_json(client, lien, {"csrf": csrf, "action": "message", "message": "bien\udfff reçu"})
    assert message.status_code == 303, message.text
    assert suivre(client, jeton_de_suivi(corps)).json()["chronologie"][-1]["texte"] == (
        "bien\ufffd reçu")
    historique = stockage.lire_signalement(corps["reference"])["historique"]
    assert [e.get("pour_le_citoyen") for e in historique[-2:]] == ["trou\ufffd", "bien\ufffd reçu"]


def test_nul_et_les_caracteres_de_controle_d_un_complement_ne_sont_ni_gardes_ni_envoyes(
        client, boite, expediteur, stockage):
    corps, _ = transmis(client, boite, expediteur)
    reponse = client.post("/api/suivi/complement", data={"message": "Le\x00 trou\x1b[31m\r\ngrandit\x07"},
                          headers={"Authorization": f"Jeton {jeton_de_suivi(corps)}"})
    assert reponse.status_code == 200, reponse.text
    historique = stockage.lire_signalement(corps["reference"])["historique"]
    assert historique[-1]["pour_le_citoyen"] == "Le trou[31m\ngrandit"
    boite.traiter_une_fois()
    courriel = expediteur.messages[-1].get_body(("plain",)).get_content()
    assert "Le trou[31m\ngrandit" in courriel
    assert not any(c in courriel for c in "\x00\x1b\x07\r")


# 4. Un message ou un motif JSON qui n'est pas du texte ---------------------------------------

def test_un_motif_en_liste_de_l_agent_est_refuse_et_jamais_montre_entre_crochets(
        client, boite, expediteur):
    corps, lien = transmis(client, boite, expediteur)
    csrf = csrf_de(client.get(lien).text)
    for champs, erreur in [
        ({"action": "clos", "motif": ["x"]}, "motif doit être un texte, pas une liste."),
        ({"action": "message", "message": {"a": 1}}, "message doit être un texte, pas un objet."),
        ({"action": "message", "message": 12}, "message doit être un texte, pas un nombre."),
    ]:
        reponse = en_json(client, lien, {"csrf": csrf, **champs})
        assert reponse.status_code == 422
        assert erreur in texte_de(reponse.text)
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert "['x']" not in json.dumps(suivi)
    assert suivi["etat"]["code"] != "clos"


def test_un_message_de_la_coordination_qui_n_est_pas_du_texte_est_refuse(
        client, boite, expediteur):
    corps, _ = transmis(client, boite, expediteur)
    lien = se_connecter(client, expediteur)
    csrf = csrf_de(client.get(f"{lien}?reference={corps['reference']}").text)
    reponse = en_json(client, lien, {"csrf": csrf, "action": "reattribuer", "vers": "cc-val-d-essai",
                                     "reference": corps["reference"], "message": ["x"]},
                      **NAVIGATEUR)
    assert reponse.status_code == 422
    assert "message doit être un texte, pas une liste." in texte_de(reponse.text)


def test_un_message_ou_un_motif_de_webhook_qui_n_est_pas_du_texte_est_refuse(
        client, boite, horloge):
    corps = par_webhook(client, boite)
    for champ in ("message", "motif", "vers"):
        reponse = envoyer_webhook(client, horloge, {"id": "evt-1", "reference": corps["reference"],
                                                    "statut": "clos", champ: ["x"]})
        assert (reponse.status_code, reponse.json()) == (422, {"erreurs": [{
            "champ": champ, "message": f"{champ} doit être un texte, pas une liste."}]})
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["etat"]["code"] != "clos"


# 5. Un autre type de contenu ou un corps trop gros -------------------------------------------

def test_nouveau_lien_refuse_un_autre_type_de_contenu_ou_un_corps_trop_gros(
        client, boite, expediteur, horloge):
    _, lien = transmis(client, boite, expediteur)
    horloge.avancer(days=31)
    xml = client.post(f"{lien}/nouveau-lien", content=b"<csrf/>",
                      headers={"Content-Type": "application/xml", **NAVIGATEUR})
    assert xml.status_code == 415
    assert "Envoyez les données en JSON" in texte_de(xml.text)
    gros = client.post(f"{lien}/nouveau-lien", data={"csrf": "x" * 70_000}, headers=NAVIGATEUR)
    assert gros.status_code == 413
    assert ("L'envoi est trop volumineux (64 Ko au plus) : raccourcissez le texte envoyé."
            in texte_de(gros.text))


def test_la_coordination_refuse_un_autre_type_de_contenu_ou_un_corps_trop_gros(
        client, expediteur):
    lien = se_connecter(client, expediteur)
    xml = client.post(lien, content=b"<action/>", headers={"Content-Type": "text/plain"})
    assert xml.status_code == 415
    gros = client.post(lien, data={"message": "x" * 20_000})
    assert gros.status_code == 413
    assert ("L'envoi est trop volumineux (16 Ko au plus) : raccourcissez le texte envoyé."
            in texte_de(gros.text))


def test_une_route_qui_oublie_de_rendre_un_refus_de_lecture_repond_quand_meme_en_4xx(
        fabrique_client):
    from starlette.routing import Route

    from fonctions.web.lecture import lire_envoi

    async def oublieuse(request):
        await lire_envoi(request, 10)
        raise AssertionError("non atteint")

    client = fabrique_client()
    client.app.router.routes.insert(0, Route("/api/oublieuse", oublieuse, methods=["POST"]))
    reponse = client.post("/api/oublieuse", json={"message": "trop long pour dix octets"})
    assert (reponse.status_code, reponse.json()["erreurs"][0]["message"]) == (
        413, "L'envoi est trop volumineux (1 Ko au plus) : raccourcissez le texte envoyé.")
    page = client.post("/api/oublieuse", content=b"x", headers={
        "Content-Type": "text/plain", **NAVIGATEUR})
    assert page.status_code == 415
    assert "Envoi refusé" in texte_de(page.text)


# De bout en bout : les mêmes envois au vrai serveur (uvicorn), avec un vrai SMTP ---------------

def test_le_vrai_serveur_refuse_ou_nettoie_chaque_envoi_hostile_et_le_courriel_part_propre(
        serveur_reel, boite_smtp):
    with client_verifie(serveur_reel.url, timeout=30) as client:
        corps = client.post("/api/signalements", json=champs_valides()).json()
        jeton = {"Authorization": f"Jeton {jeton_de_suivi(corps)}"}
        signature = signer(SECRET_WEBHOOK, int(time.time()), PROFOND)
        for adresse, entetes in [
            ("/api/signalements", {}), ("/api/abonnements", jeton),
            ("/api/webhook/mairie-saint-exemple", {"Aiguillage-Signature": signature}),
        ]:
            reponse = client.post(adresse, content=PROFOND,
                                  headers={"Content-Type": "application/json", **entetes})
            assert reponse.status_code in (400, 422), (adresse, reponse.text)
            assert "imbriqué sur trop de niveaux" in reponse.text
        nom = en_json(client, "/api/signalements", {**champs_valides(), "\ud800": ["x"]})
        assert (nom.status_code, nom.json()["erreurs"][0]["champ"]) == (422, "\ufffd")
        complement = en_json(client, "/api/suivi/complement",
                             {"message": "Ça\x00 s'agrandit\ud800\x1b"}, **jeton)
        assert complement.status_code == 200, complement.text
        assert complement.json()["chronologie"][-1]["texte"] == "Ça s'agrandit\ufffd"
    def complement_recu():
        messages = [email.message_from_bytes(c["contenu"], policy=email.policy.default)
                    for c in boite_smtp.courriels]
        return next((m for m in messages if m["Subject"].startswith("[Complément]")), None)

    message = attendre(complement_recu, message="le complément n'est pas parti")
    texte = message.get_body(("plain",)).get_content()
    assert "Ça s'agrandit\ufffd" in texte
    assert "\x00" not in texte and "\x1b" not in texte
