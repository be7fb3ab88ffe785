"""Les nouvelles des logiciels de service Open311, poussées ou relevées, comme FixMyStreet.

- **poussées** : le service poste ses mises à jour (``points_d_entree/mises_a_jour.py``),
  une par formulaire ou plusieurs à la fois (forme ``servicerequestupdates``, JSON ou XML) ;
- **relevées** : pour chaque service dont le contenu donne ``releve_open311: <minutes>``,
  ``GET servicerequestupdates.<format>?start_date=…`` depuis le dernier ``updated_datetime``
  vu (gardé dans ``donnees/open311/releves/``), dans la boucle de la boîte d'envoi et par
  ``python -m fonctions envoyer``.

Les deux passent par ``recevoir`` : la clé, la demande retrouvée (notre référence,
l'identifiant ou le jeton rendu à l'envoi), puis ``domaine/open311.py``.

Les identifiants rendus par les services sont retenus dans ``donnees/open311/identifiants/``
(un petit fichier par identifiant, écrit une fois) : une mise à jour qui arrive après
« résolu », quand l'attribution a quitté l'index des ouvertes, retrouve encore son
signalement.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from fonctions.domaine import open311
from fonctions.domaine.intervention import jour_d_un_horodatage
from fonctions.domaine.modele import SourceModele
from fonctions.domaine.suivi import ActionImpossible, Auteur, Suivi
from fonctions.socle import georeport
from fonctions.socle.client_http import ClientHTTP, ErreurReseau
from fonctions.socle.fichiers import ecrire_atomiquement
from fonctions.socle.horloge import Horloge
from fonctions.socle.jetons import reference_valide
from fonctions.socle.reglages import Reglages
from fonctions.stockage import Stockage
from fonctions.transmission.open311 import CanalOpen311
from fonctions.transmission.open311_champs import Configuration

journal = logging.getLogger("aiguillage.open311")
TEXTE_MAX = 4000


@dataclass(frozen=True)
class Reponse:
    statut: int  # 200, ou le code de l'erreur Open311
    description: str  # l'update_id accepté, ou l'erreur en français


class NouvellesOpen311:
    def __init__(self, stockage: Stockage, suivi: Suivi, modele: SourceModele,
                 reglages: Reglages, client: ClientHTTP, horloge: Horloge,
                 canal: CanalOpen311 | None = None) -> None:
        self.stockage, self.suivi, self.modele = stockage, suivi, modele
        self.reglages, self.client, self.horloge, self.canal = reglages, client, horloge, canal
        self.dossier = Path(reglages.donnees) / "open311"
        self._derniers_releves: dict[str, float] = {}

    # -- les identifiants rendus par les services ---------------------------------------------

    def _chemin(self, gestionnaire: str, identifiant: str) -> Path:
        nom = hashlib.sha256(f"{gestionnaire}\0{identifiant}".encode()).hexdigest()[:40]
        return self.dossier / "identifiants" / nom[:2] / f"{nom}.json"

    def retenir(self, gestionnaire: str, donnees: dict, reference: str) -> None:
        """Après une transmission réussie : ``service_request_id`` et ``token`` → référence."""
        for cle in ("service_request_id", "token"):
            if donnees.get(cle):
                chemin = self._chemin(gestionnaire, f"{cle}:{donnees[cle]}")
                if not chemin.exists():
                    ecrire_atomiquement(chemin, json.dumps({"reference": reference}).encode())

    def retrouver(self, gestionnaire: str, identifiant: str) -> str | None:
        """Notre référence pour ``identifiant`` : la référence elle-même, l'identifiant ou le
        jeton rendu à l'envoi (index des ouvertes, puis ceux retenus)."""
        if reference_valide(identifiant):
            return identifiant
        for entree in self.stockage.lister_ouvertes():
            if (entree["gestionnaire"] == gestionnaire
                    and entree.get("service_request_id") == identifiant):
                return entree["reference"]
        for cle in ("service_request_id", "token"):
            chemin = self._chemin(gestionnaire, f"{cle}:{identifiant}")
            try:
                return json.loads(chemin.read_bytes())["reference"]
            except (OSError, ValueError, KeyError):
                continue
        return None

    # -- recevoir -----------------------------------------------------------------------------

    def verifier_cle(self, gestionnaire: str, cle_recue: str) -> bool:
        if not self.modele.actuel().gestionnaire(gestionnaire):
            return False
        cle = self.reglages.cle_open311(gestionnaire)
        return cle is not None and hmac.compare_digest(cle.encode(), cle_recue.encode())

    def recevoir(self, gestionnaire: str, champs: dict, canal: str = "open311") -> Reponse:
        """Une mise à jour d'un service déjà authentifié (``verifier_cle``)."""
        status = str(champs.get("status") or "").strip()
        update_id = str(champs.get("update_id") or "").strip()
        if status.upper() not in open311.STATUTS or not 0 < len(update_id) <= 200:
            return Reponse(400, f"status « {status[:40]} » ou update_id invalide : voir la "
                                "table des statuts dans docs/open311.md.")
        quand = None
        if champs.get("updated_datetime"):
            try:
                quand = georeport.lire_date(str(champs["updated_datetime"]))
            except georeport.ErreurGeoReport as erreur:
                return Reponse(400, f"updated_datetime : {erreur}")
        identifiant = str(champs.get("service_request_id") or "").strip()
        reference = self.retrouver(gestionnaire, identifiant) if identifiant else None
        if reference is None:
            return Reponse(404, f"service_request_id « {identifiant[:60]} » inconnu.")
        description = str(champs.get("description") or "")[:TEXTE_MAX]
        attendu = str(champs.get("expected_datetime") or "").strip()
        conf = (self.modele.actuel().gestionnaire(gestionnaire) or {}).get("transmission") or {}
        try:
            date = jour_d_un_horodatage(attendu) if attendu and open311.traduire(
                status, conf.get("statuts", "ouvert-ferme"))[0] == "programme" else None
            action = open311.mise_a_jour(
                gestionnaire, update_id, status, description, quand,
                statuts_du_service=conf.get("statuts", "ouvert-ferme"),
                vers=str(champs.get("aiguillage_service") or "") or None,
                date_intervention=date)
            _, resultat = self.suivi.changer(reference, action,
                                             Auteur("service", canal, gestionnaire))
        except KeyError:
            return Reponse(404, f"service_request_id « {identifiant[:60]} » inconnu.")
        except ActionImpossible as refus:
            return Reponse(refus.statut, refus.message)
        return Reponse(200, resultat)

    # -- relever ------------------------------------------------------------------------------

    def relever(self, forcer: bool = False) -> int:
        """Relève les services dont le tour est venu ; rend le nombre de mises à jour lues.
        Un service injoignable est écrit au journal et relevé au tour suivant. Avec
        ``AIGUILLAGE_ENVOI_WEB=fichier`` (développement), rien ne quitte la machine : pas de
        relevé."""
        if self.reglages.envoi_web != "reel":
            return 0
        lues = 0
        for g in self.modele.actuel().gestionnaires.values():
            transmission = g.get("transmission") or {}
            minutes = transmission.get("releve_minutes")
            if transmission.get("canal") != "open311" or not minutes:
                continue
            dernier = self._derniers_releves.get(g["id"])
            if not forcer and dernier is not None and time.monotonic() - dernier < minutes * 60:
                continue
            self._derniers_releves[g["id"]] = time.monotonic()
            try:
                lues += self._relever(g)
            except (ErreurReseau, georeport.ErreurGeoReport) as erreur:
                journal.warning("Relevé Open311 de %s impossible : %s", g["nom"], erreur)
        return lues

    def _relever(self, g: dict) -> int:
        conf = Configuration(g)
        # D'abord les jetons : une mise à jour peut citer l'identifiant qu'ils cachaient.
        self._resoudre_les_jetons(g, conf)
        etat = self.dossier / "releves" / f"{g['id']}.json"
        try:
            depuis = json.loads(etat.read_bytes())["dernier"]
        except (OSError, ValueError, KeyError):
            # Premier relevé : les mises à jour des 30 derniers jours.
            depuis = georeport.ecrire_date(self.horloge() - timedelta(days=30))
        parametres = {"start_date": depuis, "end_date": georeport.ecrire_date(self.horloge())}
        cle = self.reglages.cle_open311(g["id"])
        if cle:
            parametres["api_key"] = cle
        if conf.juridiction:
            parametres["jurisdiction_id"] = conf.juridiction
        reponse = self.client.get(conf.url("servicerequestupdates"), parametres=parametres)
        if reponse.statut != 200:
            journal.warning("Relevé Open311 de %s : réponse %s (%s)", g["nom"], reponse.statut,
                            georeport.dire_erreurs(reponse.texte))
            return 0
        mises = georeport.lire(reponse.texte, conf.format)
        plus_recente = georeport.lire_date(depuis)
        for champs in sorted(mises, key=lambda m: str(m.get("updated_datetime") or "")):
            champs = {k: v for k, v in champs.items() if isinstance(v, str | int | float)}
            issue = self.recevoir(g["id"], champs, canal="open311-releve")
            if issue.statut not in (200, 404):
                journal.warning("Mise à jour Open311 %s de %s refusée : %s",
                                champs.get("update_id"), g["nom"], issue.description)
            try:
                quand = georeport.lire_date(str(champs.get("updated_datetime") or ""))
            except georeport.ErreurGeoReport:
                continue
            plus_recente = max(plus_recente, quand)
        ecrire_atomiquement(etat, json.dumps(
            {"dernier": georeport.ecrire_date(plus_recente)}).encode())
        return len(mises)

    def _resoudre_les_jetons(self, g: dict, conf: Configuration) -> None:
        """Les jetons encore sans identifiant (service « batch ») : ``GET tokens/<jeton>``."""
        if self.canal is None:
            return
        for entree in self.stockage.lister_ouvertes():
            if entree["gestionnaire"] != g["id"] or entree.get("service_request_id"):
                continue
            signalement = self.stockage.lire_signalement(entree["reference"]) or {}
            attribution = next((a for a in signalement.get("attributions", [])
                                if a["numero"] == entree["numero"]), {})
            token = (attribution.get("transmission") or {}).get("token")
            if not token:
                continue
            identifiant = self.canal.identifiant_du_jeton(conf, g["id"], token)
            if identifiant:
                self.retenir(g["id"], {"service_request_id": identifiant},
                             entree["reference"])
