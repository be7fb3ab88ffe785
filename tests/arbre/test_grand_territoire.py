"""Un grand territoire (issue 14, point 5) : le parcours généré des mesures (bench/parcours_genere.py),
3 000 nœuds sur 300 communes, construit comme un contenu ordinaire. Ce que télécharge le
téléphone ne dépend pas de la taille du parcours : la première visite garde au plus 500 Ko
gzip, aucune page ne dépasse 14 Ko gzip au premier chargement (plan du site compris, découpé
par famille), la page d'une issue « par commune » ne porte pas les services des communes."""

import gzip
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from arbre.__main__ import construire
from tests.conftest import PETIT

RACINE = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(RACINE / "bench"))
from parcours_genere import (  # noqa: E402
    communes_du_departement,
    generer_parcours,
    vocabulaire_de_la_demo,
    vocabulaire_etendu,
)

KO = 1024


def bench_du_site():
    spec = importlib.util.spec_from_file_location("bench_site", RACINE / "bench" / "site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def vocabulaire():
    return vocabulaire_etendu(vocabulaire_de_la_demo())


@pytest.fixture(scope="module")
def grand(tmp_path_factory, vocabulaire):
    dossier = tmp_path_factory.mktemp("grand")
    noeuds = generer_parcours(dossier / "contenu", vocabulaire, 3000, communes=300, par_commune=3)
    assert construire(dossier / "contenu", dossier / "sortie") == 0
    return noeuds, dossier / "sortie"


def test_le_generateur_ecrit_300_communes_reelles_et_leurs_mairies(grand):
    noeuds, sortie = grand
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    communes = modele["territoire"]["communes"]
    assert len(communes) == 300 and 3000 <= noeuds == len(modele["noeuds"]) <= 3100
    assert all(c["insee"].startswith("35") for c in communes)
    assert len({c["slug"] for c in communes}) == 300
    par_commune = [n for n in modele["noeuds"].values() if n.get("depend_de_la_commune")]
    assert len(par_commune) == 3
    assert {g for n in par_commune for g in n["gestionnaires_par_commune"].values()} == {
        f"mairie-{c['slug']}" for c in communes}


def test_sans_communes_le_generateur_garde_le_petit_territoire(tmp_path, vocabulaire):
    """Le parcours de bench/recherche.py : le même contenu qu'avant l'ajout des communes."""
    generer_parcours(tmp_path / "contenu", vocabulaire, 400)
    assert (tmp_path / "contenu" / "territoire.yaml").read_text() == (PETIT / "territoire.yaml").read_text()
    assert not any("competence: voirie-communale" in p.read_text()
                   for p in (tmp_path / "contenu" / "arbre").rglob("*.md"))


def test_un_departement_sans_assez_de_communes_est_refuse():
    with pytest.raises(ValueError, match="n'a pas 5000 communes"):
        communes_du_departement(5000)


def test_la_premiere_visite_garde_au_plus_500_ko(grand):
    _, sortie = grand
    sw = (sortie / "sw.js").read_text(encoding="utf-8")
    premiere = [f for nom in ("COQUILLE", "COMPLEMENT")
                for f in json.loads(re.search(rf"const {nom} = (.*?);\n", sw).group(1))]
    octets = sum(o for _, _, o in premiere) + len(gzip.compress(sw.encode(), 6))
    assert octets <= 500 * KO
    # L'index de la recherche d'un grand parcours n'est pas compact : gardé à son premier usage.
    autres = json.loads(re.search(r"const AUTRES = (.*?);\n", sw).group(1))
    assert "/recherche.json" in {url for url, _, _ in autres}
    familles = json.loads(re.search(r"const FAMILLES = (.*?);\n", sw).group(1))
    assert len(familles) == 30
    assert sum(o for _, o, _ in familles.values()) > 2000 * KO  # le reste, à la demande


def test_aucune_page_ne_depasse_14_ko_au_premier_chargement(grand):
    _, sortie = grand
    poids, page = bench_du_site().poids_premier_chargement(sortie)
    assert poids <= 14 * KO, page


def test_le_plan_du_site_a_une_page_par_famille(grand):
    _, sortie = grand
    plan = (sortie / "plan-du-site" / "index.html").read_text(encoding="utf-8")
    assert plan.count('href="/plan-du-site/famille-') == 30
    famille = (sortie / "plan-du-site" / "famille-3" / "index.html").read_text(encoding="utf-8")
    assert famille.count('href="/famille-3/') > 90
    assert 'href="/famille-4/' not in famille


def test_l_issue_par_commune_propose_les_communes_par_initiale(grand):
    _, sortie = grand
    issue = sortie / "famille-0" / "question-0" / "issue-0"
    page = (issue / "index.html").read_text(encoding="utf-8")
    assert "<template" not in page and "mairie-" not in page
    lettres = re.findall(r'href="/famille-0/question-0/issue-0/communes-([a-z])/"', page)
    assert lettres and lettres == sorted(lettres)
    liens = []
    for lettre in lettres:
        groupe = (issue / f"communes-{lettre}" / "index.html").read_text(encoding="utf-8")
        liens += re.findall(r'href="/famille-0/question-0/issue-0/([a-z0-9-]+)/">', groupe)
    services = json.loads((issue / "communes.json").read_text(encoding="utf-8"))
    assert sorted(liens) == sorted(services["communes"]) and len(liens) == 300
    for slug in liens:
        assert (issue / slug / "index.html").exists()


def test_l_index_de_la_recherche_est_decoupe_en_une_base_et_de_petits_morceaux(grand):
    """Au premier usage, la base seule (de quoi trouver les termes d'un mot) ; chaque requête
    ne télécharge ensuite que quelques petits morceaux (bench/grand_territoire.py le mesure)."""
    _, sortie = grand
    base = json.loads((sortie / "recherche.json").read_text(encoding="utf-8"))
    assert base["version"] == 4 and "postes" not in base and "pages" not in base
    assert len(gzip.compress((sortie / "recherche.json").read_bytes(), 6)) <= 40 * KO
    morceaux = sorted((sortie / "recherche").glob("*.json"))
    assert len(morceaux) == len(base["morceaux"]["postes"]) + len(base["morceaux"]["pages"])
    assert max(len(gzip.compress(m.read_bytes(), 6)) for m in morceaux) <= 8 * KO
