from __future__ import annotations

import pytest

from arbre.regles import regles_du_formulaire
from fonctions.domaine.regles import Regles, nombre_fr


def test_un_nombre_est_ecrit_a_la_francaise():
    assert [nombre_fr(n) for n in (3, 300, 4000, 1234567)] == [
        "3", "300", "4\u202f000", "1\u202f234\u202f567"]


def test_sans_regles_dans_le_modele_ce_sont_celles_d_arbre():
    assert Regles().brutes == regles_du_formulaire()
    assert Regles(None).description_max == 4000


def test_un_message_est_rempli_et_ses_entiers_ecrits_a_la_francaise():
    regles = Regles()
    assert regles.message("description_trop_longue", longueur=4001, max=4000) == (
        "La description fait 4\u202f001 caractères ; 4\u202f000 au plus.")
    assert regles.message("reponse_manquante", libelle="Un {piège} ?") == (
        "Répondez à la question « Un {piège} ? ».")


@pytest.mark.parametrize(("courriel", "valide"), [
    ("lea@exemple.fr", True), ("lea@exemple.fr\n", False), ("lea @exemple.fr", False),
    ("lea\u202f@exemple.fr", False), ("lea@exemple", False), ("a" * 65 + "@b.fr", False),
])
def test_les_motifs_valent_pour_tout_le_texte(courriel, valide):
    assert bool(Regles().courriel.fullmatch(courriel)) is valide


def test_les_separateurs_d_un_numero_sont_retires():
    assert Regles().separateurs.sub("", "06\u00a012.34-56 (78)") == "0612345678"
