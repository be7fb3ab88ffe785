"""Les formulaires envoyés sans clé d'idempotence : un même envoi n'est enregistré qu'une fois.

Avec JavaScript, chaque formulaire porte une clé d'idempotence (un UUID tiré par la page) :
un envoi rejoué rend le même signalement (``idempotence.py``). Sans JavaScript, la page est
statique : une clé écrite dans le HTML serait la même pour tous les visiteurs, et aucune page
ne peut en tirer une par formulaire. Or « Retour » puis « Envoyer » de nouveau, ou un double
appui sur le bouton, renvoient exactement le même formulaire.

Le choix : **un formulaire sans clé reçoit une clé tirée de son contenu et de l'appareil**
(``cle_de_contenu``) : la demande nettoyée (issue, commune, textes, lieu, coordonnées,
réponses ; sans les photos, qu'un navigateur ne renvoie pas toujours après « Retour »),
l'adresse du client et son navigateur (``User-Agent``), signés par ``AIGUILLAGE_CLE_SECRETE``
(HMAC-SHA256). Cette clé passe ensuite par le même chemin que toute clé : réservée avec
l'écriture du signalement, dans le même enregistrement du journal, gardée sur disque. Les
promesses de l'idempotence tiennent donc ici aussi, arrêt brutal compris : le même envoi rend
le même signalement, deux envois simultanés n'en font qu'un (le second attend le premier,
``ATTENTE_MAX`` au plus, puis rend le même), et un seul message part au service.

**Une fenêtre de 24 heures** (``FENETRE``) : le même contenu envoyé du même appareil plus
tard est un nouveau signalement (le problème est revenu, ou personne n'a répondu). La clé
d'un envoi dont le signalement a plus de 24 heures mène à une autre clé, tirée aussi de la
référence de ce signalement (``precedent``) : la chaîne se parcourt de la même façon par
tous les envois simultanés, sans heure de coupure où deux envois pourraient se croiser.

Ce que cela coûte, et pourquoi c'est acceptable :

- deux personnes qui enverraient mot pour mot le même signalement, de la même adresse IP et
  avec le même navigateur, dans les 24 heures, n'en feraient qu'un : la seconde le lit
  « déjà enregistré » et peut le compléter. Sans l'adresse ni le navigateur dans la clé,
  deux habitants d'une même commune qui écrivent « Lampadaire éteint » sans adresse ne
  feraient qu'un signalement ;
- le même formulaire renvoyé après un changement de réseau (wifi puis 4G) entre les deux
  envois fait deux signalements : l'appareil a changé d'adresse ;
- ni l'adresse IP ni le navigateur ne sont gardés : seule l'empreinte de la clé l'est, et
  la clé elle-même est signée, si bien que l'empreinte gardée dans le signalement ne permet
  pas de retrouver l'adresse en essayant toutes les adresses possibles.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

import anyio
from starlette.requests import Request

from fonctions.domaine.enregistrement import Resultat
from fonctions.domaine.modele import Modele
from fonctions.domaine.photos import PhotoPrete
from fonctions.domaine.validation import Demande
from fonctions.points_d_entree.sans_bloquer import enregistrer_sans_bloquer
from fonctions.stockage import CleEnCours, Stockage
from fonctions.web.gardes import adresse_client
from fonctions.web.lecture import entete

FENETRE = timedelta(hours=24)
ATTENTE_MAX = 10.0  # secondes : un envoi simultané attend que le premier soit écrit
PAUSE = 0.05
# Une clé tirée du contenu n'est jamais un UUID : elle ne peut pas rencontrer la clé d'un
# client (``lire_cle`` n'accepte que des UUID).
PREFIXE = "contenu-"
# Au-delà, la chaîne (une clé par période de 24 heures où le même envoi a été refait) est
# anormale : mieux vaut une erreur qu'une boucle.
MAILLONS_MAX = 1000


def appareil(request: Request) -> str:
    """Ce qui distingue l'appareil qui envoie : son adresse et son navigateur."""
    return f"{adresse_client(request)}\x1f{entete(request, 'user-agent')}"


def cle_de_contenu(secret: str, empreinte: str, appareil: str, precedent: str = "") -> str:
    """La clé d'idempotence d'un envoi sans clé : HMAC-SHA256 de l'empreinte de la demande,
    de l'appareil et du signalement ``precedent`` de la chaîne (vide pour le premier)."""
    message = "\x1f".join(("doublon", empreinte, appareil, precedent)).encode()
    return PREFIXE + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def est_recent(signalement: dict, maintenant: datetime) -> bool:
    return datetime.fromisoformat(signalement["cree_le"]) > maintenant - FENETRE


async def enregistrer_sans_doublon(
    stockage: Stockage,
    demande: Demande,
    photos: Sequence[PhotoPrete],
    modele: Modele,
    maintenant: datetime,
    secret: str,
    empreinte: str,
    appareil: str,
) -> Resultat:
    """Enregistre la demande, ou rend le signalement du même envoi fait depuis le même
    appareil il y a moins de 24 heures (``rejoue``). ``empreinte`` est celle de la demande
    sans ses photos (``empreinte_de_demande(demande, [])``)."""
    precedent = ""
    for _ in range(MAILLONS_MAX):
        cle = cle_de_contenu(secret, empreinte, appareil, precedent)
        resultat = await _enregistrer_en_attendant(stockage, demande, photos, modele,
                                                   maintenant, cle, empreinte)
        if not resultat.rejoue or est_recent(resultat.signalement, maintenant):
            return resultat
        precedent = resultat.signalement["reference"]
    raise RuntimeError("Chaîne de clés de contenu trop longue.")


async def _enregistrer_en_attendant(stockage, demande, photos, modele, maintenant, cle,
                                    empreinte) -> Resultat:
    """``enregistrer_sans_bloquer`` ; tant que la clé est tenue par un envoi simultané (le
    double appui), attendre qu'il ait fini, puis rendre son signalement."""
    limite = time.monotonic() + ATTENTE_MAX
    while True:
        try:
            return await enregistrer_sans_bloquer(stockage, demande, photos, modele, maintenant,
                                                  cle, empreinte)
        except CleEnCours:
            if time.monotonic() > limite:
                raise
            await anyio.sleep(PAUSE)
