"""Les gardes des pages ouvertes par un lien secret (suivi, agent, coordination).

- **Jetons faux** : chaque jeton refusé compte pour l'adresse du client et sa cible (la
  référence en tête du jeton) ; au-delà de ``AIGUILLAGE_LIMITE_JETONS`` (300 par heure) pour
  une cible, ou de dix fois plus pour l'adresse, la réponse est ``429`` en français, avant
  même de regarder le jeton (``limiteur.LimiteurDeJetons``).
- **Formulaires** : un envoi venu d'un autre site est refusé (``Sec-Fetch-Site``, sinon
  ``Origin``), et chaque formulaire porte un code lié au lien qui l'a affiché (``csrf``) :
  un autre site ne peut pas le deviner.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from fonctions.domaine.validation import Erreur
from fonctions.socle.jetons import reference_du_jeton, signer_texte, verifier_texte
from fonctions.web.contexte import contexte
from fonctions.web.pages import page, reponse_erreurs

ORIGINES_ACCEPTEES = ("same-origin", "none")


def adresse_client(request: Request) -> str:
    return request.client.host if request.client else "inconnu"


def _minutes(secondes: float) -> str:
    minutes = max(1, round(secondes / 60))
    return f"{minutes} minute{'s' if minutes > 1 else ''}"


LONGUEUR_DE_CIBLE = 64


def cible_du_jeton(jeton: str) -> str:
    """Ce que vise un jeton, pour compter les faux : sa référence (``AIG-7K3M-Q9``), sinon
    son début (un lien de coordination, un jeton mal formé), coupé à 64 signes."""
    return reference_du_jeton(jeton) or jeton.partition(".")[0][:LONGUEUR_DE_CIBLE]


def trop_d_essais(request: Request, *, html: bool, cible: str = "") -> Response | None:
    """``429`` si ce client a déjà présenté trop de jetons faux vers ``cible`` (ou en tout) ;
    sinon ``None``."""
    limiteur = contexte(request).limiteur_jetons
    attente = limiteur.bloque(adresse_client(request), cible) if limiteur else 0
    if not attente:
        return None
    message = (f"Trop de liens invalides depuis votre connexion : réessayez dans "
               f"{_minutes(attente)}. Vérifiez que le lien est complet.")
    entetes = {"Retry-After": str(math.ceil(attente))}
    if html:
        return page(request, "message.html", 429, entetes, titre="Trop d'essais", message=message)
    return reponse_erreurs([Erreur(None, message, 429)], 429, entetes=entetes)


def noter_echec(request: Request, cible: str = "") -> None:
    limiteur = contexte(request).limiteur_jetons
    if limiteur:
        limiteur.noter(adresse_client(request), cible)


def code_de_formulaire(request: Request, lien: str) -> str:
    """Le code anti-falsification des formulaires affichés par ``lien``."""
    return signer_texte(str(contexte(request).reglages.cle_secrete), "formulaire", lien)


def origine_acceptee(request: Request) -> bool:
    """Vrai si l'envoi vient de nos propres pages (ou d'un client qui n'en dit rien)."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ORIGINES_ACCEPTEES
    origine = request.headers.get("origin")
    if origine in (None, "null"):  # « null » : nos pages n'envoient pas de Referer
        return True
    publique = urlsplit(contexte(request).reglages.url_publique)
    return origine == f"{publique.scheme}://{publique.netloc}"


def formulaire_accepte(request: Request, lien: str, code: str | None) -> bool:
    cle = str(contexte(request).reglages.cle_secrete)
    return origine_acceptee(request) and verifier_texte(cle, "formulaire", lien, code or "")


def refus_du_formulaire(request: Request) -> Response:
    return page(request, "message.html", 403, titre="Envoi refusé",
                message=("Ce formulaire n'a pas été envoyé depuis la page d'Aiguillage, ou la "
                         "page est trop ancienne. Rechargez-la puis recommencez."))
