from __future__ import annotations

import json

import httpx
import pytest
from serveurs_locaux import RecepteurHTTP, port_libre

from fonctions.socle.client_http import ClientHTTPFichier, ClientHTTPReel, ErreurReseau


@pytest.fixture
def recepteur():
    recepteur = RecepteurHTTP()
    yield recepteur
    recepteur.arreter()


def test_le_client_reel_poste_et_rend_le_statut(recepteur):
    client = ClientHTTPReel()
    try:
        reponse = client.post(f"{recepteur.url}/crochet", contenu=b'{"a": 1}',
                              entetes={"X-Test": "oui"})
        formulaire = client.post(f"{recepteur.url}/requests.json", formulaire={"a": "é"})
    finally:
        client.fermer()
    assert (reponse.statut, reponse.texte) == (200, "{}")
    assert recepteur.requetes[0]["entetes"]["X-Test"] == "oui"
    assert recepteur.requetes[0]["entetes"]["User-Agent"] == "Aiguillage/0.1"
    assert recepteur.requetes[1]["corps"] == b"a=%C3%A9"
    assert formulaire.statut == 200


def test_une_redirection_n_est_pas_suivie():
    transport = httpx.MockTransport(lambda r: httpx.Response(302, headers={"Location": "http://ailleurs"}))
    client = ClientHTTPReel(transport=transport)
    assert client.post("http://127.0.0.1/x").statut == 302
    client.fermer()


def test_un_service_injoignable_est_une_erreur_reseau():
    client = ClientHTTPReel()
    with pytest.raises(ErreurReseau, match="ConnectError"):
        client.post(f"http://127.0.0.1:{port_libre()}/x", contenu=b"{}")
    client.fermer()


def test_en_developpement_la_requete_est_ecrite_dans_un_fichier(tmp_path, caplog):
    caplog.set_level("INFO")
    client = ClientHTTPFichier(tmp_path)
    reponse = client.post("https://mairie.example.org/crochet", contenu=b'{"a": 1}',
                          entetes={"Aiguillage-Signature": "t=1,v1=x"})
    (fichier,) = tmp_path.iterdir()
    assert (reponse.statut, reponse.texte) == (202, "")
    assert json.loads(fichier.read_text()) == {
        "methode": "POST", "url": "https://mairie.example.org/crochet",
        "entetes": {"Aiguillage-Signature": "t=1,v1=x"}, "corps": '{"a": 1}', "formulaire": None}
    assert str(fichier) in caplog.text
