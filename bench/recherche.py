"""Mesures de la recherche (make bench) — pas un test : les temps dépendent de la machine.

Imprime, mesurés dans le même lancement :
- le taux de requêtes du jeu public (tests/arbre/recherche/requetes.yaml) trouvées parmi
  les trois premiers résultats, et celles sans aucun résultat, par le moteur Python et par
  le moteur du navigateur (objectif : ≥ 90 %, et aucune sans résultat) ;
- la taille de l'index (recherche.json, gzip) du contenu de démonstration (objectif : ≤ 30 Ko,
  chargé à la première recherche, jamais au premier affichage) et d'un parcours généré de
  3 000 nœuds ;
- le temps d'une requête dans Chromium (le `recherche.js` publié), sur le contenu de
  démonstration (objectif : ≤ 20 ms) et sur le parcours généré (≤ 50 ms), avec en regard la
  recherche d'avant (des sous-chaînes, sans racines ni fautes) dans la même page ;
- le temps du premier usage : télécharger et lire l'index (la base, pour le parcours généré,
  dont l'index est découpé), et la première fois de chaque requête (ses morceaux compris).
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
sys.path.insert(0, str(RACINE / "site" / "plugins"))
sys.path.insert(0, str(RACINE / "bench"))
CHROMIUM = os.environ.get("AIGUILLAGE_CHROMIUM", "/usr/bin/chromium")
TOURS = 7

# La recherche d'avant (jusqu'au 7 décembre 2026), pour situer le coût du nouveau moteur :
# chaque mot de la requête doit commencer un mot de la page, sans racines ni fautes.
ANCIENNE = """(pages, requete) => {
  const n = (t) => (t || "").normalize("NFD").replace(/[\\u0300-\\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, " ").trim();
  const mots = n(requete).split(" ").filter(Boolean);
  const trouves = [];
  for (const p of pages) {
    if (!p._t) p._t = " " + n(p.texte);
    if (mots.every((m) => p._t.includes(" " + m))) trouves.push(p);
  }
  return trouves.slice(0, 8);
}"""

MESURER = """async ([requetes, tours, pages]) => {
  const debut = performance.now();
  const { Index } = await import("/theme/js/recherche.js");
  const lire = async (nom) => (await fetch(`/${nom}`)).json();
  const donnees = await (await fetch("/recherche.json")).json();
  const telecharge = performance.now() - debut;
  const index = new Index(donnees, lire);
  const premierUsage = performance.now() - debut;
  const lecture = premierUsage - telecharge;
  const ancienne = ANCIENNE;
  const temps = requetes.map(() => []);
  const avant = requetes.map(() => []);
  // Un index découpé : chaque requête télécharge d'abord ses morceaux (trouver), puis les
  // tours ne chronomètrent que le classement (chercher), comme pour un index d'un fichier.
  const resultats = [];
  const trouver = [];
  for (const q of requetes) {
    const d = performance.now();
    resultats.push((await index.trouver(q)).map((r) => r.adresse));
    trouver.push(performance.now() - d);
  }
  for (let t = 0; t < tours; t++) {
    requetes.forEach((q, i) => {
      index.trouvesParMot.clear(); // chaque tour trouve les termes comme la première fois
      let d = performance.now();
      index.chercher(q);
      temps[i].push(performance.now() - d);
      d = performance.now();
      ancienne(pages, q);
      avant[i].push(performance.now() - d);
    });
  }
  return { premierUsage, lecture, temps, avant, resultats, trouver };
}""".replace("ANCIENNE", ANCIENNE)


def mediane_par_requete(series: list[list[float]]) -> list[float]:
    return [statistics.median(s) for s in series]


def p95(valeurs: list[float]) -> float:
    return sorted(valeurs)[min(len(valeurs) - 1, int(0.95 * len(valeurs)))]


def servir(dossier: Path) -> http.server.ThreadingHTTPServer:
    gestionnaire = functools.partial(_Silencieux, directory=str(dossier))
    serveur = http.server.ThreadingHTTPServer(("127.0.0.1", 0), gestionnaire)
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    return serveur


class _Silencieux(http.server.SimpleHTTPRequestHandler):
    def end_headers(self) -> None:
        # Une page isolée (COOP/COEP) a une horloge précise à 5 µs, au lieu de 100 µs.
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


def mesurer(navigateur, dossier: Path, requetes: list[str]) -> dict:
    """Les temps de `requetes` dans une page neuve de Chromium, sur le site de `dossier`."""
    from arbre.recherche.moteur import Index

    index = Index.lire(dossier / "recherche.json")
    # La recherche d'avant cherchait dans le libellé, les mots clés, l'indice et le chemin :
    # on lui donne le libellé et le chemin de chaque page (de quoi comparer des coûts).
    pages = [{"texte": f"{p[1]} {p[2]}"} for p in index.pages]
    serveur = servir(dossier)
    contexte = navigateur.new_context()
    try:
        page = contexte.new_page()
        page.goto(f"http://127.0.0.1:{serveur.server_address[1]}/recherche/")
        return page.evaluate(MESURER, [requetes, TOURS, pages])
    finally:
        contexte.close()
        serveur.shutdown()


def imprimer_temps(nom: str, mesure: dict, objectif: float) -> None:
    temps = mediane_par_requete(mesure["temps"])
    avant = mediane_par_requete(mesure["avant"])
    print(f"  {nom} : médiane {statistics.median(temps):.2f} ms, p95 {p95(temps):.2f} ms, "
          f"pire {max(temps):.2f} ms (objectif ≤ {objectif:.0f} ms) ; recherche d'avant "
          f"{statistics.median(avant):.3f} ms ; premier usage (index téléchargé et lu) "
          f"{mesure['premierUsage']:.0f} ms (dont lu {mesure['lecture']:.0f} ms) ; première "
          "fois de chaque requête, morceaux téléchargés d'un serveur local compris : médiane "
          f"{statistics.median(mesure['trouver']):.2f} ms, p95 {p95(mesure['trouver']):.2f} ms")


def main() -> int:
    from parcours_genere import generer_parcours, vocabulaire_de_la_demo, vocabulaire_etendu
    from playwright.sync_api import sync_playwright

    from arbre.__main__ import construire
    from arbre.modele import construire_modele
    from arbre.recherche.fichiers import fichiers_recherche
    from arbre.recherche.index import index_recherche
    from arbre.recherche.moteur import Index
    from tests.arbre.recherche.jeu_public import OBJECTIF, evaluer, lire_requetes
    from tests.navigateur.conftest import ARGUMENTS

    requetes = lire_requetes()
    textes = [r.texte for r in requetes]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        demo = tmp / "demo"
        if construire(RACINE / "contenu", demo) != 0:
            return 1
        modele = json.loads((demo / "modele.json").read_text(encoding="utf-8"))
        index = Index(json.loads((demo / "recherche.json").read_text(encoding="utf-8")))
        python = evaluer(modele, {r.id: [index.adresse(p, r.insee) for p, _ in index.chercher(r.texte)]
                                  for r in requetes})

        vocabulaire = vocabulaire_de_la_demo()
        genere = tmp / "genere"
        noeuds = generer_parcours(tmp / "contenu-genere", vocabulaire_etendu(vocabulaire))
        shutil.copytree(demo, genere)  # le même site, avec l'index du parcours généré
        index_genere = index_recherche(construire_modele(tmp / "contenu-genere"))
        for nom, texte in fichiers_recherche(index_genere).items():  # découpé comme publié
            (genere / nom).write_text(texte, encoding="utf-8")

        with sync_playwright() as p:
            navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
            try:
                sur_demo = mesurer(navigateur, demo, textes)
                sur_genere = mesurer(navigateur, genere, textes)
            finally:
                navigateur.close()
        chromium = evaluer(modele, {r.id: sur_demo["resultats"][i] for i, r in enumerate(requetes)})

        def poids(dossier: Path) -> float:
            """recherche.json et ses morceaux s'il en a (gzip 9)."""
            fichiers = [dossier / "recherche.json", *(dossier / "recherche").glob("*.json")]
            return sum(len(gzip.compress(f.read_bytes(), 9)) for f in fichiers) / 1024

        print(f"Recherche, jeu public de {len(requetes)} requêtes (contenu de démonstration) :")
        for nom, bilan in (("moteur Python  ", python), ("dans Chromium  ", chromium)):
            print(f"  {nom}: {bilan.trouvees}/{bilan.total} trouvées parmi les 3 premiers "
                  f"({bilan.taux:.0%}, objectif ≥ {OBJECTIF:.0%}), {len(bilan.sans_resultat)} "
                  "sans aucun résultat (objectif : 0)")
        for ligne in python.manquees:
            print("  manquée" + ligne[1:])
        print("Index de la recherche (recherche.json et ses morceaux, gzip) :")
        print(f"  démonstration : {poids(demo):.1f} Ko, {len(index.termes)} termes, "
              f"{len(index.pages)} pages (objectif ≤ 30 Ko)")
        print(f"  parcours généré de {noeuds} nœuds : {poids(genere):.1f} Ko en tout, "
              f"{len(index_genere['termes'])} termes (découpé : base et morceaux, voir "
              "bench/grand_territoire.py)")
        print(f"Temps d'une requête dans Chromium ({TOURS} tours des {len(textes)} requêtes ; "
              "médiane de chaque requête) :")
        imprimer_temps("démonstration", sur_demo, 20)
        imprimer_temps(f"parcours généré de {noeuds} nœuds", sur_genere, 50)
    return 0


if __name__ == "__main__":
    sys.exit(main())
