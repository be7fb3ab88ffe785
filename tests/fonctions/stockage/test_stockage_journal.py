from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from fonctions.stockage.journal import Journal, JournalEnPanne, encadrer, lire_segment
from fonctions.stockage.synchroniseur import Synchroniseur


class Compteur:
    """Un ``fdatasync`` compté (le vrai, appelé ensuite)."""

    def __init__(self) -> None:
        self.appels = 0

    def __call__(self, descripteur: int) -> None:
        self.appels += 1
        os.fdatasync(descripteur)


@pytest.fixture
def journal(tmp_path):
    journal = Journal(tmp_path / "journal", intervalle=0)
    journal.demarrer()
    yield journal
    journal.fermer()


def contenus_rejoues(dossier) -> list[bytes]:
    return list(Journal(dossier).rejouer())


def test_seize_soumissions_de_la_meme_boucle_ne_coutent_qu_un_fdatasync(journal):
    async def soumettre_seize():
        boucle = asyncio.get_running_loop()
        futurs = [boucle.create_future() for _ in range(16)]
        for numero, futur in enumerate(futurs):
            journal.soumettre(f"signalement {numero}".encode(), numero,
                              lambda erreur, futur=futur: futur.set_result(erreur))
        return await asyncio.gather(*futurs)

    assert asyncio.run(soumettre_seize()) == [None] * 16
    assert journal._synchroniseur.demandes == 1
    assert journal.prendre_ecrits() == (list(range(16)), 16)


def test_ce_qui_arrive_pendant_un_lot_forme_le_lot_suivant(journal):
    async def deux_vagues():
        boucle = asyncio.get_running_loop()
        premiere = boucle.create_future()
        journal.soumettre(b"seul", "seul", premiere.set_result)
        await asyncio.sleep(0)  # le premier lot part seul, puis dix écrivains arrivent
        assert journal._en_vol is not None
        suivants = [boucle.create_future() for _ in range(10)]
        for numero, futur in enumerate(suivants):
            journal.soumettre(b"suivant", numero, futur.set_result)
        await premiere
        await asyncio.gather(*suivants)

    asyncio.run(deux_vagues())
    assert journal._synchroniseur.demandes == 2


def test_un_ecrivain_qui_bloque_synchronise_lui_meme_et_tout_est_relu(tmp_path):
    compteur = Compteur()
    journal = Journal(tmp_path / "journal", synchroniser=compteur)
    journal.demarrer()
    with ThreadPoolExecutor(8) as fils:
        numeros = list(fils.map(lambda n: journal.ecrire(f"n°{n}".encode(), n), range(40)))
    journal.fermer()
    assert sorted(numeros) == list(range(1, 41))
    assert compteur.appels == 40
    assert sorted(contenus_rejoues(tmp_path / "journal")) == sorted(
        f"n°{n}".encode() for n in range(40))


def test_une_fin_dechiree_est_ignoree_au_rejeu(tmp_path):
    dossier = tmp_path / "journal"
    dossier.mkdir()
    intacts = [encadrer(b'{"reference":"AIG-7K3M-Q2"}'), encadrer(b"deuxieme")]
    dechire = encadrer(b"troisieme, jamais confirme")[:-9]
    (dossier / "000000000001.journal").write_bytes(b"".join(intacts) + dechire)
    assert contenus_rejoues(dossier) == [b'{"reference":"AIG-7K3M-Q2"}', b"deuxieme"]


@pytest.mark.parametrize("fin", [
    b"\0" * 300,  # la taille du fichier a survécu à la coupure, pas ses octets
    b"J 00000004 00000000 abcd\n",  # une somme fausse
    b"J 0000zzzz",  # un en-tête coupé
    b"J 00000004 ",  # tout juste l'en-tête
])
def test_un_enregistrement_incomplet_ou_faux_arrete_la_lecture(fin):
    assert lire_segment(encadrer(b"bon") + fin + encadrer(b"jamais lu")) == (
        [b"bon"], len(fin) + len(encadrer(b"jamais lu")))


def test_les_segments_se_succedent_et_seuls_les_scelles_materialises_s_effacent(tmp_path):
    dossier = tmp_path / "journal"
    journal = Journal(dossier, taille_segment=50)  # un enregistrement (61 octets) par segment
    journal.demarrer()
    for numero in range(1, 7):
        journal.ecrire(b"x" * 40, numero)
    assert sorted(p.name for p in dossier.glob("*.journal")) == [
        f"{n:012d}.journal" for n in range(1, 7)]
    journal.oublier(3)
    assert sorted(p.name for p in dossier.glob("*.journal")) == [
        f"{n:012d}.journal" for n in range(4, 7)]
    journal.fermer()
    assert contenus_rejoues(dossier) == [b"x" * 40] * 3
    relu = Journal(dossier)
    relu.demarrer()  # l'appelant a matérialisé ce qui restait : tout est effacé
    assert [p.name for p in dossier.glob("*.journal")] == ["000000000007.journal"]
    relu.fermer()


def test_un_fdatasync_rate_met_le_journal_en_panne_pour_de_bon(tmp_path):
    def refuser(descripteur):
        raise OSError(5, "Input/output error")

    journal = Journal(tmp_path / "journal", synchroniser=refuser)
    journal.demarrer()
    rappels = []
    with pytest.raises(JournalEnPanne):
        journal.ecrire(b"perdu ?", "memo", rappels.append)
    assert isinstance(rappels[0], JournalEnPanne)
    with pytest.raises(JournalEnPanne):
        journal.ecrire(b"plus rien", "memo")
    assert journal.prendre_ecrits() == ([], 0)
    journal.fermer()
    # Le segment n'est ni scellé ni effacé : il sera relu au redémarrage.
    assert contenus_rejoues(tmp_path / "journal") == [b"perdu ?"]


def test_un_synchroniseur_disparu_met_le_journal_en_panne(tmp_path):
    class Disparu(Synchroniseur):
        def demander(self, numero, segment):
            self.arreter()
            raise OSError("tube fermé")

    journal = Journal(tmp_path / "journal", synchroniseur=Disparu, intervalle=0)
    journal.demarrer()

    async def soumettre():
        futur = asyncio.get_running_loop().create_future()
        journal.soumettre(b"un", None, futur.set_result)
        return await futur

    assert isinstance(asyncio.run(soumettre()), JournalEnPanne)
    assert not journal.peut_soumettre()
    journal.fermer()


def test_fermer_ecrit_et_synchronise_ce_qui_attend_encore(tmp_path):
    journal = Journal(tmp_path / "journal", intervalle=0)
    journal.demarrer()
    rappels = []

    async def soumettre_sans_attendre():
        for numero in range(5):
            journal.soumettre(f"n°{numero}".encode(), numero, rappels.append)

    boucle = asyncio.new_event_loop()
    boucle.run_until_complete(soumettre_sans_attendre())
    journal.fermer()  # la boucle est arrêtée : la réponse n'a pas été lue
    boucle.close()
    assert rappels == [None] * 5
    assert journal.prendre_ecrits() == ([0, 1, 2, 3, 4], 5)
    assert contenus_rejoues(tmp_path / "journal") == [f"n°{n}".encode() for n in range(5)]


def test_le_journal_change_de_boucle_quand_l_ancienne_est_arretee(journal):
    async def un(contenu):
        futur = asyncio.get_running_loop().create_future()
        journal.soumettre(contenu, contenu, futur.set_result)
        await futur

    asyncio.run(un(b"premiere boucle"))
    asyncio.run(un(b"seconde boucle"))
    assert journal.prendre_ecrits()[0] == [b"premiere boucle", b"seconde boucle"]


def test_soumettre_depuis_une_autre_boucle_en_marche_est_refuse(journal):
    liee, fin = threading.Event(), threading.Event()

    def autre_boucle():
        async def tenir():
            futur = asyncio.get_running_loop().create_future()
            journal.soumettre(b"ailleurs", None, futur.set_result)
            await futur
            liee.set()
            while not fin.is_set():
                await asyncio.sleep(0.01)

        asyncio.run(tenir())

    fil = threading.Thread(target=autre_boucle)
    fil.start()
    liee.wait()
    try:
        async def essayer():
            assert not journal.peut_soumettre()
            with pytest.raises(RuntimeError):
                journal.soumettre(b"ici", None)

        asyncio.run(essayer())
    finally:
        fin.set()
        fil.join()


def test_en_panne_chaque_refus_est_une_erreur_neuve(tmp_path):
    # Relever toujours la même instance allongerait sa trace de pile à chaque refus.
    journal = Journal(tmp_path / "journal")
    journal._tomber_en_panne(OSError(5, "disque illisible"))
    refus = []
    for _ in range(2):
        with pytest.raises(JournalEnPanne) as erreur:
            journal.ecrire(b"contenu")
        refus.append(erreur.value)
    assert refus[0] is not refus[1] and refus[0] is not journal.panne
    assert str(refus[0]) == str(journal.panne) == "[Errno 5] disque illisible"


def test_tourner_efface_le_segment_courant_tout_materialise_et_assez_vieux(tmp_path):
    dossier = tmp_path / "journal"
    journal = Journal(dossier)
    journal.demarrer()
    assert not journal.tourner(0, age=0)  # segment vide : rien à faire
    journal.ecrire(b"lea@exemple.fr", 1)
    assert not journal.tourner(0, age=0)  # pas encore matérialisé
    assert not journal.tourner(1, age=3600)  # trop jeune
    assert journal.tourner(1, age=0)
    assert [p.name for p in dossier.glob("*.journal")] == ["000000000002.journal"]
    journal.ecrire(b"suivant", 2)
    journal.fermer()
    assert contenus_rejoues(dossier) == [b"suivant"]
