"""Le stockage par défaut : TinyDB, un petit fichier par document.

TinyDB réécrit tout son fichier à chaque écriture : un fichier unique coûterait de plus
en plus cher à chaque signalement. Chaque document a donc son propre petit fichier, et
le coût d'une écriture ne dépend pas du nombre de signalements reçus ::

    donnees/
      signalements/7K/AIG-7K3M-Q9.json   un signalement et son historique
      photos/AIG-7K3M-Q9/photo-1.jpg     ses photos, réencodées
      boite_envoi/AIG-7K3M-Q9-transmission.json (+ .verrou)   ce qui reste à envoyer
      ouvertes/AIG-7K3M-Q9-2.json                 l'index des attributions ouvertes
      idempotence/3f/3f9a….json (+ .verrou)    une clé d'idempotence → une référence
      recherches_vides/2025-03-10.json   les recherches sans résultat d'un jour, comptées
      identifiants_externes/3f/3f9a….json   un identifiant rendu par un service Open311
                                            → une référence (écrit une fois)
      releves/9c2e….json                 le dernier relevé des mises à jour d'un service
      index/crees/2025-03-10/…, index/evenements/2025-03-10/…   les index par date
                                         (fichiers vides, voir index_par_date.py)
      verrous/00.verrou … 63.verrou              verrous partagés entre processus
      courriels/20250310T090000-1a2b3c4d.eml   en développement, les courriels « envoyés »

Les écritures passent par ``StockageJSONAtomique`` (fichier temporaire, fsync,
os.replace) et les modifications se font sous verrou (fil + ``flock``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

from tinydb import TinyDB
from tinydb.storages import Storage

from fonctions.socle.fichiers import (
    MOTIF_TEMPORAIRE,
    Verrous,
    ecrire_atomiquement,
    verrou_non_bloquant,
)
from fonctions.socle.jetons import reference_valide
from fonctions.stockage import index_par_date
from fonctions.stockage.base import (
    CleEnCours,
    CleReutilisee,
    Document,
    Ecritures,
    ReferencePrise,
    Reservation,
    Stockage,
    empreinte_cle,
)

TABLE = "document"
# Textes différents comptés au plus par jour : chaque ajout réécrit le fichier du jour, dont
# la taille doit rester bornée même si des milliers d'adresses envoient chacune des textes
# inventés. Au-delà, un texte déjà vu ce jour-là est encore compté, un nouveau ne l'est pas.
TEXTES_PAR_JOUR_MAX = 5000


class StockageJSONAtomique(Storage):
    """Un stockage TinyDB dont chaque écriture est atomique et synchronisée sur disque."""

    def __init__(self, chemin: Path) -> None:
        self.chemin = Path(chemin)

    def read(self) -> dict | None:
        try:
            contenu = self.chemin.read_bytes()
        except FileNotFoundError:
            return None
        return json.loads(contenu) if contenu else None

    def write(self, data: dict) -> None:
        texte = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        ecrire_atomiquement(self.chemin, texte.encode())

    def close(self) -> None:
        pass


def _table(chemin: Path):
    return TinyDB(chemin, storage=StockageJSONAtomique).table(TABLE, cache_size=0)


def _lire(chemin: Path) -> Document | None:
    document = _table(chemin).get(doc_id=1)
    return dict(document) if document is not None else None


def _ecrire(chemin: Path, document: Document) -> None:
    # Un fichier = une table TinyDB d'un seul document (doc_id 1). L'écrire en entier par
    # le stockage évite la lecture qu'un ``upsert`` ferait d'abord.
    StockageJSONAtomique(chemin).write({TABLE: {"1": document}})


def _garde(document: Document, noeuds: Collection[str] | None,
           etats: Collection[str] | None, sans_etats: Collection[str] | None) -> bool:
    """Les filtres de ``lister_par_creation``, sur un document lu."""
    etat = document.get("etat")
    return ((noeuds is None or (document.get("noeud") or {}).get("id") in noeuds)
            and (etats is None or etat in etats)
            and (sans_etats is None or etat not in sans_etats))


class ReservationTinyDB(Reservation):
    def __init__(self, chemin: Path, empreinte: str, reference: str) -> None:
        self.chemin, self.empreinte, self.reference = chemin, empreinte, reference

    def changer_reference(self, reference: str) -> None:
        _ecrire(self.chemin, {"empreinte": self.empreinte, "reference": reference})
        self.reference = reference


class StockageTinyDB(Stockage):
    def __init__(self, dossier: Path, *, textes_par_jour_max: int = TEXTES_PAR_JOUR_MAX) -> None:
        self.dossier = Path(dossier)
        self.verrous = Verrous(self.dossier / "verrous")
        self.textes_par_jour_max = textes_par_jour_max

    # Chemins : une référence ou un identifiant d'envoi est vérifié avant de devenir un
    # chemin (ils peuvent venir d'une adresse web).
    def _signalement(self, reference: str) -> Path:
        if not reference_valide(reference):
            raise ValueError(f"référence invalide : {reference!r}")
        return self.dossier / "signalements" / reference[4:6] / f"{reference}.json"

    def _envoi(self, identifiant: str, suffixe: str = ".json") -> Path:
        reference, _, sorte = identifiant.rpartition("-")
        if not reference_valide(reference) or not sorte.isalnum() or not sorte.isascii():
            raise ValueError(f"identifiant d'envoi invalide : {identifiant!r}")
        return self.dossier / "boite_envoi" / f"{identifiant}{suffixe}"

    def _ouverte(self, identifiant: str) -> Path:
        reference, _, numero = identifiant.rpartition("-")
        if not reference_valide(reference) or not numero.isdigit() or not numero.isascii():
            raise ValueError(f"identifiant d'attribution invalide : {identifiant!r}")
        return self.dossier / "ouvertes" / f"{identifiant}.json"

    def _photos(self, reference: str) -> Path:
        if not reference_valide(reference):
            raise ValueError(f"référence invalide : {reference!r}")
        return self.dossier / "photos" / reference

    # Idempotence
    @contextmanager
    def reserver_cle(self, cle: str, empreinte: str, reference: str) -> Iterator[Reservation]:
        fichier = empreinte_cle(cle)
        dossier = self.dossier / "idempotence" / fichier[:2]
        with verrou_non_bloquant(dossier / f"{fichier}.verrou") as tenu:
            if not tenu:
                raise CleEnCours(cle)
            chemin = dossier / f"{fichier}.json"
            connu = _lire(chemin)
            if connu is None:
                reservation = ReservationTinyDB(chemin, empreinte, reference)
                reservation.changer_reference(reference)
                reservation.nouvelle = True
            elif connu["empreinte"] != empreinte:
                raise CleReutilisee(cle)
            else:
                reservation = ReservationTinyDB(chemin, empreinte, connu["reference"])
            yield reservation

    def reference_de_cle(self, cle: str) -> str | None:
        fichier = empreinte_cle(cle)
        chemin = self.dossier / "idempotence" / fichier[:2] / f"{fichier}.json"
        connu = _lire(chemin) if chemin.exists() else None
        return connu["reference"] if connu else None

    # Signalements
    def creer_signalement(
        self, signalement: Document, photos: Sequence[tuple[str, bytes]], envois: Sequence[Document]
    ) -> None:
        reference = signalement["reference"]
        chemin = self._signalement(reference)
        with self.verrous.tenir(reference):
            if chemin.exists():
                raise ReferencePrise(reference)
            for nom, contenu in photos:
                ecrire_atomiquement(self._photos(reference) / Path(nom).name, contenu)
            for envoi in envois:
                _ecrire(self._envoi(envoi["id"]), envoi)
            index_par_date.marquer(self._marques(signalement))
            _ecrire(chemin, signalement)  # dernier : le signalement existe, tout est là

    def lire_signalement(self, reference: str) -> Document | None:
        if not reference_valide(reference):
            return None
        return _lire(self._signalement(reference))

    def lire_photo(self, reference: str, nom: str) -> bytes:
        return (self._photos(reference) / Path(nom).name).read_bytes()

    def compter_signalements(self) -> int:
        racine = self.dossier / "signalements"
        if not racine.exists():
            return 0
        return sum(
            1 for sous in os.scandir(racine) if sous.is_dir()
            for f in os.scandir(sous.path) if f.name.endswith(".json") and f.name[0] != "."
        )

    # Boîte d'envoi
    def ajouter_envoi(self, envoi: Document) -> None:
        with self.verrous.tenir(envoi["id"]):
            _ecrire(self._envoi(envoi["id"]), envoi)

    def lister_envois(self) -> list[Document]:
        dossier = self.dossier / "boite_envoi"
        if not dossier.exists():
            return []
        envois = []
        for fichier in os.scandir(dossier):
            if fichier.name.endswith(".json") and not fichier.name.startswith("."):
                envoi = _lire(Path(fichier.path))
                if envoi is not None:
                    envois.append(envoi)
        return envois

    @contextmanager
    def reclamer_envoi(self, identifiant: str) -> Iterator[Document | None]:
        with verrou_non_bloquant(self._envoi(identifiant, ".verrou")) as tenu:
            yield _lire(self._envoi(identifiant)) if tenu else None

    def enregistrer_envoi(self, envoi: Document) -> None:
        with self.verrous.tenir(envoi["id"]):
            _ecrire(self._envoi(envoi["id"]), envoi)

    def supprimer_envoi(self, identifiant: str) -> None:
        with self.verrous.tenir(identifiant):
            self._envoi(identifiant).unlink(missing_ok=True)
            self._envoi(identifiant, ".verrou").unlink(missing_ok=True)

    # Suivi entre services
    def changer_signalement(
        self, reference: str, transformation: Callable[[Document], Ecritures]
    ) -> Document:
        chemin = self._signalement(reference)
        with self.verrous.tenir(reference):
            document = _lire(chemin)
            if document is None:
                raise KeyError(reference)
            ecritures = transformation(document)
            for nom, contenu in ecritures.photos:
                ecrire_atomiquement(self._photos(reference) / Path(nom).name, contenu)
            for entree in ecritures.ouvertes:
                _ecrire(self._ouverte(entree["id"]), entree)
            for envoi in ecritures.envois:
                # Sans le verrou de l'envoi (jamais deux verrous à la fois) : un envoi neuf
                # n'est lu par la boîte qu'une fois le signalement écrit (``compteur_envois``).
                _ecrire(self._envoi(envoi["id"]), envoi)
            if not ecritures.inchange:
                index_par_date.marquer(self._marques(document))
                _ecrire(chemin, document)
            for identifiant in ecritures.fermees:
                self._ouverte(identifiant).unlink(missing_ok=True)
            return document

    def lister_ouvertes(self) -> list[Document]:
        dossier = self.dossier / "ouvertes"
        if not dossier.exists():
            return []
        entrees = []
        for fichier in os.scandir(dossier):
            if fichier.name.endswith(".json") and not fichier.name.startswith("."):
                entree = _lire(Path(fichier.path))
                if entree is not None:
                    entrees.append(entree)
        return entrees

    # Index par date (voir index_par_date.py)
    def _marques(self, document: Document) -> list[str]:
        return index_par_date.marques(os.fspath(self.dossier), document)

    def _index_pret(self) -> str:
        """La racine, une fois les index construits : la première fois, pour les
        signalements écrits avant eux (une passe sur tous, sous un verrou ; les écritures
        concurrentes marquent les leurs elles-mêmes)."""
        racine = os.fspath(self.dossier)
        if not index_par_date.construit(racine):
            with self.verrous.tenir("index"):
                if not index_par_date.construit(racine):
                    for reference in self.lister_references():
                        document = self.lire_signalement(reference)
                        if document is not None:
                            index_par_date.marquer(self._marques(document))
                    index_par_date.noter_construit(racine)
        return racine

    def lister_par_creation(self, debut: datetime, fin: datetime, nombre: int,
                            decalage: int = 0, *, noeuds: Collection[str] | None = None,
                            etats: Collection[str] | None = None,
                            sans_etats: Collection[str] | None = None) -> list[Document]:
        filtre = noeuds is not None or etats is not None or sans_etats is not None
        trouves: list[Document] = []
        for reference in index_par_date.crees(self._index_pret(), debut, fin):
            if not filtre and decalage:
                # Sans filtre, une entrée sautée n'est pas lue : son fichier existe-t-il ?
                decalage -= self._signalement(reference).exists()
                continue
            document = self.lire_signalement(reference)
            if document is None or (filtre and not _garde(document, noeuds, etats, sans_etats)):
                continue
            if decalage:
                decalage -= 1
                continue
            trouves.append(document)
            if len(trouves) == nombre:
                break
        return trouves

    def lister_evenements(self, debut: datetime, fin: datetime,
                          apres: tuple[datetime, str] | None, nombre: int
                          ) -> list[tuple[datetime, str]]:
        return index_par_date.evenements(self._index_pret(), debut, fin, apres, nombre)

    # Recherches sans résultat : un fichier par jour, {"jour": …, "textes": {texte: nombre}}
    def _jour(self, jour: date) -> Path:
        return self.dossier / "recherches_vides" / f"{jour.isoformat()}.json"

    def compter_recherche_vide(self, jour: date, texte: str) -> None:
        chemin = self._jour(jour)
        # Lire, ajouter, réécrire sous le verrou du jour (fil + flock) : aucun ajout
        # concurrent n'est perdu ; l'écriture atomique ne laisse jamais un fichier abîmé.
        with self.verrous.tenir(f"recherches_vides/{jour.isoformat()}"):
            document = _lire(chemin) or {"jour": jour.isoformat(), "textes": {}}
            textes = document["textes"]
            if texte not in textes and len(textes) >= self.textes_par_jour_max:
                return
            textes[texte] = textes.get(texte, 0) + 1
            _ecrire(chemin, document)

    def lister_recherches_vides(self, debut: date, fin: date, nombre: int
                                ) -> list[tuple[str, int]]:
        totaux: Counter[str] = Counter()
        jour = debut
        while jour <= fin:
            chemin = self._jour(jour)
            if chemin.exists():
                totaux.update((_lire(chemin) or {}).get("textes", {}))
            jour += timedelta(days=1)
        return sorted(totaux.items(), key=lambda paire: (-paire[1], paire[0]))[:nombre]

    def purger_recherches_vides(self, avant: date) -> int:
        dossier = self.dossier / "recherches_vides"
        if not dossier.exists():
            return 0
        effaces = 0
        for fichier in os.scandir(dossier):
            # « 2025-03-10.json », ou « .2025-03-10.json.<hasard>.tmp » qu'une écriture
            # interrompue par un arrêt brutal a laissé : lui aussi contient des recherches.
            nom = fichier.name.removeprefix(".")
            try:
                jour = date.fromisoformat(nom[:10])
            except ValueError:
                continue
            if jour >= avant:
                continue
            chemin = Path(fichier.path)
            with self.verrous.tenir(f"recherches_vides/{jour.isoformat()}"):
                if nom == f"{jour.isoformat()}.json":
                    effaces += len((_lire(chemin) or {}).get("textes", {}))
                chemin.unlink(missing_ok=True)
        return effaces

    # Services Open311 : un petit fichier par identifiant, un par service relevé. Le nom
    # est une empreinte : service et identifiant viennent d'ailleurs, jamais d'un chemin.
    def _identifiant_externe(self, service: str, identifiant: str) -> Path:
        nom = hashlib.sha256(f"{service}\0{identifiant}".encode()).hexdigest()
        return self.dossier / "identifiants_externes" / nom[:2] / f"{nom}.json"

    def _releve(self, service: str) -> Path:
        return self.dossier / "releves" / f"{hashlib.sha256(service.encode()).hexdigest()}.json"

    def retenir_identifiant_externe(self, service: str, identifiant: str, reference: str
                                    ) -> None:
        chemin = self._identifiant_externe(service, identifiant)
        # Sous le verrou (fil + flock) : le premier écrit, les suivants ne changent rien.
        with self.verrous.tenir(f"identifiants_externes/{chemin.stem}"):
            if not chemin.exists():
                _ecrire(chemin, {"service": service, "identifiant": identifiant,
                                 "reference": reference})

    def retrouver_par_identifiant_externe(self, service: str, identifiant: str) -> str | None:
        chemin = self._identifiant_externe(service, identifiant)
        if not chemin.exists():
            return None
        document = _lire(chemin)
        return document["reference"] if document else None

    def lister_identifiants_externes(self) -> list[tuple[str, str, str]]:
        """Tous les ``(service, identifiant, référence)`` retenus (pour le déménagement)."""
        racine = self.dossier / "identifiants_externes"
        if not racine.exists():
            return []
        trouves = []
        for chemin in racine.rglob("*.json"):
            if not chemin.name.startswith("."):  # pas un reste d'écriture interrompue
                document = _lire(chemin)
                if document is not None:
                    trouves.append((document["service"], document["identifiant"],
                                    document["reference"]))
        return sorted(trouves)

    def oublier_identifiants_externes(self, references: Collection[str]) -> int:
        references = set(references)
        racine = self.dossier / "identifiants_externes"
        if not references or not racine.exists():
            return 0
        effaces = 0
        for chemin in racine.rglob("*.json"):
            if chemin.name.startswith("."):
                continue
            with self.verrous.tenir(f"identifiants_externes/{chemin.stem}"):
                document = _lire(chemin) if chemin.exists() else None
                if document is not None and document["reference"] in references:
                    chemin.unlink()
                    effaces += 1
        return effaces

    def lire_releve(self, service: str) -> datetime | None:
        chemin = self._releve(service)
        document = _lire(chemin) if chemin.exists() else None
        return datetime.fromisoformat(document["moment"]) if document else None

    def noter_releve(self, service: str, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError(f"relevé sans fuseau horaire : {moment!r}")
        chemin = self._releve(service)
        with self.verrous.tenir(f"releves/{chemin.stem}"):
            ancien = self.lire_releve(service)
            if ancien is None or moment > ancien:
                _ecrire(chemin, {"service": service, "moment": moment.isoformat()})

    def lister_releves(self) -> list[tuple[str, datetime]]:
        """Tous les ``(service, moment)`` notés (pour le déménagement)."""
        racine = self.dossier / "releves"
        if not racine.exists():
            return []
        trouves = []
        for chemin in racine.glob("*.json"):
            if not chemin.name.startswith("."):
                document = _lire(chemin)
                if document is not None:
                    trouves.append((document["service"],
                                    datetime.fromisoformat(document["moment"])))
        return sorted(trouves)

    # Données personnelles
    def lister_references(self) -> list[str]:
        racine = self.dossier / "signalements"
        if not racine.exists():
            return []
        return sorted(
            f.name.removesuffix(".json") for sous in os.scandir(racine) if sous.is_dir()
            for f in os.scandir(sous.path) if f.name.endswith(".json") and f.name[0] != ".")

    def effacer_photos(self, reference: str) -> int:
        dossier = self._photos(reference)
        with self.verrous.tenir(reference):
            if not dossier.exists():
                return 0
            nombre = sum(1 for f in os.scandir(dossier) if not f.name.startswith("."))
            shutil.rmtree(dossier, ignore_errors=True)
        return nombre

    def oublier_cle(self, empreinte: str) -> bool:
        if len(empreinte) != 64 or not all(c in "0123456789abcdef" for c in empreinte):
            raise ValueError(f"empreinte de clé invalide : {empreinte!r}")
        dossier = self.dossier / "idempotence" / empreinte[:2]
        chemin = dossier / f"{empreinte}.json"
        with verrou_non_bloquant(dossier / f"{empreinte}.verrou") as tenu:
            if not tenu:
                raise CleEnCours(empreinte)
            existait = chemin.exists()
            chemin.unlink(missing_ok=True)
        (dossier / f"{empreinte}.verrou").unlink(missing_ok=True)
        return existait

    def effacer_restes(self, age_minimal: float) -> int:
        """Les fichiers temporaires d'``ecrire_atomiquement`` (``MOTIF_TEMPORAIRE``) dans tous les
        dossiers du moteur (pas ``journal/``, que son propriétaire vide lui-même), et les
        dossiers de photos sans signalement."""
        limite = time.time() - age_minimal
        effaces = 0
        for racine, dossiers, fichiers in os.walk(self.dossier):
            if Path(racine) == self.dossier:
                dossiers[:] = [d for d in dossiers if d != "journal"]
            for nom in fichiers:
                chemin = Path(racine) / nom
                if MOTIF_TEMPORAIRE.fullmatch(nom) and _plus_vieux(chemin, limite):
                    chemin.unlink(missing_ok=True)
                    effaces += 1
        photos = self.dossier / "photos"
        for dossier in os.scandir(photos) if photos.exists() else ():
            if not dossier.is_dir() or not reference_valide(dossier.name):
                continue
            # Les photos sont écrites avant leur signalement : un dossier récent peut
            # attendre le sien (``creer_signalement``, le journal).
            if not self._signalement(dossier.name).exists() and _plus_vieux(Path(dossier.path),
                                                                            limite):
                effaces += self.effacer_photos(dossier.name)
        return effaces

    def fermer(self) -> None:
        self.verrous.fermer()


def _plus_vieux(chemin: Path, limite: float) -> bool:
    try:
        return chemin.stat().st_mtime < limite
    except FileNotFoundError:
        return False

