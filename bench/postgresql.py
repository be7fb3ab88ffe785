"""Mesures du stockage PostgreSQL (make bench) — pas un test : les chiffres dépendent de la machine.

Sur une grappe PostgreSQL jetable (``initdb`` dans un dossier temporaire, comme les tests,
``fsync`` et ``synchronous_commit`` à on : chaque 201 est sur disque), ou sur le serveur
d'``AIGUILLAGE_TEST_POSTGRES``, imprime dans le même lancement :

1. le débit de ``POST /api/signalements`` (JSON valide, une clé d'idempotence neuve par
   requête) avec 1 puis 2 processus serveur sur la même base, contre un point d'entrée
   Starlette nu servi par les mêmes processus (objectif : rapport ≥ 0,5 pour chacun). Deux
   processus : deux serveurs sur deux ports, les connexions (64) réparties entre eux (comme
   derrière un répartiteur de charge). Mesures alternées par paires, médiane des rapports
   (voir ``bench/fonctions.py``, même méthode) ;
2. la latence médiane d'une écriture (clé, signalement, boîte d'envoi,
   une transaction) avec 1 000 puis 100 000 signalements dans la base (objectif : rapport
   ≤ 1,5). Le remplissage écrit des signalements de la même forme directement en SQL.

Avec chaque débit, le temps processeur par requête des processus serveur, de PostgreSQL
(grappe jetable : ``/proc/<pid>/task/*/schedstat``) et du client de charge : sur une
machine partagée, le débit suit les voisins, ce compte beaucoup moins ; c'est lui qui dit
où part le temps. Et la taille moyenne des lots dans lesquels les serveurs ont écrit les
créations (``fonctions/stockage/postgresql_lots.py``).

    .venv/bin/python bench/postgresql.py            # 8 paires de 1,5 s, 1 000 puis 100 000
    .venv/bin/python bench/postgresql.py --rapide   # 3 paires de 1 s, 1 000 puis 10 000
    .venv/bin/python bench/postgresql.py --sans-latence --paires 6   # les débits seulement
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
sys.path.insert(0, str(RACINE / "tests" / "fonctions"))
MODELE = RACINE / "tests" / "fonctions" / "modele_test.json"

# Le client de charge, le même que celui de bench/fonctions.py.
from charge_http import CHAMPS, charge, nombre_fr, port_libre, requete_unique  # noqa: E402


def servir(port: int) -> None:
    """Un processus serveur mesuré : l'application de ``python -m fonctions servir`` sur
    PostgreSQL (``AIGUILLAGE_BASE_URL``), avec le point nu en tête de ses routes."""
    import logging

    import uvicorn
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from fonctions.app import creer_app, regler_le_ramasse_miettes
    from fonctions.socle.reglages import lire_reglages
    from fonctions.web.contexte import contexte


    async def nu(request: Request) -> JSONResponse:
        donnees = await request.json()
        return JSONResponse({"recu": len(donnees)}, status_code=201)

    async def lots(request: Request) -> JSONResponse:
        """Les lots écrits par ce processus (``postgresql_lots.py``), pour le banc."""
        ecrits = getattr(contexte(request).stockage, "_lots", None)
        return JSONResponse({"lots": getattr(ecrits, "lots", 0),
                             "membres": getattr(ecrits, "membres", 0)})

    logging.getLogger("aiguillage").setLevel(logging.ERROR)
    app = creer_app(lire_reglages(os.environ))
    app.router.routes.insert(0, Route("/bench/nu", nu, methods=["POST"]))
    app.router.routes.insert(0, Route("/bench/lots", lots))
    regler_le_ramasse_miettes()
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def demarrer_serveur(url: str, donnees: Path, port: int) -> subprocess.Popen:
    environnement = {**os.environ, "AIGUILLAGE_BASE_URL": url,
                     "AIGUILLAGE_DONNEES": str(donnees), "AIGUILLAGE_MODELE": str(MODELE),
                     "AIGUILLAGE_SITE": "-", "AIGUILLAGE_LIMITE_DEBIT": "0",
                     "AIGUILLAGE_ENVOI_INTEGRE": "non"}
    processus = subprocess.Popen([sys.executable, __file__, "--serveur", str(port)], cwd=RACINE,
                                 env=environnement)
    limite = time.monotonic() + 60
    while time.monotonic() < limite:
        try:
            asyncio.run(requete_unique(port, "GET", "/api/sante", b""))
            return processus
        except OSError:
            if processus.poll() is not None:
                raise SystemExit("Le serveur mesuré s'est arrêté au démarrage.") from None
            time.sleep(0.1)
    processus.kill()
    raise SystemExit("Le serveur mesuré ne démarre pas.")


def secondes_de_processeur(pids: list[int]) -> float:
    """Le temps processeur (s) de ces processus et de tous leurs fils d'exécution :
    ``/proc/<pid>/task/*/schedstat`` (nanosecondes). 0 là où /proc ne le dit pas."""
    total = 0
    for pid in pids:
        for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            try:
                total += int(stat.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue
    return total / 1e9


def processus_de_postgresql(serveur_pg) -> list[int]:
    """Le postmaster de la grappe jetable et ses enfants (rien avec AIGUILLAGE_TEST_POSTGRES,
    dont les processus peuvent être sur une autre machine)."""
    if serveur_pg is None or getattr(serveur_pg, "grappe", None) is None:
        return []
    donnees = serveur_pg.grappe.donnees
    postmaster = int((donnees / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rpartition(")")[2].split()[1]) == postmaster:
                pids.append(int(stat.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return pids


def mesurer_debit(url: str, dossier: Path, processus_serveurs: int, duree: float, paires: int,
                  connexions: int, serveur_pg=None
                  ) -> tuple[list[tuple[float, float]], int, dict]:
    """Les paires (débit des signalements, débit du point nu), le nombre de signalements
    confirmés, et pour chaque chemin le temps processeur par requête (µs) des processus
    serveur, de PostgreSQL et du client de charge, sur toutes les mesures de ce chemin : une
    mesure bien moins sensible aux voisins que le débit (elle ne compte pas l'attente) ; et
    « membres par lot », la taille moyenne des lots de créations des serveurs."""
    ports = [port_libre() for _ in range(processus_serveurs)]
    serveurs = [demarrer_serveur(url, dossier / f"serveur-{port}", port) for port in ports]
    crees, mesures = 0, []
    pids = [serveur.pid for serveur in serveurs]
    couts = {chemin: [0.0, 0.0, 0.0, 0] for chemin in ("/bench/nu", "/api/signalements")}
    try:
        asyncio.run(charge(ports, "/bench/nu", 1.0, connexions))  # mise en route
        crees += asyncio.run(charge(ports, "/api/signalements", 1.0, connexions))[1]
        pids_pg = processus_de_postgresql(serveur_pg)  # le pool a ouvert ses connexions
        for numero in range(paires):
            ordre = ["/bench/nu", "/api/signalements"]
            if numero % 2:
                ordre.reverse()
            debits = {}
            for chemin in ordre:
                avant = (secondes_de_processeur(pids), secondes_de_processeur(pids_pg),
                         time.process_time())
                debits[chemin], nombre = asyncio.run(charge(ports, chemin, duree, connexions))
                apres = (secondes_de_processeur(pids), secondes_de_processeur(pids_pg),
                         time.process_time())
                for rang in range(3):
                    couts[chemin][rang] += apres[rang] - avant[rang]
                couts[chemin][3] += nombre
                if chemin == "/api/signalements":
                    crees += nombre
            mesures.append((debits["/api/signalements"], debits["/bench/nu"]))
        ecrits = [json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/lots",
                                                    timeout=30).read()) for port in ports]
        couts["lots"] = (sum(e["membres"] for e in ecrits), sum(e["lots"] for e in ecrits))
    finally:
        for serveur in serveurs:
            serveur.terminate()
        for serveur in serveurs:
            serveur.wait()
    membres, lots = couts.pop("lots")
    par_requete = {chemin: tuple(valeur * 1e6 / max(1, cout[3]) for valeur in cout[:3])
                   for chemin, cout in couts.items()}
    par_requete["membres par lot"] = membres / max(1, lots)
    return mesures, crees, par_requete


def remplir(url: str, jusqua: int) -> None:
    """Ajoute des signalements (et leurs clés) de la forme d'un vrai jusqu'à ``jusqua``,
    directement en SQL, par lots de 10 000."""
    import psycopg
    from psycopg.types.json import Jsonb

    from fonctions.domaine.enregistrement import construire_signalement
    from fonctions.domaine.modele import charger_modele
    from fonctions.domaine.validation import valider

    modele = charger_modele(MODELE)
    document, _ = construire_signalement("AIG-0000-00", valider(CHAMPS, 0, modele), [], modele,
                                         datetime.now(UTC), str(uuid.uuid4()))
    with psycopg.connect(url, autocommit=True) as connexion:
        deja = connexion.execute("SELECT count(*) FROM signalements").fetchone()[0]
        for debut in range(deja, jusqua, 10_000):
            fin = min(jusqua, debut + 10_000)
            with connexion.transaction():
                connexion.execute(
                    "INSERT INTO signalements (reference, document) "
                    "SELECT 'REMPLI-' || i, jsonb_set(%s, '{reference}', to_jsonb('REMPLI-' || i)) "
                    "FROM generate_series(%s::int, %s::int) AS i", (Jsonb(document), debut, fin - 1))
                connexion.execute(
                    "INSERT INTO cles_idempotence (empreinte_cle, empreinte, reference) "
                    "SELECT md5(i::text) || md5('cle' || i), md5('e' || i), 'REMPLI-' || i "
                    "FROM generate_series(%s::int, %s::int) AS i", (debut, fin - 1))
        connexion.execute("VACUUM ANALYZE signalements")
        connexion.execute("VACUUM ANALYZE cles_idempotence")


def latence(url: str, nombre: int = 500) -> tuple[float, float]:
    """Les latences médianes (ms) d'une écriture, une à la fois : par le chemin d'un POST sans
    photo (``enregistrer_asynchrone``, un lot d'un membre), puis par le chemin d'un fil
    (``enregistrer``, celui d'un POST avec photos)."""
    from fonctions.domaine.enregistrement import enregistrer, enregistrer_asynchrone
    from fonctions.domaine.modele import charger_modele
    from fonctions.domaine.validation import valider
    from fonctions.stockage.postgresql import StockagePostgreSQL

    modele = charger_modele(MODELE)
    demande = valider(CHAMPS, 0, modele)
    stockage = StockagePostgreSQL(url)

    async def sans_fil() -> list[float]:
        await stockage.pool_asynchrone()
        durees = []
        try:
            for _ in range(nombre):
                debut = time.perf_counter()
                resultat = await enregistrer_asynchrone(stockage, demande, modele,
                                                        datetime.now(UTC), str(uuid.uuid4()),
                                                        uuid.uuid4().hex)
                durees.append(time.perf_counter() - debut)
                stockage.supprimer_envoi(f"{resultat.signalement['reference']}-transmission")
        finally:
            await stockage.fermer_asynchrone()
        return durees

    try:
        par_lot = asyncio.run(sans_fil())
        par_un_fil = []
        for _ in range(nombre):
            debut = time.perf_counter()
            resultat = enregistrer(stockage, demande, [], modele, datetime.now(UTC),
                                   str(uuid.uuid4()), uuid.uuid4().hex)
            par_un_fil.append(time.perf_counter() - debut)
            stockage.supprimer_envoi(f"{resultat.signalement['reference']}-transmission")
    finally:
        stockage.fermer()
    return statistics.median(par_lot) * 1000, statistics.median(par_un_fil) * 1000


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("--serveur", type=int, help=argparse.SUPPRESS)
    analyseur.add_argument("--duree", type=float, default=1.5, help="secondes par débit mesuré")
    analyseur.add_argument("--paires", type=int, default=8, help="mesures alternées")
    # 64 : assez pour occuper les serveurs tout le temps. Les créations s'écrivent par lots
    # (une validation pour toutes celles arrivées pendant la précédente) : avec 16
    # connexions, la moitié attend la validation d'un lot et le serveur reste inoccupé un
    # quart du temps (mesuré, docs/performance.md) ; le débit mesurerait alors le client de
    # charge, pas la capacité du serveur. Le point nu est déjà au maximum avec 16.
    analyseur.add_argument("--connexions", type=int, default=64,
                           help="connexions simultanées du client de charge (64)")
    analyseur.add_argument("--sans-latence", action="store_true",
                           help="les débits seulement, sans le remplissage ni les latences")
    analyseur.add_argument("--rapide", action="store_true",
                           help="3 paires de 1 s, 1 000 puis 10 000")
    options = analyseur.parse_args()
    if options.serveur:
        servir(options.serveur)
        return 0
    duree, paires = (1.0, 3) if options.rapide else (options.duree, options.paires)
    tailles = (1_000, 10_000) if options.rapide else (1_000, 100_000)

    from postgres_jetable import ServeurDeTest

    serveur_pg = ServeurDeTest()
    try:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="aiguillage-bench-pg-") as temporaire:
            dossier = Path(temporaire)
            print(f"Fonctions sur PostgreSQL — 127.0.0.1, {options.connexions} connexions, "
                  f"{paires} paires de {nombre_fr(duree, 1)} s", flush=True)
            for nombre in (1, 2):
                url = serveur_pg.nouvelle_base()
                mesures, crees, couts = mesurer_debit(url, dossier, nombre, duree, paires,
                                                      options.connexions, serveur_pg)
                rapports = [s / n for s, n in mesures]
                import psycopg

                with psycopg.connect(url) as connexion:
                    stockes = connexion.execute("SELECT count(*) FROM signalements").fetchone()[0]
                if stockes != crees:
                    raise SystemExit(f"{crees} signalements confirmés, {stockes} dans la base.")
                print(f"  {nombre} processus : POST /api/signalements "
                      f"{nombre_fr(statistics.median(m[0] for m in mesures))} requêtes/s, "
                      f"Starlette nu {nombre_fr(statistics.median(m[1] for m in mesures))} "
                      f"requêtes/s ; rapport {nombre_fr(statistics.median(rapports), 2)} "
                      f"(de {nombre_fr(min(rapports), 2)} à {nombre_fr(max(rapports), 2)}) "
                      f"(objectif ≥ 0,5) ; {nombre_fr(crees)} signalements confirmés, tous "
                      "dans la base", flush=True)
                print(f"    créations écrites par lots de {nombre_fr(couts['membres par lot'], 1)} "
                      "signalements en moyenne (une instruction, une transaction par lot)",
                      flush=True)
                for rang, (chemin, nom) in enumerate((("/api/signalements", "signalement"),
                                                      ("/bench/nu", "point nu"))):
                    serveur, base, client = couts[chemin]
                    # La part du temps où les serveurs travaillent : sous 100 %, le client
                    # de charge ne les occupe pas assez pour mesurer leur capacité.
                    occupes = (serveur * statistics.median(m[rang] for m in mesures)
                               / 1e6 / nombre * 100)
                    print(f"    processeur par {nom} : serveur{'s' if nombre > 1 else ''} "
                          f"{nombre_fr(serveur)} µs, PostgreSQL {nombre_fr(base)} µs, client "
                          f"de charge {nombre_fr(client)} µs ; total "
                          f"{nombre_fr(serveur + base + client)} µs ; serveur"
                          f"{'s' if nombre > 1 else ''} occupé{'s' if nombre > 1 else ''} "
                          f"{nombre_fr(occupes)} % du temps", flush=True)
                serveur_pg.effacer_la_base(url)
            if options.sans_latence:
                return 0
            url = serveur_pg.nouvelle_base()
            from fonctions.stockage.postgresql import appliquer_migrations

            appliquer_migrations(url)
            latences = []
            for taille in tailles:
                print(f"  remplissage jusqu'à {nombre_fr(taille)} signalements…", flush=True)
                remplir(url, taille)
                latences.append(latence(url))
                print(f"  écriture médiane avec {nombre_fr(taille)} signalements : "
                      f"{nombre_fr(latences[-1][0], 2)} ms sans photo (par lot), "
                      f"{nombre_fr(latences[-1][1], 2)} ms par un fil (avec photos)", flush=True)
            for rang, chemin in enumerate(("sans photo", "par un fil")):
                print(f"  rapport latence {nombre_fr(tailles[1])} / {nombre_fr(tailles[0])}, "
                      f"{chemin} : {nombre_fr(latences[1][rang] / latences[0][rang], 2)} "
                      "(objectif ≤ 1,5)")
    finally:
        serveur_pg.arreter()
    return 0


if __name__ == "__main__":
    sys.exit(main())
