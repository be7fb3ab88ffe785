"""Le modèle d'aiguillage construit par le site (``modele.json``, voir docs/modele.md).

Les fonctions ne recalculent jamais l'aiguillage : elles lisent
``noeuds[noeud].gestionnaires_par_commune[insee]`` (ou ``gestionnaire``), comme le site.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from arbre.recherche.moteur import Index
from fonctions.domaine.regles import Regles
from fonctions.domaine.statuts import CODE_COORDINATION

journal = logging.getLogger("aiguillage.modele")
VERSIONS_CONNUES = {1}
# Secondes entre deux regards sur la date du fichier : un ``stat`` par signalement reçu
# coûtait plus que la lecture de sa description.
INTERVALLE_DE_VERIFICATION = 1.0


class ErreurModele(Exception):
    """Le modèle est introuvable ou illisible ; le message dit quoi faire, en français."""


class Modele:
    """Un modèle chargé, en lecture seule."""

    def __init__(self, donnees: dict[str, Any]) -> None:
        if donnees.get("version") not in VERSIONS_CONNUES:
            raise ErreurModele(
                f"Version de modèle inconnue ({donnees.get('version')!r}) : "
                "reconstruisez le site avec la même version d'Aiguillage."
            )
        self.donnees = donnees
        self.empreinte: str = donnees.get("empreinte", "")
        self.territoire: dict[str, Any] = donnees["territoire"]
        self.gestionnaires: dict[str, dict[str, Any]] = donnees["gestionnaires"]
        self.noeuds: dict[str, dict[str, Any]] = donnees["noeuds"]
        self.communes = {c["insee"]: c for c in self.territoire["communes"]}
        # « Je ne trouve pas mon problème » : une issue hors de l'arbre (absente d'un modèle
        # construit avant elle).
        self.je_ne_trouve_pas: dict[str, Any] | None = donnees.get("je_ne_trouve_pas")
        # Ce que lit l'agent : étapes, messages proposés, motifs (contenu/agents.md).
        self.agents: dict[str, Any] = donnees["agents"]
        self._parcours: dict[str, list[tuple[str, str]]] = {}  # par issue, calculé une fois
        # Les règles du formulaire, les mêmes que celles du téléphone (absentes d'un modèle
        # construit avant elles : celles d'arbre.regles).
        self.regles = Regles(donnees.get("regles"))
        # Les gabarits du site les lisent dans le modèle (modele.regles) : un modèle d'avant
        # les reçoit, pour que les fonctions rendent aussi son formulaire.
        donnees.setdefault("regles", self.regles.brutes)

    def noeud(self, identifiant: str) -> dict[str, Any] | None:
        """L'issue ou la question ``identifiant``, l'issue « Je ne trouve pas » comprise."""
        noeud = self.noeuds.get(identifiant)
        if noeud is None and self.je_ne_trouve_pas and identifiant == self.je_ne_trouve_pas["id"]:
            return self.je_ne_trouve_pas
        return noeud

    def message_propose(self, action: str) -> str:
        """Le message au citoyen que la page de l'agent propose pour ``action`` (et qui part
        quand l'agent, ou l'outil du service, n'en écrit pas)."""
        return self.agents["messages"].get(action, "")

    def consignes_agent(self, noeud: dict[str, Any]) -> list[str]:
        """Les consignes (HTML, une par étape) propres à l'issue d'un signalement ;
        ``noeud`` est celui que garde le signalement (``id``, ``hors_parcours``). Une issue
        retirée du contenu depuis n'en a plus."""
        actuel = self.noeud(noeud.get("id") or "")
        return list((actuel or {}).get("consignes_agent_html") or [])

    def commune(self, insee: str) -> dict[str, Any] | None:
        return self.communes.get(insee)

    def gestionnaire(self, identifiant: str) -> dict[str, Any] | None:
        return self.gestionnaires.get(identifiant)

    def gestionnaire_de(self, noeud: dict[str, Any], insee: str | None) -> dict[str, Any] | None:
        """Le service qui traite ``noeud`` dans la commune ``insee`` — une simple lecture.

        Une issue ``a_la_coordination`` (« Je ne trouve pas mon problème » sans service nommé
        par le territoire) rend la coordination, sous la forme d'un service sans canal dont
        l'identifiant est ``CODE_COORDINATION`` : elle ne transmet pas, elle oriente."""
        if noeud.get("a_la_coordination"):
            return self.coordination_comme_service()
        if noeud.get("depend_de_la_commune"):
            identifiant = (noeud.get("gestionnaires_par_commune") or {}).get(insee or "")
        else:
            identifiant = noeud.get("gestionnaire")
            if identifiant is None and insee:
                identifiant = (noeud.get("gestionnaires_par_commune") or {}).get(insee)
        return self.gestionnaires.get(identifiant) if identifiant else None

    def parcours(self, noeud: dict[str, Any]) -> list[dict[str, str]]:
        """Les questions posées au citoyen et ses réponses, de la racine à l'issue.

        >>> # [{"question": "Qu'avez-vous constaté ?", "reponse": "La rue, le trottoir"}, …]

        Une liste neuve à chaque appel (elle part dans un signalement), d'étapes calculées
        une fois par issue : c'est sur le chemin de chaque signalement reçu.
        """
        etapes = self._parcours.get(noeud["id"])
        if etapes is None:
            chemin = [self.noeuds.get(i) for i in noeud.get("ancetres", [])] + [noeud]
            etapes = self._parcours[noeud["id"]] = [
                (avant.get("question") or avant.get("titre") or "", apres["libelle"])
                for avant, apres in zip(chemin, chemin[1:], strict=False)
                if avant is not None
            ]
        return [{"question": question, "reponse": reponse} for question, reponse in etapes]

    def coordination_comme_service(self) -> dict[str, Any]:
        nom = (self.territoire.get("coordination") or {}).get("nom") or "La coordination"
        return {"id": CODE_COORDINATION, "nom": nom, "transmission": {"canal": None},
                "delai_prise_en_charge": None, "telephone": None, "site": None}

    @property
    def coordination_courriels(self) -> list[str]:
        return list((self.territoire.get("coordination") or {}).get("courriels") or [])


def charger_modele(chemin: Path) -> Modele:
    try:
        texte = Path(chemin).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ErreurModele(
            f"Le modèle {chemin} est introuvable : construisez le site (make construire) "
            "ou indiquez son chemin dans AIGUILLAGE_MODELE."
        ) from None
    try:
        donnees = json.loads(texte)
    except ValueError as erreur:
        raise ErreurModele(f"Le modèle {chemin} n'est pas un JSON valide : {erreur}.") from None
    try:
        return Modele(donnees)
    except (KeyError, TypeError) as erreur:
        raise ErreurModele(f"Le modèle {chemin} est incomplet : il manque {erreur}.") from None


class SourceModele:
    """Le modèle courant : rechargé quand le site est reconstruit (date du fichier changée).

    Un modèle devenu illisible est signalé dans le journal ; l'ancien reste en service.
    La date du fichier est regardée au plus une fois par ``intervalle`` secondes.
    """

    def __init__(self, chemin: Path, modele: Modele | None = None, *,
                 intervalle: float = INTERVALLE_DE_VERIFICATION) -> None:
        self.chemin = Path(chemin)
        self._verrou = threading.Lock()
        self._intervalle = intervalle
        self._prochain_regard = time.monotonic() + intervalle
        self._signature = self._lire_signature()
        self._modele = modele or charger_modele(self.chemin)
        self._recherche: tuple[Modele, Index] | None = None

    def _lire_signature(self) -> tuple[int, int] | None:
        try:
            etat = os.stat(self.chemin)
        except OSError:
            return None
        return etat.st_mtime_ns, etat.st_size

    def actuel(self) -> Modele:
        maintenant = time.monotonic()
        if maintenant < self._prochain_regard:
            return self._modele
        self._prochain_regard = maintenant + self._intervalle
        signature = self._lire_signature()
        if signature is not None and signature != self._signature:
            with self._verrou:
                if signature != self._signature:
                    self._signature = signature
                    try:
                        self._modele = charger_modele(self.chemin)
                        journal.info("Modèle rechargé (%s).", self._modele.empreinte[:12])
                    except ErreurModele as erreur:
                        journal.error("%s L'ancien modèle reste en service.", erreur)
        return self._modele

    def recherche(self) -> Index:
        """L'index de recherche construit avec le modèle actuel (``recherche.json``, à côté de
        ``modele.json``, avec ses morceaux s'il est découpé), lu une fois par modèle."""
        modele = self.actuel()
        if self._recherche is None or self._recherche[0] is not modele:
            chemin = self.chemin.with_name("recherche.json")
            try:
                index = Index.lire(chemin)
            except (OSError, ValueError, KeyError, TypeError) as erreur:
                raise ErreurModele(f"L'index de recherche {chemin} est illisible ({erreur}) : "
                                   "reconstruisez le site (make construire).") from None
            self._recherche = (modele, index)
        return self._recherche[1]
