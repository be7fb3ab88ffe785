"""Chromium (celui de Debian) piloté par Playwright, contre un vrai serveur HTTP local."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("AIGUILLAGE_CHROMIUM", "/usr/bin/chromium")
ATTENTE_MAX = 60  # secondes : la limite d'une attente de condition, jamais un délai supposé
ARGUMENTS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serveur:
    """Un serveur lancé dans un sous-processus ; sa sortie est affichée si un test échoue."""

    def __init__(self, commande: list[str], port: int, journal: Path, env: dict | None = None):
        self.commande, self.env = commande, env
        self.port, self.journal = port, journal
        self.url = f"http://127.0.0.1:{port}"
        self._fichier = journal.open("ab")
        self.processus = subprocess.Popen(commande, stdout=self._fichier, stderr=subprocess.STDOUT,
                                          env={**os.environ, **(env or {})})
        limite = time.monotonic() + 20
        while time.monotonic() < limite:
            if self.processus.poll() is not None:
                raise RuntimeError(f"Le serveur s'est arrêté :\n{self.sortie()}")
            try:
                urllib.request.urlopen(self.url + "/", timeout=1)
                return
            except urllib.error.HTTPError:
                return  # il répond (404 : un hôte des seules fonctions n'a pas de page « / »)
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"Le serveur ne répond pas :\n{self.sortie()}")

    def sortie(self) -> str:
        self._fichier.flush()
        return self.journal.read_text(errors="replace")

    def arreter(self) -> None:
        self.processus.terminate()
        try:
            self.processus.wait(10)
        except subprocess.TimeoutExpired:
            self.processus.kill()
        self._fichier.close()


def lancer_produit(site: Path, donnees: Path, port: int | None = None, **variables) -> Serveur:
    """Le produit entier (site construit et fonctions sur une origine), comme `make demo`."""
    port = port or port_libre()
    env = {"AIGUILLAGE_SITE": str(site), "AIGUILLAGE_MODELE": str(site / "modele.json"),
           "AIGUILLAGE_DONNEES": str(donnees), "AIGUILLAGE_URL_PUBLIQUE": f"http://127.0.0.1:{port}",
           "AIGUILLAGE_ENVOI_INTERVALLE": "0.2", **variables}
    donnees.mkdir(parents=True, exist_ok=True)
    return Serveur([sys.executable, "-m", "fonctions", "servir", "--port", str(port)], port,
                   donnees.parent / f"serveur-{port}.log", env)


@pytest.fixture(scope="session")
def serveur(site_petit, tmp_path_factory):
    serveur = lancer_produit(site_petit, tmp_path_factory.mktemp("produit") / "donnees")
    yield serveur
    serveur.arreter()


@pytest.fixture(scope="session")
def serveur_demo(site_demo, tmp_path_factory):
    """Le produit entier sur le contenu de démonstration."""
    serveur = lancer_produit(site_demo, tmp_path_factory.mktemp("produit-demo") / "donnees")
    yield serveur
    serveur.arreter()


@pytest.fixture(scope="session")
def playwright():
    """Une seule instance de Playwright (synchrone) pour toute la session de tests."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium est introuvable à {CHROMIUM} : lancez « make test », qui l'installe.")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def navigateur(playwright):
    navigateur = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
    yield navigateur
    navigateur.close()


@pytest.fixture
def page(navigateur):
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    page = contexte.new_page()
    yield page
    contexte.close()


@pytest.fixture
def telephone(navigateur):
    """Un petit téléphone : 360 × 740 px."""
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": 360, "height": 740})
    yield contexte.new_page()
    contexte.close()


@pytest.fixture
def page_sans_js(navigateur):
    contexte = navigateur.new_context(locale="fr-FR", java_script_enabled=False)
    page = contexte.new_page()
    yield page
    contexte.close()


def enregistrement_du_worker(contexte, page, origine: str):
    """La session DevTools de ``page`` et l'identifiant de l'enregistrement actif du service
    worker d'``origine`` (le dernier annoncé qui n'est pas effacé : une mise à jour du worker
    en annonce plusieurs)."""
    cdp = contexte.new_cdp_session(page)
    vivants: dict[str, bool] = {}

    def noter(evenement: dict) -> None:
        for r in evenement["registrations"]:
            if r["scopeURL"].startswith(origine):
                vivants.pop(r["registrationId"], None)
                vivants[r["registrationId"]] = not r.get("isDeleted", False)

    cdp.on("ServiceWorker.workerRegistrationUpdated", noter)
    cdp.send("ServiceWorker.enable")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    # Les évènements du protocole arrivent pendant que la page attend (wait_for_timeout) :
    # on attend une condition, avec une limite large pour une machine chargée.
    limite = time.monotonic() + ATTENTE_MAX
    while not any(vivants.values()) and time.monotonic() < limite:
        page.wait_for_timeout(100)
    actifs = [numero for numero, vivant in vivants.items() if vivant]
    assert actifs, "le service worker ne s'est pas enregistré"
    return cdp, actifs[-1]


def notifier_par_le_worker(contexte, page, origine: str, message: dict) -> list[dict]:
    """Remet ``message`` au service worker comme un message push (DevTools protocol), puis
    rend les notifications affichées : ``[{titre, texte, tag, url}]``."""
    import json

    cdp, enregistrement = enregistrement_du_worker(contexte, page, origine)
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": origine, "registrationId": enregistrement, "data": json.dumps(message)})
    limite = time.monotonic() + ATTENTE_MAX
    while time.monotonic() < limite:
        notifications = page.evaluate("""navigator.serviceWorker.ready
            .then(r => r.getNotifications())
            .then(ns => ns.map(n => ({titre: n.title, texte: n.body, tag: n.tag, url: n.data.url})))""")
        if notifications:
            return notifications
        page.wait_for_timeout(100)
    return []
