from __future__ import annotations

import pytest
from starlette.requests import Request

from fonctions.web.gardes import cible_du_jeton, code_de_formulaire, formulaire_accepte, origine_acceptee


def requete(client, **entetes) -> Request:
    contexte = client.app_state["aiguillage"]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": [
        (k.lower().encode(), v.encode()) for k, v in entetes.items()],
        "state": {"aiguillage": contexte}})


@pytest.mark.parametrize(("entetes", "accepte"), [
    ({}, True),
    ({"Sec-Fetch-Site": "same-origin"}, True),
    ({"Sec-Fetch-Site": "same-origin", "Origin": "null"}, True),
    ({"Sec-Fetch-Site": "none"}, True),
    ({"Sec-Fetch-Site": "same-site"}, False),
    ({"Sec-Fetch-Site": "cross-site"}, False),
    ({"Origin": "https://aiguillage.example.org"}, True),
    ({"Origin": "null"}, True),
    ({"Origin": "https://aiguillage.example.org.pirate.example"}, False),
    ({"Origin": "http://aiguillage.example.org"}, False),
])
def test_seuls_nos_propres_formulaires_passent(client, entetes, accepte):
    assert origine_acceptee(requete(client, **entetes)) is accepte


def test_le_code_d_un_formulaire_est_lie_a_son_lien(client):
    code = code_de_formulaire(requete(client), "AIG-7K3M-Q2.1.abc.def")
    assert len(code) == 27
    assert formulaire_accepte(requete(client), "AIG-7K3M-Q2.1.abc.def", code)
    assert not formulaire_accepte(requete(client), "AIG-7K3M-Q2.2.abc.def", code)
    assert not formulaire_accepte(requete(client), "AIG-7K3M-Q2.1.abc.def", None)


@pytest.mark.parametrize(("jeton", "cible"), [
    ("AIG-7K3M-Q2.abcdef", "AIG-7K3M-Q2"),                 # suivi
    ("AIG-7K3M-Q2.1.67cf1a80.abcdef", "AIG-7K3M-Q2"),      # agent
    ("Y29vcmRpbmF0aW9u.67cf1a80.abcdef", "Y29vcmRpbmF0aW9u"),  # coordination : son début
    ("pas-un-jeton", "pas-un-jeton"),
    ("x" * 500, "x" * 64),
    ("", ""),
])
def test_un_jeton_faux_compte_pour_ce_qu_il_vise(jeton, cible):
    assert cible_du_jeton(jeton) == cible
