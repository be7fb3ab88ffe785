"""Hors ligne, dans le Chromium de Debian : après une seule visite, tout le parcours
s'ouvre sans serveur ni réseau, et un signalement fait hors ligne part une fois, une seule,
quand le réseau revient — même après un rechargement et la fermeture du navigateur."""

import json
from pathlib import Path

import pytest
from PIL import Image

from arbre.francais import a_la_commune
from tests.fonctions.serveurs_locaux import attendre
from tests.navigateur.conftest import ARGUMENTS, CHROMIUM, lancer_produit, port_libre

pytestmark = pytest.mark.navigateur


def attendre_le_worker(page) -> None:
    """Le worker est actif, a tout gardé (install terminé) et contrôle la page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=30_000)


def adresses_du_parcours(site: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Les pages des nœuds, et les pages « par commune » avec le nom de leur commune."""
    modele = json.loads((site / "modele.json").read_text(encoding="utf-8"))
    noeuds = [n for n in modele["noeuds"].values() if not n.get("inatteignable")]
    par_commune = [(f"{n['url']}{c['slug']}/", c["nom"]) for n in noeuds
                   if n.get("depend_de_la_commune") for c in modele["territoire"]["communes"]]
    return [n["url"] for n in noeuds], par_commune


def test_apres_une_visite_tout_le_parcours_s_ouvre_hors_ligne(site_demo, navigateur, tmp_path):
    serveur = lancer_produit(site_demo, tmp_path / "donnees")
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/")
        attendre_le_worker(page)
    finally:
        serveur.arreter()
    contexte.set_offline(True)
    pages, par_commune = adresses_du_parcours(site_demo)
    assert len(pages) + len(par_commune) > 800
    for adresse in pages:
        reponse = page.goto(f"http://127.0.0.1:{serveur.port}{adresse}", wait_until="commit")
        assert reponse and reponse.ok, adresse
        titre = page.locator("h1").inner_text()
        assert titre and titre != "Vous êtes hors ligne", adresse
    for adresse, commune in par_commune:
        # Pas gardée une à une : la page de l'issue la remplace et montre le service de la commune.
        page.goto(f"http://127.0.0.1:{serveur.port}{adresse}", wait_until="commit")
        page.locator("h1", has_text=a_la_commune(commune)).wait_for()  # « au Guerno »
        assert page.locator("#service-nom").is_visible(), adresse
    page.goto(f"http://127.0.0.1:{serveur.port}/une/page/jamais/vue/")
    assert page.locator("h1").inner_text() == "Vous êtes hors ligne"
    contexte.close()


def photo_de_test(chemin: Path) -> Path:
    Image.new("RGB", (2400, 1800), (200, 120, 40)).save(chemin, "JPEG")
    return chemin


def lire_signalements(donnees: Path) -> list[dict]:
    """Tous les signalements stockés, lus par l'interface de stockage."""
    from fonctions.stockage.tinydb import StockageTinyDB

    stockage = StockageTinyDB(donnees)
    try:
        references = sorted(p.stem for p in (donnees / "signalements").glob("*/AIG-*.json"))
        assert stockage.compter_signalements() == len(references)
        return [stockage.lire_signalement(r) for r in references]
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
        assert len(lire_signalements(donnees)) == 1
    finally:
        contexte.close()
        serveur.arreter()
