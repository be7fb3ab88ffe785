"""Enregistrer un signalement sans occuper un fil de Starlette.

Un saut vers le groupe de fils (``run_in_threadpool``) coûte plus que tout le reste d'un
signalement sans photo : deux réveils de fil et deux passages du verrou global de Python.
Quand le stockage sait attendre la durabilité sans bloquer (``StockageJournalise``, s'il
tient le journal), ``enregistrer`` tourne donc dans la boucle d'événements — ce n'est que du
calcul et des lectures en mémoire ou de petits fichiers — et seule l'écriture durable est
attendue, par ``await``, avec les autres requêtes du même lot.

Sur PostgreSQL, sans photo, ``enregistrer_asynchrone`` fait les mêmes pas avec psycopg
asynchrone (``AsyncConnectionPool``) : chaque aller-retour avec la base est attendu par la
boucle, sans fil.

Avec des photos (écritures lourdes), ou avec un autre stockage, rien ne change :
``enregistrer`` tourne dans un fil, comme avant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from fonctions.domaine.enregistrement import Resultat, enregistrer, enregistrer_asynchrone
from fonctions.domaine.modele import Modele
from fonctions.domaine.photos import PhotoPrete
from fonctions.domaine.validation import Demande
from fonctions.stockage import Stockage


async def enregistrer_sans_bloquer(
    stockage: Stockage,
    demande: Demande,
    photos: Sequence[PhotoPrete],
    modele: Modele,
    maintenant: datetime,
    cle: str | None = None,
    empreinte: str = "",
) -> Resultat:
    """``enregistrer``, rendu quand le signalement est durable, sans bloquer la boucle."""
    pool_asynchrone = getattr(stockage, "pool_asynchrone", None)
    if not photos and pool_asynchrone is not None and await pool_asynchrone() is not None:
        return await enregistrer_asynchrone(stockage, demande, modele, maintenant, cle,
                                            empreinte)
    peut_differer = getattr(stockage, "peut_differer", None)
    if photos or peut_differer is None or not peut_differer():
        return await run_in_threadpool(
            enregistrer, stockage, demande, photos, modele, maintenant, cle, empreinte)
    with stockage.differer_la_durabilite() as durabilite:
        resultat = enregistrer(stockage, demande, photos, modele, maintenant, cle, empreinte)
    await durabilite.attendre()
    return resultat
