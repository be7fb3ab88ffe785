"""Les durées de conservation : une source (arbre/conservation.py), lue par la page « Vos
données personnelles » à la construction et par les réglages des fonctions."""

import os
from pathlib import Path

import pytest

from arbre.conservation import (
    DUREES_PAR_DEFAUT,
    Durees,
    lire_durees,
    remplir,
)
from arbre.erreurs import ErreursContenu
from arbre.modele import construire_modele
from fonctions.socle.reglages import lire_reglages
from tests.conftest import PETIT

CONTENU = Path(__file__).parents[2] / "contenu"


def texte_de_la_page(modele: dict) -> str:
    return modele["pages"]["donnees-personnelles"]["texte_html"]


def test_la_page_du_vrai_contenu_annonce_ce_que_les_fonctions_appliquent_par_defaut(monkeypatch):
    for variable in ("AIGUILLAGE_COORDONNEES_JOURS", "AIGUILLAGE_CONSERVATION_MOIS"):
        monkeypatch.delenv(variable, raising=False)
    modele = construire_modele(CONTENU, "contenu")
    reglages = lire_reglages({})
    assert modele["conservation"] == {
        "coordonnees_jours": reglages.coordonnees_jours,
        "conservation_mois": reglages.conservation_mois,
        "recherches_vides_jours": 90,
    }
    texte = texte_de_la_page(modele)
    assert "effacées 30 jours\n  après la clôture du signalement" in texte
    assert "jusqu'à la clôture,\n  puis 12 mois ;" in texte
    assert "Mots des recherches sans résultat : 90 jours, puis effacés." in texte
    assert "{{" not in texte


def test_les_memes_variables_reglent_la_page_et_les_fonctions(monkeypatch):
    monkeypatch.setenv("AIGUILLAGE_COORDONNEES_JOURS", "7")
    monkeypatch.setenv("AIGUILLAGE_CONSERVATION_MOIS", "24")
    modele = construire_modele(PETIT, "contenu")
    texte = texte_de_la_page(modele)
    assert "Coordonnées effacées 7 jours après la clôture" in texte
    assert "le reste gardé\n24 mois ;" in texte
    reglages = lire_reglages(os.environ)
    assert (reglages.coordonnees_jours, reglages.conservation_mois) == (7, 24)
    assert modele["conservation"]["coordonnees_jours"] == 7


def test_une_duree_invalide_arrete_la_construction_et_les_fonctions(monkeypatch):
    monkeypatch.setenv("AIGUILLAGE_CONSERVATION_MOIS", "douze")
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(PETIT, "contenu")
    message = "AIGUILLAGE_CONSERVATION_MOIS doit être un nombre de mois entre 1 et 120 (par défaut 12)."
    assert message in str(erreur.value)
    assert lire_durees({"AIGUILLAGE_CONSERVATION_MOIS": "douze"}) == (DUREES_PAR_DEFAUT, [message])


def test_remplir_ecrit_chaque_duree_en_toutes_lettres():
    texte = "{{ coordonnees_apres_cloture }}, {{conservation}}, {{ recherches_vides }}, {{ x }}"
    assert remplir(texte, Durees(coordonnees_jours=1, conservation_mois=6)) == (
        "1 jour, 6 mois, 90 jours, {{ x }}"
    )
    assert remplir("{{ coordonnees_apres_cloture }}", Durees(coordonnees_jours=0)) == ("le jour même")
