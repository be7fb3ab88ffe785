"""De bout en bout sur PostgreSQL : le vrai serveur (uvicorn sur un port libre), un vrai SMTP,
une base neuve de la grappe jetable des tests (``postgres_jetable.py``)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from aides_fonctions import champs_valides, photo
from serveur_reel import ServeurReel
from serveurs_locaux import attendre

from fonctions.stockage.postgresql import StockagePostgreSQL


@pytest.fixture
def serveur_postgresql(tmp_path, base_postgres, boite_smtp, recepteur_http):
    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url)
    serveur.variables["AIGUILLAGE_BASE_URL"] = base_postgres
    serveur.demarrer()
    yield serveur
    serveur.arreter()
    print(f"--- journal du serveur ---\n{serveur.journal()}")


def test_un_signalement_poste_est_relu_et_transmis_une_fois(serveur_postgresql, base_postgres,
                                                            boite_smtp):
    cle = str(uuid.uuid4())
    envoi = {"data": champs_valides(description="Trou énorme"), "headers": {"Idempotency-Key": cle},
             "files": [("photos", ("trou.jpg", photo(taille=(320, 240)), "image/jpeg"))]}
    with httpx.Client(base_url=serveur_postgresql.url, timeout=30) as client:
        cree = client.post("/api/signalements", **envoi)
        assert cree.status_code == 201, cree.text
        rejoue = client.post("/api/signalements", **envoi)
    assert (rejoue.status_code, rejoue.json()) == (200, cree.json())
    reference = cree.json()["reference"]

    attendre(lambda: len(boite_smtp.courriels) == 1, message="courriel non reçu")
    assert reference.encode() in boite_smtp.courriels[0]["contenu"]
    stockage = StockagePostgreSQL(base_postgres)
    try:
        attendre(lambda: stockage.lire_signalement(reference)["etat"] == "transmis",
                 message="signalement non transmis")
        attendre(lambda: stockage.lister_envois() == [], message="boîte d'envoi non vidée")
        signalement = stockage.lire_signalement(reference)
        assert signalement["description"] == "Trou énorme"
        assert stockage.lire_photo(reference, "photo-1.jpg")[:2] == b"\xff\xd8"
        assert stockage.compter_signalements() == 1
    finally:
        stockage.fermer()
    # Rien dans le dossier de TinyDB : tout est dans la base.
    assert not (serveur_postgresql.donnees / "signalements").exists()
    assert not (serveur_postgresql.donnees / "journal").exists()
    serveur_postgresql.arreter()
    assert len(boite_smtp.courriels) == 1  # transmis une fois, pas deux


def test_la_sonde_de_sante_dit_503_en_francais_quand_la_base_ne_repond_plus(
        tmp_path, boite_smtp, recepteur_http):
    """Une grappe jetable à elle (celle de la session sert aux autres tests) : arrêtée
    comme par une panne, la sonde dit 503 en français ; redémarrée, 200 de nouveau."""
    from postgres_jetable import GrappeJetable

    grappe = GrappeJetable()
    serveur = None
    try:
        grappe.demarrer()
        serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url)
        serveur.variables["AIGUILLAGE_BASE_URL"] = grappe.url()
        serveur.demarrer()
        with httpx.Client(base_url=serveur.url, timeout=30) as client:
            sante = client.get("/api/sante")
            assert sante.status_code == 200, sante.text
            assert sante.json()["etat"] == "ok" and sante.json()["base"] == "ok"

            grappe.suspendre()
            panne = client.get("/api/sante")
            assert panne.status_code == 503, panne.text
            assert panne.headers["Retry-After"] == "30"
            message = panne.json()["erreurs"][0]["message"]
            assert message.startswith("Service indisponible : la base PostgreSQL ")
            assert "réessayez dans quelques minutes" in message

            grappe.reprendre()
            attendre(lambda: client.get("/api/sante").status_code == 200,
                     message="la sonde ne revient pas à 200 avec la base")
    finally:
        if serveur is not None:
            serveur.arreter()
        grappe.arreter()
