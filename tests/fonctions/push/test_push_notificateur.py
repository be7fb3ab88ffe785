from datetime import UTC, datetime

from fonctions.push.notificateur import NotificateurCitoyen, joignable
from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import StockageTinyDB

MAINTENANT = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
REFERENCE = nouvelle_reference()
ABONNE = {"reference": REFERENCE, "suivi": {"sel": "s"}, "historique": [{}, {}],
          "abonnements_push": [{"endpoint": "https://fcm.googleapis.com/x"}]}


def notificateur(tmp_path):
    return NotificateurCitoyen(StockageTinyDB(tmp_path), lambda: MAINTENANT,
                               "https://aiguillage.example.org", "cle" * 12)


def test_un_changement_met_une_notification_dans_la_boite_d_envoi(tmp_path):
    reveils = []
    n = NotificateurCitoyen(StockageTinyDB(tmp_path), lambda: MAINTENANT,
                            "https://aiguillage.example.org", "cle" * 12, lambda: reveils.append(1))
    n.changement(ABONNE, {"statut": "resolu", "pour_le_citoyen": "C'est réparé."})
    [envoi] = n.stockage.lister_envois()
    assert envoi["id"] == f"{REFERENCE}-notification2" and envoi["sorte"] == "notification"
    assert envoi["message"]["titre"] == f"{REFERENCE} : Résolu"
    assert envoi["message"]["url"].startswith("https://aiguillage.example.org/suivi/#")
    assert reveils == [1]


def test_rien_n_est_mis_en_boite_sans_moyen_de_prevenir_le_citoyen(tmp_path):
    n = notificateur(tmp_path)
    n.changement({**ABONNE, "abonnements_push": []}, {"pour_le_citoyen": "x"})
    n.changement(ABONNE, {"type": "interne"})  # rien à dire au citoyen
    assert n.stockage.lister_envois() == []


def test_un_courriel_laisse_pour_etre_tenu_au_courant_suffit_meme_sans_l_accord_du_service():
    assert joignable({"contact": {"courriel": "a@b.fr", "telephone": None, "consentement": False}})
    assert joignable({"contact": {"courriel": "a@b.fr", "consentement": True}})  # document ancien
    assert not joignable({"contact": {"courriel": None, "telephone": "0612345678",
                                      "consentement": True}})
    assert not joignable({"contact": None})
