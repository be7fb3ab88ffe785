"""Écrire un courriel (``rendre`` : les gabarits ``courriel*`` de ``fonctions/gabarits/``) et
l'envoyer : par SMTP, ou dans un fichier ``.eml`` en développement.

``AIGUILLAGE_SMTP_URL`` :

- ``smtp://utilisateur:mot-de-passe@hote:587`` — STARTTLS obligatoire ; seul un relais
  local (``localhost``, ``127.0.0.1``, ``::1``) peut s'en passer ;
- ``smtps://utilisateur:mot-de-passe@hote:465`` — TLS dès la connexion ;
- non défini : chaque courriel est écrit dans ``donnees/courriels/`` et son chemin journalisé
  (sans son destinataire : l'adresse d'un citoyen n'a rien à faire dans un journal).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from arbre.gabarits import FILTRES
from fonctions.socle.fichiers import ecrire_atomiquement

journal = logging.getLogger("aiguillage.courriel")
DELAI = 30.0
HOTES_LOCAUX = frozenset({"localhost", "127.0.0.1", "::1"})

# Les courriels : le texte n'est pas échappé, le HTML l'est ; une variable oubliée est une
# erreur, pas un vide.
gabarits = Environment(
    loader=PackageLoader("fonctions", "gabarits"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
gabarits.filters.update(FILTRES)


def rendre(nom: str, **variables: Any) -> str:
    """Un courriel (texte ou HTML) de ``fonctions/gabarits/``."""
    return gabarits.get_template(nom).render(**variables)


class ErreurExpedition(Exception):
    pass


class Expediteur(Protocol):
    def envoyer(self, message: EmailMessage) -> str:
        """Envoie ; rend une description (« SMTP mail.exemple.fr » ou un chemin)."""


class ExpediteurSMTP:
    def __init__(self, url: str, *, contexte_tls: ssl.SSLContext | None = None,
                 hotes_en_clair: frozenset[str] = HOTES_LOCAUX) -> None:
        self.contexte_tls = contexte_tls or ssl.create_default_context()
        self.hotes_en_clair = hotes_en_clair
        morceaux = urlsplit(url)
        self.implicite = morceaux.scheme == "smtps"
        self.hote = morceaux.hostname or "localhost"
        self.port = morceaux.port or (465 if self.implicite else 587)
        self.utilisateur = unquote(morceaux.username) if morceaux.username else None
        self.mot_de_passe = unquote(morceaux.password) if morceaux.password else None

    def _connecter(self) -> smtplib.SMTP:
        contexte = self.contexte_tls
        if self.implicite:
            return smtplib.SMTP_SSL(self.hote, self.port, timeout=DELAI, context=contexte)
        connexion = smtplib.SMTP(self.hote, self.port, timeout=DELAI)
        try:
            connexion.ehlo()
            if connexion.has_extn("starttls"):
                connexion.starttls(context=contexte)
                connexion.ehlo()
            elif self.hote not in self.hotes_en_clair:
                raise ErreurExpedition(f"Le serveur {self.hote} ne propose pas STARTTLS : "
                                       "envoi refusé en clair.")
        except BaseException:
            connexion.close()
            raise
        return connexion

    def envoyer(self, message: EmailMessage) -> str:
        try:
            with self._connecter() as connexion:
                if self.utilisateur:
                    connexion.login(self.utilisateur, self.mot_de_passe or "")
                connexion.send_message(message)
        except (smtplib.SMTPException, OSError) as erreur:
            raise ErreurExpedition(f"SMTP {self.hote}:{self.port} : {erreur}") from None
        return f"SMTP {self.hote}:{self.port}"


class ExpediteurFichier:
    def __init__(self, dossier: Path) -> None:
        self.dossier = Path(dossier)

    def envoyer(self, message: EmailMessage) -> str:
        moment = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        chemin = self.dossier / f"{moment}-{uuid.uuid4().hex[:8]}.eml"
        ecrire_atomiquement(chemin, bytes(message))
        journal.info("Courriel « %s » écrit dans %s (aucun envoi en développement).",
                     message["Subject"], chemin)
        return str(chemin)


def creer_expediteur(smtp_url: str | None, donnees: Path) -> Expediteur:
    if smtp_url:
        return ExpediteurSMTP(smtp_url)
    return ExpediteurFichier(Path(donnees) / "courriels")
