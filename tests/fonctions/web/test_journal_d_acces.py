"""Le journal d'accès d'uvicorn ne garde ni les mots cherchés ni les jetons
(fonctions/web/journal_d_acces.py)."""

import logging

import httpx
import pytest

from fonctions.web.journal_d_acces import (
    SansDonneesPersonnelles,
    masquer,
    proteger_le_journal_d_acces,
    proteger_les_journaux,
    sans_coordonnees,
)


@pytest.mark.parametrize(("chemin", "garde"), [
    ("/api/recherche?q=mon+voisin+Dupont", "/api/recherche?…"),
    ("/api/signalements/AIG-7K3M-Q9/confirmation?jeton=abc.def",
     "/api/signalements/…/confirmation?…"),
    ("/api/signalements/AIG-7K3M-Q9.jeton/confirmation", "/api/signalements/…/confirmation"),
    ("/api/suivi?jeton=AIG-7K3M-Q9.abc", "/api/suivi?…"),
    ("/api/agent/AIG-7K3M-Q9.1.67cf1a80.sig/nouveau-lien", "/api/agent/…/nouveau-lien"),
    ("/api/coordination/Y29vcmQ.67cf1a80.sig", "/api/coordination/…"),
    ("/api/ailleurs/lea@exemple.fr", "/api/ailleurs/<courriel>"),
    ("/api/agent/eyJhbGciOi.abc", "/api/agent/…"),
    ("/api/agent/eyJhbGciOi.abc/photos/photo-1.jpg", "/api/agent/…/photos/photo-1.jpg"),
    ("/api/coordination/jeton-magique", "/api/coordination/…"),
    ("/api/coordination", "/api/coordination"),
    ("/api/suivi/AIG-7K3M-Q9.Xc2abc", "/api/suivi/…"),
    ("/api/suivi/AIG-7K3M-Q9.Xc2abc?fait=deja", "/api/suivi/…?…"),
    ("/api/suivi/etat", "/api/suivi/etat"),
    ("/api/suivi/complement", "/api/suivi/complement"),
    ("/api/suivi/etatique", "/api/suivi/…"),
    ("/api/suivi", "/api/suivi"),
    ("/voirie/nid-de-poule/", "/voirie/nid-de-poule/"),
])
def test_le_chemin_ecrit_au_journal_perd_ses_donnees(chemin, garde):
    assert masquer(chemin) == garde


def test_le_filtre_reecrit_la_ligne_d_acces_d_uvicorn():
    ligne = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                              '%s - "%s %s HTTP/%s" %d',
                              ("127.0.0.1:5000", "GET", "/api/recherche?q=Dupont", "1.1", 200), None)
    assert SansDonneesPersonnelles().filter(ligne)
    assert ligne.getMessage() == '127.0.0.1:5000 - "GET /api/recherche?… HTTP/1.1" 200'


def test_le_filtre_n_est_pose_qu_une_fois():
    proteger_le_journal_d_acces()
    proteger_le_journal_d_acces()
    filtres = logging.getLogger("uvicorn.access").filters
    assert sum(isinstance(f, SansDonneesPersonnelles) for f in filtres) == 1


@pytest.mark.parametrize(("texte", "garde"), [
    ("Refus de <lea.martin@exemple.fr>", "Refus de <<courriel>>"),
    ("lea+aiguillage@sous.domaine.example.org a écrit", "<courriel> a écrit"),
    ("Rappeler le 06 12 34 56 78", "Rappeler le <téléphone>"),
    ("ou le +33 6 12 34 56 78, ou le 0612345678.", "ou le <téléphone>, ou le <téléphone>."),
    ("06.12.34.56.78", "<téléphone>"),
    ("Journal rejoué : 1200 signalement(s) le 2025-03-10 09:00:00", None),
    ("AIG-7K3M-Q9 et le fichier 0a0612345678b.json", None),
    ("aiguillage@localhost", None),
])
def test_les_coordonnees_sont_retirees_d_un_message(texte, garde):
    assert sans_coordonnees(texte) == (garde or texte)


@pytest.fixture
def fabrique_d_origine():
    fabrique = logging.getLogRecordFactory()
    yield
    logging.setLogRecordFactory(fabrique)


def test_aucun_journal_du_processus_ne_garde_une_coordonnee(fabrique_d_origine, caplog):
    proteger_les_journaux()
    proteger_les_journaux()  # une fois suffit ; deux ne changent rien
    caplog.set_level("INFO")
    journal = logging.getLogger("aiguillage.essai")
    journal.warning("Lien de suivi non envoyé à %s.", "lea.martin@exemple.fr")
    try:
        raise ValueError("(550, b'<lea.martin@exemple.fr>: Recipient address rejected')")
    except ValueError:
        journal.exception("Envoi raté au %s", "06 12 34 56 78")
    logging.getLogger("bibliotheque").info("contact : lea.martin@exemple.fr")
    assert "lea.martin" not in caplog.text and "06 12 34" not in caplog.text
    assert caplog.messages == ["Lien de suivi non envoyé à <courriel>.", "Envoi raté au <téléphone>",
                               "contact : <courriel>"]
    assert "Recipient address rejected" in caplog.text  # la trace reste, sans l'adresse


def test_le_vrai_serveur_ne_journalise_pas_les_mots_cherches(serveur_reel):
    with httpx.Client(base_url=serveur_reel.url, timeout=30) as client:
        client.get("/api/recherche", params={"q": "mon voisin Dupont"})
        client.get("/api/agent/jeton-secret-de-test")
        client.get("/api/suivi/AIG-2222-22.jeton-de-suivi-de-test")
    journal = serveur_reel.journal()
    assert "GET /api/recherche?… HTTP/1.1" in journal
    assert "GET /api/agent/… HTTP/1.1" in journal
    assert "GET /api/suivi/… HTTP/1.1" in journal
    assert "Dupont" not in journal and "jeton-secret-de-test" not in journal
    assert "jeton-de-suivi-de-test" not in journal
