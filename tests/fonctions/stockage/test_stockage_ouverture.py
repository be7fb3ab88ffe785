from __future__ import annotations

from fonctions.stockage.journalise import StockageJournalise
from fonctions.stockage.ouverture import est_partage, ouvrir_stockage
from fonctions.stockage.postgresql import StockagePostgreSQL


def test_sans_adresse_de_base_tinydb_reste_le_defaut(tmp_path):
    stockage = ouvrir_stockage(tmp_path / "donnees")
    try:
        assert isinstance(stockage, StockageJournalise)
        assert not est_partage(stockage)
    finally:
        stockage.fermer()


def test_une_adresse_postgresql_ouvre_postgresql(tmp_path, base_postgres):
    stockage = ouvrir_stockage(tmp_path / "donnees", base_postgres)
    try:
        assert isinstance(stockage, StockagePostgreSQL)
        assert est_partage(stockage)
        assert not (tmp_path / "donnees").exists()
    finally:
        stockage.fermer()
