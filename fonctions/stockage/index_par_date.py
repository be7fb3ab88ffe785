"""Les index par date de TinyDB (voir ``base.py``) : des fichiers vides, un dossier par jour.

    index/crees/2025-03-10/090000000000-AIG-7K3M-Q9        créé le 10 mars 2025 à 9 h (UTC)
    index/evenements/2025-03-10/141200000000-AIG-7K3M-Q9   un événement ce jour-là à 14 h 12
    index/construit                                        les index couvrent aussi les
                                                           signalements écrits avant eux

Le nom dit tout : lister un jour ne lit aucun fichier (``scandir``), et seuls les
signalements d'une page sont lus. Une marque est écrite *avant* le signalement, une fois
(une création de fichier vide et la synchronisation de son dossier) ; elle n'est jamais
effacée : une date de création ou d'événement ne change pas, et l'anonymisation les garde.

L'index des moments (``Stockage.lister_evenements``) est la réunion des deux dossiers : la
marque de création vaut pour les événements du même moment (« reçu », à la création), et
seuls les événements d'un autre moment ont la leur. Une création n'écrit donc qu'une marque
de plus que le moteur sans index (mesuré : la matérialisation d'un lot coûtait 1,7 fois plus
avec deux).

Ces fonctions ne prennent aucun verrou : écrire deux fois la même marque ne change rien.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path

from fonctions.socle.fichiers import synchroniser_dossier
from fonctions.socle.jetons import reference_valide
from fonctions.stockage.base import Document, moment_utc, moments_des_evenements

CREES, EVENEMENTS, CONSTRUIT = "crees", "evenements", "construit"
HEURE = 12  # chiffres de l'heure dans un nom : HHMMSS et les microsecondes


def marques(racine: str, document: Document) -> list[str]:
    """Les chemins des marques du signalement : sa création, et ses événements d'un autre
    moment que sa création."""
    reference = document["reference"]
    cree = moment_utc(document.get("cree_le"))
    chemins = [] if cree is None else [_marque(racine, CREES, cree, reference)]
    chemins.extend(_marque(racine, EVENEMENTS, moment, reference)
                   for moment in sorted(moments_des_evenements(document)) if moment != cree)
    return chemins


def _marque(racine: str, sorte: str, moment: datetime, reference: str) -> str:
    return f"{racine}/index/{sorte}/{moment.date().isoformat()}/{moment:%H%M%S%f}-{reference}"


def marquer(chemins: list[str]) -> None:
    """Crée, durablement, celles de ces marques qui manquent."""
    for chemin in chemins:
        if os.access(chemin, os.F_OK):
            continue
        dossier = os.path.dirname(chemin)
        if not os.access(dossier, os.F_OK):
            os.makedirs(dossier, exist_ok=True)
            synchroniser_dossier(Path(dossier).parent)
        os.close(os.open(chemin, os.O_WRONLY | os.O_CREAT, 0o600))
        synchroniser_dossier(Path(dossier))


def construit(racine: str) -> bool:
    return os.access(f"{racine}/index/{CONSTRUIT}", os.F_OK)


def noter_construit(racine: str) -> None:
    marquer([f"{racine}/index/{CONSTRUIT}"])


def _jours(racine: str, sortes: tuple[str, ...], debut: date, fin: date) -> list[date]:
    jours = set()
    for sorte in sortes:
        try:
            noms = os.listdir(f"{racine}/index/{sorte}")
        except FileNotFoundError:
            continue
        for nom in noms:
            try:
                jour = date.fromisoformat(nom)
            except ValueError:
                continue
            if debut <= jour <= fin:
                jours.add(jour)
    return sorted(jours)


def _noms(racine: str, sorte: str, jour: date) -> list[str]:
    try:
        return [n for n in os.listdir(f"{racine}/index/{sorte}/{jour.isoformat()}")
                if not n.startswith(".")]
    except FileNotFoundError:
        return []


def _heure(moment: datetime) -> str:
    return f"{moment:%H%M%S%f}"


def _entrees(racine: str, sortes: tuple[str, ...], jour: date, debut: datetime,
             fin: datetime, apres: tuple[datetime, str] | None = None
             ) -> list[tuple[datetime, str]]:
    """Les ``(moment, référence)`` du jour dans ces dossiers, de ``debut`` à ``fin`` et
    strictement après ``apres``, sans doublon, dans l'ordre (moment, puis référence). Les
    bornes sont comparées aux noms (l'heure a une largeur fixe) : seules les entrées gardées
    deviennent des dates."""
    bas = _heure(debut) if jour == debut.date() else ""
    haut = _heure(fin) if jour == fin.date() else "9"
    depuis = f"{_heure(apres[0])}-{apres[1]}" if apres and apres[0].date() == jour else ""
    noms = {n for sorte in sortes for n in _noms(racine, sorte, jour)}
    entrees = []
    for nom in sorted(noms):
        heure, reference = nom[:HEURE], nom[HEURE + 1:]
        if not (bas <= heure <= haut and nom > depuis) or not heure.isdigit() or len(
                heure) != HEURE or not reference_valide(reference):
            continue
        entrees.append((datetime.combine(jour, time(int(heure[:2]), int(heure[2:4]),
                                                    int(heure[4:6]), int(heure[6:])), UTC),
                        reference))
    return entrees


def crees(racine: str, debut: datetime, fin: datetime) -> Iterator[str]:
    """Les références créées de ``debut`` à ``fin`` (UTC), les plus récentes d'abord ; à
    égalité, par référence."""
    debut, fin = debut.astimezone(UTC), fin.astimezone(UTC)
    for jour in reversed(_jours(racine, (CREES,), debut.date(), fin.date())):
        entrees = _entrees(racine, (CREES,), jour, debut, fin)
        entrees.sort(key=lambda e: e[0], reverse=True)  # stable : les références restent
        for _, reference in entrees:                    # dans l'ordre
            yield reference


def evenements(racine: str, debut: datetime, fin: datetime,
               apres: tuple[datetime, str] | None, nombre: int) -> list[tuple[datetime, str]]:
    """Les ``(moment, référence)`` des créations et des événements, dans l'ordre, après
    ``apres``."""
    debut, fin = debut.astimezone(UTC), fin.astimezone(UTC)
    if apres is not None:
        apres = (apres[0].astimezone(UTC), apres[1])
    trouves: list[tuple[datetime, str]] = []
    depuis = debut.date() if apres is None else max(debut.date(), apres[0].date())
    for jour in _jours(racine, (CREES, EVENEMENTS), depuis, fin.date()):
        for entree in _entrees(racine, (CREES, EVENEMENTS), jour, debut, fin, apres):
            trouves.append(entree)
            if len(trouves) == nombre:
                return trouves
    return trouves
