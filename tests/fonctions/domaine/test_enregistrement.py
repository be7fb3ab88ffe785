from __future__ import annotations

from aides_fonctions import DEBUT, champs_valides, photo

from fonctions.domaine.enregistrement import construire_signalement, enregistrer, nouvel_envoi
from fonctions.domaine.photos import preparer_photo
from fonctions.domaine.validation import valider
from fonctions.stockage.base import empreinte_cle

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def test_le_signalement_garde_ce_qu_il_faut_pour_le_transmettre_et_le_suivre(modele):
    demande = valider(champs_valides(courriel="lea@exemple.fr", consentement="oui"), 1, modele)
    document, fichiers = construire_signalement(
        "AIG-7K3M-Q2", demande, [preparer_photo(photo())], modele, DEBUT, CLE)
    assert fichiers[0][0] == "photo-1.jpg"
    assert document["photos"][0]["nom"] == "photo-1.jpg"
    assert document["reference"] == "AIG-7K3M-Q2"
    assert document["cree_le"] == "2025-03-10T09:00:00+00:00"
    assert document["etat"] == "a_transmettre"
    assert document["noeud"] == {"id": "voirie/nid-de-poule", "libelle": "Un nid-de-poule",
                                 "url": "/voirie/nid-de-poule/"}
    assert document["gestionnaire"]["id"] == "mairie-bourg-les-essais"
    assert document["gestionnaire"]["canal"] == "courriel"
    assert document["contact"] == {"courriel": "lea@exemple.fr", "telephone": None,
                                   "consentement": True}
    assert document["idempotence"] == empreinte_cle(CLE)
    assert CLE not in str(document)
    (attribution,) = document["attributions"]
    assert attribution["numero"] == 1
    assert attribution["gestionnaire"] == "mairie-bourg-les-essais"
    assert (attribution["statut"], attribution["canal"]) == ("a_transmettre", "courriel")
    assert attribution["sel"] != document["suivi"]["sel"]
    assert document["historique"] == [{"date": "2025-03-10T09:00:00+00:00", "type": "recu",
                                       "message": "Signalement reçu et enregistré."}]


def test_une_adresse_laissee_sans_l_accord_du_service_est_gardee_sans_le_telephone(modele):
    demande = valider(champs_valides(courriel="lea@exemple.fr", telephone="0612345678"), 0, modele)
    document, _ = construire_signalement("AIG-7K3M-Q2", demande, [], modele, DEBUT, None)
    assert document["contact"] == {"courriel": "lea@exemple.fr", "telephone": None,
                                   "consentement": False}
    sans_rien = valider(champs_valides(telephone="0612345678"), 0, modele)
    assert construire_signalement("AIG-7K3M-Q2", sans_rien, [], modele, DEBUT, None)[0][
        "contact"] is None


def test_je_ne_trouve_pas_est_tenu_par_la_coordination_des_sa_reception(modele):
    demande = valider({"noeud": "je-ne-trouve-pas", "description": "Ma carte d'identité.",
                       "commune": "56001"}, 0, modele)
    document, _ = construire_signalement("AIG-7K3M-Q2", demande, [], modele, DEBUT, None)
    assert document["etat"] == "a_orienter"
    assert document["noeud"] == {"id": "je-ne-trouve-pas", "libelle": "Un autre problème",
                                 "url": "/je-ne-trouve-pas/", "hors_parcours": True}
    assert document["gestionnaire"] == {
        "id": "coordination", "nom": "Coordination des signalements du Val d'Essai",
        "canal": None, "delai_prise_en_charge": None, "telephone": None, "site": None}
    (attribution,) = document["attributions"]
    assert {k: attribution[k] for k in ("numero", "gestionnaire", "nom", "canal", "statut")} == {
        "numero": 1, "gestionnaire": "coordination",
        "nom": "Coordination des signalements du Val d'Essai", "canal": None,
        "statut": "a_orienter"}
    assert document["parcours"] == [{"question": "Qu'avez-vous constaté ?",
                                     "reponse": "Un autre problème"}]


def test_un_envoi_a_un_identifiant_stable(modele):
    assert nouvel_envoi("AIG-7K3M-Q2", "transmission", DEBUT)["id"] == "AIG-7K3M-Q2-transmission"


def test_sans_cle_chaque_envoi_est_un_nouveau_signalement(stockage, modele):
    demande = valider(champs_valides(), 0, modele)
    premier = enregistrer(stockage, demande, [], modele, DEBUT)
    second = enregistrer(stockage, demande, [], modele, DEBUT)
    assert premier.signalement["reference"] != second.signalement["reference"]
    assert not premier.rejoue
    assert len(stockage.lister_envois()) == 2


def test_avec_une_cle_le_meme_envoi_rend_le_meme_signalement(stockage, modele):
    demande = valider(champs_valides(), 0, modele)
    premier = enregistrer(stockage, demande, [], modele, DEBUT, CLE, "empreinte")
    second = enregistrer(stockage, demande, [], modele, DEBUT, CLE, "empreinte")
    assert second.rejoue
    assert second.signalement == premier.signalement
    assert stockage.compter_signalements() == 1


def test_un_envoi_interrompu_avant_l_ecriture_est_termine_avec_la_meme_reference(stockage, modele):
    # La clé a été attachée à sa référence, puis le serveur s'est arrêté.
    with stockage.reserver_cle(CLE, "empreinte", "AIG-7K3M-Q2"):
        pass
    resultat = enregistrer(stockage, valider(champs_valides(), 0, modele), [], modele, DEBUT,
                           CLE, "empreinte")
    assert not resultat.rejoue
    assert resultat.signalement["reference"] == "AIG-7K3M-Q2"


def test_une_reference_prise_par_un_autre_signalement_est_remplacee(stockage, modele):
    with stockage.reserver_cle(CLE, "empreinte", "AIG-7K3M-Q2"):
        pass
    stockage.creer_signalement({"reference": "AIG-7K3M-Q2", "idempotence": None}, [], [])
    resultat = enregistrer(stockage, valider(champs_valides(), 0, modele), [], modele, DEBUT,
                           CLE, "empreinte")
    reference = resultat.signalement["reference"]
    assert reference != "AIG-7K3M-Q2"
    with stockage.reserver_cle(CLE, "empreinte", "AIG-2222-22") as reservation:
        assert reservation.reference == reference


def test_une_cle_neuve_dont_la_reference_tiree_est_prise_en_recoit_une_autre(
        stockage, modele, monkeypatch):
    # Une clé inconnue n'a rien à relire avant de créer ; la référence tirée peut pourtant
    # être celle d'un autre signalement (un tirage sur 24 millions).
    stockage.creer_signalement({"reference": "AIG-7K3M-Q2", "idempotence": None}, [], [])
    tirages = iter(["AIG-7K3M-Q2", "AIG-2222-22"])
    monkeypatch.setattr("fonctions.domaine.enregistrement.nouvelle_reference", lambda: next(tirages))
    resultat = enregistrer(stockage, valider(champs_valides(), 0, modele), [], modele, DEBUT,
                           CLE, "empreinte")
    assert (resultat.signalement["reference"], resultat.rejoue) == ("AIG-2222-22", False)
    assert stockage.lire_signalement("AIG-7K3M-Q2") == {"reference": "AIG-7K3M-Q2",
                                                         "idempotence": None}
    with stockage.reserver_cle(CLE, "empreinte", "AIG-3333-3R") as reservation:
        assert reservation.reference == "AIG-2222-22"
