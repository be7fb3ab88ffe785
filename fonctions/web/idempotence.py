"""Idempotence des envois (en-tête ``Idempotency-Key``, brouillon IETF).

La clé est un UUID choisi par le client : en en-tête, ou dans le champ
``idempotency_key`` d'un formulaire HTML. La même clé rend le même signalement (200),
jamais un second ; la même clé avec un autre contenu est refusée (422) ; une clé encore en
cours de traitement ailleurs donne 409. L'empreinte porte sur la demande normalisée
(un même envoi en JSON ou en formulaire a la même) et sur le contenu des photos reçues.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import MutableMapping, Sequence
from typing import Any

from starlette.requests import Request

from fonctions.domaine.validation import Demande, Erreur, ErreursValidation
from fonctions.web.lecture import entete

ENTETE = "idempotency-key"
CHAMP = "idempotency_key"
UUID_CANONIQUE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Séparateurs de l'empreinte : des caractères de contrôle, que ``valider`` retire de tout
# texte reçu (``CONTROLES``) et qu'aucun identifiant du modèle ne contient.
_CHAMP, _GROUPE, _PAIRE, _SANS_ACCORD = "\x1f", "\x1e", "\x1d", "\x1c"


def lire_cle(request: Request, champs: MutableMapping[str, Any]) -> str | None:
    """La clé de la requête, normalisée (UUID en minuscules), ou ``None``.

    Retire le champ ``idempotency_key`` des champs : il ne fait pas partie du contenu.
    """
    du_champ = champs.pop(CHAMP, None)
    brute = entete(request, ENTETE) or du_champ
    if brute is None or (isinstance(brute, str) and not brute.strip()):
        return None
    if isinstance(brute, str) and UUID_CANONIQUE.fullmatch(brute):
        return brute  # déjà normalisée : le cas de chaque envoi de l'application
    try:
        # Le brouillon l'écrit comme une chaîne structurée : "8e03978e-…" entre guillemets.
        return str(uuid.UUID(str(brute).strip().strip('"')))
    except ValueError:
        raise ErreursValidation([Erreur("Idempotency-Key", (
            "La clé d'idempotence doit être un UUID (exemple : "
            "8e03978e-40d5-43e8-bc93-6894a57f9324)."
        ), 400)]) from None


def empreinte_de_demande(demande: Demande, photos: Sequence[bytes]) -> str:
    """SHA-256 de ce qui identifie la demande : l'issue, la commune, les textes, le lieu, le
    contact, les réponses (par identifiant de question) et les photos (leur SHA-256).

    Un texte sans ambiguïté, sans JSON trié (trois fois plus cher, sur le chemin de chaque
    signalement) : chaque valeur présente est un texte non vide que ``valider`` a nettoyé des
    caractères de contrôle et des moitiés de paires de substitution, un identifiant du
    modèle ou un nombre (``repr``) ; une valeur absente est vide ; les séparateurs sont des
    caractères de contrôle. Deux demandes différentes ne donnent donc jamais le même texte.
    Le libellé d'une question n'y est pas : il vient du modèle, pas du citoyen."""
    champs = [demande.noeud["id"], demande.commune["insee"] if demande.commune else "",
              demande.description, _nombre(demande.latitude), _nombre(demande.longitude),
              demande.adresse or "", demande.courriel or "", demande.telephone or ""]
    if not demande.consentement and (demande.courriel or demande.telephone):
        # Une adresse gardée pour informer seulement n'est pas la même demande que la même
        # adresse confiée au service. (Avant ce choix, des coordonnées venaient toujours avec
        # l'accord : ces empreintes-là ne changent pas.)
        champs.append(_SANS_ACCORD)
    reponses = [f"{reponse['id']}{_PAIRE}{reponse['valeur']}" for reponse in demande.reponses]
    empreintes = [hashlib.sha256(photo).hexdigest() for photo in photos]
    texte = _GROUPE.join((_CHAMP.join(champs), _CHAMP.join(reponses), _CHAMP.join(empreintes)))
    return hashlib.sha256(texte.encode()).hexdigest()


def _nombre(valeur: float | None) -> str:
    return "" if valeur is None else repr(valeur)
