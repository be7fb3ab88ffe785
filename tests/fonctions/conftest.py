from __future__ import annotations

import pytest
from aides_fonctions import (
    CHEMIN_MODELE,
    ClientHTTPMemoire,
    ExpediteurMemoire,
    HorlogeReglable,
    TestClient,
)
from conformite_openapi import verifier_reponse
from geocodeur_local import ADRESSES_VAL_D_ESSAI, Geocodeur
from starlette.datastructures import Secret

from fonctions.app import creer_app
from fonctions.domaine.modele import SourceModele, charger_modele
from fonctions.domaine.notification import NotificateurEnregistreur
from fonctions.socle.reglages import Reglages
from fonctions.stockage import StockageTinyDB


@pytest.fixture
def modele():
    return charger_modele(CHEMIN_MODELE)


@pytest.fixture(scope="session")
def geocodeur_de_session():
    geocodeur = Geocodeur(ADRESSES_VAL_D_ESSAI)
    yield geocodeur
    geocodeur.arreter()


@pytest.fixture
def geocodeur(geocodeur_de_session) -> Geocodeur:
    """Le géocodeur addok local des réglages de test (aucun test ne sort sur internet),
    remis en état après chaque test."""
    geocodeur_de_session.demandes.clear()
    yield geocodeur_de_session
    geocodeur_de_session.en_panne = geocodeur_de_session.illisible = False
    if geocodeur_de_session.lent is not None:
        geocodeur_de_session.lent.set()
        geocodeur_de_session.lent = None


@pytest.fixture
def reglages(tmp_path, geocodeur) -> Reglages:
    return Reglages(
        donnees=tmp_path / "donnees",
        modele=CHEMIN_MODELE,
        site=None,
        url_publique="https://aiguillage.example.org",
        cle_secrete=Secret("cle-secrete-de-test-assez-longue-pour-la-production"),
        envoi_web="reel",
        geocodeur_url=geocodeur.url,
        envoi_integre=False,
        limite_debit=None,
        secrets_webhook={"MAIRIE_SAINT_EXEMPLE": Secret("secret-webhook-de-test")},
        cles_open311={"CC_VAL_D_ESSAI": Secret("cle-open311-de-test")},
    )


@pytest.fixture
def horloge() -> HorlogeReglable:
    return HorlogeReglable()


@pytest.fixture
def expediteur() -> ExpediteurMemoire:
    return ExpediteurMemoire()


@pytest.fixture
def client_http() -> ClientHTTPMemoire:
    return ClientHTTPMemoire()


@pytest.fixture
def stockage(reglages):
    stockage = StockageTinyDB(reglages.donnees)
    yield stockage
    stockage.fermer()


@pytest.fixture(params=["tinydb", "postgresql"])
def stockage_des_deux_moteurs(request, reglages):
    """TinyDB, puis une base PostgreSQL neuve : un module qui en fait son ``stockage``
    (``def stockage(stockage_des_deux_moteurs)``) passe ses tests contre les deux."""
    if request.param == "postgresql":
        from fonctions.stockage.postgresql import StockagePostgreSQL

        stockage = StockagePostgreSQL(request.getfixturevalue("base_postgres"))
    else:
        stockage = StockageTinyDB(reglages.donnees)
    yield stockage
    stockage.fermer()


@pytest.fixture
def notificateur() -> NotificateurEnregistreur:
    return NotificateurEnregistreur()


@pytest.fixture
def fabrique_client(reglages, stockage, expediteur, client_http, horloge, notificateur):
    """Un TestClient sur l'application, avec des réglages modifiables."""
    ouverts = []

    def fabriquer(**modifications) -> TestClient:
        from dataclasses import replace

        modifies = replace(reglages, **modifications)
        # Un modèle réécrit par un test est vu à la requête suivante.
        app = creer_app(modifies, stockage=stockage, modele=SourceModele(modifies.modele, intervalle=0),
                        expediteur=expediteur, client_http=client_http, horloge=horloge,
                        notificateur=notificateur)
        client = TestClient(app)
        # Chaque réponse vue par un test est celle que décrit /api/openapi.json.
        client.event_hooks = {"response": [verifier_reponse]}
        client.__enter__()
        ouverts.append(client)
        return client

    yield fabriquer
    for client in ouverts:
        client.__exit__(None, None, None)


@pytest.fixture
def client(fabrique_client) -> TestClient:
    return fabrique_client()


@pytest.fixture
def boite(client):
    return client.app_state["aiguillage"].boite_envoi


@pytest.fixture
def recepteur_http():
    from serveurs_locaux import RecepteurHTTP

    recepteur = RecepteurHTTP()
    yield recepteur
    recepteur.arreter()


@pytest.fixture
def boite_smtp():
    from serveurs_locaux import BoiteSMTP, demarrer_smtp

    boite = BoiteSMTP()
    controleur = demarrer_smtp(boite)
    boite.port = controleur.port
    yield boite
    controleur.stop()


@pytest.fixture
def serveur_reel(tmp_path, boite_smtp, recepteur_http):
    """Le vrai serveur, un vrai SMTP et un vrai récepteur HTTP, tous sur 127.0.0.1.

    Le journal du serveur est imprimé à la fin : pytest le montre quand le test échoue.
    """
    from serveur_reel import ServeurReel

    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url)
    serveur.demarrer()
    yield serveur
    serveur.arreter()
    print(f"--- journal du serveur ---\n{serveur.journal()}")


# -- PostgreSQL (tests/fonctions/postgres_jetable.py) ---------------------------------------

@pytest.fixture(scope="session")
def serveur_postgres():
    """Une grappe PostgreSQL jetable pour toute la session (ou AIGUILLAGE_TEST_POSTGRES),
    arrêtée à la fin même si des tests échouent."""
    import signal

    from postgres_jetable import ServeurDeTest

    # Un SIGTERM (CI arrêtée, timeout) devient un Ctrl-C : pytest défait alors ses fixtures
    # et la grappe est arrêtée, au lieu de rester dans /tmp.
    avant = signal.getsignal(signal.SIGTERM)
    if avant == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        serveur = ServeurDeTest()  # s'arrête lui-même s'il est interrompu au démarrage
        try:
            yield serveur
        finally:
            serveur.arreter()
    finally:
        if avant == signal.SIG_DFL:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


@pytest.fixture
def base_postgres(serveur_postgres):
    """L'adresse d'une base PostgreSQL neuve, effacée après le test."""
    url = serveur_postgres.nouvelle_base()
    yield url
    serveur_postgres.effacer_la_base(url)
