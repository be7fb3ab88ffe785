from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import anyio
from aides_fonctions import champs_valides, photo, tenue_par_un_autre_fil
from conformite_openapi import client_verifie
from serveurs_locaux import attendre

from fonctions.domaine.validation import valider
from fonctions.points_d_entree.doublons import PREFIXE, cle_de_contenu, enregistrer_sans_doublon
from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import CleEnCours, StockageTinyDB
from fonctions.web.idempotence import UUID_CANONIQUE, empreinte_de_demande

NAVIGATEUR = {"Accept": "text/html,application/xhtml+xml", "User-Agent": "Mozilla/5.0 (Linux)"}


def envoyer(client, champs=None, photos=(), entetes=None):
    fichiers = [("photos", (f"p{i}.jpg", contenu, "image/jpeg")) for i, contenu in enumerate(photos)]
    return client.post("/api/signalements", data=champs or champs_valides(), files=fichiers or None,
                       headers=entetes or NAVIGATEUR, follow_redirects=False)


def envois_en_attente(stockage) -> list[str]:
    return sorted(envoi["reference"] for envoi in stockage.lister_envois())


def test_la_cle_d_un_envoi_sans_cle_vient_du_contenu_de_l_appareil_et_du_precedent():
    cle = cle_de_contenu("secret", "empreinte", "127.0.0.1\x1fMozilla")
    assert cle == cle_de_contenu("secret", "empreinte", "127.0.0.1\x1fMozilla")
    assert cle.startswith(PREFIXE) and len(cle) == len(PREFIXE) + 64
    assert not UUID_CANONIQUE.fullmatch(cle)  # jamais la clé d'un client
    autres = {cle_de_contenu("secret", "autre", "127.0.0.1\x1fMozilla"),
              cle_de_contenu("secret", "empreinte", "10.0.0.2\x1fMozilla"),
              cle_de_contenu("secret", "empreinte", "127.0.0.1\x1fMozilla", "AIG-7K3M-Q9"),
              cle_de_contenu("autre secret", "empreinte", "127.0.0.1\x1fMozilla")}
    assert len(autres) == 4 and cle not in autres


def test_le_meme_formulaire_renvoye_rend_le_meme_signalement_deja_enregistre(client, stockage):
    premier, second = envoyer(client), envoyer(client)
    assert (premier.status_code, second.status_code) == (303, 303)
    assert second.headers["location"] == premier.headers["location"] + "?fait=deja"
    assert stockage.compter_signalements() == 1
    assert len(envois_en_attente(stockage)) == 1
    page = client.get(second.headers["location"])
    assert ('<p class="note" role="status">Vous aviez déjà envoyé ce signalement : il n&#39;est '
            "enregistré qu&#39;une fois, et le service ne le reçoit qu&#39;une fois.</p>") in page.text


def test_renvoye_sans_ses_photos_c_est_encore_le_meme_envoi(client, stockage):
    premier = envoyer(client, photos=[photo()])
    second = envoyer(client)
    assert second.headers["location"] == premier.headers["location"] + "?fait=deja"
    reference = premier.headers["location"].rpartition("/")[2].partition(".")[0]
    assert len(stockage.lire_signalement(reference)["photos"]) == 1
    assert stockage.compter_signalements() == 1


def test_un_autre_contenu_ou_un_autre_appareil_fait_un_autre_signalement(client, stockage):
    premier = envoyer(client)
    autre_texte = envoyer(client, champs_valides(description="Un autre trou, plus loin."))
    autre_appareil = envoyer(client, entetes={**NAVIGATEUR, "User-Agent": "Firefox"})
    adresses = {r.headers["location"] for r in (premier, autre_texte, autre_appareil)}
    assert len(adresses) == 3 and not any("fait=deja" in a for a in adresses)
    assert stockage.compter_signalements() == 3


def test_apres_24_heures_le_meme_envoi_est_un_nouveau_signalement(client, stockage, horloge):
    premier = envoyer(client)
    horloge.avancer(hours=23, minutes=59)
    assert envoyer(client).headers["location"] == premier.headers["location"] + "?fait=deja"
    horloge.avancer(minutes=2)
    nouveau = envoyer(client)
    assert nouveau.headers["location"] != premier.headers["location"]
    assert "fait=deja" not in nouveau.headers["location"]
    assert envoyer(client).headers["location"] == nouveau.headers["location"] + "?fait=deja"
    horloge.avancer(hours=25)
    troisieme = envoyer(client).headers["location"]
    assert "fait=deja" not in troisieme
    assert troisieme not in (premier.headers["location"], nouveau.headers["location"])
    assert stockage.compter_signalements() == 3


def test_le_json_sans_cle_n_est_pas_dedoublonne(client, stockage):
    # Un client de l'API qui veut l'idempotence envoie une clé ; sans elle, chaque envoi compte.
    premier = client.post("/api/signalements", json=champs_valides())
    second = client.post("/api/signalements", json=champs_valides())
    assert (premier.status_code, second.status_code) == (201, 201)
    assert stockage.compter_signalements() == 2


def test_un_formulaire_sans_javascript_envoye_ni_pour_du_html_est_aussi_dedoublonne(client, stockage):
    premier = client.post("/api/signalements", data=champs_valides())
    second = client.post("/api/signalements", data=champs_valides())
    assert (premier.status_code, second.status_code) == (201, 200)
    assert second.content == premier.content
    assert stockage.compter_signalements() == 1


class StockageGuette(StockageTinyDB):
    """Le stockage de test, qui dit quand une clé a été trouvée tenue ailleurs."""

    def __init__(self, dossier) -> None:
        super().__init__(dossier)
        self.cle_tenue = threading.Event()

    @contextmanager
    def reserver_cle(self, cle, empreinte, reference):
        try:
            with super().reserver_cle(cle, empreinte, reference) as reservation:
                yield reservation
        except CleEnCours:
            self.cle_tenue.set()
            raise


def test_un_envoi_simultane_attend_que_le_premier_lache_sa_cle(reglages, modele, horloge):
    stockage = StockageGuette(reglages.donnees)
    demande = valider(champs_valides(), 0, modele)
    empreinte = empreinte_de_demande(demande, [])
    cle = cle_de_contenu("secret", empreinte, "appareil")
    reference = nouvelle_reference()
    resultats = []
    second = threading.Thread(target=lambda: resultats.append(anyio.run(
        enregistrer_sans_doublon, stockage, demande, [], modele, horloge(), "secret", empreinte,
        "appareil")))
    with tenue_par_un_autre_fil(lambda: stockage.reserver_cle(cle, empreinte, reference)):
        second.start()
        assert stockage.cle_tenue.wait(10)
        assert resultats == []  # il attend
    second.join(10)
    # La clé lâchée porte la référence du premier envoi : le second l'enregistre sous elle.
    assert resultats[0].signalement["reference"] == reference
    assert stockage.compter_signalements() == 1
    stockage.fermer()


def test_un_double_appui_sur_le_vrai_serveur_fait_un_signalement_et_un_courriel(serveur_reel,
                                                                                 boite_smtp):
    depart = threading.Barrier(8)

    def appuyer(_):
        with client_verifie(serveur_reel.url, timeout=30) as client:
            depart.wait()
            return client.post("/api/signalements", data=champs_valides(), headers=NAVIGATEUR,
                               follow_redirects=False)

    with ThreadPoolExecutor(8) as fils:
        reponses = list(fils.map(appuyer, range(8)))
    assert {r.status_code for r in reponses} == {303}
    adresses = sorted(r.headers["location"] for r in reponses)
    assert adresses == [adresses[0]] + [adresses[0] + "?fait=deja"] * 7
    attendre(lambda: len(boite_smtp.courriels) == 1)
    # Le courriel est parti après la lecture de la boîte d'envoi, donc après l'écriture de
    # tous les envois ci-dessus : un seul signalement, donc une seule transmission. Un 303
    # dit « dans le journal » : arrêté proprement, le serveur écrit tout dans TinyDB.
    serveur_reel.arreter()
    stockage = StockageTinyDB(serveur_reel.donnees)
    assert stockage.compter_signalements() == 1
    stockage.fermer()
    assert len(boite_smtp.courriels) == 1
