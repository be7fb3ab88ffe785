"""« Placer sur la carte », dans le Chromium de Debian, contre le vrai produit et des
remplaçants locaux du service de tuiles (WMTS) et du géocodeur (addok) qui répondent dans
les formats des vrais (services_carte.py) : aucun test ne sort sur internet.

Chaque page est servie avec la politique de sécurité de production (netlify.toml), les hôtes
des deux services remplacés par ceux des remplaçants : une ressource qu'elle refuserait fait
échouer le test."""

from __future__ import annotations

import math
import os
import re
import tomllib
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from arbre import carte as reglages_carte
from tests.conftest import PETIT, RACINE
from tests.fonctions.serveurs_locaux import attendre
from tests.navigateur.conftest import ARGUMENTS, CHROMIUM, lancer_produit
from tests.navigateur.services_carte import MODELE_WMTS, Geocodeur, ServeurDeTuiles
from tests.navigateur.test_hors_ligne import adresses_gardees, attendre_le_worker, lire_signalements

pytestmark = pytest.mark.navigateur

NID = "/voirie/nid-de-poule/muzillac/"
DECHETS = "/dechets/"
MARCHE = "2 Place du Marché 56190 Muzillac"
CORNUDET = "1 Rue du Docteur Cornudet 56130 La Roche-Bernard"
ATTRIBUTION = "Plan IGN © IGN (remplaçant de test)"


@pytest.fixture(scope="module")
def tuiles():
    serveur = ServeurDeTuiles()
    yield serveur
    serveur.arreter()


@pytest.fixture(scope="module")
def geocodeur():
    serveur = Geocodeur()
    yield serveur
    serveur.arreter()


@pytest.fixture(scope="module")
def site_carte(tuiles, geocodeur, tmp_path_factory):
    """Le petit contenu, construit avec les adresses des remplaçants (réglages de construction)."""
    from arbre.__main__ import construire

    variables = {"AIGUILLAGE_TUILES_URL": tuiles.url + MODELE_WMTS,
                 "AIGUILLAGE_TUILES_ATTRIBUTION": ATTRIBUTION,
                 "AIGUILLAGE_GEOCODEUR_URL": geocodeur.url}
    avant = {nom: os.environ.get(nom) for nom in variables}
    os.environ.update(variables)
    try:
        sortie = tmp_path_factory.mktemp("site-carte")
        assert construire(PETIT, sortie) == 0
    finally:
        for nom, valeur in avant.items():
            if valeur is None:
                os.environ.pop(nom, None)
            else:
                os.environ[nom] = valeur
    return sortie


@pytest.fixture(scope="module")
def produit(site_carte, tmp_path_factory):
    serveur = lancer_produit(site_carte, tmp_path_factory.mktemp("produit-carte") / "donnees")
    yield serveur
    serveur.arreter()


def politique_de_production(tuiles, geocodeur) -> str:
    """La CSP de netlify.toml, les hôtes par défaut des deux services remplacés par les nôtres."""
    netlify = tomllib.loads((RACINE / "netlify.toml").read_text(encoding="utf-8"))
    csp = next(h for h in netlify["headers"] if h["for"] == "/*")["values"]["Content-Security-Policy"]
    defauts = reglages_carte.origines({"tuiles": reglages_carte.TUILES,
                                       "geocodeur": reglages_carte.GEOCODEUR})
    return (csp.replace(defauts["img-src"], tuiles.url)
            .replace(defauts["connect-src"], geocodeur.url))


@pytest.fixture(scope="module")
def navigateur_csp(playwright):
    """Chromium, sans le contrôle « accès au réseau local » : une page dont la réponse vient de
    Playwright (route.fulfill, pour y poser la CSP) n'a pas d'adresse, Chromium la croit publique
    et lui refuse les remplaçants en 127.0.0.1. En production, les deux services sont publics."""
    navigateur = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*ARGUMENTS, "--disable-features=LocalNetworkAccessChecks"])
    yield navigateur
    navigateur.close()


@pytest.fixture
def ouvrir(navigateur_csp, produit, tuiles, geocodeur):
    """Ouvre une page du produit sous la CSP de production ; rend (page, refus de la CSP, requêtes)."""
    contextes = []
    csp = politique_de_production(tuiles, geocodeur)

    def ouvrir_page(chemin: str, **options):
        options.setdefault("viewport", {"width": 390, "height": 844})
        contexte = navigateur_csp.new_context(locale="fr-FR", **options)
        contextes.append(contexte)
        page = contexte.new_page()
        refus, requetes = [], []
        page.on("console", lambda m: refus.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.on("request", lambda r: requetes.append(r.url))

        def avec_csp(route):
            if route.request.resource_type != "document":
                return route.continue_()
            reponse = route.fetch()
            route.fulfill(response=reponse, headers={**reponse.headers,
                                                      "content-security-policy": csp})

        page.route(produit.url + "/**", avec_csp)
        page.goto(produit.url + chemin)
        return page, refus, requetes

    yield ouvrir_page
    for contexte in contextes:
        contexte.close()


def tuile(lat: float, lon: float, z: int) -> tuple[int, int, int]:
    """(zoom, ligne, colonne) de la tuile Web Mercator qui contient ce point."""
    n = 2 ** z
    colonne = int((lon + 180) / 360 * n)
    ligne = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, ligne, colonne


def ouvrir_la_carte(page) -> None:
    page.get_by_role("button", name="Placer sur la carte").click()
    page.locator(".carte-fond .leaflet-tile-loaded").first.wait_for()


def choisir_l_adresse(page, tape: str, libelle: str) -> None:
    champ = page.get_by_role("combobox", name="Chercher une adresse")
    champ.fill(tape)
    page.get_by_role("option", name=libelle).wait_for()
    champ.press("ArrowDown")
    expect(champ).to_have_attribute("aria-activedescendant", page.get_by_role(
        "option", name=libelle).get_attribute("id"))
    champ.press("Enter")


def test_la_carte_n_est_chargee_qu_au_clic_et_s_ouvre_sur_la_commune(ouvrir, tuiles):
    page, refus, requetes = ouvrir(NID)
    page.wait_for_load_state("load")
    avant = [u for u in requetes if "leaflet" in u or "carte" in u or "geocod" in u or "lieu.js" in u]
    assert avant == []  # rien de la carte au premier chargement
    ouvrir_la_carte(page)
    expect(page.locator("[data-carte-etat]")).to_have_text("Carte ouverte.")
    expect(page.get_by_role("button", name="Placer sur la carte")).to_have_attribute(
        "aria-expanded", "true")
    expect(page.get_by_role("combobox", name="Chercher une adresse")).to_be_focused()
    # La vue de départ est la commune de la page (géocodée), au zoom 14, sur les tuiles WMTS.
    assert tuile(47.5537, -2.4806, 14) in tuiles.tuiles
    assert any("/search/?q=Muzillac&limit=1&citycode=56143&type=municipality" in u for u in requetes)
    expect(page.locator(".leaflet-control-attribution")).to_contain_text(ATTRIBUTION)
    assert refus == []


def test_une_adresse_choisie_au_clavier_remplit_le_lieu_et_la_position(ouvrir):
    page, refus, _ = ouvrir(NID)
    ouvrir_la_carte(page)
    choisir_l_adresse(page, "place du march", MARCHE)
    expect(page.locator("[data-carte-etat]")).to_have_text(f"Point enregistré : {MARCHE}.")
    expect(page.get_by_label("Lieu précis")).to_have_value(MARCHE)
    assert page.locator("input[name=latitude]").input_value() == "47.554100"
    assert page.locator("input[name=longitude]").input_value() == "-2.479500"
    assert page.get_by_label("Lieu précis").get_attribute("required") is None
    page.get_by_role("button", name="Retirer le repère").click()
    expect(page.locator("[data-carte-etat]")).to_have_text("Repère retiré : le lieu écrit suffit.")
    assert page.locator("input[name=latitude]").input_value() == ""
    assert page.get_by_label("Lieu précis").get_attribute("required") == ""
    assert refus == []


def test_le_repere_pose_sur_la_carte_donne_l_adresse_et_la_commune(ouvrir, geocodeur):
    page, refus, _ = ouvrir(DECHETS)
    page.locator("select#commune").select_option("56143")
    ouvrir_la_carte(page)
    page.locator(".carte-fond").click()  # au centre : la commune, géocodée à l'ouverture
    expect(page.locator("[data-carte-etat]")).to_have_text(f"Point enregistré : {MARCHE}.")
    expect(page.get_by_label("Lieu précis")).to_have_value(MARCHE)
    assert any(d.startswith("/reverse/?lon=-2.48") for d in geocodeur.demandes)
    assert page.locator(".leaflet-marker-icon").count() == 1
    # Le texte écrit par la personne n'est jamais remplacé.
    page.get_by_label("Lieu précis").fill("Devant la boulangerie")
    page.get_by_role("button", name="Mettre le repère au centre").click()
    expect(page.locator("[data-carte-etat]")).to_have_text(
        f"Point enregistré, près de : {MARCHE}. Votre texte du lieu est gardé.")
    expect(page.get_by_label("Lieu précis")).to_have_value("Devant la boulangerie")
    assert refus == []


def test_sans_commune_choisie_le_point_la_choisit(ouvrir):
    page, _, _ = ouvrir(DECHETS)
    ouvrir_la_carte(page)
    expect(page.locator("[data-carte-etat]")).to_have_text(
        "Carte ouverte. Cherchez une adresse, ou déplacez la carte jusqu'au lieu du problème.")
    choisir_l_adresse(page, "cornudet", CORNUDET)
    expect(page.locator("[data-carte-etat]")).to_have_text(
        f"Point enregistré : {CORNUDET}.Commune : La Roche-Bernard.")
    assert page.locator("select#commune").input_value() == "56195"


def test_un_point_dans_une_autre_commune_pose_la_question(ouvrir):
    page, refus, _ = ouvrir(DECHETS)
    commune = page.locator("select#commune")
    commune.select_option("56143")
    ouvrir_la_carte(page)
    choisir_l_adresse(page, "cornudet", CORNUDET)
    question = page.get_by_role("group", name="Ce point est à La Roche-Bernard, pas à Muzillac : changer ?")
    question.get_by_role("button", name="Non, garder Muzillac").click()
    expect(page.get_by_text("Commune gardée : Muzillac.")).to_be_focused()
    assert commune.input_value() == "56143"
    choisir_l_adresse(page, "docteur cornudet", CORNUDET)
    question.get_by_role("button", name="Oui, La Roche-Bernard").click()
    expect(page.get_by_text("Commune changée : La Roche-Bernard.")).to_be_focused()
    assert commune.input_value() == "56195"
    assert refus == []


def test_sur_la_page_d_une_commune_changer_continue_sur_celle_du_point(ouvrir, produit):
    page, refus, _ = ouvrir(NID)
    page.get_by_label("Décrivez le problème").fill("Un trou profond au bord du quai.")
    page.get_by_label("Comme une assiette").check()
    ouvrir_la_carte(page)
    choisir_l_adresse(page, "cornudet", CORNUDET)
    page.get_by_role("group", name="Ce point est à La Roche-Bernard, pas à Muzillac : changer ?") \
        .get_by_role("button", name="Oui, La Roche-Bernard").click()
    page.wait_for_url("**/voirie/nid-de-poule/la-roche-bernard/")
    assert page.locator("#service-nom").inner_text() == "Mairie de La Roche-Bernard"
    expect(page.locator("[data-carte-etat]")).to_have_text(
        "Votre signalement continue pour La Roche-Bernard, dont le service est indiqué plus haut.")
    expect(page.locator("[data-carte-etat]")).to_be_focused()
    expect(page.get_by_label("Décrivez le problème")).to_have_value("Un trou profond au bord du quai.")
    expect(page.get_by_label("Comme une assiette")).to_be_checked()
    expect(page.get_by_label("Lieu précis")).to_have_value(CORNUDET)
    assert page.locator("form[data-signalement] input[name=commune]").input_value() == "56195"
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Signalement envoyé").wait_for()
    assert "Reçu par Mairie de La Roche-Bernard." in page.locator("main").inner_text()
    assert refus == []


def test_avec_une_position_le_signalement_part_sans_lieu_ecrit(ouvrir, produit):
    page, refus, _ = ouvrir(DECHETS, geolocation={"latitude": 47.55405, "longitude": -2.47955,
                                                  "accuracy": 12}, permissions=["geolocation"])
    page.locator("select#commune").select_option("56143")
    page.get_by_label("Décrivez le problème").fill("Le bac jaune déborde sur le trottoir.")
    lieu = page.get_by_label("Lieu précis")
    assert lieu.evaluate("e => e.validity.valueMissing")  # sans position, le lieu est exigé
    page.get_by_role("button", name="Utiliser ma position actuelle").click()
    expect(page.locator(".position-etat")).to_have_text("Position enregistrée (à 12 m près).")
    expect(page.locator("[data-carte-etat]")).to_have_text(f"Point enregistré : {MARCHE}.")
    lieu.fill("")
    assert not lieu.evaluate("e => e.validity.valueMissing")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Signalement envoyé").wait_for()
    reference = re.search(r"Référence : (AIG-\S+)", page.locator("main").inner_text()).group(1)
    donnees = Path(produit.env["AIGUILLAGE_DONNEES"])
    signalement = attendre(lambda: next((s for s in lire_signalements(donnees)
                                         if s["reference"] == reference), None),
                           message="signalement jamais écrit")
    assert signalement["localisation"] == {"latitude": 47.55405, "longitude": -2.47955,
                                           "adresse": None}
    assert refus == []


def test_une_position_hors_du_territoire_est_signalee(ouvrir):
    page, refus, _ = ouvrir(NID, geolocation={"latitude": 47.6587, "longitude": -2.7602,
                                              "accuracy": 20}, permissions=["geolocation"])
    page.get_by_role("button", name="Utiliser ma position actuelle").click()
    expect(page.locator("[data-carte-etat] .carte-alerte")).to_have_text(
        "Ce point est à Vannes, en dehors du territoire (Communauté de communes d'Essai) : "
        "vérifiez-le, ce service ne s'en occupe pas.")
    assert page.locator("form[data-signalement] input[name=commune]").input_value() == "56143"
    # La carte ouverte ensuite montre le repère de la position, déplaçable.
    ouvrir_la_carte(page)
    expect(page.locator(".leaflet-marker-icon.leaflet-marker-draggable")).to_have_count(1)
    assert refus == []


def test_le_geocodeur_muet_ou_en_panne_laisse_placer_le_repere(ouvrir, geocodeur):
    page, _, _ = ouvrir(NID)
    ouvrir_la_carte(page)
    champ = page.get_by_role("combobox", name="Chercher une adresse")
    champ.fill("zzzz introuvable")
    page.get_by_text("Aucune adresse trouvée. Essayez autrement, ou placez le repère sur la carte.") \
        .wait_for(state="attached")
    assert champ.get_attribute("aria-expanded") == "false"
    geocodeur.en_panne = True
    try:
        champ.fill("place du marché")
        page.get_by_text("Le service d'adresses n'a pas pu répondre. Placez le repère sur la carte, "
                         "ou écrivez le lieu.").wait_for(state="attached")
        page.get_by_role("button", name="Mettre le repère au centre").click()
        expect(page.locator("[data-carte-etat]")).to_have_text(
            "Point enregistré. Son adresse n'a pas pu être trouvée (le service d'adresses ne "
            "répond pas) : précisez le lieu par écrit si vous le pouvez.")
        assert page.locator("input[name=latitude]").input_value() != ""
    finally:
        geocodeur.en_panne = False


def test_axe_et_clavier_avec_la_carte_ouverte(ouvrir):
    page, refus, _ = ouvrir(NID)
    ouvrir_la_carte(page)
    choisir_l_adresse(page, "cornudet", CORNUDET)
    page.get_by_role("group", name="Ce point est à La Roche-Bernard, pas à Muzillac : changer ?") \
        .wait_for()
    resultats = Axe().run(page)
    assert resultats.violations_count == 0, resultats.generate_report()
    # La carte ne retient pas le focus : Tab la traverse jusqu'aux photos.
    page.get_by_role("combobox", name="Chercher une adresse").focus()
    parcours = []
    for _ in range(15):
        page.keyboard.press("Tab")
        parcours.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"
                                      " || document.activeElement.className"))
        if parcours[-1] == "photos":
            break
    assert "Fermer la carte" in parcours and parcours[-1] == "photos", parcours
    # Au clavier, sans glisser : « Mettre le repère au centre ».
    page.get_by_role("button", name="Mettre le repère au centre").focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-carte-etat]")).to_contain_text("Point enregistré")
    page.get_by_role("button", name="Fermer la carte").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Placer sur la carte")).to_be_focused()
    expect(page.locator(".carte-panneau")).to_be_hidden()
    assert refus == []


@pytest.mark.parametrize(("largeur", "zoom"), [(320, 1), (640, 2)])
def test_la_carte_ouverte_tient_a_320_px_et_a_200_pour_cent(ouvrir, largeur, zoom):
    page, refus, _ = ouvrir(NID, viewport={"width": largeur, "height": 800},
                            device_scale_factor=zoom)
    if zoom == 2:
        page.evaluate("document.documentElement.style.zoom = '200%'")
    ouvrir_la_carte(page)
    choisir_l_adresse(page, "cornudet", CORNUDET)
    page.get_by_role("button", name="Non, garder Muzillac").wait_for()
    debordement = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert debordement <= 0, f"la page déborde de {debordement} px à {largeur} px, zoom {zoom}"
    assert refus == []


def test_sans_javascript_le_lieu_ecrit_suffit_et_la_carte_n_apparait_pas(produit, page_sans_js):
    page = page_sans_js
    page.goto(produit.url + DECHETS)
    expect(page.get_by_role("button", name="Placer sur la carte")).to_be_hidden()
    lieu = page.get_by_label("Lieu précis")
    assert lieu.get_attribute("autocomplete") == "off"
    assert lieu.get_attribute("name") == "lieu"
    page.locator("select#commune").select_option("56143")
    page.get_by_label("Décrivez le problème").fill("Le bac vert n'a pas été vidé.")
    lieu.fill("Devant la mairie")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.wait_for_load_state()
    assert "Référence" in page.locator("body").inner_text()


def test_hors_ligne_le_formulaire_marche_sans_la_carte(site_carte, navigateur, tmp_path):
    serveur = lancer_produit(site_carte, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR", geolocation={"latitude": 47.5, "longitude": -2.4},
                                      permissions=["geolocation"])
    try:
        page = contexte.new_page()
        page.goto(serveur.url + DECHETS)
        attendre_le_worker(page)
        gardes = adresses_gardees(page)
        assert "/theme/js/formulaire.js" in gardes
        assert not [g for g in gardes if "leaflet" in g or g in (
            "/carte.json", "/theme/js/carte.js", "/theme/js/geocodeur.js", "/theme/js/lieu.js")]
        serveur.arreter()
        contexte.set_offline(True)
        page.reload()
        page.get_by_role("button", name="Placer sur la carte").click()
        expect(page.locator("[data-carte-etat]")).to_have_text(
            "La carte demande une connexion à internet : écrivez le lieu, ou utilisez votre position.")
        expect(page.get_by_role("button", name="Utiliser ma position actuelle")).to_be_visible()
        page.locator("select#commune").select_option("56143")
        page.get_by_label("Décrivez le problème").fill("Le bac jaune déborde.")
        page.get_by_label("Lieu précis").fill("Rue du Port")
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_text("En attente de réseau").wait_for()
    finally:
        contexte.close()
        if serveur.processus.poll() is None:
            serveur.arreter()
