"""Le territoire : ses communes, sa coordination, qui détient chaque compétence, les urgences."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from . import schema
from .erreurs import Rapport, liste, suggestion
from .lecture import DictLigne, charger_yaml

_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_CODE_POSTAL = re.compile(r"^\d{5}$")


def simplifier(nom: str) -> str:
    """Le nom simplifié d'une commune : « La Roche-Bernard » → « la-roche-bernard »."""
    sans_accents = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", sans_accents.lower()).strip("-")


@dataclass
class Competence:
    id: str
    libelle: str
    par_defaut: str | None
    exceptions: dict[str, str]
    ligne: int
    lignes_exceptions: dict[str, int] = field(default_factory=dict)
    ligne_defaut: int | None = None


@dataclass
class Territoire:
    nom: str = ""
    coordination: dict = field(default_factory=dict)
    communes: list[dict] = field(default_factory=list)
    competences: dict[str, Competence] = field(default_factory=dict)
    urgences: list[dict] = field(default_factory=list)
    je_ne_trouve_pas: str | None = None  # le service qui reçoit « Je ne trouve pas… »
    ligne_je_ne_trouve_pas: int | None = None


def _normaliser_insee(valeur) -> str:
    # YAML lit 56143 comme un nombre, et « 01001 » non guillemeté perd son zéro.
    return f"{valeur:05d}" if isinstance(valeur, int) and not isinstance(valeur, bool) else str(valeur)


def lire_territoire(dossier: Path, affiche: str, rapport: Rapport) -> Territoire:
    territoire = Territoire()
    territoire.urgences = _lire_urgences(dossier, affiche, rapport)
    fichier = f"{affiche}/territoire.yaml"
    chemin = dossier / "territoire.yaml"
    if not chemin.exists():
        rapport.ajouter(fichier, None, "le fichier du territoire est absent.",
                        "Créez contenu/territoire.yaml (modèle dans contenu/LISEZMOI.md).")
        return territoire
    donnees = charger_yaml(chemin.read_text(encoding="utf-8"), fichier, rapport)
    if donnees is None:
        return territoire
    if not isinstance(donnees, DictLigne):
        rapport.ajouter(fichier, 1, "le fichier doit contenir des champs « nom: valeur ».",
                        "Voir le modèle dans contenu/LISEZMOI.md.")
        return territoire
    propre = schema.verifier(donnees, schema.CHAMPS_TERRITOIRE, fichier, rapport)
    territoire.nom = propre.get("nom", "")
    if "je_ne_trouve_pas" in propre:
        territoire.je_ne_trouve_pas = propre["je_ne_trouve_pas"]
        territoire.ligne_je_ne_trouve_pas = donnees.ligne_de("je_ne_trouve_pas")
    if isinstance(donnees.get("coordination"), DictLigne):
        territoire.coordination = schema.verifier(
            donnees["coordination"], schema.CHAMPS_COORDINATION, fichier, rapport, "coordination")
        for courriel in territoire.coordination.get("courriels", []):
            if not schema.courriel_valide(str(courriel)):
                rapport.ajouter(fichier, donnees["coordination"].ligne_de("courriels"),
                                f"coordination : « {courriel} » n'est pas une adresse e-mail valide.",
                                "Écrivez des adresses complètes, par exemple "
                                "« coordination@territoire.example.org ».")
    _lire_communes(territoire, donnees.get("communes"), fichier, rapport)
    _lire_competences(territoire, donnees.get("competences"), fichier, rapport)
    return territoire


def _lire_communes(territoire: Territoire, communes, fichier: str, rapport: Rapport) -> None:
    if not isinstance(communes, list):
        return
    vues: dict[str, int] = {}
    for commune in communes:
        if not isinstance(commune, DictLigne):
            rapport.ajouter(fichier, None, "communes : chaque commune doit avoir « insee », "
                            "« nom » et « codes_postaux ».", "Voir contenu/LISEZMOI.md.")
            continue
        propre = schema.verifier(commune, schema.CHAMPS_COMMUNE, fichier, rapport, "commune")
        if "insee" not in propre or "nom" not in propre:
            continue
        insee = _normaliser_insee(commune["insee"])
        if not _INSEE.match(insee):
            rapport.ajouter(fichier, commune.ligne_de("insee"),
                            f"commune : le code INSEE « {insee} » n'est pas valide.",
                            "Un code INSEE a 5 caractères, par exemple « 56143 » (entre guillemets).")
            continue
        if insee in vues:
            rapport.ajouter(fichier, commune.ligne_de("insee"),
                            f"commune : le code INSEE « {insee} » est déjà utilisé ligne {vues[insee]}.",
                            "Chaque commune n'apparaît qu'une fois.")
            continue
        vues[insee] = commune.ligne_de("insee")
        codes = [_normaliser_insee(c) for c in propre.get("codes_postaux", [])]
        for code in codes:
            if not _CODE_POSTAL.match(code):
                rapport.ajouter(fichier, commune.ligne_de("codes_postaux"),
                                f"commune {propre['nom']} : le code postal « {code} » n'est pas valide.",
                                "Un code postal a 5 chiffres, entre guillemets : « 56190 ».")
        territoire.communes.append({"insee": insee, "nom": str(propre["nom"]),
                                    "slug": simplifier(str(propre["nom"])), "codes_postaux": codes})
    slugs: dict[str, str] = {}
    for commune in territoire.communes:
        if commune["slug"] in slugs:
            rapport.ajouter(fichier, vues[commune["insee"]],
                            f"les communes « {slugs[commune['slug']]} » et « {commune['nom']} » "
                            "ont le même nom simplifié.", "Distinguez leurs noms.")
        slugs[commune["slug"]] = commune["nom"]


def _lire_competences(territoire: Territoire, competences, fichier: str, rapport: Rapport) -> None:
    if not isinstance(competences, DictLigne):
        return
    insees = {c["insee"] for c in territoire.communes}
    for nom, valeur in competences.items():
        ligne = competences.ligne_de(nom)
        if not schema.identifiant_valide(nom):
            rapport.ajouter(fichier, ligne, f"le nom de compétence « {nom} » n'est pas valide.",
                            "Utilisez des minuscules, des chiffres et des tirets : « eau-potable ».")
            continue
        if not isinstance(valeur, DictLigne):
            rapport.ajouter(fichier, ligne, f"compétence « {nom} » : elle doit avoir un « libelle » "
                            "et un « par_defaut » ou des « exceptions ».", "Voir contenu/LISEZMOI.md.")
            continue
        propre = schema.verifier(valeur, schema.CHAMPS_COMPETENCE, fichier, rapport,
                                 f"compétence « {nom} »")
        exceptions: dict[str, str] = {}
        lignes: dict[str, int] = {}
        brutes = valeur.get("exceptions")
        if isinstance(brutes, DictLigne):
            for code, gestionnaire in brutes.items():
                insee = _normaliser_insee(code)
                if insee not in insees:
                    conseil = suggestion(insee, insees) or "Utilisez un code de la liste « communes »."
                    rapport.ajouter(fichier, brutes.ligne_de(code),
                                    f"compétence « {nom} » : la commune « {insee} » n'est pas dans "
                                    "le territoire.", conseil)
                    continue
                exceptions[insee] = str(gestionnaire)
                lignes[insee] = brutes.ligne_de(code)
        territoire.competences[nom] = Competence(
            nom, propre.get("libelle", nom), propre.get("par_defaut"), exceptions, ligne,
            lignes, valeur.ligne_de("par_defaut") if "par_defaut" in valeur else None)


def _lire_urgences(dossier: Path, affiche: str, rapport: Rapport) -> list[dict]:
    fichier = f"{affiche}/urgences.yaml"
    chemin = dossier / "urgences.yaml"
    if not chemin.exists():
        rapport.ajouter(fichier, None, "le fichier des numéros d'urgence est absent.",
                        "Créez contenu/urgences.yaml (modèle dans contenu/LISEZMOI.md).")
        return []
    donnees = charger_yaml(chemin.read_text(encoding="utf-8"), fichier, rapport)
    if donnees is None:
        return []
    if not isinstance(donnees, list):
        rapport.ajouter(fichier, 1, "le fichier doit être une liste de numéros.",
                        "Commencez chaque numéro par « - numero: … ».")
        return []
    urgences = []
    for element in donnees:
        if not isinstance(element, DictLigne):
            rapport.ajouter(fichier, None, "chaque urgence doit avoir « numero » et « libelle ».")
            continue
        propre = schema.verifier(element, schema.CHAMPS_URGENCE, fichier, rapport, "urgence")
        if "numero" not in propre:
            continue
        numero = str(propre["numero"])
        tel = schema.telephone(numero)
        if tel is None:
            rapport.ajouter(fichier, element.ligne_de("numero"),
                            f"urgence : « {numero} » n'est pas un numéro valide.",
                            "Écrivez le numéro tel qu'on le compose : « 112 ».")
            continue
        urgences.append({"numero": numero, "libelle": propre.get("libelle", ""),
                         "sms": propre.get("sms", False),
                         "uri": ("sms:" if propre.get("sms") else "tel:") + numero})
    return urgences


def resoudre(competence: Competence, territoire: Territoire, gestionnaires: dict,
             fichier: str, rapport: Rapport) -> dict[str, str]:
    """Pour chaque commune, l'identifiant du service qui détient `competence`."""
    par_commune: dict[str, str] = {}
    for commune in territoire.communes:
        insee = commune["insee"]
        if insee in competence.exceptions:
            gestionnaire, ligne = competence.exceptions[insee], competence.lignes_exceptions[insee]
        elif competence.par_defaut:
            gestionnaire = competence.par_defaut.replace("{commune}", commune["slug"])
            ligne = competence.ligne_defaut
        else:
            rapport.ajouter(fichier, competence.ligne,
                            f"compétence « {competence.id} » : aucun service pour la commune "
                            f"{commune['nom']} ({insee}).",
                            f"Ajoutez un « par_defaut » ou une exception pour « {insee} ».")
            continue
        if gestionnaire not in gestionnaires:
            # Un nom tiré de « par_defaut » n'a pas de faute de frappe : pas de suggestion.
            modele_par_defaut = insee not in competence.exceptions and "{commune}" in (
                competence.par_defaut or "")
            conseil = "" if modele_par_defaut else suggestion(gestionnaire, gestionnaires)
            rapport.ajouter(fichier, ligne,
                            f"compétence « {competence.id} » : pour la commune {commune['nom']} "
                            f"({insee}), le service « {gestionnaire} » n'existe pas.",
                            (conseil + " " if conseil else "")
                            + f"Créez contenu/gestionnaires/{gestionnaire}.md ou corrigez le nom.")
            continue
        par_commune[insee] = gestionnaire
    return par_commune


__all__ = ["Territoire", "Competence", "lire_territoire", "resoudre", "simplifier", "liste"]
