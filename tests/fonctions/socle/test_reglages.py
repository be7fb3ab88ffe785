from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from aides_fonctions import CLE_DE_PRODUCTION, RACINE

from fonctions.socle.reglages import (
    CLE_DE_DEVELOPPEMENT,
    REGLAGES,
    REGLAGES_A_MOTIF,
    ErreurReglages,
    entropie_estimee,
    faiblesse_de_la_cle,
    lire_reglages,
    suffixe_de,
    verifier_pour_le_modele,
)

PRODUCTION_COMPLETE = {
    "AIGUILLAGE_MODE": "production",
    "AIGUILLAGE_URL_PUBLIQUE": "https://signaler.arc-sud.example.org/",
    "AIGUILLAGE_CLE_SECRETE": CLE_DE_PRODUCTION,
    "AIGUILLAGE_SMTP_URL": "smtp://aiguillage:mot%20de%20passe@smtp.example.org:587",
    "AIGUILLAGE_EXPEDITEUR": "ne-pas-repondre@arc-sud.example.org",
}


def test_le_developpement_ne_demande_aucun_reglage():
    reglages = lire_reglages({})
    assert reglages.mode == "developpement"
    assert reglages.donnees == Path("donnees")
    assert reglages.modele == Path("site/sortie/modele.json")
    assert reglages.site == Path("site/sortie")
    assert reglages.smtp_url is None
    assert reglages.envoi_web == "fichier"
    assert str(reglages.cle_secrete) == CLE_DE_DEVELOPPEMENT
    assert reglages.limite_debit == (20, 600.0)


def test_la_production_refuse_de_demarrer_et_dit_tout_ce_qui_manque():
    with pytest.raises(ErreurReglages) as erreur:
        lire_reglages({"AIGUILLAGE_MODE": "production"})
    assert erreur.value.messages == [
        "AIGUILLAGE_URL_PUBLIQUE manque : il est obligatoire en production.",
        "AIGUILLAGE_CLE_SECRETE manque : il est obligatoire en production.",
        "AIGUILLAGE_SMTP_URL manque : il est obligatoire en production.",
        "AIGUILLAGE_EXPEDITEUR manque : il est obligatoire en production.",
        "AIGUILLAGE_URL_PUBLIQUE doit commencer par https:// en production.",
    ]
    assert str(erreur.value).startswith("Les fonctions d'Aiguillage ne peuvent pas démarrer :")


def test_la_production_complete_demarre_et_envoie_pour_de_vrai():
    reglages = lire_reglages(PRODUCTION_COMPLETE)
    assert reglages.production
    assert reglages.url_publique == "https://signaler.arc-sud.example.org"
    assert reglages.envoi_web == "reel"
    assert "mot de passe" not in repr(reglages)


@pytest.mark.parametrize(("nom", "valeur", "message"), [
    ("AIGUILLAGE_MODE", "prod", "AIGUILLAGE_MODE vaut « prod » : écrivez developpement ou production."),
    ("AIGUILLAGE_SMTP_URL", "http://smtp", "AIGUILLAGE_SMTP_URL doit commencer par smtp:// ou smtps://."),
    ("AIGUILLAGE_EXPEDITEUR", "personne",
     "AIGUILLAGE_EXPEDITEUR « personne » n'est pas une adresse e-mail."),
    ("AIGUILLAGE_ENVOI_WEB", "parfois",
     "AIGUILLAGE_ENVOI_WEB vaut « parfois » : écrivez reel ou fichier."),
    ("AIGUILLAGE_ENVOI_INTEGRE", "peut-être",
     "AIGUILLAGE_ENVOI_INTEGRE vaut « peut-être » : écrivez oui ou non."),
    ("AIGUILLAGE_ENVOI_INTERVALLE", "-3",
     "AIGUILLAGE_ENVOI_INTERVALLE doit être un nombre de secondes positif."),
    ("AIGUILLAGE_LIMITE_DEBIT", "beaucoup", "AIGUILLAGE_LIMITE_DEBIT s'écrit NOMBRE/SECONDES (20/600) ou 0."),
    ("AIGUILLAGE_URL_PUBLIQUE", "aiguillage.fr",
     "AIGUILLAGE_URL_PUBLIQUE doit commencer par https:// (ou http:// en test)."),
    ("AIGUILLAGE_LIEN_AGENT_JOURS", "0",
     "AIGUILLAGE_LIEN_AGENT_JOURS doit être un nombre de jours entre 1 et 365."),
    ("AIGUILLAGE_DELAI_PRISE_EN_CHARGE", "trois",
     "AIGUILLAGE_DELAI_PRISE_EN_CHARGE doit être un nombre de jours entre 1 et 365."),
    ("AIGUILLAGE_DELAI_ESCALADE", "400",
     "AIGUILLAGE_DELAI_ESCALADE doit être un nombre de jours entre 1 et 365."),
    ("AIGUILLAGE_LIMITE_JETONS", "plein",
     "AIGUILLAGE_LIMITE_JETONS s'écrit NOMBRE/SECONDES (300/3600) ou 0."),
    ("AIGUILLAGE_LIMITE_RECHERCHES", "30 par minute",
     "AIGUILLAGE_LIMITE_RECHERCHES s'écrit NOMBRE/SECONDES (30/600) ou 0."),
    ("AIGUILLAGE_LIMITE_LISTES_OPEN311", "beaucoup",
     "AIGUILLAGE_LIMITE_LISTES_OPEN311 s'écrit NOMBRE/SECONDES (120/600) ou 0."),
    ("AIGUILLAGE_COORDONNEES_JOURS", "un mois",
     "AIGUILLAGE_COORDONNEES_JOURS doit être un nombre de jours entre 0 et 365 (par défaut 30)."),
    ("AIGUILLAGE_CONSERVATION_MOIS", "0",
     "AIGUILLAGE_CONSERVATION_MOIS doit être un nombre de mois entre 1 et 120 (par défaut 12)."),
])
def test_une_valeur_invalide_est_refusee_avec_un_message_clair(nom, valeur, message):
    with pytest.raises(ErreurReglages) as erreur:
        lire_reglages({nom: valeur})
    assert erreur.value.messages == [message]


def test_la_production_refuse_une_cle_courte_et_les_envois_simules():
    with pytest.raises(ErreurReglages) as erreur:
        lire_reglages({**PRODUCTION_COMPLETE, "AIGUILLAGE_CLE_SECRETE": "court",
                       "AIGUILLAGE_ENVOI_WEB": "fichier"})
    assert erreur.value.messages == [
        "AIGUILLAGE_CLE_SECRETE est trop faible (environ 11 bits de hasard ; il en faut 256, soit 32 "
        "octets tirés au hasard) : créez-en une avec « python -c \"import secrets; "
        "print(secrets.token_urlsafe(48))\" » (les liens déjà envoyés ne marcheront plus).",
        "AIGUILLAGE_ENVOI_WEB doit valoir reel en production.",
    ]


def test_la_production_refuse_la_cle_de_developpement_publiee_dans_le_code():
    with pytest.raises(ErreurReglages) as erreur:
        lire_reglages({**PRODUCTION_COMPLETE, "AIGUILLAGE_CLE_SECRETE": CLE_DE_DEVELOPPEMENT})
    (message,) = erreur.value.messages
    assert message.startswith("AIGUILLAGE_CLE_SECRETE est la clé de développement, publiée dans "
                              "le code : n'importe qui fabriquerait des liens")


@pytest.mark.parametrize("cle", [
    "x" * 40,                                   # longue mais d'un seul signe
    "motdepasse-motdepasse-motdepasse-",        # 33 signes, peu de familles
    "abababababababababababababababababababab",  # deux signes
    "Aiguillage2024!",                          # courte
    "0123456789" * 5,                           # dix chiffres seulement
])
def test_la_production_refuse_une_cle_de_moins_de_256_bits_estimes(cle):
    assert faiblesse_de_la_cle(cle) is not None
    with pytest.raises(ErreurReglages):
        lire_reglages({**PRODUCTION_COMPLETE, "AIGUILLAGE_CLE_SECRETE": cle})


def test_les_cles_tirees_au_hasard_comme_le_conseille_le_message_sont_acceptees():
    import base64
    import os
    import secrets
    for _ in range(200):
        for cle in (secrets.token_urlsafe(48), secrets.token_hex(32),
                    base64.b64encode(os.urandom(32)).decode()):  # openssl rand -base64 32
            assert faiblesse_de_la_cle(cle) is None, cle
    assert round(entropie_estimee("0123456789abcdef" * 4)) == 331
    assert entropie_estimee("a" * 64) == 0.0


def test_par_defaut_aucun_mandataire_n_est_cru():
    assert lire_reglages({}).proxies == ()
    reglages = lire_reglages({"AIGUILLAGE_PROXIES": "10.0.0.0/8, 192.0.2.7,::1"})
    assert reglages.proxies == ("10.0.0.0/8", "192.0.2.7", "::1")
    assert lire_reglages({"AIGUILLAGE_PROXIES": "*"}).proxies == ("*",)


@pytest.mark.parametrize(("environ", "message"), [
    ({"AIGUILLAGE_PROXIES": "netlify"}, "AIGUILLAGE_PROXIES : « netlify » n'est ni une adresse IP "
     "ni un réseau (10.0.0.0/8) ; séparez-les par des virgules, ou écrivez *."),
    ({"AIGUILLAGE_PROXYS": "127.0.0.1"}, "AIGUILLAGE_PROXYS s'appelle maintenant AIGUILLAGE_PROXIES "
     "(et par défaut aucun mandataire n'est cru) : renommez la variable."),
])
def test_un_mandataire_mal_ecrit_ou_l_ancien_nom_sont_refuses(environ, message):
    with pytest.raises(ErreurReglages) as erreur:
        lire_reglages(environ)
    assert erreur.value.messages == [message]


def test_la_limite_de_debit_se_desactive_avec_zero():
    assert lire_reglages({"AIGUILLAGE_LIMITE_DEBIT": "0"}).limite_debit is None
    assert lire_reglages({"AIGUILLAGE_LIMITE_DEBIT": "5/60"}).limite_debit == (5, 60.0)


def test_les_reglages_du_suivi_ont_des_valeurs_par_defaut_raisonnables():
    reglages = lire_reglages({})
    assert (reglages.lien_agent_jours, reglages.delai_prise_en_charge,
            reglages.delai_escalade, reglages.limite_jetons) == (30, 5, 2, (300, 3600.0))
    assert lire_reglages({"AIGUILLAGE_LIMITE_JETONS": "0"}).limite_jetons is None
    assert lire_reglages({"AIGUILLAGE_LIEN_AGENT_JOURS": "14"}).lien_agent_jours == 14


def test_la_limite_des_recherches_sans_resultat_vaut_30_par_10_minutes_ou_se_desactive():
    assert lire_reglages({}).limite_recherches == (30, 600.0)
    assert lire_reglages({"AIGUILLAGE_LIMITE_RECHERCHES": "5/60"}).limite_recherches == (5, 60.0)
    assert lire_reglages({"AIGUILLAGE_LIMITE_RECHERCHES": "0"}).limite_recherches is None


def test_la_limite_des_listes_open311_vaut_120_par_10_minutes_ou_se_desactive():
    assert lire_reglages({}).limite_listes_open311 == (120, 600.0)
    assert lire_reglages({"AIGUILLAGE_LIMITE_LISTES_OPEN311": "2/60"}).limite_listes_open311 == (
        2, 60.0)
    assert lire_reglages({"AIGUILLAGE_LIMITE_LISTES_OPEN311": "0"}).limite_listes_open311 is None


def test_le_site_peut_ne_pas_etre_servi():
    assert lire_reglages({"AIGUILLAGE_SITE": "-"}).site is None


def test_les_secrets_de_chaque_service_viennent_de_l_environnement():
    reglages = lire_reglages({
        "AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE": "s3cret",
        "AIGUILLAGE_CLE_OPEN311_CC_VAL_D_ESSAI": "cle",
    })
    assert suffixe_de("mairie-saint-exemple") == "MAIRIE_SAINT_EXEMPLE"
    assert reglages.secret_webhook("mairie-saint-exemple") == "s3cret"
    assert reglages.cle_open311("cc-val-d-essai") == "cle"
    assert reglages.secret_webhook("autre") is None
    assert "s3cret" not in repr(reglages)


def test_un_secret_par_sens_pour_les_webhooks_et_plusieurs_pour_changer_de_cle(modele):
    environnement = {"AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE": "envoi-neuf envoi-ancien",
                     "AIGUILLAGE_SECRET_MISES_A_JOUR_MAIRIE_SAINT_EXEMPLE": "retour"}
    reglages = lire_reglages(environnement)
    assert reglages.secret_webhook("mairie-saint-exemple") == "envoi-neuf envoi-ancien"
    assert reglages.secret_mises_a_jour("mairie-saint-exemple") == "retour"
    assert not any("SAINT_EXEMPLE" in m for m in verifier_pour_le_modele(reglages, modele))
    environnement["AIGUILLAGE_SECRET_MISES_A_JOUR_MAIRIE_SAINT_EXEMPLE"] = "retour envoi-ancien"
    assert (
        "AIGUILLAGE_SECRET_MISES_A_JOUR_MAIRIE_SAINT_EXEMPLE et "
        "AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE partagent un secret (Mairie de "
        "Saint-Exemple) : un par sens.") in verifier_pour_le_modele(
            lire_reglages(environnement), modele)
    # Sans secret de retour : celui des envois en développement, aucun en production.
    seul = {"AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE": "envoi"}
    assert lire_reglages(seul).secret_mises_a_jour("mairie-saint-exemple") == "envoi"
    production = replace(lire_reglages(seul), mode="production")
    assert production.secret_mises_a_jour("mairie-saint-exemple") is None


def test_le_modele_dit_quels_secrets_et_adresses_manquent(modele):
    assert verifier_pour_le_modele(lire_reglages({}), modele) == [
        "AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE manque (Mairie de Saint-Exemple).",
        "AIGUILLAGE_SECRET_MISES_A_JOUR_MAIRIE_SAINT_EXEMPLE manque (Mairie de Saint-Exemple) : "
        "un secret par sens, distinct de AIGUILLAGE_SECRET_WEBHOOK_MAIRIE_SAINT_EXEMPLE.",
        "L'adresse de transmission de Mairie de Saint-Exemple doit commencer par https://.",
        "AIGUILLAGE_CLE_OPEN311_CC_VAL_D_ESSAI manque (Communauté de communes du Val d'Essai).",
        "L'adresse de transmission de Communauté de communes du Val d'Essai doit commencer "
        "par https://.",
    ]


def test_les_durees_de_conservation_valent_30_jours_et_12_mois_ou_se_reglent():
    reglages = lire_reglages({})
    assert (reglages.coordonnees_jours, reglages.conservation_mois) == (30, 12)
    reglages = lire_reglages({"AIGUILLAGE_COORDONNEES_JOURS": "0",
                              "AIGUILLAGE_CONSERVATION_MOIS": "36"})
    assert (reglages.coordonnees_jours, reglages.conservation_mois) == (0, 36)


def test_un_modele_qui_annonce_d_autres_durees_que_celles_appliquees_est_signale(modele):
    from dataclasses import replace

    modele.donnees["conservation"] = {"coordonnees_jours": 30, "conservation_mois": 12,
                                      "recherches_vides_jours": 90}
    reglages = lire_reglages({})
    assert not [m for m in verifier_pour_le_modele(reglages, modele) if "données" in m]
    assert [m for m in verifier_pour_le_modele(replace(reglages, conservation_mois=24), modele)
            if "données" in m] == [
        "La page des données personnelles annonce 30 jours et 12 mois, le serveur "
        "appliquerait 30 jours et 24 mois : reconstruisez le site avec les mêmes "
        "AIGUILLAGE_COORDONNEES_JOURS et AIGUILLAGE_CONSERVATION_MOIS que le serveur."]


def test_chaque_reglage_est_documente():
    documentation = (RACINE / "docs" / "reglages.md").read_text(encoding="utf-8")
    noms = [r.nom for r in REGLAGES] + REGLAGES_A_MOTIF
    absents = [nom for nom in noms if f"`{nom}`" not in documentation]
    assert absents == []
    lus = set(re.findall(r"AIGUILLAGE_[A-Z0-9_]+", (RACINE / "fonctions" / "socle" / "reglages.py")
                         .read_text(encoding="utf-8")))
    assert {n.rstrip("_") for n in lus} <= {n.rstrip("_") for n in noms} | {
        "AIGUILLAGE_SECRET_WEBHOOK", "AIGUILLAGE_CLE_OPEN311", "AIGUILLAGE_CLIENT_OPEN311",
        "AIGUILLAGE_SECRET_MISES_A_JOUR",
        "AIGUILLAGE",
        "AIGUILLAGE_PROXYS"}  # l'ancien nom de AIGUILLAGE_PROXIES, refusé avec un message


def test_le_geocodeur_est_celui_de_la_ban_par_defaut_et_https_en_production():
    assert lire_reglages({}).geocodeur_url == "https://api-adresse.data.gouv.fr"
    assert lire_reglages({"AIGUILLAGE_GEOCODEUR_URL": "http://127.0.0.1:7878/"}).geocodeur_url \
        == "http://127.0.0.1:7878"
    assert lire_reglages({**PRODUCTION_COMPLETE}).geocodeur_url == \
        "https://api-adresse.data.gouv.fr"
    with pytest.raises(ErreurReglages) as erreur:
        lire_reglages({**PRODUCTION_COMPLETE, "AIGUILLAGE_GEOCODEUR_URL": "http://addok.local"})
    assert erreur.value.messages == [
        "AIGUILLAGE_GEOCODEUR_URL « http://addok.local » doit être une adresse https:// "
        "(par défaut https://api-adresse.data.gouv.fr)."]
    with pytest.raises(ErreurReglages):
        lire_reglages({"AIGUILLAGE_GEOCODEUR_URL": "addok"})
