"""Le journal d'accès d'uvicorn ne garde ni les mots cherchés ni les jetons
(fonctions/journal_d_acces.py)."""

import logging

import httpx
import pytest

from fonctions.journal_d_acces import SansDonneesPersonnelles, masquer, proteger_le_journal_d_acces


@pytest.mark.parametrize(("chemin", "garde"), [
    ("/api/recherche?q=mon+voisin+Dupont", "/api/recherche?…"),
    ("/api/signalements/AIG-7K3M-Q9/confirmation?jeton=abc.def",
     "/api/signalements/AIG-7K3M-Q9/confirmation?…"),
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
