"""Mesures du hors-ligne (make bench) — pas un test.

Imprime, pour le contenu de démonstration :
- le poids de ce que le service worker garde sur le téléphone (brut, et gzip : ce que le
  téléphone télécharge) : à la première visite, sur une connexion ordinaire (objectif
  ≤ 500 Ko) et sur une connexion économe, et tout le parcours, quand la personne le demande ;
- le premier affichage (First Contentful Paint) de l'accueil dans Chromium, première visite,
  avec le worker qui s'enregistre, contre le même site dont l'appel à ``register()`` est
  neutralisé, et contre des workers interdits (Playwright ``service_workers="block"``), en
  alternance dans le même lancement ; puis une visite suivante, page servie par le worker
  contre servie par le réseau.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
sys.path.insert(0, str(RACINE / "site" / "plugins"))
ESSAIS = 15
CHROMIUM = os.environ.get("AIGUILLAGE_CHROMIUM", "/usr/bin/chromium")


def poids_garde(sortie: Path, listes: tuple[str, ...] | None = None) -> tuple[int, int, int]:
    """(fichiers, octets bruts, octets gzip) de tout le parcours (les fichiers communs et chaque
    famille), ou des seules `listes` de sw.js (« COQUILLE », « COMPLEMENT »)."""
    sw = (sortie / "sw.js").read_text(encoding="utf-8")

    def liste(nom: str):
        return json.loads(re.search(rf"const {nom} = (.*?);\n", sw, re.S).group(1))

    fichiers = [f for nom in (listes or ("COQUILLE", "COMPLEMENT", "AUTRES")) for f in liste(nom)]
    if not listes:
        dossier = json.loads(re.search(r"const DOSSIER_FAMILLES = (.*?);\n", sw).group(1))
        for nom in liste("FAMILLES"):
            manifeste = sortie / dossier.lstrip("/") / f"{nom}.json"
            fichiers += json.loads(manifeste.read_text(encoding="utf-8"))["fichiers"]
    brut = compresse = 0
    for url, _, _ in fichiers:
        chemin = sortie / (url.lstrip("/") + ("index.html" if url.endswith("/") else ""))
        octets = chemin.read_bytes()
        brut += len(octets)
        compresse += len(gzip.compress(octets, 6))
    return len(fichiers), brut, compresse


def fcp(page) -> float:
    return page.evaluate("""() => new Promise(ok => {
        const e = performance.getEntriesByName('first-contentful-paint')[0];
        if (e) return ok(e.startTime);
        new PerformanceObserver(l => ok(l.getEntries()[0].startTime))
          .observe({type: 'paint', buffered: true});
    })""")


def main() -> int:
    from playwright.sync_api import sync_playwright

    from arbre.__main__ import construire
    from tests.navigateur.conftest import ARGUMENTS, lancer_produit

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sortie = tmp / "site"
        construire(RACINE / "contenu", sortie)
        nombre, brut, compresse = poids_garde(sortie)
        print(f"Tout le parcours (sur le bouton « Garder tout le parcours ») : {nombre} fichiers, "
              f"{brut / 1024:.0f} Ko bruts, {compresse / 1024:.0f} Ko téléchargés (gzip)")
        nombre, brut, compresse = poids_garde(sortie, ("COQUILLE", "COMPLEMENT"))
        print(f"Gardé à la première visite sur une connexion ordinaire (la coquille, les "
              f"questions de premier niveau, le complément) : {nombre} fichiers, "
              f"{brut / 1024:.0f} Ko bruts, {compresse / 1024:.0f} Ko téléchargés (gzip) — "
              "objectif ≤ 500 Ko ; la mesure dans Chromium : bench/grand_territoire.py")
        nombre, brut, compresse = poids_garde(sortie, ("COQUILLE",))
        print(f"Gardé à la première visite sur une connexion économe (la coquille) : {nombre} "
              f"fichiers, {brut / 1024:.0f} Ko bruts, {compresse / 1024:.0f} Ko téléchargés (gzip)")
        serveur = lancer_produit(sortie, tmp / "donnees")
        try:
            with sync_playwright() as p:
                navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
                # « reel » : le site tel quel ; « sans_enregistrement » : workers permis mais
                # notre appel à register() neutralisé ; « bloque » : workers interdits.
                modes = ("reel", "sans_enregistrement", "bloque")
                premiere = {m: [] for m in modes}
                suivante = {"reel": [], "bloque": []}
                for _ in range(ESSAIS):
                    for mode in modes:
                        contexte = navigateur.new_context(
                            service_workers="block" if mode == "bloque" else "allow")
                        if mode == "sans_enregistrement":
                            contexte.add_init_script(
                                "navigator.serviceWorker.register = () => new Promise(() => {})")
                        page = contexte.new_page()
                        page.goto(serveur.url + "/")
                        premiere[mode].append(fcp(page))
                        if mode in suivante:
                            if mode == "reel":
                                page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                                page.wait_for_function("() => navigator.serviceWorker.controller !== null")
                            page.goto(serveur.url + "/voirie/")
                            suivante[mode].append(fcp(page))
                        contexte.close()
                navigateur.close()
        finally:
            serveur.arreter()
        m = {k: statistics.median(v) for k, v in premiere.items()}
        print(f"Premier affichage de l'accueil, première visite (médiane de {ESSAIS}) : "
              f"{m['reel']:.0f} ms avec notre worker, {m['sans_enregistrement']:.0f} ms sans "
              f"l'enregistrer (rapport {m['reel'] / m['sans_enregistrement']:.2f}×), "
              f"{m['bloque']:.0f} ms workers interdits ({m['reel'] / m['bloque']:.2f}×)")
        s = {k: statistics.median(v) for k, v in suivante.items()}
        print(f"Visite suivante (médiane de {ESSAIS}) : {s['reel']:.0f} ms servie par le worker, "
              f"{s['bloque']:.0f} ms par le réseau (rapport {s['reel'] / s['bloque']:.2f}×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
