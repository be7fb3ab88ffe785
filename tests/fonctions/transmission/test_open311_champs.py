from __future__ import annotations

from fonctions.transmission.open311_champs import (
    code_attribut,
    description_open311,
    racine,
    url_des_demandes,
)


def test_la_description_et_l_adresse_suivent_georeport():
    assert url_des_demandes("https://x/v2/") == "https://x/v2/requests.json"
    assert url_des_demandes("https://x/v2/requests.json") == "https://x/v2/requests.json"
    longue = description_open311({"reference": "AIG-7K3M-Q2", "description": "é" * 4000})
    assert len(longue) == 4000
    assert longue.endswith("…\n\n[Aiguillage AIG-7K3M-Q2]")


def test_l_adresse_du_contenu_peut_nommer_requests_json_ou_xml():
    for adresse in ("https://x/v2", "https://x/v2/", "https://x/v2/requests.json",
                    "https://x/v2/requests.xml"):
        assert racine(adresse) == "https://x/v2/"
    assert url_des_demandes("https://x/v2/requests.xml", "xml") == "https://x/v2/requests.xml"


def test_la_description_garde_les_reponses_et_la_marque_entiere():
    signalement = {"reference": "AIG-7K3M-Q2", "description": "Trou.",
                   "reponses": [{"id": "taille", "libelle": "Taille ?", "valeur": "Grande"}]}
    assert description_open311(signalement) == (
        "Trou.\n\nTaille ? : Grande\n\n[Aiguillage AIG-7K3M-Q2]")
    assert code_attribut("taille-du-trou") == "taille_du_trou"
