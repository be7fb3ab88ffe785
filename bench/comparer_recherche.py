"""Comparer notre moteur de recherche à des bibliothèques JavaScript (à lancer à la main).

    .venv/bin/python bench/comparer_recherche.py [--tours 5] [--dossier /tmp/banc] [--details]

Ni `make test` ni `make demo` ne l'appellent : il demande Node et npm, que le produit
n'exige pas. Il :

1. installe depuis le registre npm, dans un dossier temporaire, les bibliothèques comparées
   aux versions fixées dans `PAQUETS` (et esbuild, pour regrouper chacune avec son code
   d'appel en un seul fichier minifié, comme un site le publierait) ;
2. construit le site de démonstration et en tire les **mêmes documents** pour toutes :
   chaque page du parcours sauf l'accueil, avec les quatre champs de notre index
   (`arbre.recherche.index._champs` : libellé ; mots clés et renvois ; indice et service ;
   texte, question et libellés des pages au-dessus), poids 4 > 3 > 2 > 1 ;
3. lance chaque moteur dans Chromium (`bench/comparer_recherche/*.js`, servis avec
   l'isolation d'origine, pour que `performance.now()` soit précis à 5 µs), sur les 100
   requêtes publiques (`tests/arbre/recherche/requetes.yaml`), et juge les trois premiers
   résultats avec `jeu_public.evaluer` ;
4. imprime un tableau (Markdown) : trouvées, sans résultat, poids du code et de l'index
   (gzip), construction de l'index dans le navigateur, temps par requête, et si le même
   classement peut tourner côté serveur en Python.

Les réglages de chaque bibliothèque sont dans son module (`bench/comparer_recherche/`) et
expliqués en tête de celui-ci ; le choix qui en découle est dans `docs/recherche.md`.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass
from html import escape
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))
sys.path.insert(0, str(RACINE / "site" / "plugins"))
ICI = Path(__file__).resolve().parent / "comparer_recherche"
CHROMIUM = os.environ.get("AIGUILLAGE_CHROMIUM", "/usr/bin/chromium")
MOTEUR_JS = RACINE / "site" / "theme" / "static" / "js" / "recherche.js"
STEMMER_JS = RACINE / "site" / "theme" / "static" / "vendor" / "orama-stemmers" / "fr.js"

# Versions fixées : changer une version, c'est relancer le banc et mettre docs/recherche.md à jour.
PAQUETS = {
    "minisearch": "7.2.0",
    "lunr": "2.3.9",
    "lunr-languages": "1.22.0",
    "@orama/orama": "3.1.18",
    "@orama/stemmers": "3.1.18",
    "@orama/stopwords": "3.1.18",
    "flexsearch": "0.8.212",
    "pagefind": "1.6.0",
    "esbuild": "0.28.2",
}
# Les fautes de frappe citées par l'issue 10, hors du jeu public : l'une des trois premières
# adresses doit commencer par la seconde chaîne (la famille ou la page attendue).
EXEMPLES_FAUTES = [("lampadère", "/eclairage/"), ("egou", "/eau/egout/"),
                   ("poubelle pa ramasser", "/proprete/poubelle-pas-ramassee/")]
# Requêtes tirées au hasard (graine fixe) pour comparer les deux moitiés de notre moteur.
HASARD = 3000
# Poids des champs dans les pages données à Pagefind (data-pagefind-weight, de 0 à 10) :
# les nôtres (4, 3, 2, 1) multipliés par deux.
POIDS_PAGEFIND = (8, 6, 4, 2)


@dataclass(frozen=True)
class Moteur:
    nom: str
    module: str  # bench/comparer_recherche/<module>.js
    paquet: str | None  # dont la version est affichée
    donnees: str | None  # le fichier que le navigateur télécharge pour construire l'index
    python: str  # le même classement côté serveur, en Python ?


MOTEURS = [
    Moteur("Aiguillage (le nôtre)", "aiguillage", None, "recherche.json",
           "oui : moteur.py, même algorithme"),
    Moteur("MiniSearch", "minisearch", "minisearch", "documents.json",
           "non : JavaScript seulement"),
    Moteur("Lunr + lunr.fr", "lunr", "lunr", "documents.json",
           "pas tel quel : lunr.py (PyPI) relit l'index, mais son français (NLTK) n'est pas "
           "celui de lunr.fr"),
    Moteur("Orama", "orama", "@orama/orama", "documents.json", "non : JavaScript seulement"),
    Moteur("FlexSearch", "flexsearch", "flexsearch", "documents.json",
           "non : JavaScript seulement"),
    Moteur("Pagefind", "pagefind", "pagefind", None,
           "non : Rust compilé en WebAssembly (le paquet Python ne fait que l'index)"),
    Moteur("Pagefind, un mot par recherche (OU fait à la main)", "pagefind_ou", "pagefind", None,
           "non : comme Pagefind"),
]


class Arret(Exception):
    """Un problème d'environnement : le message dit quoi faire ; pas de trace de pile."""


# ---------------------------------------------------------------- les documents


def documents(modele: dict) -> list[dict]:
    """Les pages que notre index couvre, avec ses quatre champs, en texte (voir l'en-tête).

    Les renvois (libellé et mots clés d'un bouton qui mène à la page) et le nom du service
    fixe sont calculés comme dans `arbre.recherche.index.index_recherche` ; les champs
    viennent de sa fonction `_champs` elle-même, pour que les documents ne puissent pas
    s'écarter de notre index. Les synonymes des éditeurs (`modele["synonymes"]`) sont ajoutés
    au champ où l'un des termes d'un groupe apparaît, comme notre index le fait avec ses clés.
    """
    from arbre.recherche.index import _champs
    from arbre.recherche.texte import cles, mots

    noeuds, gestionnaires = modele["noeuds"], modele["gestionnaires"]
    renvois: dict[str, list[str]] = {}
    for parent in noeuds.values():
        for choix in parent.get("choix", []):
            cible = noeuds[choix["cible"]]
            if choix["libelle"] != cible["libelle"] or choix["mots_cles"] != cible["mots_cles"]:
                renvois.setdefault(choix["cible"], []).extend(
                    [choix["libelle"], choix.get("indice") or "", *choix["mots_cles"]])
    groupes = modele.get("synonymes", [])

    def avec_synonymes(texte: str) -> str:
        presentes = {c for m in mots(texte) for c in cles(m)}
        ajouts = [" ".join(groupe) for groupe in groupes
                  if any(mots(terme) and all(presentes.intersection(cles(m)) for m in mots(terme))
                         for terme in groupe)]
        return " ".join([texte, *ajouts])

    sortie = []
    for noeud in noeuds.values():
        if noeud["id"] == "" or noeud.get("inatteignable"):
            continue
        fixe = noeud.get("gestionnaire") if not noeud.get("depend_de_la_commune") else None
        nom_service = gestionnaires[fixe]["nom"] if fixe else None
        champs = [avec_synonymes(" ".join(t.split()))
                  for t in _champs(noeud, noeuds, renvois, nom_service)]
        sortie.append({"id": noeud["url"], **dict(zip(
            ("libelle", "mots_cles", "indice", "texte"), champs, strict=True))})
    return sortie


def pages_pagefind(docs: list[dict], dossier: Path) -> None:
    """Une page HTML par document : Pagefind indexe du HTML, chaque champ avec son poids."""
    for d in docs:
        page = dossier / d["id"].strip("/") / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        champs = "".join(
            f'<p data-pagefind-weight="{poids}">{escape(d[champ])}</p>'
            for champ, poids in zip(("libelle", "mots_cles", "indice", "texte"), POIDS_PAGEFIND,
                                    strict=True))
        page.write_text(f'<!doctype html><html lang="fr"><head><meta charset="utf-8">'
                        f'<title>{escape(d["libelle"])}</title></head>'
                        f'<body><main data-pagefind-body>{champs}</main></body></html>',
                        encoding="utf-8")


def requetes_au_hasard(docs: list[dict], nombre: int = HASARD, graine: int = 10) -> list[str]:
    """Des requêtes de 1 à 5 mots des documents, abîmés comme au téléphone : lettre changée,
    oubliée ou inversée, accents ôtés, majuscules, mot coupé ; plus quelques cas d'écriture
    (élisions, traits d'union, ligatures, espaces seules). Même graine, mêmes requêtes."""
    hasard = random.Random(graine)
    vocabulaire = sorted({m for d in docs for champ in ("libelle", "mots_cles", "indice", "texte")
                          for m in re.split(r"[\s'’]+", d[champ]) if m})
    lettres = "abcdefghijklmnopqrstuvwxyzéèàçêôœ"

    def abimer(m: str) -> str:
        tirage, i = hasard.random(), hasard.randrange(max(len(m) - 1, 1))
        if len(m) > 3 and tirage < 0.25:
            return m[:i] + hasard.choice(lettres) + m[i + 1:]
        if len(m) > 3 and tirage < 0.4:
            return m[:i] + m[i + 1:]
        if len(m) > 3 and tirage < 0.5:
            return m[:i] + m[i + 1] + m[i] + m[i + 2:]
        if tirage < 0.6:
            return unicodedata.normalize("NFD", m).encode("ascii", "ignore").decode()
        if tirage < 0.65:
            return m.upper()
        if tirage < 0.75 and len(m) > 4:
            return m[:hasard.randrange(3, len(m))]
        return m

    tirees = [" ".join(abimer(hasard.choice(vocabulaire)) for _ in range(hasard.randint(1, 5)))
              for _ in range(nombre)]
    return tirees + ["Œuvre d’art", "l'égout", "ÉCOLE", "nid-de-poule", "  ", "", "ﬁbre",
                     "straße", "naïve", "cœur", "Ærodrome", "aujourd'hui", "rue—route",
                     "vélo‑route", "2 € 50", "ça", "été", "ÉTÉS"]


# ---------------------------------------------------------------- installer, regrouper


def executer(commande: list[str], dossier: Path, quoi: str, env: dict | None = None) -> float:
    debut = time.perf_counter()
    fini = subprocess.run(commande, cwd=dossier, capture_output=True, text=True,
                          env={**os.environ, **(env or {})})
    if fini.returncode:
        sortie = (fini.stdout + fini.stderr).strip().splitlines()[-15:]
        raise Arret(f"{quoi} a échoué (code {fini.returncode}) :\n  " + "\n  ".join(sortie))
    return time.perf_counter() - debut


def installer(dossier: Path) -> None:
    for programme in ("node", "npm"):
        if not shutil.which(programme):
            raise Arret(
                f"« {programme} » est introuvable. Ce banc installe les bibliothèques comparées "
                "depuis le registre npm et les regroupe avec esbuild : installez Node.js 20 ou "
                "plus récent et npm (paquets Debian « nodejs » et « npm »), puis relancez.\n"
                "make demo et make test n'en ont pas besoin.")
    if not Path(CHROMIUM).exists():
        raise Arret(f"Chromium est introuvable à {CHROMIUM} : lancez « make chromium » "
                    "ou donnez son chemin dans AIGUILLAGE_CHROMIUM.")
    print(f"Installation depuis npm dans {dossier} : "
          + ", ".join(f"{p}@{v}" for p, v in PAQUETS.items()))
    executer(["npm", "install", "--prefix", str(dossier), "--no-audit", "--no-fund",
              "--loglevel=error", *(f"{p}@{v}" for p, v in PAQUETS.items())],
             dossier, "npm install")


def version(dossier: Path, paquet: str) -> str:
    return json.loads((dossier / "node_modules" / paquet / "package.json").read_text())["version"]


def regrouper(dossier: Path, module: str, www: Path) -> Path:
    """Le module et tout ce qu'il importe, en un fichier minifié (ce que le navigateur charge)."""
    sortie = www / "lib" / f"{module}.js"
    compacte = dossier / "node_modules" / "flexsearch" / "dist" / "flexsearch.compact.module.min.js"
    executer([str(dossier / "node_modules" / ".bin" / "esbuild"), str(ICI / f"{module}.js"),
              "--bundle", "--minify", "--format=esm", "--log-level=error",
              f"--outfile={sortie}", f"--alias:aiguillage-recherche={MOTEUR_JS}",
              f"--alias:flexsearch-compact={compacte}", "--external:/pagefind/*"],
             dossier, f"esbuild ({module}.js)",
             env={"NODE_PATH": str(dossier / "node_modules")})
    return sortie


def gz(octets: bytes) -> int:
    """Taille compressée gzip (niveau 6, comme bench/site.py et bench/hors_ligne.py)."""
    return len(gzip.compress(octets, 6))


# ---------------------------------------------------------------- servir, mesurer


class _Fichiers(http.server.SimpleHTTPRequestHandler):
    """Les fichiers du banc, avec l'isolation d'origine (COOP + COEP) : sans elle, Chromium
    arrondit performance.now() à 100 µs, trop gros pour des requêtes de quelques dixièmes
    de milliseconde."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".json": "application/json"}

    def end_headers(self) -> None:
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args) -> None:
        pass


def servir(www: Path) -> http.server.ThreadingHTTPServer:
    serveur = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Fichiers, directory=str(www)))
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    return serveur


def mesurer_navigateur(url: str, requetes: list[dict], hasard: list[str], tours: int,
                       www: Path) -> dict[str, dict]:
    """Chaque moteur dans un Chromium neuf (construction à froid, résultats, ce qu'il a
    chargé), puis tous ensemble dans une page pour le temps par requête (voir banc.js)."""
    from playwright.sync_api import sync_playwright

    from tests.navigateur.conftest import ARGUMENTS

    exemples = [{"id": f"F{i}", "texte": t, "insee": "56143"}
                for i, (t, _) in enumerate(EXEMPLES_FAUTES)]
    mesures = {}
    with sync_playwright() as p:
        def ouvrir():
            navigateur = p.chromium.launch(executable_path=CHROMIUM, args=ARGUMENTS)
            page = navigateur.new_context(locale="fr-FR").new_page()
            charges: list[str] = []
            page.on("requestfinished", lambda r: charges.append(r.url))
            erreurs: list[str] = []
            page.on("pageerror", lambda e: erreurs.append(str(e)))
            page.goto(url + "/index.html")
            return navigateur, page, charges, erreurs

        def donnees(moteur: Moteur) -> str | None:
            return f"/donnees/{moteur.donnees}" if moteur.donnees else None

        for moteur in MOTEURS:
            print(f"  {moteur.nom}…", flush=True)
            navigateur, page, charges, erreurs = ouvrir()
            try:
                m = page.evaluate("async (a) => (await import('/banc.js')).preparer(a)", {
                    "module": f"/lib/{moteur.module}.js", "donnees": donnees(moteur),
                    "requetes": requetes, "exemples": exemples, "hasard": hasard})
            except Exception as exc:  # une bibliothèque qui casse ne doit pas tout arrêter
                print(f"    échec dans Chromium : {exc}\n    " + "\n    ".join(erreurs))
                continue
            finally:
                navigateur.close()
            m["charges"] = sorted({re.sub(r"^https?://[^/]+", "", c) for c in charges})
            mesures[moteur.module] = m
        print(f"  tous ensemble, {tours} tours chronométrés…", flush=True)
        navigateur, page, _, _ = ouvrir()
        try:
            chrono = page.evaluate("async (a) => (await import('/banc.js')).chronometrer(a)", {
                "moteurs": [{"module": f"/lib/{m.module}.js", "donnees": donnees(m)}
                            for m in MOTEURS if m.module in mesures],
                "requetes": requetes, "tours": tours})
        finally:
            navigateur.close()
    for moteur in MOTEURS:
        if moteur.module in mesures:
            mesures[moteur.module]["temps"] = chrono["temps"][f"/lib/{moteur.module}.js"]
            mesures[moteur.module]["isole"] &= chrono["isole"]
    return mesures


def mesurer_python(index, requetes, tours: int) -> tuple[dict, dict, list[float], list]:
    resultats = {r.id: [index.adresse(p, r.insee) for p, _ in index.chercher(r.texte)]
                 for r in requetes}
    exemples = [[index.adresse(p, "56143") for p, _ in index.chercher(t)]
                for t, _ in EXEMPLES_FAUTES]
    classements = {r.id: index.chercher(r.texte) for r in requetes}
    temps = []
    for _ in range(tours):
        for r in requetes:
            debut = time.perf_counter()
            index.chercher(r.texte)
            temps.append((time.perf_counter() - debut) * 1000)
    return resultats, classements, temps, exemples


def fautes_trouvees(exemples: list[list[str]]) -> str:
    """« 2/3 » : les exemples de EXEMPLES_FAUTES dont l'un des 3 premiers résultats convient."""
    bons = sum(any(a.startswith(attendu) for a in trouves[:3])
               for trouves, (_, attendu) in zip(exemples, EXEMPLES_FAUTES, strict=True))
    return f"{bons}/{len(EXEMPLES_FAUTES)}"


def p95(valeurs: list[float]) -> float:
    return statistics.quantiles(valeurs, n=20, method="inclusive")[-1]


def ecarts_python_js(py: dict, js: dict) -> list[str]:
    """Les requêtes dont le classement diffère entre moteur.py et recherche.js (ordre des
    pages ou score, arrondis tous deux au millionième)."""
    ecarts = []
    for rid, attendu in py.items():
        obtenu = [tuple(c) for c in js.get(rid, [])]
        if [(p, s) for p, s in attendu] != obtenu:
            ecarts.append(f"  {rid} : Python {attendu[:3]} … / navigateur {obtenu[:3]} …")
    return ecarts


# ---------------------------------------------------------------- le tableau


def ko(octets: int) -> str:
    return f"{octets / 1024:.1f} Ko".replace(".", ",")


def ms(valeur: float) -> str:
    return (f"{valeur:.2f} ms" if valeur < 10 else f"{valeur:.0f} ms").replace(".", ",")


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--tours", type=int, default=5,
                           help="passages chronométrés sur les 100 requêtes (5 par défaut)")
    arguments.add_argument("--dossier", type=Path,
                           help="dossier de travail gardé après le banc (temporaire sinon)")
    arguments.add_argument("--details", action="store_true",
                           help="affiche les requêtes manquées par chaque moteur")
    arguments.add_argument("--moteurs", nargs="+", choices=[m.module for m in MOTEURS],
                           help="ne mesurer que ceux-là (tous par défaut)")
    args = arguments.parse_args()
    if args.moteurs:
        MOTEURS[:] = [m for m in MOTEURS if m.module in args.moteurs]
    try:
        if args.dossier:
            args.dossier.mkdir(parents=True, exist_ok=True)
            return comparer(args.dossier.resolve(), args.tours, args.details)
        with tempfile.TemporaryDirectory(prefix="comparer-recherche-") as tmp:
            return comparer(Path(tmp), args.tours, args.details)
    except Arret as exc:
        print(exc, file=sys.stderr)
        return 1


@dataclass
class Preparation:
    modele: dict
    recherche: bytes  # recherche.json de la construction
    documents: list[dict]
    duree_pagefind: float  # secondes : le programme pagefind sur les pages des documents


def preparer(dossier: Path, www: Path) -> Preparation:
    """Installe, construit le site, écrit les données et les moteurs regroupés dans `www`."""
    from arbre.__main__ import construire
    from arbre.recherche.texte import MOTS_VIDES

    installer(dossier)
    site = dossier / "site"
    shutil.rmtree(www, ignore_errors=True)
    (www / "donnees").mkdir(parents=True)
    if construire(RACINE / "contenu", site) != 0:
        raise Arret("Le contenu de démonstration ne se construit pas : lancez « make verifier ».")
    modele = json.loads((site / "modele.json").read_text(encoding="utf-8"))
    recherche = (site / "recherche.json").read_bytes()
    (www / "donnees" / "recherche.json").write_bytes(recherche)
    docs = documents(modele)
    (www / "donnees" / "documents.json").write_text(json.dumps(
        {"mots_vides": sorted(MOTS_VIDES), "documents": docs}, ensure_ascii=False,
        separators=(",", ":")), encoding="utf-8")
    for fichier in ("index.html", "banc.js"):
        shutil.copy(ICI / fichier, www / fichier)
    print(f"{len(docs)} documents ; regroupement des moteurs (esbuild) ; index Pagefind…")
    for moteur in MOTEURS:
        regrouper(dossier, moteur.module, www)
    pages = dossier / "pagefind-site"
    shutil.rmtree(pages, ignore_errors=True)
    pages_pagefind(docs, pages)
    duree = executer([str(dossier / "node_modules" / ".bin" / "pagefind"), "--site", str(pages),
                      "--output-path", str(www / "pagefind")], dossier, "pagefind")
    return Preparation(modele, recherche, docs, duree)


def ligne(moteur: Moteur, m: dict, bilan, www: Path, dossier: Path, prep: Preparation,
          notes: list[str]) -> str:
    """La ligne du tableau d'un moteur mesuré ; ajoute à `notes` ce qui ne tient pas dedans."""
    def taille(condition) -> int:
        return sum(gz((www / c.lstrip("/")).read_bytes()) for c in m["charges"] if condition(c))

    code = taille(lambda c: c.endswith((".js", ".pagefind")) and c != "/banc.js")
    donnees = taille(lambda c: c.startswith("/donnees/") or re.search(r"\.pf_|entry\.json$", c))
    serialise = ko(gz(m["serialise"].encode())) if m["serialise"] else "—"
    if moteur.module.startswith("pagefind"):
        construction = (f"hors navigateur ({ms(prep.duree_pagefind * 1000)}, programme "
                        f"pagefind) ; démarrage à froid {ms(m['construction'][0])}")
        total = sum(gz(f.read_bytes()) for f in (www / "pagefind").rglob("*")
                    if f.is_file() and re.search(r"\.pf_|entry\.json$", f.name))
        notes.append(f"{moteur.nom} : index chargé par morceaux ; {ko(donnees)} chargés pour "
                     f"ces {bilan.total} requêtes, {ko(total)} en tout.")
    else:
        construction = ms(statistics.median(m["construction"]))
        if m["chargement"]:
            construction += f" ; relu de l'index sérialisé : {ms(statistics.median(m['chargement']))}"
    if m["differences_apres_chargement"]:
        notes.append(f"{moteur.nom} : l'index relu cherche autrement que l'index construit "
                     f"pour {m['differences_apres_chargement']} requêtes.")
    if not m["isole"]:
        notes.append(f"{moteur.nom} : page sans isolation d'origine, temps arrondis à 100 µs.")
    nom_version = version(dossier, moteur.paquet) if moteur.paquet else "—"
    return (f"| {moteur.nom} | {nom_version} | {bilan.trouvees}/{bilan.total} | "
            f"{len(bilan.sans_resultat)} | {fautes_trouvees(m['exemples'])} | {ko(code)} | "
            f"{ko(donnees)} | {serialise} | {construction} | {ms(statistics.median(m['temps']))} | "
            f"{ms(p95(m['temps']))} | {moteur.python} |")


ENTETE = ("| Moteur | Version | Trouvées (3 premiers) | Sans résultat | Fautes de l'issue | "
          "Code (gzip) | Index téléchargé (gzip) | Index sérialisé (gzip) | "
          "Construction de l'index (médiane de 5) | Requête : médiane | Requête : p95 | "
          "Même classement côté serveur (Python) |\n|" + "---|" * 12)


def comparer(dossier: Path, tours: int, details: bool) -> int:
    from arbre.recherche.moteur import Index
    from tests.arbre.recherche.jeu_public import evaluer, lire_requetes

    www = dossier / "www"
    prep = preparer(dossier, www)
    requetes = lire_requetes()
    hasard = requetes_au_hasard(prep.documents)
    serveur = servir(www)
    print(f"Chromium ({CHROMIUM}), {len(requetes)} requêtes :")
    try:
        mesures = mesurer_navigateur(f"http://127.0.0.1:{serveur.server_address[1]}",
                                     [{"id": r.id, "texte": r.texte, "insee": r.insee}
                                      for r in requetes], hasard, tours, www)
    finally:
        serveur.shutdown()
    index_py = Index(json.loads(prep.recherche))
    res_py, classements_py, temps_py, exemples_py = mesurer_python(index_py, requetes, tours)

    lignes, notes, bilans = [ENTETE], [], []
    for moteur in MOTEURS:
        if moteur.module not in mesures:
            lignes.append(f"| {moteur.nom} | | échec (voir plus haut) |" + " |" * 9)
            continue
        bilan = evaluer(prep.modele, mesures[moteur.module]["resultats"], requetes)
        bilans.append((moteur.nom, bilan))
        lignes.append(ligne(moteur, mesures[moteur.module], bilan, www, dossier, prep, notes))
    bilan_py = evaluer(prep.modele, res_py, requetes)
    lignes.append(
        f"| Aiguillage, moitié Python (serveur, sans JavaScript) | — | "
        f"{bilan_py.trouvees}/{bilan_py.total} | {len(bilan_py.sans_resultat)} | "
        f"{fautes_trouvees(exemples_py)} | — | — | — | index lu au démarrage des fonctions | "
        f"{ms(statistics.median(temps_py))} | {ms(p95(temps_py))} | c'est elle |")
    print("\n" + "\n".join(lignes) + "\n")

    if "aiguillage" in mesures:
        ecarts = ecarts_python_js(classements_py, mesures["aiguillage"]["classements"])
        tirees = {f"H{i}": index_py.chercher(t) for i, t in enumerate(hasard)}
        ecarts_hasard = ecarts_python_js(tirees, {
            f"H{i}": c for i, c in enumerate(mesures["aiguillage"]["classements_hasard"])})
        print(f"Notre moteur, Python contre navigateur (pages, ordre et scores des 8 premiers) : "
              f"{len(requetes) - len(ecarts)}/{len(requetes)} requêtes du jeu public et "
              f"{len(hasard) - len(ecarts_hasard)}/{len(hasard)} requêtes tirées au hasard "
              f"au classement identique.")
        notes.extend(ecarts + [f"  « {hasard[int(e.split()[0][1:])]} »{e}" for e in ecarts_hasard[:20]])
        publie = gz(MOTEUR_JS.read_bytes()) + gz(STEMMER_JS.read_bytes())
        notes.append(f"Aiguillage : recherche.js et fr.js tels que le site les sert (non minifiés) : "
                     f"{ko(publie)} gzip ; le tableau compte, pour tous, le code minifié par esbuild.")
        affichage = {k: v for k, v in json.loads(prep.recherche).items()
                     if k in ("pages", "services", "competences", "communes")}
        notes.append(f"Aiguillage : recherche.json contient aussi de quoi afficher les résultats "
                     f"(libellé, chemin, service par commune : "
                     f"{ko(gz(json.dumps(affichage, ensure_ascii=False).encode()))} gzip de ses "
                     f"{ko(gz(prep.recherche))}) ; les index des bibliothèques ne gardent que "
                     f"l'adresse.")
    print("\n".join(notes))
    for nom, bilan in [*bilans, ("Aiguillage, moitié Python", bilan_py)]:
        sans = f", sans résultat : {', '.join(bilan.sans_resultat)}" if bilan.sans_resultat else ""
        print(f"{nom} manque {', '.join(b.split()[0] for b in bilan.manquees) or 'aucune'}{sans}")
        if details:
            print("\n".join(bilan.manquees))
    print(f"\nMesuré le {time.strftime('%Y-%m-%d')} : Node {node_version()}, "
          f"{chromium_version()}, {os.cpu_count()} processeurs, charge moyenne "
          f"{os.getloadavg()[0]:.1f} (la dernière minute).")
    return 0


def node_version() -> str:
    return subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()


def chromium_version() -> str:
    return subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
