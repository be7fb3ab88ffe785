"""Instructions par requête (make bench) : une mesure qui ne dépend pas des voisins.

Le débit de ``bench/fonctions.py`` suit la vitesse de la machine partagée, qui change d'une
seconde à l'autre : le rapport d'une paire de mesures va de 0,34 à 0,75 dans un même
lancement. Ici, le même serveur (le point nu en tête des routes, un seul processus
uvicorn) tourne sous ``valgrind --tool=callgrind``, qui compte les instructions exécutées
par le processus : d'un lancement à l'autre, le compte par requête varie de 1 %.

Pour chaque point d'entrée : 64 requêtes de mise en route, compteurs remis à zéro
(``callgrind_control -z``), N requêtes sur 16 connexions, compteurs relevés
(``callgrind_control -d``). Le serveur ne matérialise rien pendant la mesure (c'est fait
après la rafale, hors mesure, comme dans ``bench/fonctions.py``).

Ce compte ignore le temps passé dans le noyau (appels au système : ``fdatasync`` est dans un
processus auxiliaire) et les défauts de cache : un signalement en fait un peu plus que le
point nu, et le rapport des débits mesurés reste un peu en dessous du rapport des
instructions (0,47 à 0,57 pour 0,62, voir docs/performance.md). Il sert à comparer deux
versions du code, sans bruit.

    .venv/bin/python bench/instructions.py            # 300 requêtes par point d'entrée
    .venv/bin/python bench/instructions.py -n 1000
    .venv/bin/python bench/instructions.py --postgresql

``--postgresql`` : le même serveur sur une base d'une grappe PostgreSQL jetable (comme
``bench/postgresql.py``). callgrind ne compte que le processus Python ; le travail de
PostgreSQL (ses processus serveur, ses processus auxiliaires : WAL, checkpoints) est compté
à part, en temps processeur par requête (``/proc/<pid>/schedstat``, tous les processus de
la grappe, avant et après la rafale) : moins stable que des instructions,
mais bien moins sensible aux voisins qu'un débit.

Sans valgrind (paquet Debian ``valgrind``), la mesure est sautée.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
CHEMINS = ("/bench/nu", "/api/signalements")


def _charger_bench():
    """``bench/fonctions.py`` (son serveur, son client) : le nom ``fonctions`` est celui du
    paquet, d'où le chargement par chemin."""
    spec = importlib.util.spec_from_file_location("bench_fonctions",
                                                  RACINE / "bench" / "fonctions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _charger_bench()


async def rafale(port: int, chemin: str, nombre: int, connexions: int = 16) -> None:
    corps = json.dumps(bench.CHAMPS).encode()

    async def connexion(rang: int) -> None:
        lecteur, ecrivain = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(rang, nombre, connexions):
            ecrivain.write(bench.requete_http("POST", chemin, corps, cle=True))
            await ecrivain.drain()
            statut = await bench.lire_reponse(lecteur)
            if statut != 201:
                raise SystemExit(f"{chemin} a répondu {statut}")
        ecrivain.close()
        await ecrivain.wait_closed()

    await asyncio.gather(*(connexion(rang) for rang in range(connexions)))


def total_des_instructions(fichier: Path) -> int | None:
    """Le total d'un relevé de callgrind, ou ``None`` s'il n'est pas encore écrit en entier."""
    for ligne in fichier.read_text().splitlines():
        if ligne.startswith(("totals:", "summary:")):
            return int(ligne.split()[1])
    return None


def releve(dossier: Path, pid: int, deja: set[Path]) -> tuple[Path, int]:
    """Demande un relevé à callgrind et attend qu'il soit écrit : (fichier, total)."""
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
    limite = time.monotonic() + 60
    while time.monotonic() < limite:
        for fichier in set(dossier.glob("cg.out*")) - deja:
            total = total_des_instructions(fichier)
            if total is not None:  # le total est la dernière ligne écrite
                return fichier, total
        time.sleep(0.2)
    raise SystemExit("callgrind n'a pas écrit son relevé.")


def processus_de_la_grappe(donnees: Path) -> list[int]:
    """Le postmaster (première ligne de ``postmaster.pid``) et tous ses enfants."""
    postmaster = int((donnees / "postmaster.pid").read_text().split()[0])
    enfants = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            champs = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(champs[1]) == postmaster:
            enfants.append(int(stat.parent.name))
    return [postmaster, *enfants]


def temps_processeur(donnees: Path) -> float:
    """Secondes de processeur de la grappe, processus vivants : le premier champ de
    ``/proc/<pid>/schedstat`` (nanosecondes ; ``utime + stime`` de ``stat`` n'a que des
    centièmes de seconde)."""
    total = 0
    for pid in processus_de_la_grappe(donnees):
        try:
            total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
        except OSError:
            continue
    return total / 1e9


def mesurer(nombre: int, postgresql=None) -> dict[str, float]:
    """Instructions par requête de chaque point d'entrée ; avec ``postgresql`` (la grappe
    jetable de ``tests/fonctions/postgres_jetable.py``), le serveur écrit dans une base neuve
    de cette grappe, et ``"<chemin> pg"`` est le temps processeur de la grappe par requête."""
    with tempfile.TemporaryDirectory(prefix="aiguillage-instructions-") as temporaire:
        dossier = Path(temporaire)
        port = bench.port_libre()
        environnement = {**os.environ, "AIGUILLAGE_DONNEES": str(dossier / "donnees"),
                         "AIGUILLAGE_MODELE": str(bench.MODELE), "AIGUILLAGE_SITE": "-",
                         "AIGUILLAGE_LIMITE_DEBIT": "0", "AIGUILLAGE_ENVOI_INTEGRE": "non"}
        options = ["--sans-materialisation"]
        if postgresql is not None:
            environnement["AIGUILLAGE_BASE_URL"] = postgresql.nouvelle_base()
            options = []
        serveur = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={dossier}/cg.out",
             sys.executable, str(RACINE / "bench" / "fonctions.py"), "--serveur", str(port),
             *options],
            cwd=RACINE, env=environnement, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            limite = time.monotonic() + 300
            while True:
                try:
                    asyncio.run(bench.requete_unique(port, "GET", "/api/sante", b""))
                    break
                except OSError:
                    if time.monotonic() > limite or serveur.poll() is not None:
                        raise SystemExit("Le serveur ne démarre pas sous valgrind.") from None
                    time.sleep(0.5)
            resultats, deja = {}, set()
            for chemin in CHEMINS:
                asyncio.run(rafale(port, chemin, 64))
                subprocess.run(["callgrind_control", "-z", str(serveur.pid)], check=True,
                               capture_output=True)
                avant = temps_processeur(postgresql.grappe.donnees) if postgresql else 0.0
                asyncio.run(rafale(port, chemin, nombre))
                if postgresql is not None:
                    resultats[f"{chemin} pg"] = (
                        temps_processeur(postgresql.grappe.donnees) - avant) / nombre
                fichier, total = releve(dossier, serveur.pid, deja)
                deja.add(fichier)
                resultats[chemin] = total / nombre
        finally:
            serveur.kill()
            serveur.wait()
    return resultats


def main() -> int:
    analyseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    analyseur.add_argument("-n", "--nombre", type=int, default=300,
                           help="requêtes mesurées par point d'entrée")
    analyseur.add_argument("--postgresql", action="store_true",
                           help="sur une grappe PostgreSQL jetable (AIGUILLAGE_BASE_URL)")
    options = analyseur.parse_args()
    if not (shutil.which("valgrind") and shutil.which("callgrind_control")):
        print("Instructions par requête : valgrind absent, mesure sautée "
              "(apt install valgrind).")
        return 0
    stockage = "PostgreSQL" if options.postgresql else "TinyDB"
    print(f"Instructions par requête ({stockage}) — sous callgrind, un processus uvicorn, "
          f"16 connexions, {options.nombre} requêtes par point d'entrée", flush=True)
    postgresql = None
    if options.postgresql:
        sys.path.insert(0, str(RACINE / "tests" / "fonctions"))
        from postgres_jetable import ServeurDeTest

        postgresql = ServeurDeTest()
        if postgresql.grappe is None:
            postgresql.arreter()
            print("  --postgresql demande la grappe jetable (sans AIGUILLAGE_TEST_POSTGRES) : "
                  "le temps processeur de PostgreSQL se lit dans /proc.")
            return 1
    try:
        resultats = mesurer(options.nombre, postgresql)
    finally:
        if postgresql is not None:
            postgresql.arreter()
    nu, signalements = resultats["/bench/nu"], resultats["/api/signalements"]
    print(f"  POST /api/signalements : {bench.nombre_fr(signalements / 1000)} k instructions")
    print(f"  POST Starlette nu      : {bench.nombre_fr(nu / 1000)} k instructions")
    print(f"  rapport nu / signalements : {bench.nombre_fr(nu / signalements, 3)} "
          "(le rapport des débits, mesuré, est un peu plus bas)")
    if postgresql is not None:
        print(f"  PostgreSQL, processeur par signalement : "
              f"{bench.nombre_fr(resultats['/api/signalements pg'] * 1e6)} µs "
              f"(point nu : {bench.nombre_fr(resultats['/bench/nu pg'] * 1e6)} µs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
