from __future__ import annotations

import time
from dataclasses import replace

import pytest
from aides_fonctions import TestClient, champs_valides
from aides_suivi import jeton_de_suivi, poster

from fonctions.app import construire_contexte, creer_app
from fonctions.reglages import ErreurReglages


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
