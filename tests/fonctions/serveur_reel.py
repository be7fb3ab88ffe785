"""Le vrai serveur (``python -m fonctions servir``) dans un sous-processus, sur un port libre."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from aides_fonctions import RACINE, modele_brut
from serveurs_locaux import HOTE, port_libre

from arbre.recherche.fichiers import fichiers_recherche
from arbre.recherche.index import index_recherche

SECRET_WEBHOOK = "secret-webhook-bout-en-bout"
CLE_OPEN311 = "cle-open311-bout-en-bout"


def preparer_modele(dossier: Path, url_recepteur: str,
                    modifier: Callable[[dict], None] | None = None) -> Path:
    """Le modèle de test, ses services web pointés vers le récepteur local ; ``modifier``
    peut encore le changer (un service qui reçoit par courriel plutôt qu'Open311…)."""
    donnees = modele_brut()
    transmissions = {g: donnees["gestionnaires"][g]["transmission"]
                     for g in ("mairie-saint-exemple", "cc-val-d-essai")}
    transmissions["mairie-saint-exemple"]["adresse"] = f"{url_recepteur}/webhook/saint-exemple"
    transmissions["cc-val-d-essai"]["adresse"] = f"{url_recepteur}/open311/v2/"
    if modifier is not None:
        modifier(donnees)
    chemin = dossier / "modele.json"
    chemin.write_text(json.dumps(donnees, ensure_ascii=False), encoding="utf-8")
    # L'index de la recherche, écrit à côté du modèle comme le fait la construction du site.
    for nom, texte in fichiers_recherche(index_recherche(donnees)).items():
        (dossier / nom).write_text(texte, encoding="utf-8")
    return chemin


def preparer_site(dossier: Path) -> Path:
    site = dossier / "sortie"
    (site / "voirie" / "nid-de-poule").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Qui s'en occupe ?</h1>", encoding="utf-8")
    (site / "voirie" / "nid-de-poule" / "index.html").write_text("<h1>Nid</h1>", encoding="utf-8")
    return site


class ServeurReel:
    def __init__(self, dossier: Path, port_smtp: int, url_recepteur: str,
                 modifier: Callable[[dict], None] | None = None) -> None:
        self.dossier = dossier
        self.port = port_libre()
        self.url = f"http://{HOTE}:{self.port}"
        self.donnees = dossier / "donnees"
        self.journal_chemin = dossier / "serveur.log"
        self.processus: subprocess.Popen | None = None
        self.arguments: list[str] = []  # ajoutés à « servir » (--workers 2…)
        self.variables = {
            "AIGUILLAGE_DONNEES": str(self.donnees),
            "AIGUILLAGE_MODELE": str(preparer_modele(dossier, url_recepteur, modifier)),
            "AIGUILLAGE_SITE": str(preparer_site(dossier)),
            "AIGUILLAGE_URL_PUBLIQUE": self.url,
            "AIGUILLAGE_SMTP_URL": f"smtp://{HOTE}:{port_smtp}",
            "AIGUILLAGE_EXPEDITEUR": "aiguillage@val-d-essai.example.org",
            "AIGUILLAGE_ENVOI_WEB": "reel",
            "AIGUILLAGE_ENVOI_INTERVALLE": "0.2",
            "AIGUILLAGE_LIMITE_DEBIT": "0",
            "AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE": SECRET_WEBHOOK,
            "AIGUILLAGE_CLE_OPEN311_CC_VAL_D_ESSAI": CLE_OPEN311,
            # Aucun test ne sort sur internet : un port où personne n'écoute, sauf si le test
            # donne son géocodeur local (geocodeur_local.py).
            "AIGUILLAGE_GEOCODEUR_URL": f"http://{HOTE}:9",
        }

    def demarrer(self) -> None:
        environnement = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
        environnement.update(self.variables)
        journal = self.journal_chemin.open("ab")
        self.processus = subprocess.Popen(
            [sys.executable, "-m", "fonctions", "servir", "--port", str(self.port),
             *self.arguments],
            cwd=RACINE, env=environnement, stdout=journal, stderr=subprocess.STDOUT)
        journal.close()
        limite = time.monotonic() + 30
        while time.monotonic() < limite:
            if self.processus.poll() is not None:
                raise AssertionError(f"Le serveur s'est arrêté :\n{self.journal()}")
            try:
                if httpx.get(f"{self.url}/api/sante", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise AssertionError(f"Le serveur ne répond pas :\n{self.journal()}")

    def tuer(self) -> None:
        """SIGKILL : aucun code de sortie ne s'exécute, comme une coupure."""
        assert self.processus is not None
        os.kill(self.processus.pid, signal.SIGKILL)
        self.processus.wait()

    def arreter(self) -> None:
        if self.processus is not None and self.processus.poll() is None:
            self.processus.terminate()
            try:
                self.processus.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.tuer()

    def journal(self) -> str:
        if not self.journal_chemin.exists():
            return ""
        return self.journal_chemin.read_text(encoding="utf-8", errors="replace")
