"""Lire le parcours « Qui s'en occupe ? » : un dossier est une question, chaque fichier ou
sous-dossier qu'il contient une réponse, dans l'ordre du nombre qui préfixe son nom.

Rend les nœuds (sans résoudre encore les services : voir `modele.py`) et signale les
erreurs de structure : ordre ou adresse en double, fichier inatteignable, renvoi cassé ou
qui boucle.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import schema
from .erreurs import Rapport, suggestion
from .lecture import est_cache, est_une_sauvegarde, lire_fichier
from .texte import en_html

PARTAGES = "_partages"
_NOM = re.compile(r"^(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)(\.md)?$")


class LectureArbre:
    def __init__(self, dossier: Path, affiche: str, rapport: Rapport):
        self.racine = dossier / "arbre"
        self.contenu = affiche  # le dossier du contenu tel qu'affiché dans les messages
        self.affiche = f"{affiche}/arbre"
        self.rapport = rapport
        self.noeuds: dict[str, dict] = {}
        # (dossier qui contient le renvoi, choix, fichier, ligne de « vers », identifiant du renvoi)
        self.renvois: list[tuple[str, dict, str, int, str]] = []

    def lire(self) -> dict[str, dict]:
        if not (self.racine / "index.md").is_file():
            self.rapport.ajouter(f"{self.affiche}/index.md", None,
                                 "la première question du parcours est absente.",
                                 f"Créez {self.affiche}/index.md avec un champ « question ».")
            return {}
        self._lire_dossier(self.racine, "", None, [])
        partages = self.racine / PARTAGES
        if partages.is_dir():
            self._lire_entrees(partages, PARTAGES, None, [""], partage=True)
        self._resoudre_renvois()
        self._signaler_inatteignables()
        return self.noeuds

    # -- lecture --------------------------------------------------------------------------

    def _affiche(self, chemin: Path) -> str:
        return f"{self.affiche}/{chemin.relative_to(self.racine).as_posix()}"

    def _lire_dossier(self, chemin: Path, identifiant: str, parent: str | None,
                      ancetres: list[str]) -> dict | None:
        index = chemin / "index.md"
        fichier = self._affiche(index)
        if not index.is_file():
            self.rapport.ajouter(self._affiche(chemin) + "/", None,
                                 "ce dossier n'a pas de fichier index.md.",
                                 "Un dossier est une question : ajoutez-y un index.md avec "
                                 "« libelle » et « question ».")
            return None
        with self.rapport.sous_cause(f"noeud:{identifiant}"):
            lu = lire_fichier(index, fichier, self.rapport)
        if lu is None:
            return None
        sorte = lu.entete.get("type", "question")
        if sorte != "question":
            self.rapport.ajouter(fichier, lu.entete.ligne_de("type"),
                                 f"le fichier index.md d'un dossier est une question, pas « {sorte} ».",
                                 "Retirez le champ « type », ou faites de cette réponse un fichier "
                                 "et non un dossier.")
        champs = dict(schema.CHAMPS_NOEUD["question"])
        if identifiant == "":
            champs["libelle"] = schema.Champ("libelle", longueur_max=80)
        propre = schema.verifier(lu.entete, champs, fichier, self.rapport)
        noeud = self._noeud(identifiant, "question", propre, lu.texte, self._source(index), parent,
                            ancetres)
        noeud["question"] = propre.get("question", "")
        noeud["choix"] = []
        self.noeuds[identifiant] = noeud
        self._lire_entrees(chemin, identifiant, identifiant, [*ancetres, identifiant])
        if not noeud["choix"]:
            self.rapport.ajouter(fichier, None, "cette question n'a aucune réponse.",
                                 "Ajoutez dans ce dossier au moins un fichier « 10-….md ».")
        return noeud

    def _lire_entrees(self, chemin: Path, identifiant: str, parent: str | None,
                      ancetres: list[str], partage: bool = False) -> None:
        ordres: dict[int, str] = {}
        slugs: dict[str, str] = {}
        choix = self.noeuds[identifiant]["choix"] if identifiant in self.noeuds else []
        for entree in sorted(chemin.iterdir(), key=lambda p: p.name):
            nom = entree.name
            if est_cache(nom) or nom in ("index.md", "LISEZMOI.md") or (
                    identifiant == "" and nom == PARTAGES):
                continue
            fichier = self._affiche(entree) + ("/" if entree.is_dir() else "")
            if entree.is_file() and est_une_sauvegarde(nom):
                self.rapport.noter_ignore(fichier)
                continue
            correspondance = _NOM.match(nom)
            if entree.is_file() and entree.suffix != ".md":
                self.rapport.ajouter(fichier, None, "ce fichier n'est pas lu : seuls les fichiers "
                                     ".md le sont.", "Renommez-le en « .md » ou retirez-le.")
                continue
            if not correspondance or (entree.is_dir() and correspondance.group(3)):
                self.rapport.ajouter(fichier, None, "ce fichier est inatteignable : son nom ne "
                                     "commence pas par un nombre suivi d'un tiret, ou contient "
                                     "des majuscules, des accents ou des espaces.",
                                     "Renommez-le comme « 40-lampadaire-eteint.md » (minuscules, "
                                     "chiffres et tirets).")
                continue
            ordre, slug = int(correspondance.group(1)), correspondance.group(2)
            if identifiant == "" and slug == PARTAGES.lstrip("_"):
                # Les pages de « _partages/ » ont l'adresse /partages/… (et les codes de
                # service Open311 partages.…) : une réponse de premier niveau ne peut la prendre.
                self.rapport.ajouter(fichier, None, "l'adresse « partages » est réservée aux "
                                     "parties partagées du parcours (dossier « _partages/ »).",
                                     "Donnez un autre nom à cette réponse après le nombre.")
                continue
            if ordre in ordres:
                self.rapport.ajouter(fichier, None, f"le nombre {ordre} est déjà pris par "
                                     f"« {ordres[ordre]} » dans le même dossier.",
                                     "Donnez un nombre différent à chaque réponse d'un dossier "
                                     "(10, 20, 30…) pour fixer leur ordre.")
                continue
            ordres[ordre] = nom
            if slug in slugs:
                self.rapport.ajouter(fichier, None, f"l'adresse « {slug} » est déjà prise par "
                                     f"« {slugs[slug]} » dans le même dossier.",
                                     "Deux réponses d'un même dossier doivent avoir des noms "
                                     "différents après le nombre.")
                continue
            slugs[slug] = nom
            enfant_id = f"{identifiant}/{slug}" if identifiant else slug
            if entree.is_dir():
                enfant = self._lire_dossier(entree, enfant_id, parent, ancetres)
            else:
                enfant = self._lire_feuille(entree, enfant_id, parent, ancetres, choix)
            if enfant is not None and not partage:
                choix.append(self._choix(enfant_id, enfant))

    def _lire_feuille(self, chemin: Path, identifiant: str, parent: str | None,
                      ancetres: list[str], choix: list) -> dict | None:
        fichier = self._affiche(chemin)
        with self.rapport.sous_cause(f"noeud:{identifiant}"):
            lu = lire_fichier(chemin, fichier, self.rapport)
        if lu is None:
            return None
        sorte = lu.entete.get("type")
        if sorte is None:
            self.rapport.ajouter(fichier, lu.entete.ligne, "champ obligatoire manquant : « type ».",
                                 "Ajoutez « type: transmission », « orientation », « urgence » "
                                 "ou « renvoi ».")
            return None
        if sorte == "question":
            self.rapport.ajouter(fichier, lu.entete.ligne_de("type"),
                                 "une question doit être un dossier, pas un fichier.",
                                 "Créez un dossier du même nom avec un index.md et ses réponses.")
            return None
        if sorte not in schema.CHAMPS_NOEUD:
            conseil = suggestion(str(sorte), schema.TYPES_NOEUD)
            self.rapport.ajouter(fichier, lu.entete.ligne_de("type"),
                                 f"« type » vaut « {sorte} », qui n'est pas permis.",
                                 (conseil + " " if conseil else "") + "Valeurs possibles : "
                                 "« transmission », « orientation », « urgence », « renvoi ».")
            return None
        propre = schema.verifier(lu.entete, schema.CHAMPS_NOEUD[sorte], fichier, self.rapport)
        if sorte == "renvoi":
            if lu.texte.strip():
                self.rapport.ajouter(fichier, lu.ligne_texte, "un renvoi n'a pas de texte : "
                                     "c'est la page visée qui est affichée.",
                                     "Retirez le texte, ou écrivez-le dans la page visée.")
            if "vers" in propre:
                entree = {"cible": str(propre["vers"]).strip("/"), "libelle": propre.get("libelle", ""),
                          "indice": propre.get("indice"), "mots_cles": propre.get("mots_cles", [])}
                self.renvois.append((parent if parent is not None else "", entree,
                                     fichier, lu.entete.ligne_de("vers"), identifiant))
                choix.append(entree)
            return None
        noeud = self._noeud(identifiant, sorte, propre, lu.texte, self._source(chemin), parent,
                            ancetres)
        noeud["entete"] = propre
        noeud["lignes"] = lu.entete.lignes
        self.noeuds[identifiant] = noeud
        return noeud

    def _source(self, chemin: Path) -> str:
        """Le chemin du fichier dans le dossier du contenu (« arbre/10-voirie/index.md ») : le
        modèle est public, il ne dit rien de la machine qui l'a construit."""
        return f"arbre/{chemin.relative_to(self.racine).as_posix()}"

    @staticmethod
    def _noeud(identifiant, sorte, propre, texte, source, parent, ancetres) -> dict:
        url = "/" + "".join(
            f"{'partages' if s == PARTAGES else s}/" for s in identifiant.split("/") if s)
        libelle = propre.get("libelle", "Accueil" if identifiant == "" else identifiant)
        return {"id": identifiant, "type": sorte, "url": url, "libelle": libelle,
                "titre": propre.get("titre", libelle), "indice": propre.get("indice"),
                "mots_cles": propre.get("mots_cles", []), "texte_html": en_html(texte),
                "parent": parent, "ancetres": list(ancetres), "source": source}

    @staticmethod
    def _choix(cible: str, noeud: dict) -> dict:
        return {"cible": cible, "libelle": noeud["libelle"], "indice": noeud["indice"],
                "mots_cles": noeud["mots_cles"]}

    # -- liens entre nœuds ----------------------------------------------------------------

    def _resoudre_renvois(self) -> None:
        identifiants_renvois = {r[4] for r in self.renvois}
        self.cibles_en_erreur: set[str] = set()
        for _, entree, fichier, ligne, _ in self.renvois:
            cible = entree["cible"]
            if cible in identifiants_renvois:
                self.rapport.ajouter(fichier, ligne, f"ce renvoi vise « {cible} », qui est lui-même "
                                     "un renvoi.", "Visez directement la page finale.")
            elif cible not in self.noeuds and self.rapport.a_une_cause(f"noeud:{cible}"):
                self.rapport.consequence(f"noeud:{cible}", fichier, ligne, f"ce renvoi vise "
                                         f"« {cible} », qui n'existe pas.", "",
                                         quoi=("renvoi", "renvois"), objet="cette page")
            elif cible not in self.noeuds:
                conseil = suggestion(cible, [k for k in self.noeuds if k])
                self.rapport.ajouter(fichier, ligne, f"ce renvoi vise « {cible} », qui n'existe pas.",
                                     (conseil + " " if conseil else "") + "Écrivez le chemin de la "
                                     "page visée sans les nombres, par exemple "
                                     "« _partages/arbre-tombe ».")
            else:
                continue
            self.cibles_en_erreur.add(cible)
            entree["cible"] = None
        self._couper_boucles()
        for noeud in self.noeuds.values():
            if "choix" in noeud:
                noeud["choix"] = [c for c in noeud["choix"] if c["cible"]]

    def _couper_boucles(self) -> None:
        """Parcourt le parcours depuis l'accueil ; un choix qui ramène à une question en cours
        de visite (forcément un renvoi) forme une boucle : il est signalé et retiré."""
        renvois = {id(r[1]): r for r in self.renvois}
        en_cours: list[str] = []
        finis: set[str] = set()

        def visiter(identifiant: str) -> None:
            en_cours.append(identifiant)
            for choix in self.noeuds[identifiant].get("choix", []):
                cible = choix["cible"]
                if cible in en_cours:
                    _, _, fichier, ligne, _ = renvois[id(choix)]
                    boucle = en_cours[en_cours.index(cible):]
                    etapes = " → ".join(self.noeuds[n]["libelle"] for n in [*boucle, cible])
                    self.rapport.ajouter(fichier, ligne, f"ce renvoi vers « {cible} » forme une "
                                         f"boucle : {etapes}.", "Un renvoi ne peut pas mener à "
                                         "une question qui le contient. Visez une autre page.")
                    choix["cible"] = None
                elif cible and cible not in finis and cible in self.noeuds:
                    visiter(cible)
            en_cours.pop()
            finis.add(identifiant)

        if "" in self.noeuds:
            visiter("")

    def _signaler_inatteignables(self) -> None:
        atteints, pile = {""}, [""]
        while pile:
            for choix in self.noeuds.get(pile.pop(), {}).get("choix", []):
                if choix["cible"] and choix["cible"] not in atteints:
                    atteints.add(choix["cible"])
                    pile.append(choix["cible"])
        for identifiant, noeud in self.noeuds.items():
            if identifiant in atteints:
                continue
            parent = noeud["parent"]
            signale = identifiant in self.cibles_en_erreur  # le renvoi fautif l'est déjà
            if not signale and (parent is None or parent in atteints):  # le haut de la partie
                self.rapport.ajouter(f"{self.contenu}/{noeud['source']}", None, "cette page est "
                                     "inatteignable : aucun "
                                     "renvoi ne mène à elle.",
                                     f"Ajoutez un renvoi « vers: {identifiant} » là où elle doit "
                                     "apparaître, ou retirez-la.")
            noeud["inatteignable"] = True
