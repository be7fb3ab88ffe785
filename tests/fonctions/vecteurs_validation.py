"""Les vecteurs partagés du formulaire (`vecteurs_validation.json`) : des champs tels qu'un
téléphone les enverrait, et ce que le serveur en fait (`nettoyer_champs` puis
`verifier_formulaire`, avec les règles d'`arbre.regles`). Le navigateur doit en faire
exactement autant avec `validation.js` et `/regles.json` (tests/navigateur/test_formulaire.py) :
c'est ce qui prouve qu'un signalement gardé hors ligne n'est jamais refusé au retour du
réseau pour une chose que le téléphone pouvait dire.

Les cas sont écrits ici, à la main ; `make regenerer` (ou `python -m
tests.fonctions.vecteurs_validation`) recalcule les sorties : relisez le diff.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fonctions.domaine.regles import Regles
from fonctions.domaine.validation import nettoyer_champs, verifier_formulaire

FICHIER = Path(__file__).with_name("vecteurs_validation.json")

NID = {"photo": "facultative", "raison_photo": None, "localisation": "obligatoire", "questions": [
    {"id": "taille", "libelle": "Quelle est la taille du trou ?", "type": "choix",
     "choix": ["Moins qu'une main", "Comme une assiette", "Plus grand"], "obligatoire": True},
    {"id": "dangereux", "libelle": "Est-ce dangereux ?", "type": "oui-non", "choix": [],
     "obligatoire": False},
    {"id": "repere", "libelle": "Un repère proche ?", "type": "texte", "choix": [],
     "obligatoire": False}]}
LIBRE = {"photo": "facultative", "raison_photo": None, "localisation": "facultative",
         "questions": []}
SANS = {"photo": "non", "raison_photo": None, "localisation": "non", "questions": []}
PHOTO = {"photo": "obligatoire", "raison_photo": "Elle permet d'identifier l'annonceur.",
         "localisation": "facultative", "questions": []}
PHOTO_SANS_RAISON = {**PHOTO, "raison_photo": None}  # un modèle construit avant raison_photo

BASE = {"description": "Un trou profond devant l'école.", "adresse": "12 rue des Écoles",
        "question-taille": "Comme une assiette"}


def cas(nom: str, formulaire: dict, champs: dict, photos: int = 0,
        commune_obligatoire: bool = False) -> dict:
    return {"nom": nom, "formulaire": formulaire, "commune_obligatoire": commune_obligatoire,
            "champs": champs, "photos": photos}


CAS = [
    cas("un signalement complet est accepté", NID, BASE),
    cas("tout ce qui manque est dit d'un coup, dans l'ordre du formulaire", NID,
        {"consentement": "oui", "latitude": "47,5"}, photos=4, commune_obligatoire=True),
    cas("la commune est demandée quand le service en dépend", NID, BASE,
        commune_obligatoire=True),
    cas("une commune choisie suffit", NID, {**BASE, "commune": "56143"}, commune_obligatoire=True),
    cas("une description d'espaces seulement manque", NID, {**BASE, "description": " \t\n "}),
    cas("4 000 caractères passent", NID, {**BASE, "description": "é" * 4000}),
    cas("4 001 caractères, non", NID, {**BASE, "description": "é" * 4001}),
    cas("un emoji compte pour un caractère", NID, {**BASE, "description": "🕳" * 4000}),
    cas("un emoji de trop", NID, {**BASE, "description": "🕳" * 4001}),
    cas("retours chariot et caractères de contrôle sont nettoyés", NID,
        {**BASE, "description": "Trou\x00 profond\r\nici\u00a0!\x85\r"}),
    cas("les espaces insécables des bords sont retirés, pas U+FEFF ni U+200B", NID,
        {**BASE, "description": "\u00a0\u202f\u3000\ufeffTrou\u200b\u2003"}),
    cas("une position suffit sans adresse", NID,
        {**BASE, "adresse": "", "latitude": "47,5512", "longitude": "-2.4801"}),
    cas("une position en notation scientifique", NID,
        {**BASE, "latitude": "4.75e1", "longitude": "-.5"}),
    cas("une latitude sans longitude", NID, {**BASE, "latitude": "47.5"}),
    cas("une longitude sans latitude", NID, {**BASE, "longitude": "2"}),
    cas("une latitude hors bornes", NID, {**BASE, "latitude": "91", "longitude": "2"}),
    cas("nan, infini, hexadécimal et soulignés ne sont pas des nombres", NID,
        {**BASE, "latitude": "0x10", "longitude": "nan"}),
    cas("ni Infinity ni 1_000", NID, {**BASE, "latitude": "Infinity", "longitude": "1_0"}),
    cas("une adresse trop longue", NID, {**BASE, "adresse": "x" * 301}),
    cas("ni adresse ni position", NID, {**BASE, "adresse": "  "}),
    cas("lieu facultatif : rien n'est exigé", LIBRE, {"description": "Un banc cassé."}),
    cas("pas de lieu : ce qui est envoyé est ignoré", SANS,
        {"description": "Un banc cassé.", "adresse": "x" * 400, "latitude": "abc"}),
    cas("une adresse e-mail sans l'accord du service est gardée pour informer", NID,
        {**BASE, "courriel": "lea@exemple.fr", "telephone": "06 12 34 56 78"}),
    cas("avec l'accord, e-mail et téléphone sont gardés", NID,
        {**BASE, "courriel": "lea@exemple.fr", "telephone": "06 12.34-56 (78)",
         "consentement": "oui"}),
    cas("sans l'accord, un téléphone n'est ni vérifié ni gardé", NID,
        {**BASE, "telephone": "appelez-moi"}),
    cas("avec l'accord, un téléphone invalide est dit", NID,
        {**BASE, "telephone": "appelez-moi", "consentement": "on"}),
    cas("l'accord sans coordonnées", NID, {**BASE, "consentement": "true"}),
    cas("l'accord s'écrit de plusieurs façons", NID,
        {**BASE, "telephone": "+33612345678", "consentement": "OUI"}),
    cas("« non » n'est pas un accord", NID,
        {**BASE, "telephone": "+33612345678", "consentement": "non"}),
    cas("une adresse e-mail invalide", NID, {**BASE, "courriel": "lea@"}),
    cas("une espace insécable dans une adresse e-mail", NID,
        {**BASE, "courriel": "lea\u00a0@exemple.fr"}),
    cas("une adresse e-mail de 255 caractères, non", NID,
        {**BASE, "courriel": "a" * 64 + "@" + "b" * 187 + ".fr"}),
    cas("une adresse e-mail de 254 caractères passe", NID,
        {**BASE, "courriel": "a" * 64 + "@" + "b" * 186 + ".fr"}),
    cas("une question obligatoire sans réponse", NID, {**BASE, "question-taille": ""}),
    cas("un choix qui n'est pas proposé", NID, {**BASE, "question-taille": "Immense"}),
    cas("oui-non : ni oui ni non", NID, {**BASE, "question-dangereux": "bof"}),
    cas("oui-non : « Vrai » vaut oui", NID, {**BASE, "question-dangereux": "Vrai"}),
    cas("oui-non : 0 vaut non", NID, {**BASE, "question-dangereux": "0"}),
    cas("une réponse texte de 500 caractères passe", NID, {**BASE, "question-repere": "r" * 500}),
    cas("une réponse texte de 501 caractères, non", NID, {**BASE, "question-repere": "r" * 501}),
    cas("trois photos au plus", LIBRE, {"description": "x"}, photos=4),
    cas("une photo demandée, et pourquoi", PHOTO, {"description": "Des affiches partout."}),
    cas("une photo demandée, jointe", PHOTO, {"description": "Des affiches partout."}, photos=1),
    cas("une photo demandée sans raison écrite (modèle ancien)", PHOTO_SANS_RAISON,
        {"description": "Des affiches."}),
    cas("pas de photo pour ce signalement", SANS, {"description": "x"}, photos=1),
]


def calculer(cas_: list[dict]) -> list[dict]:
    """Chaque cas avec ce que le serveur en fait : ses erreurs et ses valeurs propres."""
    regles = Regles()
    resultats = []
    for un in cas_:
        textes, erreurs = nettoyer_champs(un["champs"])
        assert not erreurs, un["nom"]  # des textes seulement : ce qu'envoie un formulaire
        valeurs, erreurs = verifier_formulaire(regles, un["formulaire"], un["commune_obligatoire"],
                                               textes, un["photos"])
        resultats.append({**{k: un[k] for k in ("nom", "formulaire", "commune_obligatoire",
                                                "champs", "photos")},
                          "erreurs": [{"champ": e.champ, "message": e.message} for e in erreurs],
                          "valeurs": valeurs})
    return resultats


def ecrire(vecteurs: list[dict]) -> None:
    FICHIER.write_text(json.dumps(vecteurs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    ecrire(calculer(CAS))
    print(f"{FICHIER} écrit.", file=sys.stderr)
