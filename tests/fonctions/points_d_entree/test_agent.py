from __future__ import annotations

import json

from aides_fonctions import modele_brut, photo
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

from arbre.agents import BOUTONS
from fonctions.domaine.actions import revoquer_liens
from fonctions.domaine.suivi import Auteur
from fonctions.push.messages import message as message_de_notification
from fonctions.socle.jetons import jeton_agent


def transmis(client, boite, expediteur, **champs) -> tuple[dict, str]:
    """Un signalement transmis par courriel à la mairie de Bourg-les-Essais, et son lien."""
    corps = poster(client, **champs)
    boite.traiter_une_fois()
    return corps, lien_agent(expediteur.messages[-1])


def test_la_page_de_l_agent_montre_le_signalement_sans_compte_et_sans_javascript(
        client, boite, expediteur):
    corps, lien = transmis(client, boite, expediteur, courriel="lea@exemple.fr",
                           consentement="oui", latitude="47.5", longitude="-2.48")
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
        f"Signalement {corps['reference']} Un nid-de-poule, à Bourg-les-Essais.",
        "Pour Mairie de Bourg-les-Essais : Transmis, en attente de prise en charge",
        "Votre service s'est engagé à en accuser réception d'ici le 13 mars 2025 à 10 h 00.",
        "Ce que signale le citoyen Sa description Un trou profond devant l'école, rue des "
        "Écoles. Quelle est la taille du trou ? Comme une assiette",
        "Ses choix sur le site, jusqu'à « Un nid-de-poule » : Qu'avez-vous constaté ? → La rue, "
        "le trottoir, la route",
        "Où Adresse 12 rue des Écoles, Bourg-les-Essais Commune Bourg-les-Essais Position "
        "(latitude, longitude) 47.50000, -2.48000 Voir le point sur OpenStreetMap Voir la "
        "photo aérienne et le cadastre sur Géoportail",
        "Photos Le citoyen n'a pas joint de photo.",
        "Le citoyen accepte que votre service le contacte : Adresse e-mail lea@exemple.fr",
        "Que faire ? Pour ce signalement : Un nid-de-poule Allez voir sur place sous 48 heures.",
        "Les étapes, pour tout signalement Dès que vous l'avez lu, répondez « Prendre en "
        "charge ».",
        "Consignes de Mairie de Bourg-les-Essais Vérifiez sur place sous 48 heures. Sécurisez "
        "(barrière, cône) si le trou dépasse 10 cm.",
        "Nous avons bien reçu votre signalement et nous nous en occupons.",
    ]:
        assert attendu in texte, attendu
    assert ('<a href="mailto:lea@exemple.fr?subject=Votre%20signalement%20'
            f'{corps["reference"]}">lea@exemple.fr</a>') in page.text
    assert ('<a href="https://www.openstreetmap.org/?mlat=47.500000&amp;mlon=-2.480000#map=19/'
            '47.500000/-2.480000" rel="noreferrer">Voir le point sur OpenStreetMap</a>'
            ) in page.text
    assert '<optgroup label="Intercommunalités">' in page.text
    assert '<option value="cc-val-d-essai">' in page.text
    assert 'value="mairie-bourg-les-essais"' not in page.text  # pas soi-même


def test_le_signalement_vient_avant_que_faire_et_que_faire_avant_les_reponses(
        client, boite, expediteur):
    reponse = client.post("/api/signalements", data={
        "noeud": "voirie/nid-de-poule", "commune": "56001", "description": "Trou profond",
        "adresse": "Place", "question-taille": "Plus grand", "telephone": "0612345678",
        "consentement": "oui"}, files=[("photos", ("t.jpg", photo(), "image/jpeg"))])
    assert reponse.status_code == 201
    boite.traiter_une_fois()
    html = client.get(lien_agent(expediteur.messages[-1])).text
    dans_l_ordre = ["<dd>Trou profond</dd>", "<h2>Où</h2>", "<h2>Photos (1)</h2>",
                    '<a href="tel:+33612345678">06 12 34 56 78</a>', 'class="chronologie"',
                    '<h2 id="que-faire">Que faire ?</h2>', '<h2 id="repondre">Répondre</h2>',
                    '<button type="submit">Prendre en charge</button>']
    positions = [html.index(morceau) for morceau in dans_l_ordre]
    assert positions == sorted(positions)


def test_chaque_reponse_porte_le_nom_de_son_bouton_que_citent_les_consignes(
        client, boite, expediteur):
    _, lien = transmis(client, boite, expediteur)
    html = client.get(lien).text
    for nom in BOUTONS.values():
        echappe = nom.replace("'", "&#39;")
        assert f'<button type="submit">{echappe}</button>' in html, nom
        if nom != "Prendre en charge":  # à prendre en charge, c'est le premier bouton
            assert f"<summary>{echappe}</summary>" in html, nom
    contenu = html[html.index("<main"):html.index("</main>")]
    assert "Envoyer" not in contenu  # un bouton dit ce qu'il fait


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


def test_un_lien_signe_mais_date_dans_le_futur_est_refuse_comme_faux(
        client, boite, expediteur, horloge, reglages, stockage):
    corps, lien = transmis(client, boite, expediteur)
    sel = stockage.lire_signalement(corps["reference"])["attributions"][0]["sel"]
    maintenant = int(horloge().timestamp())

    def date_de(secondes: int) -> str:
        return f"/api/agent/{jeton_agent(str(reglages.cle_secrete), corps['reference'], 1, sel, secondes)}"

    assert client.get(date_de(maintenant + 300)).status_code == 200  # écart d'horloge permis
    futur = client.get(date_de(maintenant + 365 * 86400))  # il n'expirerait qu'après un an
    assert futur.status_code == 404
    assert "Ce lien de prise en charge n'est pas valide" in texte_de(futur.text)
    assert client.get(date_de(maintenant + 301)).status_code == 404


def test_les_photos_ne_sont_servies_qu_avec_un_lien_valide(client, boite, expediteur):
    reponse = client.post("/api/signalements", data={
        "noeud": "voirie/nid-de-poule", "commune": "56001", "description": "Trou",
        "adresse": "Place", "question-taille": "Plus grand"},
        files=[("photos", ("t.jpg", photo(), "image/jpeg"))])
    reference = reponse.json()["reference"]
    boite.traiter_une_fois()
    lien = lien_agent(expediteur.messages[-1])
    page = client.get(lien)
    assert (f'<a href="{lien}/photos/photo-1.jpg"><img src="{lien}/photos/photo-1.jpg" '
            'alt="Photo 1 sur 1, jointe par le citoyen : ouvrir en taille réelle"></a>'
            ) in page.text
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
    assert '<a href="tel:+33612345678">06 12 34 56 78</a>' in client.get(lien).text
    agir(client, lien, "resolu")
    assert "0612345678" not in client.get(lien).text
    assert "06 12 34 56 78" not in client.get(lien).text


def test_le_contact_laisse_pour_etre_tenu_au_courant_n_est_pas_montre_au_service(
        client, boite, expediteur):
    corps, lien = transmis(client, boite, expediteur, courriel="lea@exemple.fr",
                           consentement="oui")

    def retirer_l_accord(chantier):  # « tenu au courant » sans « le service peut me contacter »
        chantier.document["contact"]["consentement"] = False

    client.app_state["aiguillage"].suivi.changer(corps["reference"], retirer_l_accord,
                                                 Auteur("citoyen", "api"))
    page = client.get(lien).text
    assert "lea@" not in page
    assert ("Aucune coordonnée n'est communiquée à votre service : répondez au citoyen par "
            "cette page, il lit vos réponses dans son suivi.") in texte_de(page)


def test_intervention_programmee_demande_une_date_et_garde_ce_qui_a_ete_ecrit(
        client, boite, expediteur, stockage):
    corps, lien = transmis(client, boite, expediteur)
    sans_date = agir(client, lien, "programme", message="L'équipe passera le matin.")
    assert sans_date.status_code == 422
    assert ("Indiquez la date de l'intervention : le citoyen la lira dans son suivi. Corriger "
            "« Intervention programmée »") in texte_de(sans_date.text)
    assert '<a href="#action-programme">' in sans_date.text
    assert '<details id="action-programme" open>' in sans_date.text
    assert ">L&#39;équipe passera le matin.</textarea>" in sans_date.text
    assert 'aria-invalid="true"' in sans_date.text
    assert 'required min="2025-03-10" max="2027-03-10"' in sans_date.text

    passee = agir(client, lien, "programme", date_intervention="2025-03-09")
    assert passee.status_code == 422
    assert ("La date de l'intervention (dimanche 9 mars 2025) est passée : indiquez aujourd'hui "
            "ou un jour à venir.") in texte_de(passee.text)
    assert 'value="2025-03-09"' in passee.text
    fausse = agir(client, lien, "programme", date_intervention="31/02/2025")
    assert "« 31/02/2025 » n'est pas une date : écrivez-la sous la forme 14/03/2025." in texte_de(
        fausse.text)
    assert stockage.lire_signalement(corps["reference"])["etat"] == "transmis"  # rien n'a changé


def test_la_date_de_l_intervention_est_dite_au_citoyen_et_montree_a_l_agent(
        client, boite, expediteur, notificateur):
    corps, lien = transmis(client, boite, expediteur)
    reponse = agir(client, lien, "programme", date_intervention="2025-03-14", message="  ")
    assert reponse.status_code == 303
    assert reponse.headers["location"] == f"{lien}?fait=programme"
    page = client.get(reponse.headers["location"])
    texte = texte_de(page.text)
    assert ("C'est noté : le citoyen sait que l'intervention est prévue le vendredi 14 mars "
            "2025.") in texte
    assert ("Pour Mairie de Bourg-les-Essais : Intervention programmée, depuis le 10 mars 2025 à "
            "10 h 00. Intervention prévue le vendredi 14 mars 2025.") in texte
    assert 'value="2025-03-14"' in page.text  # pour la changer, elle est déjà là

    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["chronologie"][-1]["texte"] == (
        "Intervention prévue le vendredi 14 mars 2025. Nous vous dirons ici quand ce sera fait.")
    assert suivi["prochaine_etape"] == (
        "Mairie de Bourg-les-Essais a prévu d'intervenir le vendredi 14 mars 2025. Chacune de ses "
        "réponses s'affichera ici.")
    assert "Intervention prévue le vendredi 14 mars 2025." in texte_de(
        client.get(corps["confirmation"]).text)  # la page du suivi sans JavaScript
    reference, evenement = notificateur.appels[-1]
    assert (evenement["type"], evenement["date_intervention"]) == ("programme", "2025-03-14")
    document = client.app_state["aiguillage"].stockage.lire_signalement(reference)
    assert message_de_notification(document, evenement, "https://lien")["texte"] == (
        "Mairie de Bourg-les-Essais : Intervention prévue le vendredi 14 mars 2025. Nous vous "
        "dirons ici quand ce sera fait.")

    agir(client, lien, "programme", date_intervention="18/03/2025", message="Reporté : pluie.")
    assert suivre(client, jeton_de_suivi(corps)).json()["chronologie"][-1]["texte"] == (
        "Intervention prévue le mardi 18 mars 2025. Reporté : pluie.")


def test_une_date_ne_se_donne_qu_avec_intervention_programmee(client, boite, expediteur):
    _, lien = transmis(client, boite, expediteur)
    reponse = agir(client, lien, "en_cours", date_intervention="2025-03-14")
    assert reponse.status_code == 422
    assert ("Une date d'intervention ne se donne qu'avec « Intervention programmée ».") in (
        texte_de(reponse.text))


def test_un_signalement_hors_de_la_liste_a_ses_propres_consignes(fabrique_client, expediteur,
                                                                  tmp_path):
    donnees = modele_brut()
    donnees["je_ne_trouve_pas"].update(
        gestionnaire="mairie-bourg-les-essais", a_la_coordination=False,
        gestionnaires_par_commune={c["insee"]: "mairie-bourg-les-essais"
                                   for c in donnees["territoire"]["communes"]})
    chemin = tmp_path / "modele.json"
    chemin.write_text(json.dumps(donnees), encoding="utf-8")
    client = fabrique_client(modele=chemin)
    client.post("/api/signalements", json={"noeud": "je-ne-trouve-pas", "commune": "56001",
                                           "description": "Un banc arraché."})
    client.app_state["aiguillage"].boite_envoi.traiter_une_fois()
    texte = texte_de(client.get(lien_agent(expediteur.messages[-1])).text)
    assert ("Ce que signale le citoyen Le citoyen n'a pas trouvé son problème dans la liste du "
            "site : il l'a décrit avec ses mots. Sa description Un banc arraché.") in texte
    assert ("Pour ce signalement : Un autre problème Lisez la description, puis répondez "
            "« Prendre en charge » ou « Ce n'est pas de notre ressort ».") in texte


def test_sans_l_accord_du_citoyen_l_agent_ne_voit_pas_ses_coordonnees(client, boite, expediteur):
    _, lien = transmis(client, boite, expediteur, courriel="lea@exemple.fr",
                       telephone="0612345678")
    page = client.get(lien).text
    assert "lea@exemple.fr" not in page and "0612345678" not in page
    assert "recontacté" not in page
