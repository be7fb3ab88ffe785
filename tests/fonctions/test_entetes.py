from __future__ import annotations


def test_l_api_n_est_jamais_mise_en_cache_et_ne_fuit_pas_dans_le_referer(client):
    reponse = client.get("/api/sante")
    assert reponse.headers["x-content-type-options"] == "nosniff"
    assert reponse.headers["cache-control"] == "no-store"
    assert reponse.headers["referrer-policy"] == "no-referrer"


def test_les_pages_hors_api_gardent_leur_cache(client):
    reponse = client.get("/ailleurs")
    assert reponse.headers["x-content-type-options"] == "nosniff"
    assert "referrer-policy" not in reponse.headers or reponse.status_code == 404


def test_la_page_de_suivi_n_est_ni_indexee_ni_source_de_referer(client):
    reponse = client.get("/suivi/")
    assert reponse.headers["referrer-policy"] == "no-referrer"
    assert reponse.headers["x-robots-tag"] == "noindex"
    assert client.get("/api/sante").headers["x-robots-tag"] == "noindex"
