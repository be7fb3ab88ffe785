"""Le format GeoReport v2 (Open311) : écrire et lire JSON et XML, les erreurs, les dates.

Ce module ne connaît ni signalement ni requête : il traduit. Il sert au client qui
transmet aux services (``transmission/open311.py``), à la réception de leurs mises à jour
(``points_d_entree/mises_a_jour.py``) et peut servir au serveur Open311.

Les formes suivent la spécification et ce qu'écrivent FixMyStreet et open311-adapter
(mySociety) :

- JSON : une liste d'objets (``[{"service_request_id": "638344"}]``) ; FixMyStreet accepte
  aussi un objet qui enveloppe la liste (``{"service_requests": [...]}``) ;
- XML : un élément racine au pluriel, un enfant par objet, un sous-élément par champ ::

      <service_requests><request><service_request_id>638344</service_request_id></request>
      </service_requests>

  (``<service_requests_updates><request_update>…`` pour les mises à jour,
  ``<errors><error><code>403</code><description>…</description></error></errors>``) ;
- dates : W3C (ISO 8601 avec fuseau), ``2025-03-10T09:00:00Z`` ou ``…+01:00``.

L'XML reçu est lu avec ``defusedxml`` : une entité externe ou une « bombe » d'entités
lève ``ErreurGeoReport`` au lieu d'être suivie.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring  # écrire seulement

from defusedxml import ElementTree as XMLSur
from defusedxml.common import DefusedXmlException

FORMATS = ("json", "xml")
# L'élément de chaque objet sous sa racine XML (comme Open311::Endpoint::Spark).
ELEMENTS = {
    "service_requests": "request",
    "services": "service",
    "errors": "error",
    "service_requests_updates": "request_update",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "media_urls": "media_url",
}
TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


class ErreurGeoReport(ValueError):
    """Un corps qui ne se lit pas comme du GeoReport v2 (message en français)."""


# -- écrire ----------------------------------------------------------------------------------

def ecrire(objets: Iterable[Mapping[str, Any]], format_: str,
           racine: str = "service_requests") -> bytes:
    """Une liste d'objets GeoReport en JSON ou en XML.

    >>> ecrire([{"service_request_id": "638344"}], "xml")[-60:]
    b'<request><service_request_id>638344</service_request_id></request></service_requests>'
    """
    objets = list(objets)
    if format_ == "json":
        return json.dumps(objets, ensure_ascii=False).encode()
    if format_ != "xml":
        raise ValueError(f"format inconnu : {format_}")
    element = ELEMENTS.get(racine, racine.removesuffix("s"))
    arbre = Element(racine)
    for objet in objets:
        _remplir(SubElement(arbre, element), objet)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(arbre, encoding="unicode").encode()


def ecrire_objet(objet: Mapping[str, Any], format_: str,
                 racine: str = "service_definition") -> bytes:
    """Un seul objet (une définition de service) : l'objet JSON, ou ``<racine>`` en XML."""
    if format_ == "json":
        return json.dumps(objet, ensure_ascii=False).encode()
    arbre = Element(racine)
    _remplir(arbre, objet)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + tostring(arbre, encoding="unicode").encode()


def _remplir(parent: Element, objet: Mapping[str, Any]) -> None:
    for cle, valeur in objet.items():
        if valeur is None:
            continue
        if isinstance(valeur, list | tuple):
            liste = SubElement(parent, cle)
            element = ELEMENTS.get(cle, cle.removesuffix("s"))
            for item in valeur:
                if isinstance(item, Mapping):
                    _remplir(SubElement(liste, element), item)
                else:
                    SubElement(liste, element).text = _texte(item)
        elif isinstance(valeur, Mapping):
            _remplir(SubElement(parent, cle), valeur)
        else:
            SubElement(parent, cle).text = _texte(valeur)


def _texte(valeur: Any) -> str:
    if isinstance(valeur, bool):
        return "true" if valeur else "false"
    if isinstance(valeur, datetime):
        return ecrire_date(valeur)
    return str(valeur)


def erreurs(code: int, description: str, format_: str = "json") -> bytes:
    """Le corps d'erreur Open311 : ``[{"code": 403, "description": "…"}]`` ou ``<errors>``."""
    return ecrire([{"code": code, "description": description}], format_, "errors")


def ecrire_date(moment: datetime) -> str:
    """W3C, en UTC, à la seconde : ``2025-03-10T09:00:00Z``."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- lire ------------------------------------------------------------------------------------

def format_du_corps(texte: str, type_: str = "") -> str:
    """``xml`` ou ``json`` : d'après le type annoncé, sinon d'après le premier signe."""
    if "xml" in type_.lower():
        return "xml"
    if "json" in type_.lower():
        return "json"
    return "xml" if texte.lstrip().startswith("<") else "json"


def lire(texte: str | bytes, format_: str | None = None) -> list[dict[str, Any]]:
    try:
        return _lire(texte, format_)
    except RecursionError:
        raise ErreurGeoReport("le corps est imbriqué sur trop de niveaux.") from None


def _lire(texte: str | bytes, format_: str | None = None) -> list[dict[str, Any]]:
    """Les objets d'une réponse GeoReport (liste JSON, objet qui l'enveloppe, ou XML).

    Chaque objet est un ``dict`` de textes ; en XML, un champ répété ou une liste
    (``<media_urls>``, ``<attributes>``) devient une liste. Lève ``ErreurGeoReport``.
    """
    if isinstance(texte, bytes):
        try:
            texte = texte.decode("utf-8")
        except UnicodeDecodeError:
            raise ErreurGeoReport("le corps n'est pas en UTF-8.") from None
    format_ = format_ or format_du_corps(texte)
    if format_ == "xml" or texte.lstrip().startswith("<"):
        return _lire_xml(texte)
    try:
        donnees = json.loads(texte)
    except ValueError:
        raise ErreurGeoReport("le corps n'est ni du JSON ni de l'XML.") from None
    if isinstance(donnees, Mapping):
        listes = [v for v in donnees.values() if isinstance(v, list)]
        donnees = listes[0] if len(listes) == 1 else [donnees]
    if not isinstance(donnees, list) or not all(isinstance(o, Mapping) for o in donnees):
        raise ErreurGeoReport("le JSON doit être une liste d'objets.")
    return [dict(o) for o in donnees]


def lire_objet(texte: str | bytes, format_: str | None = None) -> dict[str, Any]:
    """Un seul objet (une définition de service : ``{"service_code": …, "attributes": […]}``
    ou ``<service_definition>…</service_definition>``). Lève ``ErreurGeoReport``."""
    if isinstance(texte, bytes):
        texte = texte.decode("utf-8", errors="replace")
    if (format_ or format_du_corps(texte)) == "xml" or texte.lstrip().startswith("<"):
        try:
            return _objet_xml(_racine_xml(texte))
        except RecursionError:
            raise ErreurGeoReport("le corps est imbriqué sur trop de niveaux.") from None
    try:
        donnees = json.loads(texte)
    except (ValueError, RecursionError):
        raise ErreurGeoReport("le corps n'est ni du JSON ni de l'XML.") from None
    if isinstance(donnees, list) and len(donnees) == 1:
        donnees = donnees[0]
    if not isinstance(donnees, dict):
        raise ErreurGeoReport("le JSON doit être un objet.")
    return donnees


def _racine_xml(texte: str):
    try:
        return XMLSur.fromstring(texte.encode("utf-8"))
    except DefusedXmlException:
        raise ErreurGeoReport("l'XML contient des entités ou une DTD, refusées.") from None
    except Exception:  # ParseError
        raise ErreurGeoReport("l'XML est mal formé.") from None


def _lire_xml(texte: str) -> list[dict[str, Any]]:
    racine = _racine_xml(texte)
    enfants = list(racine)
    if enfants and all(len(e) == 0 for e in enfants):
        return [_objet_xml(racine)]  # un seul objet, sans racine au pluriel
    return [_objet_xml(e) for e in enfants]


def _objet_xml(element) -> dict[str, Any]:
    objet: dict[str, Any] = {}
    for enfant in element:
        if len(enfant):
            valeur: Any = ([_objet_xml(e) if len(e) else (e.text or "") for e in enfant])
        else:
            valeur = (enfant.text or "").strip()
        if enfant.tag in objet:  # champ répété : une liste
            ancienne = objet[enfant.tag]
            objet[enfant.tag] = [*(ancienne if isinstance(ancienne, list) else [ancienne]), valeur]
        else:
            objet[enfant.tag] = valeur
    return objet


def lire_erreurs(texte: str) -> list[tuple[int | None, str]]:
    """Les erreurs Open311 d'un corps (``[(403, "Invalid api_key")]``), ou ``[]`` s'il n'en
    porte pas de lisibles."""
    try:
        objets = lire(texte)
    except ErreurGeoReport:
        return []
    lues = []
    for objet in objets:
        description = objet.get("description")
        if not isinstance(description, str) or "code" not in objet:
            continue
        try:
            code = int(objet["code"])
        except (TypeError, ValueError):
            code = None
        lues.append((code, description.strip()))
    return lues


def dire_erreurs(texte: str, longueur: int = 300) -> str:
    """Les erreurs d'une réponse, lisibles par la coordination : « 403 Invalid api_key »."""
    lues = lire_erreurs(texte)
    if lues:
        return " ; ".join(f"{code} {description}" if code else description
                          for code, description in lues)[:longueur]
    texte = " ".join(texte.split())
    return (texte[: longueur - 1] + "…") if len(texte) > longueur else texte


def lire_date(texte: str) -> datetime:
    """Une date W3C (``2025-03-10T09:00:00Z``, ``…+01:00``, ``…T09:00:00.123Z``) en UTC.
    Une date sans fuseau est refusée : on ne devine pas l'heure d'un autre logiciel."""
    texte = texte.strip()
    try:
        moment = datetime.fromisoformat(texte.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ErreurGeoReport(f"« {texte[:40]} » n'est pas une date W3C "
                              "(2025-03-10T09:00:00Z).") from None
    if moment.tzinfo is None:
        raise ErreurGeoReport(f"« {texte[:40]} » n'a pas de fuseau : ajoutez Z ou +01:00.")
    return moment.astimezone(UTC)
