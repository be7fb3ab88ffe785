"""Références lisibles et jetons secrets.

Référence : ``AIG-7K3M-Q9`` — cinq signes tirés au hasard (30⁵ ≈ 24 millions) et un signe
de contrôle (Luhn mod N), dans un alphabet sans 0/O, 1/I/L ni U : on la lit au téléphone
sans se tromper, et une faute de frappe (un signe changé, deux signes voisins inversés,
sauf 2↔Z) se voit. Elle n'est pas secrète.

Jeton : ``AIG-7K3M-Q9.<27 signes>`` — la référence suivie d'un HMAC-SHA256 tronqué à
160 bits, calculé avec ``AIGUILLAGE_CLE_SECRETE`` sur l'usage (``suivi``, ``agent``), la
référence et un sel tiré pour ce signalement. Rien de secret n'est stocké : seul le sel
l'est ; le jeton se recalcule (une réponse rejouée donne le même lien) et se vérifie en temps
constant. Changer la clé secrète invalide les liens déjà donnés.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# 30 signes : ni 0/O, ni 1/I/L, ni U (pris pour V). Luhn mod N demande un nombre pair de
# signes (sinon le doublement n'est pas une bijection et des fautes passeraient).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXE = "AIG"
OCTETS_DU_JETON = 20  # 160 bits


def _controle(signes: str) -> str:
    """Le signe de contrôle Luhn mod N de ``signes``."""
    base, facteur, somme = len(ALPHABET), 2, 0
    for signe in reversed(signes):
        valeur = facteur * ALPHABET.index(signe)
        somme += valeur // base + valeur % base
        facteur = 1 if facteur == 2 else 2
    return ALPHABET[(base - somme % base) % base]


def nouvelle_reference() -> str:
    signes = "".join(secrets.choice(ALPHABET) for _ in range(5))
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


def jeton(cle: str, usage: str, reference: str, sel: str) -> str:
    message = f"{usage}:{reference}:{sel}".encode()
    code = hmac.new(cle.encode(), message, hashlib.sha256).digest()[:OCTETS_DU_JETON]
    return f"{reference}.{base64.urlsafe_b64encode(code).decode().rstrip('=')}"


def reference_du_jeton(texte: str) -> str | None:
    reference, point, _ = texte.partition(".")
    return reference if point and reference_valide(reference) else None


def verifier_jeton(cle: str, usage: str, texte: str, reference: str, sel: str) -> bool:
    return hmac.compare_digest(jeton(cle, usage, reference, sel).encode(), texte.encode())
