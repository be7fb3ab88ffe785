"""Les réponses GeoReport v2 en JSON et en XML (``fonctions/points_d_entree/open311_formats.py``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from fonctions.domaine.validation import Erreur
from fonctions.points_d_entree.open311_formats import (
    description_d_erreur,
    en_xml,
    reponse,
    reponse_erreurs_open311,
)


def test_une_liste_devient_un_document_xml_aux_noms_de_geoReport():
    document = en_xml("service_definition", {"service_code": "a.b", "attributes": [
        {"code": "taille", "required": True, "values": [{"key": "x", "name": "X"}]}],
        "vide": None})
    assert document == (
        b'<?xml version="1.0" encoding="utf-8"?>\n<service_definition><service_code>a.b'
        b"</service_code><attributes><attribute><code>taille</code><required>true</required>"
        b"<values><value><key>x</key><name>X</name></value></values></attribute></attributes>"
        b"<vide /></service_definition>")


def test_le_texte_est_echappe_en_xml():
    racine = ET.fromstring(en_xml("errors", [{"code": 400, "description": "<a> & « b »"}]))
    assert racine.findtext("error/description") == "<a> & « b »"


def test_une_reponse_json_ou_xml():
    assert reponse([{"a": 1}], "json", "demandes").body == b'[{"a":1}]'
    xml = reponse([{"a": 1}], "xml", "demandes", statut=201)
    assert (xml.status_code, xml.media_type) == (201, "text/xml; charset=utf-8")
    assert ET.fromstring(xml.body).findtext("request/a") == "1"


def test_les_erreurs_nomment_le_champ_comme_open311():
    noms = {"latitude": "lat"}
    assert description_d_erreur(Erreur("latitude", "Hors bornes."), noms) == "lat : Hors bornes."
    assert description_d_erreur(Erreur("question-taille", "Répondez."), noms) == (
        "attribute[taille] : Répondez.")
    assert description_d_erreur(Erreur(None, "Illisible."), noms) == "Illisible."
    assert description_d_erreur(Erreur("email", "email doit être un texte.")) == (
        "email doit être un texte.")
    reponse_ = reponse_erreurs_open311([Erreur("x", "Faux."), Erreur(None, "Aussi.")], 400, "xml")
    racine = ET.fromstring(reponse_.body)
    assert [e.findtext("description") for e in racine.findall("error")] == ["x : Faux.",
                                                                           "Aussi."]
    assert reponse_erreurs_open311([Erreur(None, "Non.")], 403, "csv").body == (
        b'[{"code":403,"description":"Non."}]')
