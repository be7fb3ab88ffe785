"""Déménager un territoire : copier un dossier TinyDB dans une base PostgreSQL.

``python -m fonctions migrer --vers postgresql://…`` (le dossier est ``AIGUILLAGE_DONNEES``,
ou ``--depuis``). La copie :

- **sûre** : le journal du dossier est d'abord rejoué (ce qu'un arrêt brutal a laissé), puis
  le dossier est tenu (``journal/proprietaire.verrou``) le temps de la copie ; un serveur
  qui reçoit encore des signalements de ce dossier la fait refuser ;
- **idempotente et reprenable** : chaque ligne est écrite ``ON CONFLICT DO NOTHING``, par
  lots validés un à un ; une copie interrompue (coupure, Ctrl-C) se reprend en relançant la
  même commande, qui saute ce qui est déjà là ; la relancer après une copie complète ne
  change rien ;
- **vérifiée** : à la fin, chaque signalement, photo, envoi, attribution ouverte, clé
  d'idempotence, compte de recherche, identifiant rendu par un service Open311 et relevé
  Open311 du dossier est cherché dans la base ; la commande dit ce qui manque et rend 1
  s'il manque quelque chose.

Ce qui existe déjà dans la base n'est jamais remplacé (un signalement reçu depuis par le
serveur PostgreSQL garde sa version), sauf un relevé Open311 plus ancien que celui du
dossier : un relevé ne recule jamais, il avance jusqu'au plus récent des deux.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from fonctions.stockage.journalise import StockageJournalise
from fonctions.stockage.postgresql import appliquer_migrations
from fonctions.stockage.tinydb import StockageTinyDB, _lire
from fonctions.stockage.verrou_de_dossier import VerrouDeDossier

LOT = 500  # lignes par transaction


class DossierOccupe(RuntimeError):
    """Un serveur reçoit encore les signalements de ce dossier."""


@dataclass
class Bilan:
    """Par sorte : (dans le dossier, copiés par ce passage, présents dans la base)."""

    sortes: dict[str, list[int]] = field(default_factory=dict)

    def compter(self, sorte: str, source: int, copies: int, presents: int) -> None:
        self.sortes[sorte] = [source, copies, presents]

    @property
    def complet(self) -> bool:
        return all(source == presents for source, _, presents in self.sortes.values())

    def en_texte(self) -> str:
        lignes = []
        for sorte, (source, copies, presents) in self.sortes.items():
            etat = "complet" if source == presents else f"MANQUE {source - presents}"
            lignes.append(f"{sorte} : {source} dans le dossier, {copies} copié(s) par ce passage, "
                          f"{presents} dans la base — {etat}")
        lignes.append("Copie vérifiée : rien ne manque." if self.complet else
                      "Copie incomplète : relancez la même commande pour la reprendre.")
        return "\n".join(lignes)


def _par_lots(elements: Iterable, taille: int | None = None) -> Iterator[list]:
    taille = taille or LOT
    lot = []
    for element in elements:
        lot.append(element)
        if len(lot) == taille:
            yield lot
            lot = []
    if lot:
        yield lot


def _documents(dossier: Path) -> Iterator[dict]:
    if not dossier.exists():
        return
    for chemin in sorted(dossier.rglob("*.json")):
        if not chemin.name.startswith("."):  # pas un reste d'écriture interrompue
            document = _lire(chemin)
            if document is not None:
                yield document


def demenager(dossier: Path, url: str, *,
              apres_chaque_lot: Callable[[str, int], None] | None = None) -> Bilan:
    """Copie ``dossier`` (TinyDB) dans la base ``url`` ; rend le bilan vérifié.
    ``apres_chaque_lot(sorte, nombre)`` est appelé après chaque lot validé (progression)."""
    dossier = Path(dossier)
    if not (dossier / "signalements").exists() and not (dossier / "journal").exists():
        raise FileNotFoundError(f"{dossier} ne contient aucun signalement TinyDB "
                                "(ni signalements/ ni journal/) : vérifiez AIGUILLAGE_DONNEES "
                                "ou --depuis.")
    StockageJournalise(StockageTinyDB(dossier)).fermer()  # rejoue le journal s'il en reste
    verrou = VerrouDeDossier(dossier / "journal" / "proprietaire.verrou")
    if not verrou.prendre():
        raise DossierOccupe(f"Un serveur reçoit encore les signalements de {dossier} : "
                            "arrêtez-le, puis relancez la copie.")
    moteur = StockageTinyDB(dossier)
    try:
        appliquer_migrations(url)
        with psycopg.connect(url, autocommit=True) as connexion:
            return _copier(moteur, dossier, connexion, apres_chaque_lot or (lambda s, n: None))
    finally:
        moteur.fermer()
        verrou.rendre()


def _copier(moteur: StockageTinyDB, dossier: Path, connexion: psycopg.Connection,
            progression: Callable[[str, int], None]) -> Bilan:
    bilan = Bilan()

    def copier(sorte: str, requete: str, lignes: Iterable[tuple], verifier: str,
               colonnes: int = 1) -> None:
        """Copie ``lignes`` par lots, puis compte combien de leurs clés (les ``colonnes``
        premières valeurs) sont dans la base."""
        source, copies, cles = 0, 0, []
        for lot in _par_lots(lignes):
            with connexion.transaction(), connexion.cursor() as curseur:
                for ligne in lot:
                    curseur.execute(requete, ligne)
                    copies += curseur.rowcount
            source += len(lot)
            cles.extend(tuple(ligne[:colonnes]) for ligne in lot)
            progression(sorte, source)
        presents = 0
        for lot in _par_lots(cles, 5000):
            tableaux = tuple([cle[i] for cle in lot] for i in range(colonnes))
            presents += connexion.execute(verifier, tableaux).fetchone()[0]
        bilan.compter(sorte, source, copies, presents)

    references = moteur.lister_references()

    def signalements() -> Iterator[tuple]:
        for reference in references:
            document = moteur.lire_signalement(reference)
            if document is not None:
                yield reference, Jsonb(document)

    def photos() -> Iterator[tuple]:
        racine = dossier / "photos"
        for reference in references:
            sous = racine / reference
            if sous.is_dir():
                for fichier in sorted(sous.iterdir()):
                    if not fichier.name.startswith("."):
                        yield reference, fichier.name, fichier.read_bytes()

    copier("signalements",
           "INSERT INTO signalements (reference, document) VALUES (%s, %s) "
           "ON CONFLICT (reference) DO NOTHING", signalements(),
           "SELECT count(*) FROM signalements WHERE reference = ANY(%s::text[])")
    copier("photos",
           "INSERT INTO photos (reference, nom, contenu) VALUES (%s, %s, %s) "
           "ON CONFLICT (reference, nom) DO NOTHING", photos(),
           "SELECT count(*) FROM photos p JOIN unnest(%s::text[], %s::text[]) AS l(r, n) "
           "ON p.reference = l.r AND p.nom = l.n", colonnes=2)
    copier("envois",
           "INSERT INTO boite_envoi (id, reference, document) SELECT %s, %s, %s "
           "ON CONFLICT (id) DO NOTHING",
           ((e["id"], e["reference"], Jsonb(e)) for e in moteur.lister_envois()),
           "SELECT count(*) FROM boite_envoi WHERE id = ANY(%s::text[])")
    copier("attributions ouvertes",
           "INSERT INTO ouvertes (id, reference, document) SELECT %s, %s, %s "
           "ON CONFLICT (id) DO NOTHING",
           ((e["id"], e["reference"], Jsonb(e)) for e in moteur.lister_ouvertes()),
           "SELECT count(*) FROM ouvertes WHERE id = ANY(%s::text[])")

    def cles() -> Iterator[tuple]:
        for chemin in sorted((dossier / "idempotence").rglob("*.json")):
            if chemin.name.startswith("."):
                continue
            document = _lire(chemin)
            if document is not None:
                yield chemin.stem, document["empreinte"], document["reference"]

    copier("clés d'idempotence",
           "INSERT INTO cles_idempotence (empreinte_cle, empreinte, reference) "
           "VALUES (%s, %s, %s) ON CONFLICT (empreinte_cle) DO NOTHING", cles(),
           "SELECT count(*) FROM cles_idempotence WHERE empreinte_cle = ANY(%s::text[])")

    def recherches() -> Iterator[tuple]:
        for document in _documents(dossier / "recherches_vides"):
            jour = date.fromisoformat(document["jour"])
            for texte, nombre in sorted(document.get("textes", {}).items()):
                yield jour.isoformat(), texte, nombre

    copier("recherches sans résultat (jour, texte)",
           "INSERT INTO recherches_vides (jour, texte, nombre) VALUES (%s, %s, %s) "
           "ON CONFLICT (jour, texte) DO NOTHING", recherches(),
           "SELECT count(*) FROM recherches_vides v JOIN unnest(%s::date[], %s::text[]) "
           "AS l(j, t) ON v.jour = l.j AND v.texte = l.t", colonnes=2)
    copier("identifiants Open311 (service, identifiant)",
           "INSERT INTO identifiants_externes (service, identifiant, reference) "
           "VALUES (%s, %s, %s) ON CONFLICT (service, identifiant) DO NOTHING",
           moteur.lister_identifiants_externes(),
           "SELECT count(*) FROM identifiants_externes e JOIN unnest(%s::text[], %s::text[]) "
           "AS l(s, i) ON e.service = l.s AND e.identifiant = l.i", colonnes=2)
    copier("relevés Open311",
           "INSERT INTO releves (service, moment) VALUES (%s, %s) ON CONFLICT (service) "
           "DO UPDATE SET moment = excluded.moment WHERE releves.moment < excluded.moment",
           moteur.lister_releves(),
           "SELECT count(*) FROM releves WHERE service = ANY(%s::text[])")
    return bilan
