from __future__ import annotations

from aides_fonctions import dossier_de_test

from fonctions.transmission.aucune import CanalAucune


def test_le_canal_aucune_reussit_sans_rien_envoyer(modele):
    dossier = dossier_de_test(modele, noeud="eclairage/lampadaire-eteint", commune=None,
                              **{"question-taille": None})
    recu = CanalAucune().transmettre(dossier)
    assert recu.message == ("Aucune transmission automatique vers Syndicat d'énergie du Val "
                            "d'Essai.")
    assert recu.donnees == {}
