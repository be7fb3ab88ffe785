from __future__ import annotations

from aides_suivi import NAVIGATEUR, agir, csrf_de, jeton_de_suivi, lien_agent, poster, suivre
from aides_suivi import texte_de as texte

from fonctions.domaine.modele import Modele
from fonctions.socle.jetons import jeton_coordination


def se_connecter(client, expediteur) -> str:
    reponse = client.post("/api/coordination",
                          data={"courriel": "Coordination@Val-d-Essai.example.org"})
    assert reponse.status_code == 200
    message = expediteur.messages[-1]
    assert message["To"] == "coordination@val-d-essai.example.org"
    corps = message.get_body(("plain",)).get_content()
    lien = next(ligne for ligne in corps.splitlines() if "/api/coordination/" in ligne)
    return "/api/coordination/" + lien.partition("/api/coordination/")[2].strip()


def test_la_demande_de_lien_ne_dit_jamais_si_l_adresse_est_connue(client, expediteur):
    connue = client.post("/api/coordination", data={
        "courriel": "coordination@val-d-essai.example.org"})
    inconnue = client.post("/api/coordination", data={"courriel": "curieux@exemple.fr"})
    assert connue.status_code == inconnue.status_code == 200
    assert connue.text == inconnue.text
    assert ("Si cette adresse est celle de la coordination du territoire, un lien de connexion "
            "vient d'y être envoyé. Il sert 12 heures.") in texte(connue.text)
    assert [m["To"] for m in expediteur.messages] == ["coordination@val-d-essai.example.org"]
    assert "Votre lien de connexion" in expediteur.messages[0]["Subject"]
    assert client.get("/api/coordination/n-importe-quoi").status_code == 404


def test_le_tableau_liste_les_signalements_bloques_et_les_confie(
        client, boite, expediteur, horloge, stockage):
    en_retard = poster(client)
    boite.traiter_une_fois()
    a_orienter = poster(client)
    boite.traiter_une_fois()
    agir(client, lien_agent(expediteur.messages[-1]), "pas_de_notre_ressort",
         motif="Ce lieu n'est pas sur notre territoire.", vers="")
    boite.traiter_une_fois()
    dans_les_temps = poster(client, commune="56002")
    horloge.avancer(days=3)  # la mairie de Bourg-les-Essais est en retard ; Saint-Exemple non
    boite.traiter_une_fois()
    lien = se_connecter(client, expediteur)
    page = client.get(lien)
    assert page.status_code == 200
    assert page.headers["x-robots-tag"] == "noindex"
    contenu = texte(page.text)
    assert "Connecté·e avec coordination@val-d-essai.example.org." in contenu
    assert f"Sans réponse dans le délai (1) {en_retard['reference']} — Un nid-de-poule" in contenu
    assert f"À orienter (1) {a_orienter['reference']}" in contenu
    assert ("Refusé par Mairie de Bourg-les-Essais : « Ce lieu n'est pas sur notre "
            "territoire. ».") in contenu
    assert "Non transmis (0) Aucun signalement en échec de transmission." in contenu
    assert dans_les_temps["reference"] not in contenu

    reponse = client.post(lien, headers=NAVIGATEUR, follow_redirects=False, data={
        "csrf": csrf_de(page.text), "action": "reattribuer",
        "reference": a_orienter["reference"], "vers": "mairie-saint-exemple",
        "message": "La rue est à Saint-Exemple."})
    assert reponse.status_code == 303
    apres = texte(client.get(reponse.headers["location"]).text)
    assert "C'est fait : le signalement part vers le service choisi." in apres
    assert "À orienter (0)" in apres
    suivi = suivre(client, jeton_de_suivi(a_orienter)).json()
    assert suivi["chronologie"][-1]["texte"] == (
        "Coordination des signalements du Val d'Essai a confié votre signalement à Mairie de "
        "Saint-Exemple. La rue est à Saint-Exemple.")
    assert suivi["chronologie"][-1]["qui"] == "Coordination des signalements du Val d'Essai"
    evenement = stockage.lire_signalement(a_orienter["reference"])["historique"][-1]
    assert evenement["par"] == {"qui": "coordination", "canal": "page",
                                "personne": "coordination@val-d-essai.example.org"}


def test_la_coordination_retrouve_un_signalement_et_retire_les_liens(
        client, boite, expediteur):
    corps = poster(client)
    boite.traiter_une_fois()
    lien_du_service = lien_agent(expediteur.messages[-1])
    lien = se_connecter(client, expediteur)
    page = client.get(f"{lien}?reference={corps['reference'].lower()}")
    assert f"Signalement {corps['reference']}" in texte(page.text)
    client.post(lien, data={"csrf": csrf_de(page.text), "action": "revoquer",
                            "reference": corps["reference"], "numero": "1"})
    assert client.get(lien_du_service).status_code == 410
    introuvable = client.get(f"{lien}?reference=AIG-2222-22")
    assert "Aucun signalement ne porte la référence AIG-2222-22." in texte(introuvable.text)


def test_un_lien_de_connexion_faux_expire_ou_d_une_adresse_retiree_est_refuse(
        client, expediteur, horloge):
    lien = se_connecter(client, expediteur)
    assert client.get(lien[:-2] + "xx").status_code == 404
    horloge.avancer(hours=13)
    assert client.get(lien).status_code == 410
    horloge.avancer(hours=-13)
    contexte = client.app_state["aiguillage"]
    donnees = {**contexte.modele.actuel().donnees}
    donnees["territoire"] = {**donnees["territoire"], "coordination": {"courriels": []}}
    contexte.modele._modele = Modele(donnees)
    assert client.get(lien).status_code == 410


def test_un_lien_de_connexion_date_dans_le_futur_est_refuse_comme_faux(client, horloge, reglages):
    futur = int(horloge().timestamp()) + 86400
    adresse = client.app_state["aiguillage"].modele.actuel().coordination_courriels[0]
    jeton = jeton_coordination(str(reglages.cle_secrete), adresse, futur)
    assert client.get(f"/api/coordination/{jeton}").status_code == 404
    present = jeton_coordination(str(reglages.cle_secrete), adresse, futur - 86400)
    assert client.get(f"/api/coordination/{present}").status_code == 200


def test_le_formulaire_de_la_coordination_demande_son_code(client, expediteur):
    lien = se_connecter(client, expediteur)
    reponse = client.post(lien, data={"action": "reattribuer", "reference": "AIG-2222-22",
                                      "vers": "cc-val-d-essai"})
    assert reponse.status_code == 403


def test_la_coordination_confie_au_bon_service_ce_que_l_habitant_n_a_pas_trouve(
        client, boite, expediteur, stockage):
    corps = poster(client, noeud="je-ne-trouve-pas", commune="56002",
                   description="Le banc de l'arrêt de car est arraché.")
    boite.traiter_une_fois()
    boite.traiter_une_fois()
    assert expediteur.messages[-1]["Subject"].startswith("[À orienter]")
    lien = se_connecter(client, expediteur)
    page = client.get(lien)
    contenu = texte(page.text)
    assert (f"À orienter (1) {corps['reference']} — Un autre problème, Saint-Exemple "
            "Coordination des signalements du Val d'Essai : À orienter par la coordination, "
            "depuis le 10 mars 2025 à 10 h 00.") in contenu
    reponse = client.post(lien, headers=NAVIGATEUR, follow_redirects=False, data={
        "csrf": csrf_de(page.text), "action": "reattribuer", "reference": corps["reference"],
        "vers": "mairie-bourg-les-essais", "message": "Les bancs sont à la mairie."})
    assert reponse.status_code == 303
    assert "À orienter (0)" in texte(client.get(reponse.headers["location"]).text)
    boite.traiter_une_fois()
    message = expediteur.messages[-1]
    assert message["To"] == "voirie@bourg-les-essais.example.org"
    assert message["Subject"].startswith(f"[Hors de la liste] Signalement {corps['reference']}")
    assert f"/api/agent/{corps['reference']}.2." in message.get_body(("plain",)).get_content()
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert [(e["type"], e["qui"], e["texte"]) for e in suivi["chronologie"]] == [
        ("recu", None, f"Enregistré sous la référence {corps['reference']}."),
        ("a_orienter", "Coordination des signalements du Val d'Essai",
         "Votre signalement est confié à Coordination des signalements du Val d'Essai : une "
         "personne va le lire et le transmettre au service qui s'en occupe."),
        ("reattribue", "Coordination des signalements du Val d'Essai",
         "Coordination des signalements du Val d'Essai a confié votre signalement à Mairie de "
         "Bourg-les-Essais. Les bancs sont à la mairie."),
        ("transmis", "Mairie de Bourg-les-Essais",
         "Votre signalement a été transmis à Mairie de Bourg-les-Essais."),
    ]
    assert suivi["qui_s_en_occupe"][0]["nom"] == "Mairie de Bourg-les-Essais"
    assert suivi["etat"]["code"] == "transmis"


def test_la_coordination_voit_le_jour_de_l_intervention_programmee(client, boite, expediteur):
    corps = poster(client)
    boite.traiter_une_fois()
    agir(client, lien_agent(expediteur.messages[-1]), "programme",
         date_intervention="2025-03-14")
    lien = se_connecter(client, expediteur)
    page = texte(client.get(f"{lien}?reference={corps['reference']}").text)
    assert ("Mairie de Bourg-les-Essais : Intervention programmée, depuis le 10 mars 2025 à "
            "10 h 00. Intervention prévue le vendredi 14 mars 2025.") in page
    assert ("Intervention programmée — Mairie de Bourg-les-Essais Intervention prévue le "
            "vendredi 14 mars 2025. Nous vous dirons ici quand ce sera fait.") in page
