from __future__ import annotations

import pytest
from aides_fonctions import champs_valides
from starlette.requests import Request

from fonctions.domaine.validation import Erreur, ErreursValidation, valider
from fonctions.stockage.base import empreinte_cle
from fonctions.web.idempotence import (
    empreinte_de_demande,
    lire_cle,
)

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def requete(entete: str | None = None) -> Request:
    entetes = [(b"idempotency-key", entete.encode())] if entete is not None else []
    return Request({"type": "http", "method": "POST", "headers": entetes, "query_string": b""})


@pytest.mark.parametrize("valeur", [CLE, CLE.upper(), f'"{CLE}"', f"  {CLE} "])
def test_la_cle_vient_de_l_en_tete_normalisee(valeur):
    assert lire_cle(requete(valeur), {}) == CLE


def test_la_cle_vient_du_champ_du_formulaire_sans_javascript_et_en_est_retiree():
    champs = {"description": "x", "idempotency_key": CLE}
    assert lire_cle(requete(), champs) == CLE
    assert champs == {"description": "x"}


def test_sans_cle_rien_n_est_exige():
    assert lire_cle(requete(), {"idempotency_key": ""}) is None


def test_une_cle_qui_n_est_pas_un_uuid_est_refusee_400():
    with pytest.raises(ErreursValidation) as refus:
        lire_cle(requete("ma-cle"), {})
    assert refus.value.erreurs == [Erreur("Idempotency-Key", (
        "La clé d'idempotence doit être un UUID (exemple : "
        "8e03978e-40d5-43e8-bc93-6894a57f9324)."), 400)]


def test_la_meme_demande_en_json_ou_en_formulaire_a_la_meme_empreinte(modele):
    en_json = valider(champs_valides(latitude=47.5, longitude=-2.5), 0, modele)
    en_formulaire = valider(champs_valides(latitude="47.5", longitude="-2.5"), 0, modele)
    assert empreinte_de_demande(en_json, []) == empreinte_de_demande(en_formulaire, [])


def test_une_autre_description_ou_une_autre_photo_change_l_empreinte(modele):
    demande = valider(champs_valides(), 0, modele)
    autre = valider(champs_valides(description="Un autre trou."), 0, modele)
    assert empreinte_de_demande(demande, []) != empreinte_de_demande(autre, [])
    assert empreinte_de_demande(demande, [b"a"]) != empreinte_de_demande(demande, [b"b"])


def test_la_meme_adresse_avec_ou_sans_l_accord_du_service_n_est_pas_la_meme_demande(modele):
    avec = valider(champs_valides(courriel="lea@exemple.fr", consentement="oui"), 0, modele)
    sans = valider(champs_valides(courriel="lea@exemple.fr"), 0, modele)
    assert empreinte_de_demande(avec, []) != empreinte_de_demande(sans, [])


def test_l_empreinte_d_une_demande_d_avant_les_deux_choix_n_a_pas_change(modele):
    # Des coordonnées venaient alors toujours avec l'accord : un envoi rejoué après la mise à
    # jour retrouve son signalement (valeur calculée avec la version précédente).
    demande = valider(champs_valides(courriel="lea@exemple.fr", telephone="0612345678",
                                     consentement="oui"), 0, modele)
    assert empreinte_de_demande(demande, [b"x"]) == (
        "95b45b4b5d124d7f8ae485670c8340cdd3d23a30f54eb3731ef4b46f9db75b80")


def test_la_cle_n_est_gardee_que_sous_forme_d_empreinte():
    assert empreinte_cle(CLE) != CLE
    assert len(empreinte_cle(CLE)) == 64


def test_une_valeur_qui_change_de_champ_change_l_empreinte(modele):
    # Les champs absents sont vides dans le texte haché : déplacer une valeur se voit.
    adresse = valider(champs_valides(adresse="12 rue des Écoles"), 0, modele)
    point = valider(champs_valides(adresse=None, latitude=47.5, longitude=-2.5), 0, modele)
    ailleurs = valider(champs_valides(adresse=None, latitude=-2.5, longitude=47.5), 0, modele)
    assert len({empreinte_de_demande(d, []) for d in (adresse, point, ailleurs)}) == 3


def test_une_autre_reponse_change_l_empreinte_mais_pas_le_libelle_de_la_question(modele):
    demande = valider(champs_valides(), 0, modele)
    autre = valider(champs_valides(**{"question-taille": "Plus grand"}), 0, modele)
    assert empreinte_de_demande(demande, []) != empreinte_de_demande(autre, [])
    demande.reponses[0]["libelle"] = "Un libellé réécrit dans le contenu entre-temps"
    assert empreinte_de_demande(demande, []) == empreinte_de_demande(
        valider(champs_valides(), 0, modele), [])


def test_un_caractere_separateur_recu_est_retire_avant_l_empreinte(modele):
    # Les séparateurs du texte haché sont des caractères de contrôle : ``valider`` les retire.
    glisse = valider(champs_valides(description="Un trou\x1f56001"), 0, modele)
    assert glisse.description == "Un trou56001"
