"""Le canal ``open311`` : transmettre à un logiciel de service par GeoReport v2.

Le contenu du service (``contenu/gestionnaires/<id>.md``, voir docs/open311.md) donne la
racine de l'API (``adresse_transmission``), le format (``format_open311`` : ``json`` par
défaut, ou ``xml``), la juridiction (``juridiction_open311``), le ``service_code`` de
chaque issue (``codes_service``) et le code par défaut (``code_service``). La clé d'API
vient de l'environnement (``AIGUILLAGE_CLE_OPEN311_<ID>``).

Un signalement part en ``POST requests.<format>`` (formulaire), comme FixMyStreet :
description, lieu, contact seulement si le citoyen l'a permis, photos en ``media_url``
signées et datées, l'issue, la commune (code INSEE), la référence et les réponses du
formulaire en ``attribute[…]``. Si le service publie la définition du code
(``GET services/<code>.<format>``), seuls les attributs qu'elle connaît sont envoyés (un
open311-adapter refuse les autres) ; les réponses restent toujours dans la description.

Refus définitifs (pas de nouvel essai, la coordination est prévenue avec l'erreur lue) :
401, 403, 404. Nouvel essai plus tard : 400, 5xx, service injoignable ou trop lent.

**Pas de doublon après un délai dépassé** : à partir de la deuxième tentative, avant de
reposter, ``GET requests.<format>?service_code=…&start_date=…`` cherche une demande dont la
description porte notre marque ``[Aiguillage AIG-…]`` ; trouvée, elle est reprise (son
identifiant gardé) au lieu d'en créer une seconde.

Un jeton (service « batch ») est changé en identifiant par ``GET tokens/<jeton>`` dès
l'envoi, puis par le relevé des mises à jour (``transmission/releve_open311.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from fonctions.socle import georeport
from fonctions.socle.client_http import ClientHTTP, ErreurReseau, ReponseHTTP
from fonctions.socle.horloge import Horloge
from fonctions.transmission.base import Dossier, EchecTransmission, Recu
from fonctions.transmission.open311_champs import (
    CONSEILS,
    DESCRIPTION_MAX,
    Configuration,
    code_attribut,
    description_open311,
    identifiant_de,
    marque,
)

REFUS_DEFINITIFS = (401, 403, 404)
# La recherche d'une demande déjà arrivée remonte un peu avant le premier essai : les deux
# horloges peuvent différer.
MARGE_DE_RECHERCHE = timedelta(hours=1)
# Les statuts envoyés au service (FixMyStreet, statuts étendus), en majuscules.
STATUTS_ENVOYES = {"rouvert": "REOPEN", "complement": "OPEN"}


class CanalOpen311:
    nom = "open311"

    def __init__(self, client: ClientHTTP, cle: Callable[[str], str | None],
                 horloge: Horloge | None = None,
                 lien_photo: Callable[[str, str], str] | None = None) -> None:
        self.client, self.cle, self.horloge = client, cle, horloge
        self.lien_photo = lien_photo
        self._definitions: dict[str, set[str] | None] = {}

    def transmettre(self, dossier: Dossier) -> Recu:
        if dossier.evenement in ("relance", "lien"):
            # GeoReport v2 ne connaît pas la relance : l'échéance suivante prévient la
            # coordination, qui joint le service.
            return Recu("Pas de relance par Open311 : la coordination sera prévenue si le "
                        "service ne répond pas.")
        conf = Configuration(dossier.gestionnaire)
        if not conf.adresse.startswith(("https://", "http://")):
            raise EchecTransmission(f"{conf.nom} : adresse_transmission manquante.",
                                    definitif=True)
        if dossier.evenement in STATUTS_ENVOYES:
            return self._mise_a_jour(conf, dossier)
        s = dossier.signalement
        code = conf.code_pour((s.get("noeud") or {}).get("id"))
        if not code:
            raise EchecTransmission(f"{conf.nom} : code_service manquant.", definitif=True)
        if dossier.essai > 1:
            trouvee = self._deja_arrivee(conf, dossier, code)
            if trouvee:
                return Recu(f"La demande envoyée à une tentative précédente est bien arrivée "
                            f"chez {conf.nom} (demande {trouvee}) : elle n'est pas envoyée "
                            "une seconde fois.", {"service_request_id": trouvee})
        champs = self._champs(conf, dossier, code)
        url = conf.url("requests")
        reponse = self._poster(url, champs, dossier)
        # Accepté (2xx) : c'est transmis, même si la réponse ne se lit pas — réessayer
        # créerait un doublon chez le service.
        donnees = identifiant_de(reponse)
        if "token" in donnees:
            identifiant = self.identifiant_du_jeton(conf, dossier.gestionnaire["id"],
                                                    donnees["token"])
            if identifiant:
                donnees["service_request_id"] = identifiant
        suite = (f" (demande {donnees['service_request_id']})" if "service_request_id" in donnees
                 else f" (jeton {donnees['token']})" if donnees else "")
        return Recu(f"Envoyé par Open311 à {url}{suite}.", donnees)

    # -- les champs de la demande --------------------------------------------------------------

    def _champs(self, conf: Configuration, dossier: Dossier, code: str) -> dict:
        s = dossier.signalement
        localisation, contact = s["localisation"], s.get("contact") or {}
        champs: dict = {"service_code": code, "description": description_open311(s)}
        if conf.juridiction:
            champs["jurisdiction_id"] = conf.juridiction
        if localisation.get("latitude") is not None:
            champs["lat"] = str(localisation["latitude"])
            champs["long"] = str(localisation["longitude"])
        if localisation.get("adresse"):
            champs["address_string"] = localisation["adresse"]
        if contact.get("courriel"):
            champs["email"] = contact["courriel"]
        if contact.get("telephone"):
            champs["phone"] = contact["telephone"]
        attributs = {
            "aiguillage_reference": s["reference"],
            "aiguillage_issue": (s.get("noeud") or {}).get("id") or "",
            "aiguillage_commune": (s.get("commune") or {}).get("insee") or "",
            **{code_attribut(r["id"]): r["valeur"] for r in s.get("reponses", [])},
        }
        connus = self._attributs_connus(conf, dossier.gestionnaire["id"], code)
        for nom, valeur in attributs.items():
            if valeur and (connus is None or nom in connus):
                champs[f"attribute[{nom}]"] = valeur
        if self.lien_photo is not None and dossier.photos:
            champs["media_url"] = [self.lien_photo(s["reference"], p.nom) for p in dossier.photos]
        return champs

    def _attributs_connus(self, conf: Configuration, gestionnaire: str,
                          code: str) -> set[str] | None:
        """Les codes d'attributs de la définition du service, ou ``None`` s'il n'en publie pas
        (alors tous sont envoyés). Gardé pour la vie du processus."""
        cle = f"{gestionnaire}:{code}"
        if cle not in self._definitions:
            connus = None
            try:
                reponse = self.client.get(conf.url(f"services/{code}"),
                                          parametres=self._authentifier({}, conf, gestionnaire))
                if reponse.statut == 200:
                    definition = georeport.lire_objet(reponse.texte, conf.format)
                    attributs = definition.get("attributes") or []
                    connus = {str(a.get("code")) for a in attributs if isinstance(a, dict)}
            except (ErreurReseau, georeport.ErreurGeoReport, ValueError):
                return None  # réessayé au prochain envoi
            self._definitions[cle] = connus
        return self._definitions[cle]

    # -- éviter le doublon ----------------------------------------------------------------------

    def _deja_arrivee(self, conf: Configuration, dossier: Dossier, code: str) -> str | None:
        """L'identifiant de la demande qu'une tentative précédente a créée, s'il y en a une."""
        depuis = datetime.fromisoformat(dossier.premier_essai or dossier.signalement["cree_le"])
        parametres = {"service_code": code,
                      "start_date": georeport.ecrire_date(depuis - MARGE_DE_RECHERCHE)}
        try:
            reponse = self.client.get(conf.url("requests"), parametres=self._authentifier(
                parametres, conf, dossier.gestionnaire["id"]))
        except ErreurReseau as erreur:
            raise EchecTransmission(f"{conf.nom} injoignable pour vérifier qu'une tentative "
                                    f"précédente n'est pas arrivée : {erreur}",
                                    injoignable=True) from None
        if reponse.statut != 200:
            return None  # le service ne liste pas ses demandes : on reposte (docs/open311.md)
        try:
            demandes = georeport.lire(reponse.texte, conf.format)
        except georeport.ErreurGeoReport:
            return None
        cherchee = marque(dossier.signalement["reference"])
        for demande in demandes:
            if cherchee in str(demande.get("description") or "") and demande.get(
                    "service_request_id"):
                return str(demande["service_request_id"])
        return None

    # -- jetons ---------------------------------------------------------------------------------

    def identifiant_du_jeton(self, conf: Configuration, gestionnaire: str,
                             token: str) -> str | None:
        """``GET tokens/<jeton>`` : l'identifiant de la demande, s'il est déjà connu."""
        try:
            reponse = self.client.get(conf.url(f"tokens/{token}"),
                                      parametres=self._authentifier({}, conf, gestionnaire))
            if reponse.statut != 200:
                return None
            for objet in georeport.lire(reponse.texte, conf.format):
                if objet.get("service_request_id"):
                    return str(objet["service_request_id"])
        except (ErreurReseau, georeport.ErreurGeoReport):
            return None
        return None

    # -- mises à jour envoyées au service -------------------------------------------------------

    def _mise_a_jour(self, conf: Configuration, dossier: Dossier) -> Recu:
        """Une réouverture (``REOPEN``) ou un complément (``OPEN``) du citoyen, par
        ``POST servicerequestupdates.<format>`` comme FixMyStreet."""
        s = dossier.signalement
        transmission = _transmission_de(s, dossier)
        identifiant = transmission.get("service_request_id")
        if not identifiant and transmission.get("token"):
            identifiant = self.identifiant_du_jeton(conf, dossier.gestionnaire["id"],
                                                    transmission["token"])
        if not identifiant:
            raise EchecTransmission(f"{conf.nom} n'a pas encore donné l'identifiant de sa "
                                    "demande (jeton non résolu) : nouvel essai plus tard.")
        maintenant = self.horloge() if self.horloge else datetime.now().astimezone()
        champs = {
            "service_request_id": identifiant,
            "update_id": dossier.identifiant,
            "status": STATUTS_ENVOYES[dossier.evenement],
            "updated_datetime": georeport.ecrire_date(maintenant),
            "description": (dossier.motif or "")[:DESCRIPTION_MAX],
        }
        if conf.juridiction:
            champs["jurisdiction_id"] = conf.juridiction
        contact = s.get("contact") or {}
        if contact.get("courriel"):
            champs["email"] = contact["courriel"]
        url = conf.url("servicerequestupdates")
        self._poster(url, champs, dossier)
        return Recu(f"Mise à jour {champs['status']} envoyée par Open311 à {url}.")

    # -- HTTP -----------------------------------------------------------------------------------

    def _authentifier(self, champs: dict, conf: Configuration, gestionnaire: str) -> dict:
        cle = self.cle(gestionnaire)
        champs = {**champs, **({"api_key": cle} if cle else {})}
        if conf.juridiction:
            champs.setdefault("jurisdiction_id", conf.juridiction)
        return champs

    def _poster(self, url: str, champs: dict, dossier: Dossier) -> ReponseHTTP:
        """Le formulaire, avec la clé d'API ; 401/403/404 : refus définitif ; le reste des
        échecs : ``EchecTransmission`` réessayée plus tard."""
        cle = self.cle(dossier.gestionnaire["id"])
        if cle:
            champs = {**champs, "api_key": cle}
        try:
            reponse = self.client.post(url, formulaire=champs)
        except ErreurReseau as erreur:
            quoi = "n'a pas répondu à temps" if erreur.delai_depasse else "est injoignable"
            raise EchecTransmission(f"{url} {quoi} ({erreur}).", injoignable=True) from None
        if 200 <= reponse.statut < 300:
            return reponse
        erreur = georeport.dire_erreurs(reponse.texte)
        if reponse.statut in REFUS_DEFINITIFS:
            raise EchecTransmission(
                f"{url} a refusé la demande ({reponse.statut}) : {erreur}. "
                f"{CONSEILS[reponse.statut]}", definitif=True)
        raise EchecTransmission(f"{url} a répondu {reponse.statut} : {erreur.rstrip('.')}.")


def _transmission_de(signalement: dict, dossier: Dossier) -> dict:
    for attribution in reversed(signalement.get("attributions", [])):
        if attribution["gestionnaire"] == dossier.gestionnaire["id"]:
            transmission = attribution.get("transmission") or {}
            if transmission:
                return transmission
    return signalement.get("transmission") or {}
