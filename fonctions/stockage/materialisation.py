"""Du journal aux fichiers TinyDB : ce qu'un enregistrement contient, et comment un lot
d'enregistrements devient des fichiers du moteur ``StockageTinyDB``, durablement.

Un enregistrement du journal est une **création** : le signalement, ses entrées de la
boîte d'envoi et, s'il y en a une, la clé d'idempotence qui y mène. Les trois sont écrits
ensemble, en un seul enregistrement : il n'y a pas d'état intermédiaire à réparer.

Les fichiers écrits sont exactement ceux du moteur (mêmes chemins, même contenu : une table
TinyDB d'un seul document) ; sans le journal, ``StockageTinyDB`` les lit tels quels. Mais
au lieu de deux ``fsync`` par fichier, un lot entier coûte trois synchronisations du
système de fichiers (``syncfs``), dans cet ordre :

1. tous les fichiers temporaires, dans un dossier à part (``journal/a_placer/``), puis
   synchronisation : tout ce qui sera renommé a déjà son contenu sur disque ;
2. renommage des clés et des entrées de la boîte d'envoi, puis synchronisation ;
3. renommage des signalements, puis synchronisation.

Un signalement présent sur disque a donc toujours sa clé et son entrée présentes avant lui
(ou retirées depuis par qui l'a traité). Rejouer un enregistrement dont le signalement est
déjà lisible ne fait rien : on n'écrase jamais ce qu'un autre a modifié depuis.
"""

from __future__ import annotations

import ctypes
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fonctions.jetons import reference_valide
from fonctions.stockage.base import Document
from fonctions.stockage.tinydb import TABLE, StockageTinyDB, _lire

VERSION = 1
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover — sans libc chargeable, ``os.sync``
    _LIBC = None


# Comme ``StockageJSONAtomique.write`` : les octets d'un document sont ceux du fichier.
_ENCODEUR = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json(valeur) -> bytes:
    return _ENCODEUR.encode(valeur).encode()


def empreinte_cle(cle: str) -> str:
    """Le nom du fichier de la clé chez le moteur (la clé elle-même n'est jamais gardée)."""
    return hashlib.sha256(cle.encode()).hexdigest()


def verifier_les_noms(reference: str, envois: Sequence[str]) -> None:
    """``ValueError``, comme le moteur, pour une référence ou un identifiant d'envoi qui ne
    doit pas devenir un chemin (ils peuvent venir d'une adresse web)."""
    if not reference_valide(reference):
        raise ValueError(f"référence invalide : {reference!r}")
    for identifiant in envois:
        debut, _, sorte = identifiant.rpartition("-")
        if not reference_valide(debut) or not sorte.isalnum() or not sorte.isascii():
            raise ValueError(f"identifiant d'envoi invalide : {identifiant!r}")


class Chemins:
    """Les chemins des fichiers du moteur (``StockageTinyDB``), en chaînes : ``pathlib``
    coûterait ici plus que l'écriture. Les références et identifiants sont déjà vérifiés
    (par le moteur, avant d'être journalisés) ; un test compare avec le moteur."""

    def __init__(self, moteur: StockageTinyDB) -> None:
        self.racine = os.fspath(moteur.dossier)

    def signalement(self, reference: str) -> str:
        return f"{self.racine}/signalements/{reference[4:6]}/{reference}.json"

    def envoi(self, identifiant: str) -> str:
        return f"{self.racine}/boite_envoi/{identifiant}.json"

    def cle(self, empreinte: str) -> str:
        return f"{self.racine}/idempotence/{empreinte[:2]}/{empreinte}.json"


@dataclass(frozen=True)
class Creation:
    """Un enregistrement du journal ; les documents sont gardés déjà encodés en JSON."""

    reference: str
    signalement: bytes
    envois: tuple[tuple[str, bytes], ...]
    cle: tuple[str, bytes] | None = None  # (empreinte de la clé, {"empreinte", "reference"})

    @classmethod
    def nouvelle(cls, signalement: Document, envois: Sequence[Document],
                 cle: tuple[str, str, str] | None) -> Creation:
        """``cle`` : (empreinte de la clé, empreinte du contenu, référence)."""
        return cls(
            signalement["reference"], _json(signalement),
            tuple((envoi["id"], _json(envoi)) for envoi in envois),
            (cle[0], _json({"empreinte": cle[1], "reference": cle[2]})) if cle else None,
        )

    def encoder(self) -> bytes:
        """Le contenu de l'enregistrement : un objet JSON, fait des octets déjà encodés."""
        cle = (b'{"empreinte_cle":"%s","valeur":%s}' % (self.cle[0].encode(), self.cle[1])
               if self.cle else b"null")
        return (b'{"version":%d,"cle":%s,"envois":[%s],"signalement":%s}'
                % (VERSION, cle, b",".join(envoi for _, envoi in self.envois), self.signalement))

    @classmethod
    def decoder(cls, contenu: bytes) -> Creation:
        donnees = json.loads(contenu)
        if donnees.get("version") != VERSION:
            raise ValueError(f"version d'enregistrement inconnue : {donnees.get('version')!r}")
        cle = donnees["cle"]
        return cls.nouvelle(
            donnees["signalement"], donnees["envois"],
            (cle["empreinte_cle"], cle["valeur"]["empreinte"], cle["valeur"]["reference"])
            if cle else None)


def synchroniser_disque(dossier: Path) -> None:
    """``syncfs`` sur le système de fichiers de ``dossier`` (``sync`` hors de Linux)."""
    syncfs = getattr(_LIBC, "syncfs", None)
    if syncfs is None:
        os.sync()
        return
    descripteur = os.open(dossier, os.O_RDONLY)
    try:
        if syncfs(descripteur) != 0:
            numero = ctypes.get_errno()
            raise OSError(numero, os.strerror(numero), str(dossier))
    finally:
        os.close(descripteur)


def _deja_materialisee(chemins: Chemins, creation: Creation) -> bool:
    chemin = chemins.signalement(creation.reference)
    if not os.path.exists(chemin):
        return False
    try:
        return _lire(Path(chemin)) is not None
    except ValueError:  # un fichier abîmé par une coupure : réécrit
        return False


_NOMS = itertools.count()


def _ecrire_temporaire(prefixe: str, contenu: bytes) -> str:
    chemin = f"{prefixe}{next(_NOMS)}.tmp"
    descripteur = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        vue = memoryview(contenu)
        while vue:
            vue = vue[os.write(descripteur, vue):]
    finally:
        os.close(descripteur)
    return chemin


def _placer(temporaire: str, chemin: str) -> None:
    try:
        os.rename(temporaire, chemin)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(chemin), exist_ok=True)
        os.rename(temporaire, chemin)


def _table(document: bytes) -> bytes:
    return b'{"%s":{"1":%s}}' % (TABLE.encode(), document)


def vider_les_temporaires(temporaire: Path) -> None:
    """Efface les restes d'une matérialisation interrompue (avant d'en commencer une)."""
    temporaire.mkdir(parents=True, exist_ok=True)
    for fichier in os.scandir(temporaire):
        os.unlink(fichier.path)


def materialiser(moteur: StockageTinyDB, creations: Sequence[Creation], temporaire: Path,
                 synchroniser: Callable[[Path], None] = synchroniser_disque) -> int:
    """Écrit les créations dans les fichiers du moteur ; rend le nombre écrit (celles dont
    le signalement est déjà lisible sont sautées). Durable quand la fonction rend la main.

    Les fichiers temporaires sont tous créés dans ``temporaire`` (un dossier du même système
    de fichiers), puis renommés à leur place : ext4 loge l'inode d'un fichier près de son
    dossier, et créer dans 900 dossiers différents coûte ici dix fois plus cher (mesuré :
    ~200 µs contre ~20 µs par fichier) que créer dans un seul, puis renommer."""
    chemins = Chemins(moteur)
    a_faire = [c for c in creations if not _deja_materialisee(chemins, c)]
    if not a_faire:
        return 0
    prefixe = os.path.join(temporaire, f"{os.getpid()}-")
    d_abord: list[tuple[str, str]] = []
    ensuite: list[tuple[str, str]] = []
    try:
        for creation in a_faire:
            if creation.cle is not None:
                d_abord.append((_ecrire_temporaire(prefixe, _table(creation.cle[1])),
                                chemins.cle(creation.cle[0])))
            for identifiant, envoi in creation.envois:
                d_abord.append((_ecrire_temporaire(prefixe, _table(envoi)),
                                chemins.envoi(identifiant)))
            ensuite.append((_ecrire_temporaire(prefixe, _table(creation.signalement)),
                            chemins.signalement(creation.reference)))
        synchroniser(moteur.dossier)
        for etape in (d_abord, ensuite):
            for fichier, chemin in etape:
                _placer(fichier, chemin)
            synchroniser(moteur.dossier)
    except BaseException:
        vider_les_temporaires(temporaire)  # ceux qui n'ont pas été placés
        raise
    return len(a_faire)
