from __future__ import annotations

import pytest

from fonctions.domaine.suivi import ActionImpossible
from fonctions.points_d_entree.lien_par_courriel import ADRESSE_INVALIDE, adresse_valide, courriel_du_lien


def test_l_adresse_saisie_est_nettoyee_ou_refusee_en_francais():
    assert adresse_valide("  lea@exemple.fr\n") == "lea@exemple.fr"
    for valeur in ["", "lea", "lea@exemple", "lea @exemple.fr", "a@b.fr\nBcc: x@y.fr",
                   "x" * 250 + "@exemple.fr", None, ["lea@exemple.fr"]]:
        with pytest.raises(ActionImpossible) as refus:
            adresse_valide(valeur)
        assert (refus.value.message, refus.value.statut) == (ADRESSE_INVALIDE, 422)


def test_le_courriel_nomme_le_probleme_le_lieu_et_la_reference():
    signalement = {"reference": "AIG-7K3M-Q9", "noeud": {"libelle": "Un lampadaire éteint"},
                   "commune": {"insee": "56077", "nom": "Le Guerno"}}
    message = courriel_du_lien(signalement, "https://x.example.org/api/suivi/AIG-7K3M-Q9.abc",
                               "lea@exemple.fr", "aiguillage@val-d-essai.example.org", "Val d'Essai")
    assert message["Subject"] == "Votre lien de suivi : Un lampadaire éteint, au Guerno (AIG-7K3M-Q9)"
    assert message["From"] == "aiguillage@val-d-essai.example.org"
    assert message["Message-ID"].endswith("@val-d-essai.example.org>")
    assert message.get_content().startswith(
        "Bonjour,\n\nVoici le lien pour suivre votre signalement AIG-7K3M-Q9 (Un lampadaire "
        "éteint, au Guerno) :\n\nhttps://x.example.org/api/suivi/AIG-7K3M-Q9.abc\n\n")
    assert message.get_content().endswith("--\nVal d'Essai, avec Aiguillage\n")


def test_sans_commune_le_courriel_ne_nomme_que_le_probleme():
    signalement = {"reference": "AIG-7K3M-Q9", "noeud": {"libelle": "Un autre problème"},
                   "commune": None}
    message = courriel_du_lien(signalement, "https://x/api/suivi/j", "lea@exemple.fr",
                               "aiguillage@exemple.org", "Val d'Essai")
    assert message["Subject"] == "Votre lien de suivi : Un autre problème (AIG-7K3M-Q9)"
    assert "(Un autre problème) :" in message.get_content()
