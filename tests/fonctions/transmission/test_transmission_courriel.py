from __future__ import annotations

import email
import email.policy

import pytest
from aides_fonctions import ExpediteurMemoire, dossier_de_test, photo

from fonctions.transmission.base import EchecTransmission
from fonctions.transmission.courriel import CanalAlerte, CanalCourriel, composer_message


def parties(message):
    relu = email.message_from_bytes(bytes(message), policy=email.policy.default)
    texte = relu.get_body(("plain",)).get_content()
    html = relu.get_body(("html",)).get_content()
    jointes = [(p.get_filename(), p.get_content_type(), p.get_content())
               for p in relu.iter_attachments()]
    return relu, texte, html, jointes


def test_le_courriel_donne_tout_ce_qu_un_agent_doit_savoir(modele):
    dossier = dossier_de_test(
        modele, photos=(photo(),), latitude="47.55", longitude="-2.48",
        description='Trou <b>profond</b> & "dangereux"', courriel="lea@exemple.fr",
        consentement="oui", **{"question-dangereux": "oui"})
    message = composer_message(dossier, "ne-pas-repondre@val-d-essai.example.org",
                               ["voirie@bourg-les-essais.example.org"])
    relu, texte, html, jointes = parties(message)
    assert relu["Subject"] == "Signalement AIG-7K3M-Q2 : Un nid-de-poule — Bourg-les-Essais"
    assert relu["To"] == "voirie@bourg-les-essais.example.org"
    assert relu["Message-ID"] == "<AIG-7K3M-Q2-transmission@val-d-essai.example.org>"
    assert relu["Date"] == "Mon, 10 Mar 2025 09:00:00 +0000"
    for attendu in [
        "Référence : AIG-7K3M-Q2",
        "Commune : Bourg-les-Essais (56001)",
        "Reçu le : 10/03/2025 à 10 h 00 (heure de Paris)",
        'Trou <b>profond</b> & "dangereux"',
        "Position : 47.55, -2.48 — https://www.openstreetmap.org/?mlat=47.55&mlon=-2.48",
        "- Quelle est la taille du trou ? Comme une assiette",
        "- Qu'avez-vous constaté ? → La rue, le trottoir, la route",
        "- Qu'avez-vous constaté sur la voie publique ? → Un nid-de-poule",
        "- courriel : lea@exemple.fr",
        "Sécurisez (barrière, cône) si le trou dépasse 10 cm.",
        "https://aiguillage.example.org/agent/#AIG-7K3M-Q2.jeton-agent",
        "Photos jointes : 1.",
    ]:
        assert attendu in texte, attendu
    assert "Trou &lt;b&gt;profond&lt;/b&gt; &amp; &#34;dangereux&#34;" in html
    assert "<b>profond</b>" not in html
    assert "<strong>Sécurisez</strong>" in html  # les consignes sont du HTML construit
    assert "<li>Qu&#39;avez-vous constaté sur la voie publique ? → <strong>Un nid-de-poule" in html
    assert 'href="https://aiguillage.example.org/agent/#AIG-7K3M-Q2.jeton-agent"' in html
    assert [(nom, type_) for nom, type_, _ in jointes] == [("photo-1.jpg", "image/jpeg")]


def test_sans_coordonnees_le_courriel_le_dit(modele):
    _, texte, html, jointes = parties(composer_message(dossier_de_test(modele), "a@b.fr", ["c@d.fr"]))
    assert "Le citoyen n'a pas laissé de coordonnées." in texte
    assert "Le citoyen n'a pas laissé de coordonnées." in html
    assert jointes == []


def test_le_canal_courriel_envoie_a_l_adresse_de_transmission(modele):
    expediteur = ExpediteurMemoire()
    recu = CanalCourriel(expediteur, "a@b.fr").transmettre(dossier_de_test(modele))
    assert recu.message == "Envoyé par courriel à voirie@bourg-les-essais.example.org."
    assert [m["To"] for m in expediteur.messages] == ["voirie@bourg-les-essais.example.org"]


def test_une_panne_smtp_est_un_echec_a_reessayer(modele):
    expediteur = ExpediteurMemoire()
    expediteur.pannes = 1
    with pytest.raises(EchecTransmission) as echec:
        CanalCourriel(expediteur, "a@b.fr").transmettre(dossier_de_test(modele))
    assert (echec.value.message, echec.value.definitif) == ("SMTP en panne (test)", False)


def test_un_service_sans_adresse_est_un_echec_definitif(modele):
    dossier = dossier_de_test(modele)
    dossier.gestionnaire["transmission"] = {"canal": "courriel", "adresse": None}
    with pytest.raises(EchecTransmission) as echec:
        CanalCourriel(ExpediteurMemoire(), "a@b.fr").transmettre(dossier)
    assert echec.value.definitif


def test_l_alerte_previent_la_coordination_avec_le_motif(modele):
    expediteur = ExpediteurMemoire()
    canal = CanalAlerte(expediteur, "a@b.fr", lambda: modele.coordination_courriels)
    dossier = dossier_de_test(modele, motif="Abandon après 12 tentative(s) par webhook.")
    assert canal.transmettre(dossier).message == (
        "Coordination prévenue par courriel (coordination@val-d-essai.example.org).")
    relu, texte, html, _ = parties(expediteur.messages[0])
    assert relu["Subject"].startswith("[À transmettre à la main] Signalement AIG-7K3M-Q2")
    assert "Abandon après 12 tentative(s) par webhook." in texte
    assert "À transmettre à la main" in html
    with pytest.raises(EchecTransmission) as echec:
        CanalAlerte(expediteur, "a@b.fr", lambda: []).transmettre(dossier)
    assert echec.value.definitif


@pytest.mark.parametrize(("evenement", "sujet", "phrase"), [
    ("relance", "[Relance]", "ce signalement attend votre accusé de réception."),
    ("rouvert", "[Rouvert]", "le citoyen indique que le problème n'est pas réglé."),
    ("complement", "[Complément]", "le citoyen a ajouté une information à ce signalement."),
    ("escalade", "[Sans réponse du service]",
     "Mairie de Bourg-les-Essais n'a pas accusé réception de ce signalement."),
    ("a_orienter", "[À orienter]", "aucun service n'a encore ce signalement."),
])
def test_chaque_sorte_de_message_a_son_sujet_et_sa_phrase(modele, evenement, sujet, phrase):
    dossier = dossier_de_test(modele, motif="Le détail.", evenement=evenement)
    relu, texte, html, _ = parties(composer_message(dossier, "a@b.fr", ["c@d.fr"]))
    assert relu["Subject"].startswith(f"{sujet} Signalement AIG-7K3M-Q2")
    assert phrase in texte and "Le détail." in texte
    pour_la_coordination = evenement in ("escalade", "a_orienter")
    assert ("https://aiguillage.example.org/api/coordination" in texte) is pour_la_coordination
    assert ("Prendre en charge ce signalement" in texte) is not pour_la_coordination
