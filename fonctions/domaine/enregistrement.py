"""Enregistrer un signalement vérifié : une référence, un document, une entrée à envoyer.

Tout est écrit en une fois par ``Stockage.creer_signalement`` ; avec une clé
d'idempotence, la référence est attachée à la clé *avant* l'écriture, si bien qu'un
arrêt brutal à n'importe quel moment, suivi d'un nouvel essai avec la même clé, retrouve
ou termine le même signalement au lieu d'en créer un second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fonctions.domaine.contact import contact_a_garder
from fonctions.domaine.modele import Modele
from fonctions.domaine.photos import PhotoPrete
from fonctions.domaine.statuts import CODE_COORDINATION
from fonctions.domaine.validation import Demande
from fonctions.socle.jetons import nouveau_sel, nouvelle_reference
from fonctions.stockage import ReferencePrise, Stockage
from fonctions.stockage.base import empreinte_cle

ESSAIS_DE_REFERENCE = 50


@dataclass(frozen=True)
class Resultat:
    signalement: dict[str, Any]
    rejoue: bool


def horodatage(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def nouvel_envoi(reference: str, sorte: str, maintenant: datetime, **autres: Any) -> dict:
    quand = horodatage(maintenant)
    return {
        "id": f"{reference}-{sorte}",
        "reference": reference,
        "sorte": sorte,
        "tentatives": 0,
        "prochaine_tentative": quand,
        "cree_le": quand,
        "en_cours": None,
        "derniere_erreur": None,
        **autres,
    }


def construire_signalement(
    reference: str,
    demande: Demande,
    photos: Sequence[PhotoPrete],
    modele: Modele,
    maintenant: datetime,
    cle: str | None,
) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    gestionnaire, noeud, commune = demande.gestionnaire, demande.noeud, demande.commune
    quand = horodatage(maintenant)
    canal = (gestionnaire.get("transmission") or {}).get("canal", "aucune")
    delai = gestionnaire.get("delai_prise_en_charge")
    # « Je ne trouve pas mon problème » sans service nommé : la coordination le tient, à
    # orienter, dès sa réception (la boîte d'envoi la prévient, voir boite_envoi.py).
    statut = "a_orienter" if gestionnaire["id"] == CODE_COORDINATION else "a_transmettre"
    fichiers = [(f"photo-{i}.jpg", photo.contenu) for i, photo in enumerate(photos, 1)]
    contact = contact_a_garder(demande.courriel, demande.telephone, demande.consentement)
    document = {
        "reference": reference,
        "cree_le": quand,
        "etat": statut,
        "noeud": {"id": noeud.get("id"), "libelle": noeud.get("libelle"),
                  "url": noeud.get("url")},
        "parcours": modele.parcours(noeud),
        "commune": {"insee": commune["insee"], "nom": commune["nom"]} if commune else None,
        "gestionnaire": {
            "id": gestionnaire["id"],
            "nom": gestionnaire["nom"],
            "canal": canal,
            "delai_prise_en_charge": delai,
            "telephone": gestionnaire.get("telephone"),
            "site": gestionnaire.get("site"),
        },
        "description": demande.description,
        "localisation": {"latitude": demande.latitude, "longitude": demande.longitude,
                         "adresse": demande.adresse},
        "contact": contact,
        "reponses": demande.reponses,
        "photos": [
            {"nom": nom, "type": photo.type, "largeur": photo.largeur, "hauteur": photo.hauteur,
             "octets": len(photo.contenu)}
            for (nom, _), photo in zip(fichiers, photos, strict=True)
        ],
        "idempotence": empreinte_cle(cle) if cle else None,
        "modele": modele.empreinte,
        "suivi": {"sel": nouveau_sel()},
        # Une attribution par service à qui le signalement est confié (voir statuts.py) ;
        # le sel signe les liens de ses agents.
        "attributions": [{
            "numero": 1, "gestionnaire": gestionnaire["id"], "nom": gestionnaire["nom"],
            "canal": canal, "delai_prise_en_charge": delai,
            "sel": nouveau_sel(), "statut": statut, "depuis": quand,
            "revoque_le": None, "transmis_le": None, "echeance": None, "relance_le": None,
            "escalade_le": None,
        }],
        "compteur_envois": 0,
        "envois_reussis": [],
        "historique": [{"date": quand, "type": "recu",
                        "message": "Signalement reçu et enregistré."}],
    }
    if noeud.get("hors_parcours"):  # le service lira que l'habitant ne l'a pas trouvé
        document["noeud"]["hors_parcours"] = True
    if demande.origine:  # le client Open311 qui l'a envoyé (sa clé se retire s'il abuse)
        document["origine"] = dict(demande.origine)
    return document, fichiers


def enregistrer(
    stockage: Stockage,
    demande: Demande,
    photos: Sequence[PhotoPrete],
    modele: Modele,
    maintenant: datetime,
    cle: str | None = None,
    empreinte: str = "",
) -> Resultat:
    """Enregistre la demande (ou retrouve celle de la même clé) ; appel bloquant."""

    def creer(reference: str) -> dict[str, Any]:
        document, fichiers = construire_signalement(
            reference, demande, photos, modele, maintenant, cle
        )
        envoi = nouvel_envoi(reference, "transmission", maintenant)
        stockage.creer_signalement(document, fichiers, [envoi])
        return document

    if cle is None:
        for _ in range(ESSAIS_DE_REFERENCE):
            try:
                return Resultat(creer(nouvelle_reference()), rejoue=False)
            except ReferencePrise:
                continue
        raise RuntimeError("Aucune référence libre trouvée.")

    with stockage.reserver_cle(cle, empreinte, nouvelle_reference()) as reservation:
        relire = not reservation.nouvelle  # clé inconnue : aucun signalement ne la porte
        for _ in range(ESSAIS_DE_REFERENCE):
            existant = stockage.lire_signalement(reservation.reference) if relire else None
            relire = True
            if existant is not None:
                if existant.get("idempotence") == empreinte_cle(cle):
                    return Resultat(existant, rejoue=True)
                reservation.changer_reference(nouvelle_reference())
                continue
            try:
                return Resultat(creer(reservation.reference), rejoue=False)
            except ReferencePrise:
                continue  # prise entre-temps : la boucle relit et choisit
        raise RuntimeError("Aucune référence libre trouvée.")


async def enregistrer_asynchrone(
    stockage: Any,
    demande: Demande,
    modele: Modele,
    maintenant: datetime,
    cle: str | None = None,
    empreinte: str = "",
) -> Resultat:
    """``enregistrer`` sans photo, pas à pas le même, pour un stockage qui sait attendre sa
    base sans fil (``StockagePostgreSQL`` : ``reserver_cle_asynchrone``,
    ``lire_signalement_asynchrone``, ``creer_signalement_asynchrone``)."""

    async def creer(reference: str) -> dict[str, Any]:
        document, _ = construire_signalement(reference, demande, [], modele, maintenant, cle)
        envoi = nouvel_envoi(reference, "transmission", maintenant)
        await stockage.creer_signalement_asynchrone(document, [envoi])
        return document

    if cle is None:
        for _ in range(ESSAIS_DE_REFERENCE):
            try:
                return Resultat(await creer(nouvelle_reference()), rejoue=False)
            except ReferencePrise:
                continue
        raise RuntimeError("Aucune référence libre trouvée.")

    # Le cas courant, une clé neuve : tout en une instruction (voir
    # ``creer_avec_cle_neuve_asynchrone``) ; sinon (envoi rejoué, référence prise), pas à pas.
    reference = nouvelle_reference()
    document, _ = construire_signalement(reference, demande, [], modele, maintenant, cle)
    envoi = nouvel_envoi(reference, "transmission", maintenant)
    if await stockage.creer_avec_cle_neuve_asynchrone(cle, empreinte, document, [envoi]):
        return Resultat(document, rejoue=False)

    async with stockage.reserver_cle_asynchrone(cle, empreinte,
                                                nouvelle_reference()) as reservation:
        relire = not reservation.nouvelle
        for _ in range(ESSAIS_DE_REFERENCE):
            existant = (await stockage.lire_signalement_asynchrone(reservation.reference)
                        if relire else None)
            relire = True
            if existant is not None:
                if existant.get("idempotence") == empreinte_cle(cle):
                    return Resultat(existant, rejoue=True)
                await reservation.changer_reference_asynchrone(nouvelle_reference())
                continue
            try:
                return Resultat(await creer(reservation.reference), rejoue=False)
            except ReferencePrise:
                continue
        raise RuntimeError("Aucune référence libre trouvée.")
