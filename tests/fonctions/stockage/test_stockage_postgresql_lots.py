"""Les créations écrites par lots sur PostgreSQL (``postgresql_lots.py``) : sur une vraie
base, des requêtes simultanées d'une vraie boucle d'événements.

Les lots se forment sans horloge : les tâches lancées ensemble par ``asyncio.gather``
entrent toutes dans la file avant que la tâche d'écriture (créée par la première) ne
tourne ; le premier lot les prend donc toutes, quelle que soit la vitesse de la machine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from test_stockage_contrat import Ouvrir, envoi, signalement
from test_stockage_postgresql import lignes

from fonctions.domaine.enregistrement import enregistrer_asynchrone
from fonctions.domaine.modele import charger_modele
from fonctions.domaine.validation import valider
from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import CleEnCours, CleReutilisee, ReferencePrise

MODELE = charger_modele(Path(__file__).parents[1] / "modele_test.json")


@pytest.fixture
def ouvrir_pg(base_postgres):
    fabrique = Ouvrir("postgresql", base_postgres)
    yield fabrique
    fabrique.fermer()


@pytest.fixture
def stockage(ouvrir_pg):
    return ouvrir_pg()


@pytest.fixture
def ailleurs(ouvrir_pg):
    """Un second stockage sur la même base, comme un autre processus."""
    return ouvrir_pg()


def demande(description: str = "Un trou profond devant l'école."):
    return valider(
        {
            "noeud": "voirie/nid-de-poule",
            "commune": "56001",
            "description": description,
            "adresse": "12 rue des Écoles",
            "question-taille": "Comme une assiette",
            "question-dangereux": "oui",
        },
        0,
        MODELE,
    )


def ensemble(stockage, *appels):
    """Lance les appels (des fabriques de coroutines) ensemble dans une boucle neuve ; rend
    leurs résultats ou leurs exceptions, dans l'ordre."""

    async def scenario():
        await stockage.pool_asynchrone()
        try:
            return await asyncio.gather(*(appel() for appel in appels), return_exceptions=True)
        finally:
            await stockage.fermer_asynchrone()

    return asyncio.run(scenario())


def creation(stockage, cle: str | None, reference: str, empreinte: str = "e", **autres):
    """La création d'un signalement (``autres`` : ses champs en plus), avec ou sans clé."""
    document = signalement(reference, **autres)
    if cle is None:
        return lambda: stockage.creer_signalement_asynchrone(document, [envoi(reference)])
    return lambda: stockage.creer_avec_cle_neuve_asynchrone(cle, empreinte, document, [envoi(reference)])


def test_seize_creations_simultanees_sont_ecrites_en_un_lot(stockage, base_postgres):
    references = [nouvelle_reference() for _ in range(16)]
    appels = [creation(stockage, f"cle-{i}", reference) for i, reference in enumerate(references)]
    appels += [creation(stockage, None, nouvelle_reference())]  # sans clé : le même lot
    resultats = ensemble(stockage, *appels)
    assert resultats == [True] * 16 + [None]
    assert (stockage._lots.lots, stockage._lots.membres) == (1, 17)
    assert stockage.compter_signalements() == 17
    assert sorted(lignes(base_postgres, "SELECT reference FROM cles_idempotence")) == sorted(
        (reference,) for reference in references
    )
    assert len(lignes(base_postgres, "SELECT id FROM boite_envoi")) == 17


def test_un_membre_dont_la_cle_est_tenue_ailleurs_recoit_409_et_les_autres_sont_crees(
    stockage, ailleurs, base_postgres
):
    references = [nouvelle_reference() for _ in range(4)]
    # La clé « tenue » est en cours ailleurs (le chemin par un fil, comme un autre processus).
    with ailleurs.reserver_cle("tenue", "e", nouvelle_reference()):
        resultats = ensemble(
            stockage,
            creation(stockage, "a", references[0]),
            creation(stockage, "tenue", references[1]),
            creation(stockage, "b", references[2]),
            creation(stockage, "c", references[3]),
        )
    assert resultats[0] is True and resultats[2:] == [True, True]
    assert isinstance(resultats[1], CleEnCours)
    assert stockage._lots.lots == 1
    assert sorted(lignes(base_postgres, "SELECT reference FROM signalements")) == sorted(
        (r,) for r in references if r != references[1]
    )


def test_dans_un_lot_une_reference_prise_ou_une_cle_reutilisee_ne_touche_que_son_membre(
    stockage, base_postgres
):
    prise, connue, libre = (nouvelle_reference() for _ in range(3))
    stockage.creer_signalement(signalement(prise), [], [])
    with stockage.reserver_cle("connue", "empreinte", connue) as reservation:
        stockage.creer_signalement(signalement(reservation.reference), [], [])
    resultats = ensemble(
        stockage,
        creation(stockage, "neuve", prise),  # référence prise : rien d'écrit, False
        creation(stockage, "connue", nouvelle_reference(), "empreinte"),  # rejeu : False
        creation(stockage, "connue", nouvelle_reference(), "autre"),  # autre contenu : 422
        creation(stockage, None, prise),  # sans clé, référence prise
        creation(stockage, "libre", libre),
    )
    assert resultats[:2] == [False, False] and resultats[4] is True
    assert isinstance(resultats[2], CleReutilisee)
    assert isinstance(resultats[3], ReferencePrise)
    assert sorted(lignes(base_postgres, "SELECT reference FROM cles_idempotence")) == sorted(
        [(connue,), (libre,)]
    )
    assert lignes(base_postgres, "SELECT id FROM boite_envoi") == [(f"{libre}-transmission",)]
    assert stockage.compter_signalements() == 3


def _echec_a_la_validation(url: str, description: str, etat: str) -> None:
    """Un déclencheur différé (vérifié à la validation, ``COMMIT``) qui fait échouer la
    transaction de tout signalement de cette description, avec ce code d'erreur."""
    with psycopg.connect(url, autocommit=True) as connexion:
        connexion.execute(f"""
            CREATE FUNCTION echouer() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.document->>'description' = '{description}' THEN
                    RAISE EXCEPTION 'refusé à la validation' USING ERRCODE = '{etat}';
                END IF;
                RETURN NULL;
            END $$;
            CREATE CONSTRAINT TRIGGER echec_a_la_validation AFTER INSERT ON signalements
            DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION echouer();""")


def lot_avec_un_fautif(stockage, url: str, etat: str) -> tuple[list, list[str]]:
    """Un lot de cinq (deux avec clé, le fautif avec clé, deux sans clé) dont la validation
    échoue à cause du fautif, avec le code d'erreur ``etat`` ; rend les résultats et les
    références des quatre autres."""
    _echec_a_la_validation(url, "Un trou fautif", etat)
    references = [nouvelle_reference() for _ in range(4)]
    resultats = ensemble(
        stockage,
        creation(stockage, "a", references[0]),
        creation(stockage, "fautive", nouvelle_reference(), description="Un trou fautif"),
        creation(stockage, "b", references[1]),
        *(creation(stockage, None, r) for r in references[2:]),
    )
    return resultats, references


def test_une_validation_qui_echoue_ne_confirme_aucun_membre_du_lot(stockage, base_postgres):
    # Une erreur qui n'est pas celle d'une contrainte (disque plein) : le lot entier est
    # défait à la validation et aucun membre ne reçoit de réponse.
    resultats, _ = lot_avec_un_fautif(stockage, base_postgres, "53100")
    assert all(isinstance(r, psycopg.errors.DiskFull) for r in resultats), resultats
    assert stockage.compter_signalements() == 0
    assert lignes(base_postgres, "SELECT count(*) FROM cles_idempotence") == [(0,)]
    assert lignes(base_postgres, "SELECT count(*) FROM boite_envoi") == [(0,)]


def test_un_membre_refuse_par_une_contrainte_est_isole_et_les_autres_sont_confirmes(stockage, base_postgres):
    # Une contrainte refusée à la validation (comme une clé validée ailleurs entre la lecture
    # et l'écriture) : le lot est défait, puis chaque membre réécrit seul ; seul le fautif
    # reçoit l'erreur.
    resultats, references = lot_avec_un_fautif(stockage, base_postgres, "23505")
    assert resultats[0] is True and resultats[2:] == [True, None, None]
    assert isinstance(resultats[1], psycopg.errors.UniqueViolation)
    assert sorted(lignes(base_postgres, "SELECT reference FROM signalements")) == sorted(
        (r,) for r in references
    )
    assert sorted(lignes(base_postgres, "SELECT reference FROM cles_idempotence")) == sorted(
        (r,) for r in references[:2]
    )
    # Après l'échec du lot, les quatre autres écrits chacun seul (le fautif ne l'est pas).
    assert (stockage._lots.lots, stockage._lots.membres) == (4, 4)


def test_seize_rejeux_simultanes_d_une_cle_donnent_un_signalement(stockage, base_postgres):
    # Deux membres d'une même clé ne sont jamais dans le même lot : le premier crée, les
    # autres trouvent la clé et rendent le même signalement (ou 409 pendant qu'un rejeu
    # pas à pas la tient).
    maintenant = datetime.now(UTC)
    la_demande = demande()

    def rejeu():
        return enregistrer_asynchrone(stockage, la_demande, MODELE, maintenant, "la-cle", "e")

    resultats = ensemble(stockage, *([rejeu] * 16))
    crees = [r for r in resultats if not isinstance(r, Exception) and not r.rejoue]
    rejoues = [r for r in resultats if not isinstance(r, Exception) and r.rejoue]
    assert len(crees) == 1
    assert all(isinstance(r, CleEnCours) for r in resultats if isinstance(r, Exception))
    assert all(r.signalement == crees[0].signalement for r in rejoues)
    reference = crees[0].signalement["reference"]
    assert lignes(base_postgres, "SELECT reference FROM signalements") == [(reference,)]
    assert lignes(base_postgres, "SELECT reference FROM cles_idempotence") == [(reference,)]
    assert lignes(base_postgres, "SELECT id FROM boite_envoi") == [(f"{reference}-transmission",)]


def test_une_requete_abandonnee_n_empeche_pas_le_lot(stockage, base_postgres):
    # Le client parti (sa tâche annulée pendant l'attente) : le lot est écrit pour les
    # autres ; le signalement abandonné l'est aussi (un rejeu de sa clé le retrouvera).
    references = [nouvelle_reference() for _ in range(3)]

    async def scenario():
        await stockage.pool_asynchrone()
        try:
            taches = [
                asyncio.create_task(creation(stockage, f"cle-{i}", r)()) for i, r in enumerate(references)
            ]
            await asyncio.sleep(0)  # toutes dans la file
            taches[1].cancel()
            return await asyncio.gather(*taches, return_exceptions=True)
        finally:
            await stockage.fermer_asynchrone()

    resultats = asyncio.run(scenario())
    assert resultats[0] is True and resultats[2] is True
    assert isinstance(resultats[1], asyncio.CancelledError)
    assert stockage.compter_signalements() == 3


def test_la_cle_connue_est_lue_par_l_index_quelle_que_soit_la_taille_de_la_table(stockage, base_postgres):
    # Une jointure avec les clés connues parcourait toute la table à chaque lot (le coût
    # d'une écriture croissait avec le nombre de signalements) : la lecture passe par la clé
    # primaire, et le plan le dit.
    from fonctions.stockage.postgresql import verrou
    from fonctions.stockage.postgresql_lots import ECRITURE_DU_LOT, Membre, parametre_du_lot

    membres = [
        Membre(f"k{i}", verrou("cle", f"k{i}"), "e", signalement(nouvelle_reference()), []) for i in range(7)
    ]
    with psycopg.connect(base_postgres, autocommit=True) as connexion:
        connexion.execute(
            "INSERT INTO cles_idempotence SELECT md5(i::text), 'e', 'R' || i "
            "FROM generate_series(1, 5000) AS i"
        )
        connexion.execute("ANALYZE cles_idempotence")
        plan = "\n".join(
            ligne
            for (ligne,) in connexion.execute(
                "EXPLAIN " + ECRITURE_DU_LOT, (parametre_du_lot(membres),)
            )
        )
    assert "Seq Scan on cles_idempotence" not in plan
    assert "Index Scan using cles_idempotence_pkey on cles_idempotence" in plan


def test_une_ecriture_interrompue_ne_laisse_personne_attendre(stockage):
    # La tâche qui écrit les lots annulée en pleine écriture (l'arrêt de la boucle) : chaque
    # membre en attente reçoit l'annulation, aucun ne reçoit de résultat ni n'attend pour
    # toujours.
    async def scenario():
        await stockage.pool_asynchrone()
        try:
            taches = [
                asyncio.create_task(creation(stockage, f"cle-{i}", nouvelle_reference())()) for i in range(3)
            ]
            await asyncio.sleep(0)  # toutes dans la file, la tâche d'écriture lancée
            stockage._lots._tache.cancel()
            return await asyncio.wait_for(asyncio.gather(*taches, return_exceptions=True), 60)
        finally:
            await stockage.fermer_asynchrone()

    resultats = asyncio.run(scenario())
    assert all(isinstance(r, asyncio.CancelledError) for r in resultats), resultats


def test_le_json_d_un_membre_est_celui_de_json_et_ce_qu_orjson_refuse_passe_par_json():
    import json

    from fonctions.stockage.postgresql_lots import en_json

    document = signalement("AIG-7K3M-Q9")
    document["description"] = "Un trou « profond » devant l'école\n\tet \x1f un caractère \u2028"
    assert json.loads(en_json(document)) == json.loads(json.dumps(document))
    # Une clé qui n'est pas du texte, un entier de plus de 64 bits : orjson les refuse.
    assert en_json({1: 2**70}) == json.dumps({1: 2**70}).encode()


def test_le_parametre_d_un_lot_donne_a_chaque_membre_son_rang():
    import json

    from fonctions.stockage.postgresql_lots import Membre, parametre_du_lot

    membres = [Membre(f"k{i}", i, "e", signalement(nouvelle_reference()), [envoi(f"E{i}")])
               for i in range(3)]
    parametre = parametre_du_lot(membres)
    lignes_du_lot = json.loads(parametre.dumps(parametre.obj))
    assert [ligne["rang"] for ligne in lignes_du_lot] == [0, 1, 2]
    assert [ligne["document"] for ligne in lignes_du_lot] == [m.signalement for m in membres]
    assert [ligne["envois"] for ligne in lignes_du_lot] == [list(m.envois) for m in membres]
    assert [(ligne["cle"], ligne["verrou"]) for ligne in lignes_du_lot] == [("k0", 0), ("k1", 1),
                                                                             ("k2", 2)]
