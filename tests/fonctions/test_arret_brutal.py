"""Le serveur tué (SIGKILL) pendant qu'il reçoit et qu'il envoie : rien n'est perdu.

Chaque signalement qui a reçu une réponse 2xx est enregistré une fois et transmis une fois.
« Une fois » au sens de la boîte d'envoi (au moins une fois, voir fonctions/transmission/boite_envoi.py) :
un arrêt entre « le service a accepté » et « c'est noté » fait refaire l'envoi avec le même
identifiant ; le test vérifie que chaque doublon brut est de ce cas-là et qu'une fois
les doublons écartés par leur identifiant, chaque signalement est arrivé exactement une fois.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from aides_fonctions import champs_valides
from serveurs_locaux import attendre, json_de

from fonctions.stockage import StockageTinyDB
from fonctions.stockage.base import empreinte_cle

NOMBRE = 60
ARRETS = (15, 35)  # après combien de réponses 2xx le serveur est tué
# La boîte d'envoi sert chaque destinataire dans sa file, en parallèle : un arrêt peut
# interrompre un envoi par destinataire (ici le courriel de Bourg-les-Essais et le webhook
# de Saint-Exemple).
DESTINATAIRES = 2


def test_un_serveur_tue_puis_relance_ne_perd_ni_ne_double_aucun_signalement(
        serveur_reel, boite_smtp, recepteur_http):
    recepteur_http.delai = 0.05  # les envois durent : les arrêts tombent en plein envoi
    cles = [str(uuid.uuid4()) for _ in range(NOMBRE)]
    references: dict[str, str] = {}
    verrou = threading.Lock()
    fini = threading.Event()

    def envoyer(numero: int) -> None:
        cle = cles[numero]
        champs = champs_valides(commune="56001" if numero % 2 else "56002",
                                description=f"Signalement numéro {numero}.")
        with httpx.Client(base_url=serveur_reel.url, timeout=30) as client:
            while not fini.is_set():
                try:
                    reponse = client.post("/api/signalements", json=champs,
                                          headers={"Idempotency-Key": cle})
                except httpx.TransportError:
                    time.sleep(0.02)  # serveur tué : le client réessaie, comme l'appli
                    continue
                if reponse.status_code in (200, 201):
                    with verrou:
                        references[cle] = reponse.json()["reference"]
                    return
                assert reponse.status_code == 409, reponse.text
                time.sleep(0.02)

    with ThreadPoolExecutor(8) as fils:
        taches = [fils.submit(envoyer, n) for n in range(NOMBRE)]
        try:
            for seuil in ARRETS:
                attendre(lambda s=seuil: len(references) >= s, 60, "réponses 2xx manquantes")
                serveur_reel.tuer()
                serveur_reel.demarrer()
            for tache in taches:
                tache.result(timeout=120)
        finally:
            fini.set()

    assert len(references) == NOMBRE
    assert len(set(references.values())) == NOMBRE

    stockage = StockageTinyDB(serveur_reel.donnees)

    def tout_est_ecrit() -> bool:
        # Un 201 dit « dans le journal » ; les fichiers TinyDB sont écrits ensuite par un fil :
        # on attend qu'ils disent tout (envois finis, chaque signalement transmis).
        return stockage.lister_envois() == [] and stockage.compter_signalements() == NOMBRE and all(
            (stockage.lire_signalement(r) or {}).get("etat") == "transmis"
            for r in references.values())

    try:
        attendre(tout_est_ecrit, 120, "envois non terminés ou signalements pas encore écrits")
        historiques = {}
        for cle, reference in references.items():
            document = stockage.lire_signalement(reference)
            assert document["idempotence"] == empreinte_cle(cle)
            historiques[reference] = [e["type"] for e in document["historique"]]
    finally:
        stockage.fermer()

    recus = Counter()
    for courriel in boite_smtp.courriels:
        message = email.message_from_bytes(courriel["contenu"], policy=email.policy.default)
        assert message["Message-ID"] == (
            f"<{message['X-Aiguillage-Reference']}-transmission@val-d-essai.example.org>")
        recus[message["X-Aiguillage-Reference"]] += 1
    for requete in recepteur_http.requetes:
        reference = json_de(requete)["signalement"]["reference"]
        assert requete["entetes"]["Idempotency-Key"] == f"{reference}-transmission"
        recus[reference] += 1

    assert set(recus) == set(references.values())  # chacun est arrivé
    for reference, nombre in recus.items():  # tout doublon vient d'un envoi interrompu
        assert nombre - 1 <= historiques[reference].count("interrompu"), (
            reference, historiques[reference])
    assert sum(recus.values()) - NOMBRE <= len(ARRETS) * DESTINATAIRES
    print("interrompus :", sum(h.count("interrompu") for h in historiques.values()),
          "doublons :", sum(recus.values()) - NOMBRE)
