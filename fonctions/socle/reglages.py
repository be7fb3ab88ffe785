"""Les réglages des fonctions, lus une seule fois dans l'environnement.

Chaque réglage commence par ``AIGUILLAGE_`` et figure dans ``REGLAGES`` : c'est cette
liste que ``docs/reglages.md`` décrit (un test vérifie qu'aucun n'est oublié). En
développement aucun n'est nécessaire ; en production (``AIGUILLAGE_MODE=production``),
``lire_reglages`` refuse de continuer tant qu'il en manque un, avec un message en français.

Exemple ::

    >>> lire_reglages({}).donnees
    PosixPath('donnees')
"""

from __future__ import annotations

import hmac
import ipaddress
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Secret

from arbre.conservation import (
    CONSERVATION_MOIS,
    COORDONNEES_JOURS,
    VARIABLE_CONSERVATION,
    VARIABLE_COORDONNEES,
    lire_durees,
)
from arbre.francais import de_service

PREFIXE = "AIGUILLAGE_"
PREFIXE_SECRET_WEBHOOK = "AIGUILLAGE_SECRET_WEBHOOK_"  # noqa: S105 (un nom, pas un secret)
PREFIXE_CLE_OPEN311 = "AIGUILLAGE_CLE_OPEN311_"
# Un secret par sens : celui-ci vérifie les mises à jour qu'un service nous envoie par
# webhook ; AIGUILLAGE_SECRET_WEBHOOK_<ID> signe nos envois.
PREFIXE_SECRET_MISES_A_JOUR = "AIGUILLAGE_SECRET_MISES_A_JOUR_"  # noqa: S105 (un nom)
# L'api_key de chaque client du serveur Open311 (une appli, le système d'une ville).
PREFIXE_CLIENT_OPEN311 = "AIGUILLAGE_CLIENT_OPEN311_"
CLE_DE_DEVELOPPEMENT = "developpement-cle-non-secrete-a-ne-jamais-utiliser-en-production"
BITS_DE_CLE_MIN = 256  # 32 octets tirés au hasard
ANCIEN_NOM_PROXIES = "AIGUILLAGE_PROXYS"


@dataclass(frozen=True)
class Reglage:
    nom: str
    defaut: str | None
    obligatoire_en_production: bool = False


# L'ordre est celui de docs/reglages.md.
REGLAGES = [
    Reglage("AIGUILLAGE_MODE", "developpement"),
    Reglage("AIGUILLAGE_DONNEES", "donnees"),
    Reglage("AIGUILLAGE_BASE_URL", None),
    Reglage("AIGUILLAGE_MODELE", "site/sortie/modele.json"),
    Reglage("AIGUILLAGE_SITE", "site/sortie"),
    Reglage("AIGUILLAGE_URL_PUBLIQUE", "http://localhost:8000", obligatoire_en_production=True),
    Reglage("AIGUILLAGE_CLE_SECRETE", None, obligatoire_en_production=True),
    Reglage("AIGUILLAGE_SMTP_URL", None, obligatoire_en_production=True),
    Reglage("AIGUILLAGE_EXPEDITEUR", "aiguillage@localhost", obligatoire_en_production=True),
    Reglage("AIGUILLAGE_ENVOI_WEB", None),
    Reglage("AIGUILLAGE_ENVOI_INTEGRE", "oui"),
    Reglage("AIGUILLAGE_ENVOI_INTERVALLE", "10"),
    Reglage("AIGUILLAGE_DELAI_HTTP", "15"),
    Reglage("AIGUILLAGE_GEOCODEUR_URL", "https://api-adresse.data.gouv.fr"),
    Reglage("AIGUILLAGE_LIMITE_DEBIT", "20/600"),
    Reglage("AIGUILLAGE_PROXIES", None),
    Reglage("AIGUILLAGE_LIEN_AGENT_JOURS", "30"),
    Reglage("AIGUILLAGE_DELAI_PRISE_EN_CHARGE", "5"),
    Reglage("AIGUILLAGE_DELAI_ESCALADE", "2"),
    Reglage("AIGUILLAGE_LIMITE_JETONS", "300/3600"),
    Reglage("AIGUILLAGE_LIMITE_RECHERCHES", "30/600"),
    Reglage("AIGUILLAGE_LIMITE_LISTES_OPEN311", "120/600"),
    Reglage("AIGUILLAGE_VAPID_CLE_PRIVEE", None),
    Reglage("AIGUILLAGE_PUSH_BANCS_D_ESSAI", None),
    # Les mêmes variables, lues par le même code, écrivent les durées de la page des données
    # personnelles à la construction du site (site/plugins/arbre/conservation.py).
    Reglage(VARIABLE_COORDONNEES, str(COORDONNEES_JOURS)),
    Reglage(VARIABLE_CONSERVATION, str(CONSERVATION_MOIS)),
]
REGLAGES_A_MOTIF = [PREFIXE_SECRET_WEBHOOK + "<ID>", PREFIXE_SECRET_MISES_A_JOUR + "<ID>",
                    PREFIXE_CLE_OPEN311 + "<ID>",
                    PREFIXE_CLIENT_OPEN311 + "<NOM>"]


class ErreurReglages(Exception):
    """Un ou plusieurs réglages manquent ou sont invalides ; ``messages`` les liste."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = messages
        super().__init__("\n".join(messages))

    def __str__(self) -> str:
        lignes = "\n".join(f"  - {message}" for message in self.messages)
        return f"Les fonctions d'Aiguillage ne peuvent pas démarrer :\n{lignes}"


@dataclass(frozen=True)
class Reglages:
    mode: str = "developpement"
    donnees: Path = Path("donnees")
    # PostgreSQL (postgresql://…) ; sans elle, TinyDB dans ``donnees`` (docs/production.md).
    base_url: Secret | None = None
    modele: Path = Path("site/sortie/modele.json")
    site: Path | None = Path("site/sortie")
    url_publique: str = "http://localhost:8000"
    cle_secrete: Secret = Secret(CLE_DE_DEVELOPPEMENT)
    smtp_url: Secret | None = None
    expediteur: str = "aiguillage@localhost"
    envoi_web: str = "fichier"
    envoi_integre: bool = True
    envoi_intervalle: float = 10.0
    delai_http: float = 15.0
    # Le géocodeur addok (BAN) : la commune d'une position seule, en Open311 (socle/geocodeur.py).
    geocodeur_url: str = "https://api-adresse.data.gouv.fr"
    limite_debit: tuple[int, float] | None = (20, 600.0)
    proxies: tuple[str, ...] = ()
    lien_agent_jours: int = 30
    delai_prise_en_charge: int = 5
    delai_escalade: int = 2
    limite_jetons: tuple[int, float] | None = (300, 3600.0)
    limite_recherches: tuple[int, float] | None = (30, 600.0)
    limite_listes_open311: tuple[int, float] | None = (120, 600.0)
    vapid_cle_privee: Secret | None = None
    push_bancs_d_essai: tuple[str, ...] = ()
    coordonnees_jours: int = COORDONNEES_JOURS
    conservation_mois: int = CONSERVATION_MOIS
    secrets_webhook: Mapping[str, Secret] = field(default_factory=dict)
    secrets_mises_a_jour: Mapping[str, Secret] = field(default_factory=dict)
    cles_open311: Mapping[str, Secret] = field(default_factory=dict)
    clients_open311: Mapping[str, Secret] = field(default_factory=dict)

    @property
    def production(self) -> bool:
        return self.mode == "production"

    def secret_webhook(self, gestionnaire: str) -> str | None:
        secret = self.secrets_webhook.get(suffixe_de(gestionnaire))
        return str(secret) if secret is not None else None

    def secret_mises_a_jour(self, gestionnaire: str) -> str | None:
        """Le secret (ou les secrets, séparés par des espaces) qui vérifie les mises à jour
        du service. En développement seulement, faute de lui, celui qui signe nos envois."""
        secret = self.secrets_mises_a_jour.get(suffixe_de(gestionnaire))
        if secret is not None:
            return str(secret)
        return None if self.production else self.secret_webhook(gestionnaire)

    def cle_open311(self, gestionnaire: str) -> str | None:
        cle = self.cles_open311.get(suffixe_de(gestionnaire))
        return str(cle) if cle is not None else None


def suffixe_de(gestionnaire: str) -> str:
    """``mairie-saint-dolay`` → ``MAIRIE_SAINT_DOLAY`` (suffixe des variables secrètes)."""
    return re.sub(r"[^A-Z0-9]", "_", gestionnaire.upper())


def lire_reglages(environ: Mapping[str, str]) -> Reglages:
    """Lit et vérifie les réglages ; lève ``ErreurReglages`` avec tous les problèmes."""
    valeurs = {r.nom: (environ.get(r.nom) or "").strip() or None for r in REGLAGES}
    messages: list[str] = []
    mode = valeurs["AIGUILLAGE_MODE"] or "developpement"
    if mode not in ("developpement", "production"):
        messages.append(f"AIGUILLAGE_MODE vaut « {mode} » : écrivez developpement ou production.")
    production = mode == "production"
    if production:
        for reglage in REGLAGES:
            if reglage.obligatoire_en_production and valeurs[reglage.nom] is None:
                messages.append(f"{reglage.nom} manque : il est obligatoire en production.")

    def valeur(nom: str) -> str:
        return valeurs[nom] or next(r.defaut for r in REGLAGES if r.nom == nom) or ""

    url_publique = valeur("AIGUILLAGE_URL_PUBLIQUE").rstrip("/")
    morceaux = urlsplit(url_publique)
    if morceaux.scheme not in ("http", "https") or not morceaux.netloc:
        messages.append("AIGUILLAGE_URL_PUBLIQUE doit commencer par https:// (ou http:// en test).")
    elif production and morceaux.scheme != "https":
        messages.append("AIGUILLAGE_URL_PUBLIQUE doit commencer par https:// en production.")

    cle = valeurs["AIGUILLAGE_CLE_SECRETE"] or CLE_DE_DEVELOPPEMENT
    if production and valeurs["AIGUILLAGE_CLE_SECRETE"]:
        messages.extend(filter(None, [faiblesse_de_la_cle(cle)]))

    base_url = valeurs["AIGUILLAGE_BASE_URL"]
    if base_url and urlsplit(base_url).scheme not in ("postgresql", "postgres"):
        messages.append("AIGUILLAGE_BASE_URL doit commencer par postgresql:// (par exemple "
                        "postgresql://aiguillage:mot-de-passe@localhost/aiguillage) ; sans elle, "
                        "les données vont dans le dossier AIGUILLAGE_DONNEES (TinyDB).")

    smtp = valeurs["AIGUILLAGE_SMTP_URL"]
    if smtp and urlsplit(smtp).scheme not in ("smtp", "smtps"):
        messages.append("AIGUILLAGE_SMTP_URL doit commencer par smtp:// ou smtps://.")

    expediteur = valeur("AIGUILLAGE_EXPEDITEUR")
    if "@" not in expediteur:
        messages.append(f"AIGUILLAGE_EXPEDITEUR « {expediteur} » n'est pas une adresse e-mail.")

    envoi_web = valeurs["AIGUILLAGE_ENVOI_WEB"] or ("reel" if production else "fichier")
    if envoi_web not in ("reel", "fichier"):
        messages.append(f"AIGUILLAGE_ENVOI_WEB vaut « {envoi_web} » : écrivez reel ou fichier.")
    elif production and envoi_web != "reel":
        messages.append("AIGUILLAGE_ENVOI_WEB doit valoir reel en production.")

    integre = valeur("AIGUILLAGE_ENVOI_INTEGRE").lower()
    if integre not in ("oui", "non"):
        messages.append(f"AIGUILLAGE_ENVOI_INTEGRE vaut « {integre} » : écrivez oui ou non.")

    intervalle = _nombre(valeur("AIGUILLAGE_ENVOI_INTERVALLE"))
    if intervalle is None or intervalle <= 0:
        messages.append("AIGUILLAGE_ENVOI_INTERVALLE doit être un nombre de secondes positif.")

    delai_http = _nombre(valeur("AIGUILLAGE_DELAI_HTTP"))
    if delai_http is None or not 0 < delai_http <= 120:
        messages.append("AIGUILLAGE_DELAI_HTTP doit être un nombre de secondes entre 0 et 120.")

    geocodeur_url = valeur("AIGUILLAGE_GEOCODEUR_URL").strip().rstrip("/")
    schemas = ("https",) if production else ("http", "https")
    if urlsplit(geocodeur_url).scheme not in schemas or not urlsplit(geocodeur_url).netloc:
        messages.append(f"AIGUILLAGE_GEOCODEUR_URL « {geocodeur_url} » doit être une adresse "
                        + ("https://" if production else "http:// ou https://")
                        + " (par défaut https://api-adresse.data.gouv.fr).")

    limite = _limite(valeur("AIGUILLAGE_LIMITE_DEBIT"))
    if limite is False:
        messages.append("AIGUILLAGE_LIMITE_DEBIT s'écrit NOMBRE/SECONDES (20/600) ou 0.")

    jours = {}
    for nom in ("AIGUILLAGE_LIEN_AGENT_JOURS", "AIGUILLAGE_DELAI_PRISE_EN_CHARGE",
                "AIGUILLAGE_DELAI_ESCALADE"):
        texte = valeur(nom)
        if not texte.isdigit() or not 1 <= int(texte) <= 365:
            messages.append(f"{nom} doit être un nombre de jours entre 1 et 365.")
        else:
            jours[nom] = int(texte)

    limite_jetons = _limite(valeur("AIGUILLAGE_LIMITE_JETONS"))
    if limite_jetons is False:
        messages.append("AIGUILLAGE_LIMITE_JETONS s'écrit NOMBRE/SECONDES (300/3600) ou 0.")

    limite_recherches = _limite(valeur("AIGUILLAGE_LIMITE_RECHERCHES"))
    if limite_recherches is False:
        messages.append("AIGUILLAGE_LIMITE_RECHERCHES s'écrit NOMBRE/SECONDES (30/600) ou 0.")
    limite_listes = _limite(valeur("AIGUILLAGE_LIMITE_LISTES_OPEN311"))
    if limite_listes is False:
        messages.append("AIGUILLAGE_LIMITE_LISTES_OPEN311 s'écrit NOMBRE/SECONDES (120/600) "
                        "ou 0.")

    proxies = tuple(p.strip() for p in valeur("AIGUILLAGE_PROXIES").split(",") if p.strip())
    for proxy in proxies:
        if proxy != "*" and not _reseau_valide(proxy):
            messages.append(f"AIGUILLAGE_PROXIES : « {proxy} » n'est ni une adresse IP ni un réseau "
                            "(10.0.0.0/8) ; séparez-les par des virgules, ou écrivez *.")
    if environ.get(ANCIEN_NOM_PROXIES):
        messages.append(f"{ANCIEN_NOM_PROXIES} s'appelle maintenant AIGUILLAGE_PROXIES (et par "
                        "défaut aucun mandataire n'est cru) : renommez la variable.")

    vapid = valeurs["AIGUILLAGE_VAPID_CLE_PRIVEE"]
    if vapid and "BEGIN" not in vapid:
        messages.append("AIGUILLAGE_VAPID_CLE_PRIVEE doit être une clé PEM "
                        "(python -m fonctions vapid en crée une).")
    bancs = tuple(b.strip() for b in valeur("AIGUILLAGE_PUSH_BANCS_D_ESSAI").split(",") if b.strip())
    if bancs and production:
        messages.append("AIGUILLAGE_PUSH_BANCS_D_ESSAI est réservé aux tests : retirez-le en production.")
    if any(not re.fullmatch(r"(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+", b) for b in bancs):
        messages.append("AIGUILLAGE_PUSH_BANCS_D_ESSAI n'accepte que des « 127.0.0.1:PORT ».")

    durees, problemes = lire_durees(environ)
    messages.extend(problemes)

    if messages:
        raise ErreurReglages(messages)
    site = valeur("AIGUILLAGE_SITE")
    return Reglages(
        mode=mode,
        donnees=Path(valeur("AIGUILLAGE_DONNEES")),
        base_url=Secret(base_url) if base_url else None,
        modele=Path(valeur("AIGUILLAGE_MODELE")),
        site=Path(site) if site != "-" else None,
        url_publique=url_publique,
        cle_secrete=Secret(cle),
        smtp_url=Secret(smtp) if smtp else None,
        expediteur=expediteur,
        envoi_web=envoi_web,
        envoi_integre=integre == "oui",
        envoi_intervalle=float(intervalle or 10),
        delai_http=float(delai_http or 15),
        geocodeur_url=geocodeur_url,
        limite_debit=limite or None,
        proxies=proxies,
        lien_agent_jours=jours["AIGUILLAGE_LIEN_AGENT_JOURS"],
        delai_prise_en_charge=jours["AIGUILLAGE_DELAI_PRISE_EN_CHARGE"],
        delai_escalade=jours["AIGUILLAGE_DELAI_ESCALADE"],
        limite_jetons=limite_jetons or None,
        limite_recherches=limite_recherches or None,
        limite_listes_open311=limite_listes or None,
        vapid_cle_privee=Secret(vapid) if vapid else None,
        push_bancs_d_essai=bancs,
        coordonnees_jours=durees.coordonnees_jours,
        conservation_mois=durees.conservation_mois,
        secrets_webhook=_par_suffixe(environ, PREFIXE_SECRET_WEBHOOK),
        secrets_mises_a_jour=_par_suffixe(environ, PREFIXE_SECRET_MISES_A_JOUR),
        cles_open311=_par_suffixe(environ, PREFIXE_CLE_OPEN311),
        clients_open311=_par_suffixe(environ, PREFIXE_CLIENT_OPEN311),
    )


def verifier_pour_le_modele(reglages: Reglages, modele) -> list[str]:
    """Ce qui manque pour transmettre aux services du modèle (secrets, adresses https).

    En production ces messages empêchent le démarrage ; en développement ils sont journalisés.
    """
    messages = []
    for gestionnaire in modele.gestionnaires.values():
        transmission = gestionnaire.get("transmission") or {}
        canal, adresse = transmission.get("canal"), transmission.get("adresse") or ""
        suffixe = suffixe_de(gestionnaire["id"])
        if canal == "webhook" and reglages.secret_webhook(gestionnaire["id"]) is None:
            messages.append(f"{PREFIXE_SECRET_WEBHOOK}{suffixe} manque ({gestionnaire['nom']}).")
        if canal == "webhook" and suffixe not in reglages.secrets_mises_a_jour:
            messages.append(f"{PREFIXE_SECRET_MISES_A_JOUR}{suffixe} manque ({gestionnaire['nom']}) "
                            f": un secret par sens, distinct de {PREFIXE_SECRET_WEBHOOK}{suffixe}.")
        elif canal == "webhook" and set((reglages.secret_webhook(gestionnaire["id"]) or "").split()
                                        ) & set(str(reglages.secrets_mises_a_jour[suffixe]).split()):
            messages.append(f"{PREFIXE_SECRET_MISES_A_JOUR}{suffixe} et {PREFIXE_SECRET_WEBHOOK}"
                            f"{suffixe} partagent un secret ({gestionnaire['nom']}) : un par sens.")
        if canal == "open311" and reglages.cle_open311(gestionnaire["id"]) is None:
            messages.append(f"{PREFIXE_CLE_OPEN311}{suffixe} manque ({gestionnaire['nom']}).")
        if canal in ("webhook", "open311") and not adresse.startswith("https://"):
            messages.append(
                f"L'adresse de transmission {de_service(gestionnaire['nom'])} doit commencer par https://."
            )
    if not modele.coordination_courriels:
        messages.append("Le territoire n'a aucun courriel de coordination (territoire.yaml).")
    annoncees = modele.donnees.get("conservation")  # absent d'un modèle d'avant
    appliquees = {"coordonnees_jours": reglages.coordonnees_jours,
                  "conservation_mois": reglages.conservation_mois}
    if annoncees is not None and any(annoncees.get(k) != v for k, v in appliquees.items()):
        messages.append(
            f"La page des données personnelles annonce {annoncees.get('coordonnees_jours')} "
            f"jours et {annoncees.get('conservation_mois')} mois, le serveur appliquerait "
            f"{reglages.coordonnees_jours} jours et {reglages.conservation_mois} mois : "
            f"reconstruisez le site avec les mêmes {VARIABLE_COORDONNEES} et "
            f"{VARIABLE_CONSERVATION} que le serveur.")
    return messages


def entropie_estimee(cle: str) -> float:
    """Les bits de hasard que ``cle`` peut contenir au plus : sa longueur fois ceux d'un signe
    tiré dans les familles de signes qu'elle emploie (minuscules, majuscules, chiffres,
    autres). Une clé faite de moins de 10 signes différents compte comme tirée parmi ceux-là
    seulement (« aaaa… » ne vaut rien). Une estimation : elle écarte les clés courtes ou
    répétitives, pas une phrase choisie par un humain ::

        >>> round(entropie_estimee("0123456789abcdef" * 4))  # 64 signes hexadécimaux
        331
        >>> entropie_estimee("a" * 64)
        0.0
    """
    familles = [(str.islower, 26), (str.isupper, 26), (str.isdigit, 10)]
    alphabet = sum(taille for est, taille in familles if any(est(c) and c.isascii() for c in cle))
    if any(not (c.isascii() and c.isalnum()) for c in cle):
        alphabet += 33
    differents = len(set(cle))
    if differents < 10:
        alphabet = differents
    return len(cle) * math.log2(alphabet) if alphabet > 1 else 0.0


def faiblesse_de_la_cle(cle: str) -> str | None:
    """Pourquoi ``cle`` ne peut pas signer les liens en production ; ``None`` si elle le peut."""
    conseil = ("créez-en une avec « python -c \"import secrets; print(secrets.token_urlsafe(48))\" "
               "» (les liens déjà envoyés ne marcheront plus).")
    if hmac.compare_digest(cle.encode(), CLE_DE_DEVELOPPEMENT.encode()):
        return ("AIGUILLAGE_CLE_SECRETE est la clé de développement, publiée dans le code : "
                f"n'importe qui fabriquerait des liens de suivi, d'agent et de coordination ; {conseil}")
    bits = entropie_estimee(cle)
    if len(cle.encode()) < BITS_DE_CLE_MIN // 8 or bits < BITS_DE_CLE_MIN:
        return (f"AIGUILLAGE_CLE_SECRETE est trop faible (environ {int(bits)} bits de hasard ; il en "
                f"faut {BITS_DE_CLE_MIN}, soit {BITS_DE_CLE_MIN // 8} octets tirés au hasard) : {conseil}")
    return None


def _reseau_valide(texte: str) -> bool:
    try:
        ipaddress.ip_network(texte, strict=False)
    except ValueError:
        return False
    return True


def _nombre(texte: str) -> float | None:
    try:
        return float(texte)
    except ValueError:
        return None


def _limite(texte: str) -> tuple[int, float] | None | bool:
    if texte == "0":
        return None
    nombre, _, periode = texte.partition("/")
    if not nombre.isdigit() or _nombre(periode) is None or int(nombre) < 1:
        return False
    return int(nombre), float(periode)


def _par_suffixe(environ: Mapping[str, str], prefixe: str) -> dict[str, Secret]:
    return {
        nom.removeprefix(prefixe): Secret(valeur)
        for nom, valeur in environ.items()
        if nom.startswith(prefixe) and valeur
    }
