"""« Je ne trouve pas mon problème » : l'issue de secours du modèle, sa page, son lien sur
chaque page de question, et le champ `je_ne_trouve_pas` de territoire.yaml."""

import html
import json
import re
from pathlib import Path

import pytest

from arbre.__main__ import construire
from arbre.erreurs import ErreursContenu
from arbre.modele import construire_modele
from tests.conftest import PETIT

LIEN = '<a href="/je-ne-trouve-pas/" data-je-ne-trouve-pas>Je ne trouve pas mon problème</a>'


def nommer(contenu: Path, ligne: str) -> None:
    territoire = contenu / "territoire.yaml"
    territoire.write_text(territoire.read_text(encoding="utf-8").replace(
        "competences:", f"{ligne}\ncompetences:"), encoding="utf-8")


@pytest.fixture(scope="module")
def sortie(tmp_path_factory) -> Path:
    dossier = tmp_path_factory.mktemp("sortie")
    assert construire(PETIT, dossier) == 0
    return dossier


def test_sans_champ_la_coordination_recoit_ce_qui_n_est_pas_dans_la_liste():
    issue = construire_modele(PETIT, "contenu")["je_ne_trouve_pas"]
    assert (issue["id"], issue["type"], issue["url"]) == (
        "je-ne-trouve-pas", "transmission", "/je-ne-trouve-pas/")
    assert (issue["a_la_coordination"], issue["gestionnaire"]) == (True, None)
    assert issue["gestionnaires_par_commune"] == {}
    assert issue["formulaire"] == {"photo": "facultative", "raison_photo": None,
                                   "localisation": "facultative",
                                   "questions": []}
    assert issue["ancetres"] == [""]


def test_le_service_nomme_par_le_territoire_recoit_dans_chaque_commune(contenu_petit, tmp_path):
    nommer(contenu_petit, "je_ne_trouve_pas: cc-essai")
    issue = construire_modele(contenu_petit, "contenu")["je_ne_trouve_pas"]
    assert (issue["a_la_coordination"], issue["gestionnaire"]) == (False, "cc-essai")
    assert issue["gestionnaires_par_commune"] == {"56143": "cc-essai", "56195": "cc-essai"}
    assert construire(contenu_petit, tmp_path / "sortie") == 0
    page = (tmp_path / "sortie" / "je-ne-trouve-pas" / "index.html").read_text()
    assert ("<li>Votre signalement est envoyé à <strong>Communauté de communes "
            "d&#39;Essai</strong>.</li>") in page
    assert "S'il ne s'en occupe pas lui-même, il le transmet au service qui s'en occupe." in page
    assert "Coordination des signalements" not in page


def test_l_issue_de_secours_n_est_ni_dans_l_arbre_ni_dans_la_recherche(sortie):
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    assert "je-ne-trouve-pas" not in modele["noeuds"]
    recherche = (sortie / "recherche.json").read_text(encoding="utf-8")
    assert "/je-ne-trouve-pas/" not in recherche


def test_chaque_page_de_question_et_le_plan_offrent_le_lien(sortie):
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    questions = [n["url"] for n in modele["noeuds"].values() if n["type"] == "question"]
    assert "/" in questions and len(questions) == 3
    for url in [*questions, "/plan-du-site/"]:
        page = (sortie / url.lstrip("/") / "index.html").read_text(encoding="utf-8")
        assert contenu_principal(page).count(LIEN) == 1, url
    for url in ("/gaz/", "/voirie/nid-de-poule/muzillac/", "/je-ne-trouve-pas/"):
        page = (sortie / url.lstrip("/") / "index.html").read_text(encoding="utf-8")
        assert LIEN not in contenu_principal(page), url


def contenu_principal(page: str) -> str:
    """Le <main> de la page (l'en-tête a aussi le lien, sous les résultats de la recherche)."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_la_page_dit_qui_recoit_ce_qui_se_passe_et_quoi_faire_en_urgence(sortie):
    page = (sortie / "je-ne-trouve-pas" / "index.html").read_text(encoding="utf-8")
    texte = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))
    assert ("Votre signalement est envoyé à Coordination des signalements (Communauté de "
            "communes d'Essai). Une personne le lit, puis le transmet au service qui s'en "
            "occupe. Vous suivez votre signalement avec le lien donné après l'envoi : il dit à "
            "chaque étape quel service l'a.") in texte
    assert ('<strong>Danger immédiat&nbsp;?</strong> N\'utilisez pas ce formulaire, personne ne '
            'le lira tout de suite&nbsp;: appelez le <a href="tel:112">112</a>') in page
    # Le formulaire est celui des autres issues : il marche sans JavaScript et hors ligne.
    assert ('<form class="formulaire" method="post" action="/api/signalements" '
            'enctype="multipart/form-data" data-signalement>') in page
    assert '<input type="hidden" name="noeud" value="je-ne-trouve-pas">' in page
    assert '<script type="module" src="/theme/js/formulaire.js"></script>' in page
    assert 'name="description" rows="5" maxlength="4000" required' in page
    assert 'name="lieu" type="text" maxlength="300" autocomplete="off" ' \
           'aria-describedby="lieu-aide">' in page  # lieu facultatif


def test_le_service_worker_garde_la_page_pour_le_hors_ligne(sortie):
    assert re.search(r'\["/je-ne-trouve-pas/", "[0-9a-f]{16}", [0-9]+\]',
                     (sortie / "sw.js").read_text(encoding="utf-8"))


def test_une_page_d_information_ne_peut_pas_prendre_l_adresse(contenu_petit):
    (contenu_petit / "pages" / "je-ne-trouve-pas.md").write_text("---\ntitre: Aide\n---\nTexte.\n")
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(contenu_petit, "contenu")
    assert str(erreur.value) == (
        "1 erreur dans le contenu :\n\n"
        "contenu/pages/je-ne-trouve-pas.md : l'adresse /je-ne-trouve-pas/ est réservée : c'est "
        "celle de la page « Je ne trouve pas mon problème », que le site ajoute de lui-même.\n"
        "  → Donnez-lui un autre nom, par exemple « autre-probleme.md ».")


def test_un_service_deja_en_erreur_ne_donne_pas_d_erreur_en_cascade(contenu_petit):
    grdf = contenu_petit / "gestionnaires" / "grdf.md"
    grdf.write_text(grdf.read_text().replace("transmission: aucune", "transmission: courier"))
    nommer(contenu_petit, "je_ne_trouve_pas: grdf")
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(contenu_petit, "contenu")
    assert [e.fichier for e in erreur.value.rapport.erreurs] == ["contenu/gestionnaires/grdf.md"]
