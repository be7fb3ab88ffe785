"""La date d'une intervention programmée : lue, vérifiée, dite en français.

Un service qui répond « Intervention programmée » donne le jour où il interviendra ; le
citoyen le lit dans son suivi, la coordination sur sa page. Le jour est une date du
calendrier, à l'heure de Paris (``2025-03-14``), sans heure.

La page de l'agent l'exige ; l'outil d'un service (webhook, Open311) peut l'omettre.
La même règle vaut pour tous : une date valide, pas avant aujourd'hui, ni plus de
``ANNEES_MAX`` ans après (une faute de frappe sur l'année).
"""

from __future__ import annotations

import re
from datetime import date, datetime

from fonctions.domaine.jours_ouvres import PARIS
from fonctions.domaine.suivi import ActionImpossible

ANNEES_MAX = 2
# Les noms des jours et des mois, pour toutes les dates dites en français (chronologie.py aussi).
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MOIS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
        "septembre", "octobre", "novembre", "décembre")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")  # ce qu'envoie <input type="date">
_FRANCAISE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")  # ce qu'on tape à la main


def jour_en_clair(jour: date) -> str:
    """``date(2025, 3, 14)`` → ``vendredi 14 mars 2025`` (``1er`` pour le premier du mois)."""
    quantieme = "1er" if jour.day == 1 else str(jour.day)
    return f"{JOURS[jour.weekday()]} {quantieme} {MOIS[jour.month - 1]} {jour.year}"


def aujourd_hui(maintenant: datetime) -> date:
    return maintenant.astimezone(PARIS).date()


def lire_jour(texte: str) -> date | None:
    """``2025-03-14`` ou ``14/03/2025`` → la date ; ``None`` si ce n'est pas une date."""
    texte = texte.strip()
    iso, francaise = _ISO.match(texte), _FRANCAISE.match(texte)
    if iso:
        annee, mois, jour = (int(x) for x in iso.groups())
    elif francaise:
        jour, mois, annee = (int(x) for x in francaise.groups())
    else:
        return None
    try:
        return date(annee, mois, jour)
    except ValueError:
        return None


def date_d_intervention(valeur: str | None, maintenant: datetime, exigee: bool) -> date | None:
    """La date d'intervention donnée (``None`` si absente et non ``exigee``) ; sinon
    ``ActionImpossible`` (422) avec ce qu'il faut corriger, en français."""
    texte = (valeur or "").strip()
    if not texte:
        if exigee:
            raise ActionImpossible("Indiquez la date de l'intervention : le citoyen la lira "
                                   "dans son suivi.", 422)
        return None
    jour = lire_jour(texte)
    if jour is None:
        raise ActionImpossible(f"« {texte[:40]} » n'est pas une date : écrivez-la sous la forme "
                               "14/03/2025.", 422)
    premier = aujourd_hui(maintenant)
    if jour < premier:
        raise ActionImpossible(f"La date de l'intervention ({jour_en_clair(jour)}) est passée : "
                               "indiquez aujourd'hui ou un jour à venir.", 422)
    if jour > dernier_jour_permis(maintenant):
        raise ActionImpossible(f"La date de l'intervention ({jour_en_clair(jour)}) est dans plus "
                               f"de {ANNEES_MAX} ans : vérifiez l'année.", 422)
    return jour


def dernier_jour_permis(maintenant: datetime) -> date:
    premier = aujourd_hui(maintenant)
    try:
        return premier.replace(year=premier.year + ANNEES_MAX)
    except ValueError:  # un 29 février
        return premier.replace(year=premier.year + ANNEES_MAX, day=28)


def intervention_prevue(attribution: dict) -> str | None:
    """Le jour en clair de l'intervention programmée de ``attribution``, tant qu'elle est
    « Intervention programmée » ; ``None`` sinon (ou sans date, donnée par un outil)."""
    if attribution.get("statut") != "programme" or not attribution.get("date_intervention"):
        return None
    return jour_en_clair(date.fromisoformat(attribution["date_intervention"]))


def jour_d_un_horodatage(texte: str) -> str:
    """Le jour (``AAAA-MM-JJ``, à Paris) d'un horodatage ISO 8601 comme l'``expected_datetime``
    d'Open311 (``2025-03-14T08:00:00+01:00``) ; le texte tel quel s'il n'en est pas un
    (``date_d_intervention`` dira alors pourquoi)."""
    texte = texte.strip()
    if lire_jour(texte) is not None:
        return texte
    try:
        moment = datetime.fromisoformat(texte)
    except ValueError:
        return texte
    if moment.tzinfo is not None:
        moment = moment.astimezone(PARIS)
    return moment.date().isoformat()
