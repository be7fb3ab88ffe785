from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from aides_fonctions import RACINE, fichiers_du_dossier, tenue_par_un_autre_fil
from serveurs_locaux import attendre

from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import CleEnCours, CleReutilisee, ReferencePrise, StockageTinyDB
from fonctions.stockage.base import Ecritures, empreinte_cle


def signalement(reference: str, **autres) -> dict:
    return {"reference": reference, "description": "Un trou", "historique": [], **autres}


def envoi(reference: str, sorte: str = "transmission") -> dict:
    return {"id": f"{reference}-{sorte}", "reference": reference, "sorte": sorte,
            "prochaine_tentative": "2025-03-10T09:00:00+00:00"}


def test_un_signalement_est_ecrit_avec_ses_photos_et_son_envoi_dans_de_petits_fichiers(stockage):
    reference = "AIG-7K3M-Q2"
    assert not stockage.lire_signalement(reference)
    stockage.creer_signalement(signalement(reference), [("photo-1.jpg", b"JPEG")],
                               [envoi(reference)])
    assert stockage.lire_signalement(reference) == signalement(reference)
    assert stockage.lire_photo(reference, "photo-1.jpg") == b"JPEG"
    assert fichiers_du_dossier(stockage.dossier) == [
        "boite_envoi/AIG-7K3M-Q2-transmission.json",
        "photos/AIG-7K3M-Q2/photo-1.jpg",
        "signalements/7K/AIG-7K3M-Q2.json",
    ]
    contenu = json.loads((stockage.dossier / "signalements/7K/AIG-7K3M-Q2.json").read_text())
    assert contenu == {"document": {"1": signalement(reference)}}


def test_une_reference_deja_prise_n_est_jamais_ecrasee(stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2", description="premier"), [], [])
    with pytest.raises(ReferencePrise):
        stockage.creer_signalement(signalement("AIG-7K3M-Q2", description="second"), [], [])
    assert stockage.lire_signalement("AIG-7K3M-Q2")["description"] == "premier"


def test_une_reference_venue_d_une_adresse_ne_devient_jamais_un_chemin_hors_du_dossier(stockage):
    assert stockage.lire_signalement("../../etc/passwd") is None
    with pytest.raises(ValueError):
        stockage.lire_photo("../..", "passwd")


def test_une_modification_ajoute_a_l_historique_en_une_ecriture(stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])
    modifie = stockage.modifier_signalement(
        "AIG-7K3M-Q2", {"etat": "transmis"}, {"type": "transmis"},
        lambda document: document.setdefault("envois_reussis", []).append("x"))
    assert modifie["etat"] == "transmis"
    assert modifie["historique"] == [{"type": "transmis"}]
    assert modifie["envois_reussis"] == ["x"]
    assert stockage.lire_signalement("AIG-7K3M-Q2") == modifie
    with pytest.raises(KeyError):
        stockage.modifier_signalement("AIG-2222-22", {"etat": "x"})


def test_aucun_fichier_temporaire_ne_reste_et_un_reste_d_arret_brutal_est_ignore(stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [envoi("AIG-7K3M-Q2")])
    dossier = stockage.dossier / "boite_envoi"
    (dossier / ".AIG-7K3M-Q2-transmission.json.abc.tmp").write_text('{"document": {"1": {')
    assert [e["id"] for e in stockage.lister_envois()] == ["AIG-7K3M-Q2-transmission"]
    assert not list(stockage.dossier.rglob("*.tmp"))[1:]


def test_une_cle_d_idempotence_attache_une_seule_reference(stockage):
    with stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2") as reservation:
        assert (reservation.reference, reservation.nouvelle) == ("AIG-7K3M-Q2", True)
    with stockage.reserver_cle("cle", "empreinte", "AIG-2222-22") as reservation:
        assert (reservation.reference, reservation.nouvelle) == ("AIG-7K3M-Q2", False)
        reservation.changer_reference("AIG-3333-3R")
    with stockage.reserver_cle("cle", "empreinte", "AIG-2222-22") as reservation:
        assert (reservation.reference, reservation.nouvelle) == ("AIG-3333-3R", False)


def test_une_cle_reutilisee_pour_un_autre_contenu_est_refusee(stockage):
    with stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2"):
        pass
    with pytest.raises(CleReutilisee), stockage.reserver_cle("cle", "autre", "AIG-2222-22"):
        pass


def test_une_cle_tenue_par_un_autre_fil_est_en_cours(stockage):
    with tenue_par_un_autre_fil(
            lambda: stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2")):
        with pytest.raises(CleEnCours), stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2"):
            pass
    with stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2") as reservation:
        assert reservation.reference == "AIG-7K3M-Q2"


def test_un_envoi_reclame_ne_l_est_que_par_un_seul_envoyeur(stockage):
    stockage.ajouter_envoi(envoi("AIG-7K3M-Q2"))
    with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as premier:
        assert premier["id"] == "AIG-7K3M-Q2-transmission"
        with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as second:
            assert second is None
    with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as encore:
        assert encore is not None
        stockage.supprimer_envoi("AIG-7K3M-Q2-transmission")
    with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as disparu:
        assert disparu is None
    assert stockage.lister_envois() == []


def test_le_bail_d_un_envoyeur_tue_se_libere_tout_seul(stockage):
    stockage.ajouter_envoi(envoi("AIG-7K3M-Q2"))
    script = (
        "import sys, time\n"
        "from fonctions.stockage import StockageTinyDB\n"
        "s = StockageTinyDB(sys.argv[1])\n"
        "with s.reclamer_envoi('AIG-7K3M-Q2-transmission') as e:\n"
        "    print('tenu' if e else 'libre', flush=True)\n"
        "    time.sleep(600)\n"
    )
    processus = subprocess.Popen([sys.executable, "-c", script, str(stockage.dossier)],
                                 cwd=RACINE, stdout=subprocess.PIPE, text=True)
    try:
        assert processus.stdout.readline().strip() == "tenu"
        with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as pendant:
            assert pendant is None
    finally:
        os.kill(processus.pid, signal.SIGKILL)
        processus.wait()
        processus.stdout.close()
    with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as apres:
        assert apres is not None


def test_des_fils_concurrents_enregistrent_tout_sans_rien_perdre(stockage):
    references = set()
    while len(references) < 120:
        references.add(nouvelle_reference())

    def creer(reference):
        stockage.creer_signalement(signalement(reference), [], [envoi(reference)])
        stockage.modifier_signalement(reference, evenement={"type": "a"})
        stockage.modifier_signalement(reference, evenement={"type": "b"})

    with ThreadPoolExecutor(16) as fils:
        list(fils.map(creer, references))
    assert stockage.compter_signalements() == 120
    assert len(stockage.lister_envois()) == 120
    assert all(len(stockage.lire_signalement(r)["historique"]) == 2 for r in references)


def test_le_cout_d_une_ecriture_ne_depend_pas_du_nombre_de_signalements(stockage):
    references = sorted({nouvelle_reference() for _ in range(300)})
    for reference in references:
        stockage.creer_signalement(signalement(reference), [], [])
    tailles = {p.stat().st_size for p in (stockage.dossier / "signalements").rglob("*.json")}
    assert len(tailles) == 1  # chaque fichier ne contient que son signalement
    assert stockage.compter_signalements() == len(references)


def test_un_stockage_vide_n_a_ni_signalement_ni_envoi(tmp_path):
    stockage = StockageTinyDB(tmp_path / "vide")
    assert stockage.compter_signalements() == 0
    assert stockage.lister_envois() == []
    stockage.fermer()


def entree(reference: str, numero: int = 1, statut: str = "transmis") -> dict:
    return {"id": f"{reference}-{numero}", "reference": reference, "numero": numero,
            "statut": statut}


def test_un_changement_ecrit_index_envois_et_signalement_ensemble(stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])

    def transformer(document):
        document["etat"] = "pas_de_notre_ressort"
        return Ecritures(photos=[("photo-2.jpg", b"JPEG")], ouvertes=[entree("AIG-7K3M-Q2", 2)],
                         envois=[envoi("AIG-7K3M-Q2", "transmission2")],
                         fermees=["AIG-7K3M-Q2-1"])

    document = stockage.changer_signalement("AIG-7K3M-Q2", transformer)
    assert document["etat"] == "pas_de_notre_ressort"
    assert stockage.lire_signalement("AIG-7K3M-Q2")["etat"] == "pas_de_notre_ressort"
    assert stockage.lister_ouvertes() == [entree("AIG-7K3M-Q2", 2)]
    assert [e["id"] for e in stockage.lister_envois()] == ["AIG-7K3M-Q2-transmission2"]
    assert stockage.lire_photo("AIG-7K3M-Q2", "photo-2.jpg") == b"JPEG"
    assert "ouvertes/AIG-7K3M-Q2-2.json" in fichiers_du_dossier(stockage.dossier)
    stockage.changer_signalement("AIG-7K3M-Q2", lambda d: Ecritures(fermees=["AIG-7K3M-Q2-2"]))
    assert stockage.lister_ouvertes() == []


def test_un_changement_refuse_n_ecrit_rien(stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])

    def refuser(document):
        document["etat"] = "modifie"
        raise RuntimeError("refusé")

    with pytest.raises(RuntimeError):
        stockage.changer_signalement("AIG-7K3M-Q2", refuser)
    assert stockage.lire_signalement("AIG-7K3M-Q2") == signalement("AIG-7K3M-Q2")
    with pytest.raises(KeyError):
        stockage.changer_signalement("AIG-2222-22", lambda d: Ecritures())
    with pytest.raises(ValueError):
        stockage.changer_signalement("AIG-7K3M-Q2", lambda d: Ecritures(
            ouvertes=[{"id": "../../etc"}]))


def test_lister_les_ouvertes_ne_lit_pas_les_signalements(stockage):
    for reference in ("AIG-7K3M-Q2", "AIG-2222-22"):
        stockage.creer_signalement(signalement(reference), [], [])
    stockage.changer_signalement("AIG-2222-22",
                                 lambda d: Ecritures(ouvertes=[entree("AIG-2222-22")]))
    (stockage.dossier / "signalements").rename(stockage.dossier / "ailleurs")
    assert stockage.lister_ouvertes() == [entree("AIG-2222-22")]


# Recherches sans résultat
MARS_10, MARS_11, MARS_12 = (date(2025, 3, j) for j in (10, 11, 12))


def test_une_recherche_vide_est_comptee_par_jour_dans_un_petit_fichier(stockage):
    stockage.compter_recherche_vide(MARS_10, "cave inondee")
    stockage.compter_recherche_vide(MARS_10, "cave inondee")
    stockage.compter_recherche_vide(MARS_10, "carte identite")
    stockage.compter_recherche_vide(MARS_11, "cave inondee")
    dossier = stockage.dossier / "recherches_vides"
    assert sorted(p.name for p in dossier.iterdir()) == ["2025-03-10.json", "2025-03-11.json"]
    assert json.loads((dossier / "2025-03-10.json").read_text()) == {"document": {"1": {
        "jour": "2025-03-10", "textes": {"cave inondee": 2, "carte identite": 1}}}}


def test_la_liste_additionne_la_periode_du_plus_frequent_au_moins_frequent(stockage):
    for jour, texte in [(MARS_10, "egout"), (MARS_10, "passeport"), (MARS_11, "passeport"),
                        (MARS_11, "carte identite"), (MARS_11, "egout"), (MARS_12, "tag"),
                        (MARS_12, "tag"), (MARS_12, "tag"), (date(2025, 3, 9), "tag")]:
        stockage.compter_recherche_vide(jour, texte)
    assert stockage.lister_recherches_vides(MARS_10, MARS_11, 10) == [
        ("egout", 2), ("passeport", 2), ("carte identite", 1)]  # à égalité : alphabétique
    assert stockage.lister_recherches_vides(MARS_10, MARS_12, 2) == [("tag", 3), ("egout", 2)]
    assert stockage.lister_recherches_vides(MARS_12, MARS_12, 10) == [("tag", 3)]
    assert stockage.lister_recherches_vides(date(2025, 4, 1), date(2025, 4, 30), 10) == []


def test_la_purge_efface_les_jours_d_avant_et_eux_seuls(stockage):
    for jour, texte in [(MARS_10, "egout"), (MARS_10, "tag"), (MARS_11, "egout"),
                        (MARS_12, "egout")]:
        stockage.compter_recherche_vide(jour, texte)
    assert stockage.purger_recherches_vides(MARS_12) == 3  # comptes (jour, texte) effacés
    assert stockage.lister_recherches_vides(MARS_10, MARS_12, 10) == [("egout", 1)]
    assert stockage.purger_recherches_vides(MARS_12) == 0
    assert [p.name for p in (stockage.dossier / "recherches_vides").iterdir()] == [
        "2025-03-12.json"]


def test_la_purge_efface_aussi_le_reste_d_une_ecriture_interrompue(stockage):
    stockage.compter_recherche_vide(MARS_12, "egout")
    dossier = stockage.dossier / "recherches_vides"
    (dossier / ".2025-03-10.json.3f9a.tmp").write_text('{"document": {"1": {"jour"')
    (dossier / ".2025-03-12.json.3f9a.tmp").write_text('{"document": {"1": {"jour"')
    (dossier / "notes.txt").write_text("rien à voir")
    assert stockage.purger_recherches_vides(MARS_12) == 0
    assert sorted(p.name for p in dossier.iterdir()) == [
        ".2025-03-12.json.3f9a.tmp", "2025-03-12.json", "notes.txt"]
    assert stockage.lister_recherches_vides(MARS_10, MARS_12, 10) == [("egout", 1)]


def test_un_stockage_sans_recherche_vide_n_a_rien_a_lister_ni_a_purger(tmp_path):
    stockage = StockageTinyDB(tmp_path / "vide")
    assert stockage.lister_recherches_vides(MARS_10, MARS_12, 20) == []
    assert stockage.purger_recherches_vides(MARS_12) == 0
    assert not (tmp_path / "vide" / "recherches_vides").exists()
    stockage.fermer()


def test_au_dela_du_plafond_du_jour_un_texte_nouveau_n_est_plus_compte(tmp_path):
    stockage = StockageTinyDB(tmp_path / "donnees", textes_par_jour_max=2)
    for texte in ["egout", "tag", "passeport", "egout"]:
        stockage.compter_recherche_vide(MARS_10, texte)
    stockage.compter_recherche_vide(MARS_11, "passeport")  # un autre jour, un autre plafond
    assert stockage.lister_recherches_vides(MARS_10, MARS_10, 10) == [("egout", 2), ("tag", 1)]
    assert stockage.lister_recherches_vides(MARS_11, MARS_11, 10) == [("passeport", 1)]
    stockage.fermer()


def test_des_comptes_concurrents_de_fils_et_de_processus_ne_perdent_aucun_ajout(tmp_path):
    # Deux stockages sur un même dossier n'ont pas les mêmes verrous de fil : entre eux,
    # seul flock protège, comme entre le serveur et la commande de cron.
    premier, second = StockageTinyDB(tmp_path / "d"), StockageTinyDB(tmp_path / "d")
    try:
        with ThreadPoolExecutor(12) as fils:
            list(fils.map(lambda i: (premier if i % 2 else second).compter_recherche_vide(
                MARS_10, "egout" if i % 3 else "tag"), range(300)))
        assert premier.lister_recherches_vides(MARS_10, MARS_10, 10) == [
            ("egout", 200), ("tag", 100)]
    finally:
        premier.fermer()
        second.fermer()


def test_un_processus_tue_en_plein_compte_laisse_un_fichier_lisible(tmp_path):
    script = (
        "import sys\n"
        "from datetime import date\n"
        "from fonctions.stockage import StockageTinyDB\n"
        "s = StockageTinyDB(sys.argv[1])\n"
        "print('pret', flush=True)\n"
        "while True:\n"
        "    s.compter_recherche_vide(date(2025, 3, 10), 'egout')\n"
    )
    dossier = tmp_path / "donnees"
    fichier = dossier / "recherches_vides" / "2025-03-10.json"
    processus = subprocess.Popen([sys.executable, "-c", script, str(dossier)], cwd=RACINE,
                                 stdout=subprocess.PIPE, text=True)
    try:
        assert processus.stdout.readline().strip() == "pret"
        stockage = StockageTinyDB(dossier)
        attendre(lambda: fichier.exists() and stockage.lister_recherches_vides(
            MARS_10, MARS_10, 1)[0][1] >= 20, message="le processus ne compte pas")
    finally:
        os.kill(processus.pid, signal.SIGKILL)
        processus.wait()
        processus.stdout.close()
    ((texte, avant),) = stockage.lister_recherches_vides(MARS_10, MARS_10, 1)
    assert texte == "egout" and avant >= 20
    stockage.compter_recherche_vide(MARS_10, "egout")  # le verrou du tué est libéré
    assert stockage.lister_recherches_vides(MARS_10, MARS_10, 1) == [("egout", avant + 1)]
    stockage.fermer()


# -- Données personnelles (fonctions/domaine/purge.py) ----------------------------------------------

def test_la_purge_liste_les_references_et_efface_photos_et_cles(stockage):
    premiere, seconde = nouvelle_reference(), nouvelle_reference()
    stockage.creer_signalement(signalement(premiere), [("photo-1.jpg", b"jpeg")], [])
    cle = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    with stockage.reserver_cle(cle, "empreinte", seconde) as reservation:
        stockage.creer_signalement(signalement(reservation.reference), [], [])
    assert stockage.lister_references() == sorted([premiere, seconde])
    assert stockage.effacer_photos(premiere) == 1
    assert stockage.effacer_photos(premiere) == 0
    with pytest.raises(FileNotFoundError):
        stockage.lire_photo(premiere, "photo-1.jpg")
    assert stockage.oublier_cle(empreinte_cle(cle)) is True
    assert stockage.oublier_cle(empreinte_cle(cle)) is False
    with pytest.raises(ValueError):
        stockage.oublier_cle("../../signalements")
    # La clé oubliée est inconnue : un nouvel envoi avec elle repart d'une référence neuve.
    with stockage.reserver_cle(cle, "autre contenu", nouvelle_reference()) as reservation:
        assert reservation.nouvelle


def test_une_cle_tenue_par_une_requete_n_est_pas_oubliee_sous_elle(tmp_path):
    stockage = StockageTinyDB(tmp_path / "donnees")
    cle = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    with stockage.reserver_cle(cle, "empreinte", nouvelle_reference()):
        with pytest.raises(CleEnCours):
            stockage.oublier_cle(empreinte_cle(cle))
    assert stockage.oublier_cle(empreinte_cle(cle)) is True
