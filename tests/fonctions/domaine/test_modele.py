from __future__ import annotations

import json
import os

import pytest
from aides_fonctions import CHEMIN_MODELE, modele_brut

from fonctions.domaine.modele import ErreurModele, Modele, SourceModele, charger_modele


def test_un_modele_absent_dit_comment_le_construire(tmp_path):
    with pytest.raises(ErreurModele) as erreur:
        charger_modele(tmp_path / "modele.json")
    assert str(erreur.value) == (
        f"Le modèle {tmp_path / 'modele.json'} est introuvable : construisez le site "
        "(make construire) ou indiquez son chemin dans AIGUILLAGE_MODELE.")


def test_un_modele_illisible_ou_d_une_autre_version_est_refuse(tmp_path):
    chemin = tmp_path / "modele.json"
    chemin.write_text("{pas du json", encoding="utf-8")
    with pytest.raises(ErreurModele, match="n'est pas un JSON valide"):
        charger_modele(chemin)
    chemin.write_text(json.dumps({**modele_brut(), "version": 99}), encoding="utf-8")
    with pytest.raises(ErreurModele, match="Version de modèle inconnue"):
        charger_modele(chemin)
    chemin.write_text(json.dumps({"version": 1}), encoding="utf-8")
    with pytest.raises(ErreurModele, match="incomplet"):
        charger_modele(chemin)


def test_le_service_d_une_issue_qui_depend_de_la_commune_est_lu_commune_par_commune(modele):
    noeud = modele.noeud("voirie/nid-de-poule")
    assert modele.gestionnaire_de(noeud, "56001")["id"] == "mairie-bourg-les-essais"
    assert modele.gestionnaire_de(noeud, "56002")["id"] == "mairie-saint-exemple"
    assert modele.gestionnaire_de(noeud, "56003")["id"] == "cc-val-d-essai"
    assert modele.gestionnaire_de(noeud, None) is None
    assert modele.gestionnaire_de(noeud, "99999") is None


def test_le_service_d_une_issue_commune_a_tout_le_territoire_ne_demande_pas_la_commune(modele):
    noeud = modele.noeud("voirie/depot-sauvage")
    assert modele.gestionnaire_de(noeud, None)["id"] == "cc-val-d-essai"
    assert modele.gestionnaire_de(noeud, "56002")["id"] == "cc-val-d-essai"


def test_le_parcours_donne_chaque_question_et_la_reponse_choisie(modele):
    assert modele.parcours(modele.noeud("voirie/nid-de-poule")) == [
        {"question": "Qu'avez-vous constaté ?", "reponse": "La rue, le trottoir, la route"},
        {"question": "Qu'avez-vous constaté sur la voie publique ?",
         "reponse": "Un nid-de-poule"},
    ]


def test_la_coordination_et_les_communes_sont_lues_du_territoire(modele):
    assert modele.coordination_courriels == ["coordination@val-d-essai.example.org"]
    assert modele.commune("56003")["nom"] == "La Roche-Témoin"
    assert isinstance(modele, Modele)


def test_le_modele_est_recharge_quand_le_site_est_reconstruit(tmp_path):
    chemin = tmp_path / "modele.json"
    chemin.write_text(CHEMIN_MODELE.read_text(encoding="utf-8"), encoding="utf-8")
    source = SourceModele(chemin, intervalle=0)
    assert source.actuel().empreinte.endswith("1")
    chemin.write_text(json.dumps({**modele_brut(), "empreinte": "nouvelle"}), encoding="utf-8")
    os.utime(chemin, ns=(1, 1))
    assert source.actuel().empreinte == "nouvelle"


def test_la_date_du_modele_n_est_regardee_qu_une_fois_par_intervalle(tmp_path):
    chemin = tmp_path / "modele.json"
    chemin.write_text(CHEMIN_MODELE.read_text(encoding="utf-8"), encoding="utf-8")
    source = SourceModele(chemin, intervalle=3600)
    chemin.write_text(json.dumps({**modele_brut(), "empreinte": "nouvelle"}), encoding="utf-8")
    os.utime(chemin, ns=(1, 1))
    assert source.actuel().empreinte.endswith("1")  # dans l'intervalle : pas encore vu
    source._prochain_regard = 0  # l'intervalle est passé
    assert source.actuel().empreinte == "nouvelle"


def test_un_modele_casse_en_cours_de_route_laisse_l_ancien_en_service(tmp_path, caplog):
    chemin = tmp_path / "modele.json"
    chemin.write_text(CHEMIN_MODELE.read_text(encoding="utf-8"), encoding="utf-8")
    source = SourceModele(chemin, intervalle=0)
    chemin.write_text("{", encoding="utf-8")
    os.utime(chemin, ns=(2, 2))
    assert source.actuel().empreinte.endswith("1")
    assert "L'ancien modèle reste en service." in caplog.text


def test_l_issue_je_ne_trouve_pas_se_lit_comme_une_issue_et_va_a_la_coordination(modele):
    noeud = modele.noeud("je-ne-trouve-pas")
    assert (noeud["type"], noeud["libelle"]) == ("transmission", "Un autre problème")
    assert modele.gestionnaire_de(noeud, "56002") == modele.gestionnaire_de(noeud, None) == {
        "id": "coordination", "nom": "Coordination des signalements du Val d'Essai",
        "transmission": {"canal": None}, "delai_prise_en_charge": None, "telephone": None,
        "site": None}
    assert modele.parcours(noeud) == [{"question": "Qu'avez-vous constaté ?",
                                       "reponse": "Un autre problème"}]


def test_un_modele_construit_avant_l_issue_je_ne_trouve_pas_ne_l_a_pas(tmp_path):
    ancien = modele_brut()
    del ancien["je_ne_trouve_pas"]
    assert Modele(ancien).noeud("je-ne-trouve-pas") is None


def test_un_modele_construit_avant_les_consignes_des_agents_dit_de_reconstruire(tmp_path):
    chemin = tmp_path / "modele.json"
    brut = modele_brut()
    del brut["agents"]
    chemin.write_text(json.dumps(brut), encoding="utf-8")
    with pytest.raises(ErreurModele) as erreur:
        charger_modele(chemin)
    assert str(erreur.value) == f"Le modèle {chemin} est incomplet : il manque 'agents'."


def test_les_messages_proposes_aux_agents_viennent_du_contenu(modele):
    assert modele.message_propose("programme") == "Nous vous dirons ici quand ce sera fait."
    assert modele.message_propose("message") == ""
    assert modele.consignes_agent({"id": "voirie/nid-de-poule"})[0] == (
        "Allez voir sur place sous 48 heures.")
    assert modele.consignes_agent({"id": "n-existe-plus"}) == []
