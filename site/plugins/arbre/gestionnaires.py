"""Les services qui traitent les signalements : un fichier par service dans gestionnaires/."""

from __future__ import annotations

from pathlib import Path

from . import schema
from .agents import verifier_boutons_du_texte
from .erreurs import Rapport
from .lecture import est_cache, est_une_sauvegarde, lire_fichier
from .territoire import verifier_elision
from .texte import en_html

CANAUX_AVEC_DELAI = ("courriel", "webhook", "open311")
CHAMPS_OPEN311 = ("codes_service", "format_open311", "juridiction_open311", "statuts_open311",
                  "releve_open311")


def lire_gestionnaires(dossier: Path, affiche: str, rapport: Rapport,
                       communes: list[tuple[str, int | None]] = ()) -> dict[str, dict]:
    """Les services, par identifiant (le nom du fichier sans « .md »).

    Les erreurs d'un fichier sont des causes (`gestionnaire:<id>`) : si le fichier n'a pas
    pu être lu, les pages qui désignent ce service ne sont pas signalées une à une.
    `communes` (nom, type de nom INSEE) sert à vérifier « Mairie d'Ambon ».
    """
    gestionnaires: dict[str, dict] = {}
    racine = dossier / "gestionnaires"
    if not racine.is_dir():
        rapport.ajouter(f"{affiche}/gestionnaires", None, "le dossier des services est absent.",
                        f"Créez {affiche}/gestionnaires/ avec un fichier par service.")
        return gestionnaires
    for chemin in sorted(racine.iterdir()):
        fichier = f"{affiche}/gestionnaires/{chemin.name}"
        if est_cache(chemin.name) or chemin.name == "LISEZMOI.md":
            continue
        if est_une_sauvegarde(chemin.name):
            rapport.noter_ignore(fichier)
            continue
        if chemin.suffix != ".md" or not chemin.is_file():
            rapport.ajouter(fichier, None, "ce fichier n'est pas lu : seuls les fichiers .md le sont.",
                            "Renommez-le en « .md » ou retirez-le du dossier.")
            continue
        identifiant = chemin.stem
        if not schema.identifiant_valide(identifiant):
            rapport.ajouter(fichier, None, f"le nom de fichier « {chemin.name} » n'est pas valide.",
                            "Utilisez des minuscules, des chiffres et des tirets : « mairie-muzillac.md ».")
            continue
        with rapport.sous_cause(f"gestionnaire:{identifiant}"):
            lu = lire_fichier(chemin, fichier, rapport)
        if lu is None:
            continue
        propre = schema.verifier(lu.entete, schema.CHAMPS_GESTIONNAIRE, fichier, rapport)
        _verifier_canal(propre, lu.entete, fichier, rapport)
        verifier_boutons_du_texte(lu.texte, fichier, lu.ligne_texte, rapport)
        if "nom" in propre:
            verifier_elision(propre["nom"], "« nom »", fichier, lu.entete.ligne_de("nom"), rapport,
                             communes)
        telephone = propre.get("telephone")
        gestionnaires[identifiant] = {
            "id": identifiant,
            "nom": propre.get("nom", identifiant),
            "nature": propre.get("nature"),
            "missions": propre.get("missions", ""),
            "telephone": telephone[0] if telephone else None,
            "telephone_uri": telephone[1] if telephone else None,
            "horaires": propre.get("horaires"),
            "courriel": propre.get("courriel"),
            "site": propre.get("site"),
            "transmission": {
                "canal": propre.get("transmission", "aucune"),
                "adresse": propre.get("adresse_transmission"),
                "code_service": propre.get("code_service"),
                **_open311(propre, lu.entete, fichier, rapport),
            },
            "delai_prise_en_charge": propre.get("delai_prise_en_charge"),
            "consignes_html": en_html(lu.texte),
            "source": fichier.removeprefix(f"{affiche}/"),
        }
    return gestionnaires


def _verifier_canal(propre: dict, entete, fichier: str, rapport: Rapport) -> None:
    canal = propre.get("transmission")
    adresse = propre.get("adresse_transmission")
    ligne = entete.ligne_de("transmission")
    if not any(entete.get(c) for c in ("telephone", "courriel", "site")) and "nom" in propre:
        rapport.ajouter(fichier, entete.ligne, "aucun moyen de contact pour ce service.",
                        "Ajoutez au moins « telephone », « courriel » ou « site ».")
    if canal in CANAUX_AVEC_DELAI and "delai_prise_en_charge" not in entete:
        rapport.ajouter(fichier, ligne, f"« delai_prise_en_charge » est obligatoire avec la "
                        f"transmission « {canal} ».",
                        "Indiquez en jours ouvrés le délai d'accusé de réception : « 3 ».")
    if canal == "courriel":
        if not adresse:
            rapport.ajouter(fichier, ligne, "la transmission « courriel » demande une "
                            "« adresse_transmission ».",
                            "Indiquez l'adresse e-mail qui reçoit les signalements.")
        elif not schema.courriel_valide(adresse):
            rapport.ajouter(fichier, entete.ligne_de("adresse_transmission"),
                            f"« adresse_transmission » : « {adresse} » n'est pas une adresse "
                            "e-mail valide.", "Par exemple « voirie@commune.example.org ».")
    elif canal in ("webhook", "open311"):
        if not adresse:
            rapport.ajouter(fichier, ligne, f"la transmission « {canal} » demande une "
                            "« adresse_transmission ».",
                            "Indiquez l'adresse web (https://…) qui reçoit les signalements.")
        elif not schema.url_valide(adresse):
            rapport.ajouter(fichier, entete.ligne_de("adresse_transmission"),
                            f"« adresse_transmission » : « {adresse} » n'est pas une adresse web "
                            "valide.", "Écrivez l'adresse complète, en commençant par « https:// ».")
        if canal == "open311" and not propre.get("code_service"):
            rapport.ajouter(fichier, ligne, "la transmission « open311 » demande un "
                            "« code_service ».", "Indiquez le service_code Open311 du service : "
                            "celui des issues qui n'en ont pas dans « codes_service ».")
    if canal != "open311":
        for champ in CHAMPS_OPEN311:
            if champ in entete:
                rapport.ajouter(fichier, entete.ligne_de(champ), f"« {champ} » ne sert qu'avec "
                                "la transmission « open311 ».", "Retirez cette ligne.")
    elif canal == "aucune" and adresse:
        rapport.ajouter(fichier, entete.ligne_de("adresse_transmission"),
                        "« adresse_transmission » ne sert à rien avec la transmission « aucune ».",
                        "Retirez-la, ou choisissez le canal qui l'utilise.")


def _open311(propre: dict, entete, fichier: str, rapport: Rapport) -> dict:
    """Les réglages Open311 d'un service (docs/open311.md), seulement pour ce canal.

    ``codes_service`` : issue (chemin de la page, « voirie/nid-de-poule ») → service_code ;
    chaque valeur est vérifiée ici, chaque issue plus tard (modele.py), quand l'arbre est lu."""
    if propre.get("transmission") != "open311":
        return {}
    codes: dict[str, str] = {}
    lignes: dict[str, int] = {}
    brut = propre.get("codes_service") or {}
    for issue, code in brut.items():
        ligne = brut.ligne_de(issue) if hasattr(brut, "ligne_de") else entete.ligne_de(
            "codes_service")
        if isinstance(code, dict | list) or not str(code).strip() or len(str(code)) > 120:
            rapport.ajouter(fichier, ligne, f"« codes_service » : le code de l'issue « {issue} » "
                            "doit être un texte court (le service_code Open311).",
                            f"Écrivez une seule valeur sur la ligne : « {issue}: code-du-service ».")
            continue
        codes[str(issue).strip("/")] = str(code).strip()
        lignes[str(issue).strip("/")] = ligne
    releve = propre.get("releve_open311")
    if releve is not None and not 1 <= releve <= 1440:
        rapport.ajouter(fichier, entete.ligne_de("releve_open311"),
                        "« releve_open311 » est un nombre de minutes entre 1 et 1440.",
                        "Écrivez par exemple « releve_open311: 15 », ou retirez la ligne.")
        releve = None
    return {
        "codes_service": codes,
        "lignes_codes_service": lignes,
        "format": propre.get("format_open311", "json"),
        "juridiction": propre.get("juridiction_open311"),
        "statuts": propre.get("statuts_open311", "ouvert-ferme"),
        "releve_minutes": releve,
    }
