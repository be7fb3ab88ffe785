"""Le journal d'accès d'uvicorn, sans les mots cherchés ni les jetons.

Une ligne du journal d'accès (``uvicorn.access``) donne l'adresse du client, la méthode, le
chemin, la version HTTP et le statut. Le chemin complet porterait des données que la page
« Vos données personnelles » promet de ne pas garder avec une adresse IP : les mots d'une
recherche (``/api/recherche?q=…``), le jeton d'une page de confirmation (``?jeton=…``), le
lien de suivi sans JavaScript du citoyen (``/api/suivi/<jeton>``), le lien signé d'un agent
ou de la coordination (``/api/agent/<jeton>``). Ce filtre les remplace par « … » avant
l'écriture ; les adresses de l'API du suivi (``/api/suivi/etat``…) restent lisibles ::

    >>> masquer("/api/recherche?q=mon+voisin+Dupont")
    '/api/recherche?…'
    >>> masquer("/api/agent/eyJhbGciOi.abc/photos/photo-1.jpg")
    '/api/agent/…/photos/photo-1.jpg'
    >>> masquer("/api/suivi/AIG-7K3M-Q9.Xc2abc?fait=deja"), masquer("/api/suivi/etat")
    ('/api/suivi/…?…', '/api/suivi/etat')
"""

from __future__ import annotations

import logging
import re

_JETON_DANS_LE_CHEMIN = re.compile(
    r"^(/api/(?:agent|coordination|suivi(?!/(?:etat|complement|confirmer|rouvrir)(?:/|$)))/)"
    r"[^/?]+")


def masquer(chemin: str) -> str:
    """Le chemin sans sa chaîne de requête ni le jeton qu'il porte."""
    chemin, point_d_interrogation, _ = chemin.partition("?")
    return _JETON_DANS_LE_CHEMIN.sub(r"\1…", chemin) + ("?…" if point_d_interrogation else "")


class SansDonneesPersonnelles(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            client, methode, chemin, version, statut = record.args
            record.args = (client, methode, masquer(str(chemin)), version, statut)
        return True


def proteger_le_journal_d_acces() -> None:
    """Pose le filtre sur le journal d'accès d'uvicorn (une fois) ; à appeler après la
    configuration des journaux par uvicorn, qui ne retire pas les filtres d'un journal."""
    journal = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, SansDonneesPersonnelles) for f in journal.filters):
        journal.addFilter(SansDonneesPersonnelles())
