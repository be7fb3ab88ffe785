"""Les erreurs de contenu : ce qui ne va pas, où, et comment le corriger.

La validation ne s'arrête jamais à la première erreur : chaque étape ajoute les siennes
au `Rapport`, puis la construction les affiche toutes d'un coup, en français, sans trace
Python. Exemple de sortie ::

    contenu/arbre/10-voirie/20-nid.md, ligne 4 : champ inconnu « libele ».
      → Vouliez-vous écrire « libelle » ?

Une seule faute peut en entraîner des dizaines d'autres (une compétence mal écrite dans
territoire.yaml rend fautive chaque page du parcours qui l'utilise). L'erreur d'origine est
alors une *cause* (`Rapport.sous_cause`) et les autres des *conséquences*
(`Rapport.consequence`) : elles sont résumées en une ligne sous la cause ::

    contenu/territoire.yaml, ligne 60 : compétence « eau-potable » : …
      → Voir contenu/LISEZMOI.md.
      … et 4 pages du parcours qui utilisent cette compétence : corrigez d'abord l'erreur ci-dessus.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

# L'ordre d'affichage suit celui des dépendances : le territoire et les services d'abord,
# dont dépendent les pages du parcours.
_ETAPES = ("territoire.yaml", "urgences.yaml", "gestionnaires/", "arbre/", "pages/")


@dataclass(frozen=True, order=True)
class Erreur:
    fichier: str
    ligne: int | None
    message: str
    conseil: str = ""
    cause: str | None = field(default=None, compare=False)

    def __str__(self) -> str:
        ou = self.fichier if self.ligne is None else f"{self.fichier}, ligne {self.ligne}"
        texte = f"{ou} : {self.message}"
        if self.conseil:
            texte += f"\n  → {self.conseil}"
        return texte


@dataclass(frozen=True)
class Consequence:
    """Une erreur qui ne vient que d'une autre : affichée seule si sa cause n'est pas connue,
    résumée sous sa cause sinon. `quoi` la compte (« page du parcours ») et `objet` dit ce
    qu'elle utilise (« cette compétence »)."""

    cle: str
    erreur: Erreur
    quoi: str
    quoi_pluriel: str
    objet: str
    qui: str  # ce qui est compté : le fichier d'une page, le nom d'une compétence


@dataclass
class Rapport:
    """Accumule les erreurs de toutes les étapes de la lecture du contenu.

    `racine` est le dossier du contenu tel qu'affiché (« contenu ») : il sert à ranger les
    erreurs par étape. `notes` reçoit ce qui n'est pas une erreur mais doit être dit
    (fichiers de sauvegarde ignorés).
    """

    racine: str = ""
    erreurs: list[Erreur] = field(default_factory=list)
    consequences: list[Consequence] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _cause: str | None = None
    _causes: set[str] = field(default_factory=set)

    def ajouter(self, fichier: str, ligne: int | None, message: str, conseil: str = "") -> None:
        self.erreurs.append(Erreur(fichier, ligne, message, conseil, self._cause))
        if self._cause:
            self._causes.add(self._cause)

    @contextmanager
    def sous_cause(self, cle: str):
        """Les erreurs ajoutées dans ce bloc sont des causes possibles de conséquences `cle`."""
        precedente, self._cause = self._cause, cle
        try:
            yield
        finally:
            self._cause = precedente

    def a_une_cause(self, cle: str) -> bool:
        """Vrai si une erreur déjà ajoutée peut expliquer les problèmes liés à `cle`."""
        return cle in self._causes

    def consequence(self, cle: str, fichier: str, ligne: int | None, message: str, conseil: str,
                    quoi: tuple[str, str] = ("page du parcours", "pages du parcours"),
                    objet: str = "", qui: str | None = None) -> None:
        """Une erreur qui découle de la cause `cle` : résumée sous elle si elle est connue
        (`a_une_cause`), affichée telle quelle sinon."""
        self.consequences.append(Consequence(cle, Erreur(fichier, ligne, message, conseil),
                                             quoi[0], quoi[1], objet, qui or fichier))

    def noter_ignore(self, fichier: str) -> None:
        """Un fichier de sauvegarde ou de verrou, laissé de côté : il sera cité dans la note."""
        self.notes.append(fichier)

    def texte_des_notes(self) -> str:
        """« Note : 2 fichiers ignorés … : a, b. », ou une chaîne vide."""
        if not self.notes:
            return ""
        n = len(self.notes)
        quoi = ("1 fichier ignoré (une sauvegarde ou un verrou d'éditeur, qui n'est pas publié)"
                if n == 1 else
                f"{n} fichiers ignorés (des sauvegardes ou verrous d'éditeur, qui ne sont pas publiés)")
        return f"Note : {quoi} : {', '.join(sorted(self.notes))}."

    def __bool__(self) -> bool:
        return bool(self.erreurs or self.consequences)

    def _rang(self, erreur: Erreur) -> tuple:
        relatif = erreur.fichier.removeprefix(self.racine + "/") if self.racine else erreur.fichier
        etape = next((i for i, e in enumerate(_ETAPES) if relatif.startswith(e)), len(_ETAPES))
        return etape, erreur.fichier, erreur.ligne or 0, erreur.message

    def texte(self) -> str:
        resumees: dict[str, list[Consequence]] = defaultdict(list)
        erreurs = set(self.erreurs)
        for consequence in self.consequences:
            if consequence.cle in self._causes:
                resumees[consequence.cle].append(consequence)
            else:
                erreurs.add(consequence.erreur)
        erreurs = sorted(erreurs, key=self._rang)
        derniere = {e.cause: e for e in erreurs if e.cause in resumees}
        blocs = []
        for erreur in erreurs:
            bloc = str(erreur)
            if derniere.get(erreur.cause) is erreur:
                bloc += "\n  " + _resume(resumees[erreur.cause])
            blocs.append(bloc)
        n = len(erreurs)
        titre = f"{n} erreur{'s' if n > 1 else ''} dans le contenu :"
        return "\n\n".join([titre, *blocs])


def _resume(consequences: list[Consequence]) -> str:
    """« … et 4 pages du parcours qui utilisent cette compétence : corrigez d'abord … »."""
    touches: dict[tuple[str, str], set[str]] = defaultdict(set)
    objet = consequences[0].objet
    for c in consequences:
        touches[(c.quoi, c.quoi_pluriel)].add(c.qui)
    parties = [f"{len(t)} {quoi[0] if len(t) == 1 else quoi[1]}" for quoi, t in touches.items()]
    sujet = " et ".join(parties)
    verbe = "utilise" if sum(len(t) for t in touches.values()) == 1 else "utilisent"
    return f"… et {sujet} qui {verbe} {objet} : corrigez d'abord l'erreur ci-dessus."


class ErreursContenu(Exception):
    """Levée quand le contenu a des erreurs ; son message les liste toutes."""

    exitcode = 1

    def __init__(self, rapport: Rapport):
        self.rapport = rapport
        super().__init__(rapport.texte())


def suggestion(mot: str, possibles: list[str] | set[str] | dict) -> str:
    """« Vouliez-vous écrire … ? » pour le mot connu le plus proche, ou une chaîne vide."""
    proches = difflib.get_close_matches(mot, sorted(possibles), n=1, cutoff=0.6)
    return f"Vouliez-vous écrire « {proches[0]} » ?" if proches else ""


def liste(mots) -> str:
    return ", ".join(f"« {m} »" for m in mots)
