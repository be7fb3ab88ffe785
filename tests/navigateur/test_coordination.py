"""La page de la coordination dans un vrai Chromium, à 320 px de large, contre le produit
entier (comme `make demo`) : des recherches sans résultat envoyées au serveur, le lien de
connexion demandé par le formulaire et lu dans le courriel (.eml), puis le tableau des
recherches — lisible au clavier et au lecteur d'écran, et sans défaut pour axe-core."""

import email
import email.policy
import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.navigateur.conftest import lancer_produit

pytestmark = pytest.mark.navigateur
COORDINATION = "coordination@essai.example.org"  # celle du contenu « petit »


@pytest.fixture(scope="module")
def produit(site_petit, tmp_path_factory):
    donnees = tmp_path_factory.mktemp("coordination") / "donnees"
    serveur = lancer_produit(site_petit, donnees)
    yield serveur, donnees
    serveur.arreter()


def chercher_sans_resultat(url: str, requete: str) -> None:
    corps = json.dumps({"requete": requete}).encode()
    envoi = urllib.request.Request(url + "/api/recherche/sans-resultat", data=corps,
                                   headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(envoi, timeout=10) as reponse:
        assert reponse.status == 204


def lien_de_connexion(donnees: Path) -> str:
    """Le lien du courriel (.eml) envoyé à la coordination, attendu sans durée supposée."""
    limite = time.monotonic() + 20
    while time.monotonic() < limite:
        for fichier in sorted((donnees / "courriels").glob("*.eml")) if (
                donnees / "courriels").exists() else []:
            message = email.message_from_bytes(fichier.read_bytes(), policy=email.policy.default)
            if message["To"] == COORDINATION:
                texte = message.get_body(("plain",)).get_content()
                return re.search(r"http://\S+/api/coordination/\S+", texte).group(0)
        time.sleep(0.1)
    raise AssertionError(f"aucun courriel pour {COORDINATION}")


def test_la_coordination_lit_les_recherches_sans_resultat_sur_un_petit_ecran(produit,
                                                                              navigateur):
    serveur, donnees = produit
    for requete in ["Carte d'identité perdue", "carte identité PERDUE", "Passeport"]:
        chercher_sans_resultat(serveur.url, requete)
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": 320, "height": 640})
    page = contexte.new_page()
    try:
        page.goto(serveur.url + "/api/coordination")
        page.get_by_label("Votre adresse e-mail de coordination").fill(COORDINATION)
        page.get_by_role("button", name="Recevoir un lien de connexion").click()
        page.get_by_role("status").get_by_text("un lien de connexion vient d'y être envoyé").wait_for()

        page.goto(lien_de_connexion(donnees))
        tableau = page.get_by_role("table", name=(
            "Les 2 recherches sans résultat les plus fréquentes, de la plus fréquente à la "
            "moins fréquente"))
        assert tableau.get_by_role("row").all_inner_texts() == [
            "Mots cherchés\tNombre de fois", "carte identite perdue\t2", "passeport\t1"]
        assert page.get_by_role("columnheader", name="Nombre de fois").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 320
        resultats = Axe().run(page)
        assert resultats.violations_count == 0, resultats.generate_report()
    finally:
        contexte.close()
