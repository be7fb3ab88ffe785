from __future__ import annotations

from fonctions.points_d_entree.annuaire import services_par_nature


def test_les_services_sont_groupes_par_nature_dans_un_ordre_stable(modele):
    groupes = services_par_nature(modele, sauf="mairie-bourg-les-essais")
    assert [g["nature"] for g in groupes] == [
        "Communes", "Intercommunalités", "Syndicats", "Opérateurs de réseaux"]
    assert groupes[0]["services"] == [{"id": "mairie-saint-exemple",
                                       "nom": "Mairie de Saint-Exemple"}]
    assert groupes[2]["services"][0]["nom"] == (
        "Syndicat d'énergie du Val d'Essai (ne reçoit rien par Aiguillage : le citoyen sera "
        "invité à le joindre)")
