"""Le registre des changements : la seule porte par laquelle un signalement change d'état.

``Suivi.changer(reference, action, auteur)`` est **la** fonction de tout changement visible
par le citoyen (statut, réattribution, réouverture, message, relance) et de tout changement
d'attribution. Sous le verrou du signalement, elle :

1. donne à ``action`` un ``Chantier`` : le document, l'heure, le modèle, l'auteur, et de quoi
   noter un événement, créer une attribution ou mettre un envoi dans la boîte d'envoi ;
2. tient à jour l'index des attributions ouvertes et le champ ``etat`` ;
3. fait tout écrire en une fois par ``Stockage.changer_signalement`` ;
4. puis appelle ``notificateur.changement(signalement, evenement)`` pour chaque événement
   public (voir ``fonctions/domaine/notification.py``).

Chaque événement dit quand (``date``), qui (``par`` : service, canal…) et ce qui a été dit au
citoyen (``pour_le_citoyen``). Les actions sont dans ``actions.py`` et ``relances.py``.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from fonctions.domaine.enregistrement import horodatage, nouvel_envoi
from fonctions.domaine.jours_ouvres import ajouter_jours_ouvres
from fonctions.domaine.modele import Modele, SourceModele
from fonctions.domaine.notification import Notificateur
from fonctions.domaine.statuts import CODE_COORDINATION, attributions, est_ouverte, etat_du_signalement
from fonctions.socle.horloge import Horloge
from fonctions.socle.jetons import jeton_agent, nouveau_sel
from fonctions.socle.reglages import Reglages
from fonctions.stockage import Stockage
from fonctions.stockage.base import Ecritures

journal = logging.getLogger("aiguillage.suivi")
T = TypeVar("T")


class ActionImpossible(Exception):
    """Le changement demandé ne s'applique pas ; ``message`` dit pourquoi, en français."""

    def __init__(self, message: str, statut: int = 409) -> None:
        self.message, self.statut = message, statut
        super().__init__(message)


@dataclass(frozen=True)
class Auteur:
    """Qui fait le changement : ``qui`` (service, citoyen, coordination, aiguillage), par quel
    ``canal`` (lien, webhook, open311, page, api, boite_envoi, relances) et, pour un service,
    lequel."""

    qui: str
    canal: str
    gestionnaire: str | None = None
    personne: str | None = None  # l'adresse de la coordination qui agit (jamais montrée)

    def en_dict(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if v is not None}


AIGUILLAGE = Auteur("aiguillage", "boite_envoi")


def lien_agent(reglages: Reglages, reference: str, attribution: dict, moment: datetime) -> str:
    """Le lien signé de l'agent pour ``attribution``, émis à ``moment``."""
    jeton = jeton_agent(str(reglages.cle_secrete), reference, attribution["numero"],
                        attribution["sel"], int(moment.timestamp()))
    return f"{reglages.url_publique}/api/agent/{jeton}"


def entree_index(document: dict, attribution: dict) -> dict:
    """Le résumé d'une attribution ouverte, tel que l'index le garde."""
    transmission = attribution.get("transmission") or {}
    return {
        "id": f"{document['reference']}-{attribution['numero']}",
        "reference": document["reference"],
        "numero": attribution["numero"],
        "gestionnaire": attribution["gestionnaire"],
        "nom": attribution["nom"],
        "statut": attribution["statut"],
        "depuis": attribution["depuis"],
        "echeance": attribution.get("echeance"),
        "relance_le": attribution.get("relance_le"),
        "escalade_le": attribution.get("escalade_le"),
        "echeance_escalade": attribution.get("echeance_escalade"),
        "libelle": document["noeud"]["libelle"],
        "commune": (document.get("commune") or {}).get("nom"),
        "service_request_id": transmission.get("service_request_id"),
    }


class Chantier:
    """Ce qu'une action voit et produit, sous le verrou du signalement."""

    def __init__(self, document: dict, maintenant: datetime, modele: Modele, auteur: Auteur,
                 reglages: Reglages) -> None:
        self.document, self.maintenant, self.modele = document, maintenant, modele
        self.auteur, self.reglages = auteur, reglages
        self.ecritures = Ecritures()
        self.publics: list[dict] = []

    @property
    def reference(self) -> str:
        return self.document["reference"]

    @property
    def coordination(self) -> str:
        return (self.modele.territoire.get("coordination") or {}).get("nom") or "La coordination"

    def attribution(self, numero: int) -> dict:
        for attribution in self.document["attributions"]:
            if attribution["numero"] == numero:
                return attribution
        raise ActionImpossible("Cette attribution n'existe pas.", 404)

    def noter(self, sorte: str, *, public: bool = True, attribution: dict | None = None,
              pour_le_citoyen: str | None = None, **autres: Any) -> dict:
        evenement: dict[str, Any] = {"date": horodatage(self.maintenant), "type": sorte,
                                     "par": self.auteur.en_dict()}
        if attribution is not None:
            evenement["attribution"] = attribution["numero"]
            evenement["gestionnaire"] = attribution["gestionnaire"]
        if pour_le_citoyen:
            evenement["pour_le_citoyen"] = pour_le_citoyen
        evenement.update({k: v for k, v in autres.items() if v is not None})
        evenement["public"] = public
        self.document.setdefault("historique", []).append(evenement)
        if public:
            self.publics.append(evenement)
        return evenement

    def mettre_en_boite(self, sorte: str, attribution: dict | None = None, **autres: Any) -> dict:
        """Un envoi neuf, écrit avec le signalement ; son numéro le rend unique pour toujours."""
        numero = self.document.get("compteur_envois", 0) + 1
        self.document["compteur_envois"] = numero
        envoi = nouvel_envoi(self.reference, sorte, self.maintenant, numero_envoi=numero,
                             attribution=attribution["numero"] if attribution else None,
                             **autres)
        envoi["id"] = f"{self.reference}-{sorte.replace('_', '')}{numero}"
        self.ecritures.envois.append(envoi)
        return envoi

    def nouvelle_attribution(self, gestionnaire: dict | None) -> dict:
        """Confie le signalement à ``gestionnaire`` (transmis par la boîte d'envoi), ou à la
        coordination s'il vaut ``None``."""
        liste = self.document["attributions"]
        attribution: dict[str, Any] = {
            "numero": max(a["numero"] for a in liste) + 1,
            "depuis": horodatage(self.maintenant), "revoque_le": None, "transmis_le": None,
            "echeance": None, "relance_le": None, "escalade_le": None,
        }
        if gestionnaire is None:
            attribution.update(gestionnaire=CODE_COORDINATION, nom=self.coordination,
                               canal=None, delai_prise_en_charge=None, sel=nouveau_sel(),
                               statut="a_orienter")
        else:
            attribution.update(
                gestionnaire=gestionnaire["id"], nom=gestionnaire["nom"],
                canal=(gestionnaire.get("transmission") or {}).get("canal") or "aucune",
                delai_prise_en_charge=gestionnaire.get("delai_prise_en_charge"),
                sel=nouveau_sel(), statut="a_transmettre")
        liste.append(attribution)
        if gestionnaire is not None:
            self.mettre_en_boite("transmission", attribution)
        return attribution

    def attendre_prise_en_charge(self, attribution: dict, statut: str) -> None:
        """``transmis`` ou ``rouvert`` : l'horloge des relances (re)part de maintenant."""
        echeance = None
        if attribution.get("canal") not in (None, "aucune"):
            delai = (attribution.get("delai_prise_en_charge")
                     or self.reglages.delai_prise_en_charge)
            echeance = horodatage(ajouter_jours_ouvres(self.maintenant, delai))
        attribution.update(statut=statut, depuis=horodatage(self.maintenant), echeance=echeance,
                           relance_le=None, escalade_le=None, echeance_escalade=None)

    def changer_statut(self, attribution: dict, statut: str) -> None:
        attribution.update(statut=statut, depuis=horodatage(self.maintenant))

    def plus_tard(self, jours_ouvres: int) -> str:
        return horodatage(ajouter_jours_ouvres(self.maintenant, jours_ouvres))

    def il_y_a(self, **duree: float) -> str:
        return horodatage(self.maintenant - timedelta(**duree))


def completer_document(document: dict) -> None:
    """Un document d'avant le suivi entre services reçoit sa liste d'attributions."""
    if "attributions" not in document:
        document["attributions"] = copy.deepcopy(attributions(document))
        document.pop("attribution", None)


class Suivi:
    def __init__(self, stockage: Stockage, modele: SourceModele, horloge: Horloge,
                 notificateur: Notificateur, reglages: Reglages) -> None:
        self.stockage, self.modele, self.horloge = stockage, modele, horloge
        self.notificateur, self.reglages = notificateur, reglages

    def changer(self, reference: str, action: Callable[[Chantier], T], auteur: Auteur
                ) -> tuple[dict, T]:
        """Applique ``action`` au signalement ``reference`` ; rend (document, résultat).

        Lève ``ActionImpossible`` (rien n'est écrit) ou ``KeyError`` (signalement inconnu).
        """
        modele, maintenant = self.modele.actuel(), self.horloge()
        chantiers: list[Chantier] = []
        resultats: list[Any] = []

        def transformation(document: dict) -> Ecritures:
            completer_document(document)
            avant = {a["numero"]: copy.deepcopy(a) for a in document["attributions"]}
            chantier = Chantier(document, maintenant, modele, auteur, self.reglages)
            chantiers.append(chantier)
            resultats.append(action(chantier))
            for attribution in document["attributions"]:
                ancienne = avant.get(attribution["numero"])
                if attribution == ancienne and not chantier.ecritures.inchange:
                    continue
                if est_ouverte(attribution):
                    chantier.ecritures.ouvertes.append(entree_index(document, attribution))
                elif ancienne is None or est_ouverte(ancienne) or chantier.ecritures.inchange:
                    chantier.ecritures.fermees.append(
                        f"{document['reference']}-{attribution['numero']}")
            document["etat"] = etat_du_signalement(document)
            return chantier.ecritures

        document = self.stockage.changer_signalement(reference, transformation)
        for evenement in chantiers[-1].publics:
            try:
                self.notificateur.changement(document, evenement)
            except Exception:
                journal.exception("Le notificateur a échoué pour %s (ignoré).", reference)
        return document, resultats[-1]

    def reparer_index(self, entree: dict) -> None:
        """Une entrée d'index que le document contredit (arrêt brutal) est remise d'accord."""

        def accorder(chantier: Chantier) -> None:
            chantier.ecritures.inchange = True

        try:
            self.changer(entree["reference"], accorder, AIGUILLAGE)
        except KeyError:
            journal.warning("Entrée d'index sans signalement : %s", entree["id"])
