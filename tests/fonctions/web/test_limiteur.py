from __future__ import annotations

from fonctions.web.limiteur import Limiteur, LimiteurDeJetons


class Chrono:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_un_client_peut_envoyer_jusqu_a_la_limite_puis_doit_attendre():
    chrono = Chrono()
    limiteur = Limiteur(3, 600, chrono)
    assert [limiteur.attente("1.2.3.4") for _ in range(3)] == [0, 0, 0]
    chrono.t += 100
    assert limiteur.attente("1.2.3.4") == 500
    assert limiteur.attente("5.6.7.8") == 0


def test_la_fenetre_glisse():
    chrono = Chrono()
    limiteur = Limiteur(2, 60, chrono)
    limiteur.attente("a")
    chrono.t += 30
    limiteur.attente("a")
    chrono.t += 31
    assert limiteur.attente("a") == 0
    assert limiteur.attente("a") == 29


def test_les_clients_anciens_sont_oublies():
    chrono = Chrono()
    limiteur = Limiteur(1, 10, chrono)
    for numero in range(10_001):
        limiteur.attente(str(numero))
    chrono.t += 11
    limiteur.attente("nouveau")
    assert list(limiteur._envois) == ["nouveau"]


def test_les_jetons_faux_se_comptent_sans_bloquer_les_bons_avant_la_limite():
    chrono = Chrono()
    limiteur = Limiteur(2, 60, chrono)
    assert limiteur.bloque("a") == 0
    limiteur.noter("a")
    assert limiteur.bloque("a") == 0
    limiteur.noter("a")
    assert limiteur.bloque("a") == 60
    assert limiteur.bloque("b") == 0
    chrono.t += 61
    assert limiteur.bloque("a") == 0


def test_les_jetons_faux_se_comptent_par_cible_avec_un_plafond_dix_fois_plus_haut_par_adresse():
    chrono = Chrono()
    limiteur = LimiteurDeJetons(2, 60, chrono)
    for _ in range(2):
        limiteur.noter("cgnat", "AIG-7K3M-Q2")
    assert limiteur.bloque("cgnat", "AIG-7K3M-Q2") == 60
    assert limiteur.bloque("cgnat", "AIG-4D5E-F6") == 0  # un voisin derrière la même adresse
    assert limiteur.bloque("ailleurs", "AIG-7K3M-Q2") == 0
    for numero in range(17):
        limiteur.noter("cgnat", f"cible-{numero}")
    assert limiteur.bloque("cgnat", "AIG-4D5E-F6") == 0  # 19 faux : sous le plafond de 20
    limiteur.noter("cgnat", "encore")
    assert limiteur.bloque("cgnat", "AIG-4D5E-F6") == 60
    chrono.t += 61
    assert limiteur.bloque("cgnat", "AIG-7K3M-Q2") == 0
