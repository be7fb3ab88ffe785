"""Hors ligne, dans le Chromium de Debian : à la première visite, le worker ne garde que la
coquille et les questions de premier niveau (quelle que soit la taille du parcours) ; chaque
page visitée s'ouvre ensuite sans serveur ni réseau, et sur une connexion ordinaire toute la
famille où l'on est entré ; en économie de données, seules la coquille et les pages ouvertes
sont gardées, jusqu'à ce que la personne demande tout le parcours ; une page jamais gardée dit
clairement, en français, qu'elle ne peut pas s'ouvrir et propose ce qui marche ; un signalement
fait hors ligne part une fois, une seule, quand le réseau revient — même après un
rechargement et la fermeture du navigateur."""

import json
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from arbre.francais import a_la_commune
from arbre.hors_ligne import fichiers_gardes, repartir
from tests.fonctions.serveurs_locaux import attendre
from tests.navigateur.conftest import ARGUMENTS, CHROMIUM, lancer_produit, port_libre

pytestmark = pytest.mark.navigateur


def attendre_le_worker(page) -> None:
    """Le worker est actif, a tout gardé (install terminé) et contrôle la page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=30_000)


def adresses_du_parcours(site: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Les pages des nœuds, et les pages « par commune » avec le nom de leur commune."""
    modele = json.loads((site / "modele.json").read_text(encoding="utf-8"))
    noeuds = [n for n in modele["noeuds"].values() if not n.get("inatteignable")]
    par_commune = [(f"{n['url']}{c['slug']}/", c["nom"]) for n in noeuds
                   if n.get("depend_de_la_commune") for c in modele["territoire"]["communes"]]
    return [n["url"] for n in noeuds], par_commune


TOUT_EST_GARDE = "Tout le parcours est gardé sur cet appareil : il s'ouvre aussi sans réseau."
FAMILLES_GARDEES = ("Les pages ouvertes et leur famille de problèmes sont gardées sur cet appareil : "
                    "elles s'ouvrent aussi sans réseau.")
PAGES_OUVERTES_SEULEMENT = ("Votre connexion est lente ou économise les données : sur cet appareil, "
                            "seules les pages déjà ouvertes s'ouvrent sans réseau.")
RATE = "Le parcours n'a pas pu être téléchargé : réessayez quand le réseau sera meilleur."
ADRESSES_GARDEES = """caches.keys()
    .then(noms => caches.open(noms.find(n => n.startsWith('aiguillage-'))))
    .then(cache => cache.keys())
    .then(requetes => requetes.map(r => new URL(r.url).pathname).sort())"""


def adresses_gardees(page) -> list[str]:
    """Ce que le service worker a gardé, lu dans son cache par la page."""
    return page.evaluate(ADRESSES_GARDEES)


def attendre_gardees(page, attendues: set[str]) -> None:
    """Attend que le worker ait gardé `attendues` (il les garde en arrière-plan)."""
    attendre(lambda: attendues <= set(adresses_gardees(page)),
             message=f"jamais gardées : {sorted(attendues - set(adresses_gardees(page)))[:5]}")


def repartition(site: Path):
    modele = json.loads((site / "modele.json").read_text(encoding="utf-8"))
    coquille, complement, autres, familles = repartir(fichiers_gardes(site, modele), modele)
    return ({u for u, _, _ in coquille}, {u for u, _, _ in complement}, {u for u, _, _ in autres},
            {nom: {u for u, _, _ in liste} for nom, liste in familles.items()})


def verifier_hors_ligne(page, origine: str, adresse: str) -> None:
    reponse = page.goto(origine + adresse, wait_until="commit")
    assert reponse and reponse.ok, adresse
    titre = page.locator("h1").inner_text()
    assert titre and titre != "Vous êtes hors ligne", adresse


def test_la_premiere_visite_garde_la_coquille_puis_la_famille_ou_l_on_entre(site_demo, navigateur, tmp_path):
    """Connexion ordinaire : l'installation ne garde que la coquille, les questions de premier
    niveau et le complément (pages d'information, plan, recherche compacte) ; entrer dans une
    famille la garde tout entière (ses pages « par commune » comprises, par la page de
    l'issue) ; une page d'une autre famille, jamais ouverte, dit hors ligne qu'elle n'est pas
    gardée et propose ce qui marche."""
    coquille, complement, _, familles = repartition(site_demo)
    serveur = lancer_produit(site_demo, tmp_path / "donnees")
    origine = serveur.url
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(origine + "/")
        attendre_le_worker(page)
        expect(page.locator("footer [data-hors-ligne-etat]")).to_have_text(FAMILLES_GARDEES)
        assert set(adresses_gardees(page)) == coquille | complement
        assert page.get_by_role("button", name="Garder tout le parcours").is_visible()
        page.goto(origine + "/eclairage/")
        attendre_gardees(page, familles["eclairage"])
        assert not familles["voirie"] & set(adresses_gardees(page))
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    pages, par_commune = adresses_du_parcours(site_demo)
    for adresse in sorted(coquille | complement | familles["eclairage"]):
        if adresse.endswith("/") and adresse != "/hors-ligne/":
            verifier_hors_ligne(page, origine, adresse)
    for adresse, commune in par_commune:
        if adresse.startswith("/eclairage/"):
            page.goto(origine + adresse, wait_until="commit")
            page.locator("h1", has_text=a_la_commune(commune)).wait_for()
            assert page.locator("#service-nom").is_visible(), adresse
    page.goto(origine + "/voirie/rue-communale/")
    assert page.locator("h1").inner_text() == "Vous êtes hors ligne"
    assert page.get_by_role("link", name="Recommencer depuis le début").is_visible()
    contexte.close()


def test_arrivee_au_milieu_d_une_famille_la_famille_suit_l_installation(site_demo, navigateur, tmp_path):
    """Première visite sur une page au fond d'une famille (un lien reçu, un moteur de
    recherche) : l'installation garde la coquille et cette page, puis la famille suit."""
    coquille, complement, _, familles = repartition(site_demo)
    serveur = lancer_produit(site_demo, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/eclairage/lampadaire-eteint/muzillac/")
        attendre_le_worker(page)
        attendre_gardees(page, coquille | complement | familles["eclairage"])
        assert not familles["voirie"] & set(adresses_gardees(page))
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    page.goto(serveur.url + "/eclairage/lampadaire-eteint/arzal/", wait_until="commit")
    page.locator("h1", has_text="à Arzal").wait_for()
    contexte.close()


def test_chaque_page_visitee_s_ouvre_hors_ligne(site_demo, navigateur, tmp_path):
    """Toutes les pages de la démonstration, chacune ouverte une fois en ligne, s'ouvrent sans
    réseau ; les pages « par commune », par la page de leur issue : chaque issue pour trois
    communes (la première, « au Guerno », la dernière), et toutes les communes de l'une
    d'elles (les 740 une à une prendraient des minutes pour la même vérification)."""
    serveur = lancer_produit(site_demo, tmp_path / "donnees")
    origine = serveur.url
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    pages, par_commune = adresses_du_parcours(site_demo)
    assert len(pages) + len(par_commune) > 800
    try:
        page.goto(origine + "/")
        attendre_le_worker(page)
        for adresse in pages:
            page.goto(origine + adresse, wait_until="commit")
        attendre_gardees(page, set(pages))
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    for adresse in pages:
        verifier_hors_ligne(page, origine, adresse)
    communes = sorted({c for _, c in par_commune})
    echantillon = {communes[0], "Le Guerno", communes[-1]}
    une_issue = par_commune[0][0].rsplit("/", 2)[0]
    for adresse, commune in par_commune:
        if commune not in echantillon and not adresse.startswith(une_issue + "/"):
            continue
        # Pas gardée une à une : la page de l'issue la remplace et montre le service de la commune.
        page.goto(origine + adresse, wait_until="commit")
        page.locator("h1", has_text=a_la_commune(commune)).wait_for()  # « au Guerno »
        assert page.locator("#service-nom").is_visible(), adresse
    page.goto(origine + "/une/page/jamais/vue/")
    assert page.locator("h1").inner_text() == "Vous êtes hors ligne"
    contexte.close()


def test_en_economie_de_donnees_seules_la_coquille_et_les_pages_ouvertes_sont_gardees(
        site_petit, navigateur, tmp_path):
    """Save-Data (émulé par le DevTools protocol, comme le réglage du téléphone) : rien de plus
    que la coquille et les pages visitées n'est téléchargé, jusqu'au bouton « Garder tout le
    parcours pour le hors-ligne (≈ N Ko) », N calculé à la construction."""
    modele = json.loads((site_petit / "modele.json").read_text(encoding="utf-8"))
    fichiers = fichiers_gardes(site_petit, modele)
    coquille, _, _, _ = repartition(site_petit)
    port = port_libre()
    serveur = lancer_produit(site_petit, tmp_path / "donnees", port=port)
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    contexte.new_cdp_session(page).send("Emulation.setDataSaverOverride", {"dataSaverEnabled": True})
    try:
        page.goto(serveur.url + "/voirie/")
        attendre_le_worker(page)
        assert page.evaluate("navigator.connection.saveData") is True
        expect(page.locator("footer [data-hors-ligne-etat]")).to_have_text(PAGES_OUVERTES_SEULEMENT)
        assert adresses_gardees(page) == sorted(coquille | {"/voirie/"})
        reste = sum(octets for url, _, octets in fichiers if url not in coquille | {"/voirie/"})
        assert page.locator("[data-garder-poids]").inner_text() == str(int(reste / 1024 + 0.5))

        # Une page « par commune » visitée : la page de l'issue, qui la remplace hors ligne, et
        # les services de ses communes sont gardés au passage (avec le manifeste de la famille).
        page.goto(serveur.url + "/voirie/nid-de-poule/muzillac/")
        issue = {"/voirie/nid-de-poule/", "/voirie/nid-de-poule/communes.json",
                 "/hors-ligne/familles/voirie.json"}
        attendre_gardees(page, issue)
        assert adresses_gardees(page) == sorted(coquille | issue)
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    for adresse, titre in (("/voirie/", "Qu'avez-vous constaté ?"), ("/", "Quel est le problème ?"),
                           ("/partages/arbre-tombe/sur-un-fil/", "Vous êtes hors ligne")):
        page.goto(f"http://127.0.0.1:{port}{adresse}", wait_until="commit")
        assert page.locator("h1").inner_text() == titre, adresse
    page.goto(f"http://127.0.0.1:{port}/voirie/nid-de-poule/muzillac/", wait_until="commit")
    page.locator("h1", has_text="à Muzillac").wait_for()
    # Sans réseau, le bouton dit que le téléchargement n'a pas pu se faire, et reste proposé.
    page.get_by_role("button", name="Garder tout le parcours pour le hors-ligne").click()
    page.wait_for_function("() => document.activeElement.matches('[data-hors-ligne-etat]')"
                           f" && document.activeElement.textContent === {json.dumps(RATE)}")
    assert page.get_by_role("button", name="Garder tout le parcours").is_enabled()

    serveur = lancer_produit(site_petit, tmp_path / "donnees", port=port)  # le réseau revient
    contexte.set_offline(False)
    try:
        page.goto(f"http://127.0.0.1:{port}/voirie/")
        page.get_by_role("button", name="Garder tout le parcours pour le hors-ligne").click()
        # Le focus va au résultat de l'action, qui dit que tout est gardé.
        page.wait_for_function("() => document.activeElement.matches('[data-hors-ligne-etat]')"
                               f" && document.activeElement.textContent === {json.dumps(TOUT_EST_GARDE)}")
        assert page.get_by_role("button", name="Garder tout le parcours").is_hidden()
        assert set(adresses_gardees(page)) >= {url for url, _, _ in fichiers}
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    page.goto(f"http://127.0.0.1:{port}/partages/arbre-tombe/sur-un-fil/", wait_until="commit")
    assert page.locator("h1").inner_text() != "Vous êtes hors ligne"
    contexte.close()


def photo_de_test(chemin: Path) -> Path:
    Image.new("RGB", (2400, 1800), (200, 120, 40)).save(chemin, "JPEG")
    return chemin


def lire_signalements(donnees: Path) -> list[dict]:
    """Tous les signalements stockés, lus par l'interface de stockage."""
    from fonctions.stockage.tinydb import StockageTinyDB

    stockage = StockageTinyDB(donnees)
    try:
        # Le serveur peut écrire pendant la lecture : un fichier listé ici peut n'être pas
        # encore lisible, on ne garde que ce que le stockage rend (sans rien affirmer ici :
        # appelée sous attendre(), une affirmation ferait échouer au lieu d'attendre).
        references = sorted(p.stem for p in (donnees / "signalements").glob("*/AIG-*.json"))
        documents = (stockage.lire_signalement(r) for r in references)
        return [d for d in documents if d is not None]
    finally:
        stockage.fermer()


def test_un_signalement_fait_hors_ligne_part_une_seule_fois_au_retour_du_reseau(
        site_petit, playwright, tmp_path):
    donnees, profil, port = tmp_path / "donnees", tmp_path / "profil", port_libre()
    serveur = lancer_produit(site_petit, donnees, port=port)
    url = f"http://127.0.0.1:{port}"
    def ouvrir():
        return playwright.chromium.launch_persistent_context(
            profil, executable_path=CHROMIUM, args=ARGUMENTS, locale="fr-FR")

    contexte = ouvrir()
    page = contexte.new_page()
    page.goto(url + "/voirie/nid-de-poule/muzillac/")
    attendre_le_worker(page)
    serveur.arreter()  # plus de serveur, plus de réseau
    contexte.set_offline(True)
    page.reload()
    page.get_by_label("Décrivez le problème").fill("Un trou profond devant la boulangerie.")
    page.get_by_label("Comme une assiette").check()
    page.get_by_label("Lieu précis").fill("3 place de l'Église")
    page.get_by_label("Photos").set_input_files(photo_de_test(tmp_path / "trou.jpg"))
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_text("En attente de réseau").wait_for()

    page.reload()  # le rechargement ne perd rien
    page.goto(url + "/mes-signalements/")
    page.get_by_text("En attente de réseau").wait_for()
    contexte.close()  # le navigateur est fermé…

    contexte = ouvrir()  # … puis rouvert sur le même profil, toujours sans réseau
    contexte.set_offline(True)
    page = contexte.new_page()
    page.goto(url + "/mes-signalements/")
    page.get_by_text("En attente de réseau").wait_for()
    assert lire_signalements(donnees) == []

    serveur = lancer_produit(site_petit, donnees, port=port)  # le serveur revient
    try:
        contexte.set_offline(False)  # le réseau aussi : l'évènement « online » envoie
        page.locator(".etat-envoye").wait_for(timeout=20_000)
        # Confirmé au téléphone dès qu'il est au journal du serveur ; les fichiers TinyDB
        # suivent un instant plus tard (docs/fonctions.md) : on les attend.
        signalements = attendre(lambda: lire_signalements(donnees),
                                message="signalement confirmé jamais écrit dans TinyDB")
        assert len(signalements) == 1
        signalement = signalements[0]
        assert signalement["description"] == "Un trou profond devant la boulangerie."
        assert signalement["gestionnaire"]["id"] == "mairie-muzillac"
        assert len(signalement["photos"]) == 1
        assert max(signalement["photos"][0]["largeur"], signalement["photos"][0]["hauteur"]) == 1600
        assert "Référence " + signalement["reference"] in page.locator("main").inner_text()

        # Rejouer la boîte (vide) puis le même envoi : rien ne change.
        page.evaluate("self.BoiteEnvoi.envoyer()")
        cle = page.evaluate("self.BoiteEnvoi.signalements().then(s => s[0].cle)")
        statut = page.evaluate("""cle => fetch('/api/signalements', {method: 'POST',
            headers: {'Idempotency-Key': cle, 'Content-Type': 'application/json'},
            body: JSON.stringify({noeud: 'voirie/nid-de-poule', commune: '56143',
              description: 'Un trou profond devant la boulangerie.'})}).then(r => r.status)""", cle)
        assert statut == 422  # même clé, autre contenu : refusé, pas un second signalement
    finally:
        contexte.close()
        serveur.arreter()
    # Arrêté proprement, le serveur a écrit dans TinyDB tout ce que son journal tenait.
    assert len(lire_signalements(donnees)) == 1
