from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from fonctions.socle import georeport

XML_FIXMYSTREET = """<?xml version="1.0" encoding="utf-8"?>
<service_requests_updates>
  <request_update>
    <update_id>U1</update_id>
    <service_request_id>638344</service_request_id>
    <status>IN_PROGRESS</status>
    <updated_datetime>2025-03-11T09:30:00+01:00</updated_datetime>
    <description>Équipe sur place.</description>
    <media_url></media_url>
  </request_update>
  <request_update>
    <update_id>U2</update_id>
    <service_request_id>638344</service_request_id>
    <status>FIXED</status>
    <updated_datetime>2025-03-12T10:00:00Z</updated_datetime>
    <description></description>
  </request_update>
</service_requests_updates>"""


def test_une_reponse_s_ecrit_et_se_relit_en_json_comme_en_xml():
    objets = [{"service_request_id": "638344", "service_notice": "Merci & à bientôt <3"}]
    for format_ in georeport.FORMATS:
        assert georeport.lire(georeport.ecrire(objets, format_), format_) == objets
    assert georeport.ecrire(objets, "xml").decode().endswith(
        "<service_requests><request><service_request_id>638344</service_request_id>"
        "<service_notice>Merci &amp; à bientôt &lt;3</service_notice></request>"
        "</service_requests>")


def test_les_mises_a_jour_de_fixmystreet_se_lisent_en_xml():
    assert georeport.lire(XML_FIXMYSTREET) == [
        {"update_id": "U1", "service_request_id": "638344", "status": "IN_PROGRESS",
         "updated_datetime": "2025-03-11T09:30:00+01:00", "description": "Équipe sur place.",
         "media_url": ""},
        {"update_id": "U2", "service_request_id": "638344", "status": "FIXED",
         "updated_datetime": "2025-03-12T10:00:00Z", "description": ""}]


def test_un_objet_json_qui_enveloppe_la_liste_se_lit_aussi():
    assert georeport.lire('{"service_requests": [{"token": "T1"}]}') == [{"token": "T1"}]
    assert georeport.lire('{"update_id": "U1"}') == [{"update_id": "U1"}]


def test_une_definition_de_service_se_lit_en_json_et_en_xml():
    definition = {"service_code": "chaussee", "attributes": [
        {"code": "taille", "required": "true"}, {"code": "repere", "required": "false"}]}
    for format_ in georeport.FORMATS:
        lue = georeport.lire_objet(georeport.ecrire_objet(definition, format_), format_)
        assert [a["code"] for a in lue["attributes"]] == ["taille", "repere"]


def test_les_erreurs_open311_se_lisent_et_se_disent():
    for format_ in georeport.FORMATS:
        corps = georeport.erreurs(403, "Invalid api_key", format_)
        assert georeport.lire_erreurs(corps.decode()) == [(403, "Invalid api_key")]
    assert georeport.dire_erreurs('[{"code": 400, "description": "a"}, '
                                  '{"code": 400, "description": "b"}]') == "400 a ; 400 b"
    assert georeport.dire_erreurs("<html><body>Bad   Gateway</body></html>") == (
        "<html><body>Bad Gateway</body></html>")
    assert georeport.dire_erreurs("x" * 400).endswith("…")


def test_l_xml_dangereux_ou_mal_forme_est_refuse_en_francais():
    bombe = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
             '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><r><x>&b;</x></r>')
    with pytest.raises(georeport.ErreurGeoReport, match="entités ou une DTD"):
        georeport.lire(bombe)
    externe = ('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
               '<r><x>&e;</x></r>')
    with pytest.raises(georeport.ErreurGeoReport, match="entités ou une DTD"):
        georeport.lire(externe)
    with pytest.raises(georeport.ErreurGeoReport, match="mal formé"):
        georeport.lire("<r><x></r>")
    with pytest.raises(georeport.ErreurGeoReport, match="ni du JSON ni de l'XML"):
        georeport.lire("ok")


def test_les_dates_w3c_se_lisent_avec_leur_fuseau_et_s_ecrivent_en_utc():
    attendu = datetime(2025, 3, 11, 8, 30, tzinfo=UTC)
    for texte in ("2025-03-11T09:30:00+01:00", "2025-03-11T08:30:00Z",
                  "2025-03-11T08:30:00.000Z"):
        assert georeport.lire_date(texte) == attendu
    paris = datetime(2025, 3, 11, 9, 30, 12, 345, tzinfo=timezone(timedelta(hours=1)))
    assert georeport.ecrire_date(paris) == "2025-03-11T08:30:12Z"
    with pytest.raises(georeport.ErreurGeoReport, match="pas de fuseau"):
        georeport.lire_date("2025-03-11T09:30:00")
    with pytest.raises(georeport.ErreurGeoReport, match="n'est pas une date W3C"):
        georeport.lire_date("hier")


def test_un_corps_trop_imbrique_est_refuse_sans_planter():
    for corps in ("[" * 100_000, "<a>" * 30_000 + "</a>" * 30_000):
        with pytest.raises(georeport.ErreurGeoReport):
            georeport.lire(corps)
