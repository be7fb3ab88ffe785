import pytest
from aides_fonctions import ExpediteurMemoire
from faux_push import FauxServicePush

from fonctions.push.canal import CanalCitoyen
from fonctions.push.cles import charger_cles
from fonctions.push.envoi import EnvoyeurPush
from fonctions.transmission.base import Dossier, EchecTransmission

MESSAGE = {"titre": "AIG-7K3M-Q9 : Pris en charge", "texte": "La mairie s'en occupe.",
           "reference": "AIG-7K3M-Q9", "url": "https://x/suivi/#jeton"}


@pytest.fixture
def service():
    service = FauxServicePush()
    yield service
    service.arreter()


NID_DE_POULE = {"noeud": {"libelle": "Un nid-de-poule"}, "commune": {"insee": "56143", "nom": "Muzillac"},
                "localisation": {"adresse": "3 place de l'Église"}}


def dossier(signalement):
    return Dossier(identifiant="AIG-7K3M-Q9-notification3", signalement=signalement,
                   gestionnaire={}, photos=(), lien_agent="", territoire="Essai",
                   evenement="notification", message=MESSAGE)


def canal(tmp_path, expediteur):
    return CanalCitoyen(EnvoyeurPush(charger_cles(None, tmp_path), "mailto:a@example.org"),
                        expediteur, "aiguillage@example.org")


def test_chaque_abonnement_recoit_la_notification(tmp_path, service):
    a, b = service.abonnement(), service.abonnement()
    expediteur = ExpediteurMemoire()
    recu = canal(tmp_path, expediteur).transmettre(dossier(
        {"reference": "AIG-7K3M-Q9", "abonnements_push": [a.json, b.json],
         "contact": {"courriel": "c@example.org", "consentement": True}}))
    assert [r["message"] for r in service.recus] == [MESSAGE, MESSAGE]
    assert recu.donnees == {"abonnements_perimes": []}
    assert expediteur.messages == []  # le push suffit : pas de courriel en plus


def test_sans_abonnement_le_courriel_dit_la_meme_chose_et_nomme_probleme_lieu_et_reference(tmp_path):
    expediteur = ExpediteurMemoire()
    canal(tmp_path, expediteur).transmettre(dossier(
        {**NID_DE_POULE, "reference": "AIG-7K3M-Q9",
         "contact": {"courriel": "c@example.org", "consentement": True}}))
    [courriel] = expediteur.messages
    assert courriel["To"] == "c@example.org"
    assert courriel["Subject"] == (
        "Pris en charge — Un nid-de-poule, 3 place de l'Église, Muzillac (AIG-7K3M-Q9)")
    assert courriel.get_content() == (
        "Votre signalement AIG-7K3M-Q9 : Un nid-de-poule, 3 place de l'Église, Muzillac.\n\n"
        "Pris en charge. La mairie s'en occupe.\n\n"
        "Suivre votre signalement : https://x/suivi/#jeton\n\n"
        "Vous recevez ce message parce que vous avez laissé votre adresse en signalant ce "
        "problème. Gardez ce lien pour vous : il donne accès au suivi.\n")


def test_un_lieu_tres_long_est_coupe_dans_le_sujet_mais_pas_dans_le_courriel(tmp_path):
    expediteur = ExpediteurMemoire()
    adresse = "Chemin creux qui longe le ruisseau, entre la ferme de Kerlann et le lavoir, côté bois"
    canal(tmp_path, expediteur).transmettre(dossier(
        {**NID_DE_POULE, "localisation": {"adresse": adresse}, "reference": "AIG-7K3M-Q9",
         "contact": {"courriel": "c@example.org", "consentement": True}}))
    [courriel] = expediteur.messages
    assert courriel["Subject"] == (
        "Pris en charge — Un nid-de-poule, Chemin creux qui longe le ruisseau, entre la ferme de "
        "Kerlann et le… (AIG-7K3M-Q9)")
    assert courriel.get_content().startswith(
        f"Votre signalement AIG-7K3M-Q9 : Un nid-de-poule, {adresse}, Muzillac.\n")


def test_une_adresse_laissee_sans_l_accord_du_service_sert_a_informer_le_citoyen(tmp_path):
    expediteur = ExpediteurMemoire()
    recu = canal(tmp_path, expediteur).transmettre(dossier(
        {"reference": "AIG-7K3M-Q9",
         "contact": {"courriel": "c@example.org", "telephone": None, "consentement": False}}))
    assert [m["To"] for m in expediteur.messages] == ["c@example.org"]
    assert recu.message == "Notification envoyée au citoyen par courriel."


def test_un_abonnement_expire_est_signale_pour_etre_oublie(tmp_path, service):
    a, b = service.abonnement(), service.abonnement()
    service.reponses.extend([410, 201])
    recu = canal(tmp_path, ExpediteurMemoire()).transmettre(dossier(
        {"reference": "AIG-7K3M-Q9", "abonnements_push": [a.json, b.json]}))
    assert recu.donnees == {"abonnements_perimes": [a.json["endpoint"]]}


def test_un_service_de_push_indisponible_fait_reessayer(tmp_path, service):
    service.reponses.append(503)
    with pytest.raises(EchecTransmission):
        canal(tmp_path, ExpediteurMemoire()).transmettre(dossier(
            {"reference": "AIG-7K3M-Q9", "abonnements_push": [service.abonnement().json]}))
