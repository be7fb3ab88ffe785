"""Les textes tout prêts : rien ne manque, rien n'est du HTML, tout est en français simple."""

from __future__ import annotations

from fonctions import textes
from fonctions.statuts import DECLARABLES


def test_chaque_statut_qu_un_service_declare_a_son_texte_tout_pret():
    for statut in DECLARABLES:
        assert textes.MESSAGES_POUR_LE_CITOYEN[statut].strip(), statut
    assert textes.MESSAGES_POUR_LE_CITOYEN["message"] == ""


def test_aucun_texte_n_est_du_html_ni_trop_long():
    tous = [*textes.MESSAGES_POUR_LE_CITOYEN.values(), *textes.MOTIFS_DE_CLOTURE,
            *textes.MOTIFS_HORS_RESSORT, *textes.TITRES.values()]
    for texte in tous:
        assert "<" not in texte and len(texte) <= 200, texte


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
