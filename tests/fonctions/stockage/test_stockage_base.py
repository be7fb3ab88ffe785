from __future__ import annotations

import inspect

import pytest

from fonctions.stockage import Stockage, StockageTinyDB
from fonctions.stockage.base import Reservation


def test_l_interface_ne_s_instancie_pas():
    with pytest.raises(TypeError):
        Stockage()
    with pytest.raises(TypeError):
        Reservation()


def test_tinydb_met_en_oeuvre_toute_l_interface_avec_les_memes_signatures():
    abstraites = Stockage.__abstractmethods__
    assert not StockageTinyDB.__abstractmethods__
    for nom in abstraites:
        attendue = inspect.signature(getattr(Stockage, nom))
        assert list(inspect.signature(getattr(StockageTinyDB, nom)).parameters) == list(
            attendue.parameters), nom
