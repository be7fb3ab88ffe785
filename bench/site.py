"""Mesures du site (make bench) — pas un test : les chiffres dépendent de la machine.

Imprime, mesurés dans le même lancement pour pouvoir les comparer :
- la construction d'un parcours généré de 1 000 nœuds, contre une construction Pelican
  ordinaire de 1 000 pages Markdown (objectif : ≤ 1,5×) ;
- la construction du parcours généré de 3 000 nœuds environ sur 300 communes (celui de
  bench/grand_territoire.py), contre une construction Pelican ordinaire d'autant de pages
  (issue 14 : objectif ≤ 1×) ;
- la construction du contenu de démonstration ;
- le plus lourd premier chargement d'une page (HTML + CSS + JS, compressés gzip ;
  objectif : ≤ 14 Ko).
"""

from __future__ import annotations

import gzip
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
PETIT = RACINE / "tests" / "arbre" / "contenus" / "petit"
ESSAIS = 3


def generer_arbre(dossier: Path) -> int:
    """Un parcours de 1 011 nœuds : l'accueil, 10 familles × 10 questions × 9 issues."""
    shutil.copytree(PETIT, dossier)
    arbre = dossier / "arbre"
    shutil.rmtree(arbre)
    arbre.mkdir()
    (arbre / "index.md").write_text("---\nlibelle: Accueil\nquestion: Quel est le problème ?\n---\n")
    compte = 1
    for f in range(10):
        famille = arbre / f"{(f + 1) * 10}-famille-{f}"
        famille.mkdir()
        (famille / "index.md").write_text(
            f"---\nlibelle: Famille {f}\nindice: exemple de la famille {f}\n"
            f"mots_cles: [mot{f}, synonyme{f}]\nquestion: Que voyez-vous ?\n---\n"
            "Un texte d'explication **court**.\n")
        compte += 1
        for q in range(10):
            question = famille / f"{(q + 1) * 10}-question-{q}"
            question.mkdir()
            (question / "index.md").write_text(
                f"---\nlibelle: Question {f}.{q}\nquestion: Précisez ?\n---\nDétail.\n")
            compte += 1
            for i in range(9):
                sorte = "orientation" if i % 6 == 5 else "transmission"
                destination = ("competence: dechets" if i % 2 else "gestionnaire: cc-essai")
                (question / f"{(i + 1) * 10}-issue-{i}.md").write_text(
                    f"---\ntype: {sorte}\nlibelle: Issue {f}.{q}.{i}\nindice: un exemple\n"
                    f"mots_cles: [a{i}, b{i}]\n{destination}\npourquoi: Parce que.\n---\n"
                    "Un paragraphe d'explication, avec un [lien](https://example.org).\n")
                compte += 1
    return compte


def generer_pelican_ordinaire(dossier: Path, pages: int = 1000) -> Path:
    contenu = dossier / "contenu"
    contenu.mkdir(parents=True)
    for i in range(pages):
        (contenu / f"page-{i}.md").write_text(
            f"Title: Page {i}\nDate: 2026-01-01 10:00\nCategory: essai\n\n"
            "Un paragraphe d'explication, avec un [lien](https://example.org).\n")
    reglages = dossier / "pelicanconf.py"
    reglages.write_text(f"PATH = {str(contenu)!r}\nSITENAME = 'essai'\nTIMEZONE = 'Europe/Paris'\n"
                        "DEFAULT_LANG = 'fr'\nFEED_ALL_ATOM = None\nCATEGORY_FEED_ATOM = None\n"
                        "CACHE_CONTENT = False\nLOAD_CONTENT_CACHE = False\n")
    return reglages


def chronometrer(commande: list[str]) -> float:
    debut = time.perf_counter()
    fini = subprocess.run(commande, capture_output=True, text=True)
    if fini.returncode:
        sys.exit(f"Échec de {' '.join(commande)} :\n{fini.stdout}{fini.stderr}")
    return time.perf_counter() - debut


def poids_premier_chargement(sortie: Path, sauf: str | None = None,
                             seulement: set[str] | None = None) -> tuple[int, str]:
    """Le plus grand total gzip HTML + CSS + JS d'une page, et la page concernée (sans les
    pages dont l'adresse commence par `sauf` ; parmi les adresses `seulement`, « /a/b/ »)."""
    cache: dict[str, int] = {}

    def gz(chemin: Path) -> int:
        cle = str(chemin)
        if cle not in cache:
            cache[cle] = len(gzip.compress(chemin.read_bytes(), 9))
        return cache[cle]

    def avec_imports(ressource: str, vus: set[str]) -> set[str]:
        """La ressource et, pour un module JavaScript, tout ce qu'il importe d'emblée (un
        `import("…")` dynamique n'est chargé qu'à l'usage : il n'est pas compté)."""
        if ressource in vus:
            return vus
        vus.add(ressource)
        if ressource.endswith(".js"):
            texte = (sortie / ressource.lstrip("/")).read_text(encoding="utf-8")
            for importe in re.findall(r'(?:\bfrom|^import)\s*"(\./[^"]+\.js)"', texte, re.M):
                avec_imports(str(Path(ressource).parent / importe[2:]), vus)
        return vus

    pire = (0, "")
    for page in sortie.rglob("*.html"):
        if "theme" in page.relative_to(sortie).parts or (
                sauf and ("/" + page.relative_to(sortie).as_posix()).startswith(sauf)) or (
                seulement is not None
                and "/" + page.parent.relative_to(sortie).as_posix() + "/" not in seulement):
            continue
        html = page.read_text(encoding="utf-8")
        ressources: set[str] = set()
        for ressource in re.findall(r'(?:href|src)="(/[^"]+\.(?:css|js))"', html):
            avec_imports(ressource, ressources)
        total = gz(page) + sum(gz(sortie / r.lstrip("/")) for r in ressources)
        pire = max(pire, (total, "/" + page.relative_to(sortie).as_posix()))
    return pire


def construire_le_grand_territoire(tmp: Path) -> tuple[int, list[float], list[float], int]:
    """(nœuds, temps de construction du parcours généré de 3 000 nœuds sur 300 communes,
    temps d'une construction Pelican ordinaire d'autant de pages, pages), en alternance."""
    from parcours_genere import generer_parcours, vocabulaire_de_la_demo, vocabulaire_etendu

    py = sys.executable
    noeuds = generer_parcours(tmp / "grand", vocabulaire_etendu(vocabulaire_de_la_demo()),
                              communes=300)
    construire = [py, "-m", "arbre", "construire", "--contenu", str(tmp / "grand"),
                  "--sortie", str(tmp / "sortie-g")]
    arbre_t = [chronometrer(construire)]
    pages = sum(1 for _ in (tmp / "sortie-g").rglob("index.html"))
    reglages = generer_pelican_ordinaire(tmp / "ordinaire-g", pages)
    ordinaire_t = [chronometrer([py, "-m", "pelican", "-s", str(reglages), "-o",
                                 str(tmp / "sortie-og"), "-q"])]
    for _ in range(ESSAIS - 1):
        arbre_t.append(chronometrer(construire))
        ordinaire_t.append(chronometrer([py, "-m", "pelican", "-s", str(reglages), "-o",
                                         str(tmp / "sortie-og"), "-q"]))
    return noeuds, arbre_t, ordinaire_t, pages


def main() -> int:
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        noeuds = generer_arbre(tmp / "arbre1000")
        reglages = generer_pelican_ordinaire(tmp / "ordinaire")
        arbre_t, ordinaire_t, demo_t = [], [], []
        for _ in range(ESSAIS):  # en alternance, pour que le bruit touche les deux
            ordinaire_t.append(chronometrer(
                [py, "-m", "pelican", "-s", str(reglages), "-o", str(tmp / "sortie-o"), "-q"]))
            arbre_t.append(chronometrer([py, "-m", "arbre", "construire", "--contenu",
                                         str(tmp / "arbre1000"), "--sortie", str(tmp / "sortie-a")]))
            demo_t.append(chronometrer([py, "-m", "arbre", "construire", "--contenu",
                                        str(RACINE / "contenu"), "--sortie", str(tmp / "sortie-d")]))
        a, o, d = (statistics.median(x) for x in (arbre_t, ordinaire_t, demo_t))
        grand, grand_t, grand_o_t, pages_g = construire_le_grand_territoire(tmp)
        g, go = statistics.median(grand_t), statistics.median(grand_o_t)
        pages_a = sum(1 for _ in (tmp / "sortie-a").rglob("index.html"))
        pages_d = sum(1 for _ in (tmp / "sortie-d").rglob("index.html"))
        poids, page = poids_premier_chargement(tmp / "sortie-d")
        print(f"Construction, médiane de {ESSAIS} essais :")
        print(f"  parcours généré de {noeuds} nœuds ({pages_a} pages) : {a:.2f} s")
        print(f"  Pelican ordinaire, 1 000 pages Markdown           : {o:.2f} s")
        print(f"  rapport                                            : {a / o:.2f}× "
              f"(objectif ≤ 1,5×)")
        print(f"  parcours généré de {grand} nœuds, 300 communes ({pages_g} pages) : {g:.2f} s")
        print(f"  Pelican ordinaire, {pages_g} pages Markdown : {go:.2f} s")
        print(f"  rapport                                            : {g / go:.2f}× "
              f"(objectif ≤ 1×)")
        print(f"  contenu de démonstration ({pages_d} pages)         : {d:.2f} s")
        print(f"Premier chargement le plus lourd (gzip, HTML + CSS + JS) : {poids / 1024:.1f} Ko, "
              f"{page} (objectif ≤ 14 Ko)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
