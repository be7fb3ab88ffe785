from __future__ import annotations

from aides_fonctions import photo
from aides_suivi import (
    NAVIGATEUR,
    agir,
    csrf_de,
    jeton_de_suivi,
    lien_agent,
    poster,
    suivre,
    texte_de,
)

from fonctions.actions import revoquer_liens
from fonctions.jetons import jeton_agent
from fonctions.suivi import Auteur


def transmis(client, boite, expediteur, **champs) -> tuple[dict, str]:
    """Un signalement transmis par courriel à la mairie de Bourg-les-Essais, et son lien."""
    corps = poster(client, **champs)
    boite.traiter_une_fois()
    return corps, lien_agent(expediteur.messages[-1])


def test_la_page_de_l_agent_montre_le_signalement_sans_compte_et_sans_javascript(
        client, boite, expediteur):
    corps, lien = transmis(client, boite, expediteur, courriel="lea@exemple.fr",
                           consentement="oui")
    page = client.get(lien)
    assert page.status_code == 200
    assert page.headers["x-robots-tag"] == "noindex"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<meta name="robots" content="noindex">' in page.text
    assert "<script" not in page.text
    texte = texte_de(page.text)
    for attendu in [
        f"Signalement {corps['reference']}",
        "Pour Mairie de Bourg-les-Essais : Transmis, en attente de prise en charge",
        "Votre service s'est engagé à en accuser réception d'ici le 13 mars 2025 à 10 h 00.",
        "Description du citoyen Un trou profond devant l'école, rue des Écoles.",
        "Quelle est la taille du trou ? Comme une assiette",
        "Qu'avez-vous constaté ? → La rue, le trottoir, la route",
        "Sécurisez (barrière, cône) si le trou dépasse 10 cm.",
        "courriel : lea@exemple.fr",
        "Nous avons bien reçu votre signalement et nous nous en occupons.",
    ]:
        assert attendu in texte, attendu
    assert '<optgroup label="Intercommunalités">' in page.text
    assert '<option value="cc-val-d-essai">' in page.text
    assert 'value="mairie-bourg-les-essais"' not in page.text  # pas soi-même


def test_l_agent_prend_en_charge_et_le_citoyen_le_lit(client, boite, expediteur, notificateur):
    corps, lien = transmis(client, boite, expediteur)
    reponse = agir(client, lien, "pris_en_charge", message="On passe demain matin.")
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"{lien}?fait=pris_en_charge"
    page = client.get(reponse.headers["location"])
    assert "C'est noté : le citoyen sait que vous avez pris en charge" in texte_de(page.text)
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["etat"]["code"] == "pris_en_charge"
    assert suivi["chronologie"][-1] == {
        "date": "2025-03-10T09:00:00+00:00", "date_en_clair": "10 mars 2025 à 10 h 00",
        "type": "pris_en_charge", "titre": "Pris en charge", "qui": "Mairie de Bourg-les-Essais",
        "texte": "On passe demain matin.", "motif": None, "votre_message": None}
    assert notificateur.types() == ["transmis", "pris_en_charge"]


def test_un_message_vide_reprend_le_texte_tout_pret(client, boite, expediteur):
    corps, lien = transmis(client, boite, expediteur)
    agir(client, lien, "en_cours", message="  ")
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["chronologie"][-1]["texte"] == "Une équipe travaille à régler le problème."


def test_clore_demande_un_motif_que_le_citoyen_lira(client, boite, expediteur):
    corps, lien = transmis(client, boite, expediteur)
    refus = agir(client, lien, "clos", motif="autre", motif_autre="")
    assert refus.status_code == 422
    assert "Indiquez le motif : le citoyen saura pourquoi." in texte_de(refus.text)
    agir(client, lien, "clos", motif="autre", motif_autre="Trou rebouché par le voisin.")
    etape = suivre(client, jeton_de_suivi(corps)).json()["chronologie"][-1]
    assert (etape["titre"], etape["motif"]) == ("Clos sans suite", "Trou rebouché par le voisin.")
    page = client.get(lien)
    assert "Clos sans suite" in texte_de(page.text)
    assert 'name="action"' not in page.text  # plus rien à changer


def test_pas_de_notre_ressort_transmet_au_service_nomme_et_retire_le_lien(
        client, boite, expediteur, client_http, stockage):
    corps, lien = transmis(client, boite, expediteur)
    reponse = agir(client, lien, "pas_de_notre_ressort", motif="Ce n'est pas de notre compétence.",
                   vers="cc-val-d-essai", message="La rue est intercommunale.")
    assert reponse.status_code == 200
    assert "Le signalement est confié à Communauté de communes du Val d'Essai" in texte_de(
        reponse.text)
    boite.traiter_une_fois()
    (requete,) = client_http.requetes  # la CC reçoit par Open311, avec tout l'historique gardé
    assert requete["url"].endswith("/open311/v2/requests.json")
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert [e["type"] for e in suivi["chronologie"]] == [
        "recu", "transmis", "pas_de_notre_ressort", "transmis"]
    assert suivi["chronologie"][2]["texte"] == (
        "Mairie de Bourg-les-Essais indique que ce n'est pas de son ressort : « Ce n'est pas de "
        "notre compétence ». La rue est intercommunale. Votre signalement est transmis à "
        "Communauté de communes du Val d'Essai, qui l'a maintenant.")
    assert suivi["qui_s_en_occupe"][0]["nom"] == "Communauté de communes du Val d'Essai"
    evenement = stockage.lire_signalement(corps["reference"])["historique"][2]
    assert evenement["par"] == {"qui": "service", "canal": "lien",
                                "gestionnaire": "mairie-bourg-les-essais"}
    retire = client.get(lien)
    assert retire.status_code == 410
    assert ("Ce signalement n'est plus confié à Mairie de Bourg-les-Essais : il est maintenant "
            "suivi par Communauté de communes du Val d'Essai.") in texte_de(retire.text)


def test_sans_service_nomme_la_coordination_le_recoit_pour_l_orienter(
        client, boite, expediteur, stockage):
    corps, lien = transmis(client, boite, expediteur)
    agir(client, lien, "pas_de_notre_ressort", motif="Ce lieu n'est pas sur notre territoire.",
         vers="")
    boite.traiter_une_fois()
    alerte = expediteur.messages[-1]
    assert alerte["To"] == "coordination@val-d-essai.example.org"
    assert alerte["Subject"].startswith("[À orienter] Signalement")
    assert "/api/coordination" in alerte.get_body(("plain",)).get_content()
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["etat"]["code"] == "a_orienter"
    assert suivi["chronologie"][-1]["texte"].endswith(
        "Coordination des signalements du Val d'Essai l'a maintenant et cherche le bon service "
        "pour vous.")
    assert [e["statut"] for e in stockage.lister_ouvertes()] == ["a_orienter"]


def test_un_lien_falsifie_expire_ou_retire_est_refuse_avec_une_page_claire(
        client, boite, expediteur, horloge, reglages, stockage):
    corps, lien = transmis(client, boite, expediteur)
    falsifie = lien[:-3] + ("AAA" if not lien.endswith("AAA") else "BBB")
    page = client.get(falsifie)
    assert page.status_code == 404
    assert "Ce lien de prise en charge n'est pas valide" in texte_de(page.text)
    autre_numero = lien.replace(f"{corps['reference']}.1.", f"{corps['reference']}.2.")
    assert client.get(autre_numero).status_code == 404

    horloge.avancer(days=31)
    expire = client.get(lien)
    assert expire.status_code == 410
    assert "Ce lien a expiré le 9 avril 2025 à 11 h 00." in texte_de(expire.text)
    assert "Recevoir un nouveau lien" in expire.text
    demande = client.post(f"{lien}/nouveau-lien", data={"csrf": csrf_de(expire.text)})
    assert "Un nouveau lien part vers votre service" in texte_de(demande.text)
    boite.traiter_une_fois()
    assert expediteur.messages[-1]["Subject"].startswith("[Nouveau lien]")
    neuf = lien_agent(expediteur.messages[-1])
    assert client.get(neuf).status_code == 200

    sel = stockage.lire_signalement(corps["reference"])["attributions"][0]["sel"]
    ancien = jeton_agent(str(reglages.cle_secrete), corps["reference"], 1, sel,
                         int(horloge().timestamp()) - 60)
    client.app_state["aiguillage"].suivi.changer(corps["reference"], revoquer_liens(1),
                                                 Auteur("coordination", "page"))
    retire = client.get(f"/api/agent/{ancien}")
    assert retire.status_code == 410
    assert "Ce lien a été retiré par la coordination." in texte_de(retire.text)


def test_les_photos_ne_sont_servies_qu_avec_un_lien_valide(client, boite, expediteur):
    reponse = client.post("/api/signalements", data={
        "noeud": "voirie/nid-de-poule", "commune": "56001", "description": "Trou",
        "adresse": "Place", "question-taille": "Plus grand"},
        files=[("photos", ("t.jpg", photo(), "image/jpeg"))])
    reference = reponse.json()["reference"]
    boite.traiter_une_fois()
    lien = lien_agent(expediteur.messages[-1])
    page = client.get(lien)
    assert f'<img src="{lien}/photos/photo-1.jpg" alt="Photo 1 jointe par le citoyen">' in page.text
    image = client.get(f"{lien}/photos/photo-1.jpg")
    assert (image.status_code, image.headers["content-type"]) == (200, "image/jpeg")
    assert image.content[:2] == b"\xff\xd8"
    assert client.get(f"{lien[:-2]}xx/photos/photo-1.jpg").status_code == 404
    assert client.get(f"{lien}/photos/photo-9.jpg").status_code == 404
    assert client.get(f"/api/agent/{reference}/photos/photo-1.jpg").status_code == 404


def test_un_formulaire_venu_d_ailleurs_ou_sans_code_est_refuse(client, boite, expediteur):
    _, lien = transmis(client, boite, expediteur)
    code = csrf_de(client.get(lien).text)
    sans_code = client.post(lien, data={"action": "pris_en_charge"}, headers=NAVIGATEUR)
    assert sans_code.status_code == 403
    assert "Ce formulaire n'a pas été envoyé depuis la page d'Aiguillage" in texte_de(
        sans_code.text)
    for entetes in ({"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://pirate.example"}):
        venu_d_ailleurs = client.post(lien, data={"action": "pris_en_charge", "csrf": code},
                                      headers=entetes)
        assert venu_d_ailleurs.status_code == 403
    meme_site = client.post(lien, data={"action": "pris_en_charge", "csrf": code},
                            headers={"Sec-Fetch-Site": "same-origin", "Origin": "null"},
                            follow_redirects=False)
    assert meme_site.status_code == 303


def test_le_contact_n_est_montre_qu_au_service_qui_a_le_signalement(client, boite, expediteur):
    _, lien = transmis(client, boite, expediteur, telephone="0612345678", consentement="oui")
    assert "téléphone : 0612345678" in texte_de(client.get(lien).text)
    agir(client, lien, "resolu")
    assert "0612345678" not in client.get(lien).text


def test_sans_l_accord_du_citoyen_l_agent_ne_voit_pas_ses_coordonnees(client, boite, expediteur):
    _, lien = transmis(client, boite, expediteur, courriel="lea@exemple.fr",
                       telephone="0612345678")
    page = client.get(lien).text
    assert "lea@exemple.fr" not in page and "0612345678" not in page
    assert "recontacté" not in page
