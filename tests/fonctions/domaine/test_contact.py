from __future__ import annotations

from fonctions.domaine.contact import contact_a_garder, contact_pour_le_service, courriel_pour_informer

ANCIEN = {"contact": {"courriel": "lea@exemple.fr", "telephone": "0612345678",
                      "consentement": True}}


def test_rien_n_est_garde_sans_coordonnees():
    assert contact_a_garder(None, None, True) is None
    assert contact_a_garder(None, None, False) is None


def test_une_adresse_pour_etre_tenu_au_courant_est_gardee_sans_l_accord_du_service():
    assert contact_a_garder("lea@exemple.fr", None, False) == {
        "courriel": "lea@exemple.fr", "telephone": None, "consentement": False}


def test_le_service_ne_voit_rien_sans_l_accord_du_citoyen():
    signalement = {"contact": contact_a_garder("lea@exemple.fr", None, False)}
    assert contact_pour_le_service(signalement) is None
    assert courriel_pour_informer(signalement) == "lea@exemple.fr"  # il reste informé


def test_avec_l_accord_le_service_voit_l_adresse_et_le_telephone():
    signalement = {"contact": contact_a_garder("lea@exemple.fr", "0612345678", True)}
    assert contact_pour_le_service(signalement) == {
        "courriel": "lea@exemple.fr", "telephone": "0612345678", "consentement": True}


def test_un_signalement_d_avant_les_deux_choix_se_lit_de_la_meme_facon():
    assert contact_pour_le_service(ANCIEN) == ANCIEN["contact"]
    assert courriel_pour_informer(ANCIEN) == "lea@exemple.fr"
    assert contact_pour_le_service({"contact": None}) is None
    assert courriel_pour_informer({}) is None


def test_l_accord_sans_coordonnees_ne_donne_rien_au_service():
    assert contact_pour_le_service({"contact": {"courriel": None, "telephone": None,
                                                "consentement": True}}) is None
