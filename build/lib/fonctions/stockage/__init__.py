"""Le stockage des signalements : une interface (``base``) et TinyDB par défaut."""

from fonctions.stockage.base import (
    CleEnCours,
    CleReutilisee,
    ReferencePrise,
    Reservation,
    Stockage,
)
from fonctions.stockage.tinydb import StockageTinyDB

__all__ = [
    "CleEnCours",
    "CleReutilisee",
    "ReferencePrise",
    "Reservation",
    "Stockage",
    "StockageTinyDB",
]
