from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest
from aides_fonctions import CHEMIN_MODELE, RACINE
from starlette.requests import Request
from starlette.responses import JSONResponse

from arbre.gabarits import THEME
from fonctions.domaine.modele import SourceModele
from fonctions.domaine.validation import Erreur
from fonctions.web.pages import (
    CSP_DU_SITE,
    CSP_SANS_SCRIPT,
    ReponseJSON,
    gabarits_introuvables,
    libelle_du_champ,
    page,
    reponse_erreurs,
    veut_du_html,
)

GABARITS_DES_FONCTIONS = RACINE / "fonctions" / "gabarits"


def requete(type_: str = "", accept: str = "") -> Request:
    """Une requête dont l'état porte ce que ``page`` lit : le modèle courant."""
    etat = {"aiguillage": SimpleNamespace(modele=SourceModele(CHEMIN_MODELE))}
    return Request({"type": "http", "method": "POST", "query_string": b"", "state": etat,
                    "headers": [(b"content-type", type_.encode()), (b"accept", accept.encode())]})


def test_seul_un_formulaire_envoye_par_un_navigateur_recoit_du_html():
    navigateur = "text/html,application/xhtml+xml,*/*;q=0.8"
    assert veut_du_html(requete("application/x-www-form-urlencoded", navigateur))
    assert veut_du_html(requete("multipart/form-data; boundary=x", navigateur))
    assert not veut_du_html(requete("multipart/form-data; boundary=x", "*/*"))
    assert not veut_du_html(requete("application/json", navigateur))


def test_une_page_des_fonctions_a_l_en_tete_le_pied_et_la_feuille_du_site_sans_script():
    reponse = page(requete(), "message.html", 404, titre="Lien introuvable",
                   message="Ce lien <b>n'est pas</b> valide.")
    texte = reponse.body.decode()
    assert reponse.status_code == 404
    noms = ("cache-control", "referrer-policy", "x-robots-tag", "content-security-policy")
    assert {nom: reponse.headers[nom] for nom in noms} == {
        "cache-control": "no-store", "referrer-policy": "no-referrer", "x-robots-tag": "noindex",
        "content-security-policy": CSP_SANS_SCRIPT}
    assert "<title>Lien introuvable – Aiguillage · Communauté de communes du Val d&#39;Essai</title>" in texte
    assert '<link rel="stylesheet" href="/theme/css/aiguillage.css">' in texte
    assert '<link rel="stylesheet" href="/theme/css/fonctions.css">' in texte
    assert '<meta name="referrer" content="no-referrer">' in texte
    assert '<header class="entete entete-compacte">' in texte and '<footer class="pied">' in texte
    assert '<p class="marque"><a href="/">Qui s\'en occupe&nbsp;?</a>' in texte
    assert '<main id="contenu" tabindex="-1">\n<h1>Lien introuvable</h1>' in texte
    assert "<p>Ce lien &lt;b&gt;n&#39;est pas&lt;/b&gt; valide.</p>" in texte
    assert "<script" not in texte


def test_la_politique_sans_script_permet_la_feuille_de_style_du_site_et_rien_d_autre():
    assert CSP_SANS_SCRIPT == ("default-src 'none'; style-src 'self'; img-src 'self'; "
                               "manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                               "base-uri 'none'")


def test_une_page_avec_les_scripts_du_site_a_aussi_sa_politique_de_contenu():
    reponse = page(requete(), "recherche.html", scripts=True, adresse_page="/recherche/",
                   requete="", resultats=[], rendu_serveur=True, etat="")
    texte = reponse.body.decode()
    assert reponse.headers["content-security-policy"] == CSP_DU_SITE
    assert reponse.headers["cache-control"] == "no-store"
    assert '<script type="module" src="/theme/js/aiguillage.js"></script>' in texte
    assert '<script type="module" src="/theme/js/recherche-ui.js"></script>' in texte


def test_les_pages_des_services_n_ont_pas_la_recherche_des_habitants():
    texte = page(requete(), "coordination_connexion.html", message=None).body.decode()
    assert '<header class="entete entete-compacte">' in texte
    assert 'role="search"' not in texte
    citoyen = page(requete(), "message.html", titre="T", message="M").body.decode()
    assert 'role="search"' in citoyen


def test_chaque_page_des_fonctions_etend_le_gabarit_du_site():
    for chemin in sorted(GABARITS_DES_FONCTIONS.glob("*.html")):
        texte = chemin.read_text(encoding="utf-8")
        if chemin.name.startswith("courriel") or chemin.name.startswith("_") and (
                "{% extends" not in texte):
            continue  # les courriels, et les morceaux inclus dans une page
        assert re.search(r'^\{% extends "(_page|_page_service|base)\.html" %\}$|^\{% extends gabarit %\}$',
                         texte, re.MULTILINE), chemin.name
        assert "<html" not in texte and "<style" not in texte, chemin.name


def test_aucun_gabarit_des_fonctions_ne_cache_un_gabarit_du_site():
    fonctions = {p.name for p in GABARITS_DES_FONCTIONS.iterdir()}
    site = {p.name for p in (THEME / "templates").iterdir()}
    assert fonctions & site == set()


def test_sans_les_gabarits_du_site_les_fonctions_disent_quoi_faire(tmp_path):
    assert gabarits_introuvables() is None
    assert gabarits_introuvables(tmp_path) == (
        f"Les gabarits du site sont introuvables ({tmp_path / 'templates'}) : les pages des "
        "fonctions les emploient. Installez les fonctions depuis le dépôt, avec "
        "« pip install -e . », et lancez-les depuis celui-ci.")


def test_la_feuille_des_fonctions_ne_part_pas_dans_le_hors_ligne():
    from arbre.hors_ligne import EXCLUS

    assert (THEME / "static" / "css" / "fonctions.css").is_file()
    assert "theme/css/fonctions.css" in EXCLUS


def test_les_erreurs_en_json_ont_une_forme_fixe():
    reponse = reponse_erreurs([Erreur("description", "Trop long."), Erreur(None, "Autre.")], 422,
                              entetes={"Retry-After": "2"})
    assert reponse.status_code == 422
    assert reponse.headers["retry-after"] == "2"
    assert json.loads(reponse.body) == {"erreurs": [
        {"champ": "description", "message": "Trop long."}, {"champ": None, "message": "Autre."}]}


def test_chaque_champ_a_un_libelle_en_francais(modele):
    assert libelle_du_champ("commune", None) == "Commune"
    assert libelle_du_champ("latitude", None) == "Position"
    assert libelle_du_champ(None, None) == "Envoi"
    assert libelle_du_champ("question-taille", modele.noeud("voirie/nid-de-poule")) == (
        "Quelle est la taille du trou ?")
    assert libelle_du_champ("question-inconnue", modele.noeud("voirie/nid-de-poule")) == (
        "question-inconnue")


def test_reponse_json_donne_les_memes_octets_que_starlette():
    corps = {"reference": "AIG-7K3M-Q9", "nom": "Mairie de Muzillac", "etape": "« reçu » ✓",
             "nombres": [1, 2.5, None, True]}
    assert ReponseJSON(corps).body == JSONResponse(corps).body
    with pytest.raises(ValueError):
        ReponseJSON({"latitude": float("nan")})
