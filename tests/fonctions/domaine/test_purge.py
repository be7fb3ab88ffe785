"""Les promesses de la page « Vos données personnelles », éprouvées avec une horloge réglable :
coordonnées effacées après la clôture plus le délai, textes et photos après la conservation,
statistique anonyme gardée ; rien d'autre ne garde l'adresse du citoyen."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aides_fonctions import CHEMIN_MODELE, RACINE, champs_valides, photo, tourner_la_boucle
from aides_suivi import agir, jeton_de_suivi, lien_agent, suivre

from fonctions.domaine import purge
from fonctions.domaine.chronologie import chronologie, resume
from fonctions.domaine.enregistrement import nouvel_envoi
from fonctions.domaine.purge import ajouter_mois, cloture
from fonctions.socle.fichiers import nom_temporaire
from fonctions.socle.jetons import nouvelle_reference

COURRIEL = "lea.martin@exemple.fr"
TELEPHONE = "0612345678"
ABONNEMENT = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
    "keys": {"p256dh": "B" * 87, "auth": "A" * 22},
    "cree_le": "2025-03-10T09:00:00+00:00",
}


def poster_avec_tout(client, stockage) -> tuple[dict, str]:
    """Un signalement avec courriel, téléphone (accord donné), photo, clé d'idempotence et
    abonnement Web Push ; rend (réponse, clé)."""
    cle = str(uuid.uuid4())
    reponse = client.post(
        "/api/signalements",
        data=champs_valides(courriel=COURRIEL, telephone=TELEPHONE, consentement="oui"),
        files=[("photos", ("trou.jpg", photo(), "image/jpeg"))],
        headers={"Idempotency-Key": cle},
    )
    assert reponse.status_code == 201, reponse.text
    corps = reponse.json()

    def abonner(document: dict) -> None:
        document["abonnements_push"] = [ABONNEMENT]

    stockage.modifier_signalement(corps["reference"], modification=abonner)
    return corps, cle


def resoudre(client, boite, expediteur) -> None:
    boite.traiter_une_fois()
    agir(client, lien_agent(expediteur.messages[-1]), "resolu", message="Trou rebouché.")


def purger(client, horloge):
    ctx = client.app_state["aiguillage"]
    return purge.purger(ctx.stockage, ctx.suivi, ctx.reglages, horloge())


def fichiers_contenant(dossier: Path, texte: str) -> list[str]:
    return sorted(
        str(chemin.relative_to(dossier))
        for chemin in dossier.rglob("*")
        if chemin.is_file() and texte.encode() in chemin.read_bytes()
    )


def test_coordonnees_puis_textes_et_photos_effaces_aux_dates_promises_la_statistique_reste(
    client, boite, expediteur, stockage, horloge, reglages
):
    corps, cle = poster_avec_tout(client, stockage)
    reference = corps["reference"]
    horloge.avancer(days=2)
    resoudre(client, boite, expediteur)
    clos_le = horloge()
    assert cloture(stockage.lire_signalement(reference)) == clos_le
    cle_sur_disque = list((reglages.donnees / "idempotence").rglob("*.json"))
    assert len(cle_sur_disque) == 1
    assert fichiers_contenant(reglages.donnees, COURRIEL) == [
        f"signalements/{reference[4:6]}/{reference}.json"
    ]

    # 29 jours après la clôture : rien ne part (le citoyen peut encore rouvrir).
    horloge.avancer(days=29, hours=23)
    assert purger(client, horloge) == purge.Bilan()
    assert stockage.lire_signalement(reference)["contact"]["courriel"] == COURRIEL

    # 30 jours après : coordonnées, abonnement et clé d'idempotence effacés, nulle part gardés.
    horloge.avancer(hours=1)
    assert purger(client, horloge) == purge.Bilan(coordonnees=1)
    document = stockage.lire_signalement(reference)
    assert document["contact"] is None and document["abonnements_push"] == []
    assert document["idempotence"] is None
    assert document["coordonnees_effacees_le"] == (clos_le + timedelta(days=30)).isoformat()
    assert document["historique"][-1]["type"] == "coordonnees_effacees"
    assert not cle_sur_disque[0].exists()
    assert fichiers_contenant(reglages.donnees, COURRIEL) == []
    assert fichiers_contenant(reglages.donnees, TELEPHONE) == []
    assert fichiers_contenant(reglages.donnees, "fcm.googleapis.com") == []
    # Le texte et la photo restent jusqu'à la fin de la conservation.
    assert document["description"] == champs_valides()["description"]
    assert stockage.lire_photo(reference, "photo-1.jpg")

    # Un mois avant la fin des 12 mois : rien de plus.
    horloge.moment = ajouter_mois(clos_le, 11)
    assert purger(client, horloge) == purge.Bilan()

    # Un service Open311 avait rendu ses identifiants ; un autre signalement garde le sien.
    autre = nouvelle_reference()
    stockage.retenir_identifiant_externe("mairie", "service_request_id:SR-7", reference)
    stockage.retenir_identifiant_externe("mairie", "token:j-7", reference)
    stockage.retenir_identifiant_externe("mairie", "service_request_id:SR-8", autre)

    # 12 mois après la clôture : il ne reste que la statistique anonyme.
    horloge.moment = ajouter_mois(clos_le, 12)
    assert purger(client, horloge) == purge.Bilan(anonymises=1, photos=1, identifiants=2)
    # Plus de lien entre la statistique et la demande gardée chez le service.
    assert stockage.retrouver_par_identifiant_externe("mairie", "token:j-7") is None
    assert stockage.retrouver_par_identifiant_externe("mairie", "service_request_id:SR-7") is None
    assert stockage.retrouver_par_identifiant_externe(
        "mairie", "service_request_id:SR-8") == autre
    anonyme = stockage.lire_signalement(reference)
    assert not (reglages.donnees / "photos" / reference).exists()
    assert anonyme["description"] == "" and anonyme["reponses"] == []
    assert anonyme["localisation"] == {"latitude": None, "longitude": None, "adresse": None}
    for texte in ("Un trou profond", "rue des Écoles", "Trou rebouché", "Comme une assiette"):
        assert fichiers_contenant(reglages.donnees, texte) == [], texte
    # Ce qui reste : de quoi compter.
    assert anonyme["reference"] == reference
    assert anonyme["cree_le"] == "2025-03-10T09:00:00+00:00"
    assert anonyme["etat"] == "resolu"
    assert anonyme["commune"] == {"insee": "56001", "nom": "Bourg-les-Essais"}
    assert anonyme["noeud"]["libelle"] == "Un nid-de-poule"
    assert [(a["nom"], a["statut"]) for a in anonyme["attributions"]] == [
        ("Mairie de Bourg-les-Essais", "resolu")
    ]
    assert [e["type"] for e in anonyme["historique"]] == [e["type"] for e in document["historique"]]
    assert all(
        set(e) <= {"date", "type", "statut", "attribution", "gestionnaire", "public", "par"}
        for e in anonyme["historique"]
    )
    assert anonyme["nombre_de_photos"] == 1
    assert anonyme["anonymise_le"] == horloge().isoformat()
    # Les pages qui le liraient encore (recherche de la coordination) le lisent sans erreur.
    etapes = chronologie(anonyme, "La coordination", pour_le_service=True)
    assert [e["titre"] for e in etapes] == [
        e["titre"] for e in chronologie(document, "La coordination", pour_le_service=True)
    ]
    assert resume(anonyme, "La coordination", horloge())["etat"]["libelle"] == "Résolu"
    # Les anciens liens ne l'ouvrent plus (sans erreur 500).
    assert suivre(client, jeton_de_suivi(corps)).status_code == 404

    # Une seconde passe ne change rien.
    assert purger(client, horloge) == purge.Bilan()
    assert stockage.lire_signalement(reference) == anonyme


def test_le_serveur_purge_lui_meme_au_demarrage_puis_une_fois_par_jour(
    client, boite, expediteur, stockage, horloge
):
    """Sans cron, la boucle du serveur tient les durées promises : une passe à son premier
    tour, puis plus avant le lendemain."""
    corps, _ = poster_avec_tout(client, stockage)
    resoudre(client, boite, expediteur)
    horloge.avancer(days=30)
    passes = []
    purger_vraiment = boite.purge_des_donnees
    boite.purge_des_donnees = lambda: passes.append(purger_vraiment())
    tourner_la_boucle(boite, 3)
    assert passes == [purge.Bilan(coordonnees=1)]  # trois tours dans la même journée : une passe
    assert stockage.lire_signalement(corps["reference"])["contact"] is None


def test_un_signalement_ouvert_ou_rouvert_garde_tout(client, boite, expediteur, stockage, horloge):
    ouvert, _ = poster_avec_tout(client, stockage)
    rouvert, _ = poster_avec_tout(client, stockage)
    boite.traiter_une_fois()
    message = next(m for m in expediteur.messages if rouvert["reference"] in str(m["Subject"]))
    agir(client, lien_agent(message), "resolu")
    reponse = client.post(
        "/api/suivi/rouvrir",
        json={"message": "Toujours là."},
        headers={
            "Authorization": f"Jeton {jeton_de_suivi(rouvert)}",
            "Origin": "https://aiguillage.example.org",
        },
    )
    assert reponse.status_code == 200, reponse.text
    horloge.avancer(days=3 * 365)
    assert purger(client, horloge) == purge.Bilan()
    for corps in (ouvert, rouvert):
        assert stockage.lire_signalement(corps["reference"])["contact"]["courriel"] == COURRIEL


def test_le_delai_et_la_conservation_se_reglent(
    fabrique_client, boite, expediteur, stockage, horloge, reglages
):
    client = fabrique_client(coordonnees_jours=0, conservation_mois=1)
    corps, _ = poster_avec_tout(client, stockage)
    client.app_state["aiguillage"].boite_envoi.traiter_une_fois()
    agir(client, lien_agent(expediteur.messages[-1]), "clos", motif="Doublon.")
    assert fichiers_contenant(reglages.donnees, "Doublon.")  # le motif, un texte libre
    assert purger(client, horloge) == purge.Bilan(coordonnees=1)
    horloge.moment = ajouter_mois(horloge(), 1)
    assert purger(client, horloge) == purge.Bilan(anonymises=1, photos=1)
    anonyme = stockage.lire_signalement(corps["reference"])
    assert anonyme["etat"] == "clos"
    assert fichiers_contenant(reglages.donnees, "Doublon.") == []
    assert [set(a["transmission"]) for a in anonyme["attributions"]] == [{"canal", "date"}]


def test_les_restes_d_arrets_brutaux_sont_effaces_une_fois_vieux(client, stockage, reglages, horloge):
    corps, _ = poster_avec_tout(client, stockage)
    dossier = reglages.donnees
    vieux = time.time() - 2 * 86400
    restes = [
        nom_temporaire(dossier / "photos" / corps["reference"] / "photo-2.jpg"),
        nom_temporaire(dossier / "signalements" / "AI" / "AIG-XXXX.json"),
        dossier / "photos" / nouvelle_reference() / "photo-1.jpg",  # sans signalement
    ]
    pas_a_nous = dossier / "photos" / corps["reference"] / "notes.tmp"
    for chemin in [*restes, pas_a_nous]:
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_bytes(b"reste")
        os.utime(chemin, (vieux, vieux))
    os.utime(restes[2].parent, (vieux, vieux))
    recent = nom_temporaire(dossier / "boite_envoi" / "en-cours.json")
    recent.parent.mkdir(parents=True, exist_ok=True)
    recent.write_bytes(b"une ecriture en cours")
    assert purger(client, horloge) == purge.Bilan(restes=3)
    assert [chemin.exists() for chemin in restes] == [False, False, False]
    assert not restes[2].parent.exists()
    assert recent.exists() and pas_a_nous.exists()  # trop récent ; pas d'ecrire_atomiquement
    assert stockage.lire_photo(corps["reference"], "photo-1.jpg")


@pytest.mark.parametrize(("dossier", "suffixe"), purge.ENVOIS_SIMULES)
def test_les_envois_simules_en_developpement_ne_sont_pas_gardes_plus_que_les_coordonnees(
    dossier, suffixe, client, reglages, horloge
):
    dossier = reglages.donnees / dossier
    dossier.mkdir(parents=True, exist_ok=True)
    vieux, recent = dossier / f"20250101T000000-a{suffixe}", dossier / f"20250309-b{suffixe}"
    for chemin in (vieux, recent):
        chemin.write_text(f"To: {COURRIEL}\n\nBonjour")
    il_y_a_31_jours = time.time() - 31 * 86400
    os.utime(vieux, (il_y_a_31_jours, il_y_a_31_jours))
    assert purger(client, horloge) == purge.Bilan(courriels=1)
    assert not vieux.exists() and recent.exists()


def test_ajouter_mois_garde_le_jour_ou_prend_le_dernier_du_mois():
    assert ajouter_mois(datetime(2025, 1, 31, 10, tzinfo=UTC), 1) == datetime(2025, 2, 28, 10, tzinfo=UTC)
    assert ajouter_mois(datetime(2025, 3, 10, tzinfo=UTC), 12) == datetime(2026, 3, 10, tzinfo=UTC)
    assert ajouter_mois(datetime(2025, 11, 30, tzinfo=UTC), 3) == datetime(2026, 2, 28, tzinfo=UTC)


# -- Tuée à un point précis, puis relancée ---------------------------------------------------

# Lancé par ``python -c`` : la vraie commande ``python -m fonctions purger``, dans un vrai
# processus qui se tue lui-même (SIGKILL) au point demandé — déterministe, sans attente.
PURGE_TUEE = """
import os, signal, sys
from fonctions.stockage.tinydb import StockageTinyDB
from fonctions.__main__ import main

point = sys.argv[1]
def tuer():
    os.kill(os.getpid(), signal.SIGKILL)

if point == "cle_effacee":  # la clé d'idempotence effacée, le document pas encore écrit
    oublier = StockageTinyDB.oublier_cle
    def oublier_puis_tuer(self, empreinte):
        oublier(self, empreinte)
        tuer()
    StockageTinyDB.oublier_cle = oublier_puis_tuer
elif point == "ecriture_a_moitie":  # le fichier temporaire écrit, pas encore mis en place
    remplacer = os.replace
    def remplacer_ou_tuer(source, cible):
        if "/signalements/" in str(cible):
            tuer()
        remplacer(source, cible)
    os.replace = remplacer_ou_tuer
elif point == "photos_restantes":  # le document anonyme écrit, ses photos pas encore effacées
    def tuer_avant(self, reference):
        tuer()
    StockageTinyDB.effacer_photos = tuer_avant
sys.exit(main(["purger"]))
"""


def lancer_la_purge(donnees: Path, point: str | None = None):
    environnement = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
    environnement.update(AIGUILLAGE_DONNEES=str(donnees), AIGUILLAGE_MODELE=str(CHEMIN_MODELE))
    commande = (
        [sys.executable, "-c", PURGE_TUEE, point] if point else [sys.executable, "-m", "fonctions", "purger"]
    )
    return subprocess.run(
        commande, cwd=RACINE, env=environnement, capture_output=True, text=True, timeout=120
    )


def etat_coherent(stockage, reference: str) -> dict:
    """Le document se lit ; anonyme, il n'a plus ni coordonnées ni textes."""
    document = stockage.lire_signalement(reference)
    assert document is not None
    if document.get("anonymise_le"):
        assert document["contact"] is None and document["description"] == ""
    return document


@pytest.mark.parametrize("point", ["cle_effacee", "ecriture_a_moitie", "photos_restantes"])
def test_la_purge_tuee_a_tout_moment_puis_relancee_laisse_tout_coherent(
    point, client, boite, expediteur, stockage, horloge, reglages
):
    maintenant = datetime.now(UTC)
    horloge.moment = maintenant - timedelta(days=800)
    ancien, _ = poster_avec_tout(client, stockage)  # clos il y a plus de 12 mois
    resoudre(client, boite, expediteur)
    horloge.moment = maintenant - timedelta(days=41)
    recent, _ = poster_avec_tout(client, stockage)  # clos il y a 40 jours
    resoudre(client, boite, expediteur)
    references = [ancien["reference"], recent["reference"]]
    assert len(list((reglages.donnees / "idempotence").rglob("*.json"))) == 2

    tuee = lancer_la_purge(reglages.donnees, point)
    assert tuee.returncode == -9, tuee.stdout + tuee.stderr  # tuée au point voulu
    for reference in references:
        etat_coherent(stockage, reference)
    if point == "photos_restantes":
        assert stockage.lire_signalement(references[0])["anonymise_le"]
        assert (reglages.donnees / "photos" / references[0]).exists()
    if point == "ecriture_a_moitie":
        assert list((reglages.donnees / "signalements").rglob(".*.tmp"))

    relancee = lancer_la_purge(reglages.donnees)
    assert relancee.returncode == 0, relancee.stderr
    anonyme, sans_coordonnees = (etat_coherent(stockage, r) for r in references)
    assert anonyme["anonymise_le"] and anonyme["commune"]["nom"] == "Bourg-les-Essais"
    assert not (reglages.donnees / "photos" / references[0]).exists()
    assert sans_coordonnees["contact"] is None and not sans_coordonnees.get("anonymise_le")
    assert sans_coordonnees["description"] == champs_valides()["description"]
    assert stockage.lire_photo(references[1], "photo-1.jpg")
    assert list((reglages.donnees / "idempotence").rglob("*.json")) == []
    assert fichiers_contenant(reglages.donnees, COURRIEL) == []

    # Un fichier temporaire laissé par l'arrêt est effacé quand il est assez vieux pour
    # qu'aucune écriture en cours ne puisse encore le mettre en place.
    restes = list(reglages.donnees.rglob(".*.tmp"))
    assert bool(restes) == (point == "ecriture_a_moitie")
    vieux = time.time() - 2 * 86400
    for reste in restes:
        os.utime(reste, (vieux, vieux))
    encore = lancer_la_purge(reglages.donnees)
    assert encore.returncode == 0, encore.stderr
    assert encore.stdout.strip() == (
        f"0 signalement(s) sans coordonnées désormais, 0 anonymisé(s), 0 photo(s) et "
        f"{len(restes)} reste(s) d'écriture effacés, 0 identifiant(s) Open311 oublié(s), "
        "0 envoi(s) simulé(s) de développement effacé(s)."
    )
    assert list(reglages.donnees.rglob(".*.tmp")) == []
    assert [stockage.lire_signalement(r) for r in references] == [anonyme, sans_coordonnees]


def test_les_entrees_de_la_boite_d_envoi_d_un_signalement_anonymise_sont_effacees(
    client, boite, expediteur, stockage, horloge
):
    corps, _ = poster_avec_tout(client, stockage)
    resoudre(client, boite, expediteur)
    reference = corps["reference"]
    # Une notification encore en attente, puis un arrêt juste après l'anonymisation, avant
    # l'effacement de cette entrée : la passe suivante la retrouve.
    stockage.ajouter_envoi(nouvel_envoi(reference, "notification", horloge()))
    horloge.moment = ajouter_mois(horloge(), 12)
    assert purge.anonymiser(stockage, reference, horloge()) is True
    assert [e["reference"] for e in stockage.lister_envois()] == [reference]
    assert purger(client, horloge) == purge.Bilan(photos=1)
    assert stockage.lister_envois() == []
