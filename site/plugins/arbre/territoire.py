"""Le territoire : ses communes, sa coordination, qui détient chaque compétence, les urgences.

Les communes sont vérifiées contre la liste officielle (`communes_officielles.py`) : un code
INSEE inconnu, ou celui d'une autre commune, est une erreur, comme un code postal qui n'est
pas celui de la commune. Les codes sont du texte : écrits sans guillemets, YAML y lirait des
nombres (`01053` deviendrait 555), ils sont refusés avec la correction à faire.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from . import schema
from .communes_officielles import communes as communes_officielles
from .erreurs import Rapport, liste, suggestion
from .francais import de_la_commune, fautes_d_elision
from .lecture import DictLigne, TexteLu, charger_yaml, lire_texte, nombre_de_yaml

_INSEE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
_CODE_POSTAL = re.compile(r"^\d{5}$")
CAUSE_TERRITOIRE = "territoire"
CAUSE_URGENCES = "urgences"


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
    # Nom et type de nom INSEE (TNCC) de chaque commune, pour écrire « d'Ambon », « du Guerno ».
    noms_officiels: list[tuple[str, int | None]] = field(default_factory=list)
    je_ne_trouve_pas: str | None = None  # le service qui reçoit « Je ne trouve pas… »
    ligne_je_ne_trouve_pas: int | None = None


def code_sans_guillemets(valeur, quoi: str, ecrire: str) -> tuple[str, str] | None:
    """(message, conseil) si le code `valeur` est écrit sans guillemets et que YAML y lit un
    nombre ; `ecrire` est la ligne corrigée à proposer (« insee: "01053" »)."""
    if not nombre_de_yaml(valeur):
        return None
    if isinstance(valeur.yaml, int) and str(valeur.yaml) != str(valeur).lstrip("+").replace("_", ""):
        lu = (f"YAML y lit le nombre {valeur.yaml} (un zéro au début en fait un nombre en base 8, "
              "ce qui fausse les codes des départements 01 à 09)")
    else:
        lu = "YAML y lit un nombre, pas un code"
    return (f"{quoi} {valeur} est écrit sans guillemets : {lu}.",
            f"Les codes sont du texte : écrivez « {ecrire} ».")


def lire_territoire(dossier: Path, affiche: str, rapport: Rapport) -> Territoire:
    territoire = Territoire()
    territoire.urgences = _lire_urgences(dossier, affiche, rapport)
    fichier = f"{affiche}/territoire.yaml"
    chemin = dossier / "territoire.yaml"
    with rapport.sous_cause(CAUSE_TERRITOIRE):
        if not chemin.exists():
            rapport.ajouter(fichier, None, "le fichier du territoire est absent.",
                            "Créez contenu/territoire.yaml (modèle dans contenu/LISEZMOI.md).")
            return territoire
        texte = lire_texte(chemin, fichier, rapport)
        donnees = None if texte is None else charger_yaml(texte, fichier, rapport)
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
    noms = territoire.noms_officiels
    verifier_elision(territoire.nom, "nom", fichier, donnees.ligne_de("nom"), rapport, noms)
    if isinstance(donnees.get("coordination"), DictLigne):
        verifier_elision(territoire.coordination.get("nom", ""), "coordination : « nom »", fichier,
                         donnees["coordination"].ligne_de("nom"), rapport, noms)
    _lire_competences(territoire, donnees.get("competences"), fichier, rapport)
    return territoire


def verifier_elision(nom: str, champ: str, fichier: str, ligne: int, rapport: Rapport,
                     communes=()) -> None:
    """« Mairie de Ambon » : l'erreur, avec le nom correctement écrit. Une commune nommée
    après « de » ou « à », du territoire (`communes`) ou non, suit son type de nom INSEE."""
    fautes = fautes_d_elision(nom, [*communes, *_communes_citees(nom)])
    if fautes:
        corrections = ", ".join(f"« {f.correct} » et non « {f.ecrit} »" for f in fautes)
        rapport.ajouter(fichier, ligne, f"{champ} : « {nom} » ne s'écrit pas ainsi ({corrections}).",
                        f"Écrivez « {fautes[0].corrige} ».")


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
        nom, insee = str(propre["nom"]), commune["insee"]
        ligne = commune.ligne_de("insee")
        refus = code_sans_guillemets(insee, "le code INSEE", f'insee: "{insee}"')
        if refus:
            rapport.ajouter(fichier, ligne, f"commune {nom} : {refus[0]}", refus[1])
            _codes_postaux(commune, nom, None, fichier, rapport)  # leurs guillemets aussi
            continue
        insee = str(insee)
        if not _INSEE.match(insee):
            rapport.ajouter(fichier, ligne,
                            f"commune {nom} : le code INSEE « {insee} » n'est pas valide.",
                            "Un code INSEE a 5 caractères, entre guillemets : « 56143 ».")
            continue
        if insee in vues:
            rapport.ajouter(fichier, ligne,
                            f"commune {nom} : le code INSEE « {insee} » est déjà utilisé ligne "
                            f"{vues[insee]}.", "Chaque commune n'apparaît qu'une fois.")
            continue
        vues[insee] = ligne
        with rapport.sous_cause(f"commune:{insee}"):
            officielle = _verifier_officielle(insee, nom, ligne, fichier, rapport)
        if officielle is None:
            continue  # ses services ne sont pas cherchés : l'erreur ci-dessus suffit
        codes = _codes_postaux(commune, nom, officielle, fichier, rapport)
        territoire.communes.append({"insee": insee, "nom": nom, "slug": simplifier(nom),
                                    "codes_postaux": codes})
        territoire.noms_officiels.append((nom, officielle.tncc))
    slugs: dict[str, str] = {}
    for commune in territoire.communes:
        if commune["slug"] in slugs:
            rapport.ajouter(fichier, vues[commune["insee"]],
                            f"les communes « {slugs[commune['slug']]} » et « {commune['nom']} » "
                            "ont le même nom simplifié.", "Distinguez leurs noms.")
        slugs[commune["slug"]] = commune["nom"]


@cache
def _par_nom_simplifie() -> dict[str, list]:
    """Les communes officielles par nom simplifié (il y a 17 « Saint-Martin »…)."""
    index = defaultdict(list)
    for commune in communes_officielles().values():
        index[simplifier(commune.nom)].append(commune)
    return index


@cache
def _types_de_nom() -> dict[str, int | None]:
    """Le type de nom INSEE de chaque nom de commune (None si des homonymes diffèrent)."""
    types: dict[str, set] = defaultdict(set)
    for commune in communes_officielles().values():
        types[commune.nom].add(commune.tncc)
    return {nom: next(iter(t)) if len(t) == 1 else None for nom, t in types.items()}


def _communes_citees(nom: str) -> list[tuple[str, int | None]]:
    """Les noms de commune officiels écrits après « de » ou « à » dans `nom` (« Mairie de
    Hennebont » → [("Hennebont", 1)]), pour dire « d'Hennebont » même hors du territoire."""
    citees = []
    for suite in re.finditer(r"(?:^|\s)(?:[dD]e|[àÀ]) (\S+(?: \S+){0,3})", nom):
        mots = suite.group(1).rstrip(".,;:)").split(" ")
        for n in range(len(mots), 0, -1):
            candidat = " ".join(mots[:n]).rstrip(".,;:)")
            if _types_de_nom().get(candidat) is not None:
                citees.append((candidat, _types_de_nom()[candidat]))
                break
    return citees


def _meme_nom(a: str, b: str) -> bool:
    return a.replace("’", "'").strip() == b


def _verifier_officielle(insee: str, nom: str, ligne: int, fichier: str, rapport: Rapport):
    """La commune officielle de code `insee` si c'est bien `nom` ; sinon une erreur et None."""
    officielle = communes_officielles().get(insee)
    if officielle and _meme_nom(nom, officielle.nom):
        return officielle
    homonymes = sorted(_par_nom_simplifie().get(simplifier(nom), []),
                       key=lambda c: (c.insee[:2] != insee[:2], c.insee))
    codes = " ou ".join(f"« {c.insee} »" for c in homonymes[:3])
    if officielle is None:
        rapport.ajouter(fichier, ligne, f"commune {nom} : le code INSEE « {insee} » n'existe pas "
                        "dans la liste officielle des communes.",
                        f"Le code {de_la_commune(homonymes[0].nom, homonymes[0].tncc)} est {codes}."
                        if homonymes else
                        "Recopiez le code depuis la liste officielle de l'INSEE (code officiel "
                        "géographique) ; ce n'est pas le code postal.")
        return None
    proches = difflib.SequenceMatcher(None, simplifier(nom), simplifier(officielle.nom)).ratio()
    meme_nom = simplifier(nom) == simplifier(officielle.nom)
    if meme_nom or (not homonymes and proches >= 0.8):  # « Peaule », « Muzilac » : mal écrit
        rapport.ajouter(fichier, ligne, f"commune {nom} : le nom officiel de la commune « {insee} » "
                        f"s'écrit « {officielle.nom} ».",
                        f"Écrivez « nom: {officielle.nom} ».")
        return None
    celui = de_la_commune(officielle.nom, officielle.tncc)
    conseil = (f"Le code {de_la_commune(homonymes[0].nom, homonymes[0].tncc)} est {codes}."
               if homonymes else "Vérifiez le nom et le code de la commune dans la liste "
               "officielle de l'INSEE.")
    rapport.ajouter(fichier, ligne, f"commune {nom} : le code INSEE « {insee} » est celui {celui}, "
                    f"pas {de_la_commune(nom, homonymes[0].tncc if homonymes else None)}.", conseil)
    return None


def _codes_postaux(commune: DictLigne, nom: str, officielle, fichier: str,
                   rapport: Rapport) -> list[str]:
    codes = []
    ligne = commune.ligne_de("codes_postaux")
    brut = commune.get("codes_postaux")
    ecrits = [c for c in brut if isinstance(c, str)] if isinstance(brut, list) else []
    corrige = "codes_postaux: [" + ", ".join(f'"{c}"' for c in ecrits) + "]"
    for code in ecrits:  # un élément qui n'est pas un texte a déjà été signalé
        refus = code_sans_guillemets(code, "le code postal", corrige)
        if refus:
            rapport.ajouter(fichier, ligne, f"commune {nom} : {refus[0]}", refus[1])
            continue
        if not _CODE_POSTAL.match(code):
            rapport.ajouter(fichier, ligne, f"commune {nom} : le code postal « {code} » n'est pas "
                            "valide.", "Un code postal a 5 chiffres, entre guillemets : « 56190 ».")
            continue
        if officielle and officielle.codes_postaux and code not in officielle.codes_postaux:
            rapport.ajouter(fichier, ligne, f"commune {nom} : « {code} » n'est pas un code postal "
                            f"{de_la_commune(officielle.nom, officielle.tncc)}.",
                            f"Ses codes postaux sont : {liste(officielle.codes_postaux)}.")
            continue
        codes.append(code)
    return codes


def _lire_competences(territoire: Territoire, competences, fichier: str, rapport: Rapport) -> None:
    if not isinstance(competences, DictLigne):
        return
    insees = {c["insee"] for c in territoire.communes}
    for nom, valeur in competences.items():
        ligne = competences.ligne_de(nom)
        if not schema.identifiant_valide(nom):
            with rapport.sous_cause(f"competence:{nom}"):
                rapport.ajouter(fichier, ligne, f"le nom de compétence « {nom} » n'est pas valide.",
                                "Utilisez des minuscules, des chiffres et des tirets : "
                                "« eau-potable ».")
            continue
        if not isinstance(valeur, DictLigne):
            with rapport.sous_cause(f"competence:{nom}"):
                rapport.ajouter(fichier, ligne, f"compétence « {nom} » : elle doit avoir un "
                                "« libelle » et un « par_defaut » ou des « exceptions », en retrait "
                                "sur les lignes suivantes.", "Voir contenu/LISEZMOI.md.")
            continue
        propre = schema.verifier(valeur, schema.CHAMPS_COMPETENCE, fichier, rapport,
                                 f"compétence « {nom} »")
        exceptions: dict[str, str] = {}
        lignes: dict[str, int] = {}
        brutes = valeur.get("exceptions")
        if isinstance(brutes, DictLigne):
            for code, gestionnaire in brutes.items():
                refus = code_sans_guillemets(code, "le code INSEE",
                                             f'"{code}": {gestionnaire}')
                if refus:
                    rapport.ajouter(fichier, brutes.ligne_de(code),
                                    f"compétence « {nom} » : {refus[0]}", refus[1])
                    continue
                insee = str(code)
                if insee not in insees and rapport.a_une_cause(f"commune:{insee}"):
                    continue  # la commune elle-même est en erreur, et signalée
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
    with rapport.sous_cause(CAUSE_URGENCES):
        if not chemin.exists():
            rapport.ajouter(fichier, None, "le fichier des numéros d'urgence est absent.",
                            "Créez contenu/urgences.yaml (modèle dans contenu/LISEZMOI.md).")
            return []
        texte = lire_texte(chemin, fichier, rapport)
        donnees = None if texte is None else charger_yaml(texte, fichier, rapport)
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
    """Pour chaque commune, l'identifiant du service qui détient `competence`.

    Une même faute (un « par_defaut » mal écrit) donne une seule erreur, qui nomme les
    communes touchées, et non une par commune. Un service dont le fichier est lui-même en
    erreur n'est pas signalé une seconde fois ici (voir `Rapport.consequence`).
    """
    par_commune: dict[str, str] = {}
    sans_service: list[dict] = []
    manquants: dict[int | None, list[tuple[dict, str]]] = defaultdict(list)
    for commune in territoire.communes:
        insee = commune["insee"]
        if insee in competence.exceptions:
            gestionnaire, ligne = competence.exceptions[insee], competence.lignes_exceptions[insee]
        elif competence.par_defaut:
            gestionnaire = competence.par_defaut.replace("{commune}", commune["slug"])
            ligne = competence.ligne_defaut
        else:
            sans_service.append(commune)
            continue
        if gestionnaire in gestionnaires:
            par_commune[insee] = gestionnaire
        elif rapport.a_une_cause(f"gestionnaire:{gestionnaire}"):
            rapport.consequence(f"gestionnaire:{gestionnaire}", fichier, ligne,
                                f"compétence « {competence.id} » : le service « {gestionnaire} » "
                                "n'existe pas.", "", quoi=("compétence", "compétences"),
                                objet="ce service", qui=competence.id)
        else:
            manquants[ligne].append((commune, gestionnaire))
    if sans_service:
        communes = ", ".join(f"{c['nom']} ({c['insee']})" for c in sans_service)
        rapport.ajouter(fichier, competence.ligne,
                        f"compétence « {competence.id} » : aucun service pour "
                        f"{'la commune' if len(sans_service) == 1 else 'les communes'} {communes}.",
                        "Ajoutez un « par_defaut » ou une exception pour "
                        f"{liste(c['insee'] for c in sans_service)}.")
    for ligne, absents in manquants.items():
        _signaler_manquants(competence, absents, ligne, gestionnaires, fichier, rapport)
    return par_commune


def _signaler_manquants(competence: Competence, absents: list[tuple[dict, str]], ligne,
                        gestionnaires: dict, fichier: str, rapport: Rapport) -> None:
    ids = sorted({g for _, g in absents})
    modele = competence.par_defaut or ""
    par_defaut = ligne == competence.ligne_defaut
    if len(ids) == 1:
        gestionnaire = ids[0]
        # Un nom tiré de « par_defaut: mairie-{commune} » n'a pas de faute de frappe.
        conseil = "" if par_defaut and "{commune}" in modele else suggestion(gestionnaire, gestionnaires)
        pour = (f"pour la commune {absents[0][0]['nom']} ({absents[0][0]['insee']}), "
                if len(absents) == 1 else "")
        rapport.ajouter(fichier, ligne, f"compétence « {competence.id} » : {pour}le service "
                        f"« {gestionnaire} » n'existe pas.", (conseil + " " if conseil else "")
                        + f"Créez {rapport.racine}/gestionnaires/{gestionnaire}.md ou corrigez le nom.")
        return
    # Plusieurs communes sans service, toutes par « par_defaut: …{commune}… ».
    detail = ", ".join(f"« {g} » ({c['nom']})" for c, g in absents)
    # « mairi-{commune} » : le modèle le plus proche parmi ceux des services existants.
    slugs = {c["slug"] for c, _ in absents}
    modeles = {g.replace(s, "{commune}") for g in gestionnaires for s in slugs if s in g}
    proche = suggestion(modele, modeles)
    rapport.ajouter(fichier, ligne, f"compétence « {competence.id} » : « par_defaut: {modele} » "
                    f"désigne {len(absents)} services qui n'existent pas : {detail}.",
                    (proche + " " if proche else "") + "Corrigez « par_defaut », ou créez ces "
                    f"fichiers dans {rapport.racine}/gestionnaires/.")


__all__ = ["Territoire", "Competence", "lire_territoire", "resoudre", "simplifier", "liste",
           "TexteLu", "verifier_elision"]
