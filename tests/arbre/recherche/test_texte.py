"""Le texte tel que la recherche le compare (arbre/recherche/texte.py)."""

from arbre.recherche import texte
from arbre.recherche.texte import MOTS_VIDES, cles, mots, normaliser, plier, racine


def test_normaliser_garde_les_mots_en_minuscules_avec_leurs_accents():
    assert normaliser("  Un LAMPADAIRE éteint, rue Pasteur !  ") == "un lampadaire éteint rue pasteur"


def test_normaliser_defait_les_ligatures():
    assert normaliser("Cœur, ŒUVRE, ex æquo") == "coeur oeuvre ex aequo"


def test_normaliser_separe_apostrophes_et_traits_d_union():
    assert normaliser("l'égout d’eau nid-de-poule aujourd‘hui – fin") == (
        "l égout d eau nid de poule aujourd hui fin")


def test_normaliser_recompose_les_accents_ecrits_en_deux_caracteres():
    assert normaliser("e\u0301teint") == "éteint"


def test_normaliser_ne_garde_que_lettres_latines_et_chiffres():
    assert normaliser("N°165 : 3×2 = 6 €, ça va ? 🙂 τέλος") == "n 165 3 2 6 ça va"


def test_plier_retire_les_accents():
    assert plier("éèêëàâäîïôöùûüÿç") == "eeeeaaaiioouuuyc"


def test_les_mots_vides_et_les_lettres_seules_ne_comptent_pas():
    assert mots("Il y a un trou dans la route devant chez moi") == ["trou", "route", "devant"]


def test_un_mot_vide_ecrit_sans_accent_reste_vide():
    assert mots("deja ete tres meme") == []
    assert mots("Bonjour, je voudrais signaler un problème svp merci") == []


def test_les_mots_vides_sont_ecrits_sans_accents():
    assert all(m == plier(m) for m in MOTS_VIDES)


def test_la_racine_reunit_singulier_pluriel_et_conjugaisons():
    assert {racine(m) for m in ("poubelle", "poubelles")} == {"poubel"}
    assert {racine(m) for m in ("inondée", "inondées", "inondation")} == {"inond"}
    assert {racine(m) for m in ("ramasser", "ramassé", "ramassées")} == {"ramass"}


def test_la_racine_est_sans_accents():
    assert racine("électricité") == "electr"
    assert racine("égouts") == "egout"


def test_les_cles_d_un_mot_couvrent_l_habitant_qui_tape_sans_accents():
    assert cles("électricité") == ("electr", "electricit")
    assert cles("electricite") == ("electricit",)
    assert cles("rue") == ("ru", "rue")  # une racine courte : le mot lui-même aussi


def test_une_racine_courte_reunit_des_mots_sans_rapport():
    assert racine("mari") == racine("marée") == racine("mare") == "mar"
    assert cles("mari") == ("mar", "mari")
    assert cles("marée") == ("mar", "mare", "maree")


def test_la_version_compilee_de_snowball_donne_les_memes_racines_que_la_version_python():
    """PyStemmer (installé par le projet) accélère la construction ; un serveur où il manque
    retombe sur snowballstemmer en Python : les deux doivent raciniser chaque mot du contenu
    de démonstration et des requêtes publiques à l'identique."""
    from pathlib import Path

    import Stemmer
    from snowballstemmer.french_stemmer import FrenchStemmer

    racine_du_depot = Path(__file__).resolve().parents[3]
    sources = [*racine_du_depot.joinpath("contenu").rglob("*.md"),
               *racine_du_depot.joinpath("contenu").rglob("*.yaml"),
               Path(__file__).with_name("requetes.yaml")]
    vus = {m for chemin in sources
           for m in texte.normaliser(chemin.read_text(encoding="utf-8")).split()}
    vus |= {texte.plier(m) for m in vus}
    mots = sorted(vus)
    assert len(mots) > 2000
    compile_, python = Stemmer.Stemmer("french"), FrenchStemmer()
    differents = [m for m, r in zip(mots, compile_.stemWords(mots), strict=True)
                  if r != python.stemWord(m)]
    assert differents == []
    assert isinstance(texte._snowball, Stemmer.Stemmer)  # celui que le projet emploie
