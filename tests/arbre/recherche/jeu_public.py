"""Le jeu public de requêtes de citoyens (`requetes.yaml`, règles dans `LISEZMOI.md`) et le
juge qui dit si une requête est **trouvée** : l'une des trois premières pages est une issue
qui mène au bon service pour la commune de la personne, ou au bon canal national ou
d'urgence. Les tests (serveur et navigateur) et `make bench` (bench/recherche.py) s'en
servent ; le juge ne connaît que le modèle, jamais le moteur.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

ICI = Path(__file__).resolve().parent
REQUETES = ICI / "requetes.yaml"
ORIGINAL = ICI.parents[3] / "shared" / "recherche" / "requetes.yaml"
OBJECTIF = 0.90
ISSUES = ("transmission", "orientation", "urgence")


@dataclass(frozen=True)
class Requete:
    id: str
    texte: str
    commune: str
    insee: str
    attendu: tuple[str, ...]
    canal: tuple[str, ...]


def lire_requetes(chemin: Path = REQUETES) -> list[Requete]:
    entrees = yaml.safe_load(chemin.read_text(encoding="utf-8"))
    return [Requete(e["id"], e["texte"], e["commune"], str(e["insee"]), tuple(e["attendu"]),
                    tuple(str(c) for c in e.get("canal", []))) for e in entrees]


def _mots(texte: str) -> str:
    """Sans casse, sans accents, sans apostrophes : des mots entiers séparés d'espaces."""
    plie = unicodedata.normalize("NFKD", texte.casefold()).encode("ascii", "ignore").decode()
    return " " + " ".join(re.findall(r"[a-z0-9]+", plie)) + " "


def _chiffres(texte: str | None) -> str:
    return re.sub(r"\D", "", texte or "")


class Juge:
    def __init__(self, modele: dict) -> None:
        self.modele = modele
        self.par_adresse = {n["url"]: n for n in modele["noeuds"].values()}

    def noeud(self, adresse: str) -> dict:
        """Le nœud d'une adresse de résultat, celle d'une commune comprise (« …/muzillac/ »)."""
        if adresse in self.par_adresse:
            return self.par_adresse[adresse]
        return self.par_adresse[adresse.rstrip("/").rsplit("/", 1)[0] + "/"]

    def convient(self, noeud: dict, requete: Requete) -> bool:
        if noeud["type"] not in ISSUES:
            return False
        numeros = [c for c in requete.canal if c.isdigit()]
        noms = [c for c in requete.canal if not c.isdigit()]
        if noeud["type"] == "urgence":
            return any(n in numeros for n in noeud.get("numeros", []))
        identifiant = noeud["gestionnaires_par_commune"].get(requete.insee) or noeud.get(
            "gestionnaire")
        gestionnaire = self.modele["gestionnaires"][identifiant]
        nature = gestionnaire["nature"]
        if nature in requete.attendu and nature not in ("plateforme-nationale", "urgence"):
            return True
        if nature == "plateforme-nationale" and "plateforme-nationale" in requete.attendu:
            nom = _mots(gestionnaire["nom"])
            if any(_mots(n) in nom for n in noms):
                return True
            return bool(gestionnaire.get("telephone")) and _chiffres(
                gestionnaire["telephone"]) in numeros
        return False

    def trouvee(self, adresses: list[str], requete: Requete) -> bool:
        return any(self.convient(self.noeud(a), requete) for a in adresses[:3])


@dataclass
class Bilan:
    trouvees: int
    total: int
    sans_resultat: list[str]
    manquees: list[str]  # une ligne lisible par requête manquée

    @property
    def taux(self) -> float:
        return self.trouvees / self.total

    def texte(self) -> str:
        lignes = [f"{self.trouvees}/{self.total} requêtes trouvées ({self.taux:.0%}), "
                  f"{len(self.sans_resultat)} sans aucun résultat."]
        return "\n".join([*lignes, *self.manquees])


def evaluer(modele: dict, resultats: dict[str, list[str]],
            requetes: list[Requete] | None = None) -> Bilan:
    """`resultats` : pour chaque id de requête, les adresses trouvées dans l'ordre."""
    juge = Juge(modele)
    requetes = requetes or lire_requetes()
    trouvees, sans, manquees = 0, [], []
    for r in requetes:
        adresses = resultats[r.id]
        if not adresses:
            sans.append(r.id)
        if juge.trouvee(adresses, r):
            trouvees += 1
        else:
            premiers = " | ".join(juge.noeud(a)["libelle"] for a in adresses[:3]) or "aucun"
            manquees.append(f"  {r.id} « {r.texte} » ({r.commune}, attendu "
                            f"{', '.join(r.attendu + r.canal)}) → {premiers}")
    return Bilan(trouvees, len(requetes), sans, manquees)
