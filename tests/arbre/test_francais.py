"""Élision et contraction : « d'Ambon », « du Guerno », « au Guerno », jamais « de Ambon »."""

import pytest

from arbre.communes_officielles import communes
from arbre.francais import a_la_commune, de_la_commune, de_service, fautes_d_elision


@pytest.mark.parametrize(("nom", "attendu"), [
    ("Muzillac", "à Muzillac"),
    ("Le Guerno", "au Guerno"),
    ("La Roche-Bernard", "à La Roche-Bernard"),
    ("Les Fougerêts", "aux Fougerêts"),
    ("L'Hermitage", "à L'Hermitage"),
    ("Ambon", "à Ambon"),
])
def test_a_la_commune_contracte_le_et_les(nom, attendu):
    assert a_la_commune(nom) == attendu


@pytest.mark.parametrize(("code", "attendu"), [
    ("56143", "de Muzillac"),
    ("56002", "d'Ambon"),
    ("56077", "du Guerno"),
    ("56195", "de La Roche-Bernard"),
    ("56083", "d'Hennebont"),  # h muet : l'INSEE le sait
    ("67180", "de Haguenau"),  # h aspiré
    ("22389", "d'Yffiniac"),
    ("56060", "des Fougerêts"),
])
def test_de_la_commune_suit_le_type_de_nom_de_l_insee(code, attendu):
    commune = communes()[code]
    assert de_la_commune(commune.nom, commune.tncc) == attendu


@pytest.mark.parametrize(("nom", "attendu"), [
    ("Enedis, dépannage électricité", "d'Enedis, dépannage électricité"),
    ("Mairie de Muzillac", "de Mairie de Muzillac"),
    ("Le Logis de l'Arc Sud", "du Logis de l'Arc Sud"),
    ("Hôtel de ville", "de Hôtel de ville"),  # un h peut être aspiré : jamais élidé sans savoir
    ("Yacht-club", "de Yacht-club"),
])
def test_de_service_elide_devant_une_voyelle_seulement(nom, attendu):
    assert de_service(nom) == attendu


COMMUNES = [(c.nom, c.tncc) for c in (communes()[code] for code in ("56002", "56077", "56195",
                                                                   "56083", "67180"))]


@pytest.mark.parametrize(("nom", "corrige"), [
    ("Mairie de Ambon", "Mairie d'Ambon"),
    ("Mairie de Le Guerno", "Mairie du Guerno"),
    ("Police municipale à Le Guerno", "Police municipale au Guerno"),
    ("Mairie de Hennebont", "Mairie d'Hennebont"),
    ("Syndicat du bassin de Arzal", "Syndicat du bassin d'Arzal"),
    ("Maison de Les Fougerêts", "Maison des Fougerêts"),
    ("Fermé parce que il pleut", "Fermé parce qu'il pleut"),
    ("Le dépôt que il a vu", "Le dépôt qu'il a vu"),
    ("Syndicat de la eau", "Syndicat de l'eau"),
    ("Service de Urbanisme", "Service d'Urbanisme"),
])
def test_une_faute_d_elision_est_trouvee_avec_le_nom_corrige(nom, corrige):
    fautes = fautes_d_elision(nom, COMMUNES)
    assert fautes and fautes[0].corrige == corrige


@pytest.mark.parametrize("nom", [
    "Mairie de La Roche-Bernard", "Mairie de Haguenau", "Mairie d'Ambon", "Mairie du Guerno",
    "Syndicat d'énergie Vilaine Atlantique", "Communauté de communes de la Vilaine",
    "Logis de l'Arc Sud", "Gendarmerie de Muzillac", "Service de Hôtel de ville", "Le onze",
    "Syndicat de la Arz", "Maison des Ateliers", "Demandez-lui de le faire",
    "Le service de le détruire", "Le hall de la gare",
])
def test_un_nom_bien_ecrit_n_est_pas_signale(nom):
    assert fautes_d_elision(nom, COMMUNES) == []


def test_une_commune_hors_du_territoire_suit_aussi_son_type_de_nom(tmp_path):
    from arbre.erreurs import Rapport
    from arbre.territoire import verifier_elision

    rapport = Rapport()
    for nom in ("Mairie de Hennebont", "Mairie de Haguenau", "Mairie de Le Havre", "Mairie d'Hennebont"):
        verifier_elision(nom, "« nom »", "contenu/gestionnaires/x.md", 2, rapport)
    assert [str(e) for e in rapport.erreurs] == [
        "contenu/gestionnaires/x.md, ligne 2 : « nom » : « Mairie de Hennebont » ne s'écrit pas "
        "ainsi (« d'Hennebont » et non « de Hennebont »).\n  → Écrivez « Mairie d'Hennebont ».",
        "contenu/gestionnaires/x.md, ligne 2 : « nom » : « Mairie de Le Havre » ne s'écrit pas "
        "ainsi (« du Havre » et non « de Le Havre »).\n  → Écrivez « Mairie du Havre ».",
    ]
