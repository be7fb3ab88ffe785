from __future__ import annotations

import json

from aides_suivi import jeton_de_suivi, poster, suivre
from starlette.datastructures import Secret

from fonctions.socle.client_http import ReponseHTTP
from fonctions.transmission.webhook import signer

SECRET = "secret-webhook-de-test"


def envoyer_webhook(client, horloge, donnees: dict, secret: str = SECRET, decalage: int = 0,
                    service: str = "mairie-saint-exemple"):
    corps = json.dumps(donnees).encode()
    signature = signer(secret, int(horloge().timestamp()) + decalage, corps)
    return client.post(f"/api/webhook/{service}", content=corps, headers={
        "Content-Type": "application/json", "Aiguillage-Signature": signature})


def par_webhook(client, boite) -> dict:
    corps = poster(client, commune="56002")  # Saint-Exemple reçoit par webhook
    boite.traiter_une_fois()
    return corps


def test_un_service_met_a_jour_par_webhook_signe(client, boite, horloge, stockage):
    corps = par_webhook(client, boite)
    reponse = envoyer_webhook(client, horloge, {
        "id": "evt-1", "reference": corps["reference"], "statut": "programme",
        "message": "Passage de l'équipe jeudi."})
    assert reponse.status_code == 200, reponse.text
    assert reponse.json() == {"etat": "enregistre", "reference": corps["reference"],
                              "statut": "programme"}
    etape = suivre(client, jeton_de_suivi(corps)).json()["chronologie"][-1]
    assert (etape["titre"], etape["qui"], etape["texte"]) == (
        "Intervention programmée", "Mairie de Saint-Exemple", "Passage de l'équipe jeudi.")
    evenement = stockage.lire_signalement(corps["reference"])["historique"][-1]
    assert evenement["par"] == {"qui": "service", "canal": "webhook",
                                "gestionnaire": "mairie-saint-exemple"}


def test_une_mise_a_jour_rejouee_ne_change_rien(client, boite, horloge, notificateur):
    corps = par_webhook(client, boite)
    donnees = {"id": "evt-1", "reference": corps["reference"], "statut": "resolu"}
    assert envoyer_webhook(client, horloge, donnees).json()["etat"] == "enregistre"
    assert envoyer_webhook(client, horloge, donnees).json()["etat"] == "deja_recu"
    assert notificateur.types() == ["transmis", "resolu"]


def test_une_signature_fausse_ou_trop_ancienne_est_refusee(client, boite, horloge, stockage):
    corps = par_webhook(client, boite)
    donnees = {"id": "evt-1", "reference": corps["reference"], "statut": "resolu"}
    for reponse in (envoyer_webhook(client, horloge, donnees, secret="mauvais-secret"),
                    envoyer_webhook(client, horloge, donnees, decalage=-301),
                    envoyer_webhook(client, horloge, donnees, service="inconnu"),
                    client.post("/api/webhook/mairie-saint-exemple", json=donnees)):
        assert reponse.status_code == 401
        assert reponse.json() == {"erreurs": [{"champ": None, "message": (
            "Signature absente, fausse ou trop ancienne (5 minutes au plus) : voir "
            "docs/webhook.md.")}]}
    assert stockage.lire_signalement(corps["reference"])["etat"] == "transmis"


def test_un_service_ne_met_a_jour_que_ses_signalements(client, boite, horloge):
    corps = poster(client)  # confié à Bourg-les-Essais, pas à Saint-Exemple
    reponse = envoyer_webhook(client, horloge, {
        "id": "evt-1", "reference": corps["reference"], "statut": "resolu"})
    assert reponse.status_code == 404
    assert envoyer_webhook(client, horloge, {"id": "x"}).status_code == 422
    assert envoyer_webhook(client, horloge, {
        "id": "x", "reference": "AIG-2222-22", "statut": "resolu"}).status_code == 404
    assert envoyer_webhook(client, horloge, {
        "id": "x", "reference": "../../etc", "statut": "resolu"}).status_code == 422


def test_pas_de_notre_ressort_par_webhook_transmet_au_service_nomme(client, boite, horloge,
                                                                    expediteur):
    corps = par_webhook(client, boite)
    reponse = envoyer_webhook(client, horloge, {
        "id": "evt-2", "reference": corps["reference"], "statut": "pas_de_notre_ressort",
        "motif": "Rue communale de Bourg-les-Essais", "vers": "mairie-bourg-les-essais"})
    assert reponse.json()["statut"] == "a_transmettre"
    boite.traiter_une_fois()
    assert expediteur.messages[-1]["To"] == "voirie@bourg-les-essais.example.org"


def par_open311(client, boite, client_http) -> dict:
    client_http.reponses.append(ReponseHTTP(201, '[{"service_request_id": "SR-42"}]'))
    corps = poster(client, commune="56003")
    boite.traiter_une_fois()
    return corps


def test_open311_met_a_jour_par_la_convention_service_request_updates(
        client, boite, client_http):
    corps = par_open311(client, boite, client_http)
    champs = {"jurisdiction_id": "cc-val-d-essai", "api_key": "cle-open311-de-test",
              "service_request_id": "SR-42", "update_id": "U1", "status": "IN_PROGRESS",
              "description": "Équipe sur place.", "updated_datetime": "2025-03-10T10:00:00Z"}
    reponse = client.post("/api/open311/v2/servicerequestupdates.json", data=champs)
    assert reponse.status_code == 200, reponse.text
    assert reponse.json() == [{"update_id": "U1"}]
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["etat"]["code"] == "en_cours"
    assert suivi["chronologie"][-1]["texte"] == "Équipe sur place."
    fixe = client.post("/api/open311/v2/servicerequestupdates.json", data={
        **champs, "service_request_id": corps["reference"], "update_id": "U2",
        "status": "fixed", "description": "", "updated_datetime": "2025-03-10T11:00:00Z"})
    assert fixe.status_code == 200
    assert suivre(client, jeton_de_suivi(corps)).json()["etat"]["code"] == "resolu"


def test_open311_refuse_une_mauvaise_cle_et_une_demande_inconnue(client, boite, client_http):
    par_open311(client, boite, client_http)
    champs = {"jurisdiction_id": "cc-val-d-essai", "api_key": "faux",
              "service_request_id": "SR-42", "update_id": "U1", "status": "fixed"}
    refus = client.post("/api/open311/v2/servicerequestupdates.json", data=champs)
    assert (refus.status_code, refus.json()) == (
        403, [{"code": 403, "description": "api_key ou jurisdiction_id invalide."}])
    inconnue = client.post("/api/open311/v2/servicerequestupdates.json", data={
        **champs, "api_key": "cle-open311-de-test", "service_request_id": "SR-999"})
    assert inconnue.status_code == 404
    mauvais = client.post("/api/open311/v2/servicerequestupdates.json", data={
        **champs, "api_key": "cle-open311-de-test", "status": "perdu"})
    assert mauvais.status_code == 400


def test_une_mise_a_jour_d_un_signalement_anonymise_est_refusee_sans_rien_ecrire(
        client, boite, client_http, horloge, stockage):
    from fonctions.domaine import purge

    corps = par_open311(client, boite, client_http)
    reference = corps["reference"]
    purge.anonymiser(stockage, reference, horloge())
    avant = stockage.lire_signalement(reference)
    champs = {"jurisdiction_id": "cc-val-d-essai", "api_key": "cle-open311-de-test",
              "service_request_id": reference, "update_id": "U-tardive", "status": "CLOSED",
              "description": "Mme Dupont, 3 rue des Lilas, a été rappelée."}
    for chemin in ("servicerequestupdates.json", "servicerequestupdates.xml"):
        reponse = client.post(f"/api/open311/v2/{chemin}", data=champs)
        assert reponse.status_code == 404, reponse.text
    assert "<code>404</code>" in reponse.text and "anonymisé" in reponse.text
    json_ = client.post("/api/open311/v2/servicerequestupdates.json", data=champs).json()
    assert json_ == [{"code": 404, "description": (
        "Ce signalement a été anonymisé (sa durée de conservation est passée) : Aiguillage "
        "n'en garde que la statistique et n'y ajoute plus rien.")}]
    assert stockage.lire_signalement(reference) == avant  # ni texte, ni étape, ni état


def test_un_webhook_sur_un_signalement_anonymise_est_refuse(client, boite, horloge, stockage):
    from fonctions.domaine import purge

    corps = par_webhook(client, boite)
    purge.anonymiser(stockage, corps["reference"], horloge())
    avant = stockage.lire_signalement(corps["reference"])
    reponse = envoyer_webhook(client, horloge, {
        "id": "evt-9", "reference": corps["reference"], "statut": "message",
        "message": "Nous avons rappelé M. Martin au 06 12 34 56 78."})
    assert reponse.status_code == 404, reponse.text
    assert "anonymisé" in reponse.text
    assert stockage.lire_signalement(corps["reference"]) == avant


def test_open311_hors_competence_nomme_le_service_suivant(client, boite, client_http,
                                                         expediteur):
    corps = par_open311(client, boite, client_http)
    reponse = client.post("/api/open311/v2/servicerequestupdates.json", data={
        "jurisdiction_id": "cc-val-d-essai", "api_key": "cle-open311-de-test",
        "service_request_id": "SR-42", "update_id": "U3",
        "status": "NOT_COUNCILS_RESPONSIBILITY", "aiguillage_service": "mairie-bourg-les-essais"})
    assert reponse.status_code == 200
    etape = suivre(client, jeton_de_suivi(corps)).json()["chronologie"][-1]
    assert etape["texte"].startswith(
        "Communauté de communes du Val d'Essai indique que ce n'est pas de son ressort : « Ce "
        "n'est pas de notre compétence ».")


def test_un_webhook_peut_donner_la_date_de_l_intervention_programmee(client, boite, horloge):
    corps = par_webhook(client, boite)
    reponse = envoyer_webhook(client, horloge, {
        "id": "evt-1", "reference": corps["reference"], "statut": "programme",
        "date_intervention": "2025-03-14", "message": "Équipe voirie."})
    assert reponse.status_code == 200, reponse.text
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["chronologie"][-1]["texte"] == (
        "Intervention prévue le vendredi 14 mars 2025. Équipe voirie.")
    for donnees, message in [
        ({"statut": "programme", "date_intervention": "2025-03-01"},
         "La date de l'intervention (samedi 1er mars 2025) est passée : indiquez aujourd'hui ou "
         "un jour à venir."),
        ({"statut": "en_cours", "date_intervention": "2025-03-14"},
         "Une date d'intervention ne se donne qu'avec « Intervention programmée »."),
    ]:
        refus = envoyer_webhook(client, horloge, {"id": "evt-2", "reference": corps["reference"],
                                                  **donnees})
        assert (refus.status_code, refus.json()) == (
            422, {"erreurs": [{"champ": None, "message": message}]})
    nombre = envoyer_webhook(client, horloge, {"id": "evt-3", "reference": corps["reference"],
                                               "statut": "programme", "date_intervention": 14})
    assert (nombre.status_code, nombre.json()) == (422, {"erreurs": [{
        "champ": "date_intervention",
        "message": "date_intervention doit être un texte (AAAA-MM-JJ), pas un nombre."}]})


def test_sans_date_un_outil_peut_encore_dire_qu_une_intervention_est_programmee(
        client, boite, horloge):
    corps = par_webhook(client, boite)
    envoyer_webhook(client, horloge, {"id": "evt-1", "reference": corps["reference"],
                                      "statut": "programme"})
    suivi = suivre(client, jeton_de_suivi(corps)).json()
    assert suivi["chronologie"][-1]["texte"] == "Nous vous dirons ici quand ce sera fait."
    assert suivi["prochaine_etape"] == (
        "Mairie de Saint-Exemple s'en occupe. Chacune de ses réponses s'affichera ici.")


def test_open311_lit_la_date_prevue_dans_expected_datetime(client, boite, client_http):
    corps = par_open311(client, boite, client_http)
    reponse = client.post("/api/open311/v2/servicerequestupdates.json", data={
        "jurisdiction_id": "cc-val-d-essai", "api_key": "cle-open311-de-test",
        "service_request_id": "SR-42", "update_id": "U1", "status": "action_scheduled",
        "description": "Passage de l'équipe.", "expected_datetime": "2025-03-13T23:30:00Z"})
    assert reponse.status_code == 200, reponse.text
    assert suivre(client, jeton_de_suivi(corps)).json()["chronologie"][-1]["texte"] == (
        "Intervention prévue le vendredi 14 mars 2025. Passage de l'équipe.")  # à Paris
    fausse = client.post("/api/open311/v2/servicerequestupdates.json", data={
        "jurisdiction_id": "cc-val-d-essai", "api_key": "cle-open311-de-test",
        "service_request_id": "SR-42", "update_id": "U2", "status": "planned",
        "expected_datetime": "bientôt"})
    assert (fausse.status_code, fausse.json()) == (422, [{
        "code": 422, "description": "« bientôt » n'est pas une date : écrivez-la sous la forme "
                                    "14/03/2025."}])


def test_un_secret_par_sens_et_plusieurs_secrets_de_retour_pendant_un_changement(
        fabrique_client, horloge):
    client = fabrique_client(secrets_mises_a_jour={
        "MAIRIE_SAINT_EXEMPLE": Secret("retour-neuf retour-ancien")})
    boite = client.app_state["aiguillage"].boite_envoi
    corps = par_webhook(client, boite)
    mise_a_jour = {"id": "evt-1", "reference": corps["reference"], "statut": "pris_en_charge"}
    # Le secret de nos envois ne vaut plus pour les mises à jour.
    assert envoyer_webhook(client, horloge, mise_a_jour).status_code == 401
    assert envoyer_webhook(client, horloge, mise_a_jour, secret="retour-ancien").status_code == 200
    mise_a_jour["id"], mise_a_jour["statut"] = "evt-2", "en_cours"
    assert envoyer_webhook(client, horloge, mise_a_jour, secret="retour-neuf").status_code == 200
    # Le service signe avec deux secrets (le sien change) : une signature qui va suffit.
    mise_a_jour["id"], mise_a_jour["statut"] = "evt-3", "resolu"
    donnees = json.dumps(mise_a_jour).encode()
    signature = signer("inconnu retour-neuf", int(horloge().timestamp()), donnees)
    reponse = client.post("/api/webhook/mairie-saint-exemple", content=donnees, headers={
        "Content-Type": "application/json", "Aiguillage-Signature": signature})
    assert reponse.json()["statut"] == "resolu"
