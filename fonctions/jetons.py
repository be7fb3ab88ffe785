"""Références lisibles et jetons secrets.

Référence : ``AIG-7K3M-Q9`` — cinq signes tirés au hasard (30⁵ ≈ 24 millions) et un signe
de contrôle (Luhn mod N), dans un alphabet sans 0/O, 1/I/L ni U : on la lit au téléphone
sans se tromper, et une faute de frappe (un signe changé, deux signes voisins inversés,
sauf 2↔Z) se voit. Elle n'est pas secrète.

Jeton de suivi : ``AIG-7K3M-Q9.<27 signes>`` — la référence suivie d'un HMAC-SHA256
tronqué à 160 bits, calculé avec ``AIGUILLAGE_CLE_SECRETE`` sur l'usage (``suivi``), la
référence et un sel tiré pour ce signalement. Rien de secret n'est stocké : seul le sel
l'est ; le jeton se recalcule (une réponse rejouée donne le même lien) et se vérifie en temps
constant. Changer la clé secrète invalide les liens déjà donnés.

Lien d'agent : ``AIG-7K3M-Q9.2.67cf1a80.<27 signes>`` — référence, numéro de l'attribution,
date d'émission (secondes, en hexadécimal) et le même HMAC sur tout cela et le sel de
l'attribution. La date signée permet l'expiration (``AIGUILLAGE_LIEN_AGENT_JOURS``) et la
révocation (tout lien émis avant ``revoque_le`` est refusé) sans rien stocker par lien.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets

# 30 signes : ni 0/O, ni 1/I/L, ni U (pris pour V). Luhn mod N demande un nombre pair de
# signes (sinon le doublement n'est pas une bijection et des fautes passeraient).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXE = "AIG"
OCTETS_DU_JETON = 20  # 160 bits


_BASE = len(ALPHABET)
_VALEURS = {signe: valeur for valeur, signe in enumerate(ALPHABET)}
_REFERENCES = _BASE ** 5


def _controle(signes: str) -> str:
    """Le signe de contrôle Luhn mod N de ``signes``."""
    facteur, somme = 2, 0
    for signe in reversed(signes):
        valeur = facteur * _VALEURS[signe]
        somme += valeur // _BASE + valeur % _BASE
        facteur = 3 - facteur  # 2, 1, 2, 1…
    return ALPHABET[-somme % _BASE]


def nouvelle_reference() -> str:
    # Un seul appel au système pour les cinq signes : 64 bits ramenés à 30⁵ (l'écart à
    # l'uniforme, 30⁵ / 2⁶⁴, est de l'ordre de 10⁻¹²).
    tirage = int.from_bytes(secrets.token_bytes(8)) % _REFERENCES
    signes = ""
    for _ in range(5):
        tirage, reste = divmod(tirage, _BASE)
        signes += ALPHABET[reste]
    return f"{PREFIXE}-{signes[:4]}-{signes[4]}{_controle(signes)}"


def reference_valide(texte: str) -> bool:
    morceaux = texte.split("-")
    if len(morceaux) != 3 or morceaux[0] != PREFIXE or len(morceaux[1]) != 4:
        return False
    signes = morceaux[1] + morceaux[2]
    if len(signes) != 6 or any(s not in ALPHABET for s in signes):
        return False
    return _controle(signes[:5]) == signes[5]


def nouveau_sel() -> str:
    return secrets.token_urlsafe(16)


@functools.lru_cache(maxsize=4)
def _hmac_avec(cle: str) -> hmac.HMAC:
    return hmac.new(cle.encode(), digestmod=hashlib.sha256)


def _signature(cle: str, message: str) -> str:
    """HMAC-SHA256 de ``message`` tronqué à 160 bits, en base64 pour une adresse web.

    Copier un calcul déjà initialisé avec la clé : initialiser HMAC (OpenSSL 3 cherche
    l'algorithme par son nom, puis prépare la clé) coûtait dix fois le calcul lui-même,
    sur le chemin de chaque signalement reçu."""
    calcul = _hmac_avec(cle).copy()
    calcul.update(message.encode())
    return base64.urlsafe_b64encode(calcul.digest()[:OCTETS_DU_JETON]).decode().rstrip("=")


def jeton(cle: str, usage: str, reference: str, sel: str) -> str:
    return f"{reference}.{_signature(cle, f'{usage}:{reference}:{sel}')}"


def reference_du_jeton(texte: str) -> str | None:
    reference, point, _ = texte.partition(".")
    return reference if point and reference_valide(reference) else None


def verifier_jeton(cle: str, usage: str, texte: str, reference: str, sel: str) -> bool:
    return hmac.compare_digest(jeton(cle, usage, reference, sel).encode(), texte.encode())


def jeton_agent(cle: str, reference: str, numero: int, sel: str, emis: int) -> str:
    """Le lien d'un agent pour l'attribution ``numero``, émis à ``emis`` (secondes UTC)."""
    corps = f"{reference}.{numero}.{emis:x}"
    return f"{corps}.{_signature(cle, f'agent:{corps}:{sel}')}"


def lire_jeton_agent(texte: str) -> tuple[str, int, int] | None:
    """(référence, numéro, émission) d'un lien d'agent bien formé — pas encore vérifié."""
    morceaux = texte.split(".")
    if len(morceaux) != 4 or not reference_valide(morceaux[0]):
        return None
    reference, numero, emis, _ = morceaux
    if not numero.isdigit() or len(numero) > 4 or len(emis) > 12:
        return None
    try:
        return reference, int(numero), int(emis, 16)
    except ValueError:
        return None


def verifier_jeton_agent(cle: str, texte: str, sel: str) -> bool:
    lu = lire_jeton_agent(texte)
    if lu is None:
        return False
    attendu = jeton_agent(cle, lu[0], lu[1], sel, lu[2])
    return hmac.compare_digest(attendu.encode(), texte.encode())


def signer_texte(cle: str, usage: str, texte: str) -> str:
    """Un code de 160 bits lié à ``texte`` (jeton anti-falsification d'un formulaire…)."""
    return _signature(cle, f"{usage}:{texte}")


def verifier_texte(cle: str, usage: str, texte: str, code: str) -> bool:
    return hmac.compare_digest(signer_texte(cle, usage, texte).encode(), code.encode())


def jeton_coordination(cle: str, adresse: str, emis: int) -> str:
    """Le lien de connexion d'une adresse de coordination, émis à ``emis``."""
    nom = base64.urlsafe_b64encode(adresse.lower().encode()).decode().rstrip("=")
    corps = f"{nom}.{emis:x}"
    return f"{corps}.{_signature(cle, f'coordination:{corps}')}"


def lire_jeton_coordination(cle: str, texte: str) -> tuple[str, int] | None:
    """(adresse, émission) d'un lien de coordination **authentique**, sinon ``None``."""
    morceaux = texte.split(".")
    if len(morceaux) != 3 or len(morceaux[0]) > 400 or len(morceaux[1]) > 12:
        return None
    try:
        adresse = base64.urlsafe_b64decode(morceaux[0] + "=" * (-len(morceaux[0]) % 4)).decode()
        emis = int(morceaux[1], 16)
    except ValueError:
        return None
    attendu = jeton_coordination(cle, adresse, emis)
    return (adresse, emis) if hmac.compare_digest(attendu.encode(), texte.encode()) else None
