from __future__ import annotations

import json

import pytest
from aides_fonctions import champs_valides, modele_brut
from vecteurs_validation import CAS, FICHIER, calculer, ecrire

from fonctions.domaine.modele import Modele
from fonctions.domaine.validation import Erreur, ErreursValidation, _texte, valider
from tests.conftest import REGENERER


def erreurs_de(champs, modele, nb_photos=0):
    with pytest.raises(ErreursValidation) as refus:
        valider(champs, nb_photos, modele)
    return refus.value.erreurs


def test_une_demande_complete_est_acceptee_et_le_service_vient_du_modele(modele):
    demande = valider(champs_valides(), 0, modele)
    assert demande.gestionnaire["id"] == "mairie-bourg-les-essais"
    assert demande.commune["nom"] == "Bourg-les-Essais"
    assert demande.reponses == [{"id": "taille", "libelle": "Quelle est la taille du trou ?",
                                 "valeur": "Comme une assiette"}]


def test_le_client_ne_choisit_jamais_le_service(modele):
    demande = valider(champs_valides(gestionnaire="cc-val-d-essai", commune="56002"), 0, modele)
    assert demande.gestionnaire["id"] == "mairie-saint-exemple"


def test_une_issue_inconnue_est_refusee(modele):
    assert erreurs_de(champs_valides(noeud="voirie/inconnu"), modele) == [Erreur(
        "noeud", "Le problème « voirie/inconnu » n'existe pas (ou plus) : rechargez la page "
        "et recommencez.")]


@pytest.mark.parametrize("noeud", ["gaz", "danger", "voirie", ""])
def test_une_issue_qui_ne_transmet_pas_est_refusee(modele, noeud):
    erreurs = erreurs_de(champs_valides(noeud=noeud), modele)
    assert [e.champ for e in erreurs] == ["noeud"]


def test_la_commune_est_demandee_quand_le_service_en_depend(modele):
    assert erreurs_de(champs_valides(commune=None), modele) == [
        Erreur("commune", "Indiquez la commune où se trouve le problème.")]


def test_une_commune_hors_du_territoire_est_refusee(modele):
    assert erreurs_de(champs_valides(commune="75056"), modele) == [Erreur(
        "commune", "La commune 75056 ne fait pas partie du territoire (Communauté de "
        "communes du Val d'Essai).")]


def test_une_commune_hors_territoire_est_refusee_meme_quand_le_service_n_en_depend_pas(modele):
    champs = champs_valides(noeud="eclairage/lampadaire-eteint", commune="75056")
    assert [e.champ for e in erreurs_de(champs, modele)] == ["commune"]


def test_la_description_est_obligatoire_et_limitee_a_4000_caracteres(modele):
    assert erreurs_de(champs_valides(description="   "), modele) == [
        Erreur("description", "Décrivez le problème en quelques mots.")]
    assert erreurs_de(champs_valides(description="é" * 4001), modele) == [
        Erreur("description", "La description fait 4\u202f001 caractères ; 4\u202f000 au plus.")]
    assert valider(champs_valides(description="é" * 4000), 0, modele).description == "é" * 4000


def test_les_caracteres_de_controle_sont_retires_mais_pas_les_espaces_insecables(modele):
    demande = valider(champs_valides(description="Trou\x00 profond\r\nici\u00a0!"), 0, modele)
    assert demande.description == "Trou profond\nici\u00a0!"


@pytest.mark.parametrize("brut, propre", [
    ("  Trou profond  ", "Trou profond"),  # le cas courant, sans contrôle : seulement rogné
    ("Trou\x85 profond\x7f", "Trou profond"),  # C1 et DEL
    ("Trou\tprofond\rici", "Trou\tprofond\nici"),
    ("\u200b", "\u200b"),  # un caractère invisible n'est pas un caractère de contrôle
    ("Trou \ud800", "Trou \ufffd"),  # une moitié de paire (JSON « \\ud800 ») : pas d'UTF-8
    ("Trou \U0001f573", "Trou \U0001f573"),  # un caractère hors du plan de base est gardé
    ("   ", None),
])
def test_un_texte_est_nettoye_de_la_meme_facon_quel_que_soit_le_chemin(brut, propre):
    assert _texte(brut) == propre


def test_la_localisation_obligatoire_demande_une_adresse_ou_un_point(modele):
    assert erreurs_de(champs_valides(adresse=None), modele) == [Erreur(
        "adresse", "Indiquez où se trouve le problème : une adresse, un repère ou votre position.")]
    demande = valider(champs_valides(adresse=None, latitude=47.55, longitude="-2,48"), 0, modele)
    assert (demande.latitude, demande.longitude) == (47.55, -2.48)


def test_le_lieu_du_formulaire_est_l_adresse_du_signalement(modele):
    """Le formulaire du site nomme le champ « lieu » ; « adresse » reste celui de l'API."""
    demande = valider(champs_valides(adresse=None, lieu="Devant l'école"), 0, modele)
    assert demande.adresse == "Devant l'école"
    assert erreurs_de(champs_valides(adresse=None, lieu=""), modele) == [Erreur(
        "lieu", "Indiquez où se trouve le problème : une adresse, un repère ou votre position.")]
    assert erreurs_de(champs_valides(adresse=None, lieu="x" * 301), modele) == [
        Erreur("lieu", "L'adresse fait plus de 300 caractères.")]


def test_un_point_rend_le_lieu_ecrit_facultatif(modele):
    """Le repère de la carte ou « Utiliser ma position » suffit, comme dans le formulaire."""
    demande = valider(champs_valides(adresse=None, lieu="", latitude="47.554100",
                                     longitude="-2.479500"), 0, modele)
    assert (demande.latitude, demande.longitude, demande.adresse) == (47.5541, -2.4795, None)


@pytest.mark.parametrize(("champs", "attendu"), [
    ({"latitude": "47.5"}, [Erreur("longitude", "Donnez la latitude et la longitude, ou aucune des deux.")]),
    ({"latitude": "91", "longitude": "2"},
     [Erreur("latitude", "La latitude doit être un nombre entre -90 et 90.")]),
    ({"latitude": "47", "longitude": "nan"},
     [Erreur("longitude", "La longitude doit être un nombre entre -180 et 180.")]),
    ({"adresse": "x" * 301}, [Erreur("adresse", "L'adresse fait plus de 300 caractères.")]),
])
def test_une_position_ou_une_adresse_invalide_est_refusee(modele, champs, attendu):
    assert erreurs_de(champs_valides(**champs), modele) == attendu


def test_la_localisation_facultative_ou_absente_ne_bloque_pas(modele):
    demande = valider({"noeud": "eclairage/lampadaire-eteint", "description": "Éteint."}, 0, modele)
    assert demande.adresse is None
    assert demande.gestionnaire["id"] == "syndicat-eclairage"


def test_une_adresse_sans_l_accord_du_service_est_acceptee_pour_informer_seulement(modele):
    demande = valider(champs_valides(courriel="lea@exemple.fr", telephone="06 12 34 56 78"), 0,
                      modele)
    # Le téléphone ne sert qu'au service : sans son accord, il n'est pas gardé.
    assert (demande.courriel, demande.telephone, demande.consentement) == (
        "lea@exemple.fr", None, False)


def test_l_accord_du_service_garde_l_adresse_et_le_telephone(modele):
    demande = valider(champs_valides(courriel="lea@exemple.fr", telephone="06 12 34 56 78",
                                     consentement="on"), 0, modele)
    assert (demande.courriel, demande.telephone, demande.consentement) == (
        "lea@exemple.fr", "0612345678", True)
    assert valider(champs_valides(courriel="lea@exemple.fr", consentement=True), 0,
                   modele).consentement is True


def test_l_accord_sans_coordonnees_demande_un_moyen_de_contact(modele):
    assert erreurs_de(champs_valides(consentement="oui"), modele) == [Erreur(
        "consentement", "Pour que le service puisse vous contacter, indiquez une adresse "
        "e-mail ou un téléphone, ou décochez la case.")]


def test_un_telephone_sans_accord_n_est_pas_verifie(modele):
    assert valider(champs_valides(telephone="appelez-moi"), 0, modele).telephone is None


def test_des_coordonnees_invalides_sont_refusees(modele):
    erreurs = erreurs_de(champs_valides(courriel="lea@", telephone="appelez-moi",
                                        consentement="oui"), modele)
    assert [e.champ for e in erreurs] == ["courriel", "telephone"]


def test_les_questions_de_l_issue_sont_verifiees(modele):
    assert erreurs_de(champs_valides(**{"question-taille": None}), modele) == [Erreur(
        "question-taille", "Répondez à la question « Quelle est la taille du trou ? ».")]
    assert erreurs_de(champs_valides(**{"question-taille": "Immense"}), modele) == [Erreur(
        "question-taille", "Choisissez l'une des réponses proposées : Moins qu'une main, "
        "Comme une assiette, Plus grand.")]
    assert erreurs_de(champs_valides(**{"question-dangereux": "bof"}), modele) == [
        Erreur("question-dangereux", "Répondez par oui ou par non.")]
    assert erreurs_de(champs_valides(**{"question-repere": "x" * 501}), modele) == [
        Erreur("question-repere", "La réponse fait plus de 500 caractères.")]
    demande = valider(champs_valides(**{"question-dangereux": True, "question-repere": "Arbre"}),
                      0, modele)
    assert [r["valeur"] for r in demande.reponses] == ["Comme une assiette", "oui", "Arbre"]


@pytest.mark.parametrize(("noeud", "nombre", "message"), [
    ("voirie/nid-de-poule", 4, "3 photos au plus (vous en avez joint 4)."),
    ("voirie/depot-sauvage", 0, "Ajoutez au moins une photo du problème."),  # sans raison écrite
    ("eclairage/lampadaire-eteint", 1, "Ce signalement ne prend pas de photo."),
])
def test_le_nombre_de_photos_suit_le_formulaire_de_l_issue(modele, noeud, nombre, message):
    assert erreurs_de(champs_valides(noeud=noeud), modele, nombre) == [Erreur("photos", message)]


def test_une_photo_exigee_dit_pourquoi(modele):
    donnees = modele_brut()
    donnees["noeuds"]["voirie/depot-sauvage"]["formulaire"]["raison_photo"] = (
        "Elle montre à l'équipe ce qu'il faut enlever.")
    erreurs = erreurs_de(champs_valides(noeud="voirie/depot-sauvage"), Modele(donnees))
    assert erreurs == [Erreur("photos", "Ajoutez au moins une photo du problème. Elle montre "
                              "à l'équipe ce qu'il faut enlever.")]


def test_les_regles_sont_celles_du_modele_construit(modele):
    donnees = modele_brut()
    donnees["regles"] = {**modele.regles.brutes, "description": {"max": 10},
                         "messages": {**modele.regles.messages,
                                      "description_trop_longue": "{longueur} > {max}"}}
    assert erreurs_de(champs_valides(description="x" * 1200), Modele(donnees)) == [
        Erreur("description", "1\u202f200 > 10")]


def test_les_vecteurs_partages_avec_le_telephone_sont_ceux_du_serveur():
    """validation.js doit rendre les mêmes sorties (tests/navigateur/test_formulaire.py)."""
    calcules = json.loads(json.dumps(calculer(CAS), ensure_ascii=False))
    if REGENERER:
        ecrire(calcules)
    assert calcules == json.loads(FICHIER.read_text(encoding="utf-8"))


def test_une_valeur_composee_est_refusee(modele):
    assert erreurs_de(champs_valides(description=["a", "b"]), modele)[0] == Erreur(
        "description", "Cette valeur doit être un texte ou un nombre.")


def test_toutes_les_erreurs_sont_rendues_ensemble_avec_le_statut_le_plus_grave():
    refus = ErreursValidation([Erreur("a", "x"), Erreur("photos", "y", 415), Erreur(None, "z", 413)])
    assert refus.statut == 413
    assert ErreursValidation([Erreur("a", "x")]).statut == 422


def test_je_ne_trouve_pas_ne_demande_qu_une_description_et_va_a_la_coordination(modele):
    demande = valider({"noeud": "je-ne-trouve-pas", "description": "Ma carte d'identité."}, 2,
                      modele)
    assert (demande.gestionnaire["id"], demande.gestionnaire["nom"]) == (
        "coordination", "Coordination des signalements du Val d'Essai")
    assert (demande.commune, demande.adresse, demande.latitude) == (None, None, None)
    avec_lieu = valider({"noeud": "je-ne-trouve-pas", "description": "Un banc cassé.",
                         "commune": "56002", "adresse": "Place de l'église"}, 0, modele)
    assert (avec_lieu.commune["nom"], avec_lieu.adresse) == ("Saint-Exemple", "Place de l'église")
    assert erreurs_de({"noeud": "je-ne-trouve-pas", "description": "  "}, modele) == [
        Erreur("description", "Décrivez le problème en quelques mots.")]
