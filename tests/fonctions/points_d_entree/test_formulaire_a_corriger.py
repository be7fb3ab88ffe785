from __future__ import annotations

import re

from aides_fonctions import champs_valides, fichiers_du_dossier, photo
from aides_suivi import texte_de

from fonctions.domaine.validation import Erreur
from fonctions.points_d_entree.formulaire_a_corriger import PHOTOS_NON_GARDEES, lignes_d_erreur

NAVIGATEUR = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TOUT_REMPLI = champs_valides(**{
    "description": "Un trou « profond »\ndevant <l'école>",
    "question-taille": "Moins qu'une main",
    "question-dangereux": "Non",
    "question-repere": "Près du \"lavoir\"",
    "courriel": "moi@exemple.fr",
    "telephone": "12",
    "consentement": "oui",
})


def envoyer(client, champs, photos=()):
    fichiers = [("photos", (f"p{i}.jpg", contenu, "image/jpeg")) for i, contenu in enumerate(photos)]
    return client.post("/api/signalements", data=champs, files=fichiers or None, headers=NAVIGATEUR)


def rien_n_est_stocke(reglages) -> bool:
    return [f for f in fichiers_du_dossier(reglages.donnees)
            if f.startswith(("signalements", "photos", "boite_envoi"))] == []


def main(page: str) -> str:
    return page.partition('<main id="contenu" tabindex="-1">')[2].partition("</main>")[0]


def test_chaque_valeur_envoyee_revient_dans_son_champ(client, reglages):
    reponse = envoyer(client, TOUT_REMPLI)
    assert reponse.status_code == 422
    page = main(reponse.text)
    assert ('<textarea id="description" name="description" rows="5" maxlength="4000" required '
            'aria-describedby="description-aide">Un trou « profond »\ndevant &lt;l&#39;école&gt;'
            "</textarea>") in page
    assert re.findall(r'value="([^"]*)" required checked>', page) == ["Moins qu&#39;une main"]
    assert re.findall(r'name="question-dangereux" value="([^"]*)" checked>', page) == ["Non"]
    assert 'name="question-repere" type="text" maxlength="500" value="Près du &#34;lavoir&#34;">' in page
    assert 'required value="12 rue des Écoles, Bourg-les-Essais">' in page
    assert ('name="courriel" type="email" autocomplete="email" maxlength="254" '
            'value="moi@exemple.fr" aria-describedby="courriel-aide">') in page
    assert 'name="telephone" type="tel" autocomplete="tel" maxlength="20" value="12"' in page
    assert ('id="consentement" name="consentement" value="oui" checked '
            'aria-describedby="consentement-aide">') in page
    assert '<input type="hidden" name="commune" value="56001">' in page
    assert '<input type="hidden" name="idempotency_key" value="">' in page
    assert rien_n_est_stocke(reglages)


def test_les_erreurs_sont_en_haut_et_menent_a_leur_champ(client):
    reponse = envoyer(client, {**TOUT_REMPLI, "description": "", "question-taille": ""})
    page = main(reponse.text)
    assert "<title>Erreur : Un nid-de-poule à Bourg-les-Essais : signaler à Mairie de Bourg-les-Essais" in (
        reponse.text)
    resume, _, formulaire = page.partition("</div>")
    assert texte_de(resume) == (
        "Votre signalement n'est pas encore envoyé Corrigez ces 3 points dans le formulaire "
        "plus bas, puis envoyez de nouveau. Ce que vous aviez écrit y est gardé. "
        "Description : Décrivez le problème en quelques mots. "
        "Téléphone : Ce numéro de téléphone n'est pas valide (exemple : 06 12 34 56 78). "
        "Quelle est la taille du trou ? : Répondez à la question « Quelle est la taille du trou ? ».")
    assert resume.startswith('\n<div class="erreurs-formulaire" role="alert" '
                             'aria-labelledby="erreurs-formulaire-titre">')
    ancres = re.findall(r'<a href="#([^"]+)">', resume)
    assert ancres == ["description", "telephone", "question-taille-1"]
    for ancre in ancres:
        assert f'id="{ancre}"' in formulaire
    assert ('<span class="erreur-champ" id="description-erreur">Décrivez le problème en quelques '
            'mots.</span><textarea id="description" name="description" rows="5" maxlength="4000" '
            'required aria-invalid="true" aria-describedby="description-aide description-erreur">'
            "</textarea>") in formulaire
    assert ('<span class="erreur-champ" id="telephone-erreur">Ce numéro de téléphone n&#39;est pas '
            'valide (exemple : 06 12 34 56 78).</span><input id="telephone" name="telephone" '
            'type="tel" autocomplete="tel" maxlength="20" value="12" aria-invalid="true" '
            'aria-describedby="telephone-aide telephone-erreur">') in formulaire
    assert ('<legend>Quelle est la taille du trou ? <span aria-hidden="true">*</span><span '
            'class="erreur-champ" id="question-taille-erreur">Répondez à la question « Quelle est '
            "la taille du trou ? ».</span></legend>") in formulaire


def test_les_photos_ne_peuvent_pas_etre_gardees_et_la_page_le_dit(client, reglages):
    reponse = envoyer(client, TOUT_REMPLI, photos=[photo()])
    page = main(reponse.text)
    assert ('<li><a href="#photos">Photos : Vos photos n&#39;ont pas été gardées : choisissez-les '
            "de nouveau.</a></li>") in page
    assert "Ce que vous aviez écrit y est gardé, sauf les photos." in page
    assert ('<span class="erreur-champ" id="photos-erreur">Vos photos n&#39;ont pas été gardées : '
            'choisissez-les de nouveau.</span><input id="photos" name="photos" type="file" '
            'accept="image/jpeg,image/png,image/webp" multiple aria-invalid="true" '
            'aria-describedby="photos-aide photos-erreur">') in page
    assert rien_n_est_stocke(reglages)


def test_une_photo_refusee_et_les_photos_perdues_font_une_seule_ligne(modele):
    lignes = lignes_d_erreur([Erreur("photos", "Photo 1 : Ce fichier n'est pas une photo.", 415)],
                             modele.noeud("voirie/nid-de-poule"), 1)
    assert lignes == [{"champ": "photos", "libelle": "Photos",
                       "message": f"Photo 1 : Ce fichier n'est pas une photo. {PHOTOS_NON_GARDEES}"}]
    assert lignes_d_erreur([], None, 0) == []


def test_une_issue_sans_commune_garde_la_commune_choisie_dans_sa_liste(client):
    champs = {"noeud": "voirie/depot-sauvage", "commune": "56002", "description": "Des gravats.",
              "adresse": "Chemin du bois"}
    reponse = envoyer(client, champs)  # la photo est obligatoire
    page = main(reponse.text)
    assert reponse.status_code == 422
    assert '<option value="56002" selected>Saint-Exemple' in page
    assert page.count(" selected>") == 1
    assert '<li><a href="#photos">Photos : Ajoutez au moins une photo du problème.</a></li>' in page


def test_je_ne_trouve_pas_revient_sur_sa_propre_page(client):
    reponse = envoyer(client, {"noeud": "je-ne-trouve-pas", "commune": "56001",
                               "description": "", "adresse": "Place de l'église"})
    assert reponse.status_code == 422
    assert "<title>Erreur : Je ne trouve pas mon problème –" in reponse.text
    page = main(reponse.text)
    assert '<li><a href="#description">Description : Décrivez le problème en quelques mots.</a></li>' in page
    assert 'value="Place de l&#39;église">' in page


def test_sans_page_d_issue_a_rendre_la_page_dit_quoi_corriger_et_ou_aller(client):
    inconnue = envoyer(client, champs_valides(noeud="voirie/inconnu"))
    assert inconnue.status_code == 422
    assert "<title>Erreur : signalement non envoyé –" in inconnue.text
    assert texte_de(main(inconnue.text)) == (
        "Votre signalement n'est pas encore envoyé Ce qui empêche l'envoi : Problème signalé : "
        "Le problème « voirie/inconnu » n'existe pas (ou plus) : rechargez la page et "
        "recommencez. Revenez au formulaire avec le bouton « Retour » de votre navigateur : ce "
        "que vous avez écrit y est encore, sauf peut-être les photos. Recommencer depuis "
        "l'accueil")
    assert "<a href=\"/\">Recommencer depuis l'accueil</a>" in inconnue.text
    sans_commune = envoyer(client, champs_valides(commune=None))
    assert '<a href="/voirie/nid-de-poule/">Recommencer avec un formulaire vide</a>' in sans_commune.text


def test_la_page_a_corriger_n_a_aucun_script_et_reste_privee(client):
    reponse = envoyer(client, TOUT_REMPLI)
    # Seul le bloc de données du formulaire (jamais exécuté : la CSP n'a pas de script-src).
    assert re.findall(r"<script[^>]*>", reponse.text) == [
        '<script type="application/json" data-formulaire>']
    assert reponse.headers["cache-control"] == "no-store"
    assert reponse.headers["referrer-policy"] == "no-referrer"
    assert reponse.headers["content-security-policy"].startswith("default-src 'none'; style-src 'self'")
    assert '<link rel="stylesheet" href="/theme/css/fonctions.css">' in reponse.text
