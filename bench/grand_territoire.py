"""Mesures d'un grand territoire (make bench ; issue 14, point 5) — pas un test.

Construit le contenu de démonstration et un parcours généré de 3 000 nœuds environ sur un
territoire de 300 communes (bench/parcours_genere.py), puis imprime pour chacun ce que
télécharge le téléphone :

- le précache de la première visite : ce que le service worker a gardé dans son cache
  quand il est actif après l'ouverture de l'accueil, dans Chromium, sur une connexion
  ordinaire, plus `sw.js` lui-même (nombre de fichiers, Ko gzip ; objectif ≤ 500 Ko quelle
  que soit la taille du parcours) ;
- le premier chargement le plus lourd d'une page (HTML + CSS + JS, gzip ; ≤ 14 Ko) ;
- le plan du site (la plus lourde de ses pages, gzip ; ≤ 14 Ko chacune) ;
- l'index de la recherche (`recherche.json` et ses morceaux, gzip) ; découpé : la base, le
  plus gros morceau, et ce que télécharge une requête (médiane, p95) ;
- `modele.json` (gzip ; lu par les fonctions, jamais par le téléphone) et les données de
  routage découpées que le téléphone télécharge à la demande (gzip) : les services par
  commune de chaque issue qui en dépend, les manifestes des familles.

    .venv/bin/python bench/grand_territoire.py [--communes 300] [--noeuds 3000]
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import importlib.util
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
sys.path.insert(0, str(RACINE / "site" / "plugins"))
sys.path.insert(0, str(RACINE / "bench"))
CHROMIUM = os.environ.get("AIGUILLAGE_CHROMIUM", "/usr/bin/chromium")

# Ce que le worker a gardé, lu dans ses caches (tous ceux du site, sauf celui des réglages).
GARDES = """async () => {
  const adresses = new Set();
  for (const nom of await caches.keys()) {
    if (!nom.startsWith("aiguillage-")) continue;
    for (const r of await (await caches.open(nom)).keys()) adresses.add(new URL(r.url).pathname);
  }
  return [...adresses].sort();
}"""


def gz(chemin: Path) -> int:
    """Octets téléchargés : gzip niveau 6, celui des hébergeurs courants."""
    return len(gzip.compress(chemin.read_bytes(), 6))


def fichier(sortie: Path, adresse: str) -> Path:
    return sortie / (adresse.lstrip("/") + ("index.html" if adresse.endswith("/") else ""))


def precache_premiere_visite(navigateur, sortie: Path, donnees: Path) -> tuple[int, int, int]:
    """(fichiers gardés, leurs octets gzip, octets gzip de sw.js) après la première visite de
    l'accueil : le worker installé et actif, tout ce que son installation a téléchargé."""
    from tests.navigateur.conftest import lancer_produit

    serveur = lancer_produit(sortie, donnees)
    contexte = navigateur.new_context(locale="fr-FR")
    try:
        page = contexte.new_page()
        page.goto(serveur.url + "/")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.wait_for_function("() => navigator.serviceWorker.controller !== null",
                               timeout=600_000)
        # La page écrit son réglage puis demande l'état au worker : attendre qu'il soit dit.
        page.locator("footer [data-hors-ligne-etat]").wait_for(timeout=600_000)
        gardes = page.evaluate(GARDES)
    finally:
        contexte.close()
        serveur.arreter()
    return len(gardes), sum(gz(fichier(sortie, a)) for a in gardes), gz(sortie / "sw.js")


def plan_du_site(sortie: Path) -> tuple[int, int, str]:
    """(pages du plan, octets gzip de la plus lourde, son adresse)."""
    pages = sorted((sortie / "plan-du-site").rglob("index.html"))
    pire = max(pages, key=gz)
    return len(pages), gz(pire), "/" + pire.parent.relative_to(sortie).as_posix() + "/"


def recherche(sortie: Path) -> tuple[int, int]:
    """(fichiers, octets gzip) de l'index de la recherche : recherche.json et ses morceaux."""
    fichiers = [sortie / "recherche.json", *sorted((sortie / "recherche").glob("*.json"))]
    return len(fichiers), sum(gz(f) for f in fichiers)


def morceaux_d_une_requete(index, base: dict, requete: str) -> set[str]:
    """Les morceaux qu'une requête télécharge (comme `Index.trouver` de recherche.js) : ceux
    des postes des termes de ses mots, puis ceux de l'affichage de ses résultats."""
    from arbre.recherche.texte import mots

    morceaux = base["morceaux"]
    premiers = [premier for premier, _ in morceaux["postes"]]
    noms = set()
    for mot in mots(requete, index.vides):
        for terme in index.termes_trouves(mot):
            noms.add(morceaux["postes"][bisect.bisect_right(premiers, terme) - 1][1])
    for page, _ in index.chercher(requete):
        noms.add(morceaux["pages"][page // morceaux["pages_par_morceau"]])
    return noms


def telechargements(sortie: Path) -> dict | None:
    """Ce que télécharge une recherche sur un index découpé (None s'il est d'un seul
    fichier) : la base, le plus gros morceau, et pour chaque requête (le jeu public et 300
    requêtes tirées au hasard des termes de l'index, chacune comptée comme la première de la
    visite, base à part) les octets gzip de ses morceaux : médiane et p95."""
    from arbre.recherche.moteur import Index
    from tests.arbre.recherche.aides import requetes_au_hasard
    from tests.arbre.recherche.jeu_public import lire_requetes

    base = json.loads((sortie / "recherche.json").read_text(encoding="utf-8"))
    if "morceaux" not in base:
        return None
    index = Index.lire(sortie / "recherche.json")
    poids = {f"recherche/{f.name}": gz(f) for f in (sortie / "recherche").glob("*.json")}
    requetes = [r.texte for r in lire_requetes()] + requetes_au_hasard(index)
    octets = sorted(sum(poids[n] for n in morceaux_d_une_requete(index, base, q)) for q in requetes)
    return {"base": gz(sortie / "recherche.json"),
            "postes": max(o for n, o in poids.items() if "/postes-" in n),
            "pages": max(o for n, o in poids.items() if "/pages-" in n),
            "nombre": len(poids), "requetes": len(requetes),
            "mediane": statistics.median(octets), "p95": octets[int(0.95 * (len(octets) - 1))]}


def routage(sortie: Path) -> list[tuple[str, int, int, int]]:
    """Les données de routage découpées pour le téléphone, chacune chargée à la demande :
    [(sorte, fichiers, octets gzip en tout, octets gzip du plus gros)] — les services par
    commune de chaque issue qui en dépend (communes.json) et les manifestes des familles."""
    sortes = [("services par commune (<issue>/communes.json)", sorted(sortie.rglob("communes.json"))),
              ("manifestes des familles (hors-ligne/familles/)",
               sorted((sortie / "hors-ligne" / "familles").glob("*.json")))]
    resultat = []
    for nom, fichiers in sortes:
        tailles = [gz(f) for f in fichiers]
        resultat.append((nom, len(fichiers), sum(tailles), max(tailles, default=0)))
    return resultat


def _bench_du_site():
    """bench/site.py (son nom cache le module « site » de Python : chargé par son chemin)."""
    spec = importlib.util.spec_from_file_location("bench_site", RACINE / "bench" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mesurer(nom: str, sortie: Path, navigateur, tmp: Path) -> None:
    nombre, octets, sw = precache_premiere_visite(navigateur, sortie, tmp / f"donnees-{nom}")
    poids, page = _bench_du_site().poids_premier_chargement(sortie)
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    issues = {n["url"] for n in modele["noeuds"].values() if n.get("depend_de_la_commune")}
    poids_issue, page_issue = _bench_du_site().poids_premier_chargement(sortie, seulement=issues)
    plans, plan, plan_page = plan_du_site(sortie)
    morceaux, index = recherche(sortie)
    print(f"{nom} :")
    print(f"  précache de la première visite : {nombre} fichiers, {octets / 1024:.1f} Ko gzip, "
          f"+ sw.js {sw / 1024:.1f} Ko = {(octets + sw) / 1024:.1f} Ko (objectif ≤ 500 Ko)")
    print(f"  premier chargement le plus lourd : {poids / 1024:.1f} Ko gzip, {page} "
          "(objectif ≤ 14 Ko)")
    print(f"  page d'une issue qui dépend de la commune, la plus lourde : {poids_issue / 1024:.1f} Ko "
          f"gzip, {page_issue} (objectif ≤ 14 Ko)")
    print(f"  plan du site : {plans} page(s), la plus lourde {plan / 1024:.1f} Ko gzip, "
          f"{plan_page} (objectif ≤ 14 Ko chacune)")
    print(f"  index de la recherche : {morceaux} fichier(s), {index / 1024:.1f} Ko gzip en tout")
    if (t := telechargements(sortie)) is not None:
        print(f"    base (recherche.json, au premier usage) : {t['base'] / 1024:.1f} Ko gzip "
              f"(objectif ≤ 100 Ko) ; {t['nombre']} morceaux, le plus gros : postes "
              f"{t['postes'] / 1024:.1f} Ko, pages {t['pages'] / 1024:.1f} Ko")
        print(f"    une requête télécharge en plus ({t['requetes']} requêtes, base à part) : "
              f"médiane {t['mediane'] / 1024:.1f} Ko, p95 {t['p95'] / 1024:.1f} Ko gzip")
    print(f"  modele.json (lu par les fonctions) : {gz(sortie / 'modele.json') / 1024:.1f} Ko gzip")
    for sorte, nombre, total, plus_gros in routage(sortie):
        if nombre:
            print(f"  {sorte} : {nombre} fichiers, {total / 1024:.1f} Ko gzip en tout, "
                  f"le plus gros {plus_gros / 1024:.1f} Ko (chacun à la demande)")


def main() -> int:
    parametres = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parametres.add_argument("--communes", type=int, default=300)
    parametres.add_argument("--noeuds", type=int, default=3000)
    arguments = parametres.parse_args()

    from parcours_genere import generer_parcours, vocabulaire_de_la_demo, vocabulaire_etendu
    from playwright.sync_api import sync_playwright

    from arbre.__main__ import construire
    from tests.navigateur.conftest import ARGUMENTS

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if construire(RACINE / "contenu", tmp / "demo") != 0:
            return 1
        noeuds = generer_parcours(tmp / "contenu-genere", vocabulaire_etendu(vocabulaire_de_la_demo()),
                                  arguments.noeuds, communes=arguments.communes)
        if construire(tmp / "contenu-genere", tmp / "genere") != 0:
            return 1
        with sync_playwright() as p:
            navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
            try:
                mesurer("Contenu de démonstration", tmp / "demo", navigateur, tmp)
                mesurer(f"Parcours généré de {noeuds} nœuds, {arguments.communes} communes",
                        tmp / "genere", navigateur, tmp)
            finally:
                navigateur.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
