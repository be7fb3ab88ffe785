"""Vérification des champs d'un signalement, sans rien écrire.

``valider`` reçoit les champs tels qu'ils sont arrivés (JSON ou formulaire) et le nombre
de photos, et rend une ``Demande`` propre ou lève ``ErreursValidation`` avec, pour chaque
champ fautif, ce qu'il faut corriger, en français.

Ce que le téléphone peut vérifier lui-même est dans ``verifier_formulaire`` : les règles du
modèle (``modele.regles``, écrites par ``arbre.regles``) et le ``formulaire`` de l'issue,
appliqués comme le fait ``verifierFormulaire`` de ``theme/static/js/validation.js``, avec
les mêmes messages (vecteurs partagés : tests/fonctions/vecteurs_validation.json). Le
reste (l'issue existe-t-elle encore, la commune est-elle du territoire, quel service) ne
se sait que sur le serveur.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fonctions.domaine.modele import Modele
from fonctions.domaine.regles import Regles

PRIORITE_DES_STATUTS = (413, 415, 400, 422)
# La catégorie Unicode « Cc » sauf la tabulation et le saut de ligne (une expression
# rationnelle : caractère par caractère, c'était le plus cher d'un signalement).
CONTROLES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Une moitié de paire de substitution (``"\\ud800"`` en JSON) n'est pas un caractère : elle
# n'a pas d'UTF-8. Remplacée par U+FFFD, comme le fait un navigateur (USVString).
SUBSTITUTIONS = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Erreur:
    champ: str | None
    message: str
    statut: int = 422


class ErreursValidation(Exception):
    def __init__(self, erreurs: list[Erreur]) -> None:
        self.erreurs = erreurs
        super().__init__("; ".join(e.message for e in erreurs))

    @property
    def statut(self) -> int:
        statuts = {e.statut for e in self.erreurs}
        return next((s for s in PRIORITE_DES_STATUTS if s in statuts), 422)


@dataclass
class Demande:
    noeud: dict[str, Any]
    gestionnaire: dict[str, Any]
    commune: dict[str, Any] | None
    description: str
    latitude: float | None = None
    longitude: float | None = None
    adresse: str | None = None
    courriel: str | None = None  # gardé pour informer le citoyen ; au service s'il l'a permis
    telephone: str | None = None  # seulement avec ``consentement`` : il ne sert qu'au service
    consentement: bool = False  # « Le service peut me contacter »
    reponses: list[dict[str, str]] = field(default_factory=list)
    # Par où la demande est arrivée, quand ce n'est pas le site : {"canal": "open311",
    # "client": "APPLI_VILLE"} (le client dont l'api_key a servi, voir docs/open311.md).
    origine: dict[str, str] | None = None


def _texte(valeur: Any) -> str | None:
    """Une valeur reçue en texte nettoyé (``None`` si vide) ; ``TypeError`` si composée."""
    if type(valeur) is not str:  # un texte : le cas de presque chaque champ
        if valeur is None:
            return None
        if isinstance(valeur, bool):
            return "oui" if valeur else "non"
        if isinstance(valeur, _NOMBRES):
            return repr(valeur)
        if not isinstance(valeur, str):
            raise TypeError
    return normaliser_texte(valeur).strip() or None


def normaliser_texte(texte: str) -> str:
    """Le texte sans caractère de contrôle (sauf saut de ligne et tabulation ; « \\r\\n » et
    « \\r » deviennent « \\n »), ses moitiés de paire de substitution remplacées par U+FFFD.

    Tout texte reçu passe par ici (``lecture.py`` l'applique aux noms et aux valeurs de
    chaque champ) : NUL et les autres caractères de contrôle n'ont rien à faire dans un
    courriel ou une page, et une moitié de paire n'a pas d'UTF-8 (le stockage ne pourrait pas
    l'écrire). ``normaliser_texte("a\\x00b\\ud800")`` rend ``"ab\\ufffd"``."""
    if texte.isprintable():  # ni retour chariot ni caractère de contrôle : le cas courant
        return texte
    nettoye = texte.replace("\r\n", "\n").replace("\r", "\n")
    nettoye = CONTROLES.sub("", nettoye)
    return SUBSTITUTIONS.sub("\ufffd", nettoye)


_NOMBRES = (int, float)


def nettoyer_champs(champs: Mapping[str, Any]) -> tuple[dict[str, str | None], list[Erreur]]:
    """Chaque champ reçu en texte nettoyé (``None`` si vide), comme ``nettoyer`` de
    validation.js ; une valeur composée (liste, objet JSON) est une erreur."""
    erreurs: list[Erreur] = []
    textes: dict[str, str | None] = {}
    for nom, valeur in champs.items():
        if type(valeur) is str and valeur.isprintable():  # le cas courant de ``_texte``
            textes[nom] = valeur.strip() or None
            continue
        try:
            textes[nom] = _texte(valeur)
        except TypeError:
            erreurs.append(Erreur(nom, "Cette valeur doit être un texte ou un nombre."))
    return textes, erreurs


def valider(champs: Mapping[str, Any], nb_photos: int, modele: Modele) -> Demande:
    textes, erreurs = nettoyer_champs(champs)
    noeud = _verifier_noeud(textes.get("noeud"), modele, erreurs)
    commune = _verifier_commune(textes.get("commune"), modele, erreurs)
    commune_obligatoire = bool(noeud and noeud.get("depend_de_la_commune"))
    gestionnaire = None
    if noeud is not None and not any(e.champ in ("noeud", "commune") for e in erreurs) and not (
            commune_obligatoire and commune is None):
        gestionnaire = modele.gestionnaire_de(noeud, commune["insee"] if commune else None)
        if gestionnaire is None:
            erreurs.append(Erreur("noeud", "Aucun service ne traite ce problème ici."))

    formulaire = (noeud or {}).get("formulaire") or {}
    valeurs, erreurs_du_formulaire = verifier_formulaire(
        modele.regles, formulaire, commune_obligatoire, textes, nb_photos)
    erreurs += erreurs_du_formulaire
    if erreurs:
        raise ErreursValidation(erreurs)
    assert noeud is not None and gestionnaire is not None
    return Demande(noeud=noeud, gestionnaire=gestionnaire, commune=commune, **valeurs)


def verifier_formulaire(
    regles: Regles,
    formulaire: Mapping[str, Any],
    commune_obligatoire: bool,
    textes: Mapping[str, str | None],
    nb_photos: int,
) -> tuple[dict[str, Any], list[Erreur]]:
    """Ce que le téléphone sait vérifier : les champs nettoyés (``textes``, sans valeur vide)
    contre les règles communes et le ``formulaire`` de l'issue.

    Rend les valeurs propres (``description``, ``latitude``, ``longitude``, ``adresse``,
    ``courriel``, ``telephone``, ``consentement``, ``reponses``) et les erreurs, dans l'ordre
    du formulaire. ``verifierFormulaire`` (validation.js) rend exactement la même chose.
    """
    erreurs: list[Erreur] = []
    if commune_obligatoire and textes.get("commune") is None:
        erreurs.append(Erreur("commune", regles.message("commune_manquante")))
    description = textes.get("description")
    if description is None:
        erreurs.append(Erreur("description", regles.message("description_manquante")))
    elif len(description) > regles.description_max:
        erreurs.append(Erreur("description", regles.message(
            "description_trop_longue", longueur=len(description), max=regles.description_max)))
    latitude, longitude, adresse = _verifier_localisation(regles, textes, formulaire, erreurs)
    courriel, telephone, consentement = _verifier_contact(regles, textes, erreurs)
    reponses = _verifier_questions(regles, textes, formulaire.get("questions") or [], erreurs)
    _verifier_nombre_de_photos(regles, nb_photos, formulaire, erreurs)
    valeurs = {"description": description, "latitude": latitude, "longitude": longitude,
               "adresse": adresse, "courriel": courriel, "telephone": telephone,
               "consentement": consentement, "reponses": reponses}
    return valeurs, erreurs


def _verifier_noeud(identifiant, modele, erreurs):
    if identifiant is None:
        erreurs.append(Erreur("noeud", "Le problème signalé manque : repartez de l'accueil."))
        return None
    noeud = modele.noeud(identifiant)
    if noeud is None:
        erreurs.append(Erreur("noeud", (
            f"Le problème « {identifiant} » n'existe pas (ou plus) : "
            "rechargez la page et recommencez."
        )))
        return None
    if noeud.get("type") != "transmission":
        erreurs.append(Erreur("noeud", "Aiguillage ne transmet pas ce problème : "
                              "suivez les indications de la page."))
        return None
    return noeud


def _verifier_commune(insee, modele, erreurs):
    """La commune donnée est-elle du territoire (une commune absente : ``verifier_formulaire``)."""
    if insee is None:
        return None
    commune = modele.commune(insee)
    if commune is None:
        erreurs.append(Erreur("commune", (
            f"La commune {insee} ne fait pas partie du territoire "
            f"({modele.territoire['nom']})."
        )))
    return commune


def _verifier_localisation(regles, textes, formulaire, erreurs):
    exigence = formulaire.get("localisation") or "obligatoire"
    if exigence == "non":
        return None, None, None
    lat_texte, lon_texte = textes.get("latitude"), textes.get("longitude")
    latitude = longitude = None
    if (lat_texte is None) != (lon_texte is None):
        champ = "longitude" if lon_texte is None else "latitude"
        erreurs.append(Erreur(champ, regles.message("coordonnees_incompletes")))
    elif lat_texte is not None:
        latitude = _coordonnee(regles, lat_texte, "latitude", 90, erreurs)
        longitude = _coordonnee(regles, lon_texte, "longitude", 180, erreurs)
    # Le formulaire du site l'appelle « lieu » (un nom où le navigateur ne reconnaît pas
    # l'adresse de la personne) ; « adresse » reste accepté (API, envois gardés sur un téléphone).
    champ = "lieu" if "lieu" in textes else "adresse"
    adresse = textes.get(champ)
    if adresse is not None and len(adresse) > regles.adresse_max:
        erreurs.append(Erreur(champ, regles.message("adresse_trop_longue", max=regles.adresse_max)))
    # Un point (repère de la carte ou position du téléphone) suffit : le lieu écrit est alors
    # facultatif, comme dans le formulaire (theme/js/formulaire.js, lieuFacultatif).
    if exigence == "obligatoire" and adresse is None and lat_texte is None and lon_texte is None:
        erreurs.append(Erreur(champ, regles.message("lieu_manquant")))
    return latitude, longitude, adresse


def _coordonnee(regles, texte, champ, borne, erreurs):
    valeur = float(texte.replace(",", ".")) if regles.coordonnee.fullmatch(texte) else math.nan
    if not math.isfinite(valeur) or not -borne <= valeur <= borne:
        erreurs.append(Erreur(champ, regles.message("coordonnee_invalide", champ=champ,
                                                    borne=borne)))
        return None
    return valeur


def _verifier_contact(regles, textes, erreurs):
    """Deux choix séparés, dont aucun ne bloque l'envoi : une adresse e-mail donnée sert à
    tenir le citoyen au courant (elle reste chez Aiguillage) ; « Le service peut me
    contacter » (``consentement``) la confie au service, avec le téléphone. Un téléphone
    sans cet accord ne sert à personne : il n'est ni vérifié ni gardé (le formulaire le dit)."""
    courriel, telephone = textes.get("courriel"), textes.get("telephone")
    consentement = (textes.get("consentement") or "").lower() in regles.vrai
    if courriel is not None and (len(courriel) > regles.courriel_max
                                 or not regles.courriel.fullmatch(courriel)):
        erreurs.append(Erreur("courriel", regles.message("courriel_invalide")))
    if not consentement:
        telephone = None
    elif telephone is not None:
        telephone = regles.separateurs.sub("", telephone)
        if not regles.telephone.fullmatch(telephone):
            erreurs.append(Erreur("telephone", regles.message("telephone_invalide")))
    if consentement and courriel is None and telephone is None:
        erreurs.append(Erreur("consentement", regles.message("contact_manquant")))
    return courriel, telephone, consentement


def _verifier_questions(regles, textes, questions, erreurs):
    reponses = []
    for question in questions:
        champ = f"question-{question['id']}"
        valeur = textes.get(champ)
        if valeur is None:
            if question.get("obligatoire"):
                erreurs.append(Erreur(champ, regles.message("reponse_manquante",
                                                            libelle=question["libelle"])))
            continue
        if question.get("type") == "choix" and valeur not in question.get("choix", []):
            erreurs.append(Erreur(champ, regles.message(
                "choix_invalide", choix=", ".join(question.get("choix", [])))))
            continue
        if question.get("type") == "oui-non":
            minuscules = valeur.lower()
            if minuscules not in regles.vrai and minuscules not in regles.faux:
                erreurs.append(Erreur(champ, regles.message("oui_non_invalide")))
                continue
            valeur = "oui" if minuscules in regles.vrai else "non"
        if len(valeur) > regles.reponse_max:
            erreurs.append(Erreur(champ, regles.message("reponse_trop_longue",
                                                        max=regles.reponse_max)))
            continue
        reponses.append({"id": question["id"], "libelle": question["libelle"], "valeur": valeur})
    return reponses


def _verifier_nombre_de_photos(regles, nombre, formulaire, erreurs):
    exigence = formulaire.get("photo") or "facultative"
    if nombre > regles.photos_max:
        erreurs.append(Erreur("photos", regles.message("trop_de_photos", max=regles.photos_max,
                                                       nombre=nombre)))
    elif exigence == "non" and nombre:
        erreurs.append(Erreur("photos", regles.message("pas_de_photo")))
    elif exigence == "obligatoire" and not nombre:
        raison = formulaire.get("raison_photo")
        erreurs.append(Erreur("photos", regles.message("photo_manquante_raison", raison=raison)
                              if raison else regles.message("photo_manquante")))
