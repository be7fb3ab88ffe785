"""Le contrat du stockage (``fonctions/stockage/base.py``), éprouvé contre chaque moteur :
TinyDB (un dossier) et PostgreSQL (une base neuve par test, sur la grappe jetable des tests
ou sur ``AIGUILLAGE_TEST_POSTGRES``, voir ``tests/fonctions/postgres_jetable.py``).

Ce qui ne regarde que les fichiers de TinyDB est dans ``test_stockage_tinydb.py`` ; ce qui
est propre à PostgreSQL (migrations, transactions), dans ``test_stockage_postgresql.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from aides_fonctions import RACINE, tenue_par_un_autre_fil

from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import CleEnCours, CleReutilisee, ReferencePrise
from fonctions.stockage.base import Ecritures, empreinte_cle

MOTEURS = ["tinydb", "postgresql"]

# Ouvre le stockage nommé par argv[1] (moteur) et argv[2] (dossier ou adresse) : pour les
# tests qui ont besoin d'un second processus.
OUVRIR_DANS_UN_SCRIPT = (
    "import sys\n"
    "if sys.argv[1] == 'postgresql':\n"
    "    from fonctions.stockage.postgresql import StockagePostgreSQL as Moteur\n"
    "else:\n"
    "    from fonctions.stockage import StockageTinyDB as Moteur\n"
    "s = Moteur(sys.argv[2])\n"
)


class Ouvrir:
    """Ouvre un stockage (``ouvrir(**options)``) sur le même lieu à chaque appel : deux
    appels, deux instances, comme deux processus ; toutes fermées à la fin du test."""

    def __init__(self, moteur: str, lieu: str) -> None:
        self.moteur, self.lieu, self.ouverts = moteur, lieu, []

    def __call__(self, **options):
        if self.moteur == "postgresql":
            from fonctions.stockage.postgresql import StockagePostgreSQL

            stockage = StockagePostgreSQL(self.lieu, **options)
        else:
            from fonctions.stockage import StockageTinyDB

            stockage = StockageTinyDB(self.lieu, **options)
        self.ouverts.append(stockage)
        return stockage

    def script(self, corps: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-c", OUVRIR_DANS_UN_SCRIPT + corps, self.moteur,
                                 self.lieu], cwd=RACINE, stdout=subprocess.PIPE, text=True)

    def fermer(self) -> None:
        for stockage in self.ouverts:
            stockage.fermer()


@pytest.fixture(params=MOTEURS)
def ouvrir(request, tmp_path):
    if request.param == "postgresql":
        lieu = request.getfixturevalue("base_postgres")
    else:
        lieu = str(tmp_path / "donnees")
    fabrique = Ouvrir(request.param, lieu)
    yield fabrique
    fabrique.fermer()


@pytest.fixture
def stockage(ouvrir):
    return ouvrir()


def signalement(reference: str, **autres) -> dict:
    return {"reference": reference, "description": "Un trou", "historique": [], **autres}


def envoi(reference: str, sorte: str = "transmission") -> dict:
    return {"id": f"{reference}-{sorte}", "reference": reference, "sorte": sorte,
            "prochaine_tentative": "2025-03-10T09:00:00+00:00"}


def entree(reference: str, numero: int = 1, statut: str = "transmis") -> dict:
    return {"id": f"{reference}-{numero}", "reference": reference, "numero": numero,
            "statut": statut}


def test_un_signalement_est_relu_avec_ses_photos_et_son_envoi(stockage):
    reference = "AIG-7K3M-Q2"
    assert not stockage.lire_signalement(reference)
    stockage.creer_signalement(signalement(reference, accents="éèà « »", nombre=47.123456789),
                               [("photo-1.jpg", b"\xff\xd8JPEG\x00")], [envoi(reference)])
    assert stockage.lire_signalement(reference) == signalement(
        reference, accents="éèà « »", nombre=47.123456789)
    assert stockage.lire_photo(reference, "photo-1.jpg") == b"\xff\xd8JPEG\x00"
    assert stockage.lister_envois() == [envoi(reference)]
    assert stockage.compter_signalements() == 1


def test_un_stockage_vide_n_a_ni_signalement_ni_envoi(stockage):
    assert stockage.compter_signalements() == 0
    assert stockage.lister_envois() == []
    assert stockage.lister_ouvertes() == []
    assert stockage.lister_references() == []


def test_une_reference_venue_d_une_adresse_ne_devient_jamais_un_chemin_hors_du_dossier(stockage):
    assert stockage.lire_signalement("../../etc/passwd") is None
    with pytest.raises(ValueError):
        stockage.lire_photo("../..", "passwd")


def test_un_envoyeur_tue_rend_son_bail_de_lui_meme(ouvrir, stockage):
    stockage.ajouter_envoi(envoi("AIG-7K3M-Q2"))
    processus = ouvrir.script(
        "import time\n"
        "with s.reclamer_envoi('AIG-7K3M-Q2-transmission') as e:\n"
        "    print('tenu' if e else 'libre', flush=True)\n"
        "    time.sleep(600)\n")
    try:
        assert processus.stdout.readline().strip() == "tenu"
        with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as pendant:
            assert pendant is None
    finally:
        os.kill(processus.pid, signal.SIGKILL)
        processus.wait()
        processus.stdout.close()
    # PostgreSQL rend le verrou quand il voit la connexion fermée : on l'attend, borné.
    from serveurs_locaux import attendre

    def reclamable():
        with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as apres:
            return apres is not None

    attendre(reclamable, message="le bail de l'envoyeur tué n'a pas été rendu")


def test_une_cle_tenue_par_un_autre_processus_est_en_cours(ouvrir, stockage):
    processus = ouvrir.script(
        "import time\n"
        "with s.reserver_cle('cle', 'empreinte', 'AIG-7K3M-Q2'):\n"
        "    print('tenue', flush=True)\n"
        "    time.sleep(600)\n")
    try:
        assert processus.stdout.readline().strip() == "tenue"
        with pytest.raises(CleEnCours), stockage.reserver_cle("cle", "empreinte", "AIG-2222-22"):
            pass
    finally:
        os.kill(processus.pid, signal.SIGKILL)
        processus.wait()
        processus.stdout.close()
    from serveurs_locaux import attendre

    def libre():
        try:
            with stockage.reserver_cle("cle", "empreinte", "AIG-2222-22") as reservation:
                return reservation
        except CleEnCours:
            return None

    assert attendre(libre, message="la clé du processus tué n'a pas été rendue").reference in (
        "AIG-7K3M-Q2", "AIG-2222-22")


def test_un_changement_ecrit_index_envois_photos_et_signalement(stockage):
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
    stockage.changer_signalement("AIG-7K3M-Q2", lambda d: Ecritures(fermees=["AIG-7K3M-Q2-2"]))
    assert stockage.lister_ouvertes() == []
    inchange = stockage.changer_signalement(
        "AIG-7K3M-Q2", lambda d: (d.update(etat="oublie"), Ecritures(inchange=True))[1])
    assert inchange["etat"] == "oublie"
    assert stockage.lire_signalement("AIG-7K3M-Q2")["etat"] == "pas_de_notre_ressort"


def test_des_changements_concurrents_ne_perdent_aucun_evenement(ouvrir, stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])
    autre = ouvrir()  # un second « processus » sur les mêmes données
    with ThreadPoolExecutor(8) as fils:
        list(fils.map(lambda i: (stockage if i % 2 else autre).modifier_signalement(
            "AIG-7K3M-Q2", evenement={"type": "note", "numero": i}), range(60)))
    historique = stockage.lire_signalement("AIG-7K3M-Q2")["historique"]
    assert sorted(e["numero"] for e in historique) == list(range(60))


# Recherches sans résultat
MARS_10, MARS_11, MARS_12 = (date(2025, 3, j) for j in (10, 11, 12))


def test_la_purge_efface_les_jours_d_avant_et_eux_seuls(stockage):
    for jour, texte in [(MARS_10, "egout"), (MARS_10, "tag"), (MARS_11, "egout"),
                        (MARS_12, "egout")]:
        stockage.compter_recherche_vide(jour, texte)
    assert stockage.purger_recherches_vides(MARS_12) == 3  # comptes (jour, texte) effacés
    assert stockage.lister_recherches_vides(MARS_10, MARS_12, 10) == [("egout", 1)]
    assert stockage.purger_recherches_vides(MARS_12) == 0


def test_sans_recherche_vide_il_n_y_a_rien_a_lister_ni_a_purger(stockage):
    assert stockage.lister_recherches_vides(MARS_10, MARS_12, 20) == []
    assert stockage.purger_recherches_vides(MARS_12) == 0


def test_l_ordre_alphabetique_est_celui_des_points_de_code(stockage):
    for texte in ["éclairage", "zone", "Zone", "eau"]:
        stockage.compter_recherche_vide(MARS_10, texte)
    assert [t for t, _ in stockage.lister_recherches_vides(MARS_10, MARS_10, 10)] == sorted(
        ["éclairage", "zone", "Zone", "eau"])


def test_au_dela_du_plafond_du_jour_un_texte_nouveau_n_est_plus_compte(ouvrir):
    stockage = ouvrir(textes_par_jour_max=2)
    for texte in ["egout", "tag", "passeport", "egout"]:
        stockage.compter_recherche_vide(MARS_10, texte)
    stockage.compter_recherche_vide(MARS_11, "passeport")  # un autre jour, un autre plafond
    assert stockage.lister_recherches_vides(MARS_10, MARS_10, 10) == [("egout", 2), ("tag", 1)]
    assert stockage.lister_recherches_vides(MARS_11, MARS_11, 10) == [("passeport", 1)]


def test_des_comptes_concurrents_de_fils_et_de_processus_ne_perdent_aucun_ajout(ouvrir):
    # Deux stockages sur les mêmes données n'ont pas les mêmes verrous de fil, ni (pour
    # PostgreSQL) les mêmes connexions : comme le serveur et la commande de cron.
    premier, second = ouvrir(), ouvrir()
    with ThreadPoolExecutor(12) as fils:
        list(fils.map(lambda i: (premier if i % 2 else second).compter_recherche_vide(
            MARS_10, "egout" if i % 3 else "tag"), range(300)))
    assert premier.lister_recherches_vides(MARS_10, MARS_10, 10) == [
        ("egout", 200), ("tag", 100)]


# -- Données personnelles (fonctions/purge.py) ----------------------------------------------

def test_une_cle_tenue_par_une_requete_n_est_pas_oubliee_sous_elle(stockage):
    cle = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    with stockage.reserver_cle(cle, "empreinte", nouvelle_reference()):
        with pytest.raises(CleEnCours):
            stockage.oublier_cle(empreinte_cle(cle))
    assert stockage.oublier_cle(empreinte_cle(cle)) is True
def test_une_reference_deja_prise_n_est_jamais_ecrasee(stockage):
    stockage.creer_signalement(signalement("AIG-7K3M-Q2", description="premier"), [], [])
    with pytest.raises(ReferencePrise):
        stockage.creer_signalement(signalement("AIG-7K3M-Q2", description="second"), [], [])
    assert stockage.lire_signalement("AIG-7K3M-Q2")["description"] == "premier"


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




# -- Services Open311 : identifiants rendus et relevés --------------------------------------

def test_un_identifiant_externe_est_retenu_une_fois(ouvrir):
    stockage, autre = ouvrir(), ouvrir()  # deux instances, comme deux processus
    premiere, seconde = nouvelle_reference(), nouvelle_reference()
    assert stockage.retrouver_par_identifiant_externe("voirie", "token:abc") is None
    stockage.retenir_identifiant_externe("voirie", "token:abc", premiere)
    stockage.retenir_identifiant_externe("voirie", "token:abc", premiere)  # rien ne change
    autre.retenir_identifiant_externe("voirie", "token:abc", seconde)  # le premier reste
    assert autre.retrouver_par_identifiant_externe("voirie", "token:abc") == premiere
    # Un même identifiant chez un autre service est un autre identifiant.
    assert stockage.retrouver_par_identifiant_externe("eclairage", "token:abc") is None
    stockage.retenir_identifiant_externe("eclairage", "token:abc", seconde)
    assert stockage.retrouver_par_identifiant_externe("eclairage", "token:abc") == seconde
    # Service et identifiant viennent d'ailleurs : ni chemin ni SQL.
    bizarre = "../../signalements/'; DROP TABLE signalements; --é"
    stockage.retenir_identifiant_externe("../voirie", bizarre, premiere)
    assert stockage.retrouver_par_identifiant_externe("../voirie", bizarre) == premiere
    # La purge oublie ceux d'un signalement anonymisé, et eux seuls.
    assert autre.oublier_identifiants_externes([premiere, nouvelle_reference()]) == 2
    assert autre.oublier_identifiants_externes([premiere]) == 0
    assert autre.oublier_identifiants_externes([]) == 0
    assert stockage.retrouver_par_identifiant_externe("voirie", "token:abc") is None
    assert stockage.retrouver_par_identifiant_externe("eclairage", "token:abc") == seconde


def test_des_fils_concurrents_ne_retiennent_qu_une_reference(stockage):
    references = [nouvelle_reference() for _ in range(16)]
    with ThreadPoolExecutor(8) as fils:
        list(fils.map(lambda r: stockage.retenir_identifiant_externe("voirie", "id:42", r),
                      references))
    assert stockage.retrouver_par_identifiant_externe("voirie", "id:42") in references


def test_le_releve_d_un_service_ne_recule_jamais(ouvrir):
    stockage, autre = ouvrir(), ouvrir()
    neuf_heures = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert stockage.lire_releve("voirie") is None
    stockage.noter_releve("voirie", neuf_heures)
    assert autre.lire_releve("voirie") == neuf_heures
    autre.noter_releve("voirie", neuf_heures - timedelta(hours=1))  # plus ancien : ignoré
    assert stockage.lire_releve("voirie") == neuf_heures
    # Un autre fuseau, le même instant plus une minute.
    plus_tard = datetime(2025, 3, 10, 10, 1, tzinfo=timezone(timedelta(hours=1)))
    stockage.noter_releve("voirie", plus_tard)
    assert autre.lire_releve("voirie") == neuf_heures + timedelta(minutes=1)
    assert autre.lire_releve("eclairage") is None
    with pytest.raises(ValueError):
        stockage.noter_releve("voirie", datetime(2030, 1, 1))  # sans fuseau : refusé
    assert stockage.lire_releve("voirie") == neuf_heures + timedelta(minutes=1)


# Index par date (les listes publiques d'Open311)
def date_(jour: int, heure: int = 9, minute: int = 0) -> str:
    return datetime(2025, 3, jour, heure, minute, tzinfo=UTC).isoformat()


def cree(stockage, reference: str, jour: int, heure: int = 9, noeud: str = "voirie/trou",
         etat: str | None = "transmis", **autres) -> None:
    document = signalement(reference, cree_le=date_(jour, heure), noeud={"id": noeud},
                           historique=[{"date": date_(jour, heure), "type": "recu"}], **autres)
    if etat is not None:
        document["etat"] = etat
    stockage.creer_signalement(document, [], [])


def refs(nombre: int) -> list[str]:
    """``nombre`` références valides distinctes, dans l'ordre."""
    trouvees: set[str] = set()
    while len(trouvees) < nombre:
        trouvees.add(nouvelle_reference())
    return sorted(trouvees)


def references(documents: list[dict]) -> list[str]:
    return [d["reference"] for d in documents]


def test_les_signalements_se_listent_par_date_de_creation_les_plus_recents_d_abord(stockage):
    r2, r3, r4, r5, r6, r7, r8 = refs(7)
    cree(stockage, r2, 10, 9)
    cree(stockage, r3, 10, 9)  # même seconde : par référence
    cree(stockage, r4, 12, 8, noeud="eclairage/panne", etat="resolu")
    cree(stockage, r5, 14, 23, etat=None)
    # Un autre fuseau horaire : 1 h du matin à Paris le 15, le 14 à minuit en UTC.
    stockage.creer_signalement(signalement(
        r6, cree_le="2025-03-15T01:00:00+01:00", noeud={"id": "voirie/trou"},
        etat="transmis", historique=[]), [], [])
    stockage.creer_signalement(signalement(r7, cree_le="illisible"), [], [])
    stockage.creer_signalement(signalement(r8), [], [])  # sans date : jamais listé
    debut, fin = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 31, tzinfo=UTC)
    tous = [r6, r5, r4, r2, r3]
    assert references(stockage.lister_par_creation(debut, fin, 10)) == tous
    assert references(stockage.lister_par_creation(debut, fin, 2, 1)) == tous[1:3]
    assert references(stockage.lister_par_creation(debut, fin, 10, 5)) == []
    # Bornes comprises, à la seconde.
    assert references(stockage.lister_par_creation(
        datetime(2025, 3, 10, 9, tzinfo=UTC), datetime(2025, 3, 12, 8, tzinfo=UTC), 10)) == [
        r4, r2, r3]
    assert references(stockage.lister_par_creation(
        datetime(2025, 3, 10, 9, 0, 1, tzinfo=UTC), fin, 10)) == tous[:3]
    # Filtres : l'issue, l'état (un document sans état est hors de tout ensemble).
    assert references(stockage.lister_par_creation(
        debut, fin, 10, noeuds=["eclairage/panne"])) == [r4]
    assert references(stockage.lister_par_creation(
        debut, fin, 10, etats=["resolu", "clos"])) == [r4]
    assert references(stockage.lister_par_creation(
        debut, fin, 1, 1, sans_etats=["resolu", "clos"])) == [r5]
    assert references(stockage.lister_par_creation(
        debut, fin, 10, 1, noeuds=["voirie/trou"], sans_etats=["resolu"])) == tous[1:2] + tous[3:]
    documents = stockage.lister_par_creation(debut, fin, 1, noeuds=["eclairage/panne"])
    assert documents == [stockage.lire_signalement(r4)]


def test_chaque_moment_d_evenement_d_un_signalement_est_dans_l_index_des_evenements(
        stockage):
    r2, r3, r4, r5 = refs(4)
    cree(stockage, r3, 10)
    cree(stockage, r2, 12)
    # Une création sans événement : son moment y est aussi ; sans date, rien.
    stockage.creer_signalement(signalement(r4, cree_le=date_(16, 8)), [], [])
    stockage.creer_signalement(signalement(r5), [], [])
    # Des événements par les deux portes de modification ; deux au même moment d'un même
    # signalement n'en font qu'un ; un autre fuseau est ramené en UTC.
    stockage.modifier_signalement(r3, evenement={"date": date_(12, 9), "type": "x"})
    stockage.modifier_signalement(r3, evenement={"date": date_(12, 9), "type": "y"})
    stockage.changer_signalement(r2, lambda d: (
        d["historique"].append({"date": "2025-03-14T23:30:00-01:00", "type": "x"}),
        Ecritures())[1])
    stockage.modifier_signalement(r2, evenement={"date": "illisible", "type": "x"})

    def moment(jour, heure, minute=0):
        return datetime(2025, 3, jour, heure, minute, tzinfo=UTC)

    debut, fin = moment(1, 0), moment(31, 0)
    tous = [(moment(10, 9), r3), (moment(12, 9), r2), (moment(12, 9), r3),
            (moment(15, 0, 30), r2), (moment(16, 8), r4)]
    assert stockage.lister_evenements(debut, fin, None, 10) == tous
    assert stockage.lister_evenements(debut, fin, None, 2) == tous[:2]
    assert stockage.lister_evenements(debut, fin, tous[1], 2) == tous[2:4]
    assert stockage.lister_evenements(debut, fin, tous[4], 2) == []
    # Bornes comprises, à la seconde ; un autre fuseau vaut son moment UTC.
    assert stockage.lister_evenements(moment(12, 9), moment(15, 0, 30), None, 10) == tous[1:4]
    assert stockage.lister_evenements(
        datetime(2025, 3, 15, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))), fin, None,
        10) == tous[3:]
    assert stockage.lister_evenements(moment(10, 9, 1), moment(12, 8), None, 10) == []
    # Un changement qui n'écrit rien n'ajoute rien.
    stockage.changer_signalement(r3, lambda d: (
        d["historique"].append({"date": date_(20), "type": "x"}), Ecritures(inchange=True))[1])
    assert stockage.lister_evenements(debut, fin, None, 10) == tous


def test_la_reference_d_une_cle_se_lit_sans_la_tenir(stockage):
    assert stockage.reference_de_cle("cle") is None
    with stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2"):
        stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])
    assert stockage.reference_de_cle("cle") == "AIG-7K3M-Q2"
    assert stockage.reference_de_cle("autre") is None
    with stockage.reserver_cle("cle", "empreinte", "AIG-2222-22") as reservation:
        assert reservation.reference == "AIG-7K3M-Q2"  # lue sans être tenue : libre
