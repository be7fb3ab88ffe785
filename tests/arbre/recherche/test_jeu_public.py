"""Les 100 requêtes publiques de citoyens (requetes.yaml), cherchées avec le moteur Python
sur le contenu de démonstration : au moins 90 % trouvées parmi les trois premiers résultats,
aucune sans résultat. Le même jeu est cherché dans Chromium par
tests/navigateur/test_recherche.py, et mesuré par `make bench`."""

import json

import pytest

from arbre.recherche.moteur import Index
from tests.arbre.recherche.jeu_public import OBJECTIF, ORIGINAL, REQUETES, evaluer, lire_requetes


def test_la_copie_du_jeu_public_est_celle_du_dossier_partage():
    if not ORIGINAL.exists():
        pytest.skip(f"{ORIGINAL} est absent sur cette machine : rien à comparer")
    copie = REQUETES.read_text(encoding="utf-8").split("\n", 3)[3]  # sans l'en-tête de la copie
    assert copie == ORIGINAL.read_text(encoding="utf-8")


def test_le_jeu_public_a_cent_requetes_de_citoyens():
    requetes = lire_requetes()
    assert len(requetes) == len({r.id for r in requetes}) == 100


def test_le_moteur_trouve_le_bon_service_pour_90_pour_cent_des_requetes(site_demo):
    modele = json.loads((site_demo / "modele.json").read_text(encoding="utf-8"))
    index = Index(json.loads((site_demo / "recherche.json").read_text(encoding="utf-8")))
    resultats = {r.id: [index.adresse(p, r.insee) for p, _ in index.chercher(r.texte)]
                 for r in lire_requetes()}
    bilan = evaluer(modele, resultats)
    print(bilan.texte())
    assert not bilan.sans_resultat, bilan.texte()
    assert bilan.taux >= OBJECTIF, bilan.texte()
