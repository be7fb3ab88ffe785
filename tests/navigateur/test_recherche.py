"""La recherche dans un vrai Chromium : les mêmes mots, les mêmes racines et les mêmes
résultats que le moteur Python (vecteurs partagés, jeu public, requêtes tirées au hasard) ;
avec JavaScript pendant la frappe, sans JavaScript par les fonctions, hors ligne ; au
clavier, à 320 px, sans défaut relevé par axe-core."""

import dataclasses
import json
import random
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from arbre.recherche.fichiers import fichiers_recherche
from arbre.recherche.moteur import Index
from arbre.recherche.texte import normaliser
from fonctions.stockage import StockageTinyDB
from tests.arbre.recherche.aides import requetes_au_hasard
from tests.arbre.recherche.jeu_public import OBJECTIF, evaluer, lire_requetes
from tests.arbre.recherche.vecteurs import FICHIER as VECTEURS
from tests.conftest import DEMO, PETIT, construire_decoupe
from tests.navigateur.conftest import lancer_produit
from tests.navigateur.test_hors_ligne import adresses_gardees, attendre_gardees, attendre_le_worker

pytestmark = pytest.mark.navigateur

CHERCHER = """async ([requetes, communes]) => {
  const { Index } = await import("/theme/js/recherche.js");
  const index = new Index(await (await fetch("/recherche.json")).json());
  return requetes.map((q, i) => index.chercher(q).map(([p, s]) => [index.adresse(p, communes[i]), s]));
}"""

FONCTIONS = """async (v) => {
  const t = await import("/theme/js/recherche.js");
  const index = new t.Index(await (await fetch("/recherche.json")).json());
  const chaque = (liste, f) => Object.fromEntries(Object.keys(liste).map((x) => [x, f(x)]));
  return {
    normaliser: chaque(v.normaliser, t.normaliser),
    mots: chaque(v.mots, (x) => index.mots(x)),
    cles: chaque(v.cles, t.cles),
    distance: v.distance.map(([a, b, limite]) => [a, b, limite, t.distance(a, b, limite)]),
  };
}"""


@pytest.fixture(scope="module")
def demo(serveur_demo, site_demo):
    modele = json.loads((site_demo / "modele.json").read_text(encoding="utf-8"))
    index = Index(json.loads((site_demo / "recherche.json").read_text(encoding="utf-8")))
    return serveur_demo, modele, index


def test_le_navigateur_decoupe_et_racinise_les_mots_comme_python(demo, page):
    serveur, _, _ = demo
    vecteurs = json.loads(VECTEURS.read_text(encoding="utf-8"))
    page.goto(serveur.url + "/")
    obtenus = page.evaluate(FONCTIONS, vecteurs)
    for sorte in ("normaliser", "mots", "cles"):
        differences = {x: (obtenus[sorte][x], attendu) for x, attendu in vecteurs[sorte].items()
                       if obtenus[sorte][x] != attendu}
        assert differences == {}, f"{sorte} : (navigateur, Python)"
    assert obtenus["distance"] == vecteurs["distance"]


def requetes_et_communes(modele: dict, index: Index, publiques, graine: int):
    """(requêtes, communes) : le jeu public avec sa commune, puis 300 requêtes tirées au
    hasard, chacune avec une commune du territoire ou aucune."""
    hasard = random.Random(graine)
    communes = [c["insee"] for c in modele["territoire"]["communes"]]
    au_hasard = requetes_au_hasard(index)
    return ([r.texte for r in publiques] + au_hasard,
            [r.insee for r in publiques] + [hasard.choice([None, *communes]) for _ in au_hasard])


def test_le_navigateur_et_le_serveur_donnent_les_memes_resultats_dans_le_meme_ordre(demo, page):
    serveur, modele, index = demo
    publiques = lire_requetes()
    requetes, insees = requetes_et_communes(modele, index, publiques, graine=7)
    page.goto(serveur.url + "/")
    navigateur = page.evaluate(CHERCHER, [requetes, insees])
    serveur_ = [[[index.adresse(p, insee), score] for p, score in index.chercher(q)]
                for q, insee in zip(requetes, insees, strict=True)]
    differences = [(q, n, s) for q, n, s in zip(requetes, navigateur, serveur_, strict=True) if n != s]
    assert differences == []
    # Et jugé dans le navigateur, le jeu public atteint l'objectif.
    bilan = evaluer(modele, {r.id: [a for a, _ in navigateur[i]] for i, r in enumerate(publiques)})
    print(bilan.texte())
    assert not bilan.sans_resultat, bilan.texte()
    assert bilan.taux >= OBJECTIF, bilan.texte()


VERSIONS = """async ([v2, v3, requetes]) => {
  const { Index } = await import("/theme/js/recherche.js");
  const v4 = new Index(await (await fetch("/recherche.json")).json());
  const anciens = [new Index(v2), new Index(v3)];
  return { postes: v4.termes.map((_, t) => v4.postesDe(t)), termes: v4.termes,
           v4: requetes.map((q) => v4.chercher(q)),
           anciens: anciens.map((ancien) => requetes.map((q) => ancien.chercher(q))) };
}"""


def test_le_navigateur_relit_l_index_comme_python_et_encore_les_versions_2_et_3(demo, page):
    """Les termes de la version 4 (par préfixes communs) et ses postes (des écarts en texte)
    redeviennent les mêmes listes ; un index de version 2 ou 3 gardé par un téléphone trouve
    toujours la même chose."""
    serveur, _, index = demo
    donnees = index.donnees
    assert donnees["version"] == 4 and isinstance(donnees["termes"], str)
    v3 = {**donnees, "version": 3, "termes": index.termes}
    v2 = {**v3, "version": 2, "postes": index.postes}
    requetes = requetes_au_hasard(index, 100)
    page.goto(serveur.url + "/")
    obtenu = page.evaluate(VERSIONS, [v2, v3, requetes])
    assert obtenu["termes"] == index.termes
    assert obtenu["postes"] == index.postes
    assert obtenu["anciens"] == [obtenu["v4"], obtenu["v4"]]
    assert obtenu["v4"] == [[[p, s] for p, s in index.chercher(q)] for q in requetes]


MORCEAUX = """async ([base, morceaux, requetes, communes]) => {
  const { Index } = await import("/theme/js/recherche.js");
  const lus = [];
  const index = new Index(base, async (nom) => { lus.push(nom); return morceaux[nom]; });
  const premier = await index.trouver(requetes[0], communes[0]);
  const lusPourLaPremiere = lus.length;
  const resultats = [premier];
  for (let i = 1; i < requetes.length; i++) resultats.push(await index.trouver(requetes[i], communes[i]));
  return { resultats, lusPourLaPremiere, lus };
}"""


def test_sur_un_index_decoupe_le_navigateur_trouve_comme_python_en_ne_lisant_que_ses_morceaux(demo, page):
    """L'index de la démonstration découpé en petits morceaux : `trouver` (preparer, chercher,
    puis les morceaux d'affichage) donne, pour le jeu public et 300 requêtes tirées au hasard,
    les pages, l'ordre, les scores et l'affichage du moteur Python ; la première requête ne
    lit que ses morceaux, et chaque morceau n'est lu qu'une fois."""
    serveur, modele, index = demo
    # L'index publié, relu (termes en liste), découpé : les pages gardent leur numéro.
    entier = {**index.donnees, "termes": index.termes}
    fichiers = fichiers_recherche(entier, seuil=0, cible=2048, pages_par_morceau=16)
    base = json.loads(fichiers.pop("recherche.json"))
    morceaux = {nom: json.loads(texte) for nom, texte in fichiers.items()}
    requetes, insees = requetes_et_communes(modele, index, lire_requetes(), graine=11)
    page.goto(serveur.url + "/")
    obtenu = page.evaluate(MORCEAUX, [base, morceaux, requetes, insees])
    attendus = [[dataclasses.asdict(r) for r in index.afficher(q, insee)]
                for q, insee in zip(requetes, insees, strict=True)]
    differences = [(q, n, s) for q, n, s in zip(requetes, obtenu["resultats"], attendus, strict=True)
                   if n != s]
    assert differences == []
    assert 0 < obtenu["lusPourLaPremiere"] < len(morceaux) / 2
    assert len(obtenu["lus"]) == len(set(obtenu["lus"]))


def resultats(page, zone: str = "main") -> list[tuple[str, str]]:
    """[(adresse, texte)] des résultats affichés dans `zone`."""
    return [(li.locator("a").get_attribute("href"), " | ".join(li.inner_text().split("\n")))
            for li in page.locator(f"{zone} [data-liste-resultats] > li").all()]


STRUCTURE = """(e) => { const f = (n) => n.nodeType === 3 ? n.textContent.trim() : [n.tagName,
  [...n.attributes].map((a) => `${a.name}=${a.value}`).sort(), [...n.childNodes].map(f)
  .filter((x) => x !== "")]; return f(e); }"""


def structure(page, selecteur: str):
    """L'élément, ses attributs (triés) et ses enfants, sans les espaces entre les balises."""
    return page.locator(selecteur).evaluate(STRUCTURE)


def test_avec_javascript_les_resultats_s_affichent_pendant_la_frappe(serveur, page):
    page.goto(serveur.url + "/")
    champ = page.get_by_label("Rechercher un problème, avec vos mots")
    champ.fill("POUBÈLLES")
    page.locator("header [data-etat]", has_text="résultat").wait_for()
    assert page.locator("header [data-etat]").inner_text() == "1 résultat pour « POUBÈLLES »."
    assert resultats(page, "header") == [(
        "/dechets/", "Une poubelle non ramassée | Transmis par ce site à Communauté de communes "
        "d'Essai")]
    assert page.locator("header").get_by_role("link", name="Je ne trouve pas mon problème").is_visible()
    champ.fill("nid de poule")  # la frappe suivante remplace les résultats
    page.locator("header [data-etat]", has_text="nid de poule").wait_for()
    assert resultats(page, "header")[0] == (
        "/voirie/nid-de-poule/", "Un nid-de-poule | La rue, le trottoir | Transmis par ce site au "
        "service de votre commune")
    champ.press("Enter")  # la page de résultats, qui marche aussi hors ligne
    page.wait_for_url("**/recherche/?q=nid+de+poule")
    page.locator("main [data-etat]", has_text="résultat").wait_for()
    assert page.locator("main [data-etat]").inner_text().endswith("pour « nid de poule ».")
    assert resultats(page)[0][0] == "/voirie/nid-de-poule/"


def test_un_mot_mal_ecrit_trouve_quand_meme(serveur, page):
    page.goto(serveur.url + "/recherche/?q=poubele+pa+ramasser")
    page.locator("main [data-etat]", has_text="résultat").wait_for()
    assert resultats(page)[0][0] == "/dechets/"


def test_la_commune_connue_dit_qui_s_en_occupe_et_mene_a_sa_page(serveur, page):
    page.goto(serveur.url + "/voirie/nid-de-poule/la-roche-bernard/")
    page.get_by_label("Rechercher un problème, avec vos mots").fill("trou")
    page.locator("header [data-etat]", has_text="résultat").wait_for()
    attendu = ("/voirie/nid-de-poule/la-roche-bernard/",
               "Un nid-de-poule | La rue, le trottoir | Transmis par ce site à Mairie de La "
               "Roche-Bernard")
    assert resultats(page, "header")[0] == attendu
    page.goto(serveur.url + "/recherche/?q=trou")  # la commune est retenue sur le téléphone
    page.locator("main [data-etat]", has_text="résultat").wait_for()
    assert resultats(page)[0] == attendu
    assert page.get_by_label("Votre commune").input_value() == "56195"
    page.get_by_label("Votre commune").select_option("")  # ne plus la préciser : oubliée
    page.locator("main [data-liste-resultats] a[href='/voirie/nid-de-poule/']").wait_for()
    assert page.evaluate("localStorage.getItem('aiguillage:commune')") is None


def test_sans_javascript_la_recherche_passe_par_les_fonctions(serveur, page_sans_js):
    page = page_sans_js
    page.goto(serveur.url + "/voirie/")
    page.get_by_label("Rechercher un problème, avec vos mots").fill("odeur de gaz")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/api/recherche?q=odeur+de+gaz")
    assert page.locator("h1").inner_text() == "Rechercher un problème"
    assert page.locator("main [data-etat]").inner_text() == "1 résultat pour « odeur de gaz »."
    assert resultats(page) == [("/gaz/", "Une odeur de gaz | À contacter directement : GRDF – "
                                         "Urgence Sécurité Gaz")]
    page.get_by_label("Décrivez le problème avec vos mots").fill("trou")
    page.get_by_label("Votre commune").select_option("56143")
    page.get_by_role("button", name="Rechercher").click()
    page.wait_for_url("**/api/recherche?q=trou&commune=56143")
    assert resultats(page)[0] == ("/voirie/nid-de-poule/muzillac/", "Un nid-de-poule | La rue, le "
                                  "trottoir | Transmis par ce site à Mairie de Muzillac")
    page.get_by_label("Décrivez le problème avec vos mots").fill("licorne")
    page.get_by_role("button", name="Rechercher").click()
    assert page.locator("main [data-etat]").inner_text() == (
        "Aucun résultat pour « licorne ». Essayez d'autres mots, ou choisissez « Je ne trouve pas "
        "mon problème ».")
    assert resultats(page) == []
    assert page.get_by_role("link", name="Je ne trouve pas mon problème").get_attribute(
        "href") == "/je-ne-trouve-pas/"


@pytest.mark.parametrize(("requete", "commune"), [
    ("poubelle", ""), ("arbre tombé sur un fil", ""), ("trou", "56195"), ("lampadere", ""),
    ("licorne", ""),
])
def test_avec_et_sans_javascript_la_page_de_resultats_est_la_meme(serveur, page, page_sans_js,
                                                                  requete, commune):
    adresse = f"?q={requete}&commune={commune}"
    page_sans_js.goto(serveur.url + "/api/recherche" + adresse)
    page.goto(serveur.url + "/recherche/" + adresse)
    page.locator("main [data-etat]", has_text="résultat").wait_for()
    for selecteur in ("main [data-etat]", "main [data-liste-resultats]", "main .je-ne-trouve-pas"):
        assert structure(page, selecteur) == structure(page_sans_js, selecteur)
    assert resultats(page) == resultats(page_sans_js)


def test_la_recherche_marche_hors_ligne(serveur, navigateur):
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/")
        attendre_le_worker(page)
        contexte.set_offline(True)
        page.goto(serveur.url + "/recherche/?q=gaz")
        page.locator("main [data-liste-resultats] a", has_text="Une odeur de gaz").wait_for()
        page.goto(serveur.url + "/voirie/")
        page.get_by_label("Rechercher un problème, avec vos mots").fill("poubelle")
        page.locator("header [data-liste-resultats] a", has_text="Une poubelle").wait_for()
        page.get_by_label("Rechercher un problème, avec vos mots").press("Enter")
        page.locator("main [data-liste-resultats] a", has_text="Une poubelle").wait_for()
    finally:
        contexte.close()


def test_au_clavier_on_passe_du_champ_aux_resultats(serveur, page):
    page.goto(serveur.url + "/")
    page.get_by_label("Rechercher un problème, avec vos mots").fill("gaz")
    page.locator("header [data-liste-resultats] a").first.wait_for()
    page.keyboard.press("Tab")  # le bouton « Rechercher »
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Une odeur de gaz"
    page.keyboard.press("Enter")
    page.wait_for_url("**/gaz/")


def test_les_resultats_tiennent_dans_320_px(serveur, navigateur):
    contexte = navigateur.new_context(viewport={"width": 320, "height": 700})
    page = contexte.new_page()
    page.goto(serveur.url + "/recherche/?q=arbre+tomb%C3%A9+sur+la+rue&commune=56195")
    page.locator("main [data-liste-resultats] a").first.wait_for()
    page.goto(serveur.url + "/")
    page.get_by_label("Rechercher un problème, avec vos mots").fill("arbre tombé")
    page.locator("header [data-liste-resultats] a").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth") <= 0
    contexte.close()


@pytest.mark.parametrize("cas", ["en-tête ouverte", "page avec JavaScript", "page sans JavaScript",
                                 "aucun résultat"])
def test_axe_ne_trouve_aucun_defaut_dans_la_recherche(serveur, page, cas):
    if cas == "en-tête ouverte":
        page.goto(serveur.url + "/voirie/")
        page.get_by_label("Rechercher un problème, avec vos mots").fill("arbre")
        page.locator("header [data-liste-resultats] a").first.wait_for()
    elif cas == "page avec JavaScript":
        page.goto(serveur.url + "/recherche/?q=arbre&commune=56143")
        page.locator("main [data-liste-resultats] a").first.wait_for()
    elif cas == "page sans JavaScript":  # axe a besoin de JavaScript : nos scripts sont bloqués
        page.route("**/*.js", lambda route: route.abort())
        page.goto(serveur.url + "/api/recherche?q=arbre&commune=56143")
    else:
        page.goto(serveur.url + "/recherche/?q=licorne")
        page.locator("main [data-etat]", has_text="Aucun").wait_for()
    resultats_axe = Axe().run(page)
    assert resultats_axe.violations_count == 0, resultats_axe.generate_report()


def test_la_requete_est_affichee_comme_du_texte(serveur, page_sans_js):
    page_sans_js.goto(serveur.url + "/api/recherche?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E+gaz")
    assert page_sans_js.locator("main img").count() == 0
    assert normaliser(page_sans_js.locator("main [data-etat]").inner_text()).startswith(
        "1 résultat pour img src x onerror alert 1 gaz")


def comptees(serveur) -> dict[str, int]:
    """Les recherches sans résultat comptées par le serveur (lues par le stockage, dans son
    dossier de données), d'hier à demain."""
    stockage = StockageTinyDB(Path(serveur.env["AIGUILLAGE_DONNEES"]))
    aujourd_hui = date.today()
    try:
        return dict(stockage.lister_recherches_vides(aujourd_hui - timedelta(days=1),
                                                     aujourd_hui + timedelta(days=1), 100))
    finally:
        stockage.fermer()


def test_une_recherche_validee_sans_resultat_est_signalee_une_fois_aux_redacteurs(serveur, page):
    envois = []
    page.on("request", lambda r: envois.append(r.post_data_json)
            if r.url.endswith("/api/recherche/sans-resultat") else None)
    page.goto(serveur.url + "/")
    champ = page.get_by_label("Rechercher un problème, avec vos mots")
    champ.fill("dragon cracheur")  # pendant la frappe, rien n'est envoyé
    page.locator("header [data-etat]", has_text="Aucun résultat").wait_for()
    assert envois == []
    with page.expect_response("**/api/recherche/sans-resultat") as reponse:
        champ.press("Enter")
    assert reponse.value.status == 204
    page.locator("main [data-etat]", has_text="Aucun résultat").wait_for()
    assert comptees(serveur)["dragon cracheur"] == 1
    page.get_by_role("link", name="Je ne trouve pas mon problème").click()
    page.wait_for_url("**/je-ne-trouve-pas/")
    assert envois == [{"requete": "dragon cracheur"}]  # la même recherche ne compte qu'une fois


def test_je_ne_trouve_pas_sous_aucun_resultat_de_l_en_tete_valide_la_recherche(serveur, page):
    page.goto(serveur.url + "/gaz/")
    page.get_by_label("Rechercher un problème, avec vos mots").fill("licorne volante")
    page.locator("header [data-etat]", has_text="Aucun résultat").wait_for()
    with page.expect_request("**/api/recherche/sans-resultat") as envoi:
        page.locator("header").get_by_role("link", name="Je ne trouve pas mon problème").click()
    assert envoi.value.post_data_json == {"requete": "licorne volante"}
    page.wait_for_url("**/je-ne-trouve-pas/")


@pytest.fixture(scope="module")
def site_decoupe(tmp_path_factory):
    """La démonstration dont l'index de recherche est découpé (seuil abaissé à 0 Ko, morceaux
    de 2 Ko), comme
    celui d'un grand parcours : gardé à son premier usage, pas à la première visite."""
    sortie = tmp_path_factory.mktemp("site-decoupe")
    construire_decoupe(DEMO, sortie, morceau_ko="2")
    return sortie


OTER_LES_POSTES = """async () => {
  const cache = await caches.open((await caches.keys()).find((n) => n.startsWith("aiguillage-")));
  for (const requete of await cache.keys()) {
    if (new URL(requete.url).pathname.startsWith("/recherche/postes-")) await cache.delete(requete);
  }
}"""


def test_un_index_decoupe_cherche_hors_ligne_apres_une_premiere_recherche(site_decoupe, navigateur,
                                                                          tmp_path):
    """La première visite ne garde rien de l'index ; la première recherche ne télécharge que
    ses morceaux, et le worker garde alors tous les autres en arrière-plan : hors ligne, des
    mots jamais cherchés trouvent. Un morceau manquant hors ligne donne une phrase claire."""
    morceaux = {f"/recherche/{f.name}" for f in (site_decoupe / "recherche").glob("*.json")}
    assert len(morceaux) >= 3
    serveur = lancer_produit(site_decoupe, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    lus = []
    page.on("request", lambda r: lus.append(r.url) if "/recherche/" in r.url and r.url.endswith(
        ".json") else None)
    try:
        page.goto(serveur.url + "/voirie/")
        attendre_le_worker(page)
        assert not (morceaux | {"/recherche.json"}) & set(adresses_gardees(page))
        page.get_by_label("Rechercher un problème, avec vos mots").fill("poubelle")
        page.locator("header [data-liste-resultats] a", has_text="Une poubelle").first.wait_for()
        assert 0 < len(lus) < len(morceaux)  # la page n'a demandé que ce qu'il lui fallait
        attendre_gardees(page, morceaux | {"/recherche.json", "/recherche/"})
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    page.goto(serveur.url + "/recherche/?q=odeur+de+gaz")
    page.locator("main [data-liste-resultats] a", has_text="Une odeur de gaz").wait_for()
    page.goto(serveur.url + "/voirie/")
    page.get_by_label("Rechercher un problème, avec vos mots").fill("lampadère éteint")
    page.locator("header [data-liste-resultats] a", has_text="lampadaire").first.wait_for()
    # Un téléchargement interrompu : les postes manquent sur l'appareil.
    page.evaluate(OTER_LES_POSTES)
    page.goto(serveur.url + "/recherche/?q=arbre+tomb%C3%A9")
    expect(page.locator("main [data-etat]")).to_have_text(
        "Hors ligne, cette recherche n'est pas encore possible sur cet appareil : une partie de "
        "la recherche n'y est pas encore gardée. Réessayez avec du réseau, ou répondez aux "
        "questions de la page d'accueil.")
    assert page.locator("main [data-liste-resultats] > li").count() == 0
    assert page.get_by_role("link", name="Je ne trouve pas mon problème").is_visible()
    contexte.close()


CACHES = """async () => {
  const caches_ = {};
  for (const nom of await caches.keys()) {
    if (!nom.startsWith("aiguillage-")) continue;
    caches_[nom] = (await (await caches.open(nom)).keys()).map((r) => new URL(r.url).pathname);
  }
  return caches_;
}"""


def test_une_nouvelle_version_garde_toute_la_nouvelle_recherche_decoupee(navigateur, tmp_path):
    """La recherche découpée déjà utilisée : la nouvelle version du worker garde, dès son
    installation, la nouvelle base et tous ses nouveaux morceaux (leurs noms ont changé),
    et la recherche marche hors ligne juste après la mise à jour."""
    contenu, site = tmp_path / "contenu", tmp_path / "site"
    shutil.copytree(PETIT, contenu)

    def construire_et_lister() -> set[str]:
        construire_decoupe(contenu, site)
        return {f"/recherche/{f.name}" for f in (site / "recherche").glob("*.json")}

    anciens = construire_et_lister()
    serveur = lancer_produit(site, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/")
        attendre_le_worker(page)
        page.get_by_label("Rechercher un problème, avec vos mots").fill("gaz")
        page.locator("header [data-liste-resultats] a", has_text="Une odeur de gaz").wait_for()
        attendre_gardees(page, anciens | {"/recherche.json"})
        gaz = contenu / "arbre" / "20-gaz.md"
        gaz.write_text(gaz.read_text().replace("Une odeur de gaz", "Ça sent le gaz"))
        nouveaux = construire_et_lister()
        assert nouveaux - anciens
        page.reload()
        page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        page.get_by_text("Une nouvelle version du site est disponible.").wait_for(timeout=20_000)
        neuf = [adresses for adresses in page.evaluate(CACHES).values() if nouveaux <= set(adresses)]
        assert len(neuf) == 1 and not (anciens - nouveaux) & set(neuf[0])
        with page.expect_navigation():
            page.get_by_role("button", name="Mettre à jour").click()
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    page.goto(serveur.url + "/recherche/?q=sent+le+gaz")
    page.locator("main [data-liste-resultats] a", has_text="Ça sent le gaz").wait_for()
    contexte.close()
