"""Le service worker écrit à la construction (arbre/hors_ligne.py) : la coquille qu'il garde à
la première visite (quelle que soit la taille du parcours), les autres fichiers communs et le
manifeste de chaque famille, gardée à la demande, avec l'empreinte et le poids téléchargé de
chaque fichier."""

import gzip
import hashlib
import json
import re

import pytest

from arbre.__main__ import construire
from arbre.hors_ligne import (
    DOSSIER_FAMILLES,
    dans_la_coquille,
    fichiers_gardes,
    poids_de_l_index,
    repartir,
)
from tests.conftest import PETIT


@pytest.fixture(scope="module")
def sortie(tmp_path_factory):
    dossier = tmp_path_factory.mktemp("sortie")
    assert construire(PETIT, dossier) == 0
    return dossier


def liste_du_worker(sortie, nom: str):
    sw = (sortie / "sw.js").read_text(encoding="utf-8")
    return json.loads(re.search(rf"const {nom} = (.*?);\n", sw, re.S).group(1))


def tout_le_parcours(sortie) -> list[list]:
    """La coquille, les autres fichiers et ceux de chaque famille (lus dans leur manifeste)."""
    fichiers = (liste_du_worker(sortie, "COQUILLE") + liste_du_worker(sortie, "COMPLEMENT")
                + liste_du_worker(sortie, "AUTRES"))
    for nom in liste_du_worker(sortie, "FAMILLES"):
        manifeste = sortie / DOSSIER_FAMILLES / f"{nom}.json"
        fichiers += json.loads(manifeste.read_text(encoding="utf-8"))["fichiers"]
    return sorted(fichiers)


def fichier(sortie, url: str):
    return sortie / (url.lstrip("/") + ("index.html" if url.endswith("/") else ""))


def test_chaque_fichier_garde_a_son_empreinte_et_son_poids_telecharge(sortie):
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    fichiers = fichiers_gardes(sortie, modele)
    assert sorted(list(f) for f in fichiers) == tout_le_parcours(sortie)
    for url, empreinte, octets in fichiers:
        contenu = fichier(sortie, url).read_bytes()
        assert empreinte == hashlib.sha256(contenu).hexdigest()[:16], url
        assert octets == len(gzip.compress(contenu, 6)), url
    adresses = {url for url, _, _ in fichiers}
    assert "/voirie/nid-de-poule/muzillac/" not in adresses  # remplacée hors ligne par l'issue
    assert not any(url.endswith(".md") for url in adresses)


def test_chaque_famille_a_son_manifeste_avec_ses_issues_par_commune(sortie):
    familles = liste_du_worker(sortie, "FAMILLES")
    assert sorted(familles) == ["dechets", "gaz", "partages", "voirie"]
    for nom, (empreinte, octets, nombre) in familles.items():
        chemin = sortie / DOSSIER_FAMILLES / f"{nom}.json"
        assert empreinte == hashlib.sha256(chemin.read_bytes()).hexdigest()[:16]
        manifeste = json.loads(chemin.read_text(encoding="utf-8"))
        assert len(manifeste["fichiers"]) == nombre
        assert sum(o for _, _, o in manifeste["fichiers"]) == octets
        assert all(u.startswith((f"/{nom}/", f"/plan-du-site/{nom}/")) for u, _, _ in manifeste["fichiers"])
    voirie = json.loads((sortie / DOSSIER_FAMILLES / "voirie.json").read_text(encoding="utf-8"))
    assert voirie["par_commune"] == ["/voirie/nid-de-poule/"]
    assert "/voirie/nid-de-poule/" in {u for u, _, _ in voirie["fichiers"]}


def test_la_coquille_suffit_pour_ouvrir_le_site_signaler_et_suivre(sortie):
    coquille = [url for url, _, _ in liste_du_worker(sortie, "COQUILLE")]
    modele = json.loads((sortie / "modele.json").read_text(encoding="utf-8"))
    assert [url for url, _, _ in repartir(fichiers_gardes(sortie, modele), modele)[0]] == coquille
    # Les questions de premier niveau (les choix de l'accueil) sont aussi dans la coquille.
    assert sorted(coquille) == [
        "/", "/dechets/", "/gaz/", "/hors-ligne/", "/je-ne-trouve-pas/", "/manifest.webmanifest",
        "/mes-signalements/",
        "/regles.json", "/suivi/", "/theme/css/aiguillage.css", "/theme/icones/favicon-32.png",
        "/theme/icones/icone-192.png", "/theme/js/aiguillage.js", "/theme/js/bandeau.js",
        "/theme/js/boite.js", "/theme/js/etats.js", "/theme/js/formulaire-envoi.js",
        "/theme/js/formulaire.js", "/theme/js/hors-ligne.js", "/theme/js/mes-signalements.js",
        "/theme/js/notifications.js", "/theme/js/photos.js", "/theme/js/suivi.js",
        "/theme/js/validation.js", "/voirie/"]


def test_le_complement_garde_les_pages_d_information_et_la_recherche_compacte(sortie):
    """Gardé aussi à la première visite sur une connexion ordinaire : l'index du petit
    contenu est compact (≤ 100 Ko gzip), la recherche marche donc hors ligne d'emblée."""
    complement = {url for url, _, _ in liste_du_worker(sortie, "COMPLEMENT")}
    assert {"/recherche/", "/recherche.json", "/theme/js/recherche.js", "/theme/js/recherche-ui.js",
            "/accessibilite/", "/plan-du-site/"} <= complement
    assert liste_du_worker(sortie, "AUTRES") == []


@pytest.mark.parametrize(("url", "gardee"), [
    ("/", True), ("/suivi/", True), ("/theme/js/formulaire.js", True),
    ("/theme/js/recherche.js", False), ("/theme/js/recherche-ui.js", False),
    ("/recherche.json", False), ("/voirie/", False), ("/theme/vendor/orama-stemmers/fr.js", False),
])
def test_la_recherche_et_les_pages_du_parcours_ne_sont_pas_dans_la_coquille(url, gardee):
    assert dans_la_coquille(url) is gardee


def test_un_index_decoupe_est_garde_a_son_premier_usage_base_et_morceaux(site_petit_decoupe):
    sortie_decoupee = site_petit_decoupe
    modele = json.loads((sortie_decoupee / "modele.json").read_text(encoding="utf-8"))
    fichiers = fichiers_gardes(sortie_decoupee, modele)
    morceaux = {f"/recherche/{f.name}" for f in (sortie_decoupee / "recherche").glob("*.json")}
    assert morceaux
    # Le complément compte la somme des morceaux, pas la seule base.
    assert poids_de_l_index(fichiers) == sum(
        o for url, _, o in fichiers if url in morceaux | {"/recherche.json"})
    autres = {url for url, _, _ in liste_du_worker(sortie_decoupee, "AUTRES")}
    complement = {url for url, _, _ in liste_du_worker(sortie_decoupee, "COMPLEMENT")}
    recherche = {"/recherche/", "/recherche.json", "/theme/js/recherche.js", "/theme/js/recherche-ui.js",
                 *morceaux}
    assert recherche <= autres and not recherche & complement
    # Toute la recherche, que le worker garde en arrière-plan dès la première recherche.
    assert recherche <= set(liste_du_worker(sortie_decoupee, "RECHERCHE"))
    assert set(liste_du_worker(sortie_decoupee, "RECHERCHE")) <= autres


def test_la_recherche_compacte_est_aussi_listee_pour_le_worker(sortie):
    complement = {url for url, _, _ in liste_du_worker(sortie, "COMPLEMENT")}
    assert "/recherche.json" in liste_du_worker(sortie, "RECHERCHE")
    assert set(liste_du_worker(sortie, "RECHERCHE")) <= complement
