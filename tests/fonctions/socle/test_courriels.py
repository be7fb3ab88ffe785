from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from serveurs_locaux import BoiteSMTP, authentifier, certificat_local, demarrer_smtp

from fonctions.socle.courriels import (
    ErreurExpedition,
    ExpediteurFichier,
    ExpediteurSMTP,
    creer_expediteur,
    gabarits,
)


def message() -> EmailMessage:
    courriel = EmailMessage()
    courriel["Subject"] = "Signalement AIG-7K3M-Q2"
    courriel["From"] = "aiguillage@val-d-essai.example.org"
    courriel["To"] = "voirie@bourg-les-essais.example.org"
    courriel.set_content("Un trou.")
    return courriel


@pytest.fixture
def smtp_configurable():
    boite = BoiteSMTP()
    controleurs = []

    def demarrer(**options):
        controleur = demarrer_smtp(boite, **options)
        controleurs.append(controleur)
        return controleur

    yield boite, demarrer
    for controleur in controleurs:
        controleur.stop()


def test_un_relais_local_sans_tls_recoit_le_courriel(smtp_configurable):
    boite, demarrer = smtp_configurable
    controleur = demarrer()
    expediteur = ExpediteurSMTP(f"smtp://127.0.0.1:{controleur.port}")
    assert expediteur.envoyer(message()) == f"SMTP 127.0.0.1:{controleur.port}"
    (recu,) = boite.courriels
    assert recu["pour"] == ["voirie@bourg-les-essais.example.org"]
    assert b"Un trou." in recu["contenu"]


def test_smtp_passe_en_starttls_et_s_identifie(smtp_configurable, tmp_path):
    boite, demarrer = smtp_configurable
    serveur, client = certificat_local(tmp_path)
    controleur = demarrer(tls_context=serveur, require_starttls=True, authenticator=authentifier)
    url = f"smtp://agent:mot%20de%20passe@127.0.0.1:{controleur.port}"
    ExpediteurSMTP(url, contexte_tls=client).envoyer(message())
    (recu,) = boite.courriels
    assert (recu["tls"], recu["identifiant"]) == (True, "agent")


def test_smtps_chiffre_des_la_connexion(smtp_configurable, tmp_path):
    boite, demarrer = smtp_configurable
    serveur, client = certificat_local(tmp_path)
    controleur = demarrer(ssl_context=serveur)
    ExpediteurSMTP(f"smtps://127.0.0.1:{controleur.port}", contexte_tls=client).envoyer(message())
    assert boite.courriels[0]["tls"]


def test_un_serveur_distant_sans_starttls_est_refuse(smtp_configurable):
    boite, demarrer = smtp_configurable
    controleur = demarrer()
    expediteur = ExpediteurSMTP(f"smtp://127.0.0.1:{controleur.port}", hotes_en_clair=frozenset())
    with pytest.raises(ErreurExpedition, match="ne propose pas STARTTLS"):
        expediteur.envoyer(message())
    assert boite.courriels == []


def test_un_serveur_injoignable_est_une_erreur_d_expedition():
    from serveurs_locaux import port_libre

    with pytest.raises(ErreurExpedition, match="SMTP 127.0.0.1"):
        ExpediteurSMTP(f"smtp://127.0.0.1:{port_libre()}").envoyer(message())


def test_sans_smtp_le_courriel_devient_un_fichier_eml_note_dans_le_journal(tmp_path, caplog):
    caplog.set_level("INFO")
    expediteur = creer_expediteur(None, tmp_path)
    assert isinstance(expediteur, ExpediteurFichier)
    chemin = expediteur.envoyer(message())
    assert chemin.startswith(str(tmp_path / "courriels"))
    assert chemin.endswith(".eml")
    assert b"Un trou." in Path(chemin).read_bytes()
    assert chemin in caplog.text
    assert "voirie@bourg-les-essais.example.org" not in caplog.text  # le destinataire
    assert isinstance(creer_expediteur("smtps://h", tmp_path), ExpediteurSMTP)


def test_les_gabarits_des_courriels_ecrivent_au_guerno_et_d_enedis():
    gabarit = gabarits.from_string("{{ 'Le Guerno'|a_la_commune }}, {{ 'Muzillac'|a_la_commune }} ; "
                                   "liens {{ 'Enedis'|de_service }}, {{ 'Mairie de Muzillac'|de_service }}")
    # Un gabarit sans nom est échappé comme du HTML : l'apostrophe y est &#39;.
    assert gabarit.render() == "au Guerno, à Muzillac ; liens d&#39;Enedis, de Mairie de Muzillac"


def test_un_courriel_texte_n_est_pas_echappe():
    assert gabarits.get_template("courriel_lien_de_suivi.txt").render(
        reference="AIG-7K3M-Q9", probleme="L'eau & le gaz", commune=None, lien="https://x/?a=1&b=2",
        territoire="Val d'Essai").startswith(
        "Bonjour,\n\nVoici le lien pour suivre votre signalement AIG-7K3M-Q9 (L'eau & le gaz) :\n\n"
        "https://x/?a=1&b=2\n")
