"""Écrire une réponse GeoReport v2 en JSON ou en XML, erreurs comprises.

De petites fonctions sans état, pour que le client Open311 (``transmission/open311.py``)
et le serveur (``open311.py``) puissent un jour partager les mêmes :

- ``reponse(donnees, format_)`` : une liste ou un objet, en JSON tel quel ou en XML sous la
  racine et les éléments que GeoReport v2 nomme (``RACINES``) ;
- ``reponse_erreurs_open311(erreurs, statut, format_)`` :
  ``[{"code": 400, "description": "…"}]`` ou ``<errors><error><code>…`` ;
- ``en_xml(racine, valeur)`` : un document XML d'un dictionnaire, d'une liste ou d'un texte.

En XML, une liste prend le nom de ses éléments dans ``ELEMENTS_DE_LISTE``
(``attributes`` → ``attribute``), ``None`` est un élément vide, un booléen ``true``/``false``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from starlette.responses import Response

from fonctions.domaine.validation import Erreur
from fonctions.web.pages import ReponseJSON

FORMATS = ("json", "xml")
TYPE_XML = "text/xml; charset=utf-8"
# Le nom du document XML et celui de ses éléments, pour chaque sorte de réponse de liste.
RACINES = {
    "services": ("services", "service"),
    "demandes": ("service_requests", "request"),
    "mises_a_jour": ("service_requests_updates", "request_update"),
    "erreurs": ("errors", "error"),
}
ELEMENTS_DE_LISTE = {"attributes": "attribute", "values": "value", "endpoints": "endpoint",
                     "formats": "format"}


def _remplir(parent: Element, valeur: Any) -> None:
    if isinstance(valeur, dict):
        for nom, sous_valeur in valeur.items():
            if isinstance(sous_valeur, list):
                liste = SubElement(parent, nom)
                element = ELEMENTS_DE_LISTE.get(nom, "item")
                for item in sous_valeur:
                    _remplir(SubElement(liste, element), item)
            else:
                _remplir(SubElement(parent, nom), sous_valeur)
    elif isinstance(valeur, bool):
        parent.text = "true" if valeur else "false"
    elif valeur is not None:
        parent.text = str(valeur)


def en_xml(racine: str, valeur: Any, element: str | None = None) -> bytes:
    """``valeur`` sous l'élément ``racine`` ; une liste de premier niveau donne un élément
    ``element`` par item ::

        >>> en_xml("errors", [{"code": 404, "description": "x"}], "error")
        b"<?xml version='1.0' encoding='utf-8'?>\\n<errors><error><code>404</code>..."
    """
    document = Element(racine)
    if isinstance(valeur, list):
        for item in valeur:
            _remplir(SubElement(document, element or "item"), item)
    else:
        _remplir(document, valeur)
    return tostring(document, encoding="utf-8", xml_declaration=True)


def reponse(donnees: Any, format_: str, sorte: str | None = None, *, statut: int = 200,
            racine: str | None = None, entetes: dict[str, str] | None = None) -> Response:
    """``donnees`` en JSON, ou en XML : une liste sous ``RACINES[sorte]``, un objet sous
    ``racine``."""
    if format_ == "json":
        return ReponseJSON(donnees, status_code=statut, headers=entetes)
    nom, element = RACINES[sorte] if sorte else (racine or "response", None)
    return Response(en_xml(nom, donnees, element), status_code=statut, media_type=TYPE_XML,
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


def erreur_open311(statut: int, description: str, format_: str = "json") -> Response:
    return reponse_erreurs_open311([Erreur(None, description, statut)], statut, format_)


class Refus(Exception):
    """Une demande que le serveur Open311 refuse : ``statut`` et description en français."""

    def __init__(self, statut: int, description: str) -> None:
        super().__init__(description)
        self.statut, self.description = statut, description
