from __future__ import annotations

import os
import subprocess
import sys

from aides_fonctions import CHEMIN_MODELE, CLE_DE_PRODUCTION, DEBUT, RACINE, champs_valides

from fonctions.domaine.enregistrement import enregistrer
from fonctions.domaine.validation import valider
from fonctions.socle.reglages import CLE_DE_DEVELOPPEMENT
from fonctions.stockage import StockageTinyDB

# Une borne, pas une attente : une commande qui ne finit pas fait échouer le test au lieu de
# le bloquer. Large, car une machine de CI chargée met parfois des dizaines de secondes à
# démarrer un processus Python qui importe les fonctions.
DUREE_MAX = 300


def lancer(*arguments, **variables):
    environnement = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
    environnement.update(variables)
    return subprocess.run([sys.executable, "-m", "fonctions", *arguments], cwd=RACINE,
                          env=environnement, capture_output=True, text=True, timeout=DUREE_MAX)


def test_verifier_lit_reglages_et_modele_et_dit_ce_qui_manque_pour_la_production():
    resultat = lancer("verifier", AIGUILLAGE_MODELE=str(CHEMIN_MODELE))
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout.splitlines()[0] == (
        "à régler avant la production : AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE manque "
        "(Mairie de Saint-Exemple).")
    assert resultat.stdout.splitlines()[-1] == "Réglages et modèle lisibles."


def test_la_production_incomplete_refuse_de_demarrer_en_francais():
    resultat = lancer("servir", AIGUILLAGE_MODE="production",
                      AIGUILLAGE_MODELE=str(CHEMIN_MODELE))
    assert resultat.returncode == 2
    assert resultat.stderr.startswith("Les fonctions d'Aiguillage ne peuvent pas démarrer :\n"
                                      "  - AIGUILLAGE_URL_PUBLIQUE manque")


def test_la_production_refuse_un_service_sans_secret():
    resultat = lancer("servir", AIGUILLAGE_MODE="production", AIGUILLAGE_MODELE=str(CHEMIN_MODELE),
                      AIGUILLAGE_URL_PUBLIQUE="https://aiguillage.example.org",
                      AIGUILLAGE_CLE_SECRETE=CLE_DE_PRODUCTION, AIGUILLAGE_SMTP_URL="smtp://h:587",
                      AIGUILLAGE_EXPEDITEUR="a@example.org")
    assert resultat.returncode == 2
    assert "  - AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE manque" in resultat.stderr


def test_la_production_refuse_de_demarrer_avec_la_cle_de_developpement_publiee():
    resultat = lancer("servir", AIGUILLAGE_MODE="production", AIGUILLAGE_MODELE=str(CHEMIN_MODELE),
                      AIGUILLAGE_URL_PUBLIQUE="https://aiguillage.example.org",
                      AIGUILLAGE_CLE_SECRETE=CLE_DE_DEVELOPPEMENT, AIGUILLAGE_SMTP_URL="smtp://h:587",
                      AIGUILLAGE_EXPEDITEUR="a@example.org")
    assert resultat.returncode == 2
    assert ("  - AIGUILLAGE_CLE_SECRETE est la clé de développement, publiée dans le code : "
            "n'importe qui fabriquerait des liens de suivi, d'agent et de coordination ; créez-en "
            "une avec") in resultat.stderr


def test_un_modele_absent_arrete_tout_avec_un_message_clair(tmp_path):
    resultat = lancer("servir", AIGUILLAGE_MODELE=str(tmp_path / "absent.json"))
    assert resultat.returncode == 2
    assert "construisez le site (make construire)" in resultat.stderr


def test_envoyer_traite_la_boite_une_fois_pour_cron(tmp_path, modele):
    donnees = tmp_path / "donnees"
    stockage = StockageTinyDB(donnees)
    reference = enregistrer(stockage, valider(champs_valides(), 0, modele), [], modele,
                            DEBUT).signalement["reference"]
    resultat = lancer("envoyer", AIGUILLAGE_DONNEES=str(donnees),
                      AIGUILLAGE_MODELE=str(CHEMIN_MODELE))
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout == "1 envoi(s) traité(s).\n"
    (courriel,) = (donnees / "courriels").iterdir()
    assert str(courriel.relative_to(tmp_path)) in resultat.stderr
    assert stockage.lire_signalement(reference)["etat"] == "transmis"
    stockage.fermer()


def test_envoyer_fait_aussi_les_relances_dues(tmp_path, modele, reglages):
    from dataclasses import replace

    from aides_fonctions import ExpediteurMemoire, HorlogeReglable

    from fonctions.app import construire_contexte

    donnees = tmp_path / "donnees"
    stockage = StockageTinyDB(donnees)
    reference = enregistrer(stockage, valider(champs_valides(), 0, modele), [], modele,
                            DEBUT).signalement["reference"]
    contexte, fermer = construire_contexte(replace(reglages, donnees=donnees), stockage=stockage,
                                           expediteur=ExpediteurMemoire(),
                                           horloge=HorlogeReglable())
    contexte.boite_envoi.traiter_une_fois()  # transmis le 10 mars 2025 : relance bien due
    fermer()
    resultat = lancer("envoyer", AIGUILLAGE_DONNEES=str(donnees),
                      AIGUILLAGE_MODELE=str(CHEMIN_MODELE))
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout == "1 relance(s) ou escalade(s).\n1 envoi(s) traité(s).\n"
    (courriel,) = (donnees / "courriels").iterdir()
    assert "[Relance] Signalement" in courriel.read_text(encoding="utf-8")
    assert [e["type"] for e in stockage.lire_signalement(reference)["historique"]][-2:] == [
        "relance", "envoye"]
    stockage.fermer()


def test_vapid_cree_une_cle_que_les_reglages_acceptent(capsys):
    from fonctions.__main__ import main
    from fonctions.push.cles import ClesVapid
    from fonctions.socle.reglages import lire_reglages

    assert main(["vapid"]) == 0
    sortie = capsys.readouterr().out
    pem = sortie.split('AIGUILLAGE_VAPID_CLE_PRIVEE="')[1].split('"')[0]
    reglages = lire_reglages({"AIGUILLAGE_VAPID_CLE_PRIVEE": pem})
    publique = ClesVapid.depuis_pem(str(reglages.vapid_cle_privee).encode()).publique
    assert publique in sortie
