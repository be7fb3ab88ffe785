"""Les listes publiques du serveur Open311 de bout en bout : le vrai serveur (uvicorn,
``serveur_reel.py``), sur TinyDB et son journal comme sur PostgreSQL à deux processus ;
les pages passent par les index par date, et la limite de listes par adresse (partagée par
les processus sur PostgreSQL) répond 429 au format d'Open311."""

from __future__ import annotations

import re
import uuid

import pytest
from conformite_openapi import client_verifie
from serveur_reel import ServeurReel

CLE = "cle-de-l-appli-du-tableau-de-bord"
LIMITE = 6
V2 = "/api/open311/v2"


@pytest.fixture(params=["tinydb", "postgresql"])
def serveur(request, tmp_path, boite_smtp, recepteur_http):
    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url)
    serveur.variables["AIGUILLAGE_CLIENT_OPEN311_APPLI"] = CLE
    serveur.variables["AIGUILLAGE_LIMITE_LISTES_OPEN311"] = f"{LIMITE}/600"
    if request.param == "postgresql":
        serveur.variables["AIGUILLAGE_BASE_URL"] = request.getfixturevalue("base_postgres")
        serveur.arguments = ["--workers", "2"]
    serveur.demarrer()
    yield serveur
    serveur.arreter()
    print(f"--- journal du serveur ---\n{serveur.journal()}")


def test_les_listes_se_lisent_par_pages_puis_sont_limitees_par_adresse(serveur):
    with client_verifie(serveur.url, timeout=30) as client:
        references = []
        for numero, commune in enumerate(("56001", "56002", "56003", "56001", "56002")):
            reponse = client.post(f"{V2}/requests.json", headers={
                "Idempotency-Key": str(uuid.uuid4())}, data={
                "api_key": CLE, "service_code": "voirie.nid-de-poule",
                "attribute[commune]": commune, "attribute[taille]": "Plus grand",
                "address_string": f"{numero} place de la Mairie",
                "description": f"Trou numéro {numero}, signalé par M. Durand."})
            assert reponse.status_code == 201, reponse.text
            references.append(reponse.json()[0]["service_request_id"])

        # Tout de suite listées (le journal de TinyDB matérialise à la barrière).
        toutes = client.get(f"{V2}/requests.json").json()
        assert sorted(d["service_request_id"] for d in toutes) == sorted(references)
        dates = [d["requested_datetime"] for d in toutes]
        assert dates == sorted(dates, reverse=True)
        pages = [client.get(f"{V2}/requests.json", params={"page_size": "2", "page": page})
                 for page in (1, 2, 3)]
        # (les états, eux, changent pendant ce temps : la boîte d'envoi transmet)
        assert [d["service_request_id"] for p in pages for d in p.json()] == [
            d["service_request_id"] for d in toutes]
        etapes = client.get(f"{V2}/servicerequestupdates.xml")
        assert etapes.status_code == 200
        assert all(r.encode() in etapes.content for r in references)
        assert b"Durand" not in etapes.content
        assert client.get(f"{V2}/requests.json", params={
            "status": "closed"}).json() == []  # la sixième liste de cette adresse

        # Au-delà : 429 au format d'Open311, en français, avec Retry-After ; une demande par
        # son identifiant n'est pas une liste.
        for chemin in ("requests.json", "servicerequestupdates.xml"):
            refus = client.get(f"{V2}/{chemin}")
            assert refus.status_code == 429, refus.text
            assert 1 <= int(refus.headers["retry-after"]) <= 600
            assert re.search(r"Trop de listes demandées depuis cette connexion : réessayez "
                             r"dans \d+ minutes?\.", refus.text)
        assert b"<code>429</code>" in refus.content
        assert client.get(f"{V2}/requests/{references[0]}.json").status_code == 200
