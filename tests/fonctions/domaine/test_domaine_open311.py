"""La traduction des statuts Open311 et les mises à jour d'un logiciel de service, reçues
par ``POST /api/open311/v2/servicerequestupdates.{json,xml}``."""

from __future__ import annotations

import pytest
from aides_suivi import jeton_de_suivi, poster, suivre

from fonctions.domaine import open311
from fonctions.socle.client_http import ReponseHTTP

BASE = {"jurisdiction_id": "cc-val-d-essai", "api_key": "cle-open311-de-test",
        "service_request_id": "SR-42"}


@pytest.fixture
def corps(client, boite, client_http) -> dict:
    client_http.reponses.append(ReponseHTTP(201, '[{"service_request_id": "SR-42"}]'))
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()
    return corps


def pousser(client, update_id: str, status: str, heure: int, **champs):
    reponse = client.post("/api/open311/v2/servicerequestupdates.json", data={
        **BASE, "update_id": update_id, "status": status,
        "updated_datetime": f"2025-03-11T{heure:02}:00:00Z", **champs})
    assert reponse.status_code == 200, reponse.text
    return reponse


def etat(client, corps) -> str:
    return suivre(client, jeton_de_suivi(corps)).json()["etat"]["code"]


def textes(client, corps) -> list[str]:
    return [e["texte"] for e in suivre(client, jeton_de_suivi(corps)).json()["chronologie"]]


def test_chaque_statut_etendu_a_sa_traduction():
    assert {s: open311.traduire(s, "etendus")[0] for s in open311.STATUTS} == {
        "OPEN": "prise", "UNCHANGED": "message", "FOR_TRIAGE": "prise",
        "INVESTIGATING": "pris_en_charge", "IN_PROGRESS": "en_cours",
        "ACTION_SCHEDULED": "programme", "PLANNED": "programme", "FIXED": "resolu",
        "CLOSED": "clos", "NO_FURTHER_ACTION": "clos", "UNABLE_TO_FIX": "clos",
        "WONT_FIX": "clos", "DUPLICATE": "clos", "CANCELLED": "clos",
        "NOT_COUNCILS_RESPONSIBILITY": "pas_de_notre_ressort",
        "INTERNAL_REFERRAL": "pas_de_notre_ressort", "REOPEN": "rouvre"}
    assert open311.traduire("closed") == ("resolu", None)  # ouvert-ferme, par défaut
    assert open311.traduire("closed", "etendus") == ("clos", "Clos par le service.")
    with pytest.raises(KeyError):
        open311.traduire("PERDU")


def test_closed_d_un_service_ouvert_ferme_veut_dire_resolu(client, corps):
    pousser(client, "U1", "closed", 10, description="Trou rebouché.")
    assert etat(client, corps) == "resolu"
    assert textes(client, corps)[-1] == "Trou rebouché."
    assert not any("ne donnerons pas suite" in t for t in textes(client, corps))


def test_une_mise_a_jour_plus_ancienne_est_gardee_sans_faire_reculer_l_etat(client, corps):
    pousser(client, "U2", "IN_PROGRESS", 10, description="Équipe sur place.")
    pousser(client, "U1", "INVESTIGATING", 9, description="Nous regardons.")
    assert etat(client, corps) == "en_cours"
    # Plus récente, mais en arrière : notée aussi, l'état reste.
    pousser(client, "U3", "INVESTIGATING", 11, description="Nous vérifions encore.")
    pousser(client, "U4", "OPEN", 12)  # sans texte : noté pour la coordination seulement
    pousser(client, "U5", "UNCHANGED", 13, description="Toujours en cours.")
    assert etat(client, corps) == "en_cours"
    assert textes(client, corps)[-4:] == ["Équipe sur place.", "Nous regardons.",
                                          "Nous vérifions encore.", "Toujours en cours."]


def test_apres_fixed_le_service_peut_fermer_puis_rouvrir(client, corps, stockage):
    pousser(client, "U1", "FIXED", 10)
    pousser(client, "U2", "CLOSED", 11)  # après résolu : rien ne change
    assert etat(client, corps) == "resolu"
    assert stockage.lister_ouvertes() == []
    pousser(client, "U3", "REOPEN", 12, description="Le trou s'est rouvert, nous revenons.")
    assert etat(client, corps) == "pris_en_charge"
    assert textes(client, corps)[-1] == "Le trou s'est rouvert, nous revenons."
    (entree,) = stockage.lister_ouvertes()
    assert entree["statut"] == "pris_en_charge"


def test_le_motif_d_un_refus_est_dit_une_seule_fois(client, corps):
    pousser(client, "U1", "NOT_COUNCILS_RESPONSIBILITY", 10,
            description="Route départementale : voyez le Département.")
    (texte,) = [t for t in textes(client, corps) if "Route départementale" in t]
    assert texte.count("Route départementale") == 1


def test_cancelled_clot_avec_son_motif(client, corps):
    pousser(client, "U1", "CANCELLED", 10, description="Demande en double chez nous.")
    assert etat(client, corps) == "clos"
    derniere = suivre(client, jeton_de_suivi(corps)).json()["chronologie"][-1]
    assert derniere["motif"] == "Demande en double chez nous."
    assert "Demande en double chez nous." not in derniere["texte"]


def test_plusieurs_mises_a_jour_arrivent_en_une_fois_en_json(client, corps):
    reponse = client.post(
        "/api/open311/v2/servicerequestupdates.json",
        params={"api_key": BASE["api_key"], "jurisdiction_id": BASE["jurisdiction_id"]},
        json={"service_requests_updates": [
            {"service_request_id": "SR-42", "update_id": "U1", "status": "FOR_TRIAGE",
             "updated_datetime": "2025-03-11T09:00:00Z"},
            {"service_request_id": "SR-42", "update_id": "U2", "status": "ACTION_SCHEDULED",
             "updated_datetime": "2025-03-11T11:00:00+01:00", "description": "Jeudi."}]})
    assert (reponse.status_code, reponse.json()) == (200, [{"update_id": "U1"},
                                                            {"update_id": "U2"}])
    assert etat(client, corps) == "programme"


def test_une_date_sans_fuseau_ou_un_statut_inconnu_sont_refuses(client, corps):
    sans_fuseau = client.post("/api/open311/v2/servicerequestupdates.json", data={
        **BASE, "update_id": "U1", "status": "FIXED", "updated_datetime": "2025-03-11T10:00"})
    assert (sans_fuseau.status_code, sans_fuseau.json()) == (400, [{"code": 400, "description": (
        "updated_datetime : « 2025-03-11T10:00 » n'a pas de fuseau : ajoutez Z ou +01:00.")}])
    inconnu = client.post("/api/open311/v2/servicerequestupdates.xml", data={
        **BASE, "update_id": "U1", "status": "PERDU"})
    assert inconnu.status_code == 400
    assert inconnu.headers["content-type"].startswith("text/xml")
    assert "<errors><error><code>400</code>" in inconnu.text


def test_une_mise_a_jour_sans_effet_ne_compte_pas_comme_la_derniere_appliquee(client, corps):
    pousser(client, "U1", "IN_PROGRESS", 10)
    pousser(client, "U3", "INVESTIGATING", 12)  # en arrière : notée, sans effet
    pousser(client, "U2", "FIXED", 11)  # plus récente que la dernière appliquée (10 h)
    assert etat(client, corps) == "resolu"
