"""Open311 côté logiciels des services, de bout en bout : le vrai serveur (uvicorn) et un
faux logiciel de service qui applique les règles d'open311-adapter
(``faux_back_office.py``), tous deux sur 127.0.0.1.

Envoi en XML ou en JSON (code par issue, juridiction, attributs, photo signée, contact
consenti), refus 403 qui prévient la coordination sans nouvel essai, jeton changé en
identifiant, nouvelles poussées (XML) et relevées (``python -m fonctions envoyer``), en
retard et dans le désordre."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from aides_fonctions import RACINE, champs_valides, photo
from conformite_openapi import client_verifie
from faux_back_office import FauxBackOffice, Service
from serveur_reel import CLE_OPEN311, ServeurReel
from serveurs_locaux import attendre

from fonctions.socle import georeport

ATTRIBUTS = ("aiguillage_reference", "aiguillage_issue", "aiguillage_commune", "taille")


def services() -> dict[str, Service]:
    return {"chaussee-degradee": Service("chaussee-degradee", attributs=ATTRIBUTS,
                                         attributs_obligatoires=("taille",)),
            "voirie-nid-de-poule": Service("voirie-nid-de-poule")}


def pointer_vers(faux: FauxBackOffice, **reglages):
    def modifier(modele: dict) -> None:
        modele["gestionnaires"]["cc-val-d-essai"]["transmission"].update({
            "adresse": faux.url, "juridiction": faux.juridiction,
            "codes_service": {"voirie/nid-de-poule": "chaussee-degradee"}, **reglages})
    return modifier


@pytest.fixture
def faux():
    faux = FauxBackOffice(cle=CLE_OPEN311, juridiction="val-d-essai", services=services())
    yield faux
    faux.arreter()


def demarrer(tmp_path, boite_smtp, recepteur_http, faux, **reglages) -> ServeurReel:
    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url,
                          pointer_vers(faux, **reglages))
    serveur.demarrer()
    return serveur


@pytest.fixture
def arreter():
    serveurs: list[ServeurReel] = []
    yield serveurs.append
    for serveur in serveurs:
        serveur.arreter()
        print(f"--- journal du serveur ---\n{serveur.journal()}")


def signaler(client: httpx.Client, **champs) -> dict:
    reponse = client.post("/api/signalements", data=champs_valides(
        commune="56003", latitude="47.55", longitude="-2.48", courriel="lea@exemple.fr",
        consentement="oui", **{"question-dangereux": "oui"}, **champs),
        files=[("photos", ("trou.jpg", photo(taille=(320, 240)), "image/jpeg"))])
    assert reponse.status_code == 201, reponse.text
    return reponse.json()


def chronologie(client: httpx.Client, corps: dict) -> dict:
    jeton = corps["suivi"].rpartition("#")[2]
    return client.get("/api/suivi", headers={"Authorization": f"Jeton {jeton}"}).json()


def pousser_xml(client: httpx.Client, cle: str = CLE_OPEN311, **champs) -> httpx.Response:
    corps = georeport.ecrire([champs], "xml", "service_requests_updates")
    return client.post("/api/open311/v2/servicerequestupdates.xml",
                       params={"api_key": cle, "jurisdiction_id": "cc-val-d-essai"},
                       content=corps, headers={"Content-Type": "text/xml"})


def test_un_signalement_part_en_xml_et_les_nouvelles_poussees_reviennent_dans_l_ordre(
        tmp_path, boite_smtp, recepteur_http, faux, arreter):
    serveur = demarrer(tmp_path, boite_smtp, recepteur_http, faux, format="xml",
                       statuts="etendus")
    arreter(serveur)
    with client_verifie(serveur.url, timeout=30) as client:
        corps = signaler(client)
        demande = attendre(lambda: faux.demandes and faux.demandes[0],
                           message="la demande n'est pas arrivée chez le service")
        (post,) = faux.requetes_vers("requests")
        assert post["chemin"] == "/open311/v2/requests.xml"
        assert demande.service_code == "chaussee-degradee"
        assert demande.champs["jurisdiction_id"] == "val-d-essai"
        assert demande.champs["email"] == "lea@exemple.fr"  # le citoyen l'a permis
        assert demande.attributs == {"aiguillage_reference": corps["reference"],
                                     "aiguillage_issue": "voirie/nid-de-poule",
                                     "aiguillage_commune": "56003",
                                     "taille": "Comme une assiette"}
        # Un attribut que la définition du service ne connaît pas reste dans la description.
        assert "Le trou est-il dangereux pour les vélos ? : oui" in demande.champs["description"]
        assert demande.champs["description"].endswith(f"[Aiguillage {corps['reference']}]")
        (adresse,) = demande.media_url
        image = httpx.get(adresse)
        assert (image.status_code, image.headers["content-type"]) == (200, "image/jpeg")
        assert image.content[:2] == b"\xff\xd8"
        fausse = httpx.get(adresse.replace("signature=", "signature=x"))
        assert fausse.status_code == 403

        attendre(lambda: chronologie(client, corps)["etat"]["code"] == "transmis",
                 message="la transmission n'est pas notée")
        identifiant = demande.identifiant
        en_cours = pousser_xml(client, service_request_id=identifiant, update_id="U2",
                               status="IN_PROGRESS", updated_datetime="2025-03-11T10:00:00Z",
                               description="Équipe sur place.")
        assert en_cours.status_code == 200, en_cours.text
        assert georeport.lire(en_cours.text) == [{"update_id": "U2"}]
        # Arrivée en retard : gardée dans la chronologie, l'état ne recule pas.
        en_retard = pousser_xml(client, service_request_id=identifiant, update_id="U1",
                                status="INVESTIGATING", updated_datetime="2025-03-11T08:00:00Z",
                                description="Nous regardons.")
        assert en_retard.status_code == 200
        fixe = pousser_xml(client, service_request_id=identifiant, update_id="U3",
                           status="FIXED", updated_datetime="2025-03-12T10:00:00Z",
                           description="Trou rebouché.")
        assert fixe.status_code == 200
        # Résolu a quitté l'index des ouvertes : CLOSED arrive encore (noté, sans effet).
        clos = pousser_xml(client, service_request_id=identifiant, update_id="U4",
                           status="CLOSED", updated_datetime="2025-03-12T11:00:00Z")
        assert clos.status_code == 200, clos.text
        mauvaise_cle = pousser_xml(client, cle="fausse", service_request_id=identifiant,
                                   update_id="U5", status="FIXED",
                                   updated_datetime="2025-03-12T12:00:00Z")
        assert mauvaise_cle.status_code == 403
        assert georeport.lire_erreurs(mauvaise_cle.text) == [
            (403, "api_key ou jurisdiction_id invalide.")]
        suivi = chronologie(client, corps)
    assert suivi["etat"]["code"] == "resolu"
    textes = [e["texte"] for e in suivi["chronologie"]]
    assert textes[-3:] == ["Équipe sur place.", "Nous regardons.", "Trou rebouché."]


def test_une_cle_refusee_previent_la_coordination_sans_nouvel_essai(
        tmp_path, boite_smtp, recepteur_http, faux, arreter):
    faux.cle = "une-autre-cle"
    serveur = demarrer(tmp_path, boite_smtp, recepteur_http, faux)
    arreter(serveur)
    with client_verifie(serveur.url, timeout=30) as client:
        corps = signaler(client)

    def alerte():
        for recu in list(boite_smtp.courriels):
            if recu["pour"] == ["coordination@val-d-essai.example.org"]:
                return email.message_from_bytes(recu["contenu"], policy=email.policy.default)
        return None
    message = attendre(alerte, message="la coordination n'est pas prévenue")
    texte = message.get_body(("plain",)).get_content()
    assert corps["reference"] in message["Subject"]
    assert "(403) : 403 Invalid api_key." in texte
    assert "AIGUILLAGE_CLE_OPEN311_<ID>" in texte
    assert len(faux.requetes_vers("requests")) == 1  # pas de nouvel essai
    assert faux.demandes == []


def test_un_jeton_devient_un_identifiant_et_les_nouvelles_sont_relevees(
        tmp_path, boite_smtp, recepteur_http, faux, arreter):
    faux.services["chaussee-degradee"].type = "batch"
    faux.lectures_avant_identifiant = 1  # le jeton n'est pas encore résolu à l'envoi
    serveur = demarrer(tmp_path, boite_smtp, recepteur_http, faux, releve_minutes=60)
    arreter(serveur)
    with client_verifie(serveur.url, timeout=30) as client:
        corps = signaler(client)
        demande = attendre(lambda: faux.demandes and faux.demandes[0],
                           message="la demande n'est pas arrivée chez le service")
        attendre(lambda: chronologie(client, corps)["etat"]["code"] == "transmis",
                 message="la transmission n'est pas notée")
        assert len(faux.requetes_vers("tokens/", "GET")) == 1
        # Le service donne ses nouvelles par son flux, dans le désordre.
        # (Le serveur et le faux service lisent la vraie horloge : des dates d'il y a peu.)
        for update_id, status, minutes, texte in [
                ("R2", "ACTION_SCHEDULED", 20, "Passage jeudi."),
                ("R1", "FOR_TRIAGE", 30, "Reçu, en cours de tri."),
                ("R3", "UNCHANGED", 10, "Toujours prévu jeudi.")]:
            quand = georeport.ecrire_date(datetime.now(UTC) - timedelta(minutes=minutes))
            faux.ajouter_mise_a_jour(update_id=update_id, service_request_id=demande.identifiant,
                                     status=status, updated_datetime=quand, description=texte)
        envoyer = subprocess.run(
            [sys.executable, "-m", "fonctions", "envoyer"], cwd=RACINE, capture_output=True,
            text=True, timeout=120, env={**{k: v for k, v in os.environ.items()
                                            if not k.startswith("AIGUILLAGE_")},
                                         **serveur.variables})
        assert envoyer.returncode == 0, envoyer.stderr
        assert "3 mise(s) à jour relevée(s)" in envoyer.stdout
        # Le serveur a relevé à son démarrage ; « envoyer » relève encore.
        releve = faux.requetes_vers("servicerequestupdates", "GET")[-1]
        assert releve["champs"]["api_key"] == [CLE_OPEN311]
        assert releve["champs"]["jurisdiction_id"] == ["val-d-essai"]
        suivi = chronologie(client, corps)
    assert suivi["etat"]["code"] == "programme"
    textes = [e["texte"] for e in suivi["chronologie"]]
    assert textes[-3:] == ["Reçu, en cours de tri.", "Passage jeudi.", "Toujours prévu jeudi."]


def test_une_adresse_de_photo_expiree_ou_inconnue_est_refusee(
        tmp_path, boite_smtp, recepteur_http, faux, arreter):
    serveur = demarrer(tmp_path, boite_smtp, recepteur_http, faux)
    arreter(serveur)
    with client_verifie(serveur.url, timeout=30) as client:
        signaler(client)
        demande = attendre(lambda: faux.demandes and faux.demandes[0],
                           message="la demande n'est pas arrivée chez le service")
        (adresse,) = demande.media_url
        morceaux = urlsplit(adresse)
        parametres = {k: v[0] for k, v in parse_qs(morceaux.query).items()}
        assert client.get(morceaux.path, params=parametres).status_code == 200
        autre = client.get(morceaux.path.replace("photo-1", "photo-2"), params=parametres)
        assert autre.status_code == 403
        sans = client.get(morceaux.path)
        assert sans.status_code == 403
        assert sans.json() == {"erreurs": [{"champ": None, "message": (
            "Adresse de photo fausse ou incomplète : utilisez celle reçue avec le "
            "signalement.")}]}


def test_un_envoi_coupe_pendant_que_le_service_cree_la_demande_n_en_cree_pas_une_seconde(
        tmp_path, boite_smtp, recepteur_http, faux, arreter):
    faux.pannes.append("lent")  # la demande est créée, la réponse ne part pas
    serveur = demarrer(tmp_path, boite_smtp, recepteur_http, faux)
    arreter(serveur)
    with client_verifie(serveur.url, timeout=30) as client:
        corps = signaler(client)
    attendre(lambda: faux.demandes, message="la demande n'est pas arrivée chez le service")
    serveur.tuer()  # la réponse n'a jamais été lue
    faux.liberer()
    serveur.demarrer()
    with client_verifie(serveur.url, timeout=30) as client:
        attendre(lambda: chronologie(client, corps)["etat"]["code"] == "transmis",
                 message="la transmission n'est pas notée après le redémarrage")
    assert len(faux.demandes) == 1
    assert len(faux.requetes_vers("requests")) == 1  # un seul POST
    (recherche,) = faux.requetes_vers("requests.json", "GET")
    assert recherche["champs"]["service_code"] == ["chaussee-degradee"]
