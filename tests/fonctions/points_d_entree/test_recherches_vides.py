"""Les recherches sans résultat : ce qui est gardé (et rien d'autre), le point d'entrée et ses
refus, la limite de débit, l'effacement après 90 jours, la liste de la coordination — puis
de bout en bout, contre le vrai serveur et son vrai lien de connexion."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from aides_fonctions import CHEMIN_MODELE, RACINE, fichiers_du_dossier, tourner_la_boucle
from aides_suivi import texte_de
from conformite_openapi import client_verifie
from serveurs_locaux import attendre
from test_coordination import se_connecter

from fonctions.domaine.jours_ouvres import PARIS
from fonctions.points_d_entree.recherches_vides import jour_de, noter_recherche_vide, purger, texte_a_compter
from fonctions.stockage import StockageTinyDB

ADRESSE = "/api/recherche/sans-resultat"
MARS_10 = date(2025, 3, 10)  # le jour de l'horloge des tests (10 mars 2025, 10 h à Paris)


def comptes(stockage, debut: date = MARS_10, fin: date = MARS_10) -> list[tuple[str, int]]:
    return stockage.lister_recherches_vides(debut, fin, 100)


def erreurs(reponse) -> list[dict]:
    return reponse.json()["erreurs"]


def fichiers_des_recherches(stockage) -> list[str]:
    """Ce que les recherches ont écrit (le reste du dossier est aux signalements et à
    Web Push)."""
    return [f"recherches_vides/{nom}" for nom in
            fichiers_du_dossier(stockage.dossier / "recherches_vides")]


# Ce qui est gardé d'une recherche
@pytest.mark.parametrize(("requete", "garde"), [
    ("Cave inondée", "cave inondee"),
    ("Éboueurs pas passés à Noël, œufs écrasés !", "eboueurs passes noel oeufs ecrases"),
    ("L’égout DÉBORDE", "egout deborde"),
    ("Bonjour, je voudrais signaler que les poubelles de ma rue ne sont pas ramassées depuis "
     "deux semaines", "poubelles rue ramassees deux semaines"),
    ("arbre branche tombée route bloquée voiture camion pluie vent orage nuit matin soir pont "
     "rivière berge chemin forêt champ ferme",
     "arbre branche tombee route bloquee voiture camion pluie"),
    ("poubelle renversée jean.dupont@exemple.fr", "poubelle renversee"),
    ("écrivez à jean dupont @ exemple.fr merci", "ecrivez jean"),
    ("lampadaire éteint, rappelez-moi au 06 12 34 56 78", "lampadaire eteint rappelez"),
    ("fuite +33 6.12.34.56.78 ou 0612345678", "fuite"),
    ("dépôt sauvage 56190 Muzillac", "depot sauvage muzillac"),
    ("voiture AB-123-CD sur le trottoir, et EF 456 GH aussi", "voiture trottoir"),
    ("mon suivi AIG-7K3M-Q9.Xc2AbCdEfGhIjKlMnOpQrStUvW ne marche plus", "suivi marche"),
    ("https://aiguillage.example.org/suivi/#AIG-7K3M-Q9.abc lampadaire", "lampadaire"),
    ("code ab123cd7 x9f2k3j8 fuite", "code fuite"),
    ("nid de poule sur la N165 et la RD774 au 12 rue du 1er mai", "nid poule n165 rd774 12 rue 1er mai"),
    ("nettoyer " + "a" * 31 + " trottoir", "nettoyer trottoir"),
    ("06 12 34 56 78", ""),
    ("!!! ???", ""),
    ("je ne le", ""),
])
def test_seuls_les_mots_cherches_sont_gardes_sans_rien_de_personnel(requete, garde):
    assert texte_a_compter(requete) == garde


def test_une_recherche_faite_apres_minuit_a_paris_compte_pour_le_nouveau_jour():
    assert jour_de(datetime(2025, 3, 10, 22, 59, tzinfo=UTC)) == MARS_10
    assert jour_de(datetime(2025, 3, 10, 23, 0, tzinfo=UTC)) == date(2025, 3, 11)
    assert jour_de(datetime(2025, 7, 10, 22, 0, tzinfo=UTC)) == date(2025, 7, 11)  # heure d'été


# POST /api/recherche/sans-resultat
def test_une_recherche_sans_resultat_est_comptee_par_jour_et_rien_d_autre_n_est_ecrit(
        client, stockage):
    entetes = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/126",
               "X-Forwarded-For": "203.0.113.9", "Cookie": "session=secret"}
    for requete in ["Cave inondée", "cave INONDEE !", "Carte d'identité perdue"]:
        reponse = client.post(ADRESSE, json={"requete": requete}, headers=entetes)
        assert (reponse.status_code, reponse.content) == (204, b"")
    # vapid.pem : la clé Web Push, créée au démarrage ; rien d'autre n'est écrit.
    assert fichiers_du_dossier(stockage.dossier) == ["recherches_vides/2025-03-10.json",
                                                     "vapid.pem"]
    contenu = (stockage.dossier / "recherches_vides" / "2025-03-10.json").read_text()
    assert json.loads(contenu) == {"document": {"1": {
        "jour": "2025-03-10", "textes": {"cave inondee": 2, "carte identite perdue": 1}}}}


@pytest.mark.parametrize("requete", ["", "   ", "!!!", "06 12 34 56 78", "le la les de",
                                     "jean.dupont@exemple.fr"])
def test_une_recherche_vide_une_fois_reduite_n_est_pas_comptee_et_n_est_pas_une_erreur(
        client, stockage, requete):
    reponse = client.post(ADRESSE, json={"requete": requete})
    assert (reponse.status_code, reponse.content) == (204, b"")
    assert fichiers_des_recherches(stockage) == []


@pytest.mark.parametrize(("envoi", "statut", "attendu"), [
    ({"data": {"requete": "egout"}}, 415, [{"champ": None, "message": (
        'Envoyez la recherche en JSON (application/json) : {"requete": "les mots tapés"}.')}]),
    ({"content": b"egout", "headers": {"Content-Type": "text/plain"}}, 415, [{
        "champ": None, "message": (
            'Envoyez la recherche en JSON (application/json) : {"requete": "les mots tapés"}.')}]),
    ({"content": b'{"requete": "ego', "headers": {"Content-Type": "application/json"}}, 400,
     [{"champ": None, "message": "Le JSON reçu est illisible."}]),
    ({"content": b'{"requete": "\xe9gout"}', "headers": {"Content-Type": "application/json"}},
     400, [{"champ": None, "message": "Le JSON reçu est illisible."}]),
    ({"json": ["egout"]}, 400, [{"champ": None, "message": "Le JSON reçu doit être un objet."}]),
    ({"json": {}}, 422, [{"champ": "requete", "message": (
        'Le texte cherché manque : envoyez {"requete": "les mots tapés"}.')}]),
    ({"json": {"requete": None}}, 422, [{"champ": "requete", "message": (
        "Le texte cherché doit être une chaîne de caractères.")}]),
    ({"json": {"requete": ["egout"]}}, 422, [{"champ": "requete", "message": (
        "Le texte cherché doit être une chaîne de caractères.")}]),
    ({"json": {"requete": "égout " * 250}}, 422, [{"champ": "requete", "message": (
        "Le texte cherché fait 1\u202f500 caractères ; 500 au plus.")}]),
    ({"json": {"requete": "egout", "page": "/voirie/", "ip": "203.0.113.9"}}, 422, [
        {"champ": "page", "message": (
            "Champ inconnu : « page ». Envoyez seulement « requete », le texte cherché.")},
        {"champ": "ip", "message": (
            "Champ inconnu : « ip ». Envoyez seulement « requete », le texte cherché.")}]),
    ({"json": {"requete": "e" * 9000}}, 413, [{"champ": None, "message": (
        "L'envoi est trop volumineux (8 Ko au plus) : envoyez seulement le texte cherché.")}]),
    ({"json": {"requete": "egout"}, "headers": {"Sec-Fetch-Site": "cross-site"}}, 403, [{
        "champ": None, "message": "Cet envoi ne vient pas d'une page d'Aiguillage : il est refusé."}]),
    ({"json": {"requete": "egout"}, "headers": {"Origin": "https://ailleurs.example"}}, 403, [{
        "champ": None, "message": "Cet envoi ne vient pas d'une page d'Aiguillage : il est refusé."}]),
])
def test_un_envoi_invalide_est_refuse_en_francais_et_rien_n_est_compte(
        client, stockage, envoi, statut, attendu):
    reponse = client.post(ADRESSE, **envoi)
    assert reponse.status_code == statut
    assert erreurs(reponse) == attendu
    assert fichiers_des_recherches(stockage) == []


def test_une_autre_methode_que_post_est_refusee(client):
    reponse = client.get(ADRESSE)
    assert reponse.status_code == 405
    assert erreurs(reponse) == [{"champ": None,
                                 "message": "La méthode GET n'est pas permise ici."}]


def test_un_client_qui_envoie_trop_de_recherches_est_arrete_et_rien_de_plus_n_est_compte(
        fabrique_client, stockage):
    client = fabrique_client(limite_recherches=(2, 600.0))
    for _ in range(2):
        assert client.post(ADRESSE, json={"requete": "égout"}).status_code == 204
    reponse = client.post(ADRESSE, json={"requete": "égout"})
    assert reponse.status_code == 429
    assert 590 < int(reponse.headers["retry-after"]) <= 600  # le reste de la fenêtre
    assert erreurs(reponse) == [{"champ": None, "message": (
        "Trop de recherches envoyées depuis votre connexion : réessayez dans 10 minutes.")}]
    assert comptes(stockage) == [("egout", 2)]
    # Les signalements ont leur propre limite : une recherche ne la consomme pas.
    assert client.post("/api/signalements", json={}).status_code == 422


# noter_recherche_vide : la page de résultats sans JavaScript
def test_la_page_sans_javascript_compte_par_la_meme_fonction(client, stockage):
    contexte = client.app_state["aiguillage"]
    assert noter_recherche_vide(contexte, "Égout bouché") is True
    assert noter_recherche_vide(contexte, "06 12 34 56 78") is False
    assert noter_recherche_vide(contexte, "égout  BOUCHÉ", "198.51.100.7") is True
    assert comptes(stockage) == [("egout bouche", 2)]


def test_la_fonction_respecte_la_limite_du_client_qu_on_lui_donne(fabrique_client, stockage):
    contexte = fabrique_client(limite_recherches=(1, 600.0)).app_state["aiguillage"]
    assert noter_recherche_vide(contexte, "tag", "198.51.100.7") is True
    assert noter_recherche_vide(contexte, "tag", "198.51.100.7") is False
    assert noter_recherche_vide(contexte, "tag", "198.51.100.8") is True
    assert noter_recherche_vide(contexte, "tag") is True  # l'appelant a déjà limité
    assert comptes(stockage) == [("tag", 3)]


# L'effacement après 90 jours
def test_une_recherche_est_effacee_90_jours_apres_son_jour(client, stockage, horloge):
    contexte = client.app_state["aiguillage"]
    horloge.moment = datetime(2025, 3, 1, 8, tzinfo=UTC)  # 1er mars, 9 h à Paris
    noter_recherche_vide(contexte, "passeport")
    horloge.moment = datetime(2025, 3, 2, 8, tzinfo=UTC)
    noter_recherche_vide(contexte, "permis")
    horloge.moment = datetime(2025, 5, 29, 21, 59, tzinfo=UTC)  # 29 mai, 23 h 59 à Paris
    assert purger(stockage, horloge) == 0
    assert comptes(stockage, date(2025, 3, 1), date(2025, 5, 29)) == [
        ("passeport", 1), ("permis", 1)]
    horloge.moment = datetime(2025, 5, 29, 22, 0, tzinfo=UTC)  # 30 mai, 0 h à Paris
    assert purger(stockage, horloge) == 1
    assert comptes(stockage, date(2025, 3, 1), date(2025, 5, 30)) == [("permis", 1)]
    assert fichiers_des_recherches(stockage) == ["recherches_vides/2025-03-02.json"]


def test_la_boucle_du_serveur_efface_les_vieilles_recherches_une_fois_par_heure(
        boite, stockage):
    stockage.compter_recherche_vide(MARS_10 - timedelta(days=90), "passeport")
    stockage.compter_recherche_vide(MARS_10 - timedelta(days=89), "permis")
    purge = boite.purge_des_recherches
    appels = []
    boite.purge_des_recherches = lambda: appels.append(purge())
    tourner_la_boucle(boite, 3)
    assert appels == [1]  # trois tours de boucle dans la même heure : une purge
    assert comptes(stockage, MARS_10 - timedelta(days=100), MARS_10) == [("permis", 1)]


def test_la_commande_de_cron_efface_aussi_les_vieilles_recherches(tmp_path):
    donnees = tmp_path / "donnees"
    aujourd_hui = datetime.now(PARIS).date()
    stockage = StockageTinyDB(donnees)
    stockage.compter_recherche_vide(aujourd_hui - timedelta(days=120), "passeport")
    stockage.compter_recherche_vide(aujourd_hui - timedelta(days=120), "permis")
    stockage.compter_recherche_vide(aujourd_hui - timedelta(days=10), "egout")
    environnement = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
    environnement.update(AIGUILLAGE_DONNEES=str(donnees), AIGUILLAGE_MODELE=str(CHEMIN_MODELE))
    resultat = subprocess.run([sys.executable, "-m", "fonctions", "envoyer"], cwd=RACINE,
                              env=environnement, capture_output=True, text=True, timeout=60)
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout == ("0 envoi(s) traité(s).\n"
                               "2 recherche(s) sans résultat de plus de 90 jours effacée(s).\n")
    assert comptes(stockage, aujourd_hui - timedelta(days=200), aujourd_hui) == [("egout", 1)]
    stockage.fermer()


# La page de la coordination
def test_la_coordination_voit_les_recherches_sans_resultat_des_30_derniers_jours(
        client, expediteur, stockage):
    for jour, texte, fois in [(MARS_10, "passeport", 3), (date(2025, 2, 9), "carte identite", 4),
                              (MARS_10, "carte identite", 1), (date(2025, 2, 8), "vieux", 9),
                              (date(2025, 3, 1), "permis conduire", 3)]:
        for _ in range(fois):
            stockage.compter_recherche_vide(jour, texte)
    for numero in range(30):  # au-delà des 20 montrées
        stockage.compter_recherche_vide(MARS_10, f"mot{numero:02d}")
    page = client.get(se_connecter(client, expediteur))
    assert page.status_code == 200
    contenu = texte_de(page.text)
    section = contenu.partition("Recherches sans résultat ")[2]
    assert section.startswith(
        "Ce que les habitants ont cherché sur le site ces 30 derniers jours sans rien trouver. "
        "Pour qu'ils trouvent la prochaine fois, l'équipe qui rédige le site peut ajouter ces "
        "mots aux mots_cles de la page qui répond, les déclarer comme synonymes dans "
        "contenu/synonymes.yaml, ou créer une nouvelle page si le problème n'est pas encore "
        "dans le parcours (voir contenu/LISEZMOI.md). Les 20 recherches sans résultat les plus "
        "fréquentes, de la plus fréquente à la moins fréquente Mots cherchés Nombre de fois "
        "carte identite 5 passeport 3 permis conduire 3 mot00 1 mot01 1 ")
    assert section.endswith("mot15 1 mot16 1 Mes signalements Plan du site Déclaration d'accessibilité Un "
                            "service de Communauté de communes du Val d'Essai, avec Aiguillage.")
    assert "vieux" not in section
    lignes = re.findall(r"<tr><td>([^<]*)</td><td class=\"nombre\">(\d+)</td></tr>", page.text)
    assert len(lignes) == 20
    assert '<th scope="col">Mots cherchés</th>' in page.text


def test_sans_recherche_sans_resultat_la_coordination_le_dit(client, expediteur):
    contenu = texte_de(client.get(se_connecter(client, expediteur)).text)
    assert ("ou créer une nouvelle page si le problème n'est pas encore dans le parcours (voir "
            "contenu/LISEZMOI.md). Aucune recherche sans résultat ces 30 derniers jours.") in contenu


# De bout en bout : vrai serveur (uvicorn), vrai SMTP, vrai lien de connexion
def test_de_bout_en_bout_les_recherches_comptees_s_affichent_chez_la_coordination(
        serveur_reel, boite_smtp):
    with client_verifie(serveur_reel.url, timeout=30) as client:
        for requete in ["Carte d'identité perdue", "carte d’IDENTITÉ perdue !",
                        "Carte identité perdue : 06 12 34 56 78", "Passeport"]:
            reponse = client.post(ADRESSE, json={"requete": requete})
            assert (reponse.status_code, reponse.content) == (204, b"")
        refus = client.post(ADRESSE, json={"requete": "egout", "jeton": "AIG-7K3M-Q9.x"})
        assert refus.status_code == 422

        demande = client.post("/api/coordination",
                              data={"courriel": "coordination@val-d-essai.example.org"})
        assert demande.status_code == 200

        def lien_recu():
            for recu in list(boite_smtp.courriels):
                message = email.message_from_bytes(recu["contenu"], policy=email.policy.default)
                corps = message.get_body(("plain",)).get_content()
                trouve = re.search(r"http://\S+/api/coordination/\S+", corps)
                if trouve:
                    return trouve.group(0)
            return None

        page = client.get(attendre(lien_recu, message="aucun lien de connexion reçu"))
    assert page.status_code == 200
    lignes = re.findall(r"<tr><td>([^<]*)</td><td class=\"nombre\">(\d+)</td></tr>", page.text)
    assert lignes == [("carte identite perdue", "3"), ("passeport", "1")]
    dossier = serveur_reel.donnees / "recherches_vides"
    (fichier,) = dossier.glob("*.json")
    assert json.loads(fichier.read_text())["document"]["1"]["textes"] == {
        "carte identite perdue": 3, "passeport": 1}
    assert b"127.0.0.1" not in fichier.read_bytes()
