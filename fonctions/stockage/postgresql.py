"""Le stockage PostgreSQL : pour plusieurs processus, sur une ou plusieurs machines.

Choisi par ``AIGUILLAGE_BASE_URL=postgresql://…`` (sans ce réglage, TinyDB reste le
défaut, voir ``docs/production.md``). psycopg 3 et son pool de connexions, pas d'ORM : les
documents de l'interface ``Stockage`` sont gardés tels quels dans des colonnes ``jsonb``.
Le schéma vient de fichiers SQL versionnés (``migrations/NNNN_nom.sql``), appliqués au
démarrage par ``appliquer_migrations`` sous un verrou consultatif : deux processus qui
démarrent ensemble ne migrent pas deux fois.

Ce que promet l'interface, et comment :

- **durable avant de rendre la main** : chaque écriture est validée (``COMMIT``) avant le
  retour, avec ``synchronous_commit`` à ``on`` (imposé à nos sessions si le serveur l'a
  mis à ``off``) : un 201 veut dire « sur disque » ;
- **un signalement = une transaction** : le signalement, ses photos (``bytea``, lues par
  tous les processus), ses entrées de la boîte d'envoi et sa clé d'idempotence ;
- **clé d'idempotence** : la clé primaire de ``cles_idempotence`` est la contrainte
  d'unicité ; ``reserver_cle`` ouvre la transaction, prend un verrou consultatif de
  transaction (``pg_try_advisory_xact_lock`` : pris ailleurs → ``CleEnCours``, 409), écrit
  la clé si elle est neuve, et la création du signalement se fait *dans la même
  transaction*, validée à la fin du bloc ``with`` ; un processus tué la défait toute ;
- **boîte d'envoi** : ``reclamer_envoi`` prend un verrou consultatif *de session*
  (``pg_try_advisory_lock``), l'équivalent de ``SELECT … FOR UPDATE SKIP LOCKED`` : qui ne
  l'obtient pas passe son chemin (``None``), et le serveur le rend de lui-même si le
  processus meurt (sa connexion se ferme). Un verrou de ligne ne conviendrait pas : la
  tentative doit être notée sur disque *avant* l'envoi (``boite_envoi.py``), donc validée
  pendant le bail, ce qu'une transaction tenue ouverte par ``FOR UPDATE`` empêcherait ;
- **changements** (``modifier_signalement``, ``changer_signalement``) : une transaction qui
  lit le signalement ``FOR UPDATE`` ; deux processus qui relancent la même attribution se
  suivent, et le second voit la relance déjà faite (``relances.py`` n'écrit alors rien).

Dans un même fil, les appels faits pendant un bloc ``reserver_cle`` ou ``reclamer_envoi``
passent par la connexion de ce bloc (``_connexion``) : ils voient ce que le bloc a écrit,
et un fil ne tient jamais deux connexions du pool pour une seule requête.

**Sans fil** : ``POST /api/signalements`` sans photo passe par les variantes asynchrones
(``reserver_cle_asynchrone``, ``lire_signalement_asynchrone``,
``creer_signalement_asynchrone``, appelées par ``enregistrer_asynchrone`` du domaine) :
mêmes instructions SQL, même transaction, mais sur un ``AsyncConnectionPool`` de la boucle
d'événements, sans saut vers un fil de Starlette (voir ``docs/performance.md``). Ce pool
est ouvert au premier appel dans la boucle et fermé par ``fermer_asynchrone`` à la fin du
lifespan ; appelées depuis une autre boucle, les variantes rendent la main au chemin par
un fil (``pool_asynchrone`` rend ``None``). Dans ce chemin, une création (avec une clé
neuve, ou sans clé) n'est pas écrite seule : elle rejoint le lot des créations arrivées en
même temps dans le processus, une instruction et une transaction pour toutes
(``postgresql_lots.py``, comme le journal de TinyDB).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import math
import re
import threading
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, nullcontext
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import psycopg
from psycopg import errors, sql
from psycopg.pq import TransactionStatus
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from fonctions.socle.jetons import reference_valide
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
from fonctions.stockage.postgresql_lots import CreationsParLots, Membre
from fonctions.stockage.tinydb import TEXTES_PAR_JOUR_MAX

journal = logging.getLogger("aiguillage.stockage")
TAILLE_DU_POOL = 10  # connexions au plus par processus
ATTENTE_DU_POOL = 30.0  # secondes au plus pour obtenir une connexion
MOTIF_MIGRATION = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")
_EMPREINTE = re.compile(r"[0-9a-f]{64}")


class ErreurBase(RuntimeError):
    """La base PostgreSQL ne peut pas servir (injoignable, schéma plus récent que ce code)."""


def verrou(espace: str, nom: str) -> int:
    """La clé (64 bits signés) d'un verrou consultatif : un espace par sorte de verrou, pour
    qu'une clé d'idempotence et un envoi ne tombent jamais sur le même verrou."""
    condensat = hashlib.blake2b(f"{espace}\x1f{nom}".encode(), digest_size=8).digest()
    return int.from_bytes(condensat, "big", signed=True)


VERROU_DES_MIGRATIONS = verrou("migrations", "aiguillage")


# Migrations
def migrations() -> list[tuple[int, str, str]]:
    """Les fichiers de ``migrations/`` : ``(version, nom, texte SQL)``, dans l'ordre."""
    dossier = resources.files("fonctions.stockage") / "migrations"
    trouvees = []
    for fichier in dossier.iterdir():
        correspondance = MOTIF_MIGRATION.fullmatch(fichier.name)
        if correspondance is None:
            if fichier.name.endswith(".sql"):
                raise ErreurBase(f"Migration mal nommée : {fichier.name} (attendu : "
                                 "NNNN_nom.sql, en minuscules).")
            continue
        trouvees.append((int(correspondance.group(1)), fichier.name,
                         fichier.read_text(encoding="utf-8")))
    trouvees.sort()
    versions = [version for version, _, _ in trouvees]
    if len(set(versions)) != len(versions):
        raise ErreurBase("Deux migrations portent le même numéro dans fonctions/stockage/migrations/.")
    return trouvees


def appliquer_migrations(url: str) -> list[str]:
    """Applique, chacune dans sa transaction, les migrations pas encore appliquées ; rend
    leurs noms. Un seul processus à la fois (verrou consultatif) : un second attend, puis
    n'a plus rien à faire."""
    connues = migrations()
    with _connecter(url) as connexion:
        connexion.execute("SELECT pg_advisory_lock(%s)", (VERROU_DES_MIGRATIONS,))
        try:
            connexion.execute(
                "CREATE TABLE IF NOT EXISTS aiguillage_versions ("
                " version integer PRIMARY KEY, nom text NOT NULL,"
                " appliquee_le timestamptz NOT NULL DEFAULT now())")
            faites = {v for (v,) in connexion.execute("SELECT version FROM aiguillage_versions")}
            plus_recentes = faites - {version for version, _, _ in connues}
            if plus_recentes and max(plus_recentes) > max(v for v, _, _ in connues):
                raise ErreurBase(
                    f"La base est à la version {max(faites)}, plus récente que ce code "
                    f"(version {max(v for v, _, _ in connues)}) : déployez la version "
                    "d'Aiguillage qui l'a migrée, ou restaurez une sauvegarde.")
            appliquees = []
            for version, nom, texte in connues:
                if version in faites:
                    continue
                with connexion.transaction():
                    connexion.execute(texte.encode())
                    connexion.execute(
                        "INSERT INTO aiguillage_versions (version, nom) VALUES (%s, %s)",
                        (version, nom))
                appliquees.append(nom)
                journal.info("Migration appliquée : %s", nom)
            return appliquees
        finally:
            if not connexion.closed:
                connexion.execute("SELECT pg_advisory_unlock(%s)", (VERROU_DES_MIGRATIONS,))


def _connecter(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError as erreur:
        raise ErreurBase(f"La base PostgreSQL d'AIGUILLAGE_BASE_URL est injoignable : "
                         f"{str(erreur).strip()}") from None


def url_sans_mot_de_passe(url: str) -> str:
    """L'adresse de la base telle qu'on peut l'écrire dans un journal."""
    return re.sub(r"(://[^/:@]*):[^@/]*@", r"\1:***@", url)


class ReservationPostgreSQL(Reservation):
    """Une clé tenue. Neuve, elle n'est écrite qu'avec son signalement (dans la même
    instruction SQL, ``creer_signalement``), ou à la fin du bloc si aucun ne l'a été."""

    def __init__(self, stockage: StockagePostgreSQL, empreinte_de_cle: str, empreinte: str,
                 reference: str, a_ecrire: bool) -> None:
        self.stockage, self.empreinte_de_cle = stockage, empreinte_de_cle
        self.empreinte, self.reference, self.a_ecrire = empreinte, reference, a_ecrire

    @classmethod
    def selon_la_base(cls, stockage: StockagePostgreSQL, cle: str, empreinte_de_cle: str,
                      empreinte: str, reference: str, ligne: tuple) -> ReservationPostgreSQL:
        """La réservation que dit la ligne de ``VERROU_ET_CLE`` (verrou tenu, empreinte et
        référence connues de la clé) ; lève ``CleEnCours`` si la clé est tenue ailleurs,
        ``CleReutilisee`` si elle a servi pour un autre contenu."""
        tenu, connue, reference_connue = ligne
        if not tenu:
            raise CleEnCours(cle)
        if connue is not None and connue != empreinte:
            raise CleReutilisee(cle)
        neuve = connue is None
        reservation = cls(stockage, empreinte_de_cle, empreinte,
                          reference if neuve else reference_connue, neuve)
        reservation.nouvelle = neuve
        return reservation

    def changer_reference(self, reference: str) -> None:
        if not self.a_ecrire:
            with self.stockage._connexion() as connexion:
                connexion.execute(
                    "UPDATE cles_idempotence SET reference = %s WHERE empreinte_cle = %s",
                    (reference, self.empreinte_de_cle))
        self.reference = reference

    def ecrire(self, connexion: psycopg.Connection) -> None:
        if self.a_ecrire:
            connexion.execute("INSERT INTO cles_idempotence (empreinte_cle, empreinte, reference) "
                              "VALUES (%s, %s, %s)",
                              (self.empreinte_de_cle, self.empreinte, self.reference))
            self.a_ecrire = False


class ReservationAsynchrone(ReservationPostgreSQL):
    """La même, tenue par une connexion asynchrone."""

    async def changer_reference_asynchrone(self, reference: str) -> None:
        if not self.a_ecrire:
            connexion = _connexion_asynchrone.get()
            await connexion.execute(
                "UPDATE cles_idempotence SET reference = %s WHERE empreinte_cle = %s",
                (reference, self.empreinte_de_cle))
        self.reference = reference

    def changer_reference(self, reference: str) -> None:
        raise RuntimeError("changer_reference_asynchrone : la clé est tenue sans fil")

    async def ecrire_asynchrone(self, connexion: psycopg.AsyncConnection) -> None:
        if self.a_ecrire:
            await connexion.execute(
                "INSERT INTO cles_idempotence (empreinte_cle, empreinte, reference) "
                "VALUES (%s, %s, %s)", (self.empreinte_de_cle, self.empreinte, self.reference))
            self.a_ecrire = False


# La connexion et la clé du bloc ``reserver_cle_asynchrone`` en cours (par tâche).
_connexion_asynchrone: contextvars.ContextVar[psycopg.AsyncConnection | None] = \
    contextvars.ContextVar("connexion_asynchrone", default=None)
_reservation_asynchrone: contextvars.ContextVar[ReservationAsynchrone | None] = \
    contextvars.ContextVar("reservation_asynchrone", default=None)

# Le verrou de la clé et la clé connue, en un aller-retour.
VERROU_ET_CLE = ("SELECT pg_try_advisory_xact_lock(%s), c.empreinte, c.reference "
                 "FROM (SELECT 1) AS un LEFT JOIN cles_idempotence AS c ON c.empreinte_cle = %s")

# Un signalement, ses envois et sa clé neuve en une instruction (un aller-retour) : rien
# n'est écrit si la référence est prise.
CREATION = """
WITH s AS (
    INSERT INTO signalements (reference, document) VALUES (%(reference)s, %(document)s)
    ON CONFLICT (reference) DO NOTHING RETURNING reference),
e AS (
    INSERT INTO boite_envoi (id, reference, document)
    SELECT envoi->>'id', envoi->>'reference', envoi
    FROM jsonb_array_elements(%(envois)s) AS envoi, s
    ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document),
k AS (
    INSERT INTO cles_idempotence (empreinte_cle, empreinte, reference)
    SELECT %(empreinte_cle)s, %(empreinte)s, s.reference FROM s
    WHERE %(empreinte_cle)s::text IS NOT NULL)
SELECT count(*) FROM s
"""


@contextmanager
def _cle_validee_ailleurs(reference: str, reservation: ReservationPostgreSQL | None):
    """La clé réservée validée par un autre processus entre la réservation et l'écriture
    (la contrainte de sa clé primaire) : ``CleEnCours``, comme une clé tenue."""
    try:
        yield
    except errors.UniqueViolation as erreur:
        if erreur.diag.constraint_name == "cles_idempotence_pkey" and reservation:
            raise CleEnCours(reference) from None
        raise


class StockagePostgreSQL(Stockage):
    partage = True  # plusieurs processus peuvent le servir ensemble (``--workers N``)

    def __init__(self, url: str, *, taille_du_pool: int = TAILLE_DU_POOL,
                 textes_par_jour_max: int = TEXTES_PAR_JOUR_MAX) -> None:
        self.url = url
        self.textes_par_jour_max = textes_par_jour_max
        appliquer_migrations(url)
        options = {"autocommit": True}
        with _connecter(url) as connexion:
            valeur = connexion.execute("SHOW synchronous_commit").fetchone()[0]
        if valeur in ("off", "local"):
            # Un 201 veut dire « sur disque » (et, s'il y a des secours synchrones, chez eux).
            journal.warning("synchronous_commit vaut « %s » sur %s : les sessions d'Aiguillage "
                            "le remettent à on.", valeur, url_sans_mot_de_passe(url))
            options["options"] = "-c synchronous_commit=on"
        self._local = threading.local()
        self._options, self._taille_du_pool = options, taille_du_pool
        self.pool = ConnectionPool(url, min_size=1, max_size=taille_du_pool, kwargs=options,
                                   timeout=ATTENTE_DU_POOL, name="aiguillage", open=True)
        self._pool_asynchrone: AsyncConnectionPool | None = None
        self._boucle: asyncio.AbstractEventLoop | None = None
        self._lots: CreationsParLots | None = None

    # Sans fil : le pool asynchrone de la boucle d'événements
    async def pool_asynchrone(self) -> AsyncConnectionPool | None:
        """Le pool asynchrone de la boucle en cours, ouvert au premier appel ; ``None`` si
        un autre a été ouvert dans une autre boucle encore ouverte (l'appelant passe alors
        par un fil)."""
        boucle = asyncio.get_running_loop()
        if self._pool_asynchrone is not None and self._boucle is not boucle:
            if not self._boucle.is_closed():
                return None
            self._pool_asynchrone = None  # sa boucle est finie : ses connexions avec elle
        if self._pool_asynchrone is None:
            pool = AsyncConnectionPool(self.url, min_size=1, max_size=self._taille_du_pool,
                                       kwargs=self._options, timeout=ATTENTE_DU_POOL,
                                       name="aiguillage-asynchrone", open=False)
            self._pool_asynchrone, self._boucle = pool, boucle
            self._lots = CreationsParLots(pool.connection)
            await pool.open()
        return self._pool_asynchrone

    async def fermer_asynchrone(self) -> None:
        """Ferme le pool asynchrone de cette boucle (fin du lifespan)."""
        pool, self._pool_asynchrone = self._pool_asynchrone, None
        if pool is not None and self._boucle is asyncio.get_running_loop():
            await pool.close()

    async def verifier_la_base(self, delai: float) -> str | None:
        """``SELECT 1`` sur une connexion à part (pas celles du pool : une sonde ne doit
        ni attendre derrière les requêtes ni en priver une), borné à ``delai`` secondes en
        tout ; ``None`` si la base a répondu, sinon ce qui ne va pas, en français."""
        async def sonder() -> None:
            async with await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=max(2, math.ceil(delai))
            ) as connexion:
                await connexion.execute("SELECT 1")

        try:
            await asyncio.wait_for(sonder(), delai)
        except TimeoutError:
            return f"la base PostgreSQL n'a pas répondu en {delai:g} s"
        except psycopg.Error as erreur:
            premiere_ligne = (str(erreur).strip().splitlines() or [type(erreur).__name__])[0]
            return f"la base PostgreSQL est injoignable ({premiere_ligne})"
        return None

    async def creer_avec_cle_neuve_asynchrone(self, cle: str, empreinte: str,
                                              signalement: Document,
                                              envois: Sequence[Document]) -> bool:
        """Le cas courant d'un POST avec clé, écrit avec les autres créations du moment
        (un lot, une instruction, une transaction : voir ``postgresql_lots.py``) : si la
        clé est inconnue, crée le signalement, ses envois et la clé et rend ``True`` une
        fois validés ; ``False`` si la clé est connue avec cette empreinte (un envoi rejoué :
        à relire par ``reserver_cle_asynchrone``) ou si la référence est prise (rien n'est
        écrit : une autre référence, un nouvel essai). ``CleEnCours`` si la clé est tenue
        ailleurs, ``CleReutilisee`` si elle a servi pour une autre empreinte."""
        fichier = empreinte_cle(cle)
        try:
            tenu, connue, cree = await self._creer_par_lot(
                fichier, verrou("cle", fichier), empreinte, signalement, envois)
        except errors.UniqueViolation as erreur:
            if erreur.diag.constraint_name == "cles_idempotence_pkey":
                raise CleEnCours(cle) from None
            raise
        if not tenu:
            raise CleEnCours(cle)
        if connue is not None and connue != empreinte:
            raise CleReutilisee(cle)
        return bool(cree)

    async def _creer_par_lot(self, cle: str | None, verrou_de_cle: int | None,
                             empreinte: str | None, signalement: Document,
                             envois: Sequence[Document]) -> tuple[bool, str | None, bool]:
        self._verifier_reference(signalement["reference"])
        for envoi in envois:
            self._verifier_envoi(envoi["id"])
        return await self._lots.creer(Membre(cle, verrou_de_cle, empreinte, signalement, envois))

    @asynccontextmanager
    async def reserver_cle_asynchrone(self, cle: str, empreinte: str, reference: str
                                      ) -> AsyncIterator[ReservationAsynchrone]:
        """``reserver_cle``, sans fil : même verrou, même transaction, validée à la sortie
        avec le signalement créé dans le bloc (``creer_signalement_asynchrone``)."""
        pool = self._pool_asynchrone
        fichier = empreinte_cle(cle)
        async with pool.connection() as connexion, connexion.transaction():
            curseur = await connexion.execute(VERROU_ET_CLE, (verrou("cle", fichier), fichier))
            reservation = ReservationAsynchrone.selon_la_base(
                self, cle, fichier, empreinte, reference, await curseur.fetchone())
            jeton_connexion = _connexion_asynchrone.set(connexion)
            jeton_reservation = _reservation_asynchrone.set(reservation)
            try:
                yield reservation
                try:
                    await reservation.ecrire_asynchrone(connexion)
                except errors.UniqueViolation:
                    raise CleEnCours(cle) from None
            finally:
                _reservation_asynchrone.reset(jeton_reservation)
                _connexion_asynchrone.reset(jeton_connexion)

    @asynccontextmanager
    async def _connexion_de_la_tache(self) -> AsyncIterator[psycopg.AsyncConnection]:
        courante = _connexion_asynchrone.get()
        if courante is not None:
            yield courante
            return
        async with self._pool_asynchrone.connection() as connexion:
            yield connexion

    async def lire_signalement_asynchrone(self, reference: str) -> Document | None:
        if not reference_valide(reference):
            return None
        async with self._connexion_de_la_tache() as connexion:
            curseur = await connexion.execute(
                "SELECT document FROM signalements WHERE reference = %s", (reference,))
            ligne = await curseur.fetchone()
        return ligne[0] if ligne else None

    async def creer_signalement_asynchrone(self, signalement: Document,
                                           envois: Sequence[Document]) -> None:
        """``creer_signalement`` sans photo : hors d'un bloc de clé, avec le lot du moment ;
        dans le bloc, une instruction de sa transaction."""
        reference = signalement["reference"]
        if _connexion_asynchrone.get() is None:
            if not (await self._creer_par_lot(None, None, None, signalement, envois))[2]:
                raise ReferencePrise(reference)
            return
        self._verifier_reference(reference)
        for envoi in envois:
            self._verifier_envoi(envoi["id"])
        reservation = _reservation_asynchrone.get()
        if reservation is not None and not (reservation.a_ecrire
                                            and reservation.reference == reference):
            reservation = None
        async with self._connexion_de_la_tache() as connexion:
            with _cle_validee_ailleurs(reference, reservation):
                curseur = await connexion.execute(CREATION, self._parametres_de_creation(
                    signalement, envois, reservation))
                if not (await curseur.fetchone())[0]:
                    raise ReferencePrise(reference)
        if reservation is not None:
            reservation.a_ecrire = False

    @staticmethod
    def _parametres_de_creation(signalement: Document, envois: Sequence[Document],
                                reservation: ReservationPostgreSQL | None) -> dict:
        return {"reference": signalement["reference"], "document": Jsonb(signalement),
                "envois": Jsonb(list(envois)),
                "empreinte_cle": reservation.empreinte_de_cle if reservation else None,
                "empreinte": reservation.empreinte if reservation else None}

    # Connexions
    @contextmanager
    def _connexion(self, dediee: bool = False) -> Iterator[psycopg.Connection]:
        """La connexion du fil : celle du bloc ``reserver_cle`` ou ``reclamer_envoi`` en cours,
        sinon une du pool le temps de l'appel. ``dediee`` : une connexion à soi (les verrous
        consultatifs sont ceux d'une session), que les appels du bloc emprunteront."""
        courante = getattr(self._local, "connexion", None)
        if courante is not None and not dediee:
            yield courante
            return
        with self.pool.connection() as connexion:
            self._local.connexion = connexion
            try:
                yield connexion
            finally:
                self._local.connexion = courante

    # Noms venus d'une adresse web : vérifiés comme chez TinyDB, pour un même contrat.
    @staticmethod
    def _verifier_reference(reference: str) -> None:
        if not reference_valide(reference):
            raise ValueError(f"référence invalide : {reference!r}")

    @staticmethod
    def _verifier_envoi(identifiant: str) -> None:
        reference, _, sorte = identifiant.rpartition("-")
        if not reference_valide(reference) or not sorte.isalnum() or not sorte.isascii():
            raise ValueError(f"identifiant d'envoi invalide : {identifiant!r}")

    @staticmethod
    def _verifier_ouverte(identifiant: str) -> None:
        reference, _, numero = identifiant.rpartition("-")
        if not reference_valide(reference) or not numero.isdigit() or not numero.isascii():
            raise ValueError(f"identifiant d'attribution invalide : {identifiant!r}")

    # Idempotence
    @contextmanager
    def reserver_cle(self, cle: str, empreinte: str, reference: str) -> Iterator[Reservation]:
        fichier = empreinte_cle(cle)
        with self._connexion(dediee=True) as connexion, connexion.transaction():
            # Le verrou et la clé en un aller-retour. Si la clé est validée ailleurs entre
            # la lecture et le verrou, l'écriture bute sur la contrainte : CleEnCours (409),
            # et le client qui réessaie reçoit le signalement.
            reservation = ReservationPostgreSQL.selon_la_base(
                self, cle, fichier, empreinte, reference,
                connexion.execute(VERROU_ET_CLE, (verrou("cle", fichier), fichier)).fetchone())
            precedente, self._local.reservation = getattr(self._local, "reservation", None), \
                reservation
            try:
                yield reservation  # la transaction (clé et signalement) est validée à la sortie
                try:
                    reservation.ecrire(connexion)  # aucun signalement ne l'a écrite
                except errors.UniqueViolation:
                    raise CleEnCours(cle) from None
            finally:
                self._local.reservation = precedente

    def reference_de_cle(self, cle: str) -> str | None:
        with self._connexion() as connexion:
            ligne = connexion.execute(
                "SELECT reference FROM cles_idempotence WHERE empreinte_cle = %s",
                (empreinte_cle(cle),)).fetchone()
        return ligne[0] if ligne else None

    # Signalements
    def creer_signalement(
        self, signalement: Document, photos: Sequence[tuple[str, bytes]], envois: Sequence[Document]
    ) -> None:
        reference = signalement["reference"]
        self._verifier_reference(reference)
        for envoi in envois:
            self._verifier_envoi(envoi["id"])
        reservation = getattr(self._local, "reservation", None)
        if reservation is not None and not (reservation.a_ecrire
                                            and reservation.reference == reference):
            reservation = None
        parametres = self._parametres_de_creation(signalement, envois, reservation)
        with self._connexion() as connexion:
            # Dans le bloc d'une clé, la transaction est la sienne ; sans photo, l'instruction
            # unique est atomique d'elle-même.
            dans_le_bloc = connexion.info.transaction_status == TransactionStatus.INTRANS
            with (_cle_validee_ailleurs(reference, reservation),
                  nullcontext() if dans_le_bloc or not photos else connexion.transaction()):
                if not connexion.execute(CREATION, parametres).fetchone()[0]:
                    raise ReferencePrise(reference)
                self._ecrire_photos(connexion, reference, photos)
        if reservation is not None:
            reservation.a_ecrire = False

    @staticmethod
    def _ecrire_photos(connexion: psycopg.Connection, reference: str,
                       photos: Sequence[tuple[str, bytes]]) -> None:
        if photos:
            with connexion.cursor() as curseur:
                curseur.executemany(
                    "INSERT INTO photos (reference, nom, contenu) VALUES (%s, %s, %s) "
                    "ON CONFLICT (reference, nom) DO UPDATE SET contenu = EXCLUDED.contenu",
                    [(reference, Path(nom).name, contenu) for nom, contenu in photos])

    @staticmethod
    def _ecrire_envois(connexion: psycopg.Connection, envois: Sequence[Document]) -> None:
        if envois:
            with connexion.cursor() as curseur:
                curseur.executemany(
                    "INSERT INTO boite_envoi (id, reference, document) VALUES (%s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document",
                    [(envoi["id"], envoi["reference"], Jsonb(envoi)) for envoi in envois])

    def lire_signalement(self, reference: str) -> Document | None:
        if not reference_valide(reference):
            return None
        with self._connexion() as connexion:
            ligne = connexion.execute("SELECT document FROM signalements WHERE reference = %s",
                                      (reference,)).fetchone()
        return ligne[0] if ligne else None

    def lire_photo(self, reference: str, nom: str) -> bytes:
        self._verifier_reference(reference)
        nom = Path(nom).name
        with self._connexion() as connexion:
            ligne = connexion.execute("SELECT contenu FROM photos WHERE reference = %s AND nom = %s",
                                      (reference, nom)).fetchone()
        if ligne is None:
            raise FileNotFoundError(f"photo introuvable : {reference}/{nom}")
        return bytes(ligne[0])

    def compter_signalements(self) -> int:
        with self._connexion() as connexion:
            return connexion.execute("SELECT count(*) FROM signalements").fetchone()[0]

    # Boîte d'envoi
    def ajouter_envoi(self, envoi: Document) -> None:
        self._verifier_envoi(envoi["id"])
        with self._connexion() as connexion:
            self._ecrire_envois(connexion, [envoi])

    def lister_envois(self) -> list[Document]:
        with self._connexion() as connexion:
            return [document for (document,) in connexion.execute(
                "SELECT document FROM boite_envoi ORDER BY id")]

    @contextmanager
    def reclamer_envoi(self, identifiant: str) -> Iterator[Document | None]:
        self._verifier_envoi(identifiant)
        cle = verrou("envoi", identifiant)
        with self._connexion(dediee=True) as connexion:
            if not connexion.execute("SELECT pg_try_advisory_lock(%s)", (cle,)).fetchone()[0]:
                yield None  # réclamée par un autre envoyeur, d'ici ou d'ailleurs
                return
            try:
                ligne = connexion.execute("SELECT document FROM boite_envoi WHERE id = %s",
                                          (identifiant,)).fetchone()
                yield ligne[0] if ligne else None
            finally:
                try:
                    connexion.execute("SELECT pg_advisory_unlock(%s)", (cle,))
                except psycopg.Error:
                    connexion.close()  # le pool la jette ; le serveur rend le verrou

    def enregistrer_envoi(self, envoi: Document) -> None:
        self.ajouter_envoi(envoi)

    def supprimer_envoi(self, identifiant: str) -> None:
        with self._connexion() as connexion:
            connexion.execute("DELETE FROM boite_envoi WHERE id = %s", (identifiant,))

    # Suivi entre services
    def changer_signalement(
        self, reference: str, transformation: Callable[[Document], Ecritures]
    ) -> Document:
        self._verifier_reference(reference)
        with self._connexion() as connexion, connexion.transaction():
            ligne = connexion.execute(
                "SELECT document FROM signalements WHERE reference = %s FOR UPDATE",
                (reference,)).fetchone()
            if ligne is None:
                raise KeyError(reference)
            document = ligne[0]
            ecritures = transformation(document)
            for entree in ecritures.ouvertes:
                self._verifier_ouverte(entree["id"])
            for envoi in ecritures.envois:
                self._verifier_envoi(envoi["id"])
            self._ecrire_photos(connexion, reference, ecritures.photos)
            if ecritures.ouvertes:
                with connexion.cursor() as curseur:
                    curseur.executemany(
                        "INSERT INTO ouvertes (id, reference, document) VALUES (%s, %s, %s) "
                        "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document",
                        [(e["id"], reference, Jsonb(e)) for e in ecritures.ouvertes])
            self._ecrire_envois(connexion, ecritures.envois)
            if not ecritures.inchange:
                connexion.execute("UPDATE signalements SET document = %s, ecrit_le = now() "
                                  "WHERE reference = %s", (Jsonb(document), reference))
            if ecritures.fermees:
                connexion.execute("DELETE FROM ouvertes WHERE id = ANY(%s)",
                                  (list(ecritures.fermees),))
            return document

    def lister_ouvertes(self) -> list[Document]:
        with self._connexion() as connexion:
            return [document for (document,) in connexion.execute(
                "SELECT document FROM ouvertes ORDER BY id")]

    # Index par date : colonnes et table tenues par des déclencheurs (migration 0004)
    def lister_par_creation(self, debut: datetime, fin: datetime, nombre: int,
                            decalage: int = 0, *, noeuds: Collection[str] | None = None,
                            etats: Collection[str] | None = None,
                            sans_etats: Collection[str] | None = None) -> list[Document]:
        conditions, parametres = ["cree_le BETWEEN %s AND %s"], [debut, fin]
        # Seulement les filtres donnés : un « %s IS NULL OR … » gênerait le plan générique.
        if noeuds is not None:
            conditions.append("noeud = ANY(%s::text[])")
            parametres.append(list(noeuds))
        if etats is not None:
            conditions.append("etat = ANY(%s::text[])")
            parametres.append(list(etats))
        if sans_etats is not None:
            conditions.append("(etat IS NULL OR NOT etat = ANY(%s::text[]))")
            parametres.append(list(sans_etats))
        with self._connexion() as connexion:
            return [document for (document,) in connexion.execute(
                sql.SQL("SELECT document FROM signalements WHERE {} ORDER BY cree_le DESC, "
                        'reference COLLATE "C" LIMIT %s OFFSET %s').format(
                    sql.SQL(" AND ").join(sql.SQL(c) for c in conditions)),
                (*parametres, nombre, decalage))]

    def lister_evenements(self, debut: datetime, fin: datetime,
                          apres: tuple[datetime, str] | None, nombre: int
                          ) -> list[tuple[datetime, str]]:
        moment, reference = apres if apres is not None else (debut, "")
        with self._connexion() as connexion:
            return [(m.astimezone(UTC), r) for m, r in connexion.execute(
                "SELECT moment, reference FROM evenements "
                "WHERE moment BETWEEN %s AND %s AND (moment, reference) > (%s, %s) "
                "ORDER BY moment, reference LIMIT %s",
                (debut, fin, moment, reference, nombre))]

    # Recherches sans résultat
    def compter_recherche_vide(self, jour: date, texte: str) -> None:
        with self._connexion() as connexion:
            ajoute = connexion.execute(
                "UPDATE recherches_vides SET nombre = nombre + 1 WHERE jour = %s AND texte = %s",
                (jour, texte)).rowcount
            if ajoute:
                return
            # Un texte nouveau du jour, sous le plafond (voir tinydb.TEXTES_PAR_JOUR_MAX) ;
            # un ajout concurrent du même texte devient une addition, jamais une perte.
            connexion.execute(
                "INSERT INTO recherches_vides (jour, texte, nombre) SELECT %s, %s, 1 "
                "WHERE (SELECT count(*) FROM recherches_vides WHERE jour = %s) < %s "
                "ON CONFLICT (jour, texte) DO UPDATE SET nombre = recherches_vides.nombre + 1",
                (jour, texte, jour, self.textes_par_jour_max))

    def lister_recherches_vides(self, debut: date, fin: date, nombre: int
                                ) -> list[tuple[str, int]]:
        with self._connexion() as connexion:
            # COLLATE "C" : l'ordre des points de code, celui de Python (et de TinyDB).
            return [(texte, int(total)) for texte, total in connexion.execute(
                "SELECT texte, sum(nombre) AS total FROM recherches_vides "
                "WHERE jour BETWEEN %s AND %s GROUP BY texte "
                'ORDER BY total DESC, texte COLLATE "C" LIMIT %s', (debut, fin, nombre))]

    def purger_recherches_vides(self, avant: date) -> int:
        with self._connexion() as connexion:
            return connexion.execute("DELETE FROM recherches_vides WHERE jour < %s",
                                     (avant,)).rowcount

    # Services Open311
    def retenir_identifiant_externe(self, service: str, identifiant: str, reference: str
                                    ) -> None:
        with self._connexion() as connexion:
            connexion.execute(
                "INSERT INTO identifiants_externes (service, identifiant, reference) "
                "VALUES (%s, %s, %s) ON CONFLICT (service, identifiant) DO NOTHING",
                (service, identifiant, reference))

    def retrouver_par_identifiant_externe(self, service: str, identifiant: str) -> str | None:
        with self._connexion() as connexion:
            ligne = connexion.execute(
                "SELECT reference FROM identifiants_externes "
                "WHERE service = %s AND identifiant = %s", (service, identifiant)).fetchone()
        return ligne[0] if ligne else None

    def oublier_identifiants_externes(self, references: Collection[str]) -> int:
        if not references:
            return 0
        with self._connexion() as connexion:
            return connexion.execute(
                "DELETE FROM identifiants_externes WHERE reference = ANY(%s::text[])",
                (list(references),)).rowcount

    def lire_releve(self, service: str) -> datetime | None:
        with self._connexion() as connexion:
            ligne = connexion.execute("SELECT moment FROM releves WHERE service = %s",
                                      (service,)).fetchone()
        return ligne[0] if ligne else None

    def noter_releve(self, service: str, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError(f"relevé sans fuseau horaire : {moment!r}")
        with self._connexion() as connexion:
            connexion.execute(
                "INSERT INTO releves (service, moment) VALUES (%s, %s) ON CONFLICT (service) "
                "DO UPDATE SET moment = greatest(releves.moment, excluded.moment)",
                (service, moment))

    # Données personnelles
    def lister_references(self) -> list[str]:
        with self._connexion() as connexion:
            return [reference for (reference,) in connexion.execute(
                'SELECT reference FROM signalements ORDER BY reference COLLATE "C"')]

    def effacer_photos(self, reference: str) -> int:
        self._verifier_reference(reference)
        with self._connexion() as connexion:
            return connexion.execute("DELETE FROM photos WHERE reference = %s",
                                     (reference,)).rowcount

    def oublier_cle(self, empreinte: str) -> bool:
        if not _EMPREINTE.fullmatch(empreinte):
            raise ValueError(f"empreinte de clé invalide : {empreinte!r}")
        with self._connexion(dediee=True) as connexion, connexion.transaction():
            if not connexion.execute("SELECT pg_try_advisory_xact_lock(%s)",
                                     (verrou("cle", empreinte),)).fetchone()[0]:
                raise CleEnCours(empreinte)
            return bool(connexion.execute("DELETE FROM cles_idempotence WHERE empreinte_cle = %s",
                                          (empreinte,)).rowcount)

    def effacer_restes(self, age_minimal: float) -> int:
        """Rien à effacer : un signalement, ses photos et ses envois sont écrits dans une
        seule transaction, qu'un arrêt brutal défait toute."""
        return 0

    # Limites de débit partagées (fonctions/web/limiteur.py les compte en mémoire, par processus)
    def limiteur(self, espace: str, nombre: int, periode: float) -> LimiteurPartage:
        """Un limiteur aux méthodes de ``fonctions.web.limiteur.Limiteur`` (``attente``,
        ``bloque``, ``noter``), compté dans la base : le même pour tous les processus."""
        return LimiteurPartage(self, espace, nombre, periode)

    def fermer(self) -> None:
        self.pool.close()


class LimiteurPartage:
    """``nombre`` envois par ``periode`` et par client, comptés dans PostgreSQL par
    fenêtres fixes (``fenetre = temps // periode``) : une instruction atomique par envoi,
    exacte entre processus et machines. Plus simple que la fenêtre glissante du limiteur
    en mémoire : au passage d'une fenêtre à la suivante, un client peut envoyer jusqu'à
    deux fois ``nombre`` de suite. L'heure est celle du système (la même pour tous les
    processus d'une machine ; entre machines, synchronisées par NTP)."""

    NETTOYAGE = 60.0  # secondes au plus entre deux effacements des fenêtres passées

    def __init__(self, stockage: StockagePostgreSQL, espace: str, nombre: int, periode: float,
                 horloge: Callable[[], float] = time.time) -> None:
        self.stockage, self.espace, self.nombre, self.periode = stockage, espace, nombre, periode
        self.horloge = horloge
        self._nettoye = 0.0

    def _cle(self, client: str) -> str:
        return hashlib.sha256(f"{self.espace}\x1f{client}".encode()).hexdigest()

    def _fenetre(self) -> tuple[float, int]:
        maintenant = self.horloge()
        return maintenant, int(maintenant // self.periode)

    def _reste(self, maintenant: float, fenetre: int) -> float:
        return max((fenetre + 1) * self.periode - maintenant, 1.0)

    def _nettoyer(self, connexion: psycopg.Connection, maintenant: float) -> None:
        if maintenant - self._nettoye >= self.NETTOYAGE:
            self._nettoye = maintenant
            connexion.execute("DELETE FROM limites WHERE expire_le < %s", (maintenant,))

    def attente(self, client: str) -> float:
        """0 si l'envoi est permis (et compté) ; sinon les secondes à attendre."""
        maintenant, fenetre = self._fenetre()
        with self.stockage._connexion() as connexion:
            self._nettoyer(connexion, maintenant)
            compte = connexion.execute(
                "INSERT INTO limites (cle, fenetre, nombre, expire_le) VALUES (%s, %s, 1, %s) "
                "ON CONFLICT (cle, fenetre) DO UPDATE SET nombre = limites.nombre + 1 "
                "WHERE limites.nombre < %s RETURNING nombre",
                (self._cle(client), fenetre, (fenetre + 1) * self.periode, self.nombre)
            ).fetchone()
        return 0.0 if compte is not None else self._reste(maintenant, fenetre)

    def bloque(self, client: str) -> float:
        """Comme ``attente``, sans compter : 0 si ``client`` peut encore essayer."""
        maintenant, fenetre = self._fenetre()
        with self.stockage._connexion() as connexion:
            ligne = connexion.execute("SELECT nombre FROM limites WHERE cle = %s AND fenetre = %s",
                                      (self._cle(client), fenetre)).fetchone()
        return self._reste(maintenant, fenetre) if ligne and ligne[0] >= self.nombre else 0.0

    def noter(self, client: str) -> None:
        """Compte un essai sans rien refuser."""
        maintenant, fenetre = self._fenetre()
        with self.stockage._connexion() as connexion:
            self._nettoyer(connexion, maintenant)
            connexion.execute(
                "INSERT INTO limites (cle, fenetre, nombre, expire_le) VALUES (%s, %s, 1, %s) "
                "ON CONFLICT (cle, fenetre) DO UPDATE SET nombre = limites.nombre + 1",
                (self._cle(client), fenetre, (fenetre + 1) * self.periode))
