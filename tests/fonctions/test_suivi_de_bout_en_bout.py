"""Le suivi entre services de bout en bout, contre le vrai serveur (uvicorn) et un vrai SMTP
(aiosmtpd), tous deux sur 127.0.0.1 : envoi → courriel au service A → lien de l'agent lu dans
le courriel → « pas de notre ressort, c'est B » → courriel à B → lien de B → résolu → le
citoyen lit les étapes dans l'ordre → il rouvre → B le voit de nouveau."""

from __future__ import annotations

import email
import email.policy
import re

import httpx
import pytest
from aides_fonctions import champs_valides
from aides_suivi import texte_de
from conformite_openapi import client_verifie
from serveur_reel import ServeurReel
from serveurs_locaux import attendre

SERVICE_B = "voirie@val-d-essai.example.org"


def b_recoit_par_courriel(modele: dict) -> None:
    modele["gestionnaires"]["cc-val-d-essai"]["transmission"] = {
        "canal": "courriel", "adresse": SERVICE_B, "code_service": None}


@pytest.fixture
def serveur(tmp_path, boite_smtp, recepteur_http):
    serveur = ServeurReel(tmp_path, boite_smtp.port, recepteur_http.url, b_recoit_par_courriel)
    serveur.demarrer()
    yield serveur
    serveur.arreter()
    print(f"--- journal du serveur ---\n{serveur.journal()}")


def courriel_pour(boite_smtp, adresse: str, sujet: str = "Signalement"):
    def trouve():
        for recu in list(boite_smtp.courriels):
            message = email.message_from_bytes(recu["contenu"], policy=email.policy.default)
            if recu["pour"] == [adresse] and message["Subject"].startswith(sujet):
                return message
        return None
    return attendre(trouve, message=f"aucun courriel « {sujet} » pour {adresse}")


def lien_de(message) -> str:
    texte = message.get_body(("plain",)).get_content()
    return re.search(r"http://\S+/api/agent/\S+", texte).group(0)


def declarer(client: httpx.Client, lien: str, action: str, **champs) -> httpx.Response:
    page = client.get(lien)
    assert page.status_code == 200, page.text
    code = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post(lien, data={"csrf": code, "action": action, **champs})


def test_un_refus_passe_au_bon_service_et_le_citoyen_suit_tout(serveur, boite_smtp):
    with client_verifie(serveur.url, timeout=30, follow_redirects=True) as client:
        corps = client.post("/api/signalements", json=champs_valides(
            courriel="lea@exemple.fr", consentement="oui")).json()
        jeton = corps["suivi"].rpartition("#")[2]
        citoyen = {"Authorization": f"Jeton {jeton}"}

        message_a = courriel_pour(boite_smtp, "voirie@bourg-les-essais.example.org")
        lien_a = lien_de(message_a)
        assert lien_a.startswith(f"{serveur.url}/api/agent/{corps['reference']}.1.")
        page_a = client.get(lien_a)
        assert "Adresse e-mail lea@exemple.fr" in texte_de(page_a.text)  # consenti, service actuel
        refus = declarer(client, lien_a, "pas_de_notre_ressort",
                         motif="Cette voie ou cet équipement ne nous appartient pas.",
                         vers="cc-val-d-essai", message="La rue des Écoles est intercommunale.")
        assert "Le signalement est confié à Communauté de communes du Val d'Essai" in texte_de(
            refus.text)
        assert client.get(lien_a).status_code == 410  # le lien de A est retiré

        message_b = courriel_pour(boite_smtp, SERVICE_B)
        texte_b = message_b.get_body(("plain",)).get_content()
        assert "lea@exemple.fr" in texte_b  # consenti, et B a maintenant le signalement
        assert ("Pas de notre ressort (Mairie de Bourg-les-Essais) : Mairie de Bourg-les-Essais "
                "indique que ce n'est pas de son ressort") in texte_b  # l'historique suit
        lien_b = lien_de(message_b)
        assert lien_b.startswith(f"{serveur.url}/api/agent/{corps['reference']}.2.")
        assert declarer(client, lien_b, "resolu", message="Trou rebouché ce matin.").is_success

        suivi = client.get("/api/suivi", headers=citoyen).json()
        etapes = [(e["type"], e["qui"]) for e in suivi["chronologie"]]
        assert etapes == [
            ("recu", None),
            ("transmis", "Mairie de Bourg-les-Essais"),
            ("pas_de_notre_ressort", "Mairie de Bourg-les-Essais"),
            ("transmis", "Communauté de communes du Val d'Essai"),
            ("resolu", "Communauté de communes du Val d'Essai"),
        ]
        assert suivi["chronologie"][2]["texte"] == (
            "Mairie de Bourg-les-Essais indique que ce n'est pas de son ressort : « Cette voie "
            "ou cet équipement ne nous appartient pas ». La rue des Écoles est intercommunale. "
            "Votre signalement est transmis à Communauté de communes du Val d'Essai, qui l'a "
            "maintenant.")
        assert suivi["chronologie"][4]["texte"] == "Trou rebouché ce matin."
        assert suivi["actions"]["rouvrir"] is True
        assert "lea@" not in str(suivi)

        sans_js = texte_de(client.get(corps["confirmation"]).text)
        positions = [sans_js.index(texte) for texte in (
            "Transmis au service — Mairie de Bourg-les-Essais",
            "Pas de notre ressort — Mairie de Bourg-les-Essais",
            "« Cette voie ou cet équipement ne nous appartient pas »",
            "Transmis au service — Communauté de communes du Val d'Essai",
            "Résolu — Communauté de communes du Val d'Essai",
        )]
        assert positions == sorted(positions)
        assert "lea@" not in sans_js

        rouvert = client.post("/api/suivi/rouvrir", headers=citoyen,
                              json={"message": "Le trou est revenu après la pluie."})
        assert rouvert.status_code == 200
        assert rouvert.json()["etat"]["code"] == "rouvert"
        message_rouvert = courriel_pour(boite_smtp, SERVICE_B, "[Rouvert]")
        assert "Le trou est revenu après la pluie." in message_rouvert.get_body(
            ("plain",)).get_content()
        page_b = texte_de(client.get(lien_de(message_rouvert)).text)
        assert "Pour Communauté de communes du Val d'Essai : Rouvert" in page_b
        assert "Le citoyen a rouvert ce signalement" in page_b
        assert "Prendre en charge" in page_b


def test_sans_l_accord_du_citoyen_aucun_service_ne_voit_ses_coordonnees_mais_il_est_informe(
        serveur, boite_smtp, recepteur_http):
    from serveurs_locaux import json_de

    contact = {"courriel": "lea@exemple.fr", "telephone": "06 12 34 56 78"}
    with client_verifie(serveur.url, timeout=30, follow_redirects=True) as client:
        corps = client.post("/api/signalements", json=champs_valides(**contact))
        assert corps.status_code == 201, corps.text  # accepté, sans case cochée
        assert client.post("/api/signalements", json=champs_valides(
            commune="56002", **contact)).status_code == 201

        message_a = courriel_pour(boite_smtp, "voirie@bourg-les-essais.example.org")
        brut = message_a.as_string()
        assert "lea@" not in brut and "06 12" not in brut and "0612" not in brut
        (requete,) = attendre(lambda: list(recepteur_http.requetes), message="aucun webhook")
        assert json_de(requete)["signalement"]["contact"] is None
        assert b"lea@" not in requete["corps"] and b"0612" not in requete["corps"]
        lien_a = lien_de(message_a)
        assert "lea@" not in client.get(lien_a).text

        assert declarer(client, lien_a, "pris_en_charge").is_success
        # L'adresse laissée pour être tenu au courant sert à cela, et seulement à cela.
        au_citoyen = courriel_pour(boite_smtp, "lea@exemple.fr", "Pris en charge")
        assert corps.json()["reference"] in au_citoyen["Subject"]


def test_le_courriel_au_citoyen_nomme_le_probleme_le_lieu_et_la_reference(serveur, boite_smtp):
    with client_verifie(serveur.url, timeout=30) as client:
        corps = client.post("/api/signalements", json=champs_valides(
            courriel="lea@exemple.fr", consentement="oui")).json()
    reference = corps["reference"]
    message = courriel_pour(boite_smtp, "lea@exemple.fr", "Transmis au service")
    assert message["Subject"] == (
        f"Transmis au service — Un nid-de-poule, 12 rue des Écoles, Bourg-les-Essais ({reference})")
    texte = message.get_body(("plain",)).get_content()
    assert texte.splitlines()[0] == (
        f"Votre signalement {reference} : Un nid-de-poule, 12 rue des Écoles, Bourg-les-Essais.")
    assert "Transmis au service. Votre signalement a été transmis à Mairie de Bourg-les-Essais." in texte
    assert corps["suivi"] in texte
