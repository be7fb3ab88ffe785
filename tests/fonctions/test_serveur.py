from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest
from aides_fonctions import CHEMIN_MODELE, TestClient, champs_valides

from fonctions.serveur import creer_serveur, routes_du_site


@pytest.fixture
def site(tmp_path):
    dossier = tmp_path / "sortie"
    (dossier / "voirie" / "nid-de-poule").mkdir(parents=True)
    (dossier / "index.html").write_text("<h1>Accueil</h1>", encoding="utf-8")
    (dossier / "voirie" / "nid-de-poule" / "index.html").write_text("<h1>Nid</h1>", encoding="utf-8")
    (dossier / "404.html").write_text("<h1>Perdu</h1>", encoding="utf-8")
    return dossier


def test_le_site_et_les_fonctions_partagent_une_seule_origine(reglages, site):
    with TestClient(creer_serveur(replace(reglages, site=site))) as client:
        assert client.get("/").text == "<h1>Accueil</h1>"
        assert client.get("/voirie/nid-de-poule/").text == "<h1>Nid</h1>"
        redirection = client.get("/voirie/nid-de-poule", follow_redirects=False)
        assert redirection.status_code in (301, 307, 308)
        assert redirection.headers["location"].endswith("/voirie/nid-de-poule/")
        absent = client.get("/nulle-part/")
        assert (absent.status_code, absent.text) == (404, "<h1>Perdu</h1>")
        assert client.get("/api/sante").status_code == 200
        assert client.get("/api/inconnue").json()["erreurs"][0]["message"] == (
            "Cette adresse n'existe pas.")
        assert client.post("/api/signalements", json=champs_valides()).status_code == 201


def test_un_site_pas_encore_construit_le_dit(reglages, tmp_path):
    with TestClient(creer_serveur(replace(reglages, site=tmp_path / "absent"))) as client:
        reponse = client.get("/voirie/")
        assert reponse.status_code == 503
        assert "make construire" in reponse.text
        assert client.get("/api/sante").status_code == 200


def test_sans_dossier_de_site_seules_les_fonctions_sont_servies():
    assert routes_du_site(None) == []


def test_le_processus_qui_sert_regle_son_ramasse_miettes(tmp_path):
    # Dans un processus à part : le réglage vaut pour tout le processus.
    programme = (
        "import gc\n"
        "from fonctions.serveur import SEUIL_DU_RAMASSE_MIETTES, application\n"
        "application()\n"
        "assert gc.get_threshold()[0] == SEUIL_DU_RAMASSE_MIETTES, gc.get_threshold()\n"
        "assert gc.get_freeze_count() > 1000\n"
    )
    environnement = {**os.environ, "AIGUILLAGE_DONNEES": str(tmp_path / "donnees"),
                     "AIGUILLAGE_MODELE": str(CHEMIN_MODELE), "AIGUILLAGE_SITE": "-"}
    resultat = subprocess.run([sys.executable, "-c", programme], env=environnement,
                              capture_output=True, text=True, timeout=60)
    assert resultat.returncode == 0, resultat.stderr
