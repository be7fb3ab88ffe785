from __future__ import annotations

import json

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse

from fonctions.pages import ReponseJSON, gabarits, libelle_du_champ, reponse_erreurs, veut_du_html
from fonctions.validation import Erreur


def requete(type_: str, accept: str) -> Request:
    return Request({"type": "http", "method": "POST", "query_string": b"",
                    "headers": [(b"content-type", type_.encode()), (b"accept", accept.encode())]})


def test_seul_un_formulaire_envoye_par_un_navigateur_recoit_du_html():
    navigateur = "text/html,application/xhtml+xml,*/*;q=0.8"
    assert veut_du_html(requete("application/x-www-form-urlencoded", navigateur))
    assert veut_du_html(requete("multipart/form-data; boundary=x", navigateur))
    assert not veut_du_html(requete("multipart/form-data; boundary=x", "*/*"))
    assert not veut_du_html(requete("application/json", navigateur))


def test_les_erreurs_en_json_ont_une_forme_fixe():
    reponse = reponse_erreurs([Erreur("description", "Trop long."), Erreur(None, "Autre.")], 422)
    assert reponse.status_code == 422
    assert json.loads(reponse.body) == {"erreurs": [
        {"champ": "description", "message": "Trop long."}, {"champ": None, "message": "Autre."}]}


def test_la_page_d_erreurs_dit_quoi_corriger_avec_un_lien_de_retour(modele):
    reponse = reponse_erreurs([Erreur("question-taille", "Répondez."),
                               Erreur("description", "<script>alert(1)</script>")], 422,
                              html=True, noeud=modele.noeud("voirie/nid-de-poule"),
                              retour="/voirie/nid-de-poule/bourg-les-essais/")
    page = reponse.body.decode()
    assert reponse.status_code == 422
    assert reponse.headers["content-type"] == "text/html; charset=utf-8"
    assert '<html lang="fr">' in page
    assert "<strong>Quelle est la taille du trou ?</strong> : Répondez." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert '<a href="/voirie/nid-de-poule/bourg-les-essais/">Revenir au formulaire</a>' in page
    assert reponse.headers["cache-control"] == "no-store"


def test_chaque_champ_a_un_libelle_en_francais(modele):
    assert libelle_du_champ("commune", None) == "Commune"
    assert libelle_du_champ(None, None) == "Envoi"
    assert libelle_du_champ("question-inconnue", modele.noeud("voirie/nid-de-poule")) == (
        "question-inconnue")


def test_reponse_json_donne_les_memes_octets_que_starlette():
    corps = {"reference": "AIG-7K3M-Q9", "nom": "Mairie de Muzillac", "etape": "« reçu » ✓",
             "nombres": [1, 2.5, None, True]}
    assert ReponseJSON(corps).body == JSONResponse(corps).body
    with pytest.raises(ValueError):
        ReponseJSON({"latitude": float("nan")})


def test_les_gabarits_ecrivent_au_guerno_et_d_enedis():
    gabarit = gabarits.from_string("{{ 'Le Guerno'|a_la_commune }}, {{ 'Muzillac'|a_la_commune }} ; "
                                   "liens {{ 'Enedis'|de_service }}, {{ 'Mairie de Muzillac'|de_service }}")
    # Un gabarit sans nom est échappé comme du HTML : l'apostrophe y est &#39;.
    assert gabarit.render() == "au Guerno, à Muzillac ; liens d&#39;Enedis, de Mairie de Muzillac"
