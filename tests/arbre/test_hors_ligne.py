"""Le service worker écrit à la construction (arbre/hors_ligne.py) : la liste de ce qu'il
garde, avec l'empreinte et le poids téléchargé de chaque fichier, et la coquille gardée même
sur une connexion économe."""

import gzip
import hashlib
import json
import re

import pytest

from arbre.__main__ import construire
from arbre.hors_ligne import dans_la_coquille, fichiers_gardes
from tests.conftest import PETIT


@pytest.fixture(scope="module")
def sortie(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("sortie")
    assert construire(PETIT, dossier) == 0
    return dossier


def liste_du_worker(sortie, nom: str):
    sw = (sortie / "sw.js").read_text(encoding="utf-8")
    motif = {"FICHIERS": r"const FICHIERS = (\[.*?\]);",
             "COQUILLE": r"const COQUILLE = new Set\((\[.*?\])\);"}
    return json.loads(re.search(motif[nom], sw, re.S).group(1))


def fichier(sortie, url: str):
    return sortie / (url.lstrip("/") + ("index.html" if url.endswith("/") else ""))


def test_chaque_fichier_garde_a_son_empreinte_et_son_poids_telecharge(sortie):
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    fichiers = fichiers_gardes(sortie, modele)
    assert [list(f) for f in fichiers] == liste_du_worker(sortie, "FICHIERS")
    for url, empreinte, octets in fichiers:
        contenu = fichier(sortie, url).read_bytes()
        assert empreinte == hashlib.sha256(contenu).hexdigest()[:16], url
        assert octets == len(gzip.compress(contenu, 6)), url
    adresses = {url for url, _, _ in fichiers}
    assert "/voirie/nid-de-poule/muzillac/" not in adresses  # remplacée hors ligne par l'issue
    assert not any(url.endswith(".md") for url in adresses)


def test_la_coquille_suffit_pour_ouvrir_le_site_signaler_et_suivre(sortie):
    coquille = liste_du_worker(sortie, "COQUILLE")
    assert sorted(coquille) == [
        "/", "/hors-ligne/", "/je-ne-trouve-pas/", "/manifest.webmanifest", "/mes-signalements/",
        "/regles.json", "/suivi/", "/theme/css/aiguillage.css", "/theme/icones/favicon-32.png",
        "/theme/icones/icone-192.png", "/theme/js/aiguillage.js", "/theme/js/bandeau.js",
        "/theme/js/boite.js", "/theme/js/etats.js", "/theme/js/formulaire-envoi.js",
        "/theme/js/formulaire.js", "/theme/js/hors-ligne.js", "/theme/js/mes-signalements.js",
        "/theme/js/notifications.js", "/theme/js/photos.js", "/theme/js/suivi.js",
        "/theme/js/validation.js"]


@pytest.mark.parametrize(("url", "gardee"), [
    ("/", True), ("/suivi/", True), ("/theme/js/formulaire.js", True),
    ("/theme/js/recherche.js", False), ("/theme/js/recherche-ui.js", False),
    ("/recherche.json", False), ("/voirie/", False), ("/theme/vendor/orama-stemmers/fr.js", False),
])
def test_la_recherche_et_les_pages_du_parcours_ne_sont_pas_dans_la_coquille(url, gardee):
    assert dans_la_coquille(url) is gardee
