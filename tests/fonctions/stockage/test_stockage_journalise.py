"""Le stockage journalisé : les tests de comportement du moteur TinyDB, puis ce qui lui est
propre (mémoire, barrière, clés en vol, arrêt brutal, un seul processus par dossier)."""

from __future__ import annotations

import asyncio
import gc
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import test_stockage_contrat as contrat
import test_stockage_tinydb as comportement_du_moteur
from aides_fonctions import DEBUT, RACINE, champs_valides
from serveurs_locaux import attendre

from fonctions.domaine.enregistrement import enregistrer
from fonctions.domaine.validation import valider
from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import (
    CleEnCours,
    CleReutilisee,
    ReferencePrise,
    Stockage,
    StockageTinyDB,
)
from fonctions.stockage.base import empreinte_cle
from fonctions.stockage.journal import JournalEnPanne
from fonctions.stockage.journalise import DossierOccupe, StockageJournalise, ouvrir_stockage

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"
signalement, envoi = comportement_du_moteur.signalement, comportement_du_moteur.envoi

# Les tests du moteur, contre le stockage journalisé (la fixture ``stockage`` ci-dessous),
# sauf ceux qui regardent les fichiers du moteur juste après une écriture — le journal les
# écrit un peu plus tard, la matérialisation a ses propres tests — ou qui construisent
# leur propre ``StockageTinyDB``.
PROPRES_AU_MOTEUR = {
    "test_un_signalement_est_ecrit_avec_ses_photos_et_son_envoi_dans_de_petits_fichiers",
    "test_aucun_fichier_temporaire_ne_reste_et_un_reste_d_arret_brutal_est_ignore",
    "test_le_cout_d_une_ecriture_ne_depend_pas_du_nombre_de_signalements",
    "test_un_stockage_vide_n_a_ni_signalement_ni_envoi",
    "test_un_stockage_sans_recherche_vide_n_a_rien_a_lister_ni_a_purger",
    "test_au_dela_du_plafond_du_jour_un_texte_nouveau_n_est_plus_compte",
    "test_des_comptes_concurrents_de_fils_et_de_processus_ne_perdent_aucun_ajout",
    "test_un_processus_tue_en_plein_compte_laisse_un_fichier_lisible",
    "test_une_cle_tenue_par_une_requete_n_est_pas_oubliee_sous_elle",
}
for _nom, _test in vars(comportement_du_moteur).items():
    if _nom.startswith("test_") and _nom not in PROPRES_AU_MOTEUR:
        globals()[_nom] = _test
# Et le contrat commun aux moteurs, pour ses tests qui n'ouvrent pas d'autre instance.
for _nom, _test in vars(contrat).items():
    if (_nom.startswith("test_") and _nom not in PROPRES_AU_MOTEUR
            and list(inspect.signature(_test).parameters) == ["stockage"]):
        globals()[_nom] = _test


@pytest.fixture
def stockage(reglages):
    stockage = StockageJournalise(StockageTinyDB(reglages.donnees))
    yield stockage
    stockage.fermer()


@pytest.fixture
def lent(tmp_path):
    """Un stockage qui ne matérialise que quand on l'attend (à la barrière ou à la fin)."""
    stockage = StockageJournalise(StockageTinyDB(tmp_path / "donnees"), calme=3600)
    yield stockage
    stockage.fermer()


def creer(stockage, reference: str, cle: str | None = None) -> None:
    if cle is None:
        stockage.creer_signalement(signalement(reference), [], [envoi(reference)])
        return
    with stockage.reserver_cle(cle, "empreinte", reference) as reservation:
        stockage.creer_signalement(signalement(reservation.reference), [],
                                   [envoi(reservation.reference)])


def test_un_signalement_recu_se_lit_avant_d_etre_ecrit_dans_tinydb(lent):
    creer(lent, "AIG-7K3M-Q2", CLE)
    assert StockageTinyDB(lent.dossier).lire_signalement("AIG-7K3M-Q2") is None
    assert lent.lire_signalement("AIG-7K3M-Q2") == signalement("AIG-7K3M-Q2")
    assert [e["id"] for e in lent.lister_envois()] == ["AIG-7K3M-Q2-transmission"]
    assert StockageTinyDB(lent.dossier).lire_signalement("AIG-7K3M-Q2") == (
        signalement("AIG-7K3M-Q2"))


def test_les_index_par_date_sont_ecrits_par_la_materialisation_avant_le_signalement(lent):
    from datetime import UTC, datetime

    document = {**signalement("AIG-7K3M-Q2"), "cree_le": "2025-03-10T09:00:00+00:00",
                "historique": [{"date": "2025-03-10T09:00:00+00:00", "type": "recu"}]}
    with lent.reserver_cle(CLE, "empreinte", "AIG-7K3M-Q2"):
        lent.creer_signalement(document, [], [])
    # La clé se lit en mémoire, sans forcer la matérialisation…
    assert lent.reference_de_cle(CLE) == "AIG-7K3M-Q2"
    assert not (lent.dossier / "index").exists()
    assert StockageTinyDB(lent.dossier).lire_signalement("AIG-7K3M-Q2") is None
    # … la liste passe la barrière : tout est matérialisé, index compris.
    debut, fin = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC)
    assert lent.lister_par_creation(debut, fin, 10) == [document]
    assert lent.lister_evenements(debut, fin, None, 10) == [
        (datetime(2025, 3, 10, 9, tzinfo=UTC), "AIG-7K3M-Q2")]
    assert (lent.dossier / "index/crees/2025-03-10/090000000000-AIG-7K3M-Q2").exists()
    # La marque de création vaut pour l'événement du même moment : une seule marque.
    assert not (lent.dossier / "index/evenements").exists()
    assert not list((lent.dossier / "journal/a_placer").iterdir())


def test_une_modification_juste_apres_la_creation_voit_le_signalement(lent):
    creer(lent, "AIG-7K3M-Q2")
    modifie = lent.modifier_signalement("AIG-7K3M-Q2", {"etat": "transmis"})
    assert modifie["etat"] == "transmis"
    assert lent.lire_signalement("AIG-7K3M-Q2")["etat"] == "transmis"


def test_une_reference_en_cours_d_ecriture_se_lit_deja_et_n_est_pas_reprise(lent):
    # ``enregistrer`` relit après ``ReferencePrise`` pour choisir une autre référence.
    async def deux_fois_la_meme():
        with lent.differer_la_durabilite() as durabilite:
            creer(lent, "AIG-7K3M-Q2", CLE)
            assert not durabilite.futurs[0].done()
            with pytest.raises(ReferencePrise):
                creer(lent, "AIG-7K3M-Q2", "une-autre-cle")
            assert lent.lire_signalement("AIG-7K3M-Q2") == signalement("AIG-7K3M-Q2")
        await durabilite.attendre()

    lent._devenir_proprietaire()
    asyncio.run(deux_fois_la_meme())
    assert lent.compter_signalements() == 1


def test_une_cle_neuve_dont_la_reference_tiree_attend_en_memoire_en_recoit_une_autre(
        lent, modele, monkeypatch):
    creer(lent, "AIG-7K3M-Q2")  # journalisé, pas encore matérialisé
    tirages = iter(["AIG-7K3M-Q2", "AIG-2222-22"])
    monkeypatch.setattr("fonctions.domaine.enregistrement.nouvelle_reference", lambda: next(tirages))
    resultat = enregistrer(lent, valider(champs_valides(), 0, modele), [], modele, DEBUT,
                           CLE, "empreinte")
    assert resultat.signalement["reference"] == "AIG-2222-22"
    assert lent.lire_signalement("AIG-7K3M-Q2") == signalement("AIG-7K3M-Q2")
    assert lent.compter_signalements() == 2


def test_une_reference_prise_entre_la_lecture_et_la_creation_est_refusee(lent):
    assert lent.lire_signalement("AIG-7K3M-Q2") is None  # ce fil l'a vue absente
    ailleurs = threading.Thread(target=creer, args=(lent, "AIG-7K3M-Q2"))
    ailleurs.start()
    ailleurs.join()
    lent.attendre_materialisation()  # ni en mémoire ni en cours : sur disque seulement
    with pytest.raises(ReferencePrise):
        lent.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])


SANS_BARRIERE = ("reserver_cle", "creer_signalement", "lire_signalement",
                 "compter_recherche_vide", "lister_recherches_vides", "purger_recherches_vides")


def test_toute_methode_de_l_interface_existe_et_passe_par_le_moteur():
    assert not StockageJournalise.__abstractmethods__
    for nom in Stockage.__abstractmethods__:
        attendue = list(inspect.signature(getattr(Stockage, nom)).parameters)
        methode = getattr(StockageJournalise, nom)
        if nom not in SANS_BARRIERE:
            assert methode.__name__ == nom  # déléguée après la barrière
        else:
            assert list(inspect.signature(methode).parameters) == attendue, nom


def test_compter_une_recherche_vide_n_attend_pas_la_materialisation(lent):
    creer(lent, "AIG-7K3M-Q2")  # journalisé, pas encore matérialisé
    jour = comportement_du_moteur.MARS_10
    lent.compter_recherche_vide(jour, "egout")
    assert lent.lister_recherches_vides(jour, jour, 5) == [("egout", 1)]
    assert lent.purger_recherches_vides(jour) == 0
    assert StockageTinyDB(lent.dossier).lire_signalement("AIG-7K3M-Q2") is None


def test_une_methode_que_seul_le_moteur_connait_attend_aussi_la_barriere(tmp_path):
    class MoteurEtendu(StockageTinyDB):
        def fichier_existe(self, reference: str) -> bool:
            return self._signalement(reference).exists()

    stockage = StockageJournalise(MoteurEtendu(tmp_path / "donnees"), calme=3600)
    try:
        creer(stockage, "AIG-7K3M-Q2")
        assert stockage.fichier_existe("AIG-7K3M-Q2")
        assert stockage.dossier == tmp_path / "donnees"
    finally:
        stockage.fermer()


def test_une_cle_reutilisee_est_refusee_en_memoire_comme_sur_disque(lent):
    creer(lent, "AIG-7K3M-Q2", CLE)
    with pytest.raises(CleReutilisee), lent.reserver_cle(CLE, "autre", "AIG-2222-22"):
        pass
    lent.attendre_materialisation()
    with pytest.raises(CleReutilisee), lent.reserver_cle(CLE, "autre", "AIG-2222-22"):
        pass
    with lent.reserver_cle(CLE, "empreinte", "AIG-2222-22") as reservation:
        assert reservation.reference == "AIG-7K3M-Q2"


def test_une_cle_reste_tenue_jusqu_a_ce_que_sa_creation_soit_durable(lent):
    async def rejouer_pendant_l_ecriture():
        with lent.differer_la_durabilite() as durabilite:
            creer(lent, "AIG-7K3M-Q2", CLE)
        assert not durabilite.futurs[0].done()  # soumise, pas encore durable
        with pytest.raises(CleEnCours), lent.reserver_cle(CLE, "empreinte", "AIG-2222-22"):
            pass
        await durabilite.attendre()
        with lent.reserver_cle(CLE, "empreinte", "AIG-2222-22") as reservation:
            return reservation.reference

    lent._devenir_proprietaire()
    assert asyncio.run(rejouer_pendant_l_ecriture()) == "AIG-7K3M-Q2"


def test_des_rejeux_concurrents_d_une_meme_cle_ne_creent_qu_un_signalement(lent, modele):
    demande = valider(champs_valides(), 0, modele)
    lent._devenir_proprietaire()

    def rejouer(_):
        try:
            return enregistrer(lent, demande, [], modele, DEBUT, CLE, "empreinte").signalement[
                "reference"]
        except CleEnCours:
            return "409"

    async def rejouer_dans_la_boucle():
        resultats = []
        for _ in range(5):
            with lent.differer_la_durabilite() as durabilite:
                try:
                    resultat = enregistrer(lent, demande, [], modele, DEBUT, CLE, "empreinte")
                except CleEnCours:
                    resultats.append("409")
                    continue
            await durabilite.attendre()
            resultats.append(resultat.signalement["reference"])
        return resultats

    with ThreadPoolExecutor(16) as fils:
        par_les_fils = list(fils.map(rejouer, range(40)))
    dans_la_boucle = asyncio.run(rejouer_dans_la_boucle())
    references = {r for r in par_les_fils + dans_la_boucle if r != "409"}
    assert len(references) == 1
    assert lent.compter_signalements() == 1
    (reference,) = references
    assert lent.lire_signalement(reference)["idempotence"] == empreinte_cle(CLE)


def test_fermer_materialise_tout_et_efface_le_journal(lent):
    for reference in ("AIG-7K3M-Q2", "AIG-2222-22"):
        creer(lent, reference)
    lent.fermer()
    assert not list((lent.dossier / "journal").glob("*.journal"))
    moteur = StockageTinyDB(lent.dossier)
    assert moteur.compter_signalements() == 2
    assert len(moteur.lister_envois()) == 2


def test_une_requete_qui_attend_est_reveillee_si_le_journal_se_ferme_depuis_un_autre_fil(lent):
    async def recevoir():
        with lent.differer_la_durabilite() as durabilite:
            creer(lent, "AIG-7K3M-Q2", CLE)
        # Le lot n'est pas encore parti : la fermeture l'écrit depuis son fil, et c'est de
        # là qu'elle réveille la requête (la boucle est bloquée jusqu'au ``join``). Le
        # matérialiseur ne doit partir qu'après ce dernier lot : il partait avant, et le
        # journal était effacé avec un signalement confirmé dedans.
        fermeture = threading.Thread(target=lent.fermer)
        fermeture.start()
        fermeture.join()
        await asyncio.wait_for(durabilite.attendre(), 10)

    lent._devenir_proprietaire()
    asyncio.run(recevoir())
    assert StockageTinyDB(lent.dossier).lire_signalement("AIG-7K3M-Q2") == (
        signalement("AIG-7K3M-Q2"))
    with StockageTinyDB(lent.dossier).reserver_cle(CLE, "empreinte", "AIG-2222-22") as cle:
        assert cle.reference == "AIG-7K3M-Q2"


def test_une_creation_que_le_journal_refuse_ne_laisse_ni_memoire_ni_cle_ni_futur(lent):
    lent._devenir_proprietaire()._tomber_en_panne(OSError(5, "disque illisible"))

    async def recevoir():
        plaintes = []  # « Future exception was never retrieved », etc.
        asyncio.get_running_loop().set_exception_handler(lambda _, quoi: plaintes.append(quoi))
        with lent.differer_la_durabilite() as durabilite:
            with pytest.raises(JournalEnPanne):
                creer(lent, "AIG-7K3M-Q2", CLE)
        assert durabilite.futurs == []  # rien à attendre : l'erreur est partie à l'appelant
        gc.collect()
        return plaintes

    assert asyncio.run(recevoir()) == []
    assert lent._signalements == {}
    with lent.reserver_cle(CLE, "empreinte", "AIG-2222-22"):  # lâchée : pas de 409
        pass


# Un processus qui reçoit des signalements et imprime chacun dès qu'il est durable, comme un
# serveur qui répond 201 ; les uns par la boucle d'événements, les autres par des fils.
RECEVEUR = """
import asyncio, sys, threading
from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage.journalise import ouvrir_stockage
stockage = ouvrir_stockage(sys.argv[1])
verrou = threading.Lock()

def document(reference, cle):
    with stockage.reserver_cle(cle, "empreinte", reference) as reservation:
        reference = reservation.reference
        stockage.creer_signalement(
            {"reference": reference, "historique": [], "idempotence": cle}, [],
            [{"id": reference + "-transmission", "reference": reference,
              "prochaine_tentative": "2025-03-10T09:00:00+00:00"}])
    return reference

def dire(reference, cle):
    with verrou:
        print(reference, cle, flush=True)

def par_les_fils(numero):
    for n in range(10_000):
        cle = f"fil-{numero}-{n}"
        dire(document(nouvelle_reference(), cle), cle)

async def par_la_boucle(numero):
    for n in range(10_000):
        cle = f"boucle-{numero}-{n}"
        with stockage.differer_la_durabilite() as durabilite:
            reference = document(nouvelle_reference(), cle)
        await durabilite.attendre()
        dire(reference, cle)

async def principal():
    await asyncio.gather(*(par_la_boucle(n) for n in range(8)))

stockage._devenir_proprietaire()
for numero in range(4):
    threading.Thread(target=par_les_fils, args=(numero,), daemon=True).start()
asyncio.run(principal())
"""


def test_un_processus_tue_en_pleine_ecriture_ne_perd_aucun_signalement_confirme(tmp_path):
    donnees = tmp_path / "donnees"
    processus = subprocess.Popen([sys.executable, "-c", RECEVEUR, str(donnees)], cwd=RACINE,
                                 stdout=subprocess.PIPE, text=True)
    confirmes = {}
    try:
        while len(confirmes) < 300:
            reference, cle = processus.stdout.readline().split()
            confirmes[cle] = reference
    finally:
        os.kill(processus.pid, signal.SIGKILL)  # en pleine écriture, comme une coupure
        processus.wait()
        processus.stdout.close()

    stockage = ouvrir_stockage(donnees)  # rejoue ce qui n'était que dans le journal
    try:
        assert not list((donnees / "journal").glob("*.journal"))
        assert not list((donnees / "journal" / "a_placer").iterdir())
        moteur = StockageTinyDB(donnees)
        for cle, reference in confirmes.items():
            document = moteur.lire_signalement(reference)
            assert document is not None and document["idempotence"] == cle
            with stockage.reserver_cle(cle, "empreinte", "AIG-2222-22") as reservation:
                assert reservation.reference == reference  # retrouvé, pas recréé
        references = [e["reference"] for e in moteur.lister_envois()]
        assert len(references) == len(set(references)) == moteur.compter_signalements()
        assert set(confirmes.values()) <= set(references)
    finally:
        stockage.fermer()


TENEUR = """
import sys, time
from fonctions.stockage.journalise import ouvrir_stockage
stockage = ouvrir_stockage(sys.argv[1])
stockage.creer_signalement({"reference": "AIG-7K3M-Q2", "historique": []}, [], [])
print("tenu", flush=True)
time.sleep(600)
"""


def test_un_seul_processus_recoit_les_signalements_d_un_dossier(tmp_path):
    donnees = tmp_path / "donnees"
    processus = subprocess.Popen([sys.executable, "-c", TENEUR, str(donnees)], cwd=RACINE,
                                 stdout=subprocess.PIPE, text=True)
    try:
        assert processus.stdout.readline().strip() == "tenu"
        cron = StockageJournalise(StockageTinyDB(donnees), attente_du_verrou=0.2)
        try:
            assert cron.lister_envois() == []  # lire, modifier, envoyer : par le moteur
            with pytest.raises(DossierOccupe):
                cron.creer_signalement(signalement("AIG-2222-22"), [], [])
        finally:
            cron.fermer()
    finally:
        os.kill(processus.pid, signal.SIGKILL)
        processus.wait()
        processus.stdout.close()
    relance = ouvrir_stockage(donnees)  # le verrou est libre : ce qui restait est rejoué
    try:
        assert relance.lire_signalement("AIG-7K3M-Q2") == {"reference": "AIG-7K3M-Q2",
                                                           "historique": []}
        creer(relance, "AIG-2222-22")
    finally:
        relance.fermer()
    assert json.loads((donnees / "signalements" / "22" / "AIG-2222-22.json").read_text())


def test_un_dossier_sans_journal_s_ouvre_sans_rien_rejouer(tmp_path):
    stockage = ouvrir_stockage(tmp_path / "vide")
    assert stockage.compter_signalements() == 0
    assert not stockage.peut_differer()  # personne n'a encore reçu de signalement
    stockage.fermer()


def test_les_fils_et_la_boucle_ecrivent_ensemble_sans_se_gener(lent):
    lent._devenir_proprietaire()
    references = set()
    while len(references) < 8:
        references.add(nouvelle_reference())
    references = sorted(references)

    def par_un_fil(reference):
        creer(lent, reference)

    async def par_la_boucle():
        with lent.differer_la_durabilite() as durabilite:
            for reference in references[4:]:
                creer(lent, reference)
        await durabilite.attendre()

    fil = threading.Thread(target=lambda: list(map(par_un_fil, references[:4])))
    fil.start()
    asyncio.run(par_la_boucle())
    fil.join()
    assert sorted(e["reference"] for e in lent.lister_envois()) == sorted(references)


def test_au_calme_le_journal_ne_garde_pas_longtemps_ce_qui_est_materialise(tmp_path, modele):
    """Le segment courant ne garde pas des mois les coordonnées qu'on lui a confiées : tout
    matérialisé et assez vieux, il est effacé (Journal.tourner, ici sans attendre l'âge)."""
    donnees = tmp_path / "donnees"
    stockage = StockageJournalise(StockageTinyDB(donnees), age_du_segment=0)
    try:
        demande = valider(champs_valides(courriel="lea@exemple.fr"), 0, modele)
        enregistrer(stockage, demande, [], modele, DEBUT)
        stockage.attendre_materialisation()
        attendre(lambda: not any(b"lea@exemple.fr" in segment.read_bytes()
                                 for segment in (donnees / "journal").glob("*.journal")),
                 message="le journal garde encore l'adresse")
        assert list((donnees / "journal").glob("*.journal"))  # un segment neuf, vide
    finally:
        stockage.fermer()
