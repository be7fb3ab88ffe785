"""Assembler le modèle d'aiguillage : lire tout le contenu, le valider, résoudre pour chaque
issue et chaque commune le service qui la traite. C'est le seul endroit où ce calcul est
fait ; les pages, l'application hors ligne et les fonctions lisent son résultat
(`modele.json`, voir docs/modele.md).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from . import conservation, schema
from .agents import consignes_en_html, lire_agents, verifier_boutons
from .arbre import LectureArbre
from .erreurs import ErreursContenu, Rapport, liste, suggestion
from .francais import a_la_commune
from .gestionnaires import lire_gestionnaires
from .je_ne_trouve_pas import issue_je_ne_trouve_pas, verifier_adresse_libre
from .lecture import DictLigne, est_cache, est_une_sauvegarde, lire_fichier
from .regles import regles_du_formulaire
from .synonymes import lire_synonymes
from .territoire import CAUSE_TERRITOIRE, CAUSE_URGENCES, Territoire, lire_territoire, resoudre
from .texte import en_html

VERSION = 1
PAGES_OBLIGATOIRES = ("accessibilite", "donnees-personnelles", "mentions-legales")


def construire_modele(dossier: Path | str, affiche: str | None = None,
                      rapport: Rapport | None = None) -> dict:
    """Le modèle du contenu de `dossier` ; lève `ErreursContenu` (toutes les erreurs) sinon.

    `affiche` est le dossier tel que les messages le nomment (« contenu ») ; les chemins du
    modèle (`source`) sont relatifs au dossier du contenu. Passer un `rapport` permet de lire
    ensuite ses notes (fichiers de sauvegarde ignorés), même si le contenu est valide.
    """
    dossier = Path(dossier)
    affiche = affiche or dossier.name
    rapport = rapport if rapport is not None else Rapport()
    rapport.racine = affiche
    territoire = lire_territoire(dossier, affiche, rapport)
    gestionnaires = lire_gestionnaires(dossier, affiche, rapport, territoire.noms_officiels)
    noeuds = LectureArbre(dossier, affiche, rapport).lire()
    competences = {
        nom: {"libelle": c.libelle,
              "par_commune": resoudre(c, territoire, gestionnaires,
                                      f"{affiche}/territoire.yaml", rapport)}
        for nom, c in territoire.competences.items()
    }
    numeros = {u["numero"] for u in territoire.urgences}
    for noeud in noeuds.values():
        fichier = f"{affiche}/{noeud['source']}"
        if noeud["type"] in ("transmission", "orientation"):
            _resoudre_destination(noeud, fichier, territoire, competences, gestionnaires, rapport)
        if noeud["type"] == "transmission":
            noeud["formulaire"] = _formulaire(noeud, fichier, rapport)
            noeud["consignes_agent_html"] = _consignes_agent(noeud, fichier, rapport)
            noeud["sensible"] = noeud["entete"].get("sensible") is True
            _verifier_canal(noeud, fichier, territoire, gestionnaires, affiche, rapport)
        if noeud["type"] == "urgence":
            _verifier_numeros(noeud, fichier, numeros, rapport)
        noeud.pop("entete", None)
        noeud.pop("lignes", None)
    for noeud in noeuds.values():  # les urgences passent avant toute autre réponse
        if "choix" in noeud:
            noeud["choix"].sort(key=lambda c: noeuds[c["cible"]]["type"] != "urgence")
    _verifier_codes_service(gestionnaires, noeuds, affiche, rapport)
    durees, problemes = conservation.lire_durees(os.environ)
    for probleme in problemes:
        rapport.ajouter(probleme.split(" ", 1)[0], None, probleme,
                        "Corrigez cette variable d'environnement, ou retirez-la.")
    pages = lire_pages(dossier, affiche, rapport, durees)
    synonymes = lire_synonymes(dossier, affiche, rapport)
    agents = lire_agents(dossier, affiche, rapport)
    je_ne_trouve_pas = issue_je_ne_trouve_pas(territoire, gestionnaires, affiche, rapport)
    je_ne_trouve_pas["consignes_agent_html"] = agents.pop("consignes_je_ne_trouve_pas_html")
    verifier_adresse_libre(noeuds, pages, affiche, rapport)
    if rapport:
        raise ErreursContenu(rapport)
    return {
        "version": VERSION,
        "empreinte": empreinte(dossier),
        "territoire": {"nom": territoire.nom, "coordination": territoire.coordination,
                       "communes": territoire.communes},
        "urgences": territoire.urgences,
        # Les règles de tout formulaire de signalement, lues par le serveur et par le
        # téléphone (regles.py) ; chaque issue ajoute les siennes dans son « formulaire ».
        "regles": regles_du_formulaire(),
        "competences": competences,
        "gestionnaires": gestionnaires,
        "racine": "",
        "noeuds": noeuds,
        "je_ne_trouve_pas": je_ne_trouve_pas,
        "pages": pages,
        "synonymes": synonymes,
        "agents": agents,
        # Les durées que la page « Vos données personnelles » annonce : le serveur refuse
        # en production d'en appliquer d'autres (fonctions/socle/reglages.py).
        "conservation": durees.en_dict(),
    }


def chemin_affiche(dossier: Path) -> str:
    """Le dossier du contenu tel que les messages le nomment : relatif au dossier courant
    (« contenu ») s'il est dedans, absolu sinon."""
    dossier = Path(dossier).resolve()
    try:
        return dossier.relative_to(Path.cwd().resolve()).as_posix() or "."
    except ValueError:
        return dossier.as_posix()


def empreinte(dossier: Path) -> str:
    """Une empreinte de tout le contenu : elle change dès qu'un fichier change."""
    h = hashlib.sha256()
    for chemin in sorted(p for p in dossier.rglob("*") if p.is_file()):
        h.update(chemin.relative_to(dossier).as_posix().encode() + b"\0")
        h.update(chemin.read_bytes() + b"\0")
    return h.hexdigest()


def _resoudre_destination(noeud: dict, fichier: str, territoire: Territoire, competences: dict,
                          gestionnaires: dict, rapport: Rapport) -> None:
    entete, lignes = noeud["entete"], noeud["lignes"]
    noeud["pourquoi"] = entete.get("pourquoi", "")
    gestionnaire, competence = entete.get("gestionnaire"), entete.get("competence")
    noeud.update(competence=None, gestionnaire=None, depend_de_la_commune=False,
                 gestionnaires_par_commune={})
    if bool(gestionnaire) == bool(competence):
        rapport.ajouter(fichier, lignes.get("gestionnaire") or lignes.get("competence"),
                        "cette issue n'a pas de destination." if not gestionnaire else
                        "cette issue a deux destinations : « gestionnaire » et « competence ».",
                        "Indiquez soit « gestionnaire: » (un service précis), soit "
                        "« competence: » (le service qui la détient dans la commune), pas les deux.")
        return
    if gestionnaire:
        if gestionnaire not in gestionnaires and rapport.a_une_cause(f"gestionnaire:{gestionnaire}"):
            rapport.consequence(f"gestionnaire:{gestionnaire}", fichier, lignes.get("gestionnaire"),
                                f"le service « {gestionnaire} » n'existe pas.", "",
                                objet="ce service")
            return
        if gestionnaire not in gestionnaires:
            conseil = suggestion(gestionnaire, gestionnaires)
            rapport.ajouter(fichier, lignes.get("gestionnaire"),
                            f"le service « {gestionnaire} » n'existe pas.",
                            (conseil + " " if conseil else "")
                            + f"Créez {rapport.racine}/gestionnaires/{gestionnaire}.md ou corrigez le nom.")
            return
        par_commune = {c["insee"]: gestionnaire for c in territoire.communes}
    else:
        cause = next((c for c in (f"competence:{competence}", CAUSE_TERRITOIRE)
                      if rapport.a_une_cause(c)), None)
        if competence not in competences and cause:
            rapport.consequence(cause, fichier, lignes.get("competence"),
                                f"la compétence « {competence} » n'existe pas dans territoire.yaml.",
                                "", objet="cette compétence" if cause != CAUSE_TERRITOIRE else
                                "une compétence de territoire.yaml")
            return
        if competence not in competences:
            conseil = suggestion(competence, competences)
            rapport.ajouter(fichier, lignes.get("competence"),
                            f"la compétence « {competence} » n'existe pas dans territoire.yaml.",
                            (conseil + " " if conseil else "") + "Compétences connues : "
                            f"{liste(sorted(competences))}.")
            return
        par_commune = competences[competence]["par_commune"]
        noeud["competence"] = competence
    distincts = set(par_commune.values())
    noeud["gestionnaires_par_commune"] = par_commune
    noeud["depend_de_la_commune"] = len(distincts) > 1
    noeud["gestionnaire"] = distincts.pop() if len(distincts) == 1 else None


def _verifier_canal(noeud: dict, fichier: str, territoire: Territoire, gestionnaires: dict,
                    affiche: str, rapport: Rapport) -> None:
    """Une page « transmission » promet que le signalement part au service : celui-ci doit
    avoir un canal (pas « transmission: aucune »), dans chaque commune où la page mène à lui.
    L'erreur est à la ligne du « type » : c'est lui qui fait la promesse."""
    sans_canal = {insee: g for insee, g in noeud["gestionnaires_par_commune"].items()
                  if gestionnaires[g]["transmission"]["canal"] == "aucune"}
    if not sans_canal:
        return
    services = sorted(set(sans_canal.values()))
    competence = noeud["competence"]
    if competence is None:
        mene = ""
    elif len(sans_canal) == len(territoire.communes):
        mene = f"dans toutes les communes, la compétence « {competence} » mène à "
    else:
        noms = {c["insee"]: c["nom"] for c in territoire.communes}
        communes = [a_la_commune(n) for n in sorted(noms[insee] for insee in sans_canal)]
        lieux = f"{', '.join(communes[:-1])} et {communes[-1]}" if len(communes) > 1 else communes[0]
        mene = f"{lieux}, la compétence « {competence} » mène à "
    qui = " et ".join(f"« {gestionnaires[g]['nom']} »" for g in services)
    verbe = "ne reçoit" if len(services) == 1 else "ne reçoivent"
    ou = (f"{affiche}/{gestionnaires[services[0]]['source']}" if len(services) == 1
          else f"{affiche}/gestionnaires/")
    pas_de_canal = f"{verbe} pas de signalements (« transmission: aucune » dans {ou})"
    rapport.ajouter(fichier, noeud["lignes"].get("type"),
                    "« type: transmission » promet que le signalement est transmis, mais "
                    + (f"{qui} {pas_de_canal}." if not mene else f"{mene}{qui}, qui {pas_de_canal}."),
                    "Écrivez « type: orientation » pour dire à l'habitant qui contacter, ou donnez "
                    f"{'à ce service' if len(services) == 1 else 'à ces services'} un canal "
                    f"(« transmission: courriel », « webhook » ou « open311 ») dans {ou}.")


def _verifier_codes_service(gestionnaires: dict, noeuds: dict, affiche: str,
                            rapport: Rapport) -> None:
    """Chaque issue de « codes_service » (docs/open311.md) est une page « transmission » qui
    peut mener à ce service : une faute de frappe enverrait le code par défaut en silence."""
    for g in gestionnaires.values():
        transmission = g["transmission"]
        lignes = transmission.pop("lignes_codes_service", {})
        for issue in list(transmission.get("codes_service", {})):
            noeud = noeuds.get(issue)
            fichier = f"{affiche}/{g['source']}"
            if noeud is None or noeud["type"] != "transmission":
                conseil = suggestion(issue, {k: v for k, v in noeuds.items()
                                             if v["type"] == "transmission"})
                rapport.ajouter(fichier, lignes.get(issue), f"« codes_service » : l'issue "
                                f"« {issue} » n'existe pas (ou n'est pas une page « type: "
                                "transmission »).", (conseil + " " if conseil else "")
                                + "Écrivez le chemin de la page dans contenu/arbre/, sans "
                                "« .md » : « voirie/nid-de-poule ».")
            elif g["id"] not in (noeud.get("gestionnaires_par_commune") or {}).values():
                rapport.ajouter(fichier, lignes.get(issue), f"« codes_service » : l'issue "
                                f"« {issue} » ne mène jamais à ce service.",
                                "Retirez la ligne, ou placez-la dans le fichier du service "
                                "auquel cette issue mène.")


def _formulaire(noeud: dict, fichier: str, rapport: Rapport) -> dict:
    brut = noeud["entete"].get("formulaire")
    ligne = noeud["lignes"].get("formulaire")
    formulaire = {"photo": "facultative", "raison_photo": None, "localisation": "obligatoire",
                  "questions": []}
    if brut is None:
        return formulaire
    propre = schema.verifier(brut, schema.CHAMPS_FORMULAIRE, fichier, rapport, "formulaire")
    formulaire.update({k: v for k, v in propre.items() if k != "questions"})
    _verifier_raison_photo(brut, propre, fichier, rapport)
    vus: set[str] = set()
    for question in propre.get("questions", []):
        if not isinstance(question, DictLigne):
            rapport.ajouter(fichier, ligne, "formulaire : chaque question doit avoir « id », "
                            "« libelle » et « type ».", "Voir contenu/LISEZMOI.md.")
            continue
        q = schema.verifier(question, schema.CHAMPS_QUESTION_FORMULAIRE, fichier, rapport,
                            "formulaire, question")
        if "id" in q and not schema.identifiant_valide(q["id"]):
            rapport.ajouter(fichier, question.ligne_de("id"), f"formulaire : l'id « {q['id']} » "
                            "n'est pas valide.", "Utilisez des minuscules et des tirets : « numero-mat ».")
            continue
        if q.get("id") in vus:
            rapport.ajouter(fichier, question.ligne_de("id"), f"formulaire : l'id « {q['id']} » est "
                            "utilisé deux fois.", "Donnez un id différent à chaque question.")
            continue
        vus.add(q.get("id"))
        if q.get("type") == "choix" and not q.get("choix"):
            rapport.ajouter(fichier, question.ligne_de("type"), "formulaire : une question de type "
                            "« choix » demande une liste « choix ».",
                            "Ajoutez par exemple « choix: [Oui, Non, Je ne sais pas] ».")
            continue
        if {"id", "libelle", "type"} <= q.keys():
            formulaire["questions"].append({
                "id": q["id"], "libelle": q["libelle"], "type": q["type"],
                "choix": [str(c) for c in q.get("choix", [])] if q["type"] == "choix" else [],
                "obligatoire": q.get("obligatoire", False)})
    return formulaire


def _consignes_agent(noeud: dict, fichier: str, rapport: Rapport) -> list[str]:
    """Les consignes propres à cette sorte de signalement, en HTML (une par étape) ; chaque
    bouton qu'elles citent entre « » doit porter son nom exact."""
    consignes = noeud["entete"].get("consignes_agent", [])
    for texte, ligne in zip(consignes, getattr(consignes, "lignes", []), strict=False):
        verifier_boutons(texte, fichier, ligne, rapport)
    return consignes_en_html(consignes)
def _verifier_raison_photo(brut: DictLigne, propre: dict, fichier: str, rapport: Rapport) -> None:
    """Une photo n'est obligatoire que pour une raison que l'habitant lit sous le champ."""
    photo, raison = propre.get("photo"), propre.get("raison_photo")
    if photo == "obligatoire" and not raison and "raison_photo" not in brut:
        rapport.ajouter(fichier, brut.ligne_de("photo"),
                        "formulaire : « photo: obligatoire » demande une « raison_photo ».",
                        "Dites à l'habitant pourquoi le service a besoin d'une photo, par exemple "
                        "« raison_photo: La photo permet d'identifier l'annonceur. », ou écrivez "
                        "« photo: facultative ».")
    elif photo == "non" and raison:
        rapport.ajouter(fichier, brut.ligne_de("raison_photo"),
                        "formulaire : « raison_photo » est écrit, mais « photo: non » ne propose "
                        "pas de photo.", "Retirez « raison_photo », ou écrivez "
                        "« photo: facultative » ou « photo: obligatoire ».")


def _verifier_numeros(noeud: dict, fichier: str, numeros: set[str], rapport: Rapport) -> None:
    noeud["numeros"] = [str(n) for n in noeud["entete"].get("numeros", [])]
    for numero in noeud["numeros"]:
        if numero not in numeros and rapport.a_une_cause(CAUSE_URGENCES):
            rapport.consequence(CAUSE_URGENCES, fichier, noeud["lignes"].get("numeros"),
                                f"le numéro « {numero} » n'est pas dans urgences.yaml.", "",
                                objet="les numéros d'urgence")
        elif numero not in numeros:
            rapport.ajouter(fichier, noeud["lignes"].get("numeros"),
                            f"le numéro « {numero} » n'est pas dans urgences.yaml.",
                            f"Ajoutez-le à {rapport.racine}/urgences.yaml, ou choisissez parmi : "
                            f"{liste(sorted(numeros))}.")


def lire_pages(dossier: Path, affiche: str, rapport: Rapport,
               durees: conservation.Durees = conservation.DUREES_PAR_DEFAUT) -> dict[str, dict]:
    """Les pages d'information ; leurs repères de durée (``{{ conservation }}``…) sont
    remplacés par les durées appliquées (voir ``conservation.py``)."""
    pages: dict[str, dict] = {}
    racine = dossier / "pages"
    for chemin in sorted(racine.iterdir()) if racine.is_dir() else []:
        fichier = f"{affiche}/pages/{chemin.name}"
        if est_cache(chemin.name):
            continue
        if est_une_sauvegarde(chemin.name):
            rapport.noter_ignore(fichier)
            continue
        if chemin.suffix != ".md":
            continue  # une image ou un document joint : les pages ne lisent que les .md
        if not schema.identifiant_valide(chemin.stem):
            rapport.ajouter(fichier, None, f"le nom de fichier « {chemin.name} » n'est pas valide.",
                            "Utilisez des minuscules, des chiffres et des tirets.")
            continue
        lu = lire_fichier(chemin, fichier, rapport)
        if lu is None:
            continue
        propre = schema.verifier(lu.entete, schema.CHAMPS_PAGE, fichier, rapport)
        _verifier_reperes(chemin.stem, lu.texte, fichier, rapport)
        pages[chemin.stem] = {"id": chemin.stem, "titre": propre.get("titre", chemin.stem),
                              "url": f"/{chemin.stem}/",
                              "texte_html": en_html(conservation.remplir(lu.texte, durees))}
    for page in PAGES_OBLIGATOIRES:
        if page not in pages:
            rapport.ajouter(f"{affiche}/pages/{page}.md", None, "cette page obligatoire est absente.",
                            f"Créez {affiche}/pages/{page}.md avec un « titre » et son texte.")
    return pages


def _verifier_reperes(page: str, texte: str, fichier: str, rapport: Rapport) -> None:
    connus = ", ".join(f"{{{{ {nom} }}}}" for nom in conservation.REPERES_OBLIGATOIRES)
    for nom in conservation.reperes_inconnus(texte):
        rapport.ajouter(fichier, None, f"le repère « {{{{ {nom} }}}} » n'existe pas.",
                        f"Les repères de durée sont : {connus}.")
    if page != "donnees-personnelles":
        return
    for nom in conservation.reperes_absents(texte):
        rapport.ajouter(fichier, None, f"la durée « {{{{ {nom} }}}} » n'est pas écrite.",
                        "Écrivez chaque durée par son repère (jamais en chiffres) : la page "
                        f"dit alors ce que le serveur applique. Repères : {connus}.")
