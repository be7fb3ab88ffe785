"""Les phrases d'Aiguillage : rien ne manque, rien n'est du HTML, tout est en français simple."""

from __future__ import annotations

from arbre.agents import AVEC_MESSAGE, BOUTONS
from fonctions.domaine import textes
from fonctions.domaine.statuts import DECLARABLES


def test_chaque_statut_qu_un_service_declare_a_son_bouton_et_son_message_dans_le_contenu(
        modele):
    """Les messages proposés aux agents sont dans le contenu (contenu/agents.md), plus ici."""
    assert set(BOUTONS) == {*DECLARABLES, "message"}
    assert set(AVEC_MESSAGE) == set(DECLARABLES)
    for statut in DECLARABLES:
        assert modele.message_propose(statut).strip(), statut
    assert modele.message_propose("message") == ""
    assert not hasattr(textes, "MESSAGES_POUR_LE_CITOYEN")


def test_aucun_texte_n_est_du_html_ni_trop_long():
    for texte in textes.TITRES.values():
        assert "<" not in texte and len(texte) <= 200, texte


def test_la_date_d_une_intervention_se_dit_en_une_phrase():
    assert textes.dire_intervention_prevue("vendredi 14 mars 2025") == (
        "Intervention prévue le vendredi 14 mars 2025.")


def test_le_refus_dit_qui_pourquoi_et_qui_l_a_maintenant():
    assert textes.dire_hors_ressort("Mairie A", "Hors compétence.", "", "Service B", "La coord") == (
        "Mairie A indique que ce n'est pas de son ressort : « Hors compétence ». Votre "
        "signalement est transmis à Service B, qui l'a maintenant.")
    assert textes.dire_hors_ressort("Mairie A", "", "", None, "La coordination") == (
        "Mairie A indique que ce n'est pas de son ressort. La coordination l'a maintenant et "
        "cherche le bon service pour vous.")


def test_un_service_dont_le_nom_commence_par_le_est_ecrit_au():
    assert textes.dire_transmis("Le Logis de l'Arc Sud") == (
        "Votre signalement a été transmis au Logis de l'Arc Sud.")
    assert textes.dire_reattribue("La coordination", "Enedis", "") == (
        "La coordination a confié votre signalement à Enedis.")
