"""Ce que montre le serveur Open311 (``fonctions/points_d_entree/open311_catalogue.py``) :
codes des services, groupes, vue publique d'une demande, lieu caché d'une issue sensible."""

from __future__ import annotations

import json

from aides_fonctions import CHEMIN_MODELE, modele_brut
from aides_open311 import V2, client_avec_cle, demande

from fonctions.domaine.modele import Modele, charger_modele
from fonctions.points_d_entree import open311_catalogue as catalogue


def test_le_code_d_un_service_est_l_identifiant_de_l_issue_sans_barre():
    modele = charger_modele(CHEMIN_MODELE)
    assert catalogue.code_de("voirie/nid-de-poule") == "voirie.nid-de-poule"
    assert catalogue.issue_de(modele, "voirie.nid-de-poule")["id"] == "voirie/nid-de-poule"
    assert catalogue.issue_de(modele, "je-ne-trouve-pas")["id"] == "je-ne-trouve-pas"
    for code in ("voirie", "gaz", "danger", "", "voirie.nulle-part"):  # pas des issues à signaler
        assert catalogue.issue_de(modele, code) is None


def test_une_partie_partagee_du_parcours_a_le_code_lisible_de_son_adresse():
    donnees = modele_brut()
    parc = {**donnees["noeuds"]["voirie/nid-de-poule"], "id": "_partages/arbre-tombe/parc",
            "url": "/partages/arbre-tombe/parc/"}
    donnees["noeuds"]["_partages/arbre-tombe/parc"] = parc
    modele = Modele(donnees)
    assert catalogue.code_de("_partages/arbre-tombe/parc") == "partages.arbre-tombe.parc"
    assert catalogue.service(modele, parc)["service_code"] == "partages.arbre-tombe.parc"
    assert catalogue.issue_de(modele, "partages.arbre-tombe.parc")["id"] == parc["id"]
    # L'ancien code, publié avant la règle, reste accepté.
    assert catalogue.issue_de(modele, "_partages.arbre-tombe.parc")["id"] == parc["id"]
    assert catalogue.noeuds_du_code("partages.arbre-tombe.parc") == [
        "_partages/arbre-tombe/parc", "partages/arbre-tombe/parc"]


def test_est_sensible_une_issue_marquee_un_autre_probleme_ou_une_issue_retiree():
    donnees = modele_brut()
    donnees["noeuds"]["voirie/depot-sauvage"]["sensible"] = True
    modele = Modele(donnees)
    assert not catalogue.est_sensible(modele, "voirie/nid-de-poule")
    assert catalogue.est_sensible(modele, "voirie/depot-sauvage")
    assert catalogue.est_sensible(modele, "je-ne-trouve-pas")
    assert catalogue.est_sensible(modele, "voirie/retiree-depuis")
    assert catalogue.est_sensible(modele, None)


def test_une_issue_sensible_ne_montre_que_la_commune(fabrique_client, tmp_path):
    donnees = modele_brut()
    donnees["noeuds"]["voirie/nid-de-poule"]["sensible"] = True
    chemin = tmp_path / "modele.json"
    chemin.write_text(json.dumps(donnees), encoding="utf-8")
    client = client_avec_cle(fabrique_client, modele=chemin)
    reference = client.post(f"{V2}/requests.json", data=demande()).json()[0][
        "service_request_id"]
    publique = client.get(f"{V2}/requests/{reference}.json").json()[0]
    assert (publique["address"], publique["lat"], publique["long"]) == (
        "Bourg-les-Essais", None, None)
    assert "rue des Écoles" not in client.get(f"{V2}/servicerequestupdates.xml").text
