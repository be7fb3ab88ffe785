"""Mesure du serveur Open311 en lecture — pas un test : les chiffres dépendent de la machine.

Poste N signalements par ``POST /api/open311/v2/requests.json`` (le stockage du serveur :
TinyDB et son journal, dans un dossier temporaire ; l'application en mémoire, sans réseau),
puis imprime la médiane de cinq lectures de ``GET requests.json`` et de
``GET servicerequestupdates.json`` (50 puis 1 000 par page, première et dernière page), et
d'une demande par son identifiant. Ces listes passent par les index par date du stockage
(``Stockage.lister_par_creation``, ``lister_evenements``) : leur coût suit la taille de la
page (et son rang), pas le nombre de signalements gardés. Comparer deux tailles :

    .venv/bin/python bench/open311.py 500
    .venv/bin/python bench/open311.py 4000
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
import warnings
from pathlib import Path

from starlette.datastructures import Secret

RACINE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(RACINE), str(RACINE / "site" / "plugins")]

from fonctions.app import creer_app  # noqa: E402
from fonctions.socle.reglages import Reglages  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

MODELE = RACINE / "tests" / "fonctions" / "modele_test.json"
V2 = "/api/open311/v2"


def mesurer(nombre: int) -> None:
    logging.disable(logging.WARNING)  # les avertissements du modèle de test (développement)
    reglages = Reglages(donnees=Path(tempfile.mkdtemp()) / "donnees", modele=MODELE,
                        site=None, envoi_integre=False, limite_debit=None,
                        limite_listes_open311=None, clients_open311={"MESURE": Secret("cle-de-mesure")})
    with TestClient(creer_app(reglages)) as client:
        debut = time.perf_counter()
        for numero in range(nombre):
            reponse = client.post(f"{V2}/requests.json", data={
                "api_key": "cle-de-mesure", "service_code": "eclairage.lampadaire-eteint",
                "description": f"Lampadaire {numero}", "lat": "47.5", "long": "-2.4"})
            assert reponse.status_code == 201, reponse.text
        duree = time.perf_counter() - debut
        print(f"{nombre} POST requests.json : {duree:.1f} s ({nombre / duree:.0f} par seconde, "
              "un à la fois)")
        identifiant = reponse.json()[0]["service_request_id"]
        derniere = max(1, nombre // 50)
        for adresse in ("requests.json?page_size=50", f"requests.json?page_size=50&page={derniere}",
                        "requests.json?page_size=1000", f"requests/{identifiant}.json",
                        "servicerequestupdates.json?page_size=50",
                        f"servicerequestupdates.json?page_size=50&page={derniere}",
                        "servicerequestupdates.json?page_size=1000"):
            durees = []
            for _ in range(5):
                debut = time.perf_counter()
                assert client.get(f"{V2}/{adresse}").status_code == 200
                durees.append(time.perf_counter() - debut)
            print(f"GET {adresse} : médiane {sorted(durees)[2] * 1000:.1f} ms")


if __name__ == "__main__":
    mesurer(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
