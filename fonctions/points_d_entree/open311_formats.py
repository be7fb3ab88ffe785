"""Écrire une réponse GeoReport v2 en JSON ou en XML, erreurs comprises.

De petites fonctions sans état ; l'XML lui-même est écrit par ``socle/georeport.py``, le
même module que le client Open311 (``transmission/open311.py``) :

- ``reponse(donnees, format_)`` : une liste ou un objet, en JSON tel quel ou en XML sous la
  racine et les éléments que GeoReport v2 nomme (``RACINES``) ;
- ``reponse_erreurs_open311(erreurs, statut, format_)`` :
  ``[{"code": 400, "description": "…"}]`` ou ``<errors><error><code>…`` ;
- ``en_xml(racine, valeur)`` : un document XML d'un dictionnaire ou d'une liste.

En XML, une liste prend le nom de ses éléments dans ``georeport.ELEMENTS``
(``attributes`` → ``attribute``, sinon le nom sans « s »), ``None`` est un élément vide,
un booléen ``true``/``false``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.responses import Response

from fonctions.domaine.validation import Erreur
from fonctions.socle import georeport
from fonctions.web.pages import ReponseJSON

FORMATS = ("json", "xml")
TYPE_XML = "text/xml; charset=utf-8"
# Le nom du document XML pour chaque sorte de réponse de liste (le nom de ses éléments est
# celui de ``georeport.ELEMENTS``).
RACINES = {
    "services": "services",
    "demandes": "service_requests",
    "mises_a_jour": "service_requests_updates",
    "erreurs": "errors",
}


def en_xml(racine: str, valeur: Any) -> bytes:
    """``valeur`` sous l'élément ``racine``, écrit par ``socle/georeport.py`` (le même XML que
    le client Open311) ; un champ ``None`` y est un élément vide ::

        >>> en_xml("errors", [{"code": 404, "description": "x"}])
        b'<?xml version="1.0" encoding="utf-8"?>\\n<errors><error><code>404</code>...'
    """
    if isinstance(valeur, list):
        return georeport.ecrire(valeur, "xml", racine, vides=True)
    return georeport.ecrire_objet(valeur, "xml", racine, vides=True)


def reponse(donnees: Any, format_: str, sorte: str | None = None, *, statut: int = 200,
            racine: str | None = None, entetes: dict[str, str] | None = None) -> Response:
    """``donnees`` en JSON, ou en XML : une liste sous ``RACINES[sorte]``, un objet sous
    ``racine``."""
    if format_ == "json":
        return ReponseJSON(donnees, status_code=statut, headers=entetes)
    nom = RACINES[sorte] if sorte else (racine or "response")
    return Response(en_xml(nom, donnees), status_code=statut, media_type=TYPE_XML,
                    headers=entetes)


def description_d_erreur(erreur: Erreur, noms: dict[str, str] | None = None) -> str:
    """Le message, précédé du champ tel que l'appelle Open311 (``noms`` : le nom d'Aiguillage
    → celui d'Open311, ``question-taille`` → ``attribute[taille]``)."""
    if not erreur.champ:
        return erreur.message
    champ = (noms or {}).get(erreur.champ, erreur.champ)
    if champ.startswith("question-"):
        champ = f"attribute[{champ.removeprefix('question-')}]"
    if erreur.message.startswith(f"{champ} "):  # « lat doit être un texte… » : déjà dit
        return erreur.message
    return f"{champ} : {erreur.message}"


def reponse_erreurs_open311(erreurs: Sequence[Erreur], statut: int, format_: str = "json", *,
                            noms: dict[str, str] | None = None,
                            entetes: dict[str, str] | None = None) -> Response:
    """``[{"code": statut, "description": "…"}]``, une entrée par erreur, en français."""
    corps = [{"code": statut, "description": description_d_erreur(e, noms)} for e in erreurs]
    return reponse(corps, format_ if format_ in FORMATS else "json", "erreurs", statut=statut,
                   entetes=entetes)


def erreur_open311(statut: int, description: str, format_: str = "json", *,
                   entetes: dict[str, str] | None = None) -> Response:
    return reponse_erreurs_open311([Erreur(None, description, statut)], statut, format_,
                                   entetes=entetes)


class Refus(Exception):
    """Une demande que le serveur Open311 refuse : ``statut`` et description en français."""

    def __init__(self, statut: int, description: str, *,
                 entetes: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.statut, self.description, self.entetes = statut, description, entetes
