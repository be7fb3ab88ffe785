"""L'index de la recherche (`recherche.json`) : un extrait du modèle, calculé à la construction.

Pour chaque page du parcours (sauf l'accueil et les pages inatteignables), l'index garde ce
qu'il faut pour l'afficher en résultat — adresse, libellé, chemin (« Propreté › Un dépôt
sauvage »), sorte, service — et, pour chaque **terme**, les pages qui le contiennent avec
le champ où il apparaît. Les termes sont les `cles()` des mots (voir `texte.py`) : leurs
racines, écrites avec et sans accents. Les synonymes de `contenu/synonymes.yaml` sont ajoutés là où
l'un des mots de leur groupe apparaît, comme des mots clés (ou dans le champ de ce mot s'il
est plus faible : l'indice, le texte).

Les champs, du plus fort au plus faible (`moteur.POIDS`) :

0. le libellé et le titre de la page ;
1. ses mots clés, et le libellé et les mots clés des renvois qui mènent à elle ;
2. son indice (l'exemple sous le bouton) et le nom du service quand il ne dépend pas de la
   commune (« GRDF », « SignalConso ») ;
3. son texte, sa question et les libellés des pages au-dessus d'elle.

Ce module calcule l'index ; `fichiers.py` l'écrit, en un seul `recherche.json` ou en une
base et des morceaux (version 4, format en tête de ce module-là). Son contenu ::

    {"version": 4,
     "pages": [[adresse, libellé, chemin, sorte, service], …],   # service : voir ci-dessous
     "services": ["Mairie de Muzillac", …],
     "competences": {"voirie-communale": {"56143": 3, …}, …},     # par commune : n° de service
     "communes": [[insee, nom simplifié, nom], …],
     "mots_vides": ["ai", "au", …],     # ceux de la construction : le navigateur les reprend
     "termes": ["abim", "abime", …],                              # triés
     "postes": ["0g3Ag…", …]}                                      # alignés sur « termes »

Les postes d'un terme (ses pages, croissantes, avec leur champ le plus fort) sont écrits
comme une suite d'entiers ``(page − page précédente − 1) × 4 + champ`` (la première page
comptée depuis −1), chaque entier en chiffres de 5 bits du plus fort au plus faible, un
caractère par chiffre (`ALPHABET`) : les chiffres qui en suivent un autre sont pris dans la
seconde moitié de l'alphabet, le dernier dans la première. C'est l'écriture de la version 3,
que la version 4 garde : sur le parcours généré de 3 031 nœuds, les postes passent de 452 à
295 Ko gzip (ceux de la version 2, une liste de ``page × 4 + champ``, que `moteur.Index` et
`recherche.js` lisent encore).

Le service d'une page est le numéro d'un nom de `services` (il ne dépend pas de la
commune), le nom d'une compétence de `competences` (il en dépend), ou `null` (une question).
"""

from __future__ import annotations

import html
import re

from .moteur import ALPHABET, POIDS
from .texte import MOTS_VIDES, cles, mots

VERSION = 4
CHAMP_SYNONYMES = 1  # celui des mots clés
_BALISE = re.compile(r"<[^>]+>")


def _sans_balises(texte_html: str) -> str:
    return html.unescape(_BALISE.sub(" ", texte_html or ""))


def _cles_du_texte(texte: str) -> set[str]:
    return {cle for mot in mots(texte) for cle in cles(mot)}


class _Synonymes:
    """Chaque groupe de synonymes, et pour chaque terme de groupe les clés qui le trouvent."""

    def __init__(self, groupes: list[list[str]]) -> None:
        self.groupes = []
        for groupe in groupes:
            termes = [[cles(m) for m in mots(terme)] for terme in groupe]
            self.groupes.append([t for t in termes if t])

    def etendre(self, presentes: set[str]) -> set[str]:
        """Les clés de tous les termes d'un groupe dont un terme est présent en entier (chacun
        de ses mots, par l'une de ses clés)."""
        ajout: set[str] = set()
        for groupe in self.groupes:
            if any(all(presentes.intersection(mot) for mot in terme) for terme in groupe):
                ajout.update(cle for terme in groupe for mot in terme for cle in mot)
        return ajout - presentes


def _champs(noeud: dict, noeuds: dict, renvois: dict, service: str | None) -> list[str]:
    chemin = [noeuds[a]["libelle"] for a in noeud["ancetres"][1:]]
    return [
        " ".join([noeud["libelle"], noeud.get("titre") or ""]),
        " ".join([*noeud.get("mots_cles", []), *renvois.get(noeud["id"], [])]),
        " ".join([noeud.get("indice") or "", service or ""]),
        " ".join([_sans_balises(noeud.get("texte_html", "")), noeud.get("question") or "",
                  *chemin]),
    ]


def index_recherche(modele: dict) -> dict:
    noeuds = modele["noeuds"]
    gestionnaires = modele["gestionnaires"]
    synonymes = _Synonymes(modele.get("synonymes", []))
    # Le libellé et les mots clés d'un bouton qui mène à une page (renvoi, ou libellé du
    # choix différent de celui de la page) la font trouver aussi.
    renvois: dict[str, list[str]] = {}
    for parent in noeuds.values():
        for choix in parent.get("choix", []):
            if choix["libelle"] != noeuds[choix["cible"]]["libelle"] or choix["mots_cles"] != \
                    noeuds[choix["cible"]]["mots_cles"]:
                renvois.setdefault(choix["cible"], []).extend(
                    [choix["libelle"], choix.get("indice") or "", *choix["mots_cles"]])
    services: dict[str, int] = {}
    competences: dict[str, dict[str, int]] = {}

    def numero_service(identifiant: str) -> int:
        return services.setdefault(identifiant, len(services))

    pages: list[list] = []
    postes: dict[str, dict[int, int]] = {}
    for noeud in noeuds.values():
        if noeud["id"] == "" or noeud.get("inatteignable"):
            continue
        numero = len(pages)
        service = None
        nom_service = None
        if noeud.get("depend_de_la_commune"):
            service = noeud["competence"]
            competences.setdefault(service, {
                insee: numero_service(g) for insee, g in noeud["gestionnaires_par_commune"].items()})
        elif noeud.get("gestionnaire"):
            service = numero_service(noeud["gestionnaire"])
            nom_service = gestionnaires[noeud["gestionnaire"]]["nom"]
        chemin = " › ".join(noeuds[a]["libelle"] for a in noeud["ancetres"][1:])
        pages.append([noeud["url"], noeud["libelle"], chemin, noeud["type"], service])
        for champ, texte in enumerate(_champs(noeud, noeuds, renvois, nom_service)):
            presentes = _cles_du_texte(texte)
            # Un synonyme compte comme un mot clé (ou moins, s'il vient de l'indice ou du
            # texte) : un libellé garde l'avantage sur un mot qui n'y est pas écrit.
            for cles_, ici in ((presentes, champ),
                               (synonymes.etendre(presentes), max(champ, CHAMP_SYNONYMES))):
                for cle in cles_:
                    pages_du_terme = postes.setdefault(cle, {})
                    if ici < pages_du_terme.get(numero, len(POIDS)):  # le champ le plus fort
                        pages_du_terme[numero] = ici
    termes = sorted(postes)
    return {
        "version": VERSION,
        "pages": pages,
        "services": [gestionnaires[g]["nom"] for g in services],
        "competences": competences,
        "communes": [[c["insee"], c["slug"], c["nom"]] for c in modele["territoire"]["communes"]],
        "mots_vides": sorted(MOTS_VIDES),
        "termes": termes,
        "postes": [coder_postes(sorted(postes[t].items())) for t in termes],
    }


def coder_postes(pages_et_champs: list[tuple[int, int]]) -> str:
    """Les postes d'un terme, [(page, champ)] par pages croissantes, écrits en texte (voir
    l'en-tête ; `moteur.decoder_postes` les relit)."""
    texte: list[str] = []
    precedente = -1
    for page, champ in pages_et_champs:
        nombre = (page - precedente - 1) * 4 + champ
        precedente = page
        chiffres = [ALPHABET[nombre & 31]]
        nombre >>= 5
        while nombre:
            chiffres.append(ALPHABET[32 + (nombre & 31)])
            nombre >>= 5
        texte.extend(reversed(chiffres))
    return "".join(texte)
