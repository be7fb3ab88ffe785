"""Les règles des changements : qui peut faire quoi, depuis quel statut."""

from __future__ import annotations

import pytest
from aides_suivi import poster

from fonctions.domaine import actions
from fonctions.domaine.relances import escalader, relancer
from fonctions.domaine.suivi import ActionImpossible, Auteur

SERVICE = Auteur("service", "lien", "mairie-bourg-les-essais")
CITOYEN = Auteur("citoyen", "api")
COORDINATION = Auteur("coordination", "page")


@pytest.fixture
def transmis(client, boite):
    reference = poster(client)["reference"]
    boite.traiter_une_fois()
    suivi = client.app_state["aiguillage"].suivi

    def changer(action, auteur=SERVICE):
        return suivi.changer(reference, action, auteur)[0]

    return changer


def test_on_ne_prend_pas_en_charge_deux_fois_ni_un_signalement_resolu(transmis):
    transmis(actions.declarer(1, "pris_en_charge"))
    with pytest.raises(ActionImpossible, match="déjà pris en charge"):
        transmis(actions.declarer(1, "pris_en_charge"))
    transmis(actions.declarer(1, "resolu"))
    with pytest.raises(ActionImpossible, match="« Résolu » pour Mairie de Bourg-les-Essais"):
        transmis(actions.declarer(1, "en_cours"))


def test_un_statut_inconnu_ou_un_message_vide_est_refuse(transmis):
    with pytest.raises(ActionImpossible, match="Statut inconnu"):
        transmis(actions.declarer(1, "perdu"))
    with pytest.raises(ActionImpossible, match="Écrivez le message"):
        transmis(actions.declarer(1, "message", "  "))
    with pytest.raises(ActionImpossible, match="Choisissez un autre service que le vôtre"):
        transmis(actions.declarer(1, "pas_de_notre_ressort", motif="x",
                                  vers="mairie-bourg-les-essais"))
    with pytest.raises(ActionImpossible, match="2000 au plus"):
        transmis(actions.declarer(1, "message", "x" * 2001))


def test_un_message_ne_change_pas_le_statut(transmis):
    document = transmis(actions.declarer(1, "message", "Nous passons demain."))
    assert document["attributions"][0]["statut"] == "transmis"
    assert document["historique"][-1]["pour_le_citoyen"] == "Nous passons demain."


def test_la_coordination_reattribue_et_retire_les_liens_de_l_ancien_service(transmis):
    document = transmis(actions.reattribuer("mairie-saint-exemple", "Erreur de commune."),
                        COORDINATION)
    premiere, seconde = document["attributions"]
    assert (premiere["statut"], premiere["revoque_le"]) == (
        "reattribue", "2025-03-10T09:00:00+00:00")
    assert (seconde["gestionnaire"], seconde["statut"]) == ("mairie-saint-exemple",
                                                            "a_transmettre")
    with pytest.raises(ActionImpossible, match="n'existe pas"):
        transmis(actions.reattribuer("inconnu"), COORDINATION)


def test_confirmer_et_rouvrir_ne_valent_qu_apres_resolu(transmis):
    with pytest.raises(ActionImpossible, match="n'est pas marqué résolu"):
        transmis(actions.confirmer(), CITOYEN)
    with pytest.raises(ActionImpossible, match="n'est pas marqué résolu"):
        transmis(actions.rouvrir(None), CITOYEN)
    transmis(actions.declarer(1, "resolu"))
    document = transmis(actions.rouvrir("Toujours là."), CITOYEN)
    attribution = document["attributions"][0]
    assert (attribution["statut"], attribution["echeance"]) == (
        "rouvert", "2025-03-13T09:00:00+00:00")
    transmis(actions.declarer(1, "resolu"))
    document = transmis(actions.confirmer(), CITOYEN)
    assert document["etat"] == "confirme"
    with pytest.raises(ActionImpossible, match="déjà confirmé"):
        transmis(actions.rouvrir(None), CITOYEN)
    with pytest.raises(ActionImpossible, match="confirmé la résolution"):
        transmis(actions.reattribuer("mairie-saint-exemple"), COORDINATION)


def test_trois_photos_ajoutees_au_plus(transmis):
    photo = (b"\xff\xd8jpeg", 10, 10)
    for _ in range(3):
        transmis(actions.completer(None, photo), CITOYEN)
    with pytest.raises(ActionImpossible, match="3 photos ajoutées au plus"):
        transmis(actions.completer(None, photo), CITOYEN)


def test_une_relance_n_est_faite_qu_une_fois_et_seulement_en_attente(transmis):
    document = transmis(relancer(1, 2), Auteur("aiguillage", "relances"))
    assert document["attributions"][0]["echeance_escalade"] == "2025-03-12T09:00:00+00:00"
    nombre = len(document["historique"])
    document = transmis(relancer(1, 2), Auteur("aiguillage", "relances"))
    assert len(document["historique"]) == nombre
    transmis(actions.declarer(1, "pris_en_charge"))
    document = transmis(escalader(1), Auteur("aiguillage", "relances"))
    assert document["attributions"][0].get("escalade_le") is None


def test_je_ne_trouve_pas_deja_confie_par_la_coordination_n_est_plus_a_orienter(client):
    reference = poster(client, noeud="je-ne-trouve-pas")["reference"]
    suivi = client.app_state["aiguillage"].suivi
    suivi.changer(reference, actions.reattribuer("mairie-saint-exemple"), COORDINATION)
    envoi = {"id": f"{reference}-transmission"}
    document, _ = suivi.changer(reference, actions.confier_a_la_coordination(1, envoi),
                                Auteur("aiguillage", "boite_envoi"))
    assert [e["type"] for e in document["historique"]] == ["recu", "reattribue"]
    assert document["envois_reussis"] == [f"{reference}-transmission"]
    assert document["attributions"][0]["statut"] == "reattribue"
