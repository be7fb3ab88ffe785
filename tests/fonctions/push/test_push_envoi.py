import pytest
from faux_push import FauxServicePush

from fonctions.push.cles import charger_cles
from fonctions.push.envoi import EnvoyeurPush, sujet


@pytest.fixture
def service():
    service = FauxServicePush()
    yield service
    service.arreter()


@pytest.fixture
def envoyeur(tmp_path):
    return EnvoyeurPush(charger_cles(None, tmp_path), "mailto:aiguillage@example.org")


def test_le_message_arrive_chiffre_signe_et_dechiffrable(service, envoyeur):
    abonnement = service.abonnement()
    issue = envoyeur.envoyer(abonnement.json, {"titre": "Pris en charge", "url": "/suivi/#x"},
                             "AIG-7K3M-Q9")
    assert issue.sorte == "remis", service.refus
    recu = service.recus[0]
    assert recu["message"] == {"titre": "Pris en charge", "url": "/suivi/#x"}
    assert recu["vapid"]["k"] == envoyeur.cles.publique
    assert int(recu["entetes"]["ttl"]) >= 86400
    assert recu["entetes"]["urgency"] == "high"
    assert recu["entetes"]["topic"] == sujet("AIG-7K3M-Q9") and len(sujet("AIG-7K3M-Q9")) <= 32


def test_chaque_envoi_a_des_revendications_neuves(service, envoyeur):
    abonnement = service.abonnement()
    for _ in range(2):
        assert envoyeur.envoyer(abonnement.json, {"titre": "x"}, "AIG-7K3M-Q9").sorte == "remis"
    assert service.recus[0]["vapid"]["aud"] == service.recus[1]["vapid"]["aud"] == service.origine


@pytest.mark.parametrize(("statut", "sorte"), [(404, "perime"), (410, "perime"), (429, "plus_tard"),
                                               (503, "plus_tard"), (400, "refuse")])
def test_la_reponse_du_service_dit_quoi_faire(service, envoyeur, statut, sorte):
    service.reponses.append(statut)
    assert envoyeur.envoyer(service.abonnement().json, {"titre": "x"}, "AIG-7K3M-Q9").sorte == sorte


def test_un_service_injoignable_se_reessaie_plus_tard(envoyeur):
    abonnement = {"endpoint": "http://127.0.0.1:9/push/x",
                  "keys": {"p256dh": envoyeur.cles.publique, "auth": "A" * 22}}
    assert envoyeur.envoyer(abonnement, {"titre": "x"}, "AIG-7K3M-Q9").sorte == "plus_tard"


def test_une_redirection_n_est_pas_suivie(service, envoyeur):
    service.reponses.append(307)
    assert envoyeur.envoyer(service.abonnement().json, {"titre": "x"}, "AIG-7K3M-Q9").sorte == "refuse"
    assert len(service.recus) == 1
