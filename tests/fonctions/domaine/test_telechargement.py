"""« Télécharger mes données » : le fichier dit aussi quand chaque donnée sera effacée."""

from __future__ import annotations

from aides_suivi import agir, lien_agent, poster

from fonctions.domaine.telechargement import export_du_signalement


def test_le_fichier_d_un_signalement_clos_donne_les_dates_d_effacement(
    client, boite, expediteur, stockage, reglages, horloge
):
    corps = poster(client, courriel="lea@exemple.fr")
    boite.traiter_une_fois()
    horloge.avancer(days=3)
    agir(client, lien_agent(expediteur.messages[-1]), "resolu")
    document = stockage.lire_signalement(corps["reference"])
    donnees = export_du_signalement(stockage, document, reglages, "La coordination")
    assert donnees["etat"] == "Résolu"
    assert donnees["conservation"] == {
        "clos_le": "2025-03-13T09:00:00+00:00",
        "coordonnees_effacees_le": None,
        "coordonnees_effacees_au_plus_tard_le": "2025-04-12T09:00:00+00:00",
        "anonymise_au_plus_tard_le": "2026-03-13T09:00:00+00:00",
        "tant_que_le_signalement_est_ouvert": (
            "Rien n'est effacé : les durées courent à partir de la clôture."
        ),
    }
    assert donnees["chronologie"][-1]["type"] == "resolu"
    assert "sel" not in str(donnees) and "abonnements_push" not in donnees
