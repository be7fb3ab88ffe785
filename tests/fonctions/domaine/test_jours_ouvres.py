from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fonctions.domaine.jours_ouvres import ajouter_jours_ouvres, est_ouvre, feries, paques


@pytest.mark.parametrize(("annee", "dimanche"), [
    (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)), (2026, date(2026, 4, 5)),
    (2038, date(2038, 4, 25))])
def test_paques_tombe_le_bon_dimanche(annee, dimanche):
    assert paques(annee) == dimanche


def test_les_onze_jours_feries_nationaux_sont_connus():
    assert sorted(feries(2025)) == [
        date(2025, 1, 1), date(2025, 4, 21), date(2025, 5, 1), date(2025, 5, 8),
        date(2025, 5, 29), date(2025, 6, 9), date(2025, 7, 14), date(2025, 8, 15),
        date(2025, 11, 1), date(2025, 11, 11), date(2025, 12, 25)]
    assert not est_ouvre(date(2025, 3, 15))  # un samedi
    assert est_ouvre(date(2025, 3, 17))


def test_un_delai_saute_le_week_end_et_les_feries():
    vendredi = datetime(2025, 3, 14, 15, tzinfo=UTC)
    assert ajouter_jours_ouvres(vendredi, 1) == datetime(2025, 3, 17, 15, tzinfo=UTC)
    avant_paques = datetime(2025, 4, 18, 15, tzinfo=UTC)  # vendredi, lundi de Pâques férié
    assert ajouter_jours_ouvres(avant_paques, 1) == datetime(2025, 4, 22, 15, tzinfo=UTC)


def test_le_delai_garde_l_heure_de_paris_au_changement_d_heure():
    # vendredi 28 mars, 16 h à Paris (heure d'hiver) → mercredi 2 avril, 16 h (heure d'été)
    depart = datetime(2025, 3, 28, 15, tzinfo=UTC)
    assert ajouter_jours_ouvres(depart, 3) == datetime(2025, 4, 2, 14, tzinfo=UTC)
