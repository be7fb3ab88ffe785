"""Chercher dans l'index (arbre/recherche/moteur.py) : ce que trouve une requête, et dans quel
ordre. Le navigateur fait la même chose (tests/navigateur/test_recherche.py le vérifie)."""

import pytest

from arbre.recherche.moteur import Index, distance, fautes_permises
from tests.arbre.recherche.aides import index, page, trouves

POUBELLE = page("poubelle", "Une poubelle non ramassée", mots_cles=["bac", "ordures"])
LAMPADAIRE = page("lampadaire", "Un lampadaire éteint", mots_cles=["éclairage"])
EGOUT = page("egout", "Un égout bouché", mots_cles=["odeur"])


@pytest.mark.parametrize(("a", "b", "attendue"), [
    ("lampadere", "lampadaire", 2), ("poubele", "poubelle", 1), ("trotoir", "trottoir", 1),
    ("ordrues", "ordures", 1), ("route", "rouge", 1), ("abc", "abc", 0), ("", "abc", 3),
])
def test_distance_compte_les_fautes_de_frappe(a, b, attendue):
    assert distance(a, b, 3) == attendue


def test_distance_s_arrete_des_que_la_limite_est_depassee():
    assert distance("lampadaire", "poubelle", 2) == 3
    assert distance("a", "abcd", 1) == 2


def test_fautes_permises_selon_la_longueur_du_mot():
    assert [fautes_permises("x" * n) for n in (3, 4, 5, 7, 8, 12)] == [0, 0, 1, 1, 2, 2]


def test_un_pluriel_ou_un_verbe_conjugue_trouve_la_page():
    idx = index(POUBELLE, LAMPADAIRE, EGOUT)
    assert trouves(idx, "poubelles ramassées") == ["Une poubelle non ramassée"]
    assert trouves(idx, "les égouts sont bouchés") == ["Un égout bouché"]


def test_sans_accents_ni_majuscules_on_trouve_aussi():
    idx = index(POUBELLE, LAMPADAIRE, EGOUT)
    assert trouves(idx, "EGOUT BOUCHE") == ["Un égout bouché"]
    assert trouves(idx, "eclairage") == ["Un lampadaire éteint"]


def test_une_faute_dans_un_mot_de_cinq_lettres_et_deux_dans_un_mot_de_huit():
    idx = index(POUBELLE, LAMPADAIRE, EGOUT)
    assert trouves(idx, "poubele") == ["Une poubelle non ramassée"]
    assert trouves(idx, "lampadère") == ["Un lampadaire éteint"]
    assert trouves(idx, "ordrues") == ["Une poubelle non ramassée"]  # deux lettres inversées


def test_pas_de_faute_permise_dans_un_mot_de_quatre_lettres():
    idx = index(page("bac", "Un bac cassé"))
    assert trouves(idx, "bqc") == []


def test_un_debut_de_mot_trouve_le_mot():
    idx = index(POUBELLE, LAMPADAIRE, EGOUT)
    assert trouves(idx, "egou") == ["Un égout bouché"]
    assert trouves(idx, "lampa") == ["Un lampadaire éteint"]


def test_un_mot_bien_ecrit_ne_cherche_pas_ses_voisins():
    idx = index(page("route", "Une route abîmée"), page("feu", "Un feu rouge en panne"))
    assert trouves(idx, "route") == ["Une route abîmée"]
    assert trouves(idx, "rouge") == ["Un feu rouge en panne"]


def test_un_mot_court_n_est_pas_pris_pour_le_debut_d_un_autre():
    idx = index(page("plage", "Une plage sale", mots_cles=["marin", "sable"]),
                page("violence", "Des violences", mots_cles=["mari", "conjoint"]))
    assert trouves(idx, "mari") == ["Des violences"]


def test_un_mot_a_racine_courte_trouve_d_abord_sa_propre_forme():
    idx = index(page("maree", "Une grande marée inonde la route"),
                page("violence", "Des violences", sorte="question", mots_cles=["mari violent"]))
    assert trouves(idx, "mari") == ["Des violences", "Une grande marée inonde la route"]


def test_aucun_mot_n_est_exige():
    idx = index(POUBELLE, LAMPADAIRE, EGOUT)
    assert trouves(idx, "poubelle licorne arc en ciel") == ["Une poubelle non ramassée"]


def test_une_page_qui_trouve_plus_de_mots_passe_devant():
    idx = index(page("eau", "Une fuite d'eau"), page("rue", "Une fuite d'eau dans la rue"))
    assert trouves(idx, "fuite d'eau rue") == ["Une fuite d'eau dans la rue", "Une fuite d'eau"]


def test_libelle_avant_mots_cles_avant_indice_avant_texte():
    idx = index(page("texte", "Texte", texte="arbre"), page("indice", "Indice", indice="un arbre"),
                page("mots", "Mots", mots_cles=["arbre"]), page("fort", "Un arbre"))
    assert trouves(idx, "arbre") == ["Un arbre", "Mots", "Indice", "Texte"]


def test_un_mot_rare_compte_plus_qu_un_mot_courant():
    pages = [page(f"rue{i}", f"Dans la rue {i}") for i in range(6)]
    idx = index(*pages, page("trou", "Un trou"))
    assert trouves(idx, "trou rue")[0] == "Un trou"


def test_une_question_ne_passe_jamais_devant_une_issue_qui_trouve_aussi_bien():
    idx = index(page("q", "Un lampadaire", sorte="question"), page("issue", "Un lampadaire"))
    assert trouves(idx, "lampadaire") == ["Un lampadaire", "Un lampadaire"]
    assert [r.sorte for r in idx.afficher("lampadaire")] == ["transmission", "question"]


def test_a_egalite_l_urgence_passe_devant():
    idx = index(page("tricolore", "Un feu tricolore"), page("incendie", "Un feu", sorte="urgence"))
    assert [r.sorte for r in idx.afficher("feu")] == ["urgence", "transmission"]


def test_a_egalite_parfaite_l_ordre_du_parcours_reste():
    idx = index(page("a", "Un banc"), page("b", "Un banc"))
    assert [r.adresse for r in idx.afficher("banc")] == ["/a/", "/b/"]


def test_des_mots_vides_seuls_ne_trouvent_rien():
    assert trouves(index(POUBELLE), "il y a un") == []
    assert trouves(index(POUBELLE), "") == []


def test_un_mot_repete_ne_compte_qu_une_fois():
    idx = index(POUBELLE, LAMPADAIRE)
    assert idx.chercher("poubelle poubelle POUBELLE") == idx.chercher("poubelle")


def test_huit_resultats_au_plus():
    idx = index(*(page(f"p{i}", f"Un banc {i}") for i in range(12)))
    assert len(idx.chercher("banc")) == 8
    assert len(idx.chercher("banc", limite=3)) == 3


def test_le_service_et_l_adresse_suivent_la_commune():
    idx = index(page("nid", "Un nid-de-poule", par_commune={
        "56143": "mairie-muzillac", "56195": "mairie-la-roche-bernard"}), page("gaz", "Du gaz",
                                                                                gestionnaire="grdf"))
    [nid] = idx.afficher("nid de poule", "56195")
    assert (nid.adresse, nid.service) == ("/nid/la-roche-bernard/", "Mairie de La Roche-Bernard")
    [nid] = idx.afficher("nid de poule")
    assert (nid.adresse, nid.service) == ("/nid/", None)
    [nid] = idx.afficher("nid de poule", "99999")  # commune inconnue : comme sans commune
    assert (nid.adresse, nid.service) == ("/nid/", None)
    [gaz] = idx.afficher("gaz", "56195")
    assert (gaz.adresse, gaz.service) == ("/gaz/", "GRDF")


def test_le_moteur_emploie_les_mots_vides_de_son_index():
    idx = index(page("porte", "Une porte cassée"))
    assert trouves(idx, "porte") == ["Une porte cassée"]
    autres_vides = dict(idx.donnees, mots_vides=[*idx.donnees["mots_vides"], "porte"])
    assert trouves(Index(autres_vides), "porte") == []
