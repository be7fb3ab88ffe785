"""Les données personnelles, comme la page « Vos données personnelles » le promet.

Chaque signalement passe par deux étapes, comptées depuis sa **clôture** (``cloture`` : le
dernier statut final — résolu, clos, pas de notre ressort — ou la confirmation du citoyen ;
un signalement rouvert n'est plus clos) :

1. ``Reglages.coordonnees_jours`` après : ses **coordonnées** (e-mail, téléphone), ses
   **abonnements aux notifications** et sa **clé d'idempotence** sont effacés
   (``effacer_les_coordonnees``, la même porte que le bouton « Effacer mes coordonnées » de
   la page de suivi). Ils ne sont nulle part ailleurs : les entrées de la boîte d'envoi
   lisent le contact dans le signalement au moment d'envoyer, le journal efface ses
   segments une fois matérialisés (``Journal.tourner``), les journaux n'en écrivent pas ;
2. ``Reglages.conservation_mois`` après : il ne reste que la **statistique anonyme**
   (``statistique_anonyme`` : problème, commune, dates, statuts, services), puis ses photos,
   ses entrées de la boîte d'envoi et les identifiants que les services Open311 ont rendus
   pour lui (``Stockage.oublier_identifiants_externes``) sont effacés. Ces identifiants ne
   disent rien du citoyen, mais ils relient la statistique à la demande gardée chez le
   service (description, adresse, contact) : la statistique ne garde déjà de la
   transmission que son canal et sa date, elle ne garde pas non plus ce lien.

``purger`` fait les deux pour tous les signalements, efface les restes d'arrêts brutaux
(fichiers temporaires, photos sans signalement : ``Stockage.effacer_restes``) et, en
développement, les courriels ``.eml`` et appels simulés plus vieux que le délai des
coordonnées. Elle est
**idempotente et sûre à tuer** : chaque étape est une écriture atomique sous le verrou du
signalement, qui revérifie ce qu'elle efface ; les photos sont effacées *après* l'écriture
du document anonyme, et une purge suivante efface celles qu'un arrêt aurait laissées.
"""

from __future__ import annotations

import calendar
import logging
import os
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fonctions.domaine.enregistrement import horodatage
from fonctions.domaine.statuts import FINALS, attributions, etat_du_signalement
from fonctions.domaine.suivi import Auteur, Chantier, Suivi
from fonctions.socle.jetons import nouveau_sel
from fonctions.socle.reglages import Reglages
from fonctions.stockage import CleEnCours, Stockage

journal = logging.getLogger("aiguillage.purge")
AGE_DES_RESTES = 24 * 3600.0  # secondes : un reste plus jeune peut être une écriture en cours
PURGE = Auteur("aiguillage", "purge")
# Ce que la statistique anonyme garde d'un événement de l'historique : ni texte libre
# (message, motif, pour_le_citoyen), ni adresse de la coordination (par.personne).
CHAMPS_D_EVENEMENT = ("date", "type", "statut", "attribution", "gestionnaire", "public")


@dataclass
class Bilan:
    coordonnees: int = 0  # signalements dont les coordonnées ont été effacées
    anonymises: int = 0
    photos: int = 0  # photos effacées (anonymisation et restes)
    restes: int = 0  # fichiers temporaires et photos orphelines effacés
    courriels: int = 0  # courriels et appels simulés (développement) effacés
    identifiants: int = 0  # identifiants Open311 de signalements anonymisés oubliés

    def en_texte(self) -> str:
        return (
            f"{self.coordonnees} signalement(s) sans coordonnées désormais, "
            f"{self.anonymises} anonymisé(s), {self.photos} photo(s) et "
            f"{self.restes} reste(s) d'écriture effacés, {self.identifiants} "
            f"identifiant(s) Open311 oublié(s), {self.courriels} envoi(s) "
            "simulé(s) de développement effacé(s)."
        )


def cloture(document: dict) -> datetime | None:
    """Le moment où le signalement a été clos, ou ``None`` s'il ne l'est pas."""
    etat = etat_du_signalement(document)
    if etat not in FINALS and etat != "confirme":
        return None
    moments = [a.get("depuis") for a in attributions(document)] + [document.get("confirme_le")]
    return max(datetime.fromisoformat(m) for m in moments if m)


def ajouter_mois(moment: datetime, mois: int) -> datetime:
    """``moment`` plus ``mois`` mois civils (le 31 janvier + 1 mois donne le 28 ou 29
    février)."""
    total = moment.month - 1 + mois
    annee, numero = moment.year + total // 12, total % 12 + 1
    return moment.replace(
        year=annee, month=numero, day=min(moment.day, calendar.monthrange(annee, numero)[1])
    )


def echeances(document: dict, reglages: Reglages) -> tuple[datetime, datetime] | None:
    """(effacement des coordonnées, anonymisation) du signalement, s'il est clos."""
    fin = cloture(document)
    if fin is None:
        return None
    return (fin + timedelta(days=reglages.coordonnees_jours), ajouter_mois(fin, reglages.conservation_mois))


def a_des_coordonnees(document: dict) -> bool:
    return bool(document.get("contact") or document.get("abonnements_push"))


# -- Effacer les coordonnées ---------------------------------------------------------------


def _effacer(cle_oubliee: bool):
    def action(chantier: Chantier) -> bool:
        document = chantier.document
        if not a_des_coordonnees(document) and not (cle_oubliee and document.get("idempotence")):
            chantier.ecritures.inchange = True  # déjà fait (ou rien laissé) : rien à écrire
            return False
        if cle_oubliee:
            document["idempotence"] = None
        if a_des_coordonnees(document):
            document["contact"] = None
            document["abonnements_push"] = []
            document["coordonnees_effacees_le"] = horodatage(chantier.maintenant)
            chantier.noter("coordonnees_effacees", public=False)
        return True

    return action


def effacer_les_coordonnees(suivi: Suivi, stockage: Stockage, reference: str, auteur: Auteur = PURGE) -> dict:
    """Efface contact, abonnements Web Push et clé d'idempotence du signalement ; rend le
    document. Sans effet la seconde fois. ``KeyError`` si le signalement n'existe pas.

    La clé d'idempotence d'abord (son fichier garde l'empreinte du contenu, coordonnées
    comprises) : un arrêt juste après laisse un document qui la nomme encore, et la purge
    suivante refait tout. Une clé tenue à cet instant par une requête reste nommée, pour la
    purge suivante. Un service à qui le citoyen avait permis de le contacter a déjà reçu
    ses coordonnées : elles ne sont plus dans Aiguillage, pas dans son propre logiciel."""
    document = stockage.lire_signalement(reference)
    if document is None:
        raise KeyError(reference)
    oubliee = True
    if document.get("idempotence"):
        try:
            stockage.oublier_cle(document["idempotence"])
        except CleEnCours:
            oubliee = False
    document, _ = suivi.changer(reference, _effacer(oubliee), auteur)
    return document


# -- Anonymiser -----------------------------------------------------------------------------


def statistique_anonyme(document: dict, maintenant: datetime) -> dict[str, Any]:
    """Ce qu'il reste d'un signalement après la conservation : de quoi compter (problème,
    commune, dates, statuts, services), rien qui dise qui, quoi exactement ni où précisément.

    Les champs gardent leur forme (textes vides, listes vides, sels neufs) : toute page qui
    lirait le document le lit sans erreur, et aucun ancien lien (suivi, agent) ne l'ouvre."""
    historique = []
    for evenement in document.get("historique", []):
        garde = {k: evenement[k] for k in CHAMPS_D_EVENEMENT if k in evenement}
        par = {k: v for k, v in (evenement.get("par") or {}).items() if k != "personne"}
        if par:
            garde["par"] = par
        historique.append(garde)
    gestionnaire = document.get("gestionnaire") or {}
    return {
        "reference": document["reference"],
        "cree_le": document["cree_le"],
        "etat": document.get("etat"),
        "confirme_le": document.get("confirme_le"),
        "noeud": {
            "id": document["noeud"].get("id"),
            "libelle": document["noeud"].get("libelle"),
            "url": document["noeud"].get("url"),
        },
        "parcours": [],
        "commune": document.get("commune"),
        "gestionnaire": {
            "id": gestionnaire.get("id"),
            "nom": gestionnaire.get("nom"),
            "canal": gestionnaire.get("canal"),
        },
        "description": "",
        "localisation": {"latitude": None, "longitude": None, "adresse": None},
        "contact": None,
        "abonnements_push": [],
        "reponses": [],
        "photos": [],
        "nombre_de_photos": len(document.get("photos", [])),
        "idempotence": None,
        "modele": document.get("modele"),
        "suivi": {"sel": nouveau_sel()},
        "attributions": [_attribution_anonyme(a) for a in attributions(document)],
        "compteur_envois": document.get("compteur_envois", 0),
        "envois_reussis": [],
        "historique": historique,
        "coordonnees_effacees_le": document.get("coordonnees_effacees_le"),
        "anonymise_le": horodatage(maintenant),
    }


def _attribution_anonyme(attribution: dict) -> dict:
    """Sans motif (un texte libre), sans le reçu de la transmission (seulement son canal et
    sa date), avec un sel neuf : plus aucun lien d'agent ne l'ouvre."""
    anonyme = {k: v for k, v in attribution.items() if k not in ("motif", "transmission")}
    recu = attribution.get("transmission")
    if recu:
        anonyme["transmission"] = {k: recu.get(k) for k in ("canal", "date")}
    anonyme["sel"] = nouveau_sel()
    return anonyme


def anonymiser(stockage: Stockage, reference: str, maintenant: datetime, envois: Iterable[str] = ()) -> bool:
    """Remplace le signalement par sa statistique anonyme (une écriture), puis efface ses
    entrées ``envois`` de la boîte d'envoi ; rend vrai si le document a changé. Ses photos
    sont à effacer ensuite (``Stockage.effacer_photos``)."""
    change = []

    def remplacer(document: dict) -> None:
        if document.get("anonymise_le"):
            return  # déjà fait : on ne réécrit pas
        anonyme = statistique_anonyme(document, maintenant)
        document.clear()
        document.update(anonyme)
        change.append(True)

    stockage.modifier_signalement(reference, modification=remplacer)
    effacer_les_envois(stockage, envois)
    return bool(change)


def effacer_les_envois(stockage: Stockage, envois: Iterable[str]) -> None:
    """Efface ces entrées de la boîte d'envoi, sauf celle qu'un envoyeur tient à cet
    instant (la passe suivante la retrouve)."""
    for identifiant in envois:
        with stockage.reclamer_envoi(identifiant) as tenu:
            if tenu is not None:
                stockage.supprimer_envoi(identifiant)


# -- La purge -----------------------------------------------------------------------------


def purger(
    stockage: Stockage,
    suivi: Suivi,
    reglages: Reglages,
    maintenant: datetime,
    *,
    age_des_restes: float = AGE_DES_RESTES,
) -> Bilan:
    """Une passe sur tous les signalements (voir le module) ; rend ce qui a été effacé."""
    bilan = Bilan()
    par_reference: dict[str, list[str]] | None = None

    def envois_de(reference: str) -> list[str]:
        # La boîte d'envoi lue une fois par passe, et seulement s'il le faut : la relire
        # pour chaque signalement anonymisé coûterait (signalements × envois).
        nonlocal par_reference
        if par_reference is None:
            par_reference = defaultdict(list)
            for envoi in stockage.lister_envois():
                par_reference[envoi["reference"]].append(envoi["id"])
        return par_reference.get(reference, [])

    anonymises: set[str] = set()
    for reference in stockage.lister_references():
        document = stockage.lire_signalement(reference)
        if document is None:
            continue
        if document.get("anonymise_le"):  # après un arrêt : ce qui resterait à effacer
            anonymises.add(reference)
            effacer_les_envois(stockage, envois_de(reference))
            bilan.photos += stockage.effacer_photos(reference)
            continue
        dates = echeances(document, reglages)
        if dates is None:
            continue
        coordonnees, conservation = dates
        if maintenant >= coordonnees and (a_des_coordonnees(document) or document.get("idempotence")):
            if a_des_coordonnees(document):
                bilan.coordonnees += 1
            effacer_les_coordonnees(suivi, stockage, reference)
        if maintenant >= conservation:
            bilan.anonymises += anonymiser(stockage, reference, maintenant, envois_de(reference))
            bilan.photos += stockage.effacer_photos(reference)
            anonymises.add(reference)
    # Une fois par passe (le coût suit le nombre d'identifiants retenus), après les
    # anonymisations : une passe interrompue avant laisse les identifiants à la suivante.
    bilan.identifiants += stockage.oublier_identifiants_externes(anonymises)
    bilan.restes += stockage.effacer_restes(age_des_restes)
    for dossier, suffixe in ENVOIS_SIMULES:
        bilan.courriels += _effacer_les_vieux(
            Path(reglages.donnees) / dossier, suffixe, reglages.coordonnees_jours
        )
    return bilan


# En développement, ce qui aurait été envoyé est écrit dans des fichiers (courriels, appels
# webhook et Open311), avec l'adresse et le texte du citoyen : pas gardés plus longtemps
# que ses coordonnées.
ENVOIS_SIMULES = (("courriels", ".eml"), ("sortants", ".json"))


def _effacer_les_vieux(dossier: Path, suffixe: str, jours: int) -> int:
    if not dossier.is_dir():
        return 0
    limite = time.time() - jours * 86400
    effaces = 0
    for fichier in os.scandir(dossier):
        if fichier.name.endswith(suffixe) and fichier.stat().st_mtime < limite:
            os.unlink(fichier.path)
            effaces += 1
    return effaces
