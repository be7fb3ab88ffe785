"""La boîte d'envoi : transmettre chaque signalement à son service, sans jamais le perdre.

Chaque signalement enregistré laisse une entrée dans la boîte d'envoi (même stockage,
même écriture). ``traiter_une_fois`` prend les entrées dues, une par une, sous bail :

1. l'entrée est réclamée (verrou que le noyau libère si le processus meurt) ;
2. la tentative est notée *avant* l'envoi (``en_cours``, ``tentatives``), sur disque ;
3. le canal envoie ; le succès ou l'échec est écrit dans l'historique du signalement ;
4. succès : l'entrée est supprimée ; échec : elle revient plus tard (``base.DELAIS``) ;
   abandon : le signalement est marqué non transmis et la coordination est prévenue.

Choix pour la fenêtre entre « envoyé » et « noté envoyé » : **au moins une fois**. Si le
processus meurt juste après que le service a accepté et avant l'étape 3, l'entrée est
reprise : l'historique dit « tentative interrompue » et l'envoi est refait, avec le même
identifiant (Message-ID, Idempotency-Key) pour que le destinataire écarte le doublon.
Perdre un signalement serait pire qu'un doublon reconnaissable.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

import anyio

from fonctions.contexte import Horloge, Reveil
from fonctions.enregistrement import horodatage, nouvel_envoi
from fonctions.jetons import jeton
from fonctions.modele import SourceModele
from fonctions.stockage import Stockage
from fonctions.transmission.base import Canal, Dossier, EchecTransmission, PieceJointe, tenter

journal = logging.getLogger("aiguillage.boite_envoi")
ABANDON_DES_RESTES = timedelta(hours=1)


class BoiteEnvoi:
    def __init__(self, stockage: Stockage, modele: SourceModele, canaux: Mapping[str, Canal],
                 alerte: Canal, *, url_publique: str, cle_secrete: str, horloge: Horloge) -> None:
        self.stockage, self.modele, self.canaux, self.alerte = stockage, modele, canaux, alerte
        self.url_publique, self.cle_secrete, self.horloge = url_publique, cle_secrete, horloge

    def traiter_une_fois(self, limite: int = 200) -> int:
        """Traite les entrées dues ; rend leur nombre. Appel bloquant (fil ou cron)."""
        maintenant = self.horloge()
        dues = sorted(
            (e for e in self.stockage.lister_envois()
             if datetime.fromisoformat(e["prochaine_tentative"]) <= maintenant),
            key=lambda e: e["prochaine_tentative"],
        )
        traitees = 0
        for entree in dues[:limite]:
            with self.stockage.reclamer_envoi(entree["id"]) as envoi:
                if envoi is None:  # réclamée ailleurs, ou déjà terminée
                    continue
                if datetime.fromisoformat(envoi["prochaine_tentative"]) > maintenant:
                    continue
                self._traiter(envoi, self.horloge())
                traitees += 1
        return traitees

    def _traiter(self, envoi: dict, maintenant: datetime) -> None:
        reference = envoi["reference"]
        signalement = self.stockage.lire_signalement(reference)
        if signalement is None:
            # Reste d'un enregistrement interrompu avant sa fin : le signalement n'existe
            # pas (encore). Effacé quand il est certain que personne ne le termine plus.
            if maintenant - datetime.fromisoformat(envoi["cree_le"]) > ABANDON_DES_RESTES:
                self.stockage.supprimer_envoi(envoi["id"])
            return
        if envoi["id"] in signalement.get("envois_reussis", []):
            self.stockage.supprimer_envoi(envoi["id"])  # arrêt entre « noté » et « supprimé »
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

    def _preparer(self, signalement: dict, envoi: dict) -> tuple[Canal, Dossier]:
        modele = self.modele.actuel()
        # Le service tel que le contenu le décrit maintenant (une adresse corrigée sert aux
        # tentatives suivantes) ; s'il a disparu du contenu, la coordination prendra le relais.
        attribution = signalement["attribution"]
        gestionnaire = modele.gestionnaire(attribution["gestionnaire"]) or {
            **signalement["gestionnaire"], "transmission": {"canal": None}}
        photos = tuple(
            PieceJointe(p["nom"], p["type"],
                        self.stockage.lire_photo(signalement["reference"], p["nom"]))
            for p in signalement.get("photos", [])
        )
        jeton_agent = jeton(self.cle_secrete, "agent", signalement["reference"],
                            attribution["sel"])
        dossier = Dossier(
            identifiant=envoi["id"],
            signalement=signalement,
            gestionnaire=gestionnaire,
            photos=photos,
            # Page de prise en charge par l'agent : construite par un prochain ticket.
            lien_agent=f"{self.url_publique}/agent/#{jeton_agent}",
            territoire=modele.territoire["nom"],
            motif=envoi.get("motif"),
        )
        if envoi["sorte"] == "alerte":
            return self.alerte, dossier
        nom = (gestionnaire.get("transmission") or {}).get("canal")
        return self.canaux.get(nom or "") or _CanalInconnu(nom, gestionnaire["nom"]), dossier

    def _reussite(self, envoi: dict, canal: str, recu, maintenant: datetime) -> None:
        champs: dict = {}
        if envoi["sorte"] == "transmission":
            champs = {"etat": "transmis",
                      "transmission": {"canal": canal, "date": horodatage(maintenant),
                                       **recu.donnees}}

        def noter_reussite(document: dict) -> None:
            document["envois_reussis"] = [*document.get("envois_reussis", []), envoi["id"]]

        self.stockage.modifier_signalement(
            envoi["reference"], champs,
            {"date": horodatage(maintenant),
             "type": "transmis" if envoi["sorte"] == "transmission" else "alerte",
             "canal": canal, "tentative": envoi["tentatives"],
             "message": recu.message, **recu.donnees},
            noter_reussite)
        self.stockage.supprimer_envoi(envoi["id"])

    def _abandon(self, envoi: dict, canal: str, erreur: str, maintenant: datetime) -> None:
        reference = envoi["reference"]
        if envoi["sorte"] == "transmission":
            motif = (f"Abandon après {envoi['tentatives']} tentative(s) par {canal}. "
                     f"Dernière erreur : {erreur}")
            self.stockage.modifier_signalement(
                reference, {"etat": "non_transmis"},
                {"date": horodatage(maintenant), "type": "abandon", "canal": canal,
                 "tentative": envoi["tentatives"],
                 "message": f"{motif} La coordination du territoire est prévenue."})
            self.stockage.ajouter_envoi(nouvel_envoi(reference, "alerte", maintenant,
                                                     motif=motif))
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
        """Tourne dans le serveur (lancée par le lifespan) jusqu'à son arrêt."""
        while True:
            try:
                await anyio.to_thread.run_sync(self.traiter_une_fois)
            except Exception:
                journal.exception("La boîte d'envoi a rencontré une erreur ; elle continue.")
            await reveil.attendre(intervalle)


class _CanalInconnu:
    def __init__(self, nom: str | None, service: str) -> None:
        self.nom, self.service = nom or "inconnu", service

    def transmettre(self, dossier: Dossier):
        if self.nom == "inconnu":
            raise EchecTransmission(f"{self.service} n'existe plus dans le contenu du site.",
                                    definitif=True)
        raise EchecTransmission(f"Canal de transmission inconnu : « {self.nom} ».",
                                definitif=True)
