"""La seule porte des changements : index tenu à jour, rien d'écrit en cas de refus,
notification après l'écriture."""

from __future__ import annotations

import pytest
from aides_suivi import poster

from fonctions.domaine import actions
from fonctions.domaine.suivi import ActionImpossible, Auteur
from fonctions.stockage.base import Ecritures

SERVICE = Auteur("service", "lien", "mairie-bourg-les-essais")


def test_l_index_suit_les_attributions_ouvertes(client, boite, stockage):
    suivi = client.app_state["aiguillage"].suivi
    reference = poster(client)["reference"]
    assert stockage.lister_ouvertes() == []  # en cours d'envoi : la boîte d'envoi s'en charge
    boite.traiter_une_fois()
    assert [(e["id"], e["statut"]) for e in stockage.lister_ouvertes()] == [
        (f"{reference}-1", "transmis")]
    suivi.changer(reference, actions.declarer(1, "pas_de_notre_ressort", motif="Hors zone",
                                              vers="mairie-saint-exemple"), SERVICE)
    assert [(e["id"], e["statut"]) for e in stockage.lister_ouvertes()] == [
        (f"{reference}-2", "a_transmettre")]
    boite.traiter_une_fois()
    suivi.changer(reference, actions.declarer(2, "resolu"),
                  Auteur("service", "webhook", "mairie-saint-exemple"))
    assert stockage.lister_ouvertes() == []
    document = stockage.lire_signalement(reference)
    assert [a["statut"] for a in document["attributions"]] == ["pas_de_notre_ressort", "resolu"]
    assert document["etat"] == "resolu"


def test_un_changement_refuse_n_ecrit_rien_et_ne_notifie_pas(client, boite, stockage,
                                                             notificateur):
    suivi = client.app_state["aiguillage"].suivi
    reference = poster(client)["reference"]
    boite.traiter_une_fois()
    avant = stockage.lire_signalement(reference)
    with pytest.raises(ActionImpossible) as refus:
        suivi.changer(reference, actions.declarer(1, "clos"), SERVICE)
    assert refus.value.statut == 422
    with pytest.raises(ActionImpossible):
        suivi.changer(reference, actions.declarer(1, "pas_de_notre_ressort", motif="x",
                                                  vers="inconnu"), SERVICE)
    assert stockage.lire_signalement(reference) == avant
    assert notificateur.types() == ["transmis"]
    with pytest.raises(KeyError):
        suivi.changer("AIG-2222-22", actions.confirmer(), SERVICE)


def test_le_notificateur_voit_le_document_deja_ecrit(client, boite, stockage):
    suivi = client.app_state["aiguillage"].suivi
    vus = []

    class Temoin:
        def changement(self, signalement, evenement):
            vus.append(stockage.lire_signalement(signalement["reference"])["etat"])

    suivi.notificateur = Temoin()
    reference = poster(client)["reference"]
    boite.traiter_une_fois()
    suivi.changer(reference, actions.declarer(1, "en_cours"), SERVICE)
    assert vus == ["transmis", "en_cours"]


def test_une_entree_d_index_perimee_est_reparee(client, boite, stockage):
    suivi = client.app_state["aiguillage"].suivi
    reference = poster(client)["reference"]
    boite.traiter_une_fois()
    (entree,) = stockage.lister_ouvertes()
    suivi.changer(reference, actions.declarer(1, "resolu"), SERVICE)
    # Un arrêt brutal entre l'écriture du signalement et le retrait de son entrée :
    stockage.changer_signalement(reference, lambda d: Ecritures(ouvertes=[entree], inchange=True))
    assert len(stockage.lister_ouvertes()) == 1
    suivi.reparer_index(entree)
    assert stockage.lister_ouvertes() == []


def test_un_envoi_ecrit_avant_un_changement_interrompu_n_est_jamais_envoye(
        client, boite, stockage, expediteur, horloge):
    reference = poster(client)["reference"]
    boite.traiter_une_fois()
    orphelin = {"id": f"{reference}-relance7", "reference": reference, "sorte": "relance",
                "attribution": 1, "numero_envoi": 7, "tentatives": 0, "en_cours": None,
                "prochaine_tentative": "2025-03-10T09:00:00+00:00",
                "cree_le": "2025-03-10T09:00:00+00:00", "derniere_erreur": None}
    stockage.ajouter_envoi(orphelin)
    assert boite.traiter_une_fois() == 1
    assert len(expediteur.messages) == 1 and len(stockage.lister_envois()) == 1
    horloge.avancer(hours=2)
    boite.traiter_une_fois()
    assert len(expediteur.messages) == 1 and stockage.lister_envois() == []
