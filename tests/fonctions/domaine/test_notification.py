from __future__ import annotations

from aides_suivi import poster

from fonctions.domaine.notification import Notificateur, NotificateurEnregistreur, NotificateurMuet


def test_le_notificateur_par_defaut_ne_fait_rien():
    notificateur: Notificateur = NotificateurMuet()
    assert notificateur.changement({"reference": "AIG-7K3M-Q2"}, {"type": "resolu"}) is None


def test_l_enregistreur_garde_chaque_appel_dans_l_ordre():
    enregistreur = NotificateurEnregistreur()
    enregistreur.changement({"reference": "AIG-7K3M-Q2"}, {"type": "transmis"})
    enregistreur.changement({"reference": "AIG-7K3M-Q2"}, {"type": "resolu"})
    assert enregistreur.types() == ["transmis", "resolu"]
    assert enregistreur.appels[0] == ("AIG-7K3M-Q2", {"type": "transmis"})


def test_un_notificateur_en_panne_n_empeche_pas_le_changement(fabrique_client, boite, stockage):
    class EnPanne:
        def changement(self, signalement, evenement):
            raise RuntimeError("service de notification en panne")

    client = fabrique_client()
    client.app_state["aiguillage"].suivi.notificateur = EnPanne()
    reference = poster(client)["reference"]
    client.app_state["aiguillage"].boite_envoi.traiter_une_fois()
    assert stockage.lire_signalement(reference)["etat"] == "transmis"
