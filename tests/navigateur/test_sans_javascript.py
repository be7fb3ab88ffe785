"""Tout le parcours sans JavaScript, dans un vrai Chromium, contre le produit entier (site
construit et fonctions, comme `make demo`) : un formulaire refusé revient avec chaque valeur,
« Retour » puis « Envoyer » ne fait qu'un signalement et qu'un courriel au service, et le lien
de suivi de la confirmation (ou reçu par courriel) ouvre la chronologie sans JavaScript."""

import email
import email.policy
import time
from pathlib import Path

import pytest

from fonctions.stockage.journalise import ouvrir_stockage
from tests.navigateur.conftest import lancer_produit

pytestmark = pytest.mark.navigateur
MAIRIE = "services-techniques@muzillac.example.org"  # Mairie de Muzillac, contenu « petit »


@pytest.fixture(scope="module")
def produit(site_petit, tmp_path_factory):
    donnees = tmp_path_factory.mktemp("sans-javascript") / "donnees"
    serveur = lancer_produit(site_petit, donnees)
    yield serveur, donnees
    serveur.arreter()


def courriels(donnees: Path) -> list:
    dossier = donnees / "courriels"
    return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
            for f in sorted(dossier.glob("*.eml"))] if dossier.exists() else []


def attendre_courriel(donnees: Path, condition, delai: float = 30.0):
    """Le premier courriel (.eml) qui remplit ``condition``, attendu sans durée supposée."""
    limite = time.monotonic() + delai
    while time.monotonic() < limite:
        for message in courriels(donnees):
            if condition(message):
                return message
        time.sleep(0.1)
    raise AssertionError("le courriel attendu n'est pas arrivé")


def texte_du_courriel(message) -> str:
    return message.get_body(("plain",)).get_content()


def remplir_nid_de_poule(page, description: str) -> None:
    page.get_by_label("Décrivez le problème").fill(description)
    page.get_by_label("Comme une assiette").check()
    page.get_by_label("Lieu précis").fill("2 place du Marché")


def test_sans_javascript_une_erreur_garde_chaque_valeur_et_mene_a_chaque_champ(
        serveur_demo, page_sans_js, tmp_path):
    page = page_sans_js
    page.goto(serveur_demo.url + "/proprete/encombrants/")
    page.get_by_role("combobox", name="Commune").select_option(label="Nivillac (56130)")
    page.get_by_label("Décrivez le problème").fill("Un canapé et un matelas\nà enlever, merci.")
    page.get_by_label("Quels objets voulez-vous faire enlever ?").fill("Canapé <3 places> & matelas")
    page.get_by_label("Non", exact=True).check()
    page.get_by_label("Lieu précis").fill("8 rue de la Vilaine")
    faux = tmp_path / "canape.jpg"
    faux.write_bytes(b"ceci n'est pas une photo")
    page.get_by_label("Photos (facultatif)").set_input_files(str(faux))
    page.get_by_label("Adresse e-mail").fill("lea@exemple.fr")
    page.get_by_label("Téléphone").fill("12")
    page.get_by_label("Le service peut me contacter").check()
    page.get_by_role("button", name="Envoyer le signalement").click()

    resume = page.get_by_role("alert")
    resume.get_by_role("heading", name="Votre signalement n'est pas encore envoyé").wait_for()
    assert page.title().startswith("Erreur : Je veux faire enlever des encombrants : signaler")
    assert resume.get_by_role("listitem").all_inner_texts() == [
        "Téléphone : Ce numéro de téléphone n'est pas valide (exemple : 06 12 34 56 78).",
        "Photos : Photo 1 : Ce fichier n'est pas une photo : envoyez une image JPEG, PNG ou "
        "WebP. Vos photos n'ont pas été gardées : choisissez-les de nouveau."]
    assert page.get_by_role("combobox", name="Commune").input_value() == "56147"
    assert page.get_by_label("Décrivez le problème").input_value() == (
        "Un canapé et un matelas\nà enlever, merci.")
    assert page.get_by_label("Quels objets voulez-vous faire enlever ?").input_value() == (
        "Canapé <3 places> & matelas")
    assert page.get_by_label("Non", exact=True).is_checked()
    assert not page.get_by_label("Oui", exact=True).is_checked()
    assert page.get_by_label("Lieu précis").input_value() == "8 rue de la Vilaine"
    assert page.get_by_label("Adresse e-mail").input_value() == "lea@exemple.fr"
    assert page.get_by_label("Le service peut me contacter").is_checked()
    assert page.locator("#photos").evaluate("champ => champ.files.length") == 0

    resume.get_by_role("link", name="Téléphone :").click()  # le lien mène au champ
    assert page.evaluate("document.activeElement.id") == "telephone"
    telephone = page.get_by_label("Téléphone")
    assert telephone.get_attribute("aria-invalid") == "true"
    assert telephone.input_value() == "12"
    telephone.fill("06 12 34 56 78")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Votre signalement est enregistré").wait_for()
    assert "Je veux faire enlever des encombrants, à Nivillac." in page.locator("main").inner_text()


def test_sans_javascript_retour_puis_envoyer_ne_fait_qu_un_signalement_et_un_courriel(
        site_petit, page_sans_js, tmp_path):
    donnees = tmp_path / "donnees"
    serveur = lancer_produit(site_petit, donnees)  # ses propres données : tout y est compté
    page = page_sans_js
    try:
        page.goto(serveur.url + "/voirie/nid-de-poule/muzillac/")
        remplir_nid_de_poule(page, "Un trou devant la poste, envoyé deux fois.")
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_role("heading", name="Votre signalement est enregistré").wait_for()
        reference = page.locator(".reference").inner_text()
        suivi = page.url

        page.go_back()  # le navigateur rend le formulaire tel qu'il a été envoyé…
        assert page.get_by_label("Décrivez le problème").input_value() == (
            "Un trou devant la poste, envoyé deux fois.")
        # … sauf le lieu (autocomplete="off", pour que le navigateur n'y propose jamais
        # l'adresse de la personne) : elle le récrit, et c'est le même envoi.
        page.get_by_label("Lieu précis").fill("2 place du Marché")
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_role("status").get_by_text("Vous aviez déjà envoyé ce signalement").wait_for()
        assert page.locator(".reference").inner_text() == reference
        assert page.url == suivi + "?fait=deja"

        transmis = attendre_courriel(donnees, lambda m: m["To"] == MAIRIE)
        assert transmis["X-Aiguillage-Reference"] == reference
    finally:
        serveur.arreter()
    stockage = ouvrir_stockage(donnees)  # rejoue le journal s'il en restait
    try:
        assert stockage.compter_signalements() == 1
    finally:
        stockage.fermer()
    assert [(m["To"], m["X-Aiguillage-Reference"]) for m in courriels(donnees)] == [
        (MAIRIE, reference)]


def test_sans_javascript_le_lien_de_suivi_ouvre_la_chronologie_et_part_par_courriel(
        produit, navigateur, page_sans_js):
    serveur, donnees = produit
    page = page_sans_js
    page.goto(serveur.url + "/voirie/nid-de-poule/muzillac/")
    remplir_nid_de_poule(page, "Un trou qui s'agrandit, à suivre sans JavaScript.")
    page.get_by_role("button", name="Envoyer le signalement").click()
    garder = page.get_by_role("region", name="Garder ce suivi")
    garder.wait_for()
    reference = page.locator(".reference").inner_text()
    lien = garder.locator("a.lien").get_attribute("href")
    assert lien == page.url and lien.startswith(f"{serveur.url}/api/suivi/{reference}.")

    garder.get_by_label("Recevoir ce lien par e-mail").fill("lea@exemple.fr")
    garder.get_by_role("button", name="Recevoir le lien par e-mail").click()
    page.get_by_role("status").get_by_text("Le lien de suivi est parti").wait_for()
    message = attendre_courriel(donnees, lambda m: m["To"] == "lea@exemple.fr")
    assert message["Subject"] == f"Votre lien de suivi : Un nid-de-poule, à Muzillac ({reference})"
    assert f"\n{lien}\n" in texte_du_courriel(message)

    # Plus tard, ailleurs, toujours sans JavaScript : le lien ouvre la chronologie.
    contexte = navigateur.new_context(locale="fr-FR", java_script_enabled=False)
    ailleurs = contexte.new_page()
    try:
        ailleurs.goto(lien)
        assert ailleurs.locator(".reference").inner_text() == reference
        etapes = ailleurs.locator("ol.chronologie > li").all_inner_texts()
        assert etapes[0].split("\n")[1] == "Signalement reçu"
        ailleurs.get_by_label("Votre information").fill("Il pleut : le trou est plein d'eau.")
        ailleurs.get_by_role("button", name="Ajouter").click()
        ailleurs.get_by_role("status").get_by_text("Votre information est ajoutée").wait_for()
        assert ailleurs.url == lien + "?fait=complement"
        assert "Il pleut : le trou est plein d'eau." in (
            ailleurs.locator("ol.chronologie > li").last.inner_text())
    finally:
        contexte.close()
