from __future__ import annotations

import io
import json
import re
from urllib.parse import urlsplit

import pytest
from aides_fonctions import champs_valides, fichiers_du_dossier, photo
from PIL import Image

from fonctions.socle.jetons import reference_valide
from fonctions.web.lecture import OCTETS_MAX_CORPS

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"
NAVIGATEUR = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def poster(client, champs=None, photos=(), entetes=None, **options):
    if photos:
        fichiers = [("photos", (f"p{i}.jpg", contenu, "image/jpeg")) for i, contenu in
                    enumerate(photos)]
        return client.post("/api/signalements", data=champs or champs_valides(), files=fichiers,
                           headers=entetes or {}, **options)
    return client.post("/api/signalements", json=champs or champs_valides(),
                       headers=entetes or {}, **options)


def rien_n_est_stocke(reglages) -> bool:
    return [f for f in fichiers_du_dossier(reglages.donnees)
            if f.startswith(("signalements", "photos", "boite_envoi"))] == []


def test_un_signalement_json_est_enregistre_et_le_citoyen_sait_qui_le_recoit(client, stockage):
    reponse = poster(client)
    assert reponse.status_code == 201
    corps = reponse.json()
    reference = corps["reference"]
    assert reference_valide(reference)
    jeton = corps["suivi"].rpartition("#")[2]
    assert corps == {
        "reference": reference,
        "suivi": f"https://aiguillage.example.org/suivi/#{jeton}",
        "confirmation": (f"https://aiguillage.example.org/api/signalements/{reference}/"
                         f"confirmation?jeton={jeton}"),
        "gestionnaire": {"id": "mairie-bourg-les-essais", "nom": "Mairie de Bourg-les-Essais"},
        "prochaine_etape": ("Mairie de Bourg-les-Essais reçoit votre signalement. Ce service "
                            "s'engage à en accuser réception sous 3 jours ouvrés. Gardez la "
                            f"référence {reference}."),
    }
    assert jeton.startswith(reference + ".")
    assert reponse.headers["cache-control"] == "no-store"
    assert stockage.lire_signalement(reference)["description"] == champs_valides()["description"]
    assert [e["id"] for e in stockage.lister_envois()] == [f"{reference}-transmission"]


def test_un_service_sans_transmission_le_dit_au_citoyen(client):
    corps = poster(client, {"noeud": "eclairage/lampadaire-eteint",
                            "description": "Éteint depuis trois jours."}).json()
    assert corps["prochaine_etape"] == (
        f"Votre signalement est enregistré sous la référence {corps['reference']}. Syndicat "
        "d'énergie du Val d'Essai ne reçoit pas encore les signalements par Aiguillage : pour "
        "qu'il soit traité, appelez le 02 61 00 00 04.")


def test_les_photos_sont_verifiees_reencodees_et_rangees_a_cote_des_donnees(client, stockage):
    reponse = poster(client, photos=[photo(), photo("PNG"), photo("WEBP")])
    assert reponse.status_code == 201
    reference = reponse.json()["reference"]
    document = stockage.lire_signalement(reference)
    assert [p["nom"] for p in document["photos"]] == ["photo-1.jpg", "photo-2.jpg", "photo-3.jpg"]
    for description in document["photos"]:
        contenu = stockage.lire_photo(reference, description["nom"])
        assert b"TELEPHONE-SECRET" not in contenu
        with Image.open(io.BytesIO(contenu)) as image:
            assert image.format == "JPEG"


def test_un_formulaire_sans_javascript_est_redirige_vers_sa_page_de_suivi(client, stockage):
    reponse = client.post("/api/signalements", data=champs_valides(), headers=NAVIGATEUR,
                          follow_redirects=False)
    assert reponse.status_code == 303
    adresse = urlsplit(reponse.headers["location"])
    jeton = adresse.path.removeprefix("/api/suivi/")
    reference = jeton.partition(".")[0]
    assert (adresse.path, adresse.query) == (f"/api/suivi/{jeton}", "")
    assert reference_valide(reference)
    page = client.get(reponse.headers["location"])
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    texte = page.text
    assert "<h1>Votre signalement est enregistré</h1>" in texte
    assert f'<span class="reference">{reference}</span>' in texte
    assert "Il est confié à : <strong>Mairie de Bourg-les-Essais</strong>." in texte
    lien = f"https://aiguillage.example.org/api/suivi/{jeton}"
    assert f'<p><a class="lien" href="{lien}">{lien}</a></p>' in texte
    application = f"https://aiguillage.example.org/suivi/#{jeton}"
    assert f"<a href=\"{application}\">ce suivi dans l'application</a>" in texte
    assert stockage.compter_signalements() == 1


def test_un_formulaire_multipart_sans_javascript_avec_photo_est_redirige(client):
    reponse = poster(client, photos=[photo()], entetes=NAVIGATEUR, follow_redirects=False)
    assert reponse.status_code == 303


def test_une_confirmation_au_jeton_faux_n_existe_pas(client):
    reference = poster(client).json()["reference"]
    for adresse in [f"/api/signalements/{reference}/confirmation?jeton={reference}.faux",
                    f"/api/signalements/{reference}/confirmation",
                    "/api/signalements/AIG-2222-22/confirmation?jeton=x",
                    "/api/signalements/inconnu/confirmation?jeton=x"]:
        page = client.get(adresse)
        assert page.status_code == 404
        assert "Ce lien de suivi n&#39;est pas valide" in page.text


@pytest.mark.parametrize(("champs", "statut", "attendu"), [
    (champs_valides(noeud="voirie/inconnu"), 422, [{"champ": "noeud", "message": (
        "Le problème « voirie/inconnu » n'existe pas (ou plus) : rechargez la page et "
        "recommencez.")}]),
    (champs_valides(commune="29019"), 422, [{"champ": "commune", "message": (
        "La commune 29019 ne fait pas partie du territoire (Communauté de communes du Val "
        "d'Essai).")}]),
    (champs_valides(description="x" * 4001), 422, [{"champ": "description", "message": (
        "La description fait 4\u202f001 caractères ; 4\u202f000 au plus.")}]),
])
def test_une_demande_invalide_est_refusee_en_francais_sans_rien_stocker(
        client, reglages, champs, statut, attendu):
    reponse = poster(client, champs)
    assert reponse.status_code == statut
    assert reponse.json() == {"erreurs": attendu}
    assert rien_n_est_stocke(reglages)


def test_un_fichier_qui_n_est_pas_une_image_est_refuse_415_sans_rien_stocker(client, reglages):
    reponse = poster(client, photos=[photo(), b"MZ\x90\x00 programme"])
    assert reponse.status_code == 415
    assert reponse.json() == {"erreurs": [{"champ": "photos", "message": (
        "Photo 2 : Ce fichier n'est pas une photo : envoyez une image JPEG, PNG ou WebP.")}]}
    assert rien_n_est_stocke(reglages)


def test_trop_de_photos_sont_refusees_422_sans_rien_stocker(client, reglages):
    reponse = poster(client, photos=[photo()] * 4)
    assert reponse.status_code == 422
    assert reponse.json() == {"erreurs": [{"champ": "photos", "message": (
        "3 photos au plus (vous en avez joint 4).")}]}
    assert rien_n_est_stocke(reglages)


def test_un_envoi_trop_gros_est_refuse_413_sans_rien_stocker(client, reglages):
    reponse = client.post("/api/signalements", content=b"x" * (OCTETS_MAX_CORPS + 1),
                          headers={"Content-Type": "application/json"})
    assert reponse.status_code == 413
    assert reponse.json()["erreurs"][0]["champ"] is None
    assert rien_n_est_stocke(reglages)


def test_un_envoi_d_un_autre_type_est_refuse_415(client):
    reponse = client.post("/api/signalements", content=b"<signalement/>",
                          headers={"Content-Type": "text/xml"})
    assert reponse.status_code == 415


def test_un_json_casse_est_refuse_400(client):
    reponse = client.post("/api/signalements", content=b"{",
                          headers={"Content-Type": "application/json"})
    assert reponse.status_code == 400
    assert reponse.json() == {"erreurs": [{"champ": None, "message": "Le JSON reçu est illisible."}]}


def test_un_formulaire_sans_javascript_invalide_revient_avec_ses_valeurs_et_ses_erreurs(
        client, reglages):
    champs = champs_valides(commune="56002", description="<img src=x onerror=alert(1)>" + "x" * 4000)
    reponse = client.post("/api/signalements", data=champs, headers=NAVIGATEUR)
    assert reponse.status_code == 422
    assert reponse.headers["content-type"] == "text/html; charset=utf-8"
    assert reponse.headers["cache-control"] == "no-store"
    assert "<title>Erreur : Un nid-de-poule à Saint-Exemple : signaler à Mairie de Saint-Exemple" in (
        reponse.text)
    assert ('<li><a href="#description">Description : La description fait 4\u202f028 '
            "caractères ; 4\u202f000 au plus.</a></li>") in reponse.text
    assert ">&lt;img src=x onerror=alert(1)&gt;xxx" in reponse.text
    assert "<img" not in reponse.text
    assert rien_n_est_stocke(reglages)


def test_trop_d_envois_depuis_une_meme_adresse_sont_refuses_429(fabrique_client):
    client = fabrique_client(limite_debit=(2, 600.0))
    assert [poster(client).status_code for _ in range(2)] == [201, 201]
    reponse = poster(client)
    assert reponse.status_code == 429
    assert reponse.headers["retry-after"] == "600"
    assert reponse.json() == {"erreurs": [{"champ": None, "message": (
        "Trop d'envois depuis votre connexion : réessayez dans 10 minutes.")}]}
    page = client.post("/api/signalements", data=champs_valides(), headers=NAVIGATEUR)
    assert page.status_code == 429
    assert "Trop d&#39;envois depuis votre connexion" in page.text


def test_un_envoi_rejoue_n_est_enregistre_qu_une_fois(client, stockage):
    premier = poster(client, entetes={"Idempotency-Key": CLE})
    second = poster(client, entetes={"Idempotency-Key": CLE})
    assert (premier.status_code, second.status_code) == (201, 200)
    assert second.content == premier.content
    assert stockage.compter_signalements() == 1


def test_un_envoi_rejoue_avec_photos_rend_le_meme_signalement(client, stockage):
    premier = poster(client, photos=[photo()], entetes={"Idempotency-Key": CLE})
    second = poster(client, photos=[photo()], entetes={"Idempotency-Key": CLE})
    assert (premier.status_code, second.status_code) == (201, 200)
    assert second.json() == premier.json()
    assert stockage.compter_signalements() == 1


def test_la_meme_cle_pour_un_autre_contenu_est_refusee_422(client, stockage):
    poster(client, entetes={"Idempotency-Key": CLE})
    reponse = poster(client, champs_valides(description="Autre chose."),
                     entetes={"Idempotency-Key": CLE})
    assert reponse.status_code == 422
    assert reponse.json() == {"erreurs": [{"champ": "Idempotency-Key", "message": (
        "Cette clé d'idempotence a déjà servi pour un autre signalement : utilisez-en "
        "une nouvelle.")}]}
    assert stockage.compter_signalements() == 1


def test_une_cle_encore_en_cours_donne_409(client, stockage):
    with stockage.reserver_cle(CLE, "peu-importe", "AIG-7K3M-Q2"):
        reponse = poster(client, entetes={"Idempotency-Key": CLE})
    assert reponse.status_code == 409
    assert reponse.headers["retry-after"] == "2"
    assert reponse.json()["erreurs"][0]["champ"] == "Idempotency-Key"
    assert stockage.compter_signalements() == 0


def test_une_cle_invalide_est_refusee_400(client):
    reponse = poster(client, entetes={"Idempotency-Key": "pas-un-uuid"})
    assert reponse.status_code == 400


def test_un_formulaire_sans_javascript_rejoue_garde_sa_cle_dans_un_champ(client, stockage):
    champs = champs_valides(idempotency_key=CLE)
    premier = client.post("/api/signalements", data=champs, headers=NAVIGATEUR,
                          follow_redirects=False)
    second = client.post("/api/signalements", data=champs, headers=NAVIGATEUR,
                         follow_redirects=False)
    assert second.headers["location"] == premier.headers["location"] + "?fait=deja"
    assert stockage.compter_signalements() == 1


def test_le_texte_du_citoyen_reste_du_texte_dans_la_reponse(client, stockage):
    texte = '<script>alert("x")</script> & "guillemets"'
    reponse = poster(client, champs_valides(description=texte))
    assert stockage.lire_signalement(reponse.json()["reference"])["description"] == texte
    assert "<script>" not in json.dumps(reponse.json())
    page = client.get(urlsplit(reponse.json()["confirmation"]).path + "?" +
                      urlsplit(reponse.json()["confirmation"]).query)
    assert "<script>" not in page.text
    assert re.search(r"<script", page.text) is None


def test_une_moitie_de_paire_de_substitution_en_json_est_remplacee_pas_une_erreur(client, stockage):
    # « \ud800 » est du JSON valide, mais pas un caractère : il n'a pas d'UTF-8.
    corps = json.dumps(champs_valides()).replace("rue des", "rue \\ud800 des", 1)
    reponse = client.post("/api/signalements", content=corps.encode(),
                          headers={"Content-Type": "application/json", "Idempotency-Key": CLE})
    assert reponse.status_code == 201
    description = stockage.lire_signalement(reponse.json()["reference"])["description"]
    assert "rue \ufffd des" in description


JE_NE_TROUVE_PAS = {"noeud": "je-ne-trouve-pas", "commune": "56001",
                    "description": "Je n'arrive pas à refaire ma carte d'identité."}


def test_je_ne_trouve_pas_est_recu_par_la_coordination_qui_le_dit_au_citoyen(client, stockage):
    reponse = poster(client, JE_NE_TROUVE_PAS, entetes={"Idempotency-Key": CLE})
    assert reponse.status_code == 201
    corps = reponse.json()
    reference = corps["reference"]
    assert corps["gestionnaire"] == {"id": "coordination",
                                     "nom": "Coordination des signalements du Val d'Essai"}
    assert corps["prochaine_etape"] == (
        "Coordination des signalements du Val d'Essai reçoit votre signalement : une personne "
        "va le lire et le transmettre au service qui s'en occupe. Votre suivi vous dira quel "
        f"service l'a. Gardez la référence {reference}.")
    assert stockage.lire_signalement(reference)["etat"] == "a_orienter"
    assert [e["id"] for e in stockage.lister_envois()] == [f"{reference}-transmission"]
    rejoue = poster(client, JE_NE_TROUVE_PAS, entetes={"Idempotency-Key": CLE})
    assert (rejoue.status_code, rejoue.content) == (200, reponse.content)
    assert stockage.compter_signalements() == 1


def test_je_ne_trouve_pas_sans_javascript_mene_a_sa_confirmation(client, stockage):
    reponse = client.post("/api/signalements", data={**JE_NE_TROUVE_PAS, "idempotency_key": CLE},
                          headers=NAVIGATEUR, follow_redirects=False)
    assert reponse.status_code == 303
    page = client.get(reponse.headers["location"]).text
    assert ("Il est confié à : <strong>Coordination des signalements du Val d&#39;Essai"
            "</strong>.") in page
    assert "<p>Un autre problème, à Bourg-les-Essais.</p>" in page
    assert "État : <strong>À orienter par la coordination</strong>." in page
    refus = client.post("/api/signalements", data={**JE_NE_TROUVE_PAS, "description": ""},
                        headers=NAVIGATEUR)
    assert refus.status_code == 422
    assert 'href="/je-ne-trouve-pas/"' in refus.text  # « Revenir » mène à la même page
    assert stockage.compter_signalements() == 1
