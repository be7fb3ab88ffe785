from __future__ import annotations


def test_la_sonde_dit_que_le_serveur_repond_avec_son_modele(client):
    reponse = client.get("/api/sante")
    assert reponse.status_code == 200
    assert reponse.json() == {"etat": "ok", "modele": "0" * 63 + "1"}
