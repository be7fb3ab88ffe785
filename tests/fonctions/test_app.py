from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from aides_fonctions import CHEMIN_MODELE, TestClient, champs_valides
from aides_suivi import jeton_de_suivi, poster

from fonctions.app import construire_contexte, creer_app, creer_serveur, routes_du_site
from fonctions.socle.reglages import ErreurReglages


def test_l_application_est_composee_des_routes_de_chaque_module(reglages):
    app = creer_app(reglages)
    chemins = [getattr(route, "path", None) for route in app.routes]
    assert chemins == [
        "/api/signalements",
        "/api/signalements/{reference}/confirmation", "/api/signalements/{reference}/confirmation",
        "/api/suivi", "/api/suivi/etat", "/api/suivi/donnees", "/api/suivi/{action}",
        "/api/suivi/{jeton}",
        "/api/agent/{jeton}", "/api/agent/{jeton}", "/api/agent/{jeton}/photos/{nom}",
        "/api/agent/{jeton}/nouveau-lien",
        "/api/coordination", "/api/coordination", "/api/coordination/{jeton}",
        "/api/coordination/{jeton}",
        "/api/recherche/sans-resultat",
        "/api/webhook/{gestionnaire}", "/api/open311/v2/servicerequestupdates.json",
        "/api/open311/v2/servicerequestupdates.xml", "/api/photos/{reference}/{nom}",
        *(f"/api/open311/v2/{chemin}.{format_}" for format_ in ("json", "xml") for chemin in (
            "discovery", "services", "services/{code}", "requests", "requests",
            "requests/{reference}", "tokens/{jeton}", "servicerequestupdates")),
        "/api/push/cle", "/api/abonnements", "/api/abonnements",
        "/api/recherche", "/api/sante", "/api/openapi.json", "/api/{reste:path}"]


def test_une_adresse_inconnue_de_l_api_repond_en_json_et_en_francais(client):
    reponse = client.get("/api/inconnue")
    assert reponse.status_code == 404
    assert reponse.json() == {"erreurs": [{"champ": None, "message": "Cette adresse n'existe pas."}]}
    reponse = client.get("/api/signalements")
    assert reponse.status_code == 405
    assert reponse.json() == {"erreurs": [{"champ": None, "message": (
        "La méthode GET n'est pas permise ici.")}]}


def test_une_page_inconnue_hors_de_l_api_repond_en_html(client):
    reponse = client.get("/nulle-part")
    assert reponse.status_code == 404
    assert "Page introuvable" in reponse.text


def test_une_erreur_inattendue_repond_en_francais_sans_details(reglages, stockage, expediteur):
    class StockageEnPanne(type(stockage)):
        def creer_signalement(self, *args, **kwargs):
            raise RuntimeError("disque plein")

    panne = StockageEnPanne(reglages.donnees)
    app = creer_app(reglages, stockage=panne, expediteur=expediteur)
    with TestClient(app, raise_server_exceptions=False) as client:
        reponse = client.post("/api/signalements", json=champs_valides())
    panne.fermer()
    assert reponse.status_code == 500
    assert "disque plein" not in reponse.text
    assert reponse.json()["erreurs"][0]["message"].startswith("Une erreur inattendue")


def test_la_boite_d_envoi_tourne_dans_le_serveur_et_se_reveille_a_chaque_signalement(
        fabrique_client, expediteur):
    client = fabrique_client(envoi_integre=True, envoi_intervalle=3600.0)
    assert client.post("/api/signalements", json=champs_valides()).status_code == 201
    limite = time.monotonic() + 10
    while not expediteur.messages and time.monotonic() < limite:
        time.sleep(0.01)
    assert len(expediteur.messages) == 1


def test_la_production_refuse_de_demarrer_sans_les_secrets_des_services(reglages):
    production = replace(reglages, mode="production", secrets_webhook={})
    with pytest.raises(ErreurReglages) as erreur:
        construire_contexte(production)
    assert "AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE manque (Mairie de Saint-Exemple)." in (
        erreur.value.messages)


def test_en_developpement_les_envois_sortent_en_fichiers(reglages, caplog):
    contexte, fermer = construire_contexte(replace(reglages, envoi_web="fichier"))
    try:
        assert type(contexte.boite_envoi.canaux["webhook"].client).__name__ == "ClientHTTPFichier"
        assert type(contexte.boite_envoi.canaux["courriel"].expediteur).__name__ == (
            "ExpediteurFichier")
    finally:
        fermer()


def test_chaque_module_des_fonctions_a_son_fichier_de_tests():
    from aides_fonctions import RACINE

    tests = {p.name for p in (RACINE / "tests" / "fonctions").rglob("test_*.py")}
    sans_tests = []
    for module in (RACINE / "fonctions").rglob("*.py"):
        nom = module.stem.strip("_") or "init"
        paquet = module.parent.name
        candidats = {f"test_{nom}.py", f"test_{paquet}_{nom}.py"}
        if nom == "init":
            candidats = {f"test_{paquet}_canaux.py", f"test_{paquet}.py", "test_app.py"}
        if not candidats & tests:
            sans_tests.append(str(module.relative_to(RACINE)))
    assert sans_tests == []


@pytest.mark.parametrize(("proxies", "statut"), [((), 429), (("testclient",), 200)])
def test_x_forwarded_for_n_est_cru_que_des_mandataires_nommes(fabrique_client, proxies, statut):
    # Un lien faux depuis « 192.0.2.1 », puis le bon depuis « 192.0.2.2 » : si l'en-tête est
    # ignoré, les deux viennent de la même connexion, et la limite (1) tombe sur le bon.
    client = fabrique_client(limite_jetons=(1, 3600), proxies=proxies)
    corps = poster(client)
    faux = client.get("/api/suivi", headers={"Authorization": f"Jeton {corps['reference']}.x",
                                             "X-Forwarded-For": "192.0.2.1"})
    assert faux.status_code == 404
    bon = client.get("/api/suivi", headers={"Authorization": f"Jeton {jeton_de_suivi(corps)}",
                                            "X-Forwarded-For": "192.0.2.2"})
    assert bon.status_code == statut


# Le site et les fonctions sur une seule origine (creer_serveur, make demo)


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
        "from fonctions.app import SEUIL_DU_RAMASSE_MIETTES, application\n"
        "application()\n"
        "assert gc.get_threshold()[0] == SEUIL_DU_RAMASSE_MIETTES, gc.get_threshold()\n"
        "assert gc.get_freeze_count() > 1000\n"
    )
    environnement = {**os.environ, "AIGUILLAGE_DONNEES": str(tmp_path / "donnees"),
                     "AIGUILLAGE_MODELE": str(CHEMIN_MODELE), "AIGUILLAGE_SITE": "-"}
    resultat = subprocess.run([sys.executable, "-c", programme], env=environnement,
                              capture_output=True, text=True, timeout=300)  # une borne large, pas une attente
    assert resultat.returncode == 0, resultat.stderr
