"""Les jours ouvrés en France : du lundi au vendredi, hors jours fériés nationaux.

Les délais de prise en charge des services (``delai_prise_en_charge``) se comptent en jours
ouvrés, à l'heure de Paris : transmis un vendredi à 16 h avec un délai de 1 jour, un
signalement doit être pris en charge le lundi à 16 h (le mardi si ce lundi est férié).

    >>> from datetime import datetime, UTC
    >>> ajouter_jours_ouvres(datetime(2025, 3, 14, 15, tzinfo=UTC), 1).isoformat()
    '2025-03-17T15:00:00+00:00'

Les fériés propres à l'Alsace-Moselle et aux outre-mer ne sont pas comptés.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def paques(annee: int) -> date:
    """Le dimanche de Pâques (calcul grégorien anonyme, dit de Meeus)."""
    a, b, c = annee % 19, annee // 100, annee % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    mois = (h + ell - 7 * m + 114) // 31
    jour = (h + ell - 7 * m + 114) % 31 + 1
    return date(annee, mois, jour)


@lru_cache(maxsize=32)
def feries(annee: int) -> frozenset[date]:
    dimanche = paques(annee)
    return frozenset({
        date(annee, 1, 1), date(annee, 5, 1), date(annee, 5, 8), date(annee, 7, 14),
        date(annee, 8, 15), date(annee, 11, 1), date(annee, 11, 11), date(annee, 12, 25),
        dimanche + timedelta(days=1),   # lundi de Pâques
        dimanche + timedelta(days=39),  # Ascension
        dimanche + timedelta(days=50),  # lundi de Pentecôte
    })


def est_ouvre(jour: date) -> bool:
    return jour.weekday() < 5 and jour not in feries(jour.year)


def ajouter_jours_ouvres(depart: datetime, jours: int) -> datetime:
    """``depart`` plus ``jours`` jours ouvrés, à la même heure de Paris, rendu en UTC si
    ``depart`` l'était (toujours avec son fuseau)."""
    local = depart.astimezone(PARIS)
    jour = local.date()
    restants = max(0, jours)
    while restants:
        jour += timedelta(days=1)
        if est_ouvre(jour):
            restants -= 1
    arrivee = datetime.combine(jour, local.timetz().replace(tzinfo=None), tzinfo=PARIS)
    return arrivee.astimezone(depart.tzinfo)
