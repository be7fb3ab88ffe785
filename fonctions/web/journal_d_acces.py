"""Les journaux sans données personnelles : ni mots cherchés, ni jetons, ni coordonnées.

Une ligne du journal d'accès (``uvicorn.access``) donne l'adresse du client, la méthode, le
chemin, la version HTTP et le statut. Le chemin complet porterait des données que la page
« Vos données personnelles » promet de ne pas garder avec une adresse IP : les mots d'une
recherche (``/api/recherche?q=…``), le jeton d'une page de confirmation (``?jeton=…``), le
lien de suivi sans JavaScript du citoyen (``/api/suivi/<jeton>``), le lien signé d'un agent
ou de la coordination (``/api/agent/<jeton>``), la référence d'un signalement
(``/api/signalements/<référence>/confirmation``). Ce filtre les remplace par « … » avant
l'écriture ; les adresses de l'API du suivi (``/api/suivi/etat``…) restent lisibles ::

    >>> masquer("/api/recherche?q=mon+voisin+Dupont")
    '/api/recherche?…'
    >>> masquer("/api/agent/eyJhbGciOi.abc/photos/photo-1.jpg")
    '/api/agent/…/photos/photo-1.jpg'
    >>> masquer("/api/suivi/AIG-7K3M-Q9.Xc2abc?fait=deja"), masquer("/api/suivi/etat")
    ('/api/suivi/…?…', '/api/suivi/etat')

**Aucune coordonnée dans aucun journal.** ``proteger_les_journaux`` remplace, dans chaque
message de chaque journal du processus (et dans la trace d'une exception), les adresses
e-mail par ``<courriel>`` et les numéros de téléphone par ``<téléphone>`` : une erreur SMTP
qui cite le destinataire, par exemple, ne l'écrit pas. Les messages des fonctions n'en
mettent pas ; ceci rattrape ce qu'une bibliothèque y mettrait ::

    >>> sans_coordonnees("Refus de <lea.martin@exemple.fr> (06 12 34 56 78)")
    'Refus de <<courriel>> (<téléphone>)'
"""

from __future__ import annotations

import logging
import re

_JETON_DANS_LE_CHEMIN = re.compile(
    r"^(/api/(?:agent|coordination|suivi(?!/(?:etat|complement|confirmer|rouvrir)(?:/|$)))/)"
    r"[^/?]+")
_REFERENCE = re.compile(r"AIG-[0-9A-Z]{4}-[0-9A-Z]{2}[^/?]*")
_COURRIEL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_TELEPHONE = re.compile(r"(?<![\w.])(?:\+\d{2,3}[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}(?![\w])")


def masquer(chemin: str) -> str:
    """Le chemin sans sa chaîne de requête ni le jeton ou la référence qu'il porte."""
    chemin, point_d_interrogation, _ = chemin.partition("?")
    chemin = _REFERENCE.sub("…", _JETON_DANS_LE_CHEMIN.sub(r"\1…", chemin))
    return sans_coordonnees(chemin) + ("?…" if point_d_interrogation else "")


def sans_coordonnees(texte: str) -> str:
    """``texte`` sans adresse e-mail ni numéro de téléphone."""
    return _TELEPHONE.sub("<téléphone>", _COURRIEL.sub("<courriel>", texte))


class SansDonneesPersonnelles(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, methode, chemin, version, statut = record.args
            record.args = (client, methode, masquer(str(chemin)), version, statut)
        return True


class _SansCoordonnees:
    """La fabrique de ``LogRecord`` du processus, qui retire les coordonnées du message."""

    def __init__(self, fabrique) -> None:
        self.fabrique = fabrique

    def __call__(self, *args, **kwargs) -> logging.LogRecord:
        record = self.fabrique(*args, **kwargs)
        if record.name == "uvicorn.access":
            return record  # SansDonneesPersonnelles réécrit le chemin, seule donnée de la ligne
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record  # un message mal formé : logging le signalera lui-même
        propre = sans_coordonnees(message)
        if propre != message:
            record.msg, record.args = propre, None
        if record.exc_info and not record.exc_text:
            record.exc_text = sans_coordonnees(logging.Formatter().formatException(record.exc_info))
        return record


def proteger_les_journaux() -> None:
    """Pour tout le processus, une fois (serveur et commandes) : aucun message d'aucun journal
    ne porte d'adresse e-mail ni de numéro de téléphone."""
    fabrique = logging.getLogRecordFactory()
    if not isinstance(fabrique, _SansCoordonnees):
        logging.setLogRecordFactory(_SansCoordonnees(fabrique))


def proteger_le_journal_d_acces() -> None:
    """Pose le filtre sur le journal d'accès d'uvicorn (une fois) ; à appeler après la
    configuration des journaux par uvicorn, qui ne retire pas les filtres d'un journal."""
    journal = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, SansDonneesPersonnelles) for f in journal.filters):
        journal.addFilter(SansDonneesPersonnelles())
