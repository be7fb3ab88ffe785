"""Les créations de signalements sans photo d'un processus, écrites par lots (PostgreSQL).

Ce que fait le journal de TinyDB (``journalise.py`` : une validation durable pour toutes
les requêtes arrivées ensemble), pour PostgreSQL : les ``POST /api/signalements`` sans
photo qui arrivent pendant qu'un lot s'écrit attendent le lot suivant, et chaque lot est
**une instruction SQL**, donc une transaction, validée (``synchronous_commit`` à on) avant
que ses membres ne reçoivent leur réponse. Un seul lot à la fois par processus : sous
charge, tous ceux qui attendaient partent ensemble ; une requête seule part tout de suite
(aucune attente ajoutée, aucune horloge).

Pour chaque membre, l'instruction fait ce que faisait l'instruction unique d'une clé neuve :
le verrou consultatif de sa clé (essayé, jamais attendu), la clé connue, et, si le verrou
est tenu et la clé inconnue, le signalement, ses envois et sa clé. Elle rend une ligne par
membre : ``(tenu, connue, cree)``, que ``StockagePostgreSQL`` lit comme avant (409, 422,
rejeu pas à pas, référence prise).

Ce que le lot promet à chaque membre :

- **pas de réponse avant la validation** : le futur d'un membre n'est rempli qu'après le
  retour de l'instruction, donc de sa validation ; si elle échoue, aucun membre ne reçoit
  de 201 ;
- **un signalement reste atomique** : signalement, envois et clé du même membre sont dans
  la même transaction (celle du lot) ;
- **un membre en conflit ne fait pas échouer les autres** : si la base refuse le lot pour
  une contrainte (une clé validée ailleurs entre la lecture et l'écriture, un interblocage),
  rien n'est écrit, et chaque membre est réécrit seul, dans son propre lot d'un membre :
  seul celui qui bute reçoit son erreur ;
- **deux membres d'une même clé** (deux rejeux simultanés dans le même processus) ne vont
  jamais dans le même lot : le second attend le suivant, où il trouve la clé écrite et
  repasse par le chemin pas à pas (200, le même signalement). De même pour deux membres
  d'une même référence.

Si la connexion se perd pendant le lot, son sort est inconnu : tous ses membres reçoivent
l'erreur (un 500 ; le client réessaie avec sa clé et reçoit le signalement s'il a été
validé). Si la tâche qui écrit les lots est annulée (l'arrêt de la boucle), même avant
d'avoir commencé, chaque membre en attente reçoit l'annulation : aucun n'attend pour rien.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from psycopg import errors
from psycopg.types.json import Jsonb

from fonctions.stockage.base import Document

TAILLE_MAX = 64  # membres au plus par lot (une instruction de 64 signalements : ~150 Ko)

# Erreurs où la base a refusé le lot entier sans rien écrire, par la faute d'un membre :
# chacun est alors réécrit seul.
REFUS_D_UN_MEMBRE = (
    errors.IntegrityError,
    errors.DeadlockDetected,
    errors.SerializationFailure,
    errors.CardinalityViolation,
)

# Le lot en une instruction (une transaction implicite, la connexion est en ``autocommit``).
# ``m`` : un membre par ligne, son verrou pris (``MATERIALIZED`` : évalué une fois, avant les
# écritures qui le lisent) et sa clé connue, lue dans l'instantané de l'instruction (une clé
# validée ailleurs entre-temps bute sur la contrainte d'unicité : voir REFUS_D_UN_MEMBRE).
# La clé connue est lue par une sous-requête, donc par la clé primaire, membre par membre :
# une jointure laisserait le planificateur parcourir toute la table (il croit le lot de
# 100 lignes), et chaque lot coûterait autant que la table est grande. Un membre sans clé
# (``verrou`` nul) est toujours tenu. Les insertions suivent l'ordre des références : deux
# lots de deux processus ne s'attendent jamais en croix.
ECRITURE_DU_LOT = """
WITH m AS MATERIALIZED (
    SELECT m.rang, m.cle, m.empreinte, m.reference, m.document, m.envois,
           CASE WHEN m.verrou IS NULL THEN true
                ELSE pg_try_advisory_xact_lock(m.verrou) END AS tenu,
           (SELECT c.empreinte FROM cles_idempotence AS c WHERE c.empreinte_cle = m.cle)
               AS connue
    FROM jsonb_to_recordset(%s) AS m(rang integer, verrou bigint, cle text, empreinte text,
                                     reference text, document jsonb, envois jsonb)),
s AS (
    INSERT INTO signalements (reference, document)
    SELECT reference, document FROM m WHERE tenu AND connue IS NULL ORDER BY reference
    ON CONFLICT (reference) DO NOTHING RETURNING reference),
e AS (
    INSERT INTO boite_envoi (id, reference, document)
    SELECT envoi->>'id', envoi->>'reference', envoi
    FROM m JOIN s USING (reference) CROSS JOIN LATERAL jsonb_array_elements(m.envois) AS envoi
    ORDER BY 1
    ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document),
k AS (
    INSERT INTO cles_idempotence (empreinte_cle, empreinte, reference)
    SELECT m.cle, m.empreinte, m.reference FROM m JOIN s USING (reference)
    WHERE m.cle IS NOT NULL ORDER BY 1)
SELECT m.rang, m.tenu, m.connue, s.reference IS NOT NULL FROM m LEFT JOIN s USING (reference)
"""


def en_json(valeur: Any) -> bytes:
    """Le JSON de ``valeur``, par orjson : le document d'un signalement (2 Ko) coûtait à
    ``json.dumps`` plus que la validation de la demande, sur le chemin de chaque
    signalement (voir docs/performance.md). Ce qu'orjson refuse (une clé qui n'est pas du
    texte, un entier de plus de 64 bits, une moitié de paire de substitution) passe par
    ``json``, comme avant. La base garde la même valeur (``jsonb`` ne garde pas le texte).
    Seule différence : un nombre non fini deviendrait ``null`` au lieu de faire refuser le
    lot par la base ; la validation n'en laisse passer aucun (coordonnées bornées)."""
    try:
        return orjson.dumps(valeur)
    except TypeError:  # orjson.JSONEncodeError en hérite
        return json.dumps(valeur).encode()


def _deja_encode(octets: bytes) -> bytes:
    return octets


@dataclass
class Membre:
    """Une création : ``cle`` et ``verrou`` sont ceux de l'empreinte de la clé d'idempotence
    (``None`` sans clé). Sa ligne du lot est écrite en JSON dès sa création, dans la tâche
    de sa requête : une valeur que le JSON refuse n'atteint que ce membre."""

    cle: str | None
    verrou: int | None
    empreinte: str | None
    signalement: Document
    envois: Sequence[Document]
    futur: asyncio.Future = field(default=None, repr=False)
    texte: bytes = field(init=False, repr=False)  # la ligne, sans son rang

    def __post_init__(self) -> None:
        self.texte = en_json({
            "verrou": self.verrou,
            "cle": self.cle,
            "empreinte": self.empreinte,
            "reference": self.signalement["reference"],
            "document": self.signalement,
            "envois": list(self.envois),
        })

    def rendre(
        self, resultat: tuple[bool, str | None, bool] | None = None, erreur: BaseException | None = None
    ) -> None:
        if self.futur.done():  # la requête a été abandonnée (client parti) : rien à dire
            return
        if isinstance(erreur, asyncio.CancelledError):
            self.futur.cancel()
        elif erreur is not None:
            self.futur.set_exception(erreur)
        else:
            self.futur.set_result(resultat)


def parametre_du_lot(lot: Sequence[Membre]) -> Jsonb:
    """Le paramètre d'``ECRITURE_DU_LOT`` : le tableau JSON des lignes des membres, chacune
    avec son rang, assemblé sans rien encoder de nouveau."""
    lignes = b",".join(b'{"rang":%d,' % rang + membre.texte[1:] for rang, membre in enumerate(lot))
    return Jsonb(b"[" + lignes + b"]", dumps=_deja_encode)


class CreationsParLots:
    """Les lots d'une boucle d'événements, écrits par les connexions d'un pool asynchrone."""

    def __init__(self, connexion: Callable[[], Any], taille_max: int = TAILLE_MAX) -> None:
        self._connexion = connexion  # rend le gestionnaire de contexte d'une connexion du pool
        self.taille_max = taille_max
        self._file: list[Membre] = []
        self._tache: asyncio.Task | None = None
        self._en_cours: list[Membre] = []  # le lot qui s'écrit
        self.lots = self.membres = 0  # écrits jusqu'ici (pour les tests et le banc)

    async def creer(self, membre: Membre) -> tuple[bool, str | None, bool]:
        """Écrit ``membre`` avec le lot en cours de formation ; rend ``(tenu, connue, cree)``
        une fois le lot validé (ou l'erreur de ce membre, ou celle du lot)."""
        membre.futur = asyncio.get_running_loop().create_future()
        self._file.append(membre)
        if self._tache is None:
            self._tache = asyncio.create_task(self._vider())
            self._tache.add_done_callback(self._apres_la_tache)
        return await membre.futur

    async def _vider(self) -> None:
        try:
            while self._file:
                lot, reportes, cles, references = [], [], set(), set()
                for membre in self._file:
                    reference = membre.signalement["reference"]
                    if (
                        len(lot) >= self.taille_max
                        or reference in references
                        or (membre.cle is not None and membre.cle in cles)
                    ):
                        reportes.append(membre)
                        continue
                    lot.append(membre)
                    references.add(reference)
                    if membre.cle is not None:
                        cles.add(membre.cle)
                self._file, self._en_cours = reportes, lot
                await self._ecrire(lot, seul=False)
        finally:
            self._tache = None

    def _apres_la_tache(self, tache: asyncio.Task) -> None:
        """La tâche annulée (l'arrêt de la boucle), même avant d'avoir commencé, ou en
        erreur : personne n'attend pour rien, personne n'a de 201."""
        if tache.cancelled() or tache.exception() is not None:
            erreur = asyncio.CancelledError() if tache.cancelled() else tache.exception()
            for membre in self._en_cours + self._file:
                membre.rendre(erreur=erreur)
            self._file, self._en_cours = [], []
            if self._tache is tache:
                self._tache = None

    async def _ecrire(self, lot: list[Membre], seul: bool) -> None:
        try:
            lignes = await self._executer(lot)
        except REFUS_D_UN_MEMBRE as erreur:
            if seul:
                lot[0].rendre(erreur=erreur)
            else:
                for membre in lot:  # rien n'est écrit : chacun seul, pour isoler le fautif
                    await self._ecrire([membre], seul=True)
            return
        except BaseException as erreur:  # sort inconnu : personne ne reçoit de 201
            for membre in lot:
                membre.rendre(erreur=erreur)
            if not isinstance(erreur, Exception):
                raise
            return
        for rang, tenu, connue, cree in lignes:
            lot[rang].rendre((tenu, connue, cree))
        for membre in lot:  # une ligne par membre : rien ici, sauf erreur de ce module
            membre.rendre(erreur=RuntimeError("membre d'un lot sans réponse de la base"))

    async def _executer(self, lot: list[Membre]) -> list[tuple]:
        parametre = parametre_du_lot(lot)
        async with self._connexion() as connexion:
            curseur = await connexion.execute(ECRITURE_DU_LOT, (parametre,))
            lignes = await curseur.fetchall()
        self.lots += 1
        self.membres += len(lot)
        return lignes
