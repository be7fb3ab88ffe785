from __future__ import annotations

import base64
from urllib.parse import urlsplit

from aides_fonctions import champs_valides, photo
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

from fonctions.push.notificateur import joignable


def resolu(client, boite, expediteur, **champs) -> tuple[dict, str]:
    corps = poster(client, **champs)
    boite.traiter_une_fois()
    lien = lien_agent(expediteur.messages[-1])
    agir(client, lien, "resolu", message="Trou rebouché ce matin.")
    return corps, lien


def adresse_de(corps: dict) -> str:
    morceaux = urlsplit(corps["confirmation"])
    return f"{morceaux.path}?{morceaux.query}"


def test_l_api_rend_le_suivi_avec_le_jeton_dans_l_entete_et_jamais_le_contact(
        client, boite, expediteur):
    corps = poster(client, courriel="lea@exemple.fr", telephone="0612345678",
                   consentement="oui")
    boite.traiter_une_fois()
    reponse = suivre(client, jeton_de_suivi(corps))
    assert reponse.status_code == 200
    assert reponse.headers["cache-control"] == "no-store"
    assert reponse.headers["x-robots-tag"] == "noindex"
    suivi = reponse.json()
    assert suivi == {
        "reference": corps["reference"], "probleme": "Un nid-de-poule",
        "commune": "Bourg-les-Essais", "cree_le": "2025-03-10T09:00:00+00:00",
        "etat": {"code": "transmis", "libelle": "Transmis, en attente de prise en charge",
                 "depuis": "2025-03-10T09:00:00+00:00"},
        "qui_s_en_occupe": [{"nom": "Mairie de Bourg-les-Essais",
                             "depuis": "2025-03-10T09:00:00+00:00",
                             "depuis_en_clair": "10 mars 2025 à 10 h 00"}],
        "prochaine_etape": ("Mairie de Bourg-les-Essais doit en accuser réception d'ici le "
                            "13 mars 2025. Sinon, nous le relançons."),
        "chronologie": [
            {"date": "2025-03-10T09:00:00+00:00", "date_en_clair": "10 mars 2025 à 10 h 00",
             "type": "recu", "titre": "Signalement reçu", "qui": None,
             "texte": f"Enregistré sous la référence {corps['reference']}.", "motif": None,
             "votre_message": None},
            {"date": "2025-03-10T09:00:00+00:00", "date_en_clair": "10 mars 2025 à 10 h 00",
             "type": "transmis", "titre": "Transmis au service",
             "qui": "Mairie de Bourg-les-Essais",
             "texte": "Votre signalement a été transmis à Mairie de Bourg-les-Essais.",
             "motif": None, "votre_message": None}],
        "actions": {"completer": True, "confirmer": False, "rouvrir": False,
                    "rouvrir_jusqu_au": None},
    }
    assert "lea@" not in reponse.text and "0612345678" not in reponse.text
    etat = suivre(client, jeton_de_suivi(corps), "/api/suivi/etat").json()
    assert etat == {"reference": corps["reference"], "code": "transmis",
                    "libelle": "Transmis, en attente de prise en charge",
                    "service": "Mairie de Bourg-les-Essais",
                    "depuis": "2025-03-10T09:00:00+00:00"}


def test_un_jeton_faux_absent_ou_dans_l_adresse_ne_donne_rien(client):
    corps = poster(client)
    jeton = jeton_de_suivi(corps)
    for entetes in ({}, {"Authorization": f"Bearer {jeton}"},
                    {"Authorization": f"Jeton {jeton[:-1]}x"}):
        reponse = client.get("/api/suivi", headers=entetes)
        assert reponse.status_code == 404
        assert reponse.json() == {"erreurs": [{"champ": None, "message": (
            "Ce lien de suivi n'est pas valide : vérifiez qu'il est complet.")}]}
    assert client.get(f"/api/suivi?jeton={jeton}").status_code == 404


def test_des_jetons_faux_pour_un_signalement_le_bloquent_depuis_cette_adresse_429(fabrique_client):
    client = fabrique_client(limite_jetons=(5, 3600))
    corps, autre = poster(client), poster(client)
    for _ in range(5):
        assert client.get("/api/suivi", headers={"Authorization": f"Jeton {corps['reference']}.x"}
                          ).status_code == 404
    refus = suivre(client, jeton_de_suivi(corps))  # même le bon jeton attend
    assert refus.status_code == 429
    assert int(refus.headers["retry-after"]) > 3000
    assert refus.json()["erreurs"][0]["message"] == (
        "Trop de liens invalides depuis votre connexion : réessayez dans 60 minutes. "
        "Vérifiez que le lien est complet.")
    page = client.get(adresse_de(corps))
    assert page.status_code == 429
    assert "Trop d'essais" in texte_de(page.text)
    # Un autre signalement suivi depuis la même adresse (CGNAT) : pas bloqué.
    assert suivre(client, jeton_de_suivi(autre)).status_code == 200


def test_une_adresse_qui_essaie_des_liens_au_hasard_est_bloquee_au_plafond(fabrique_client):
    client = fabrique_client(limite_jetons=(2, 3600))
    corps = poster(client)
    faux = [f"AIG-{n}{n}{n}{n}-{n}{n}.x" for n in "23456789ABCDEFGHJKMN"]  # 20 cibles différentes
    for jeton in faux[:19]:
        assert client.get("/api/suivi", headers={"Authorization": f"Jeton {jeton}"}
                          ).status_code == 404
    assert suivre(client, jeton_de_suivi(corps)).status_code == 200  # 19 < 2 × 10
    client.get("/api/suivi", headers={"Authorization": f"Jeton {faux[19]}"})
    assert suivre(client, jeton_de_suivi(corps)).status_code == 429  # plafond de l'adresse


def test_le_citoyen_ajoute_une_information_et_une_photo_que_le_service_voit(
        client, boite, expediteur, notificateur):
    corps = poster(client)
    boite.traiter_une_fois()
    lien = lien_agent(expediteur.messages[-1])
    reponse = client.post("/api/suivi/complement",
                          headers={"Authorization": f"Jeton {jeton_de_suivi(corps)}"},
                          data={"message": "Le trou s'agrandit."},
                          files=[("photo", ("t.png", photo("PNG"), "image/png"))])
    assert reponse.status_code == 200, reponse.text
    etape = reponse.json()["chronologie"][-1]
    assert (etape["type"], etape["qui"], etape["texte"]) == (
        "complement", "Vous", "Le trou s'agrandit. Photo jointe.")
    boite.traiter_une_fois()
    complement = expediteur.messages[-1]
    assert complement["Subject"].startswith("[Complément] Signalement")
    assert "Le trou s'agrandit." in complement.get_body(("plain",)).get_content()
    page = texte_de(client.get(lien).text)
    assert "Le citoyen a ajouté une information — Le citoyen Le trou s'agrandit." in page
    assert client.get(f"{lien}/photos/photo-1.jpg").status_code == 200
    assert notificateur.types()[-1] == "complement"
    vide = client.post("/api/suivi/complement", json={"message": " "},
                       headers={"Authorization": f"Jeton {jeton_de_suivi(corps)}"})
    assert vide.status_code == 422
    assert vide.json()["erreurs"][0]["message"] == (
        "Écrivez une information ou joignez une photo.")


def test_un_envoi_de_l_api_venu_d_un_autre_site_est_refuse(client):
    corps = poster(client)
    reponse = client.post("/api/suivi/complement", json={"message": "x"}, headers={
        "Authorization": f"Jeton {jeton_de_suivi(corps)}", "Sec-Fetch-Site": "cross-site"})
    assert reponse.status_code == 403


def test_apres_resolu_le_citoyen_confirme_sans_javascript(client, boite, expediteur):
    corps, _ = resolu(client, boite, expediteur)
    page = client.get(adresse_de(corps))
    texte = texte_de(page.text)
    assert "État : Résolu." in texte
    assert ("Le problème est-il vraiment réglé ? Confirmez-le, ou rouvrez le signalement d'ici "
            "le 9 avril 2025.") in texte
    assert "Trou rebouché ce matin." in texte
    reponse = client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR, data={
        "jeton": jeton_de_suivi(corps), "csrf": csrf_de(page.text), "action": "confirmer"},
        follow_redirects=False)
    assert reponse.status_code == 303
    apres = texte_de(client.get(reponse.headers["location"]).text)
    assert "Merci ! Le signalement est clos." in apres
    assert "Résolu, confirmé" in apres
    assert "Non, rouvrir le signalement" not in apres


def test_rouvrir_rend_le_signalement_au_service_qui_l_a_resolu(
        client, boite, expediteur, horloge, stockage):
    corps, lien = resolu(client, boite, expediteur)
    horloge.avancer(days=3)
    page = client.get(adresse_de(corps))
    reponse = client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR, data={
        "jeton": jeton_de_suivi(corps), "csrf": csrf_de(page.text), "action": "rouvrir",
        "message": "Le trou est revenu."}, follow_redirects=True)
    assert "Le signalement est rouvert : le service est prévenu" in texte_de(reponse.text)
    boite.traiter_une_fois()
    rouvert = expediteur.messages[-1]
    assert rouvert["Subject"].startswith("[Rouvert] Signalement")
    assert "Le trou est revenu." in rouvert.get_body(("plain",)).get_content()
    agent = texte_de(client.get(lien).text)
    assert "Pour Mairie de Bourg-les-Essais : Rouvert, depuis le 13 mars 2025" in agent
    assert "Le citoyen a rouvert ce signalement" in agent
    (entree,) = stockage.lister_ouvertes()
    assert (entree["statut"], entree["echeance"]) == ("rouvert", "2025-03-18T09:00:00+00:00")


def test_on_ne_rouvre_plus_apres_trente_jours(client, boite, expediteur, horloge):
    corps, _ = resolu(client, boite, expediteur)
    horloge.avancer(days=31)
    assert suivre(client, jeton_de_suivi(corps)).json()["actions"]["rouvrir"] is False
    reponse = client.post("/api/suivi/rouvrir", json={},
                          headers={"Authorization": f"Jeton {jeton_de_suivi(corps)}"})
    assert reponse.status_code == 409
    assert reponse.json()["erreurs"][0]["message"].startswith(
        "Un signalement se rouvre dans les 30 jours qui suivent sa résolution.")


def test_la_page_sans_javascript_refuse_un_formulaire_sans_code(client, boite, expediteur):
    corps, _ = resolu(client, boite, expediteur)
    reponse = client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR, data={
        "jeton": jeton_de_suivi(corps), "csrf": "faux", "action": "confirmer"})
    assert reponse.status_code == 403
    autre = client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR, data={
        "jeton": "AIG-2222-22.faux", "csrf": "x", "action": "confirmer"})
    assert autre.status_code == 404


def test_la_page_sans_javascript_montre_la_chronologie_et_ses_formulaires(client, boite,
                                                                          expediteur):
    corps = poster(client)
    boite.traiter_une_fois()
    page = client.get(adresse_de(corps))
    assert page.headers["x-robots-tag"] == "noindex"
    assert 'enctype="multipart/form-data"' in page.text
    assert '<label for="message-complement">Votre information</label>' in page.text
    texte = texte_de(page.text)
    assert ("Ce qui s'est passé 10 mars 2025 à 10 h 00 Signalement reçu Enregistré sous la "
            "référence") in texte
    assert "Transmis au service — Mairie de Bourg-les-Essais" in texte


# -- le lien de suivi à garder : /api/suivi/<jeton> ------------------------------------------

def suivi_sans_js(corps: dict) -> str:
    return f"/api/suivi/{jeton_de_suivi(corps)}"


def test_le_lien_de_suivi_sans_javascript_montre_la_meme_page_que_la_confirmation(
        client, boite, expediteur):
    corps = poster(client)
    boite.traiter_une_fois()
    page = client.get(suivi_sans_js(corps))
    assert page.status_code == 200
    assert {k: page.headers[k] for k in ("cache-control", "referrer-policy", "x-robots-tag")} == {
        "cache-control": "no-store", "referrer-policy": "no-referrer", "x-robots-tag": "noindex"}
    assert "<script" not in page.text
    assert page.text == client.get(adresse_de(corps)).text
    assert "<h1>Votre signalement est enregistré</h1>" in page.text
    texte = texte_de(page.text)
    assert "Transmis au service — Mairie de Bourg-les-Essais" in texte
    lien = f"https://aiguillage.example.org{suivi_sans_js(corps)}"
    assert f'<p><a class="lien" href="{lien}">{lien}</a></p>' in page.text


def test_la_page_dit_enregistre_jusqu_a_ce_qu_un_service_agisse_pas_selon_la_boite_d_envoi(
        client, boite, expediteur):
    """Le titre ne dépend pas de la course entre la boîte d'envoi et l'affichage : transmis,
    courriel au citoyen envoyé ou non, c'est encore « enregistré » ; après une réponse du
    service, c'est le suivi."""
    corps = poster(client, courriel="lea@exemple.fr")
    avant = client.get(suivi_sans_js(corps)).text
    boite.traiter_une_fois()  # transmission au service et courriel au citoyen
    apres = client.get(suivi_sans_js(corps)).text
    for page in (avant, apres):
        assert "<h1>Votre signalement est enregistré</h1>" in page
    agir(client, lien_agent(expediteur.messages[0]), "pris_en_charge")
    assert "<h1>Suivi de votre signalement</h1>" in client.get(suivi_sans_js(corps)).text


def test_un_lien_de_suivi_faux_donne_404_en_francais_et_compte_comme_essai(fabrique_client):
    client = fabrique_client(limite_jetons=(2, 3600.0))
    corps = poster(client)
    for jeton in [f"{corps['reference']}.faux", "pas-un-jeton", f"{corps['reference']}.autre"]:
        page = client.get(f"/api/suivi/{jeton}")
        assert page.status_code == 404
        assert "<h1>Lien introuvable</h1>" in page.text
        assert "Ce lien de suivi n&#39;est pas valide : vérifiez qu&#39;il est complet." in page.text
    assert client.get(suivi_sans_js(corps)).status_code == 429


def test_une_action_sans_javascript_revient_sur_le_lien_de_suivi(client, boite, expediteur):
    corps, _ = resolu(client, boite, expediteur)
    page = client.get(suivi_sans_js(corps))
    reponse = client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR, data={
        "jeton": jeton_de_suivi(corps), "csrf": csrf_de(page.text), "action": "confirmer"},
        follow_redirects=False)
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"{suivi_sans_js(corps)}?fait=confirmer"
    assert "Merci ! Le signalement est clos." in client.get(reponse.headers["location"]).text


def envoyer_le_lien(client, corps: dict, courriel: str):
    page = client.get(suivi_sans_js(corps))
    return client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR, data={
        "jeton": jeton_de_suivi(corps), "csrf": csrf_de(page.text), "action": "envoyer_le_lien",
        "courriel": courriel}, follow_redirects=False)


def test_le_lien_de_suivi_part_par_courriel_sans_que_l_adresse_soit_gardee(
        client, expediteur, stockage):
    corps = poster(client)
    reponse = envoyer_le_lien(client, corps, "  lea@exemple.fr ")
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"{suivi_sans_js(corps)}?fait=envoyer_le_lien"
    assert ("Le lien de suivi est parti à l&#39;adresse indiquée." in
            client.get(reponse.headers["location"]).text)
    message = expediteur.messages[-1]
    reference = corps["reference"]
    assert (message["To"], message["Subject"], message["X-Aiguillage-Reference"]) == (
        "lea@exemple.fr", f"Votre lien de suivi : Un nid-de-poule, à Bourg-les-Essais ({reference})",
        reference)
    lien = f"https://aiguillage.example.org{suivi_sans_js(corps)}"
    assert message.get_content() == (
        f"Bonjour,\n\nVoici le lien pour suivre votre signalement {reference} (Un nid-de-poule, à "
        f"Bourg-les-Essais) :\n\n{lien}\n\nOuvrez-le quand vous voulez, sur n'importe quel "
        "téléphone ou ordinateur, même sans\nJavaScript : il montre qui s'occupe de votre "
        "signalement, ce qui a été fait, et permet de\nle compléter. Ce lien est personnel : ne "
        "le transférez pas.\n\nVous recevez ce message parce que cette adresse a été saisie sur "
        "la page de suivi de ce\nsignalement. Aiguillage ne l'a pas gardée : vous ne recevrez "
        "rien d'autre à cette adresse.\n\n--\nCommunauté de communes du Val d'Essai, avec "
        "Aiguillage\n")
    document = stockage.lire_signalement(reference)
    assert "lea@exemple.fr" not in str(document)
    assert document["liens_par_courriel"] == 1


def test_une_adresse_invalide_revient_avec_son_erreur_et_rien_ne_part(client, expediteur):
    corps = poster(client)
    reponse = envoyer_le_lien(client, corps, "lea@exemple")
    assert reponse.status_code == 422
    assert ('<p class="alerte" role="alert"><a href="#courriel-lien">Cette adresse e-mail n&#39;est '
            "pas valide (exemple : prenom.nom@exemple.fr).</a></p>") in reponse.text
    assert ('<input type="email" id="courriel-lien" name="courriel" autocomplete="email" '
            'maxlength="254" required value="lea@exemple" aria-describedby="courriel-lien-aide '
            'courriel-lien-erreur" aria-invalid="true">') in reponse.text
    assert expediteur.messages == []


def test_le_lien_ne_part_que_cinq_fois_par_courriel(client, expediteur):
    corps = poster(client)
    assert [envoyer_le_lien(client, corps, "lea@exemple.fr").status_code
            for _ in range(6)] == [303] * 5 + [429]
    assert len(expediteur.messages) == 5


def test_un_courriel_qui_ne_part_pas_est_dit_sur_la_page(client, expediteur):
    corps = poster(client)
    expediteur.pannes = 1
    reponse = envoyer_le_lien(client, corps, "lea@exemple.fr")
    assert reponse.status_code == 503
    assert "L&#39;e-mail n&#39;a pas pu partir pour le moment : réessayez plus tard." in reponse.text
    assert 'value="lea@exemple.fr"' in reponse.text


# -- Vos données : télécharger, effacer ses coordonnées --------------------------------------

def test_le_citoyen_telecharge_ses_donnees_en_json_avec_le_jeton_dans_l_entete(
        client, boite, expediteur):
    reponse = client.post("/api/signalements", data={
        **champs_valides(), "courriel": "lea@exemple.fr", "telephone": "0612345678",
        "consentement": "oui"}, files=[("photos", ("t.jpg", photo(), "image/jpeg"))])
    corps = reponse.json()
    boite.traiter_une_fois()
    telechargement = suivre(client, jeton_de_suivi(corps), "/api/suivi/donnees")
    assert telechargement.status_code == 200
    assert telechargement.headers["content-disposition"] == (
        f'attachment; filename="{corps["reference"]}.json"')
    assert telechargement.headers["cache-control"] == "no-store"
    donnees = telechargement.json()
    photos = donnees.pop("photos")
    chronologie = donnees.pop("chronologie")
    assert donnees == {
        "format": "aiguillage-export-1", "reference": corps["reference"],
        "envoye_le": "2025-03-10T09:00:00+00:00", "probleme": "Un nid-de-poule",
        "commune": "Bourg-les-Essais",
        "description": "Un trou profond devant l'école, rue des Écoles.",
        "lieu": {"latitude": None, "longitude": None,
                 "adresse": "12 rue des Écoles, Bourg-les-Essais"},
        "reponses": [{"id": "taille", "libelle": "Quelle est la taille du trou ?",
                      "valeur": "Comme une assiette"}],
        "coordonnees": {"courriel": "lea@exemple.fr", "telephone": "0612345678",
                        "consentement": True},
        "appareils_prevenus": 0, "etat": "Transmis, en attente de prise en charge",
        "conservation": {
            "clos_le": None, "coordonnees_effacees_le": None,
            "coordonnees_effacees_au_plus_tard_le": None, "anonymise_au_plus_tard_le": None,
            "tant_que_le_signalement_est_ouvert": (
                "Rien n'est effacé : les durées courent à partir de la clôture.")},
    }
    assert [e["type"] for e in chronologie] == ["recu", "transmis"]
    assert len(photos) == 1 and photos[0]["nom"] == "photo-1.jpg"
    assert base64.b64decode(photos[0]["contenu_base64"]).startswith(b"\xff\xd8")
    assert suivre(client, jeton_de_suivi(corps)[:-1] + "x", "/api/suivi/donnees").status_code == 404


def test_le_citoyen_efface_ses_coordonnees_depuis_l_api_et_n_est_plus_prevenu(
        client, boite, expediteur, stockage):
    corps = poster(client, courriel="lea@exemple.fr", telephone="0612345678",
                   consentement="oui")
    boite.traiter_une_fois()
    assert joignable(stockage.lire_signalement(corps["reference"]))
    entetes = {"Authorization": f"Jeton {jeton_de_suivi(corps)}",
               "Origin": "https://aiguillage.example.org"}
    reponse = client.post("/api/suivi/effacer_coordonnees", json={}, headers=entetes)
    assert reponse.status_code == 200, reponse.text
    assert reponse.json()["reference"] == corps["reference"]
    document = stockage.lire_signalement(corps["reference"])
    assert document["contact"] is None and document["abonnements_push"] == []
    assert document["historique"][-1]["par"] == {"qui": "citoyen", "canal": "api"}
    assert suivre(client, jeton_de_suivi(corps), "/api/suivi/donnees").json()[
        "coordonnees"] is None
    # Plus rien ne lui est écrit : le notificateur ne trouve plus aucun moyen de le joindre.
    assert not joignable(document)
    # Une seconde demande ne change rien et répond de même.
    assert client.post("/api/suivi/effacer_coordonnees", json={},
                       headers=entetes).status_code == 200


def test_sans_javascript_le_citoyen_telecharge_et_efface_ses_coordonnees(
        client, stockage):
    corps = poster(client, courriel="lea@exemple.fr")
    page = client.get(suivi_sans_js(corps))
    texte = texte_de(page.text)
    assert "Vos données" in texte and "Télécharger mes données" in texte
    assert "Effacer mes coordonnées" in texte
    formulaire = {"jeton": jeton_de_suivi(corps), "csrf": csrf_de(page.text)}
    telechargement = client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR,
                                 data={**formulaire, "action": "telecharger"})
    assert telechargement.status_code == 200
    assert telechargement.headers["content-disposition"].startswith("attachment;")
    assert telechargement.json()["coordonnees"]["courriel"] == "lea@exemple.fr"
    effacement = client.post(urlsplit(corps["confirmation"]).path, headers=NAVIGATEUR,
                             data={**formulaire, "action": "effacer_coordonnees"},
                             follow_redirects=False)
    assert effacement.status_code == 303
    assert effacement.headers["location"] == f"{suivi_sans_js(corps)}?fait=effacer_coordonnees"
    assert ("Vos coordonnées sont effacées : vous ne recevrez plus de nouvelles de ce "
            "signalement, mais cette page reste ouverte.") in texte_de(
                client.get(effacement.headers["location"]).text)
    assert stockage.lire_signalement(corps["reference"])["contact"] is None
    # Sans le code du formulaire, rien n'est effacé ni téléchargé.
    autre = poster(client, courriel="paul@exemple.fr")
    refus = client.post(urlsplit(autre["confirmation"]).path, headers=NAVIGATEUR, data={
        "jeton": jeton_de_suivi(autre), "action": "effacer_coordonnees"})
    assert refus.status_code == 403
    assert stockage.lire_signalement(autre["reference"])["contact"]["courriel"] == "paul@exemple.fr"
