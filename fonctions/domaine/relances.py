"""Les relances : une attribution sans accusé de réception dans le délai du service est
relancée, puis, sans réponse, signalée à la coordination.

Pour chaque attribution ``transmis`` ou ``rouvert`` de l'index des ouvertes (jamais tous les
signalements) :

1. à l'échéance (``delai_prise_en_charge`` jours ouvrés après la transmission, ou
   ``AIGUILLAGE_DELAI_PRISE_EN_CHARGE`` si le contenu n'en donne pas) : une relance part au
   service, par son canal, avec un lien neuf ;
2. ``AIGUILLAGE_DELAI_ESCALADE`` jours ouvrés plus tard, toujours sans réponse : la
   coordination du territoire est prévenue (elle voit le signalement sur sa page).

Tourne dans la boucle de la boîte d'envoi (au plus une fois par minute) et dans
``python -m fonctions envoyer`` ; l'heure vient de l'horloge du contexte.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from fonctions.domaine import textes
from fonctions.domaine.chronologie import date_en_clair
from fonctions.domaine.enregistrement import horodatage
from fonctions.domaine.statuts import EN_ATTENTE
from fonctions.domaine.suivi import Auteur, Chantier, Suivi
from fonctions.socle.horloge import Horloge
from fonctions.socle.reglages import Reglages
from fonctions.stockage import Stockage

journal = logging.getLogger("aiguillage.relances")
RELANCES = Auteur("aiguillage", "relances")


def _echue(moment: str | None, maintenant: datetime) -> bool:
    return bool(moment) and datetime.fromisoformat(moment) <= maintenant


class Relances:
    def __init__(self, stockage: Stockage, suivi: Suivi, horloge: Horloge,
                 reglages: Reglages) -> None:
        self.stockage, self.suivi, self.horloge, self.reglages = stockage, suivi, horloge, reglages

    def traiter_une_fois(self) -> int:
        """Relance et signale ce qui est dû ; rend le nombre de relances et d'escalades."""
        maintenant = self.horloge()
        faites = 0
        for entree in sorted(self.stockage.lister_ouvertes(), key=lambda e: e["id"]):
            if entree["statut"] not in EN_ATTENTE or entree.get("escalade_le"):
                continue
            if entree.get("relance_le"):
                if not _echue(entree.get("echeance_escalade"), maintenant):
                    continue
                action = escalader(entree["numero"])
            elif _echue(entree.get("echeance"), maintenant):
                action = relancer(entree["numero"], self.reglages.delai_escalade)
            else:
                continue
            try:
                self.suivi.changer(entree["reference"], action, RELANCES)
                faites += 1
            except KeyError:
                journal.warning("Entrée d'index sans signalement : %s", entree["id"])
            except Exception:
                journal.exception("Relance impossible pour %s ; elle sera retentée.", entree["id"])
        return faites


def relancer(numero: int, delai_escalade: int) -> Callable[[Chantier], None]:
    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        if a["statut"] not in EN_ATTENTE or a.get("relance_le"):
            c.ecritures.inchange = True
            return
        a.update(relance_le=horodatage(c.maintenant),
                 echeance_escalade=c.plus_tard(delai_escalade))
        c.noter("relance", attribution=a, pour_le_citoyen=textes.dire_relance(a["nom"]))
        c.mettre_en_boite("relance", a, motif=(
            f"Ce signalement attend votre accusé de réception depuis le "
            f"{_date(a['depuis'])}."))
    return action


def escalader(numero: int) -> Callable[[Chantier], None]:
    def action(c: Chantier) -> None:
        a = c.attribution(numero)
        if a["statut"] not in EN_ATTENTE or a.get("escalade_le"):
            c.ecritures.inchange = True
            return
        a["escalade_le"] = horodatage(c.maintenant)
        c.noter("escalade", attribution=a,
                pour_le_citoyen=textes.dire_escalade(a["nom"], c.coordination))
        c.mettre_en_boite("escalade", a, motif=(
            f"{a['nom']} n'a pas accusé réception de ce signalement (en attente depuis le "
            f"{_date(a['depuis'])}, relancé le {_date(a['relance_le'])}). Confiez-le à un "
            "autre service ou joignez-le, depuis la page de coordination."))
    return action


def _date(iso: str | None) -> str:
    return date_en_clair(iso) if iso else "?"
