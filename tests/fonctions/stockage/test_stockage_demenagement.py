"""Déménager un territoire : un dossier TinyDB copié dans PostgreSQL, reprenable, vérifié."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from test_main import lancer
from test_stockage_contrat import entree, envoi, signalement

from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import StockageTinyDB
from fonctions.stockage import demenagement as module
from fonctions.stockage.base import Ecritures
from fonctions.stockage.demenagement import DossierOccupe, demenager
from fonctions.stockage.journalise import StockageJournalise
from fonctions.stockage.postgresql import StockagePostgreSQL

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"
MARS_10 = date(2025, 3, 10)
RELEVE = datetime(2025, 3, 10, 9, 30, tzinfo=UTC)


@pytest.fixture
def dossier(tmp_path):
    """Un territoire TinyDB : signalements (un avec photos, un avec une clé), envois, une
    attribution ouverte, des recherches sans résultat, deux identifiants rendus par un
    service Open311 et son dernier relevé."""
    dossier = tmp_path / "donnees"
    stockage = StockageTinyDB(dossier)
    references = sorted({nouvelle_reference() for _ in range(7)})
    for reference in references[:5]:
        stockage.creer_signalement(signalement(reference, etat="transmis"), [], [envoi(reference)])
    stockage.creer_signalement(signalement(references[5]), [("photo-1.jpg", b"\xff\xd8UN"),
                                                            ("photo-2.jpg", b"\xff\xd8DEUX")], [])
    with stockage.reserver_cle(CLE, "empreinte", references[6]) as reservation:
        stockage.creer_signalement(signalement(reservation.reference), [], [])
    stockage.changer_signalement(references[0], lambda d: Ecritures(
        ouvertes=[entree(references[0])]))
    for texte in ("egout", "egout", "passeport"):
        stockage.compter_recherche_vide(MARS_10, texte)
    stockage.retenir_identifiant_externe("voirie", "service_request_id:SR-1", references[0])
    stockage.retenir_identifiant_externe("voirie", "token:jeton-2", references[1])
    stockage.noter_releve("voirie", RELEVE)
    stockage.fermer()
    return dossier


def references_de(dossier) -> list[str]:
    """Triées, comme à la création : la sixième a les photos, la septième la clé."""
    stockage = StockageTinyDB(dossier)
    try:
        return stockage.lister_references()
    finally:
        stockage.fermer()


def test_le_demenagement_copie_tout_et_le_verifie(dossier, base_postgres):
    references = references_de(dossier)
    bilan = demenager(dossier, base_postgres)
    assert bilan.complet
    assert bilan.sortes == {
        "signalements": [7, 7, 7], "photos": [2, 2, 2], "envois": [5, 5, 5],
        "attributions ouvertes": [1, 1, 1], "clés d'idempotence": [1, 1, 1],
        "recherches sans résultat (jour, texte)": [2, 2, 2],
        "identifiants Open311 (service, identifiant)": [2, 2, 2], "relevés Open311": [1, 1, 1]}
    source, base = StockageTinyDB(dossier), StockagePostgreSQL(base_postgres)
    try:
        assert base.lister_references() == source.lister_references()
        for reference in references:
            assert base.lire_signalement(reference) == source.lire_signalement(reference)
        assert base.lire_photo(references[5], "photo-2.jpg") == b"\xff\xd8DEUX"
        assert base.lister_envois() == sorted(source.lister_envois(), key=lambda e: e["id"])
        assert base.lister_ouvertes() == source.lister_ouvertes()
        assert base.lister_recherches_vides(MARS_10, MARS_10, 10) == [("egout", 2),
                                                                      ("passeport", 1)]
        with base.reserver_cle(CLE, "empreinte", nouvelle_reference()) as reservation:
            assert (reservation.reference, reservation.nouvelle) == (references[6], False)
        assert base.retrouver_par_identifiant_externe("voirie", "token:jeton-2") == references[1]
        assert base.retrouver_par_identifiant_externe(
            "voirie", "service_request_id:SR-1") == references[0]
        assert base.lire_releve("voirie") == RELEVE
    finally:
        source.fermer()
        base.fermer()


def test_le_relancer_ne_change_rien(dossier, base_postgres):
    demenager(dossier, base_postgres)
    bilan = demenager(dossier, base_postgres)
    assert bilan.complet
    assert {sorte: copies for sorte, (_, copies, _) in bilan.sortes.items()} == dict.fromkeys(
        bilan.sortes, 0)


def test_un_releve_plus_recent_dans_la_base_ne_recule_pas(dossier, base_postgres):
    base = StockagePostgreSQL(base_postgres)
    try:
        base.noter_releve("voirie", datetime(2025, 3, 11, tzinfo=UTC))  # le serveur a relevé
        assert demenager(dossier, base_postgres).complet
        assert base.lire_releve("voirie") == datetime(2025, 3, 11, tzinfo=UTC)
    finally:
        base.fermer()


def test_une_copie_interrompue_se_reprend(dossier, base_postgres, monkeypatch):
    monkeypatch.setattr(module, "LOT", 2)

    def couper(sorte, nombre):
        if sorte == "signalements" and nombre == 4:
            raise KeyboardInterrupt  # Ctrl-C, ou une coupure, au milieu des signalements

    with pytest.raises(KeyboardInterrupt):
        demenager(dossier, base_postgres, apres_chaque_lot=couper)
    base = StockagePostgreSQL(base_postgres)
    try:
        assert base.compter_signalements() == 4  # deux lots validés, pas plus
        bilan = demenager(dossier, base_postgres)
        assert bilan.complet
        assert bilan.sortes["signalements"] == [7, 3, 7]
        assert base.compter_signalements() == 7
    finally:
        base.fermer()


def test_un_dossier_qu_un_serveur_tient_encore_est_refuse(dossier, base_postgres):
    serveur = StockageJournalise(StockageTinyDB(dossier))
    try:
        reference = nouvelle_reference()
        serveur.creer_signalement(signalement(reference), [], [])  # il tient le dossier
        with pytest.raises(DossierOccupe, match="arrêtez-le"):
            demenager(dossier, base_postgres)
    finally:
        serveur.fermer()


def test_la_commande_migrer_dit_ce_qu_elle_a_copie(dossier, base_postgres, tmp_path):
    resultat = lancer("migrer", "--vers", base_postgres, "--depuis", str(dossier))
    assert resultat.returncode == 0, resultat.stderr
    assert "signalements : 7 dans le dossier, 7 copié(s) par ce passage, 7 dans la base" in (
        resultat.stdout)
    assert resultat.stdout.splitlines()[-1] == "Copie vérifiée : rien ne manque."
    absent = lancer("migrer", "--vers", base_postgres, "--depuis", str(tmp_path / "absent"))
    assert absent.returncode == 2
    assert "ne contient aucun signalement TinyDB" in absent.stderr
    mauvaise = lancer("migrer", "--vers", "mysql://x", "--depuis", str(dossier))
    assert (mauvaise.returncode, mauvaise.stderr) == (
        2, "--vers doit être une adresse postgresql://utilisateur:mot-de-passe@hote/base.\n")
