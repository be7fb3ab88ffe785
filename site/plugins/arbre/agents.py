"""Ce que lit l'agent d'un service sur la page d'un signalement : `contenu/agents.md`.

Les agents ne sont pas formés à chaque sorte de signalement : la page leur apprend quoi
faire. Trois sources, toutes écrites par l'équipe du contenu :

- `agents.md` : les étapes communes à tous les signalements (le texte sous l'en-tête), les
  messages proposés au citoyen pour chaque bouton (`messages`), les motifs tout prêts de
  « Clore sans suite » et de « Ce n'est pas de notre ressort », et les consignes des
  signalements « Je ne trouve pas mon problème » (`consignes_je_ne_trouve_pas`) ;
- `consignes_agent` d'une issue `transmission` : ce qui est propre à cette sorte de
  signalement ;
- le texte d'un service (`gestionnaires/*.md`) : les consignes de ce service.

Partout où une consigne cite un bouton entre « », elle doit employer **le nom exact du
bouton** (`BOUTONS`) : l'agent le retrouve tel quel sur sa page (« Prendre en charge », pas
« accuser réception »). `verifier_boutons` en fait une erreur de contenu.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path

from . import schema
from .erreurs import Rapport, liste
from .lecture import lire_fichier
from .texte import en_html

FICHIER = "agents.md"

# Les boutons de la page de l'agent, dans leur ordre sur la page : l'action (le statut
# déclaré) → le nom du bouton. Les fonctions (fonctions/points_d_entree/agent.py) les affichent d'ici.
BOUTONS = {
    "pris_en_charge": "Prendre en charge",
    "en_cours": "C'est en cours",
    "programme": "Intervention programmée",
    "resolu": "C'est résolu",
    "message": "Écrire au citoyen",
    "clos": "Clore sans suite",
    "pas_de_notre_ressort": "Ce n'est pas de notre ressort",
}
# Les actions dont `messages` donne le texte proposé (« Écrire au citoyen » part vide).
AVEC_MESSAGE = tuple(a for a in BOUTONS if a != "message")
# Les mots que l'on écrit à la place d'un bouton, et le bouton qu'ils veulent dire.
AUTRES_MOTS = {
    "accuser reception": "pris_en_charge", "accuse de reception": "pris_en_charge",
    "accusez reception": "pris_en_charge", "pris en charge": "pris_en_charge",
    "prise en charge": "pris_en_charge", "en cours": "en_cours",
    "planifie": "programme", "planifiee": "programme", "planifier": "programme",
    "programme": "programme", "programmee": "programme", "prevu": "programme",
    "prevue": "programme", "intervention prevue": "programme",
    "resolu": "resolu", "resolue": "resolu", "regle": "resolu", "repare": "resolu",
    "termine": "resolu", "fait": "resolu",
    "clos": "clos", "close": "clos", "clore": "clos", "cloture": "clos", "cloturee": "clos",
    "cloturer": "clos",
    "classe sans suite": "clos", "sans suite": "clos",
    "pas chez nous": "pas_de_notre_ressort", "pas de notre ressort": "pas_de_notre_ressort",
    "hors competence": "pas_de_notre_ressort", "pas notre competence": "pas_de_notre_ressort",
    "message": "message", "repondre": "message",
}
_CITATION = re.compile(r"«[\s\u00a0\u202f]*([^«»]+?)[\s\u00a0\u202f]*»")

CHAMPS_AGENTS = {c.nom: c for c in (
    schema.Champ("messages", "objet", obligatoire=True),
    schema.Champ("motifs_clos", "textes", obligatoire=True, longueur_max=200),
    schema.Champ("motifs_hors_ressort", "textes", obligatoire=True, longueur_max=200),
    schema.Champ("consignes_je_ne_trouve_pas", "textes", longueur_max=schema.LONGUEUR_CONSIGNE),
)}
CHAMPS_MESSAGES = {a: schema.Champ(a, obligatoire=True, longueur_max=500) for a in AVEC_MESSAGE}


def _plier(texte: str) -> str:
    """Minuscules, sans accents ni apostrophe courbe : pour comparer ce qu'écrit un rédacteur."""
    sans_accents = "".join(c for c in unicodedata.normalize("NFD", texte)
                           if unicodedata.category(c) != "Mn")
    return re.sub(r"\s+", " ", sans_accents.replace("’", "'").lower()).strip()


_NOMS = {_plier(nom): nom for nom in BOUTONS.values()}


def verifier_boutons(texte: str, fichier: str, ligne: int | None, rapport: Rapport) -> None:
    """Chaque « … » de `texte` (une consigne pour les agents) doit être le nom d'un bouton."""
    for citation in _CITATION.findall(texte):
        if _plier(citation) in _NOMS:
            continue
        voulu = AUTRES_MOTS.get(_plier(citation))
        if voulu is None:
            proches = difflib.get_close_matches(_plier(citation), _NOMS, n=1, cutoff=0.6)
            voulu = next((a for a, nom in BOUTONS.items() if proches and
                          _plier(nom) == proches[0]), None)
        conseil = f"Vouliez-vous écrire « {BOUTONS[voulu]} » ? " if voulu else ""
        rapport.ajouter(fichier, ligne,
                        f"« {citation} » n'est pas le nom d'un bouton de la page de l'agent.",
                        conseil + "Entre « », écrivez le nom exact d'un bouton, pour que l'agent "
                        f"le retrouve sur sa page : {liste(BOUTONS.values())}. Pour citer autre "
                        "chose, employez des guillemets droits \"…\".")


def verifier_boutons_du_texte(texte: str, fichier: str, premiere_ligne: int,
                              rapport: Rapport) -> None:
    """`verifier_boutons` pour un texte Markdown qui commence à la ligne `premiere_ligne`."""
    for i, ligne in enumerate(texte.split("\n")):
        verifier_boutons(ligne, fichier, premiere_ligne + i, rapport)


def consignes_en_html(consignes: list[str]) -> list[str]:
    """Chaque consigne en HTML d'une ligne (Markdown en ligne, numéros de téléphone en liens),
    sans le paragraphe qui l'entoure : elle devient un élément de liste."""
    return [en_html(c).removeprefix("<p>").removesuffix("</p>") for c in consignes]


def lire_agents(dossier: Path, affiche: str, rapport: Rapport) -> dict:
    """Le contenu de `agents.md` pour le modèle (clé `agents`, voir docs/modele.md)."""
    fichier = f"{affiche}/{FICHIER}"
    vide = {"etapes_html": "", "messages": {a: "" for a in AVEC_MESSAGE} | {"message": ""},
            "motifs_clos": [], "motifs_hors_ressort": [], "consignes_je_ne_trouve_pas_html": []}
    chemin = dossier / FICHIER
    if not chemin.is_file():
        rapport.ajouter(fichier, None, "ce fichier est absent : il dit aux agents des services "
                        "quoi faire d'un signalement et leur propose les messages au citoyen.",
                        f"Créez {fichier} (voir « Ce que lisent les agents » dans "
                        "contenu/LISEZMOI.md).")
        return vide
    lu = lire_fichier(chemin, fichier, rapport)
    if lu is None:
        return vide
    propre = schema.verifier(lu.entete, CHAMPS_AGENTS, fichier, rapport)
    messages = {}
    if "messages" in propre:
        messages = schema.verifier(propre["messages"], CHAMPS_MESSAGES, fichier, rapport,
                                   "messages")
    if not lu.texte.strip():
        rapport.ajouter(fichier, lu.ligne_texte, "les étapes communes à tous les signalements "
                        "manquent : c'est le texte sous l'en-tête.",
                        "Écrivez sous la ligne « --- » les étapes, une par ligne numérotée "
                        "(« 1. Répondez « Prendre en charge » dès que… »).")
    verifier_boutons_du_texte(lu.texte, fichier, lu.ligne_texte, rapport)
    for champ in ("motifs_clos", "motifs_hors_ressort"):
        if champ in lu.entete and not propre.get(champ) and champ in propre:
            rapport.ajouter(fichier, lu.entete.ligne_de(champ), f"« {champ} » est vide.",
                            "Écrivez au moins un motif, sur une ligne commençant par « - ».")
    je_ne_trouve_pas = propre.get("consignes_je_ne_trouve_pas", [])
    for texte, ligne in zip(je_ne_trouve_pas, getattr(je_ne_trouve_pas, "lignes", []),
                            strict=False):
        verifier_boutons(texte, fichier, ligne, rapport)
    return {
        "etapes_html": en_html(lu.texte),
        "messages": {a: messages.get(a, "") for a in AVEC_MESSAGE} | {"message": ""},
        "motifs_clos": list(propre.get("motifs_clos", [])),
        "motifs_hors_ressort": list(propre.get("motifs_hors_ressort", [])),
        "consignes_je_ne_trouve_pas_html": consignes_en_html(je_ne_trouve_pas),
    }

