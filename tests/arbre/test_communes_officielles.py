"""La liste officielle des communes livrée avec le dépôt : petite, sourcée, à jour partout."""

import gzip
import importlib.util
import re

from arbre.communes_officielles import FICHIER, communes, source
from arbre.territoire import simplifier
from tests.conftest import RACINE

# Le script de `make communes` n'est pas un module du paquet : il est chargé par son chemin.
_spec = importlib.util.spec_from_file_location("generer_communes", FICHIER.parent / "generer_communes.py")
generer_communes = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(generer_communes)

VERSION = "6.0.0"


def test_le_fichier_est_compact_et_dit_sa_source_sa_version_et_sa_licence():
    assert FICHIER.stat().st_size < 400 * 1024
    assert source() == (f"@etalab/decoupage-administratif {VERSION}, data/communes.json, Licence "
                        "Ouverte 2.0 ; colonnes : code INSEE, nom, type de nom (TNCC), codes postaux")
    lisezmoi = (FICHIER.parent / "LISEZMOI.md").read_text(encoding="utf-8")
    assert f"**version {VERSION}**" in lisezmoi and "Licence Ouverte 2.0" in lisezmoi


def test_la_version_est_la_meme_dans_le_makefile_et_dans_le_territoire_de_demonstration():
    makefile = (RACINE / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^DECOUPAGE \?= (.+)$", makefile, re.M).group(1) == VERSION
    assert f"@etalab/decoupage-administratif {VERSION}" in (
        RACINE / "contenu" / "territoire.yaml").read_text(encoding="utf-8")


def test_les_communes_gardent_leur_zero_leurs_codes_postaux_et_leur_type_de_nom():
    bourg, guerno = communes()["01053"], communes()["56077"]
    assert (bourg.nom, bourg.tncc, bourg.codes_postaux) == ("Bourg-en-Bresse", 0, ("01000",))
    assert (guerno.nom, guerno.tncc, guerno.codes_postaux) == ("Le Guerno", 2, ("56190",))
    assert communes()["2A004"].nom == "Ajaccio"
    assert communes()["75101"].nom == "Paris 1er Arrondissement"


def test_chaque_commune_de_la_demonstration_est_celle_de_la_liste_officielle():
    texte = (RACINE / "contenu" / "territoire.yaml").read_text(encoding="utf-8")
    demo = re.findall(r'insee: "(\w+)"\n\s+nom: (.+)\n\s+codes_postaux: \["(\d+)"\]', texte)
    assert len(demo) == 12
    for insee, nom, postal in demo:
        assert communes()[insee].nom == nom and postal in communes()[insee].codes_postaux


def test_le_script_ne_garde_que_les_communes_actuelles_et_ce_que_la_verification_lit():
    brutes = [
        {"code": "56077", "nom": "Le Guerno", "type": "commune-actuelle", "typeLiaison": 2,
         "codesPostaux": ["56190"], "population": 989, "siren": "215600776"},
        {"code": "01001", "nom": "L'Abergement-Clémenciat", "type": "commune-actuelle",
         "typeLiaison": 5, "codesPostaux": ["01400"]},
        {"code": "14666", "nom": "Sannerville", "type": "commune-deleguee", "typeLiaison": 0,
         "chefLieu": "14712"},
        {"code": "75101", "nom": "Paris 1er Arrondissement", "type": "arrondissement-municipal",
         "codesPostaux": ["75001"]},
    ]
    assert generer_communes.lignes(brutes, "9.9.9") == [
        "# @etalab/decoupage-administratif 9.9.9, data/communes.json, Licence Ouverte 2.0 ; "
        "colonnes : code INSEE, nom, type de nom (TNCC), codes postaux",
        "01001\tL'Abergement-Clémenciat\t5\t01400",
        "56077\tLe Guerno\t2\t56190",
        "75101\tParis 1er Arrondissement\t\t75001",
    ]


def test_le_fichier_est_lu_tel_qu_il_est_ecrit():
    with gzip.open(FICHIER, "rt", encoding="utf-8") as lignes:
        nombre = sum(1 for ligne in lignes if not ligne.startswith("#"))
    assert nombre == len(communes()) == 35014
    assert simplifier(communes()["56153"].nom) == "peaule"
