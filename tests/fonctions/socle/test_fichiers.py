from __future__ import annotations

import threading

from fonctions.socle.fichiers import Verrous, ecrire_atomiquement, verrou_non_bloquant


def test_une_ecriture_atomique_remplace_le_fichier_et_cree_le_dossier(tmp_path):
    chemin = tmp_path / "a" / "b" / "fichier.json"
    ecrire_atomiquement(chemin, b"un")
    ecrire_atomiquement(chemin, b"deux")
    assert chemin.read_bytes() == b"deux"
    assert [p.name for p in chemin.parent.iterdir()] == ["fichier.json"]


def test_un_verrou_non_bloquant_exclut_une_seconde_ouverture(tmp_path):
    chemin = tmp_path / "x.verrou"
    with verrou_non_bloquant(chemin) as premier:
        assert premier
        with verrou_non_bloquant(chemin) as second:
            assert not second
    with verrou_non_bloquant(chemin) as encore:
        assert encore


def test_les_verrous_partages_serialisent_les_fils(tmp_path):
    verrous = Verrous(tmp_path, nombre=4)
    compteur = {"n": 0, "max": 0}

    def travailler():
        for _ in range(200):
            with verrous.tenir("meme-nom"):
                compteur["n"] += 1
                compteur["max"] = max(compteur["max"], compteur["n"])
                compteur["n"] -= 1

    fils = [threading.Thread(target=travailler) for _ in range(8)]
    for fil in fils:
        fil.start()
    for fil in fils:
        fil.join()
    assert compteur["max"] == 1
    verrous.fermer()
