"""Ce qui est propre au stockage PostgreSQL : migrations, transactions, réglages de durabilité.
Le contrat commun aux moteurs est dans ``test_stockage_contrat.py``."""

from __future__ import annotations

import inspect
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
from test_stockage_contrat import Ouvrir, envoi, signalement

from fonctions.stockage import ReferencePrise, Stockage
from fonctions.stockage import postgresql as module
from fonctions.stockage.postgresql import (
    ErreurBase,
    LimiteurPartage,
    StockagePostgreSQL,
    appliquer_migrations,
    migrations,
    url_sans_mot_de_passe,
)
from fonctions.web.limiteur import LimiteurDeJetons


@pytest.fixture
def ouvrir(base_postgres):
    fabrique = Ouvrir("postgresql", base_postgres)
    yield fabrique
    fabrique.fermer()


def lignes(url: str, requete: str) -> list[tuple]:
    with psycopg.connect(url) as connexion:
        return connexion.execute(requete).fetchall()


def test_postgresql_met_en_oeuvre_toute_l_interface_avec_les_memes_signatures():
    assert not StockagePostgreSQL.__abstractmethods__
    for nom in Stockage.__abstractmethods__:
        attendue = inspect.signature(getattr(Stockage, nom))
        assert list(inspect.signature(getattr(StockagePostgreSQL, nom)).parameters) == list(
            attendue.parameters), nom


def test_les_migrations_sont_des_fichiers_sql_numerotes_dans_l_ordre():
    versions = [version for version, _, _ in migrations()]
    assert versions == list(range(1, len(versions) + 1))
    assert all(nom.endswith(".sql") for _, nom, _ in migrations())


def test_les_migrations_s_appliquent_une_fois_meme_lancees_ensemble(base_postgres):
    # Huit processus qui démarrent ensemble : le verrou consultatif les fait passer un par
    # un, et un seul applique chaque migration.
    with ThreadPoolExecutor(8) as fils:
        appliquees = list(fils.map(lambda _: appliquer_migrations(base_postgres), range(8)))
    assert sorted(map(len, appliquees)) == [0] * 7 + [len(migrations())]
    assert lignes(base_postgres, "SELECT version, nom FROM aiguillage_versions ORDER BY version") == [
        (version, nom) for version, nom, _ in migrations()]
    assert appliquer_migrations(base_postgres) == []


def test_une_base_plus_recente_que_le_code_est_refusee_en_francais(base_postgres):
    appliquer_migrations(base_postgres)
    with psycopg.connect(base_postgres) as connexion:
        connexion.execute("INSERT INTO aiguillage_versions (version, nom) VALUES (999, '0999_x.sql')")
    with pytest.raises(ErreurBase, match="plus récente que ce code"):
        StockagePostgreSQL(base_postgres)


def test_une_base_injoignable_est_dite_en_francais(serveur_postgres):
    url = serveur_postgres.url_de("cette_base_n_existe_pas")
    with pytest.raises(ErreurBase, match="injoignable"):
        StockagePostgreSQL(url)


def test_le_mot_de_passe_ne_va_pas_au_journal():
    assert url_sans_mot_de_passe("postgresql://aiguillage:secret@hote:5432/base") == (
        "postgresql://aiguillage:***@hote:5432/base")
    assert url_sans_mot_de_passe("postgresql:///base?host=/tmp") == "postgresql:///base?host=/tmp"


def test_synchronous_commit_est_remis_a_on_si_la_base_l_a_coupe(base_postgres, ouvrir, caplog):
    nom = psycopg.conninfo.conninfo_to_dict(base_postgres)["dbname"]
    with psycopg.connect(base_postgres, autocommit=True) as connexion:
        connexion.execute(f'ALTER DATABASE "{nom}" SET synchronous_commit = off')
    stockage = ouvrir()
    with stockage._connexion() as connexion:
        assert connexion.execute("SHOW synchronous_commit").fetchone()[0] == "on"
    assert "synchronous_commit" in caplog.text


def test_un_signalement_sa_cle_ses_photos_et_son_envoi_sont_une_seule_transaction(
        ouvrir, base_postgres):
    stockage = ouvrir()
    processus = ouvrir.script(
        "import time\n"
        "with s.reserver_cle('cle', 'empreinte', 'AIG-7K3M-Q2') as r:\n"
        "    s.creer_signalement({'reference': r.reference, 'historique': []},\n"
        "                        [('photo-1.jpg', b'JPEG')],\n"
        "                        [{'id': r.reference + '-transmission', 'reference': r.reference}])\n"
        "    print('ecrit', flush=True)\n"
        "    time.sleep(600)\n")
    try:
        assert processus.stdout.readline().strip() == "ecrit"
        # Pas encore validé : personne ne le voit.
        assert stockage.lire_signalement("AIG-7K3M-Q2") is None
        assert stockage.lister_envois() == []
    finally:
        os.kill(processus.pid, signal.SIGKILL)
        processus.wait()
        processus.stdout.close()
    # Tué avant la fin du bloc : tout est défait, rien n'est à moitié écrit.
    for table in ("signalements", "photos", "boite_envoi", "cles_idempotence"):
        assert lignes(base_postgres, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_une_reference_prise_ne_defait_pas_la_reservation(ouvrir):
    stockage = ouvrir()
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])
    with stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2") as reservation:
        with pytest.raises(ReferencePrise):
            stockage.creer_signalement(signalement(reservation.reference), [], [])
        reservation.changer_reference("AIG-2222-22")
        stockage.creer_signalement(signalement("AIG-2222-22"), [], [envoi("AIG-2222-22")])
    with stockage.reserver_cle("cle", "empreinte", "AIG-3333-3R") as reservation:
        assert (reservation.reference, reservation.nouvelle) == ("AIG-2222-22", False)
    assert stockage.compter_signalements() == 2


def test_un_fil_ne_tient_qu_une_connexion_par_requete(ouvrir):
    # Un pool d'une seule connexion : une requête qui en prendrait deux resterait bloquée.
    stockage = ouvrir(taille_du_pool=1)
    with stockage.reserver_cle("cle", "empreinte", "AIG-7K3M-Q2") as reservation:
        assert stockage.lire_signalement(reservation.reference) is None
        stockage.creer_signalement(signalement(reservation.reference), [], [
            envoi(reservation.reference)])
    with stockage.reclamer_envoi("AIG-7K3M-Q2-transmission") as entree:
        stockage.enregistrer_envoi({**entree, "tentatives": 1})
        stockage.modifier_signalement("AIG-7K3M-Q2", evenement={"type": "envoye"})
        stockage.supprimer_envoi(entree["id"])
    assert stockage.lire_signalement("AIG-7K3M-Q2")["historique"] == [{"type": "envoye"}]


def test_le_verrou_des_migrations_ne_croise_aucun_autre():
    assert module.verrou("cle", "a") != module.verrou("envoi", "a")
    assert module.VERROU_DES_MIGRATIONS == module.verrou("migrations", "aiguillage")


# -- Limites de débit partagées --------------------------------------------------------------

class Horloge:
    def __init__(self, moment: float = 1_000_000.0) -> None:
        self.moment = moment

    def __call__(self) -> float:
        return self.moment


def test_une_limite_est_partagee_entre_processus(ouvrir):
    premier, second = ouvrir(), ouvrir()
    horloge = Horloge()
    limites = [LimiteurPartage(s, "signalements", 3, 600, horloge) for s in (premier, second)]
    assert [limites[i % 2].attente("192.0.2.1") for i in range(3)] == [0.0] * 3
    assert limites[1].attente("192.0.2.1") == 600 - (horloge.moment % 600)
    assert limites[0].attente("192.0.2.1") > 0
    assert limites[0].attente("192.0.2.2") == 0.0  # un autre client
    assert LimiteurPartage(premier, "recherches", 3, 600, horloge).attente("192.0.2.1") == 0.0
    horloge.moment += 600  # la fenêtre suivante
    assert limites[1].attente("192.0.2.1") == 0.0


def test_des_envois_simultanes_sur_deux_processus_ne_depassent_pas_la_limite(ouvrir):
    premier, second = ouvrir(), ouvrir()
    limites = [premier.limiteur("signalements", 5, 3600), second.limiteur("signalements", 5, 3600)]
    with ThreadPoolExecutor(10) as fils:
        attentes = list(fils.map(lambda i: limites[i % 2].attente("192.0.2.1"), range(40)))
    assert attentes.count(0.0) == 5


def test_bloque_et_noter_comptent_les_jetons_faux_partout(ouvrir):
    horloge = Horloge()
    premier, second = ouvrir(), ouvrir()
    noter = LimiteurPartage(premier, "jetons", 2, 60, horloge)
    voir = LimiteurPartage(second, "jetons", 2, 60, horloge)
    assert voir.bloque("192.0.2.1") == 0.0
    noter.noter("192.0.2.1")
    noter.noter("192.0.2.1")
    assert voir.bloque("192.0.2.1") > 0
    jetons = LimiteurDeJetons(1, 60, fabrique=second.limiteur)
    assert jetons.bloque("192.0.2.9", "AIG-7K3M-Q2") == 0.0
    LimiteurDeJetons(1, 60, fabrique=premier.limiteur).noter("192.0.2.9", "AIG-7K3M-Q2")
    assert jetons.bloque("192.0.2.9", "AIG-7K3M-Q2") > 0
    assert jetons.bloque("192.0.2.9", "AIG-2222-22") == 0.0


def test_les_fenetres_passees_sont_effacees_et_l_adresse_n_est_jamais_ecrite(ouvrir, base_postgres):
    horloge = Horloge()
    limite = LimiteurPartage(ouvrir(), "signalements", 2, 60, horloge)
    limite.attente("192.0.2.1")
    assert "192.0.2.1" not in str(lignes(base_postgres, "SELECT * FROM limites"))
    horloge.moment += 3600
    limite.attente("192.0.2.2")
    assert lignes(base_postgres, "SELECT count(*) FROM limites") == [(1,)]


def test_le_chemin_sans_fil_tient_les_memes_promesses(ouvrir, base_postgres):
    """``enregistrer_asynchrone`` (POST sans photo) : créé une fois, rejoué à l'identique,
    clé réutilisée refusée, clé tenue ailleurs en 409, une connexion par requête."""
    import asyncio
    from datetime import UTC, datetime
    from pathlib import Path

    from fonctions.domaine.enregistrement import enregistrer_asynchrone
    from fonctions.domaine.modele import charger_modele
    from fonctions.domaine.validation import valider
    from fonctions.stockage import CleEnCours, CleReutilisee

    modele = charger_modele(Path(__file__).parents[1] / "modele_test.json")
    demande = valider({"noeud": "voirie/nid-de-poule", "commune": "56001",
                       "description": "Un trou profond devant l'école.",
                       "adresse": "12 rue des Écoles", "question-taille": "Comme une assiette",
                       "question-dangereux": "oui"}, 0, modele)
    stockage = ouvrir(taille_du_pool=1)

    async def scenario():
        assert await stockage.pool_asynchrone() is not None
        maintenant = datetime.now(UTC)
        premier = await enregistrer_asynchrone(stockage, demande, modele, maintenant, "cle", "e")
        rejoue = await enregistrer_asynchrone(stockage, demande, modele, maintenant, "cle", "e")
        assert (premier.rejoue, rejoue.rejoue) == (False, True)
        assert rejoue.signalement == premier.signalement
        with pytest.raises(CleReutilisee):
            await enregistrer_asynchrone(stockage, demande, modele, maintenant, "cle", "autre")
        sans_cle = await enregistrer_asynchrone(stockage, demande, modele, maintenant)
        # Tenue par un autre (le chemin par un fil, comme un autre processus) : 409.
        with stockage.reserver_cle("tenue", "e", "AIG-7K3M-Q2"):
            with pytest.raises(CleEnCours):
                await enregistrer_asynchrone(stockage, demande, modele, maintenant, "tenue", "e")
        await stockage.fermer_asynchrone()
        return premier, sans_cle

    premier, sans_cle = asyncio.run(scenario())
    reference = premier.signalement["reference"]
    assert stockage.lire_signalement(reference) == premier.signalement
    assert lignes(base_postgres, "SELECT id FROM boite_envoi ORDER BY id") == sorted(
        [(f"{reference}-transmission",), (f"{sans_cle.signalement['reference']}-transmission",)])
    # Celle du chemin par un fil est écrite à la fin de son bloc, sans signalement.
    assert sorted(lignes(base_postgres, "SELECT reference FROM cles_idempotence")) == sorted(
        [(reference,), ("AIG-7K3M-Q2",)])


    # Une autre boucle (un autre lifespan) : un pool neuf.
    async def autre_boucle():
        assert await stockage.pool_asynchrone() is not None
        assert await stockage.lire_signalement_asynchrone(reference) == premier.signalement
        await stockage.fermer_asynchrone()

    asyncio.run(autre_boucle())


def test_sans_fil_une_reference_prise_n_ecrit_rien_et_en_prend_une_autre(ouvrir, base_postgres,
                                                                          monkeypatch):
    import asyncio
    from datetime import UTC, datetime
    from pathlib import Path

    from fonctions.domaine import enregistrement
    from fonctions.domaine.modele import charger_modele
    from fonctions.domaine.validation import valider

    modele = charger_modele(Path(__file__).parents[1] / "modele_test.json")
    demande = valider({"noeud": "voirie/nid-de-poule", "commune": "56001",
                       "description": "Un trou.", "adresse": "12 rue des Écoles",
                       "question-taille": "Comme une assiette", "question-dangereux": "oui"},
                      0, modele)
    stockage = ouvrir()
    stockage.creer_signalement(signalement("AIG-7K3M-Q2"), [], [])
    references = iter(["AIG-7K3M-Q2", "AIG-2222-22", "AIG-3333-3R"])
    monkeypatch.setattr(enregistrement, "nouvelle_reference", lambda: next(references))

    async def scenario():
        await stockage.pool_asynchrone()
        try:
            return await enregistrement.enregistrer_asynchrone(
                stockage, demande, modele, datetime.now(UTC), "cle", "e")
        finally:
            await stockage.fermer_asynchrone()

    resultat = asyncio.run(scenario())
    assert (resultat.signalement["reference"], resultat.rejoue) == ("AIG-2222-22", False)
    assert lignes(base_postgres, "SELECT reference FROM cles_idempotence") == [("AIG-2222-22",)]
    assert lignes(base_postgres, "SELECT id FROM boite_envoi") == [("AIG-2222-22-transmission",)]
    assert stockage.compter_signalements() == 2
