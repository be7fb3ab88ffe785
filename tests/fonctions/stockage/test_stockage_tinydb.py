from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date

from aides_fonctions import RACINE, fichiers_du_dossier
from serveurs_locaux import attendre
from test_stockage_contrat import entree, envoi, signalement

from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import StockageTinyDB
from fonctions.stockage.base import Ecritures

# Le contrat commun aux moteurs est éprouvé par test_stockage_contrat.py (TinyDB et
# PostgreSQL) ; ici, ce qui est propre à TinyDB : ses fichiers.


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


def test_aucun_fichier_temporaire_ne_reste_et_un_reste_d_arret_brutal_est_ignore(stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [envoi("AIG-7K3M-Q2")])
    dossier = stockage.dossier / "boite_envoi"
    (dossier / ".AIG-7K3M-Q2-transmission.json.abc.tmp").write_text('{"document": {"1": {')
    assert [e["id"] for e in stockage.lister_envois()] == ["AIG-7K3M-Q2-transmission"]
    assert not list(stockage.dossier.rglob("*.tmp"))[1:]


def test_le_cout_d_une_ecriture_ne_depend_pas_du_nombre_de_signalements(stockage):
    references = sorted({nouvelle_reference() for _ in range(300)})
    for reference in references:
        stockage.creer_signalement(signalement(reference), [], [])
    tailles = {p.stat().st_size for p in (stockage.dossier / "signalements").rglob("*.json")}
    assert len(tailles) == 1  # chaque fichier ne contient que son signalement
    assert stockage.compter_signalements() == len(references)


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



def test_les_index_par_date_sont_construits_une_fois_pour_les_signalements_d_avant(tmp_path):
    from datetime import UTC, datetime

    stockage = StockageTinyDB(tmp_path)
    anciens = [{**signalement(reference), "cree_le": f"2025-03-{jour}T09:00:00+00:00",
                "historique": [{"date": f"2025-03-{jour}T09:00:00+00:00", "type": "recu"}]}
               for reference, jour in (("AIG-7K3M-Q2", 10), ("AIG-2222-22", 11))]
    for document in anciens:
        stockage.creer_signalement(document, [], [])
    shutil.rmtree(tmp_path / "index")  # écrits par une version d'avant les index
    debut, fin = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC)
    assert stockage.lister_par_creation(debut, fin, 10) == anciens[::-1]
    assert (tmp_path / "index/construit").exists()
    assert stockage.lister_evenements(debut, fin, None, 10) == [
        (datetime(2025, 3, 10, 9, tzinfo=UTC), "AIG-7K3M-Q2"),
        (datetime(2025, 3, 11, 9, tzinfo=UTC), "AIG-2222-22")]
    # Construits une fois : une marque effacée à la main n'est plus refaite.
    (tmp_path / "index/crees/2025-03-10/090000000000-AIG-7K3M-Q2").unlink()
    assert stockage.lister_par_creation(debut, fin, 10) == anciens[1:]


def test_une_marque_d_index_sans_signalement_est_ignoree_et_ne_compte_pas(tmp_path):
    from datetime import UTC, datetime

    stockage = StockageTinyDB(tmp_path)
    document = {**signalement("AIG-7K3M-Q2"), "cree_le": "2025-03-10T09:00:00+00:00"}
    stockage.creer_signalement(document, [], [])
    # Un arrêt brutal entre la marque et le signalement : la marque reste seule.
    fantome = tmp_path / "index/crees/2025-03-10/100000000000-AIG-2222-22"
    fantome.touch()
    debut, fin = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC)
    assert stockage.lister_par_creation(debut, fin, 10) == [document]
    assert stockage.lister_par_creation(debut, fin, 10, 1) == []
    assert stockage.lister_par_creation(debut, fin, 10, 1, sans_etats=["clos"]) == []
