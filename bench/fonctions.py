"""Mesures des fonctions (make bench) — pas un test : les chiffres dépendent de la machine.

Imprime, mesurés dans le même lancement pour pouvoir les comparer, sur 127.0.0.1 avec un
seul processus uvicorn :

1. le débit de ``POST /api/signalements`` (JSON valide, une clé d'idempotence neuve par
   requête, écriture durable : fsync) contre un point d'entrée Starlette nu qui lit le même
   JSON et répond 201, servi par la même application (en tête de ses routes) et le même
   uvicorn (objectif : rapport ≥ 0,5). Les deux sont mesurés en alternance, par paires de
   courtes mesures qui se suivent : la machine partagée change de vitesse d'une seconde à
   l'autre, et le rapport retenu est la médiane des rapports de chaque paire (le plus
   petit et le plus grand sont imprimés aussi) ;
2. la latence médiane d'une écriture avec 1 000 puis 100 000 signalements déjà stockés
   (objectif : rapport ≤ 2), mesurée par l'interface de stockage (``enregistrer`` sur le
   stockage du serveur, TinyDB et son journal : clé d'idempotence, signalement, boîte
   d'envoi, durables) et par HTTP.

Le serveur matérialise ses signalements dans les fichiers TinyDB en arrière-plan, après
une rafale. Pendant la mesure du débit, il ne le fait pas (ce travail n'a à tomber sur
aucune des deux mesures) : il matérialise tout en s'arrêtant, et la mesure imprime combien
de temps cela a pris et vérifie que chaque signalement confirmé est dans les fichiers.

    .venv/bin/python bench/fonctions.py             # 12 paires de 1,5 s, 1 000 puis 100 000
    .venv/bin/python bench/fonctions.py --rapide    # 4 paires de 1 s, 1 000 puis 10 000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
MODELE = RACINE / "tests" / "fonctions" / "modele_test.json"

# Le client de charge, partagé avec bench/postgresql.py et bench/instructions.py.
from charge_http import (  # noqa: E402
    CHAMPS,
    charge,
    lire_reponse,
    nombre_fr,
    port_libre,
    requete_http,
    requete_unique,
)

# --- le serveur mesuré (sous-processus) -------------------------------------------------

def servir(port: int, materialiser: bool = True) -> None:
    """Le serveur mesuré. ``materialiser=False`` (``bench/instructions.py``) : le journal ne
    matérialise qu'à la fermeture, pour que ce travail, fait hors mesure ici après chaque
    rafale, ne tombe pas dans une mesure lente sous valgrind."""
    import logging

    import uvicorn
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from fonctions.app import creer_app, regler_le_ramasse_miettes
    from fonctions.socle.reglages import lire_reglages

    async def nu(request: Request) -> JSONResponse:
        donnees = await request.json()
        return JSONResponse({"recu": len(donnees)}, status_code=201)

    # Le modèle de test n'a pas les secrets de production : ces rappels n'ont rien à mesurer.
    logging.getLogger("aiguillage").setLevel(logging.ERROR)
    reglages = lire_reglages(os.environ)
    stockage = None
    if not materialiser:
        from fonctions.stockage import StockageTinyDB
        from fonctions.stockage.journalise import StockageJournalise

        stockage = StockageJournalise(StockageTinyDB(reglages.donnees), calme=86_400,
                                      age_max=86_400, lot_max=10_000_000)
    app = creer_app(reglages, stockage=stockage)
    # En tête des routes : le point nu ne paie pas la recherche parmi les vingt autres
    # (``/api/signalements`` est la première de l'application).
    app.router.routes.insert(0, Route("/bench/nu", nu, methods=["POST"]))
    regler_le_ramasse_miettes()  # comme ``python -m fonctions servir``
    if stockage is not None:  # passé à l'application, elle ne le ferme pas : à la fin du lifespan
        app.router.lifespan_context = _puis(app.router.lifespan_context, stockage.fermer)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _puis(vie, fermer):
    """Le lifespan ``vie``, puis ``fermer`` (uvicorn arrêté par SIGTERM renvoie le signal à
    son processus en sortant : rien ne s'exécute après ``uvicorn.run``)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def vie_puis_fermer(app):
        try:
            async with vie(app) as etat:
                yield etat
        finally:
            fermer()

    return vie_puis_fermer


def demarrer_serveur(donnees: Path, port: int, materialiser: bool = True) -> subprocess.Popen:
    environnement = {**os.environ, "AIGUILLAGE_DONNEES": str(donnees),
                     "AIGUILLAGE_MODELE": str(MODELE), "AIGUILLAGE_SITE": "-",
                     "AIGUILLAGE_LIMITE_DEBIT": "0", "AIGUILLAGE_ENVOI_INTEGRE": "non"}
    options = [] if materialiser else ["--sans-materialisation"]
    processus = subprocess.Popen([sys.executable, __file__, "--serveur", str(port), *options],
                                 cwd=RACINE, env=environnement)
    limite = time.monotonic() + 30
    while time.monotonic() < limite:
        try:
            asyncio.run(requete_unique(port, "GET", "/api/sante", b""))
            return processus
        except OSError:
            time.sleep(0.1)
    processus.kill()
    raise SystemExit("Le serveur mesuré ne démarre pas.")


def compter_les_signalements(donnees: Path) -> int:
    from fonctions.stockage import StockageTinyDB

    moteur = StockageTinyDB(donnees)
    try:
        return moteur.compter_signalements()
    finally:
        moteur.fermer()


def attendre_le_calme(seuil: float = 0.15, limite: float = 10.0) -> None:
    """Attend que la machine se calme (moins de ``seuil`` des processeurs occupés pendant
    deux dixièmes de seconde de suite) : le serveur finit en arrière-plan ce qu'une mesure
    a laissé (synchronisation du disque, journal effacé), et ce travail ne doit pas tomber
    sur la mesure suivante. Sans ``/proc/stat`` (hors Linux), une seconde de pause."""
    def occupation() -> tuple[int, int]:
        valeurs = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(valeurs) - valeurs[3] - valeurs[4], sum(valeurs)  # hors repos et attente

    try:
        precedent = occupation()
    except OSError:
        time.sleep(1.0)
        return
    calmes, fin = 0, time.monotonic() + limite
    while calmes < 2 and time.monotonic() < fin:
        time.sleep(0.1)
        actuel = occupation()
        occupe, total = actuel[0] - precedent[0], actuel[1] - precedent[1]
        calmes = calmes + 1 if total and occupe / total < seuil else 0
        precedent = actuel


def mesurer_debit(dossier: Path, duree: float, paires: int,
                  connexions: int) -> tuple[list[tuple[float, float]], int, float]:
    """Les débits (signalements, nu) de chaque paire, le nombre de signalements confirmés et
    la durée de l'arrêt du serveur.

    Le serveur ne matérialise rien pendant les mesures (``--sans-materialisation``) : les
    deux mesures d'une paire se suivent sans le rattrapage de plusieurs secondes qui les
    séparait une fois sur deux (les rapports des paires allaient alors de 0,34 à 0,75 dans
    un même lancement). Il matérialise tout en s'arrêtant, comme après une rafale : la durée
    de l'arrêt est rendue, et chaque signalement confirmé doit être dans les fichiers."""
    port = port_libre()
    donnees = dossier / "debit"
    processus = demarrer_serveur(donnees, port, materialiser=False)
    crees, mesures = 0, []
    try:
        asyncio.run(charge([port], "/bench/nu", 1.0, connexions))  # mise en route
        crees += asyncio.run(charge([port], "/api/signalements", 1.0, connexions))[1]
        for numero in range(paires):  # alterné, l'ordre aussi : la machine change en route
            ordre = ["/bench/nu", "/api/signalements"]
            if numero % 2:
                ordre.reverse()
            debits = {}
            for chemin in ordre:
                attendre_le_calme()
                debits[chemin], nombre = asyncio.run(charge([port], chemin, duree, connexions))
                if chemin == "/api/signalements":
                    crees += nombre
            mesures.append((debits["/api/signalements"], debits["/bench/nu"]))
    finally:
        debut = time.perf_counter()
        processus.terminate()  # uvicorn s'arrête proprement : le stockage se ferme
        processus.wait()
        arret = time.perf_counter() - debut
    stockes = compter_les_signalements(donnees)
    if stockes != crees:
        raise SystemExit(f"{crees} signalements confirmés, {stockes} dans les fichiers TinyDB.")
    return mesures, crees, arret


# --- la latence d'écriture selon le nombre de signalements stockés ----------------------

def remplir(stockage, modele, demande, jusqua: int) -> None:
    from fonctions.domaine.enregistrement import enregistrer

    def un(_):
        resultat = enregistrer(stockage, demande, [], modele, datetime.now(UTC),
                               str(uuid.uuid4()), uuid.uuid4().hex)
        # Transmis : la boîte d'envoi ne garde que ce qui reste à envoyer.
        stockage.supprimer_envoi(f"{resultat.signalement['reference']}-transmission")

    manque = jusqua - stockage.compter_signalements()
    debut = time.perf_counter()
    with ThreadPoolExecutor(8) as fils:
        for fait, _ in enumerate(fils.map(un, range(manque)), 1):
            if fait % 10_000 == 0:
                print(f"    … {fait} / {manque} ({time.perf_counter() - debut:.0f} s)",
                      flush=True)


def latence_stockage(stockage, modele, demande, nombre: int = 500) -> float:
    from fonctions.domaine.enregistrement import enregistrer

    durees = []
    for _ in range(nombre):
        debut = time.perf_counter()
        resultat = enregistrer(stockage, demande, [], modele, datetime.now(UTC),
                               str(uuid.uuid4()), uuid.uuid4().hex)
        durees.append(time.perf_counter() - debut)
        stockage.supprimer_envoi(f"{resultat.signalement['reference']}-transmission")
    return statistics.median(durees) * 1000


def latence_http(donnees: Path, nombre: int = 300) -> float:
    port = port_libre()
    processus = demarrer_serveur(donnees, port)
    corps = json.dumps(CHAMPS).encode()

    async def mesurer() -> list[float]:
        lecteur, ecrivain = await asyncio.open_connection("127.0.0.1", port)
        durees = []
        for _ in range(nombre):
            debut = time.perf_counter()
            ecrivain.write(requete_http("POST", "/api/signalements", corps, cle=True))
            await ecrivain.drain()
            assert await lire_reponse(lecteur) == 201
            durees.append(time.perf_counter() - debut)
        ecrivain.close()
        await ecrivain.wait_closed()
        return durees

    try:
        durees = asyncio.run(mesurer())
    finally:
        processus.terminate()
        processus.wait()
    return statistics.median(durees) * 1000


def mesurer_latences(dossier: Path, tailles: tuple[int, int]) -> list[tuple[int, float, float]]:
    from fonctions.domaine.modele import charger_modele
    from fonctions.domaine.validation import valider
    from fonctions.stockage import StockageTinyDB
    from fonctions.stockage.journalise import ouvrir_stockage

    modele = charger_modele(MODELE)
    demande = valider(CHAMPS, 0, modele)
    donnees = dossier / "latence"
    resultats = []
    for taille in tailles:
        print(f"  remplissage jusqu'à {taille} signalements…", flush=True)
        moteur = StockageTinyDB(donnees)  # le remplissage écrit les fichiers directement
        try:
            remplir(moteur, modele, demande, taille)
        finally:
            moteur.fermer()
        # La latence, par le stockage que le serveur utilise (TinyDB et son journal), fermé
        # ensuite : un seul processus reçoit les signalements d'un dossier.
        stockage = ouvrir_stockage(donnees)
        try:
            par_stockage = latence_stockage(stockage, modele, demande)
        finally:
            stockage.fermer()
        par_http = latence_http(donnees)
        resultats.append((taille, par_stockage, par_http))
    return resultats


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--serveur", type=int, help=argparse.SUPPRESS)
    analyseur.add_argument("--sans-materialisation", action="store_true", help=argparse.SUPPRESS)
    analyseur.add_argument("--duree", type=float, default=1.5, help="secondes par débit mesuré")
    analyseur.add_argument("--paires", type=int, default=12, help="mesures alternées")
    analyseur.add_argument("--connexions", type=int, default=16)
    analyseur.add_argument("--rapide", action="store_true",
                           help="4 paires de 1 s, 1 000 puis 10 000")
    options = analyseur.parse_args()
    if options.serveur:
        servir(options.serveur, materialiser=not options.sans_materialisation)
        return 0
    duree, paires = (1.0, 4) if options.rapide else (options.duree, options.paires)
    tailles = (1_000, 10_000) if options.rapide else (1_000, 100_000)

    with tempfile.TemporaryDirectory(prefix="aiguillage-bench-") as temporaire:
        dossier = Path(temporaire)
        print(f"Fonctions — 127.0.0.1, un processus uvicorn, {options.connexions} connexions, "
              f"{paires} paires de {nombre_fr(duree, 1)} s", flush=True)
        mesures, crees, arret = mesurer_debit(dossier, duree, paires, options.connexions)
        rapports = [signalements / nu for signalements, nu in mesures]
        print(f"  POST /api/signalements : {nombre_fr(statistics.median(m[0] for m in mesures))} "
              "requêtes/s (médiane)")
        print(f"  POST Starlette nu      : {nombre_fr(statistics.median(m[1] for m in mesures))} "
              "requêtes/s (médiane)")
        print(f"  rapport débit : {nombre_fr(statistics.median(rapports), 2)} (médiane des "
              f"paires ; de {nombre_fr(min(rapports), 2)} à {nombre_fr(max(rapports), 2)}) "
              "(objectif ≥ 0,5)")
        print(f"  à l'arrêt du serveur, {nombre_fr(crees)} signalements matérialisés en "
              f"{nombre_fr(arret, 1)} s, tous retrouvés dans les fichiers TinyDB", flush=True)
        latences = mesurer_latences(dossier, tailles)
        for taille, par_stockage, par_http in latences:
            print(f"  écriture médiane avec {nombre_fr(taille)} signalements : "
                  f"{nombre_fr(par_stockage, 2)} ms (stockage), {nombre_fr(par_http, 2)} ms (HTTP)")
        (_, petit_s, petit_h), (_, grand_s, grand_h) = latences
        print(f"  rapport latence {nombre_fr(tailles[1])} / {nombre_fr(tailles[0])} : "
              f"{nombre_fr(grand_s / petit_s, 2)} (stockage), {nombre_fr(grand_h / petit_h, 2)} "
              "(HTTP) (objectif ≤ 2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
