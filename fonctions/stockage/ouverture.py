"""Quel stockage ouvrir : PostgreSQL si ``AIGUILLAGE_BASE_URL`` le nomme, sinon TinyDB.

TinyDB (et son journal, ``journalise.py``) reste le défaut : un seul processus, un dossier
(``AIGUILLAGE_DONNEES``), rien à installer. PostgreSQL (``postgresql.py``) sert plusieurs
processus sur une ou plusieurs machines (``docs/production.md``) ; psycopg n'est importé
que pour lui.
"""

from __future__ import annotations

from pathlib import Path

from fonctions.stockage.base import Stockage


def ouvrir_stockage(donnees: Path, base_url: str | None = None) -> Stockage:
    if base_url:
        from fonctions.stockage.postgresql import StockagePostgreSQL

        return StockagePostgreSQL(base_url)
    from fonctions.stockage.journalise import ouvrir_stockage as ouvrir_tinydb

    return ouvrir_tinydb(donnees)


def est_partage(stockage: Stockage) -> bool:
    """Vrai si plusieurs processus peuvent servir ce stockage ensemble (PostgreSQL)."""
    return getattr(stockage, "partage", False)
