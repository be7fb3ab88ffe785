"""La boîte d'envoi : transmettre chaque signalement à son service, sans jamais le perdre.

Chaque signalement enregistré laisse une entrée dans la boîte d'envoi (même stockage,
même écriture). ``traiter_une_fois`` prend les entrées dues, une par une, sous bail :

1. l'entrée est réclamée (verrou que le noyau libère si le processus meurt) ;
2. la tentative est notée *avant* l'envoi (``en_cours``, ``tentatives``), sur disque ;
3. le canal envoie ; le succès ou l'échec est écrit dans l'historique du signalement ;
4. succès : l'entrée est supprimée ; échec : elle revient plus tard (``base.DELAIS``) ;
   abandon : le signalement est marqué non transmis et la coordination est prévenue.

Les sortes d'envoi : ``transmission`` (au service d'une attribution), ``relance``,
``rouvert`` et ``complement`` (au même service, par le même canal), ``alerte``, ``escalade``
et ``a_orienter`` (à la coordination). Ce qui change une attribution (transmis, non
transmis) passe par ``Suivi.changer``, comme tout changement visible par le citoyen.

Choix pour la fenêtre entre « envoyé » et « noté envoyé » : **au moins une fois**. Si le
processus meurt juste après que le service a accepté et avant l'étape 3, l'entrée est
reprise : l'historique dit « tentative interrompue » et l'envoi est refait, avec le même
identifiant (Message-ID, Idempotency-Key) pour que le destinataire écarte le doublon.
Perdre un signalement serait pire qu'un doublon reconnaissable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import anyio

from fonctions.domaine import actions
from fonctions.domaine.contact import contact_pour_le_service
from fonctions.domaine.enregistrement import horodatage
from fonctions.domaine.modele import SourceModele
from fonctions.domaine.statuts import CODE_COORDINATION, attribution_numero
from fonctions.domaine.suivi import AIGUILLAGE, Suivi, lien_agent
from fonctions.socle.horloge import Horloge, Reveil
from fonctions.socle.reglages import Reglages
from fonctions.stockage import Stockage
from fonctions.transmission.base import (
    Canal,
    Dossier,
    EchecTransmission,
    Issue,
    PieceJointe,
    tenter,
)

journal = logging.getLogger("aiguillage.boite_envoi")
ABANDON_DES_RESTES = timedelta(hours=1)
POUR_LA_COORDINATION = ("alerte", "escalade", "a_orienter")
INTERVALLE_DES_RELANCES = 60.0  # secondes : les relances lisent tout l'index des ouvertes
INTERVALLE_DES_RELEVES = 60.0  # secondes ; chaque service a son rythme (releve_open311)
FILES_EN_PARALLELE = 8  # destinataires servis en même temps (un fil chacun)
INTERVALLE_DES_PURGES = 3600.0  # secondes : des comptes par jour, effacés au jour près
# secondes : les durées des données personnelles se comptent en jours (fonctions/domaine/purge.py) ;
# une passe lit tous les signalements, une fois par jour suffit.
INTERVALLE_DE_LA_PURGE_DES_DONNEES = 86_400.0


class BoiteEnvoi:
    def __init__(self, stockage: Stockage, modele: SourceModele, canaux: Mapping[str, Canal],
                 alerte: Canal, *, reglages: Reglages, suivi: Suivi, horloge: Horloge) -> None:
        self.stockage, self.modele, self.canaux, self.alerte = stockage, modele, canaux, alerte
        self.reglages, self.suivi, self.horloge = reglages, suivi, horloge
        self.relances = None  # les relances (fonctions/domaine/relances.py), lancées par ``boucle``
        # L'effacement des vieilles recherches sans résultat (recherches_vides.purger), aussi
        # lancé par ``boucle`` : c'est elle qui tourne tant que le serveur tourne.
        self.purge_des_recherches: Callable[[], int] | None = None
        # La purge des données personnelles (purge.purger), au démarrage puis une fois par
        # jour : la page « Vos données personnelles » est tenue sans cron quand la boîte
        # d'envoi tourne dans le serveur.
        self.purge_des_donnees: Callable[[], object] | None = None
        # Les nouvelles des services Open311 (transmission/nouvelles_open311.py) : les
        # identifiants rendus y sont retenus, et ``boucle`` relève leurs mises à jour.
        self.nouvelles_open311 = None

    def traiter_une_fois(self, limite: int = 200) -> int:
        """Traite les entrées dues ; rend leur nombre. Appel bloquant (fil ou cron).

        Une file par destinataire (un service, la coordination, les citoyens), chacune dans
        son fil : un service lent (jusqu'à ``AIGUILLAGE_DELAI_HTTP`` par envoi) ne retarde
        que ses propres envois. Dans une file, l'ordre des échéances est gardé."""
        maintenant = self.horloge()
        dues = sorted(
            (e for e in self.stockage.lister_envois()
             if datetime.fromisoformat(e["prochaine_tentative"]) <= maintenant),
            key=lambda e: e["prochaine_tentative"],
        )[:limite]
        files: dict[str, list[dict]] = {}
        for entree in dues:
            files.setdefault(self._file_de(entree), []).append(entree)
        if len(files) <= 1:
            return sum(self._traiter_la_file(file, maintenant) for file in files.values())
        with ThreadPoolExecutor(max_workers=min(FILES_EN_PARALLELE, len(files)),
                                thread_name_prefix="boite-envoi") as fils:
            return sum(fils.map(lambda file: self._traiter_la_file(file, maintenant),
                                files.values()))

    def _file_de(self, entree: dict) -> str:
        if entree["sorte"] in POUR_LA_COORDINATION:
            return "coordination"
        if entree["sorte"] == "notification":
            return "citoyens"
        signalement = self.stockage.lire_signalement(entree["reference"]) or {}
        attribution = attribution_numero(signalement, entree.get("attribution") or 1) or {}
        return f"service:{attribution.get('gestionnaire', '')}"

    def _traiter_la_file(self, file: list[dict], maintenant: datetime) -> int:
        traitees = 0
        for entree in file:
            issue = None
            with self.stockage.reclamer_envoi(entree["id"]) as envoi:
                if envoi is None:  # réclamée ailleurs, ou déjà terminée
                    continue
                if datetime.fromisoformat(envoi["prochaine_tentative"]) > maintenant:
                    continue
                issue = self._traiter(envoi, self.horloge())
                traitees += 1
            if issue is not None and issue.injoignable:
                # Ce destinataire ne répond pas : ses autres envois attendent la passe
                # suivante (chacun coûterait encore AIGUILLAGE_DELAI_HTTP à cette passe-ci).
                break
        return traitees

    def _traiter(self, envoi: dict, maintenant: datetime) -> Issue | None:
        reference = envoi["reference"]
        signalement = self.stockage.lire_signalement(reference)
        if signalement is None:
            # Reste d'un enregistrement interrompu avant sa fin : le signalement n'existe
            # pas (encore). Effacé quand il est certain que personne ne le termine plus.
            if maintenant - datetime.fromisoformat(envoi["cree_le"]) > ABANDON_DES_RESTES:
                self.stockage.supprimer_envoi(envoi["id"])
            return
        if envoi.get("numero_envoi", 0) > signalement.get("compteur_envois", 0):
            # Écrit avant un changement qui n'a pas abouti (arrêt brutal) : jamais envoyé.
            if maintenant - datetime.fromisoformat(envoi["cree_le"]) > ABANDON_DES_RESTES:
                self.stockage.supprimer_envoi(envoi["id"])
            return
        if envoi["id"] in signalement.get("envois_reussis", []):
            self.stockage.supprimer_envoi(envoi["id"])  # arrêt entre « noté » et « supprimé »
            return
        numero = envoi.get("attribution") or 1
        if envoi["sorte"] == "transmission" and (attribution_numero(signalement, numero) or {}).get(
                "gestionnaire") == CODE_COORDINATION:
            # « Je ne trouve pas mon problème » pour la coordination : rien à transmettre,
            # elle est prévenue (courriel « [À orienter] », page de coordination).
            self.suivi.changer(reference, actions.confier_a_la_coordination(numero, envoi),
                               AIGUILLAGE)
            self.stockage.supprimer_envoi(envoi["id"])
            return
        if envoi.get("en_cours"):
            self._noter(reference, maintenant, "interrompu", (
                "Tentative interrompue par un arrêt du serveur : le service a peut-être "
                "déjà reçu le signalement ; il est envoyé de nouveau avec le même identifiant."
            ), envoi)
        envoi = {**envoi, "tentatives": envoi["tentatives"] + 1,
                 "en_cours": {"debut": horodatage(maintenant)}}
        self.stockage.enregistrer_envoi(envoi)
        canal, dossier = self._preparer(signalement, envoi)
        issue = tenter(canal, dossier, envoi["tentatives"] - 1, maintenant)
        if issue.reussi:
            self._reussite(envoi, canal.nom, issue.recu, maintenant)
        elif issue.prochaine_tentative is not None:
            message = (f"Échec de la tentative {envoi['tentatives']} ({canal.nom}) : "
                       f"{issue.erreur} Nouvel essai le {horodatage(issue.prochaine_tentative)}.")
            self._noter(reference, maintenant, "echec", message, envoi)
            self.stockage.enregistrer_envoi({
                **envoi, "en_cours": None, "derniere_erreur": issue.erreur,
                "prochaine_tentative": horodatage(issue.prochaine_tentative)})
        else:
            self._abandon(envoi, canal.nom, issue.erreur or "", maintenant)
        return issue

    def _preparer(self, signalement: dict, envoi: dict) -> tuple[Canal, Dossier]:
        modele = self.modele.actuel()
        if envoi["sorte"] == "notification":  # au citoyen : Web Push ou courriel (push/canal.py)
            return self.canaux["notification"], Dossier(
                identifiant=envoi["id"], signalement=signalement, gestionnaire={}, photos=(),
                lien_agent="", territoire=modele.territoire["nom"], evenement="notification",
                message=envoi.get("message"))
        attribution = attribution_numero(signalement, envoi.get("attribution") or 1) or {}
        # Le service tel que le contenu le décrit maintenant (une adresse corrigée sert aux
        # tentatives suivantes) ; s'il a disparu du contenu, la coordination prendra le relais.
        identifiant = attribution.get("gestionnaire", "")
        gestionnaire = modele.gestionnaire(identifiant) or {
            "id": identifiant, "nom": attribution.get("nom") or identifiant,
            "transmission": {"canal": None}}
        photos = tuple(
            PieceJointe(p["nom"], p["type"],
                        self.stockage.lire_photo(signalement["reference"], p["nom"]))
            for p in signalement.get("photos", [])
        )
        lien = ""
        # La coordination qui transmet « à la main » fait suivre le lien au service.
        if (attribution and identifiant != CODE_COORDINATION
                and envoi["sorte"] not in ("escalade", "a_orienter")):
            lien = lien_agent(self.reglages, signalement["reference"], attribution,
                              self.horloge())
        dossier = Dossier(
            identifiant=envoi["id"],
            signalement=_pour_le_service(signalement, attribution, envoi["sorte"]),
            gestionnaire=gestionnaire,
            photos=photos,
            lien_agent=lien,
            territoire=modele.territoire["nom"],
            motif=envoi.get("motif"),
            evenement=envoi["sorte"],
            lien_coordination=f"{self.reglages.url_publique}/api/coordination",
            lien_valable_jours=self.reglages.lien_agent_jours,
            essai=envoi["tentatives"],
            premier_essai=envoi.get("cree_le"),
        )
        if envoi["sorte"] in POUR_LA_COORDINATION:
            return self.alerte, dossier
        nom = (gestionnaire.get("transmission") or {}).get("canal")
        return self.canaux.get(nom or "") or _CanalInconnu(nom, gestionnaire["nom"]), dossier

    def _reussite(self, envoi: dict, canal: str, recu, maintenant: datetime) -> None:
        if envoi["sorte"] == "transmission":
            numero = envoi.get("attribution") or 1
            if canal == "open311" and self.nouvelles_open311 is not None and recu.donnees:
                signalement = self.stockage.lire_signalement(envoi["reference"]) or {}
                attribution = attribution_numero(signalement, numero) or {}
                self.nouvelles_open311.retenir(attribution.get("gestionnaire", ""),
                                               recu.donnees, envoi["reference"])
            self.suivi.changer(envoi["reference"],
                               actions.transmission_reussie(numero, envoi, canal, recu),
                               AIGUILLAGE)
        else:
            perimes = set(recu.donnees.pop("abonnements_perimes", []))

            def noter_reussite(document: dict) -> None:
                document["envois_reussis"] = [*document.get("envois_reussis", []), envoi["id"]]
                if perimes:  # 404/410 du service de push : l'abonnement n'existe plus
                    document["abonnements_push"] = [
                        a for a in document.get("abonnements_push", [])
                        if a["endpoint"] not in perimes]

            self.stockage.modifier_signalement(
                envoi["reference"], None,
                {"date": horodatage(maintenant),
                 "type": "alerte" if envoi["sorte"] == "alerte" else "envoye",
                 "sorte": envoi["sorte"], "canal": canal, "tentative": envoi["tentatives"],
                 "message": recu.message, **recu.donnees},
                noter_reussite)
        self.stockage.supprimer_envoi(envoi["id"])

    def _abandon(self, envoi: dict, canal: str, erreur: str, maintenant: datetime) -> None:
        reference = envoi["reference"]
        if envoi["sorte"] == "notification":
            self._noter(reference, maintenant, "abandon",
                        f"Le citoyen n'a pas pu être prévenu : {erreur}", envoi)
        elif envoi["sorte"] not in POUR_LA_COORDINATION:
            numero = envoi.get("attribution") or 1
            if envoi["sorte"] == "transmission":
                action = actions.transmission_abandonnee(numero, envoi, canal, erreur)
            else:
                action = actions.envoi_abandonne(numero, envoi, canal, erreur)
            self.suivi.changer(reference, action, AIGUILLAGE)
        else:
            journal.error("La coordination n'a pas pu être prévenue pour %s : %s",
                          reference, erreur)
            self._noter(reference, maintenant, "abandon",
                        f"La coordination n'a pas pu être prévenue : {erreur}", envoi)
        self.stockage.supprimer_envoi(envoi["id"])

    def _noter(self, reference: str, maintenant: datetime, sorte: str, message: str,
               envoi: dict) -> None:
        self.stockage.modifier_signalement(reference, evenement={
            "date": horodatage(maintenant), "type": sorte, "envoi": envoi["id"],
            "tentative": envoi["tentatives"], "message": message})

    async def boucle(self, reveil: Reveil, intervalle: float) -> None:
        """Tourne dans le serveur (lancée par le lifespan) jusqu'à son arrêt : les relances
        (au plus une fois par minute), la boîte d'envoi, le relevé des mises à jour des
        services Open311 (au démarrage, puis au rythme de chacun), puis l'effacement des vieilles
        recherches sans résultat (au démarrage, puis au plus une fois par heure) et la purge
        des données personnelles (au démarrage, puis au plus une fois par jour). Une tâche
        en erreur est écrite au journal ; les autres continuent."""
        periodiques = [
            (INTERVALLE_DES_RELANCES, lambda: self.relances and self.relances.traiter_une_fois),
            (0.0, lambda: self.traiter_une_fois),
            (INTERVALLE_DES_RELEVES, lambda: self.nouvelles_open311 and self.nouvelles_open311.relever),
            (INTERVALLE_DES_PURGES, lambda: self.purge_des_recherches),
            (INTERVALLE_DE_LA_PURGE_DES_DONNEES, lambda: self.purge_des_donnees),
        ]
        derniers: list[float | None] = [None] * len(periodiques)
        while True:
            for numero, (periode, tache) in enumerate(periodiques):
                fonction, dernier = tache(), derniers[numero]
                if fonction is None or (dernier is not None
                                        and time.monotonic() - dernier < periode):
                    continue
                derniers[numero] = time.monotonic()
                try:
                    await anyio.to_thread.run_sync(fonction)
                except Exception:
                    journal.exception("La boîte d'envoi a rencontré une erreur ; elle continue.")
            await reveil.attendre(intervalle)


def _pour_le_service(signalement: dict, attribution: dict, sorte: str) -> dict:
    """Le signalement tel qu'un service doit le voir : le contact du citoyen, seulement s'il a
    coché « Le service peut me contacter » (contact.py), et seulement pour le service qui l'a
    maintenant, jamais pour la coordination."""
    garde = sorte not in POUR_LA_COORDINATION and attribution.get("statut") not in (
        "pas_de_notre_ressort", "reattribue")
    # « À transmettre à la main » (alerte) : la coordination transmet ce que le service verrait.
    contact = contact_pour_le_service(signalement) if garde or sorte == "alerte" else None
    return {**signalement, "contact": contact}


class _CanalInconnu:
    def __init__(self, nom: str | None, service: str) -> None:
        self.nom, self.service = nom or "inconnu", service

    def transmettre(self, dossier: Dossier):
        if self.nom == "inconnu":
            raise EchecTransmission(f"{self.service} n'existe plus dans le contenu du site.",
                                    definitif=True)
        raise EchecTransmission(f"Canal de transmission inconnu : « {self.nom} ».",
                                definitif=True)
