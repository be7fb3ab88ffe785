"""Chercher dans l'index : la moitié Python de l'algorithme de `recherche.js`.

Les deux donnent les mêmes résultats, dans le même ordre (vecteurs partagés :
`tests/arbre/recherche/vecteurs.json`). Pour chaque mot de la requête (`texte.mots`, doublons
retirés) :

1. **les termes qu'il trouve** (les termes de l'index sont des racines) : ses clés
   (`texte.cles`, ses racines) présentes dans l'index, avec la qualité 1 — 0,5 pour une
   racine de 3 lettres au plus, quand ce n'est pas le mot lui-même : « mari » trouve
   « mari » (1) mieux que « marée » (`mar`, 0,5). S'il n'en a
   aucune — et seulement alors, pour qu'un mot bien écrit ne trouve pas ses voisins
   (« route » ne doit pas trouver « rouge ») —, les termes que le mot tapé commence (3
   lettres au moins : « egou » → « egout », qualité 0,6) et ceux à une faute près du mot
   tapé ou de ses racines s'il a 5 lettres ou plus, à deux fautes près s'il en a 8 ou plus
   (lettre en trop, en moins, changée ou deux lettres inversées : « lampadère » →
   « lampadair » ; qualité 0,8 puis 0,6) ;
2. **ce qu'il apporte à chaque page** : le poids du champ le plus fort où l'un de ses
   termes apparaît (libellé 4, mots clés 3, indice 2, texte 1) fois la qualité, multiplié
   par la rareté du mot, ``ln(1 + pages / pages où il apparaît)`` : « trou » compte plus
   que « rue ».

Une page additionne ce qu'apporte chaque mot : plus elle en trouve, mieux elle est classée,
mais aucun mot n'est exigé. Une question compte pour 0,7 : elle ne passe jamais devant une
issue qui trouve aussi bien. Une urgence compte pour 1,1 : à égalité, la sécurité d'abord.
Les égalités gardent l'ordre du parcours.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .texte import RACINE_COURTE, cles, mots, plier

POIDS = (4, 3, 2, 1)  # libellé, mots clés, indice, texte
FACTEURS = {"question": 0.7, "urgence": 1.1}
QUALITE_DEBUT = 0.6
QUALITE_RACINE_COURTE = 0.5  # « mari » trouve « marée » par `mar`, deux fois moins bien que « mari »
QUALITE_FAUTES = (1.0, 0.8, 0.6)  # 0, 1 ou 2 fautes
LIMITE = 8
# Les chiffres des postes d'un index en version 3 (voir `index.py`) : 0-31 pour le dernier
# chiffre d'un entier, 32-63 pour les autres.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
_CHIFFRES = {c: i for i, c in enumerate(ALPHABET)}
_TERMES = re.compile("[A-Z][0-9a-z]*")


@dataclass(frozen=True)
class Resultat:
    """Une page trouvée : de quoi l'afficher (voir `afficher`) et son score."""

    adresse: str
    libelle: str
    chemin: str
    sorte: str
    service: str | None  # le nom du service, s'il est connu (commune connue, ou fixe)
    score: float


def fautes_permises(mot: str) -> int:
    return 2 if len(mot) >= 8 else 1 if len(mot) >= 5 else 0


def distance(a: str, b: str, limite: int) -> int:
    """Distance d'édition entre `a` et `b` (insertion, suppression, substitution, deux
    lettres voisines inversées), ou `limite + 1` dès qu'elle la dépasse."""
    if abs(len(a) - len(b)) > limite:
        return limite + 1
    avant_avant: list[int] = []
    avant = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        ligne = [i] + [0] * len(b)
        minimum = i
        for j in range(1, len(b) + 1):
            cout = 0 if a[i - 1] == b[j - 1] else 1
            valeur = min(avant[j] + 1, ligne[j - 1] + 1, avant[j - 1] + cout)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                valeur = min(valeur, avant_avant[j - 2] + 1)
            ligne[j] = valeur
            minimum = min(minimum, valeur)
        if minimum > limite:
            return limite + 1
        avant_avant, avant = avant, ligne
    return avant[len(b)]


class Index:
    """Un `recherche.json` chargé (voir `index.py` et `fichiers.py`), prêt à chercher.

    `lire(nom)` rend le contenu d'un morceau (« recherche/postes-00-….json ») quand
    `donnees` est la base d'un index découpé : tous sont lus ici, d'un coup (`Index.lire`
    les prend dans le dossier du site). Les versions 2, 3 et 4 se lisent."""

    def __init__(self, donnees: dict, lire: Callable[[str], list] | None = None) -> None:
        self.donnees = donnees
        morceaux = donnees.get("morceaux")
        if morceaux is not None and lire is None:
            raise ValueError("Cet index est découpé en morceaux : donnez de quoi les lire.")
        if morceaux is None:
            self.pages = donnees["pages"]
            postes = donnees["postes"]
        else:
            sortes = [donnees["noms_des_sortes"][_CHIFFRES[c]] for c in donnees["sortes"]]
            pages = [p for nom in morceaux["pages"] for p in lire(nom)]
            if len(pages) != len(sortes):
                raise ValueError(f"{len(sortes)} pages mais {len(pages)} à afficher : l'index "
                                 "et ses morceaux ne sont pas de la même construction.")
            self.pages = [[a, libelle, chemin, sorte, service]
                          for (a, libelle, chemin, service), sorte in zip(pages, sortes, strict=True)]
            postes = [p for _, nom in morceaux["postes"] for p in lire(nom)]
        # Version 4 : les termes par préfixes communs ; 2 et 3 : une liste.
        termes = donnees["termes"]
        self.termes: list[str] = decoder_termes(termes) if isinstance(termes, str) else termes
        if len(postes) != len(self.termes):
            raise ValueError(f"{len(self.termes)} termes mais {len(postes)} postes : "
                             "l'index et ses morceaux ne sont pas de la même construction.")
        # Un index de version 2 (des listes de `page × 4 + champ`) se lit tel quel.
        self.postes: list[list[int]] = [
            decoder_postes(p) if isinstance(p, str) else p for p in postes]
        self.numeros = {terme: i for i, terme in enumerate(self.termes)}
        # Les numéros des termes de chaque longueur : un mot n'est comparé, pour les fautes,
        # qu'aux termes de sa longueur à deux lettres près.
        self.par_longueur: dict[int, list[int]] = {}
        for i, terme in enumerate(self.termes):
            self.par_longueur.setdefault(len(terme), []).append(i)
        self.services: list[str] = donnees["services"]
        self.competences: dict[str, dict[str, int]] = donnees["competences"]
        self.communes = {c[0]: c for c in donnees["communes"]}
        self.vides = frozenset(donnees["mots_vides"])

    @classmethod
    def lire(cls, chemin: Path) -> Index:
        """L'index publié à `chemin` (`recherche.json`), avec ses morceaux s'il en a (leurs
        chemins sont relatifs au dossier de `chemin`, la racine du site)."""
        def morceau(nom: str) -> list:
            return json.loads((chemin.parent / nom).read_text(encoding="utf-8"))

        return cls(json.loads(chemin.read_text(encoding="utf-8")), morceau)

    def termes_trouves(self, mot: str) -> dict[int, float]:
        """{numéro de terme: qualité} pour un mot de la requête (voir l'en-tête)."""
        plie = plier(mot)
        exacts = {self.numeros[c]: 1.0 if c == plie or len(c) > RACINE_COURTE else
                  QUALITE_RACINE_COURTE for c in cles(mot) if c in self.numeros}
        if exacts:
            return exacts
        trouves: dict[int, float] = {}
        if len(plie) >= 3:
            i = bisect.bisect_left(self.termes, plie)
            while i < len(self.termes) and self.termes[i].startswith(plie):
                trouves[i] = QUALITE_DEBUT
                i += 1
        permises = fautes_permises(plie)
        for forme in dict.fromkeys((plie, *cles(mot))) if permises else ():
            for longueur in range(len(forme) - permises, len(forme) + permises + 1):
                for i in self.par_longueur.get(longueur, ()):
                    d = distance(forme, self.termes[i], permises)
                    if d <= permises:
                        trouves[i] = max(trouves.get(i, 0.0), QUALITE_FAUTES[d])
        return trouves

    def chercher(self, requete: str, limite: int = LIMITE) -> list[tuple[int, float]]:
        """[(numéro de page, score)], du plus pertinent au moins pertinent."""
        scores: dict[int, float] = {}
        vus: set[str] = set()
        for mot in mots(requete, self.vides):
            if plier(mot) in vus:
                continue
            vus.add(plier(mot))
            apports: dict[int, float] = {}
            for terme, qualite in self.termes_trouves(mot).items():
                for poste in self.postes[terme]:
                    page, champ = poste >> 2, poste & 3
                    apport = POIDS[champ] * qualite
                    if apport > apports.get(page, 0.0):
                        apports[page] = apport
            if not apports:
                continue
            rarete = math.log(1 + len(self.pages) / len(apports))
            for page, apport in apports.items():
                scores[page] = scores.get(page, 0.0) + rarete * apport
        classes = [(page, _arrondi(score * FACTEURS.get(self.pages[page][3], 1.0)))
                   for page, score in scores.items()]
        classes.sort(key=lambda c: (-c[1], c[0]))
        return classes[:limite]

    def service(self, page: int, insee: str | None) -> str | None:
        """Le nom du service de la page dans la commune `insee` (None s'il en dépend et
        qu'elle est inconnue, ou pour une question)."""
        service = self.pages[page][4]
        if isinstance(service, str):
            numero = self.competences[service].get(insee or "")
            return self.services[numero] if numero is not None else None
        return self.services[service] if service is not None else None

    def adresse(self, page: int, insee: str | None) -> str:
        """L'adresse de la page, celle de la commune quand le service en dépend et qu'elle
        est connue (un clic de moins)."""
        adresse, service = self.pages[page][0], self.pages[page][4]
        if isinstance(service, str) and insee in self.communes:
            return f"{adresse}{self.communes[insee][1]}/"
        return adresse

    def afficher(self, requete: str, insee: str | None = None,
                 limite: int = LIMITE) -> list[Resultat]:
        return [Resultat(self.adresse(p, insee), self.pages[p][1], self.pages[p][2],
                         self.pages[p][3], self.service(p, insee), score)
                for p, score in self.chercher(requete, limite)]


def decoder_postes(texte: str) -> list[int]:
    """Les postes d'un terme en version 3 (voir `index.py`), en `page × 4 + champ`."""
    postes: list[int] = []
    nombre = 0
    page = -1
    for caractere in texte:
        chiffre = _CHIFFRES[caractere]
        if chiffre >= 32:
            nombre = nombre * 32 + chiffre - 32
            continue
        nombre = nombre * 32 + chiffre
        page += (nombre >> 2) + 1
        postes.append(page * 4 + (nombre & 3))
        nombre = 0
    return postes


def decoder_termes(texte: str) -> list[str]:
    """Les termes d'un index en version 4, écrits par préfixes communs (voir
    `fichiers.coder_termes`) : "AabimEe" → ["abim", "abime"]."""
    termes: list[str] = []
    precedent = ""
    for morceau in _TERMES.findall(texte):
        precedent = precedent[: ord(morceau[0]) - 65] + morceau[1:]
        termes.append(precedent)
    return termes


def _arrondi(score: float) -> float:
    """Arrondi au millionième, comme `Math.round` en JavaScript (moitié vers le haut) : les
    logarithmes des deux côtés peuvent différer au dernier bit."""
    return math.floor(score * 1e6 + 0.5) / 1e6
