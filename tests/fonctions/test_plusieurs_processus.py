"""Plusieurs processus serveur sur une même base PostgreSQL (issue 14, point 4) : comme deux
machines derrière un répartiteur de charge. Chaque processus a sa boîte d'envoi intégrée."""

from __future__ import annotations

import email
import email.policy
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from aides_fonctions import CHEMIN_MODELE, champs_valides
from serveur_reel import ServeurReel
from serveurs_locaux import attendre
from test_main import lancer

from fonctions.stockage.postgresql import StockagePostgreSQL


@pytest.fixture
def deux_serveurs(request, tmp_path, base_postgres, boite_smtp, recepteur_http):
    """Deux processus serveur sur la même base ; ``@pytest.mark.parametrize("deux_serveurs",
    [{"AIGUILLAGE_…": …}], indirect=True)`` leur donne d'autres réglages."""
    serveurs = []
    for nom in ("a", "b"):
        (tmp_path / nom).mkdir()
        serveur = ServeurReel(tmp_path / nom, boite_smtp.port, recepteur_http.url)
        serveur.variables["AIGUILLAGE_BASE_URL"] = base_postgres
        serveur.variables.update(getattr(request, "param", {}))
        serveurs.append(serveur)
    try:
        for serveur in serveurs:
            serveur.demarrer()
        yield serveurs
    finally:
        for serveur in serveurs:
            serveur.arreter()
            print(f"--- journal du serveur {serveur.url} ---\n{serveur.journal()}")


@pytest.fixture
def base(base_postgres):
    stockage = StockagePostgreSQL(base_postgres)
    yield stockage
    stockage.fermer()


def test_seize_rejeux_d_une_cle_sur_deux_processus_donnent_un_signalement(
        deux_serveurs, base, boite_smtp):
    cle = str(uuid.uuid4())
    depart = threading.Barrier(16)

    def envoyer(numero):
        with httpx.Client(base_url=deux_serveurs[numero % 2].url, timeout=30) as client:
            depart.wait()
            return client.post("/api/signalements", json=champs_valides(),
                               headers={"Idempotency-Key": cle})

    with ThreadPoolExecutor(16) as fils:
        reponses = list(fils.map(envoyer, range(16)))
    statuts = sorted(r.status_code for r in reponses)
    assert statuts.count(201) == 1, statuts
    assert set(statuts) <= {200, 201, 409}
    assert len({r.json()["reference"] for r in reponses if r.status_code in (200, 201)}) == 1
    for serveur in deux_serveurs:  # un rejeu plus tard, sur chacun : le même signalement
        apres = httpx.post(f"{serveur.url}/api/signalements", json=champs_valides(),
                           headers={"Idempotency-Key": cle}, timeout=30)
        assert apres.status_code == 200
    assert base.compter_signalements() == 1
    attendre(lambda: base.lister_envois() == [], message="boîte d'envoi non vidée")
    assert len(boite_smtp.courriels) == 1


def test_avec_deux_expediteurs_chaque_message_est_livre_une_fois(deux_serveurs, base,
                                                                  boite_smtp):
    def envoyer(numero):
        return httpx.post(f"{deux_serveurs[numero % 2].url}/api/signalements",
                          json=champs_valides(description=f"Trou numéro {numero}"), timeout=30)

    with ThreadPoolExecutor(8) as fils:
        reponses = list(fils.map(envoyer, range(40)))
    assert [r.status_code for r in reponses] == [201] * 40
    references = {r.json()["reference"] for r in reponses}
    attendre(lambda: base.lister_envois() == [] and all(
        base.lire_signalement(r)["etat"] == "transmis" for r in references),
        delai=120, message="tout n'a pas été transmis")
    for serveur in deux_serveurs:
        serveur.arreter()  # plus aucun envoi ne peut partir : on compte
    identifiants = [email.message_from_bytes(c["contenu"], policy=email.policy.default)[
        "Message-ID"] for c in boite_smtp.courriels]
    assert len(identifiants) == 40
    assert sorted(identifiants) == sorted(
        f"<{r}-transmission@val-d-essai.example.org>" for r in references)


def test_un_processus_tue_sous_la_charge_ne_perd_aucun_signalement_confirme(
        deux_serveurs, base):
    tue, survivant = deux_serveurs
    confirmes, arret = [], threading.Event()

    def charger(numero):
        while not arret.is_set():
            serveur = tue if numero % 2 else survivant
            try:
                reponse = httpx.post(f"{serveur.url}/api/signalements",
                                     json=champs_valides(), timeout=30)
            except httpx.TransportError:
                continue  # le processus tué ne répond plus : rien n'a été confirmé
            if reponse.status_code == 201:
                confirmes.append(reponse.json()["reference"])

    with ThreadPoolExecutor(6) as fils:
        for numero in range(6):
            fils.submit(charger, numero)
        attendre(lambda: len(confirmes) >= 60, delai=120, message="la charge ne passe pas")
        tue.tuer()  # SIGKILL, en pleine charge
        nombre = len(confirmes)
        attendre(lambda: len(confirmes) >= nombre + 20, delai=120,
                 message="le survivant ne sert plus")
        arret.set()
    manquants = [r for r in confirmes if base.lire_signalement(r) is None]
    assert manquants == []
    assert base.compter_signalements() >= len(confirmes)


@pytest.mark.parametrize("deux_serveurs", [{"AIGUILLAGE_LIMITE_DEBIT": "3/600"}],
                         indirect=True)
def test_la_limite_de_debit_est_comptee_pour_tous_les_processus(deux_serveurs):
    statuts = [httpx.post(f"{deux_serveurs[numero % 2].url}/api/signalements",
                          json=champs_valides(), timeout=30).status_code for numero in range(5)]
    assert statuts == [201, 201, 201, 429, 429]


def test_workers_sert_avec_plusieurs_processus_sur_postgresql(tmp_path, base_postgres,
                                                              boite_smtp, recepteur_http, base):
    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url)
    serveur.variables["AIGUILLAGE_BASE_URL"] = base_postgres
    serveur.arguments = ["--workers", "2"]
    serveur.demarrer()
    try:
        reponses = [httpx.post(f"{serveur.url}/api/signalements", json=champs_valides(),
                               timeout=30) for _ in range(6)]
        assert [r.status_code for r in reponses] == [201] * 6
        attendre(lambda: len(boite_smtp.courriels) == 6, message="courriels non reçus")
        attendre(lambda: base.lister_envois() == [], message="boîte d'envoi non vidée")
    finally:
        serveur.arreter()
        journal = serveur.journal()
        print(journal)
    assert journal.count("Started server process") == 2
    assert len(boite_smtp.courriels) == 6


def test_workers_est_refuse_en_francais_sur_tinydb(tmp_path):
    resultat = lancer("servir", "--workers", "2", AIGUILLAGE_DONNEES=str(tmp_path / "d"),
                      AIGUILLAGE_MODELE=str(CHEMIN_MODELE))
    assert resultat.returncode == 2
    assert resultat.stderr.startswith(
        "Les fonctions d'Aiguillage ne peuvent pas démarrer :\n  - --workers 2 demande "
        "PostgreSQL : avec TinyDB (le défaut), un seul processus peut recevoir")
    assert not (tmp_path / "d").exists()


def test_envoyer_et_purger_par_cron_sur_postgresql(tmp_path, base_postgres, base, modele):
    from aides_fonctions import DEBUT

    from fonctions.domaine.enregistrement import enregistrer
    from fonctions.domaine.validation import valider

    reference = enregistrer(base, valider(champs_valides(), 0, modele), [], modele,
                            DEBUT).signalement["reference"]
    variables = {"AIGUILLAGE_BASE_URL": base_postgres, "AIGUILLAGE_DONNEES": str(tmp_path / "d"),
                 "AIGUILLAGE_MODELE": str(CHEMIN_MODELE)}
    resultat = lancer("envoyer", **variables)
    assert resultat.returncode == 0, resultat.stderr
    assert resultat.stdout == "1 envoi(s) traité(s).\n"
    assert base.lire_signalement(reference)["etat"] == "transmis"
    assert lancer("purger", **variables).returncode == 0
    assert lancer("verifier", **variables).stdout.splitlines()[-1] == "Réglages et modèle lisibles."
    injoignable = lancer("verifier", **{**variables, "AIGUILLAGE_BASE_URL": base_postgres.replace(
        "/aiguillage_test_", "/absente_")})
    assert injoignable.returncode == 2
    assert "La base PostgreSQL d'AIGUILLAGE_BASE_URL est injoignable" in injoignable.stderr
