"""Vérification des champs d'un signalement, sans rien écrire.

``valider`` reçoit les champs tels qu'ils sont arrivés (JSON ou formulaire) et le nombre
de photos, et rend une ``Demande`` propre ou lève ``ErreursValidation`` avec, pour chaque
champ fautif, ce qu'il faut corriger, en français.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fonctions.modele import Modele

DESCRIPTION_MAX = 4000  # comme Open311
ADRESSE_MAX = 300
TEXTE_MAX = 500
PHOTOS_MAX = 3
COURRIEL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
TELEPHONE = re.compile(r"^\+?[0-9]{3,15}$")
VRAI = {"oui", "on", "true", "1", "vrai"}
FAUX = {"non", "off", "false", "0", "faux"}
OUI_OU_NON = VRAI | FAUX
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
    courriel: str | None = None
    telephone: str | None = None
    reponses: list[dict[str, str]] = field(default_factory=list)


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
    if valeur.isprintable():  # ni retour chariot ni caractère de contrôle : le cas courant
        return valeur.strip() or None
    nettoye = valeur.replace("\r\n", "\n").replace("\r", "\n")
    # Les caractères de contrôle n'ont rien à faire dans un courriel ou une page.
    nettoye = CONTROLES.sub("", nettoye)
    nettoye = SUBSTITUTIONS.sub("\ufffd", nettoye)
    return nettoye.strip() or None


_NOMBRES = (int, float)


def _nombre_fr(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def valider(champs: Mapping[str, Any], nb_photos: int, modele: Modele) -> Demande:
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

    noeud = _verifier_noeud(textes.get("noeud"), modele, erreurs)
    commune = _verifier_commune(textes.get("commune"), noeud, modele, erreurs)
    gestionnaire = None
    if noeud is not None and not (erreurs and any(e.champ in ("noeud", "commune")
                                                   for e in erreurs)):
        gestionnaire = modele.gestionnaire_de(noeud, commune["insee"] if commune else None)
        if gestionnaire is None:
            erreurs.append(Erreur("noeud", "Aucun service ne traite ce problème ici."))

    description = textes.get("description")
    if description is None:
        erreurs.append(Erreur("description", "Décrivez le problème en quelques mots."))
    elif len(description) > DESCRIPTION_MAX:
        erreurs.append(Erreur("description", (
            f"La description fait {_nombre_fr(len(description))} caractères ; "
            f"{_nombre_fr(DESCRIPTION_MAX)} au plus."
        )))

    formulaire = (noeud or {}).get("formulaire") or {}
    latitude, longitude, adresse = _verifier_localisation(textes, formulaire, erreurs)
    courriel, telephone = _verifier_contact(textes, erreurs)
    reponses = _verifier_questions(textes, formulaire.get("questions") or [], erreurs)
    _verifier_nombre_de_photos(nb_photos, formulaire.get("photo") or "facultative", erreurs)

    if erreurs:
        raise ErreursValidation(erreurs)
    assert noeud is not None and gestionnaire is not None and description is not None
    return Demande(
        noeud=noeud, gestionnaire=gestionnaire, commune=commune, description=description,
        latitude=latitude, longitude=longitude, adresse=adresse,
        courriel=courriel, telephone=telephone, reponses=reponses,
    )


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


def _verifier_commune(insee, noeud, modele, erreurs):
    if insee is None:
        if noeud is not None and noeud.get("depend_de_la_commune"):
            erreurs.append(Erreur("commune", "Indiquez la commune où se trouve le problème."))
        return None
    commune = modele.commune(insee)
    if commune is None:
        erreurs.append(Erreur("commune", (
            f"La commune {insee} ne fait pas partie du territoire "
            f"({modele.territoire['nom']})."
        )))
    return commune


def _verifier_localisation(textes, formulaire, erreurs):
    exigence = formulaire.get("localisation") or "obligatoire"
    if exigence == "non":
        return None, None, None
    lat_texte, lon_texte = textes.get("latitude"), textes.get("longitude")
    latitude = longitude = None
    if (lat_texte is None) != (lon_texte is None):
        champ = "longitude" if lon_texte is None else "latitude"
        erreurs.append(Erreur(champ, "Donnez la latitude et la longitude, ou aucune des deux."))
    elif lat_texte is not None:
        latitude = _coordonnee(lat_texte, "latitude", 90, erreurs)
        longitude = _coordonnee(lon_texte, "longitude", 180, erreurs)
    adresse = textes.get("adresse")
    if adresse is not None and len(adresse) > ADRESSE_MAX:
        erreurs.append(Erreur("adresse", f"L'adresse fait plus de {ADRESSE_MAX} caractères."))
    if exigence == "obligatoire" and adresse is None and lat_texte is None and lon_texte is None:
        erreurs.append(Erreur("adresse", "Indiquez où se trouve le problème : "
                              "une adresse ou un repère (« devant l'école »)."))
    return latitude, longitude, adresse


def _coordonnee(texte, champ, borne, erreurs):
    try:
        valeur = float(texte.replace(",", "."))
    except ValueError:
        valeur = math.nan
    if not math.isfinite(valeur) or not -borne <= valeur <= borne:
        erreurs.append(Erreur(champ, f"La {champ} doit être un nombre entre -{borne} et {borne}."))
        return None
    return valeur


def _verifier_contact(textes, erreurs):
    courriel, telephone = textes.get("courriel"), textes.get("telephone")
    if courriel is not None and (len(courriel) > 254 or not COURRIEL.match(courriel)):
        erreurs.append(Erreur("courriel", "Cette adresse e-mail n'est pas valide "
                              "(exemple : prenom.nom@exemple.fr)."))
    if telephone is not None:
        compact = re.sub(r"[\s.\-()]", "", telephone)
        if not TELEPHONE.match(compact):
            erreurs.append(Erreur("telephone", "Ce numéro de téléphone n'est pas valide "
                                  "(exemple : 06 12 34 56 78)."))
        telephone = compact
    if (courriel or telephone) and (textes.get("consentement") or "").lower() not in VRAI:
        erreurs.append(Erreur("consentement", (
            "Cochez la case qui autorise le service à vous recontacter, "
            "ou retirez vos coordonnées."
        )))
    return courriel, telephone


def _verifier_questions(textes, questions, erreurs):
    reponses = []
    for question in questions:
        champ = f"question-{question['id']}"
        valeur = textes.get(champ)
        if valeur is None:
            if question.get("obligatoire"):
                erreurs.append(Erreur(champ, f"Répondez à la question « {question['libelle']} »."))
            continue
        if question.get("type") == "choix" and valeur not in question.get("choix", []):
            erreurs.append(Erreur(champ, "Choisissez l'une des réponses proposées : "
                                  + ", ".join(question.get("choix", [])) + "."))
            continue
        if question.get("type") == "oui-non":
            minuscules = valeur.lower()
            if minuscules not in OUI_OU_NON:
                erreurs.append(Erreur(champ, "Répondez par oui ou par non."))
                continue
            valeur = "oui" if minuscules in VRAI else "non"
        if len(valeur) > TEXTE_MAX:
            erreurs.append(Erreur(champ, f"La réponse fait plus de {TEXTE_MAX} caractères."))
            continue
        reponses.append({"id": question["id"], "libelle": question["libelle"], "valeur": valeur})
    return reponses


def _verifier_nombre_de_photos(nombre, exigence, erreurs):
    if nombre > PHOTOS_MAX:
        erreurs.append(Erreur("photos",
                              f"{PHOTOS_MAX} photos au plus (vous en avez joint {nombre})."))
    elif exigence == "non" and nombre:
        erreurs.append(Erreur("photos", "Ce signalement ne prend pas de photo."))
    elif exigence == "obligatoire" and not nombre:
        erreurs.append(Erreur("photos", "Ajoutez au moins une photo du problème."))
