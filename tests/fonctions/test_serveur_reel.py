"""De bout en bout, contre le vrai serveur : uvicorn, SMTP et récepteurs HTTP sur 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import io
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs

import httpx
from aides_fonctions import champs_valides, photo
from conformite_openapi import client_verifie
from PIL import Image
from serveur_reel import CLE_OPEN311, SECRET_WEBHOOK
from serveurs_locaux import attendre, json_de

from fonctions.stockage import StockageTinyDB
from fonctions.transmission.webhook import verifier_signature

NAVIGATEUR = {"Accept": "text/html,application/xhtml+xml"}


def test_le_site_et_chaque_canal_fonctionnent_sur_le_vrai_serveur(
        serveur_reel, boite_smtp, recepteur_http):
    recepteur_http.reponses["/open311/v2/requests.json"] = (
        201, '[{"service_request_id": "SR-{numero}"}]')
    with client_verifie(serveur_reel.url, timeout=30) as client:
        assert client.get("/").text == "<h1>Qui s'en occupe ?</h1>"
        assert client.get("/voirie/nid-de-poule/").text == "<h1>Nid</h1>"

        par_courriel = client.post(
            "/api/signalements", headers={"Idempotency-Key": str(uuid.uuid4())},
            data=champs_valides(description="Trou <b>énorme</b> & profond"),
            files=[("photos", ("trou.jpg", photo(taille=(320, 240)), "image/jpeg"))])
        assert par_courriel.status_code == 201, par_courriel.text
        par_webhook = client.post("/api/signalements", json=champs_valides(commune="56002"))
        par_open311 = client.post("/api/signalements", json=champs_valides(
            commune="56003", latitude=47.55, longitude=-2.48))
        sans_transmission = client.post("/api/signalements", json={
            "noeud": "eclairage/lampadaire-eteint", "description": "Éteint."})
        assert [r.status_code for r in (par_webhook, par_open311, sans_transmission)] == [201] * 3

        sans_javascript = client.post("/api/signalements", data=champs_valides(),
                                      headers=NAVIGATEUR, follow_redirects=True)
        assert sans_javascript.status_code == 200  # après la redirection 303
        assert sans_javascript.history[0].status_code == 303
        assert "Votre signalement est enregistré" in sans_javascript.text

    reference = par_courriel.json()["reference"]
    attendre(lambda: len(boite_smtp.courriels) == 2, message="courriels non reçus")
    (courriel,) = [c for c in boite_smtp.courriels if reference.encode() in c["contenu"]]
    assert courriel["pour"] == ["voirie@bourg-les-essais.example.org"]
    message = email.message_from_bytes(courriel["contenu"], policy=email.policy.default)
    assert message["Subject"] == f"Signalement {reference} : Un nid-de-poule — Bourg-les-Essais"
    assert message["Message-ID"] == f"<{reference}-transmission@val-d-essai.example.org>"
    assert "Trou <b>énorme</b> & profond" in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Trou &lt;b&gt;énorme&lt;/b&gt; &amp; profond" in html
    assert f'href="{serveur_reel.url}/api/agent/{reference}.1.' in html
    (jointe,) = message.iter_attachments()
    assert jointe.get_filename() == "photo-1.jpg"
    assert b"TELEPHONE-SECRET" not in jointe.get_content()
    with Image.open(io.BytesIO(jointe.get_content())) as image:
        assert (image.format, image.size) == ("JPEG", (320, 240))

    attendre(lambda: len(recepteur_http.requetes) == 2, message="requêtes web non reçues")
    crochet = next(r for r in recepteur_http.requetes if r["chemin"] == "/webhook/saint-exemple")
    assert verifier_signature(SECRET_WEBHOOK, crochet["entetes"]["Aiguillage-Signature"],
                              crochet["corps"], int(time.time()))
    assert json_de(crochet)["signalement"]["reference"] == par_webhook.json()["reference"]
    demande = next(r for r in recepteur_http.requetes if r["chemin"].endswith("requests.json"))
    champs = {k: v[0] for k, v in parse_qs(demande["corps"].decode()).items()}
    assert champs["api_key"] == CLE_OPEN311
    assert champs["service_code"] == "voirie-nid-de-poule"
    assert (champs["lat"], champs["long"]) == ("47.55", "-2.48")
    assert champs["attribute[taille]"] == "Comme une assiette"

    stockage = StockageTinyDB(serveur_reel.donnees)
    try:
        open311 = attendre(lambda: (stockage.lire_signalement(par_open311.json()["reference"])
                                    .get("transmission")))
        assert open311["service_request_id"].startswith("SR-")
        attendre(lambda: stockage.lister_envois() == [])
        for corps in (par_courriel, par_webhook, par_open311, sans_transmission):
            assert stockage.lire_signalement(corps.json()["reference"])["etat"] == "transmis"
    finally:
        stockage.fermer()


def test_des_envois_rejoues_en_meme_temps_ne_donnent_qu_un_signalement(serveur_reel, boite_smtp):
    cle = str(uuid.uuid4())
    depart = threading.Barrier(16)

    def envoyer(_):
        with client_verifie(serveur_reel.url, timeout=30) as client:
            depart.wait()
            return client.post("/api/signalements", json=champs_valides(),
                               headers={"Idempotency-Key": cle})

    with ThreadPoolExecutor(16) as fils:
        reponses = list(fils.map(envoyer, range(16)))
    statuts = sorted(r.status_code for r in reponses)
    assert statuts.count(201) == 1
    assert set(statuts) <= {200, 201, 409}
    corps = {r.content for r in reponses if r.status_code in (200, 201)}
    assert len(corps) == 1
    apres = httpx.post(f"{serveur_reel.url}/api/signalements", json=champs_valides(),
                       headers={"Idempotency-Key": cle}, timeout=30)
    assert (apres.status_code, apres.content) == (200, corps.pop())
    attendre(lambda: len(boite_smtp.courriels) == 1)
    # Un 201 dit « dans le journal » ; les fichiers TinyDB sont écrits ensuite, par un fil.
    # Arrêté proprement, le serveur y écrit tout ce que le journal tient : on compte après.
    serveur_reel.arreter()
    stockage = StockageTinyDB(serveur_reel.donnees)
    assert stockage.compter_signalements() == 1
    stockage.fermer()
    assert len(boite_smtp.courriels) == 1
