"""Les fichiers de l'index (arbre/recherche/fichiers.py, version 4) : un seul pour un petit
parcours, une base et des morceaux au-delà du seuil ; le moteur Python les relit tous et
trouve exactement ce que trouve l'index entier."""

import gzip
import json
import re

import pytest

from arbre.erreurs import ErreursContenu
from arbre.modele import construire_modele
from arbre.recherche.fichiers import (
    CIBLE_POSTES,
    SEUIL,
    cible_de_la_construction,
    coder_termes,
    decouper_postes,
    fichiers_recherche,
    seuil_de_la_construction,
)
from arbre.recherche.index import VERSION, index_recherche
from arbre.recherche.moteur import Index, decoder_termes
from tests.conftest import DEMO, PETIT

REQUETES = ("arbre tombé sur la rue", "odeur de gaz", "poubele pa ramasser", "nid", "lampadère",
            "trou dans la route devant chez moi", "licorne", "egou", "tag sur un mur")


@pytest.fixture(scope="module")
def index_demo():
    return index_recherche(construire_modele(DEMO, "contenu"))


def decoupe(index: dict, **reglages) -> tuple[dict, dict]:
    """(base, {nom: contenu}) d'un index découpé."""
    fichiers = {nom: json.loads(texte) for nom, texte in fichiers_recherche(index, **reglages).items()}
    return fichiers.pop("recherche.json"), fichiers


def test_les_termes_s_ecrivent_par_prefixes_communs_et_se_relisent():
    termes = ["18", "abim", "abime", "abimer", "b", "ba", "electricit", "elect"]
    assert coder_termes(termes[:4]) == "A18AabimEeFr"
    assert decoder_termes(coder_termes(termes)) == termes
    assert decoder_termes("") == []
    long = ["a" * 40, "a" * 40 + "b"]  # un préfixe commun de plus de 25 lettres : 25 suffisent
    assert decoder_termes(coder_termes(long)) == long


def test_un_terme_hors_de_l_alphabet_des_termes_est_refuse():
    with pytest.raises(ValueError, match="Terme inattendu"):
        coder_termes(["Abim"])


def test_un_petit_index_reste_un_seul_fichier_qui_trouve_la_meme_chose(index_demo):
    fichiers = fichiers_recherche(index_demo)
    assert list(fichiers) == ["recherche.json"]
    seul = json.loads(fichiers["recherche.json"])
    assert seul["version"] == VERSION == 4
    assert isinstance(seul["termes"], str) and "morceaux" not in seul
    assert len(gzip.compress(fichiers["recherche.json"].encode(), 6)) <= SEUIL
    entier, relu = Index(index_demo), Index(seul)
    assert relu.termes == entier.termes and relu.postes == entier.postes
    for requete in REQUETES:
        assert relu.afficher(requete, "56143") == entier.afficher(requete, "56143")


def test_au_dela_du_seuil_une_base_et_des_morceaux_qui_trouvent_la_meme_chose(index_demo):
    base, morceaux = decoupe(index_demo, seuil=0, cible=2048, pages_par_morceau=32)
    assert "pages" not in base and "postes" not in base
    assert len(base["sortes"]) == len(index_demo["pages"])
    assert [p[3] for p in index_demo["pages"]] == [
        base["noms_des_sortes"][int(c)] for c in base["sortes"]]
    noms_postes = [nom for _, nom in base["morceaux"]["postes"]]
    assert len(noms_postes) > 3 and len(base["morceaux"]["pages"]) == -(-len(index_demo["pages"]) // 32)
    assert set(morceaux) == {*noms_postes, *base["morceaux"]["pages"]}
    assert all(re.fullmatch(r"recherche/(postes|pages)-\d\d-[0-9a-f]{10}\.json", nom) for nom in morceaux)
    premiers = [premier for premier, _ in base["morceaux"]["postes"]]
    assert premiers[0] == 0 and premiers == sorted(set(premiers))
    assert [p for nom in noms_postes for p in morceaux[nom]] == index_demo["postes"]
    entier, relu = Index(index_demo), Index(base, morceaux.__getitem__)
    assert (relu.pages, relu.termes, relu.postes) == (entier.pages, entier.termes, entier.postes)
    for requete in REQUETES:
        assert relu.afficher(requete, "56195") == entier.afficher(requete, "56195")


def test_les_morceaux_de_postes_pesent_a_peu_pres_la_cible(index_demo):
    _, morceaux = decoupe(index_demo, seuil=0, cible=3000)
    poids = [len(gzip.compress(json.dumps(m, ensure_ascii=False, separators=(",", ":")).encode(), 6))
             for nom, m in morceaux.items() if "/postes-" in nom]
    assert len(poids) >= 3 and max(poids) <= 3000 * 1.5


def test_le_decoupage_couvre_tous_les_termes_dans_l_ordre():
    postes = ["0" * (i % 7 + 1) for i in range(1000)]
    debuts = decouper_postes(postes, cible=20)
    assert debuts[0] == 0 and debuts == sorted(set(debuts)) and debuts[-1] < len(postes)
    assert decouper_postes(["0"], cible=10**6) == [0]


def test_un_index_decoupe_demande_de_quoi_lire_ses_morceaux(index_demo):
    base, morceaux = decoupe(index_demo, seuil=0)
    with pytest.raises(ValueError, match="découpé en morceaux"):
        Index(base)
    # Une base avec les morceaux d'une autre construction est refusée, pas mal lue.
    dernier = base["morceaux"]["postes"][-1][1]
    melange = {**morceaux, dernier: morceaux[dernier][:-1]}
    with pytest.raises(ValueError, match="pas de la même construction"):
        Index(base, melange.__getitem__)
    premier = base["morceaux"]["pages"][0]
    with pytest.raises(ValueError, match="pas de la même construction"):
        Index(base, {**morceaux, premier: morceaux[premier][:-1]}.__getitem__)


@pytest.mark.parametrize(("valeur", "octets"), [("", SEUIL), ("0", 0), ("12.5", 12800), ("  40 ", 40960)])
def test_le_seuil_se_regle_a_la_construction_en_ko(valeur, octets):
    assert seuil_de_la_construction({"AIGUILLAGE_RECHERCHE_SEUIL": valeur}) == octets
    assert seuil_de_la_construction({}) == SEUIL


def test_la_taille_des_morceaux_se_regle_a_la_construction_en_ko():
    assert cible_de_la_construction({}) == CIBLE_POSTES
    assert cible_de_la_construction({"AIGUILLAGE_RECHERCHE_MORCEAU": "2"}) == 2048
    assert cible_de_la_construction({"AIGUILLAGE_RECHERCHE_MORCEAU": "0"}) == 512


@pytest.mark.parametrize("valeur", ["cent", "-3", "nan"])
def test_un_reglage_illisible_arrete_la_construction_en_francais(valeur):
    for nom, lire in (("AIGUILLAGE_RECHERCHE_SEUIL", seuil_de_la_construction),
                      ("AIGUILLAGE_RECHERCHE_MORCEAU", cible_de_la_construction)):
        with pytest.raises(ErreursContenu) as erreur:
            lire({nom: valeur})
        assert nom in str(erreur.value)
        assert f"« {valeur} » n'est pas un nombre de Ko positif." in str(erreur.value)


def test_le_site_construit_avec_un_seuil_abaisse_publie_les_morceaux_et_les_relit(site_petit_decoupe):
    sortie = site_petit_decoupe
    base = json.loads((sortie / "recherche.json").read_text(encoding="utf-8"))
    noms = [nom for _, nom in base["morceaux"]["postes"]] + base["morceaux"]["pages"]
    assert sorted(f"recherche/{f.name}" for f in (sortie / "recherche").glob("*.json")) == sorted(noms)
    entier = Index(index_recherche(construire_modele(PETIT, "contenu")))
    relu = Index.lire(sortie / "recherche.json")
    for requete in REQUETES:
        assert relu.afficher(requete, "56143") == entier.afficher(requete, "56143")
