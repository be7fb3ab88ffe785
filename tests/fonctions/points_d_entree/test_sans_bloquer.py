from __future__ import annotations

import asyncio
import os
import threading

import pytest
from aides_fonctions import DEBUT, champs_valides, photo

from fonctions.domaine.photos import preparer_photo
from fonctions.domaine.validation import valider
from fonctions.points_d_entree.sans_bloquer import enregistrer_sans_bloquer
from fonctions.stockage import CleEnCours, StockageTinyDB
from fonctions.stockage.journalise import StockageJournalise

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"


class Temoin(StockageTinyDB):
    """Le moteur, qui note dans quel fil chaque signalement est créé."""

    fils: list[int]

    def creer_signalement(self, signalement, photos, envois):
        self.fils.append(threading.get_ident())
        super().creer_signalement(signalement, photos, envois)


@pytest.fixture
def temoin(tmp_path):
    moteur = Temoin(tmp_path / "donnees")
    moteur.fils = []
    yield moteur
    moteur.fermer()


def enregistrer_dans_une_boucle(stockage, modele, photos=()):
    """Le résultat, et le fil de la boucle d'événements."""
    demande = valider(champs_valides(), len(photos), modele)

    async def principal():
        resultat = await enregistrer_sans_bloquer(stockage, demande, list(photos), modele,
                                                  DEBUT, CLE, "empreinte")
        return resultat, threading.get_ident()

    return asyncio.run(principal())


def test_avec_le_moteur_seul_l_enregistrement_tourne_dans_un_fil(temoin, modele):
    (resultat, boucle) = enregistrer_dans_une_boucle(temoin, modele)
    assert not resultat.rejoue
    assert temoin.fils and temoin.fils[0] != boucle


def test_avec_le_journal_l_enregistrement_tourne_dans_la_boucle_et_rend_un_signalement_durable(
        temoin, modele):
    bloquants = []
    stockage = StockageJournalise(temoin, calme=3600, synchroniser=bloquants.append)
    try:
        stockage._devenir_proprietaire()  # le journal est tenu : la boucle peut y soumettre
        (resultat, _) = enregistrer_dans_une_boucle(stockage, modele)
        assert temoin.fils == [] and bloquants == []  # ni fil ni moteur : le journal
        journal = stockage._journal
        assert journal.dernier_ecrit == journal.dernier_numero == 1  # durable au retour
        assert stockage.lire_signalement(resultat.signalement["reference"]) == (
            resultat.signalement)
        (rejeu, _) = enregistrer_dans_une_boucle(stockage, modele)
        assert rejeu.rejoue and rejeu.signalement == resultat.signalement
    finally:
        stockage.fermer()


def test_avec_des_photos_l_enregistrement_retourne_dans_un_fil(temoin, modele):
    ecrivains = []

    def synchroniser(descripteur):  # le fdatasync d'une écriture bloquante, dans son fil
        ecrivains.append(threading.get_ident())
        os.fdatasync(descripteur)

    stockage = StockageJournalise(temoin, calme=3600, synchroniser=synchroniser)
    try:
        stockage._devenir_proprietaire()
        (resultat, boucle) = enregistrer_dans_une_boucle(
            stockage, modele, [preparer_photo(photo())])
        assert ecrivains and ecrivains[0] != boucle
        assert stockage.lire_photo(resultat.signalement["reference"], "photo-1.jpg")
    finally:
        stockage.fermer()


def test_une_cle_en_cours_donne_toujours_cle_en_cours(temoin, modele):
    stockage = StockageJournalise(temoin, calme=3600)
    try:
        stockage._devenir_proprietaire()
        with stockage.reserver_cle(CLE, "empreinte", "AIG-7K3M-Q2"), pytest.raises(CleEnCours):
            enregistrer_dans_une_boucle(stockage, modele)
    finally:
        stockage.fermer()
