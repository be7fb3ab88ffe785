"""Le formulaire de signalement dans le Chromium de Debian, contre le vrai produit : le
téléphone vérifie avec les règles et les messages du serveur (vecteurs partagés) avant de
garder quoi que ce soit ; la page dit toujours la vérité sur un signalement gardé (refusé au
retour du réseau : « À corriger » sur la page ouverte en moins de 2 s, le bandeau sur les
autres) ; une adresse laissée sans « Le service peut me contacter » ne part jamais chez le
service (le vrai courriel reçu par un vrai SMTP le montre) ; les photos (raison, aperçu,
« Retirer » au clavier). axe-core et 320 px sur les états nouveaux."""

import email
import email.policy
import json
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.fonctions.serveurs_locaux import BoiteSMTP, attendre, demarrer_smtp
from tests.fonctions.vecteurs_validation import FICHIER as VECTEURS
from tests.navigateur.conftest import enregistrement_du_worker, lancer_produit, port_libre
from tests.navigateur.test_hors_ligne import attendre_le_worker, lire_signalements, photo_de_test

pytestmark = pytest.mark.navigateur

NID = "/voirie/nid-de-poule/muzillac/"
MAIRIE = "services-techniques@muzillac.example.org"
DESCRIPTION = "Un trou profond devant la boulangerie."
RAISON = "Le service doit voir la taille du trou."
# La page apprend chaque état d'un envoi par un message (BroadcastChannel), sans sonder :
# sur une machine calme, l'état s'affiche en quelques dizaines de millisecondes. Le délai
# ci-dessous ne borne que l'échec ; il reste sous l'intervalle d'un sondage (12 à 20 s avant
# l'issue 11), qu'un retour en arrière ferait donc échouer.
ANNONCE = 10_000
DEBORDEMENT = "document.documentElement.scrollWidth - document.documentElement.clientWidth"

VERIFIER = """async (vecteurs) => {
  const v = await import("/theme/js/validation.js");
  const regles = await (await fetch("/regles.json")).json();
  return vecteurs.map((c) => {
    const textes = Object.fromEntries(Object.entries(c.champs).map(([k, x]) => [k, v.nettoyer(x, regles)]));
    return v.verifierFormulaire(regles, c.formulaire, c.commune_obligatoire, textes, c.photos);
  });
}"""

ERREURS_DU_SERVEUR = """() => {
  const champs = [...new FormData(document.querySelector("form[data-signalement]"))]
    .filter(([nom, v]) => typeof v === "string" && nom !== "idempotency_key");
  return fetch("/api/signalements", { method: "POST", body: JSON.stringify(Object.fromEntries(champs)),
    headers: { "Content-Type": "application/json", Accept: "application/json" } })
    .then((r) => r.json()).then((corps) => corps.erreurs.map((e) => e.message));
}"""


def remplir(page, description: str = DESCRIPTION) -> None:
    page.get_by_label("Décrivez le problème").fill(description)
    page.get_by_label("Comme une assiette").check()
    page.get_by_label("Lieu précis").fill("3 place de l'Église")


def annonce(page) -> str:
    return page.locator("[data-annonce]").text_content()


def test_le_telephone_verifie_comme_le_serveur_avec_les_memes_messages(serveur, page):
    vecteurs = json.loads(VECTEURS.read_text(encoding="utf-8"))
    page.goto(serveur.url + "/")
    obtenus = page.evaluate(VERIFIER, vecteurs)
    differences = {c["nom"]: {"navigateur": o, "serveur": {"erreurs": c["erreurs"],
                                                          "valeurs": c["valeurs"]}}
                   for c, o in zip(vecteurs, obtenus, strict=True)
                   if o != {"erreurs": c["erreurs"], "valeurs": c["valeurs"]}}
    assert differences == {}


def test_le_telephone_dit_avant_de_garder_ce_que_le_serveur_refuserait(serveur, page):
    envois = []
    page.on("request", lambda r: envois.append(r.url) if "/api/" in r.url else None)
    page.goto(serveur.url + NID)
    page.get_by_label("Adresse e-mail").fill("lea@")
    page.get_by_label("Le service peut me contacter").check()
    page.get_by_role("button", name="Envoyer le signalement").click()
    resume = page.get_by_role("alert")
    expect(resume).to_contain_text("Le signalement n'est pas encore gardé.")
    messages = resume.get_by_role("link").all_inner_texts()
    assert messages == [
        "Décrivez le problème en quelques mots.",
        "Indiquez où se trouve le problème : une adresse, un repère ou votre position.",
        "Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).",
        "Répondez à la question « Quelle est la taille du trou ? ».",
    ]
    # Rien n'est gardé, rien n'est parti ; le focus est sur la liste, qui mène à chaque champ.
    assert page.evaluate("self.BoiteEnvoi.envois()") == []
    assert envois == []
    assert page.evaluate("'erreurs' in document.activeElement.dataset")
    assert page.get_by_label("Décrivez le problème").get_attribute("aria-invalid") == "true"
    resume.get_by_role("link", name="Cette adresse e-mail n'est pas valide", exact=False).click()
    assert page.evaluate("document.activeElement.id") == "courriel"
    # Le serveur, à qui l'on envoie les mêmes champs, dit exactement la même chose.
    assert page.evaluate(ERREURS_DU_SERVEUR) == messages


def modele_ou_la_photo_est_devenue_obligatoire(site, dossier):
    """Le contenu publié a changé pendant que le signalement attendait sur le téléphone."""
    donnees = json.loads((site / "modele.json").read_text(encoding="utf-8"))
    formulaire = donnees["noeuds"]["voirie/nid-de-poule"]["formulaire"]
    formulaire.update(photo="obligatoire", raison_photo=RAISON)
    chemin = dossier / "modele.json"
    chemin.write_text(json.dumps(donnees, ensure_ascii=False), encoding="utf-8")
    shutil.copy(site / "recherche.json", dossier / "recherche.json")
    return chemin


def test_refuse_au_retour_du_reseau_la_page_ouverte_dit_a_corriger_et_les_autres_aussi(
        site_petit, navigateur, tmp_path):
    donnees, port = tmp_path / "donnees", port_libre()
    url = f"http://127.0.0.1:{port}"
    serveur = lancer_produit(site_petit, donnees, port=port)
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(url + NID)
        attendre_le_worker(page)
        autre = contexte.new_page()  # un deuxième onglet, sur une autre page
        autre.goto(url + "/dechets/")
        autre.wait_for_function("() => navigator.serviceWorker.controller !== null")
        serveur.arreter()
        contexte.set_offline(True)

        remplir(page)
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_text("En attente de réseau").wait_for()

        serveur = lancer_produit(site_petit, donnees, port=port, AIGUILLAGE_MODELE=str(
            modele_ou_la_photo_est_devenue_obligatoire(site_petit, tmp_path)))
        contexte.set_offline(False)  # le réseau revient : le serveur refuse (422)
        zone = page.locator(".envoi-etat")
        expect(zone.get_by_text("À corriger : le signalement n'a pas été accepté.")).to_be_visible(
            timeout=ANNONCE)
        expect(zone.get_by_role("listitem")).to_have_text(
            [f"Ajoutez au moins une photo du problème. {RAISON}"])
        page.wait_for_function("() => document.activeElement.closest('.envoi-etat') !== null",
                               timeout=ANNONCE)
        page.wait_for_function("""() => document.querySelector("[data-annonce]").textContent
            === "Le service n'a pas accepté ce signalement : Ajoutez au moins une photo du """
                               f"""problème. {RAISON}\"""", timeout=ANNONCE)
        # L'autre onglet l'apprend aussitôt, sans rechargement, et le dit poliment.
        expect(autre.get_by_role("link", name="1 signalement à corriger")).to_be_visible(
            timeout=ANNONCE)
        assert annonce(autre) == ("Un signalement attend vos corrections : le service ne l'a "
                                  "pas accepté tel quel.")
        autre.goto(url + "/")  # et chaque page ouverte ensuite le montre
        bandeau = autre.get_by_role("link", name="1 signalement à corriger")
        expect(bandeau).to_be_visible(timeout=ANNONCE)
        bandeau.click()

        autre.wait_for_url(f"**{NID}?corriger=*")
        expect(autre.get_by_label("Décrivez le problème")).to_have_value(DESCRIPTION)
        expect(autre.get_by_role("alert")).to_contain_text(
            f"Ajoutez au moins une photo du problème. {RAISON}")
        autre.get_by_label("Photos").set_input_files(photo_de_test(tmp_path / "trou.jpg"))
        autre.get_by_role("button", name="Envoyer le signalement").click()
        autre.get_by_role("heading", name="Signalement envoyé").wait_for()

        # La première page suit le signalement corrigé ailleurs ; plus rien à corriger.
        expect(page.get_by_role("heading", name="Signalement envoyé")).to_be_visible(timeout=ANNONCE)
        expect(page.get_by_role("link", name="1 signalement à corriger")).to_have_count(
            0, timeout=ANNONCE)
        signalements = attendre(lambda: lire_signalements(donnees),
                                message="signalement confirmé jamais écrit dans TinyDB")
        assert [len(s["photos"]) for s in signalements] == [1]
    finally:
        contexte.close()
        serveur.arreter()


def test_une_adresse_sans_l_accord_du_service_est_acceptee_et_le_service_ne_la_voit_jamais(
        site_petit, page, tmp_path):
    boite = BoiteSMTP()
    controleur = demarrer_smtp(boite)
    serveur = lancer_produit(site_petit, tmp_path / "donnees",
                             AIGUILLAGE_SMTP_URL=f"smtp://127.0.0.1:{controleur.port}",
                             AIGUILLAGE_EXPEDITEUR="aiguillage@essai.example.org")
    try:
        page.goto(serveur.url + NID)
        remplir(page)
        page.get_by_label("Adresse e-mail").fill("lea@exemple.fr")
        page.get_by_label("Téléphone").fill("06 12 34 56 78")
        assert not page.get_by_label("Le service peut me contacter").is_checked()
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_role("heading", name="Signalement envoyé").wait_for()

        def transmis():
            for recu in list(boite.courriels):
                if recu["pour"] == [MAIRIE]:
                    return recu["contenu"]
            return None
        brut = attendre(transmis, message=f"aucun courriel pour {MAIRIE}")
        message = email.message_from_bytes(brut, policy=email.policy.default)
        texte = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert DESCRIPTION in texte  # c'est bien le signalement transmis
        for cache in ("lea@exemple.fr", "06 12 34 56 78", "0612345678"):
            assert cache not in texte and cache not in html and cache.encode() not in brut
    finally:
        serveur.arreter()
        controleur.stop()


def test_sans_javascript_une_adresse_sans_la_case_ne_bloque_pas_l_envoi(serveur, page_sans_js):
    page = page_sans_js
    page.goto(serveur.url + NID)
    remplir(page)
    page.get_by_label("Adresse e-mail").fill("lea@exemple.fr")
    page.get_by_label("Téléphone").fill("06 12 34 56 78")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Votre signalement est enregistré").wait_for()


def declencher_background_sync(contexte, page, origine: str) -> None:
    """Le navigateur réveille le service worker pour « aiguillage-envoi » (DevTools protocol)."""
    cdp, enregistrement = enregistrement_du_worker(contexte, page, origine)
    cdp.send("ServiceWorker.dispatchSyncEvent", {"origin": origine, "registrationId": enregistrement,
                                                 "tag": "aiguillage-envoi", "lastChance": False})


def test_envoye_par_un_autre_onglet_ou_par_le_service_worker_la_page_le_dit(
        site_petit, navigateur, tmp_path):
    donnees, port = tmp_path / "donnees", port_libre()
    url = f"http://127.0.0.1:{port}"
    serveur = lancer_produit(site_petit, donnees, port=port)
    contexte = navigateur.new_context(locale="fr-FR")
    page = contexte.new_page()
    try:
        page.goto(url + NID)
        attendre_le_worker(page)
        autre = contexte.new_page()
        autre.goto(url + "/mes-signalements/")
        serveur.arreter()  # le réseau est là, le serveur non : l'envoi échoue, il attend

        remplir(page, "Premier trou, envoyé par l'autre onglet.")
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_text("En attente de réseau").wait_for()
        serveur = lancer_produit(site_petit, donnees, port=port)
        autre.evaluate("self.BoiteEnvoi.envoyer()")  # l'autre onglet envoie, pas celui-ci
        expect(page.get_by_role("heading", name="Signalement envoyé")).to_be_visible(timeout=ANNONCE)
        expect(autre.locator(".etat-envoye")).to_have_count(1, timeout=ANNONCE)

        page.reload()
        serveur.arreter()
        remplir(page, "Second trou, envoyé par le service worker.")
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_text("En attente de réseau").wait_for()
        serveur = lancer_produit(site_petit, donnees, port=port)
        declencher_background_sync(contexte, page, url)
        expect(page.get_by_role("heading", name="Signalement envoyé")).to_be_visible(timeout=ANNONCE)
        expect(autre.locator(".etat-envoye")).to_have_count(2, timeout=ANNONCE)
        def les_deux():
            signalements = lire_signalements(donnees)
            return signalements if len(signalements) == 2 else None
        signalements = attendre(les_deux, message="les deux signalements ne sont pas dans TinyDB")
        assert sorted(s["description"] for s in signalements) == ["Premier trou, envoyé par l'autre onglet.",
                                        "Second trou, envoyé par le service worker."]
    finally:
        contexte.close()
        serveur.arreter()


def test_une_photo_demandee_dit_pourquoi_se_voit_et_se_retire_au_clavier(
        serveur_demo, page, tmp_path):
    a, b = photo_de_test(tmp_path / "affiche-1.jpg"), photo_de_test(tmp_path / "affiche-2.jpg")
    page.goto(serveur_demo.url + "/proprete/affichage-sauvage/muzillac/")
    assert page.locator("#photos-raison").inner_text() == (
        "Pourquoi une photo\u00a0? Elle permet d'identifier l'annonceur, que le maire peut "
        "sanctionner.")
    champ = page.get_by_label("Photos")
    assert champ.bounding_box()["height"] >= 44
    champ.set_input_files(a)
    expect(page.locator(".apercu")).to_have_count(1)
    champ.set_input_files(b)  # un second choix s'ajoute au premier
    retirer_a = page.get_by_role("button", name="Retirer la photo 1 (affiche-1.jpg)")
    expect(retirer_a).to_be_visible()
    expect(page.locator(".apercu img")).to_have_count(2)
    assert page.evaluate("document.getElementById('photos').files.length") == 2

    retirer_a.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".apercu")).to_have_count(1)
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == (
        "Retirer la photo 1 (affiche-2.jpg)")
    page.wait_for_function("""() => document.querySelector("[data-annonce]").textContent
                              === "Photo « affiche-1.jpg » retirée ; il en reste 1." """)
    assert page.evaluate("document.getElementById('photos').files[0].name") == "affiche-2.jpg"
    page.keyboard.press("Enter")
    expect(page.locator(".apercu")).to_have_count(0)
    assert page.evaluate("document.activeElement.id") == "photos"

    page.get_by_label("Décrivez le problème").fill("Des affiches sur le transformateur.")
    page.get_by_label("Lieu précis").fill("Rue du Port")
    page.get_by_role("button", name="Envoyer le signalement").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text([
        "Ajoutez au moins une photo du problème. Elle permet d'identifier l'annonceur, que le "
        "maire peut sanctionner."])
    page.get_by_role("alert").get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "photos"
    champ.set_input_files(a)
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Signalement envoyé").wait_for()


def test_sans_javascript_le_grand_champ_de_photo_suffit(serveur_demo, page_sans_js, tmp_path):
    page = page_sans_js
    page.goto(serveur_demo.url + "/proprete/affichage-sauvage/muzillac/")
    champ = page.get_by_label("Photos")
    assert champ.bounding_box()["height"] >= 44
    page.get_by_label("Décrivez le problème").fill("Des affiches sur l'abribus.")
    page.get_by_label("Lieu précis").fill("Place de la Mairie")
    champ.set_input_files(photo_de_test(tmp_path / "affiche.jpg"))
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_role("heading", name="Votre signalement est enregistré").wait_for()


def refuser_un_signalement(page, url: str) -> None:
    """Un signalement refusé par le serveur (une commune qui n'est plus du territoire)."""
    page.goto(url + "/dechets/")
    page.get_by_label("Commune", exact=False).and_(page.locator("select")).select_option("56143")
    page.get_by_label("Décrivez le problème").fill("Le bac jaune déborde.")
    page.get_by_label("Lieu précis").fill("Rue du Port")
    page.evaluate("document.querySelector('select[name=commune]')"
                  ".append(new Option('Ailleurs', '99999', true, true))")
    page.get_by_role("button", name="Envoyer le signalement").click()
    page.get_by_text("À corriger : le signalement n'a pas été accepté.").wait_for()


@pytest.mark.parametrize(("largeur", "zoom"), [(320, 1), (640, 2), (1024, 1)])
def test_les_etats_nouveaux_sont_sans_defaut_axe_et_tiennent_en_largeur(
        serveur, navigateur, tmp_path, largeur, zoom):
    contexte = navigateur.new_context(locale="fr-FR", viewport={"width": largeur, "height": 700},
                                      device_scale_factor=zoom)
    page = contexte.new_page()
    if zoom == 2:  # 200 % : chaque page chargée l'est à ce zoom
        page.add_init_script("addEventListener('DOMContentLoaded', () => "
                             "{ document.documentElement.style.zoom = '200%'; })")
    try:
        page.goto(serveur.url + NID)
        page.get_by_label("Photos").set_input_files(
            photo_de_test(tmp_path / "une-photo-au-nom-vraiment-tres-long-sans-espace.jpg"))
        page.get_by_role("button", name="Envoyer le signalement").click()
        page.get_by_role("alert").wait_for()
        expect(page.locator(".apercu")).to_have_count(1)
        for etat in ("erreurs et aperçu", "à corriger", "bandeau", "mes signalements"):
            if etat == "à corriger":
                refuser_un_signalement(page, serveur.url)
            elif etat == "bandeau":
                page.goto(serveur.url + "/")
                page.get_by_role("link", name="1 signalement à corriger").wait_for()
            elif etat == "mes signalements":
                page.goto(serveur.url + "/mes-signalements/")
                page.get_by_role("link", name="Corriger et renvoyer").wait_for()
            assert page.evaluate("document.documentElement.style.zoom") == ("200%" if zoom == 2 else "")
            assert page.evaluate(DEBORDEMENT) <= 0, f"{etat} déborde à {largeur} px, zoom {zoom}"
            resultats = Axe().run(page)
            assert resultats.violations_count == 0, f"{etat} : {resultats.generate_report()}"
    finally:
        contexte.close()
