"""Les vecteurs partagés avec le navigateur (vecteurs.json) sont bien ce que font les fonctions
Python : une mise à jour de snowballstemmer, ou un changement de texte.py, se voit ici (et
`make regenerer` réécrit les sorties ; le test du navigateur dit alors si JavaScript suit)."""

import json

from tests.arbre.recherche.vecteurs import FICHIER, calculer, ecrire
from tests.conftest import REGENERER


def test_les_vecteurs_partages_sont_ceux_des_fonctions_python():
    enregistres = json.loads(FICHIER.read_text(encoding="utf-8"))
    calcules = calculer(enregistres)
    if REGENERER:
        ecrire(calcules)
    assert calcules == enregistres
