"""Du journal aux fichiers TinyDB : ce qu'un enregistrement contient, et comment un lot
d'enregistrements devient des fichiers du moteur ``StockageTinyDB``, durablement.

Un enregistrement du journal est une **création** : le signalement, ses entrées de la
boîte d'envoi et, s'il y en a une, la clé d'idempotence qui y mène. Les trois sont écrits
ensemble, en un seul enregistrement : il n'y a pas d'état intermédiaire à réparer. Les
documents ne sont encodés en JSON, pour leurs fichiers, qu'à la matérialisation, hors du
chemin de la requête.

Les fichiers écrits sont exactement ceux du moteur (mêmes chemins, même contenu : une table
TinyDB d'un seul document) ; sans le journal, ``StockageTinyDB`` les lit tels quels. Mais
au lieu de deux ``fsync`` par fichier, un lot entier coûte trois synchronisations du
système de fichiers (``syncfs``), dans cet ordre :

1. tous les fichiers temporaires, dans un dossier à part (``journal/a_placer/``), puis
   synchronisation : tout ce qui sera renommé a déjà son contenu sur disque ;
2. renommage des clés, des entrées de la boîte d'envoi et des marques des index par date
   (``index_par_date.py``), puis synchronisation ;
3. renommage des signalements, puis synchronisation.

Un signalement présent sur disque a donc toujours sa clé et son entrée présentes avant lui
(ou retirées depuis par qui l'a traité). Rejouer un enregistrement dont le signalement est
déjà lisible ne fait rien : on n'écrase jamais ce qu'un autre a modifié depuis.
"""

from __future__ import annotations

import ctypes
import functools
import io
import itertools
import json
import logging
import os
import pickle
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from fonctions.socle.jetons import reference_valide
from fonctions.stockage.base import Document
from fonctions.stockage.index_par_date import marques
from fonctions.stockage.tinydb import TABLE, StockageTinyDB, _lire

VERSION = 1
journal_log = logging.getLogger("aiguillage.stockage")
try:
    _LIBC = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover — sans libc chargeable, ``os.sync``
    _LIBC = None


# Comme ``StockageJSONAtomique.write`` : les octets d'un document sont ceux du fichier.
_ENCODEUR = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _en_texte(valeur: object) -> str:
    journal_log.error("Valeur sans équivalent JSON dans un document : %r, gardée en texte.",
                      valeur)
    return str(valeur)


# Le repli ne doit jamais échouer : la création est déjà confirmée au citoyen. En ASCII,
# une chaîne reçue avec une moitié de paire de substitution (``"\\ud800"`` en JSON, qui
# n'a pas d'UTF-8) est échappée et se relit à l'identique ; un ensemble ou des octets
# deviennent du texte ; une clé qui n'est pas un texte (un tuple) est omise.
_ENCODEUR_DE_REPLI = json.JSONEncoder(separators=(",", ":"), default=_en_texte, skipkeys=True)


def _json(valeur) -> bytes:
    try:
        return _ENCODEUR.encode(valeur).encode()
    except (TypeError, ValueError, UnicodeEncodeError):
        return _ENCODEUR_DE_REPLI.encode(valeur).encode()


# Une même référence est vérifiée trois ou quatre fois par signalement reçu.
reference_correcte = functools.lru_cache(maxsize=1024)(reference_valide)


def verifier_les_noms(reference: str, envois: Sequence[str]) -> None:
    """``ValueError``, comme le moteur, pour une référence ou un identifiant d'envoi qui ne
    doit pas devenir un chemin (ils peuvent venir d'une adresse web)."""
    if not reference_correcte(reference):
        raise ValueError(f"référence invalide : {reference!r}")
    for identifiant in envois:
        debut, _, sorte = identifiant.rpartition("-")
        if not reference_correcte(debut) or not sorte.isalnum() or not sorte.isascii():
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


class Creation(NamedTuple):
    """Un enregistrement du journal : ``contenu`` est ce qui y est écrit.

    Le contenu est un *pickle* de ``(version, signalement, envois, clé)`` (clé :
    ``(empreinte de la clé, empreinte du contenu, référence)`` ou ``None``) : le plus cher
    de la requête était d'encoder ces documents en JSON (25 µs sur 190), et ils ne le sont
    plus qu'à la matérialisation, hors du chemin de la requête. Le journal est un format
    interne et éphémère ; ``_Pickleur`` refuse d'y écrire une classe (``TypeError`` à la
    création, comme le moteur pour un document qui n'est pas du JSON) et ``_Depickleur``
    d'en relire une : rien d'autre que des dictionnaires, listes, chaînes et nombres.

    Un tuple de chaînes et d'octets : le ramasse-miettes cesse vite de le suivre, alors
    que des milliers de créations peuvent attendre en mémoire pendant une rafale."""

    reference: str
    empreinte_cle: str | None
    contenu: bytes

    @classmethod
    def nouvelle(cls, signalement: Document, envois: Sequence[Document],
                 cle: tuple[str, str, str] | None) -> Creation:
        """``cle`` : (empreinte de la clé, empreinte du contenu, référence)."""
        return cls(signalement["reference"], cle[0] if cle else None,
                   _pickler((VERSION, signalement, list(envois), cle)))

    @classmethod
    def decoder(cls, contenu: bytes) -> Creation:
        _, signalement, _, cle = _lire_enregistrement(contenu)
        return cls(signalement["reference"], cle[0] if cle else None, contenu)

    def documents(self) -> tuple[Document, list[Document], tuple[str, str, str] | None]:
        """Le signalement, ses envois et la clé, relus (des objets neufs à chaque appel)."""
        _, signalement, envois, cle = _lire_enregistrement(self.contenu)
        return signalement, envois, cle


class _Pickleur(pickle.Pickler):
    def reducer_override(self, valeur: object):
        # Appelé pour ce qui n'est ni dictionnaire, ni liste, ni chaîne, ni nombre… : un
        # document qui n'est pas du JSON est refusé tout de suite, comme par le moteur.
        raise TypeError(f"valeur sans équivalent JSON dans un document : {valeur!r}")


_PICKLEURS = threading.local()  # un par fil, gardé : en créer un coûte autant que s'en servir


def _pickler(valeur: object) -> bytes:
    """Sans mémo (mode « fast ») : un document JSON n'a ni référence partagée à préserver ni
    cycle (le pickleur en refuse un par ``ValueError``), et noter chaque objet au mémo
    coûtait le quart du pickle."""
    try:
        tampon, pickleur = _PICKLEURS.actuel
    except AttributeError:
        tampon = io.BytesIO()
        pickleur = _Pickleur(tampon, protocol=5)
        pickleur.fast = True
        _PICKLEURS.actuel = tampon, pickleur
    tampon.seek(0)
    tampon.truncate()
    try:
        pickleur.dump(valeur)
    except BaseException:
        del _PICKLEURS.actuel  # un état à moitié écrit : on repartira d'un neuf
        raise
    return tampon.getvalue()


class _Depickleur(pickle.Unpickler):
    def find_class(self, module: str, nom: str):
        raise pickle.UnpicklingError(f"classe refusée dans le journal : {module}.{nom}")


def _lire_enregistrement(contenu: bytes) -> tuple:
    donnees = _Depickleur(io.BytesIO(contenu)).load()
    if not isinstance(donnees, tuple) or len(donnees) != 4 or donnees[0] != VERSION:
        raise ValueError(f"enregistrement de journal inconnu : {contenu[:40]!r}…")
    return donnees


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
            signalement, envois, cle = creation.documents()
            if cle is not None:
                valeur = _json({"empreinte": cle[1], "reference": cle[2]})
                d_abord.append((_ecrire_temporaire(prefixe, _table(valeur)), chemins.cle(cle[0])))
            for envoi in envois:
                d_abord.append((_ecrire_temporaire(prefixe, _table(_json(envoi))),
                                chemins.envoi(envoi["id"])))
            # Les index par date, avant le signalement comme chez le moteur (fichiers vides).
            d_abord.extend((_ecrire_temporaire(prefixe, b""), marque)
                           for marque in marques(chemins.racine, signalement)
                           if not os.path.exists(marque))
            ensuite.append((_ecrire_temporaire(prefixe, _table(_json(signalement))),
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
