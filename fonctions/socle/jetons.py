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
Un lien daté de plus de cinq minutes dans le futur (``emis_dans_le_futur``) est refusé comme
faux : nous n'en émettons pas, et il ne vieillirait pas jusqu'à son expiration.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import os
import re

# 30 signes : ni 0/O, ni 1/I/L, ni U (pris pour V). Luhn mod N demande un nombre pair de
# signes (sinon le doublement n'est pas une bijection et des fautes passeraient).
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIXE = "AIG"
OCTETS_DU_JETON = 20  # 160 bits


_BASE = len(ALPHABET)
_REFERENCES = _BASE ** 5
# Luhn mod N, de droite à gauche : un signe sur deux compte double (la somme des deux
# « chiffres » en base 30 de son double). Des tables par signe : pas de boucle Python sur
# le chemin de chaque signalement.
_SIMPLE = {signe: valeur for valeur, signe in enumerate(ALPHABET)}
_DOUBLE = {signe: 2 * valeur // _BASE + 2 * valeur % _BASE
           for valeur, signe in enumerate(ALPHABET)}
_PAIRES = [ALPHABET[n % _BASE] + ALPHABET[n // _BASE] for n in range(_BASE ** 2)]
_FORME = re.compile(rf"{PREFIXE}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{2}}")
_URL = bytes.maketrans(b"+/", b"-_")  # base64 pour une adresse web (RFC 4648, § 5)


def _controle(signes: str) -> str:
    """Le signe de contrôle Luhn mod N de ``signes``."""
    somme = (sum(map(_DOUBLE.__getitem__, signes[::-2]))
             + sum(map(_SIMPLE.__getitem__, signes[-2::-2])))
    return ALPHABET[-somme % _BASE]


def nouvelle_reference() -> str:
    # Un seul appel au système pour les cinq signes : 64 bits ramenés à 30⁵ (l'écart à
    # l'uniforme, 30⁵ / 2⁶⁴, est de l'ordre de 10⁻¹²), écrits deux signes à la fois.
    tirage = int.from_bytes(os.urandom(8)) % _REFERENCES
    signes = (_PAIRES[tirage % 900] + _PAIRES[tirage // 900 % 900]
              + ALPHABET[tirage // 810_000])
    return f"{PREFIXE}-{signes[:4]}-{signes[4]}{_controle(signes)}"


def reference_valide(texte: str) -> bool:
    return (_FORME.fullmatch(texte) is not None
            and _controle(texte[4:8] + texte[9]) == texte[10])


def nouveau_sel() -> str:
    """128 bits tirés par le système, en base64 pour une adresse web (sans ``=``)."""
    return _base64_url(os.urandom(16))


def _base64_url(octets: bytes) -> str:
    return binascii.b2a_base64(octets, newline=False).translate(_URL).rstrip(b"=").decode()


_BLOC_SHA256 = 64
_IPAD = bytes(octet ^ 0x36 for octet in range(256))
_OPAD = bytes(octet ^ 0x5C for octet in range(256))


@functools.lru_cache(maxsize=4)
def _hmac_avec(cle: str) -> tuple[hashlib._Hash, hashlib._Hash]:
    """HMAC-SHA256 (RFC 2104) préparé pour ``cle`` : les deux calculs SHA-256 après leur
    premier bloc, la clé xor ``ipad`` et la clé xor ``opad`` — ce que fait ``hmac.HMAC``,
    mais copier deux SHA-256 coûte moitié moins que copier un ``HMAC`` d'OpenSSL 3 (dont
    l'initialisation, elle, coûtait dix fois le calcul). Un test compare avec ``hmac``."""
    octets = cle.encode()
    if len(octets) > _BLOC_SHA256:
        octets = hashlib.sha256(octets).digest()
    octets = octets.ljust(_BLOC_SHA256, b"\0")
    return (hashlib.sha256(octets.translate(_IPAD)), hashlib.sha256(octets.translate(_OPAD)))


def _signature(cle: str, message: str) -> str:
    """HMAC-SHA256 de ``message`` tronqué à 160 bits, en base64 pour une adresse web."""
    interieur, exterieur = _hmac_avec(cle)
    calcul, final = interieur.copy(), exterieur.copy()
    calcul.update(message.encode())
    final.update(calcul.digest())
    return _base64_url(final.digest()[:OCTETS_DU_JETON])


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


AVANCE_PERMISE = 300  # secondes : l'écart d'horloge toléré entre deux processus


def emis_dans_le_futur(emis: int, maintenant: float) -> bool:
    """Vrai si un lien émis à ``emis`` (secondes UTC) l'a été après ``maintenant``, au-delà
    de l'écart d'horloge permis : un tel lien n'a pas été émis par nous."""
    return emis > maintenant + AVANCE_PERMISE


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


def signature_photo(cle: str, reference: str, nom: str, expire: int) -> str:
    """La signature d'une adresse de photo donnée à un logiciel de service (``media_url``
    d'Open311) : liée au signalement, au nom de la photo et à sa date d'expiration."""
    return signer_texte(cle, "photo", f"{reference}/{nom}/{expire:x}")


def verifier_photo(cle: str, reference: str, nom: str, expire: int, signature: str) -> bool:
    return hmac.compare_digest(signature_photo(cle, reference, nom, expire).encode(),
                               signature.encode())
