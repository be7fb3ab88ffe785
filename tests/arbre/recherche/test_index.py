"""L'index de la recherche (arbre/recherche/index.py), construit à partir du modèle."""

from arbre.modele import construire_modele
from arbre.recherche.fichiers import fichiers_recherche
from arbre.recherche.index import VERSION, coder_postes, index_recherche
from arbre.recherche.moteur import Index, decoder_postes
from arbre.recherche.texte import MOTS_VIDES
from tests.arbre.recherche.aides import index, modele, page, trouves
from tests.conftest import PETIT


def test_l_index_du_petit_contenu():
    donnees = index_recherche(construire_modele(PETIT, "contenu"))
    assert donnees["version"] == VERSION
    assert donnees["pages"] == [
        ["/voirie/", "La rue, le trottoir", "", "question", None],
        ["/voirie/nid-de-poule/", "Un nid-de-poule", "La rue, le trottoir", "transmission",
         "voirie-communale"],
        ["/gaz/", "Une odeur de gaz", "", "orientation", 2],
        ["/dechets/", "Une poubelle non ramassée", "", "transmission", 3],
        ["/partages/arbre-tombe/", "Un arbre tombé", "", "question", None],
        ["/partages/arbre-tombe/sur-un-fil/", "Oui, il touche un fil", "Un arbre tombé",
         "urgence", None],
        ["/partages/arbre-tombe/sur-la-route/", "Non, il bloque la rue", "Un arbre tombé",
         "transmission", "voirie-communale"],
    ]
    assert donnees["services"] == ["Mairie de Muzillac", "Mairie de La Roche-Bernard",
                                   "GRDF – Urgence Sécurité Gaz", "Communauté de communes d'Essai"]
    assert donnees["competences"] == {"voirie-communale": {"56143": 0, "56195": 1}}
    assert donnees["communes"] == [["56143", "muzillac", "Muzillac"],
                                   ["56195", "la-roche-bernard", "La Roche-Bernard"]]
    assert donnees["mots_vides"] == sorted(MOTS_VIDES)
    assert donnees["termes"] == sorted(donnees["termes"])
    assert len(donnees["postes"]) == len(donnees["termes"])


def test_chaque_terme_garde_le_champ_le_plus_fort_de_chaque_page():
    donnees = index_recherche(modele(page("a", "Un trou", mots_cles=["trou"], texte="trou")))
    assert Index(donnees).postes[donnees["termes"].index("trou")] == [0 * 4 + 0]


def test_les_postes_s_ecrivent_en_ecarts_et_se_relisent():
    postes = [(0, 3), (1, 0), (2, 2), (9, 1), (40, 3), (1_000, 0), (70_000, 2)]
    texte = coder_postes(postes)
    assert texte.isascii() and texte.replace("-", "").replace("_", "").isalnum()
    assert texte[:3] == "302"  # pages qui se suivent : le champ seul, un chiffre
    assert decoder_postes(texte) == [page * 4 + champ for page, champ in postes]
    assert decoder_postes("") == []


def test_un_index_de_version_2_se_lit_encore_et_trouve_la_meme_chose():
    """Un téléphone peut garder l'index d'avant (version 2 : des listes d'entiers)."""
    v3 = index_recherche(construire_modele(PETIT, "contenu"))
    v2 = {**v3, "version": 2, "postes": [decoder_postes(p) for p in v3["postes"]]}
    for requete in ("arbre tombé sur la rue", "odeur de gaz", "poubele", "nid"):
        assert Index(v2).afficher(requete, "56143") == Index(v3).afficher(requete, "56143")


def test_le_libelle_d_un_renvoi_fait_trouver_la_page_visee():
    idx = Index(index_recherche(construire_modele(PETIT, "contenu")))
    assert idx.afficher("arbre tombé sur la rue")[0].adresse == "/partages/arbre-tombe/"


def test_les_pages_au_dessus_d_une_page_la_font_trouver():
    idx = Index(index_recherche(construire_modele(PETIT, "contenu")))
    assert [r.adresse for r in idx.afficher("arbre touche un fil")][:1] == [
        "/partages/arbre-tombe/sur-un-fil/"]


def test_ni_l_accueil_ni_une_page_inatteignable_ne_sont_dans_l_index():
    perdue = page("perdue", "Une page perdue")
    perdue["inatteignable"] = True
    donnees = index_recherche(modele(page("a", "Un banc"), perdue))
    assert [p[0] for p in donnees["pages"]] == ["/a/"]


def test_un_synonyme_trouve_la_page_ou_l_un_des_mots_de_son_groupe_apparait():
    idx = index(page("dechets", "Des déchets dans la rue"), page("banc", "Un banc"),
                synonymes=[["ordures", "détritus", "déchets"], ["nid de poule", "trou dans la route"]])
    assert trouves(idx, "détritus") == ["Des déchets dans la rue"]
    assert trouves(idx, "ordures") == ["Des déchets dans la rue"]


def test_un_synonyme_de_plusieurs_mots_demande_tous_ses_mots():
    synonymes = [["nid de poule", "trou dans la route"]]
    idx = index(page("nid", "Un nid de poule"), page("poule", "Une poule égarée"), synonymes=synonymes)
    assert trouves(idx, "trou route") == ["Un nid de poule"]
    assert trouves(idx, "trou") == ["Un nid de poule"]


def test_un_synonyme_compte_comme_un_mot_cle_jamais_comme_un_libelle():
    idx = index(page("egout", "Un égout bouché"), page("mobile", "Pas de réseau mobile"),
                synonymes=[["égout", "réseau d'assainissement"]])
    assert trouves(idx, "réseau") == ["Pas de réseau mobile", "Un égout bouché"]


def test_le_synonyme_prend_le_champ_du_mot_qui_l_amene_s_il_est_plus_faible():
    idx = index(page("texte", "Texte", texte="des déchets"), page("fort", "Des ordures"),
                synonymes=[["ordures", "détritus", "déchets"]])
    assert trouves(idx, "détritus") == ["Des ordures", "Texte"]


def test_le_site_construit_publie_l_index_dans_l_ordre_du_parcours(site_petit):
    publie = (site_petit / "recherche.json").read_text(encoding="utf-8")
    assert publie == fichiers_recherche(index_recherche(construire_modele(PETIT, "contenu")))[
        "recherche.json"]
    assert not list((site_petit / "recherche").glob("*.json"))  # un petit index : un seul fichier
