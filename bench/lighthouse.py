"""Lighthouse sur le produit (make bench) — pas un test : les notes de performance dépendent
de la machine.

Lance le produit entier sur le contenu de démonstration (comme `make demo`), fait un
signalement pour avoir un vrai lien de suivi, puis passe Lighthouse (npm, version épinglée
par bench/lighthouse-npm/, installé par `make lighthouse`), dans le Chromium de Debian, avec
sa configuration mobile par défaut (téléphone émulé, réseau et processeur ralentis par
simulation), sur l'accueil, une question, une issue avec formulaire et /suivi/. Imprime, pour
chaque page, la médiane des notes de ses essais (performance, accessibilité, bonnes
pratiques, référencement) et le CLS, puis les objectifs : performance 100 sur les trois
premières et ≥ 95 sur /suivi/, accessibilité 100 partout, CLS 0.

    .venv/bin/python bench/lighthouse.py [--essais 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request
import uuid
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
sys.path.insert(0, str(RACINE / "site" / "plugins"))
CHROMIUM = os.environ.get("AIGUILLAGE_CHROMIUM", "/usr/bin/chromium")
LIGHTHOUSE = Path(os.environ.get("AIGUILLAGE_LIGHTHOUSE",
                                 RACINE / "build" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"))
CATEGORIES = {"performance": "performance", "accessibility": "accessibilité",
              "best-practices": "bonnes pratiques", "seo": "référencement"}
# Les pages mesurées, et la note de performance visée sur chacune.
PAGES = [("accueil", "/", 100), ("question", "/eclairage/", 100),
         ("issue avec formulaire", "/proprete/depot-sauvage/muzillac/", 100), ("suivi", None, 95)]


def signaler(url: str) -> str:
    """Un signalement sur le produit lancé ; rend son lien de suivi (/suivi/#jeton)."""
    corps = json.dumps({"noeud": "batiments/ecole/college", "commune": "56143",
                        "description": "Une vitre de la porte d'entrée est cassée.",
                        "adresse": "Rue du Collège", "question-nom-college": "Collège du Bourg"})
    requete = urllib.request.Request(url + "/api/signalements", data=corps.encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Idempotency-Key": str(uuid.uuid4())})
    with urllib.request.urlopen(requete, timeout=30) as reponse:
        suivi = json.loads(reponse.read())["suivi"]
    return url + "/suivi/#" + suivi.rpartition("#")[2]


def mesurer(url: str, rapport: Path) -> dict[str, float]:
    """Un passage de Lighthouse : {catégorie: note sur 100, "cls": CLS}."""
    from tests.navigateur.conftest import ARGUMENTS

    drapeaux = " ".join(["--headless=new", *ARGUMENTS])
    fini = subprocess.run(
        [str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={rapport}",
         "--form-factor=mobile", f"--only-categories={','.join(CATEGORIES)}",
         f"--chrome-flags={drapeaux}"],
        capture_output=True, text=True, env={**os.environ, "CHROME_PATH": CHROMIUM}, timeout=300)
    if fini.returncode:
        sys.exit(f"Lighthouse a échoué sur {url} :\n{fini.stdout}{fini.stderr}")
    resultat = json.loads(rapport.read_text(encoding="utf-8"))
    notes = {c: round(resultat["categories"][c]["score"] * 100) for c in CATEGORIES}
    notes["cls"] = resultat["audits"]["cumulative-layout-shift"]["numericValue"]
    return notes


def main() -> int:
    parametres = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parametres.add_argument("--essais", type=int, default=3, help="passages par page (médiane)")
    essais = parametres.parse_args().essais
    if not LIGHTHOUSE.exists():
        sys.exit(f"Lighthouse est introuvable ({LIGHTHOUSE}) : lancez « make lighthouse », "
                 "qui l'installe (demande Node.js et npm).")

    from arbre.__main__ import construire
    from tests.navigateur.conftest import lancer_produit

    version = subprocess.run([str(LIGHTHOUSE), "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        construire(RACINE / "contenu", tmp / "site")
        serveur = lancer_produit(tmp / "site", tmp / "donnees")
        try:
            print(f"Lighthouse {version}, mobile (configuration par défaut), {CHROMIUM}, "
                  f"médiane de {essais} passages par page :")
            manques = []
            for nom, chemin, objectif in PAGES:
                url = signaler(serveur.url) if chemin is None else serveur.url + chemin
                passages = [mesurer(url, tmp / "rapport.json") for _ in range(essais)]
                notes = {c: statistics.median(p[c] for p in passages) for c in [*CATEGORIES, "cls"]}
                print(f"  {nom:<22} " + ", ".join(f"{CATEGORIES[c]} {notes[c]:.0f}" for c in CATEGORIES)
                      + f", CLS {notes['cls']:.3f}")
                if notes["performance"] < objectif:
                    manques.append(f"performance {notes['performance']:.0f} sur {nom} (objectif {objectif})")
                if notes["accessibility"] < 100:
                    manques.append(f"accessibilité {notes['accessibility']:.0f} sur {nom}")
                if notes["cls"] > 0:
                    manques.append(f"CLS {notes['cls']:.3f} sur {nom}")
        finally:
            serveur.arreter()
    print("Objectifs (performance 100, ≥ 95 sur /suivi/ ; accessibilité 100 ; CLS 0) : "
          + ("atteints." if not manques else "manqués — " + " ; ".join(manques) + "."))
    print("  (/suivi/ n'est pas à indexer : « noindex » y coûte sa note de référencement, à dessein.)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
