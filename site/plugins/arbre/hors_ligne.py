"""Le hors-ligne : `sw.js` à la racine du site, avec la liste des fichiers à garder, une
empreinte de chacun et son poids téléchargé (gzip), calculés sur les fichiers réellement
écrits, et la « coquille » : ce qui est gardé même sur une connexion économe (voir
docs/hors-ligne.md).

Il est écrit au signal `finalized`, après tous les générateurs : les fichiers du thème sont
copiés par le générateur de fichiers statiques de Pelican, qui passe en dernier.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from .recherche.fichiers import DOSSIER as DOSSIER_RECHERCHE
from .recherche.fichiers import seuil_de_la_construction

# Pas gardés pour le hors-ligne : le modèle complet (les pages et la recherche suffisent),
# les réglages d'hébergement, le worker lui-même, les grandes icônes, que le navigateur
# ne demande qu'à l'installation (il les garde alors de lui-même), la feuille des pages des
# fonctions, qui ne s'ouvrent qu'en ligne, et les notes (.md) des bibliothèques du thème.
EXCLUS = {"modele.json", "_redirects", "sw.js", "theme/icones/icone-512.png",
          "theme/icones/icone-masquable-512.png", "theme/icones/icone-180.png",
          "theme/css/fonctions.css"}
# La carte du formulaire non plus : sans réseau, ni tuiles ni géocodeur, elle ne servirait à
# rien ; l'adresse écrite et « Utiliser ma position » restent (voir docs/hors-ligne.md).
EXCLUS_CARTE = ("carte.json", "theme/vendor/leaflet/", "theme/js/carte.js",
                "theme/js/geocodeur.js", "theme/js/lieu.js", "theme/css/carte.css")


# La coquille : de quoi ouvrir le site, signaler (le formulaire et « Je ne trouve pas mon
# problème ») et suivre ses signalements sans réseau. Sur une connexion économe (Save-Data,
# 2G, 3G), le worker ne garde d'office qu'elle et les pages ouvertes ; la recherche (son code
# et son index) est gardée à son premier usage, comme une page visitée.
PAGES_COQUILLE = {"/", "/hors-ligne/", "/je-ne-trouve-pas/", "/mes-signalements/", "/suivi/"}
DOSSIERS_COQUILLE = ("/theme/css/", "/theme/icones/", "/theme/js/")
HORS_COQUILLE = ("/theme/js/recherche",)


def empreinte(chemin: Path) -> str:
    return hashlib.sha256(chemin.read_bytes()).hexdigest()[:16]


def poids_telecharge(chemin: Path) -> int:
    """Les octets que coûte le fichier au forfait du téléphone : compressé gzip (niveau 6,
    celui des hébergeurs courants)."""
    return len(gzip.compress(chemin.read_bytes(), 6))


# Les règles du formulaire, que le téléphone applique avant de garder un signalement.
FICHIERS_COQUILLE = {"/manifest.webmanifest", "/regles.json"}


def dans_la_coquille(url: str) -> bool:
    if url in PAGES_COQUILLE or url in FICHIERS_COQUILLE:
        return True
    return url.startswith(DOSSIERS_COQUILLE) and not url.startswith(HORS_COQUILLE)


def adresse(relatif: str) -> str:
    """« a/b/index.html » → « /a/b/ » : l'adresse que l'on visite, pas le fichier."""
    if relatif == "index.html":
        return "/"
    if relatif.endswith("/index.html"):
        return "/" + relatif[: -len("index.html")]
    return "/" + relatif


def fichiers_gardes(sortie: Path, modele: dict) -> list[tuple[str, str, int]]:
    """[(adresse, empreinte, octets gzip)] de tout ce qu'il faut pour parcourir le site hors ligne.

    Les pages « par commune » d'une issue sont exclues : hors ligne, la page de l'issue les
    remplace (voir `pageDeLIssue` dans sw.js et le gabarit commune.html).
    """
    par_commune = {
        f"{n['url']}{c['slug']}/"
        for n in modele["noeuds"].values() if n.get("depend_de_la_commune")
        for c in modele["territoire"]["communes"]
    }
    gardes = []
    for chemin in sorted(p for p in sortie.rglob("*") if p.is_file()):
        relatif = chemin.relative_to(sortie).as_posix()
        url = adresse(relatif)
        if (relatif in EXCLUS or url in par_commune or relatif.endswith((".map", ".md"))
                or relatif.startswith(EXCLUS_CARTE) or relatif.startswith(DOSSIER_FAMILLES)):
            continue
        gardes.append((url, empreinte(chemin), poids_telecharge(chemin)))
    return gardes


def familles_du_parcours(modele: dict) -> set[str]:
    """Les familles : le premier segment de l'adresse des pages du parcours (« voirie » pour
    /voirie/nid-de-poule/), une par choix de l'accueil, plus les branches partagées."""
    return {n["url"].strip("/").split("/")[0] for n in modele["noeuds"].values()
            if n["url"] != "/" and not n.get("inatteignable")}


def famille_de(url: str, familles: set[str]) -> str | None:
    """La famille d'une adresse : /voirie/… et le plan de la famille, /plan-du-site/voirie/."""
    morceaux = url.strip("/").split("/")
    if morceaux[0] == "plan-du-site" and len(morceaux) > 1 and morceaux[1] in familles:
        return morceaux[1]
    return morceaux[0] if morceaux[0] in familles else None


# La recherche : gardée à la première visite avec le complément si son index est compact
# (au plus le seuil de `recherche.fichiers`, 100 Ko gzip par défaut : c'est aussi celui
# au-delà duquel l'index est découpé), sinon à son premier usage, tout entière en arrière-plan
# dès la première recherche (voir sw.js). « /recherche/ » couvre la page et les morceaux.
RECHERCHE = ("/recherche/", "/recherche.json", "/theme/js/recherche", "/theme/vendor/orama-stemmers/")
INDEX = ("/recherche.json", f"/{DOSSIER_RECHERCHE}/")


def poids_de_l_index(fichiers: list[tuple[str, str, int]]) -> int:
    """Les octets gzip de l'index de la recherche : `recherche.json` et ses morceaux."""
    return sum(o for url, _, o in fichiers if url.startswith(INDEX) and url.endswith(".json"))


def repartir(fichiers: list[tuple[str, str, int]], modele: dict):
    """(coquille, complement, autres, familles).

    - la coquille, gardée à la première visite sur toute connexion : de quoi ouvrir le site,
      signaler, suivre, et les questions de premier niveau ;
    - le complément, gardé aussi à la première visite sur une connexion ordinaire : les
      autres fichiers communs (pages d'information, plan du site, 404) et la recherche si son
      index est compact (`recherche.json` et ses morceaux au plus au seuil) ; leur nombre ne
      dépend pas de la taille du parcours (le plan est découpé par famille quand il est grand) ;
    - les autres : la recherche d'un grand parcours, gardée à son premier usage ;
    - chaque famille, gardée à la demande.
    """
    noms = familles_du_parcours(modele)
    premier_niveau = {n["url"] for n in modele["noeuds"].values()
                      if n["url"].count("/") == 2 and not n.get("inatteignable")}
    index = poids_de_l_index(fichiers)
    compact = index <= seuil_de_la_construction()
    # Une famille sans autre fichier que sa question (dans la coquille) a aussi son manifeste :
    # il dit si sa page est une issue « par commune ».
    coquille, complement, autres, familles = [], [], [], {nom: [] for nom in sorted(noms)}
    for fichier in fichiers:
        url = fichier[0]
        if dans_la_coquille(url) or url in premier_niveau:
            coquille.append(fichier)
        elif (famille := famille_de(url, noms)) is not None:
            familles[famille].append(fichier)
        elif url.startswith(RECHERCHE) and not compact:
            autres.append(fichier)
        else:
            complement.append(fichier)
    return coquille, complement, autres, familles


# Le manifeste de chaque famille : ses fichiers, et ses issues « par commune ».
DOSSIER_FAMILLES = "hors-ligne/familles/"


def ecrire_service_worker(pelican) -> None:
    sortie = Path(pelican.output_path)
    if not (sortie / "modele.json").exists():
        return
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    fichiers = fichiers_gardes(sortie, modele)
    coquille, complement, autres, familles = repartir(fichiers, modele)
    par_commune = sorted(n["url"] for n in modele["noeuds"].values()
                         if n.get("depend_de_la_commune"))
    dossier = sortie / DOSSIER_FAMILLES
    if dossier.exists():
        for ancien in dossier.glob("*.json"):
            ancien.unlink()
    dossier.mkdir(parents=True, exist_ok=True)
    resume = {}
    for nom, liste in sorted(familles.items()):
        chemin = dossier / f"{nom}.json"
        chemin.write_text(json.dumps({
            "fichiers": liste,
            "par_commune": [u for u in par_commune if famille_de(u, {nom}) == nom],
        }, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        # [empreinte du manifeste, octets gzip de la famille, nombre de fichiers]
        resume[nom] = [empreinte(chemin), sum(o for _, _, o in liste), len(liste)]
    version = hashlib.sha256(json.dumps(fichiers).encode()).hexdigest()[:16]
    boite = next(e for url, e, _ in fichiers if url == "/theme/js/boite.js")
    env = Environment(loader=FileSystemLoader(Path(pelican.settings["THEME"]) / "templates"),
                      autoescape=False, keep_trailing_newline=True)  # noqa: S701 (JavaScript, valeurs en |tojson)
    texte = env.get_template("sw.js").render(
        version=version,
        coquille=coquille,
        complement=complement,
        autres=autres,
        familles=resume,
        recherche=[url for url, _, _ in fichiers if url.startswith(RECHERCHE)],
        dossier_familles="/" + DOSSIER_FAMILLES,
        boite=f"/theme/js/boite.js?v={boite}",
    )
    (sortie / "sw.js").write_text(texte, encoding="utf-8")
