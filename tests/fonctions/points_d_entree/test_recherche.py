"""``GET /api/recherche`` : la page de résultats sans JavaScript, rendue avec le gabarit du site
et le même moteur que le navigateur (fonctions/points_d_entree/recherche.py)."""

import json
import tomllib

import pytest

from arbre.recherche.moteur import Index
from fonctions.points_d_entree.recherche import LONGUEUR_MAX, phrase_etat
from fonctions.points_d_entree.recherches_vides import jour_de
from fonctions.web.pages import CSP_DU_SITE
from tests.conftest import RACINE


@pytest.fixture
def client(fabrique_client, site_petit):
    return fabrique_client(modele=site_petit / "modele.json")


@pytest.fixture
def index(site_petit) -> Index:
    return Index(json.loads((site_petit / "recherche.json").read_text(encoding="utf-8")))


def liens(reponse) -> list[str]:
    """Les adresses des résultats de la page, dans l'ordre."""
    liste = reponse.text.split("data-liste-resultats>")[1].split("</ol>")[0]
    return [morceau.split('"')[0] for morceau in liste.split('href="')[1:]]


def etat(reponse) -> str:
    return reponse.text.split("data-etat>")[1].split("</p>")[0]


def test_les_resultats_sont_ceux_du_moteur_dans_le_meme_ordre(client, index):
    reponse = client.get("/api/recherche", params={"q": "arbre tombé sur la rue"})
    assert reponse.status_code == 200
    assert liens(reponse) == [r.adresse for r in index.afficher("arbre tombé sur la rue")]
    assert liens(reponse)[0] == "/partages/arbre-tombe/"
    assert etat(reponse) == f"{len(liens(reponse))} résultats pour « arbre tombé sur la rue »."


def test_la_page_est_celle_du_site_avec_le_formulaire_rempli(client):
    texte = client.get("/api/recherche", params={"q": "gaz"}).text
    assert "<title>Recherche «&nbsp;gaz&nbsp;» – Aiguillage · Communauté de communes d&#39;Essai" in texte
    assert '<link rel="stylesheet" href="/theme/css/aiguillage.css">' in texte
    assert 'value="gaz"' in texte
    assert "data-rendu-serveur" in texte
    assert '<a href="/je-ne-trouve-pas/" data-je-ne-trouve-pas>Je ne trouve pas mon problème</a>' in texte
    assert 'form class="recherche"' not in texte  # pas de second formulaire dans l'en-tête


def test_la_commune_donne_le_service_et_la_page_de_la_commune(client):
    reponse = client.get("/api/recherche", params={"q": "trou", "commune": "56195"})
    assert liens(reponse)[0] == "/voirie/nid-de-poule/la-roche-bernard/"
    assert "Transmis par ce site à <strong data-service>Mairie de La Roche-Bernard</strong>" in \
        reponse.text
    assert '<option value="56195" selected>La Roche-Bernard</option>' in reponse.text


@pytest.mark.parametrize("commune", ["99999", "", "<b>"])
def test_une_commune_inconnue_est_ignoree(client, commune):
    reponse = client.get("/api/recherche", params={"q": "trou", "commune": commune})
    assert reponse.status_code == 200
    assert liens(reponse)[0] == "/voirie/nid-de-poule/"
    assert " selected>" not in reponse.text


def test_sans_requete_la_page_invite_a_chercher(client):
    reponse = client.get("/api/recherche")
    assert reponse.status_code == 200
    assert liens(reponse) == []
    assert etat(reponse) == ""


def test_une_requete_trop_longue_est_coupee_a_la_longueur_du_champ(client):
    reponse = client.get("/api/recherche", params={"q": "gaz " + "x" * 500})
    assert f'value="gaz {"x" * (LONGUEUR_MAX - 4)}"' in reponse.text
    assert liens(reponse) == ["/gaz/"]


def test_la_requete_est_echappee_partout_ou_elle_est_montree(client):
    reponse = client.get("/api/recherche", params={"q": '<script>alert("x")</script> gaz'})
    assert "<script>alert" not in reponse.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; gaz" in reponse.text


def test_la_page_porte_la_politique_de_contenu_du_site(client):
    reponse = client.get("/api/recherche", params={"q": "gaz"})
    netlify = tomllib.loads((RACINE / "netlify.toml").read_text(encoding="utf-8"))
    site = next(h for h in netlify["headers"] if h["for"] == "/*")
    assert CSP_DU_SITE == site["values"]["Content-Security-Policy"]
    assert reponse.headers["content-security-policy"] == CSP_DU_SITE
    assert reponse.headers["cache-control"] == "no-store"
    assert reponse.headers["x-robots-tag"] == "noindex"


def test_une_recherche_sans_resultat_est_comptee_pour_les_redacteurs(client, stockage, horloge):
    client.get("/api/recherche", params={"q": "Ma licorne s'est échappée"})
    client.get("/api/recherche", params={"q": "gaz"})  # trouvée : pas comptée
    client.get("/api/recherche", params={"q": "licorne échappée"},
               headers={"Sec-Purpose": "prefetch"})  # préchargée : pas comptée
    jour = jour_de(horloge())
    assert stockage.lister_recherches_vides(jour, jour, 10) == [("licorne echappee", 1)]


def test_la_phrase_annoncee_est_celle_du_navigateur():
    assert phrase_etat(0, " licorne ") == ("Aucun résultat pour « licorne ». Essayez d'autres mots, "
                                           "ou choisissez « Je ne trouve pas mon problème ».")
    assert phrase_etat(1, "gaz") == "1 résultat pour « gaz »."
    assert phrase_etat(3, "arbre") == "3 résultats pour « arbre »."
    source = (RACINE / "site/theme/static/js/recherche-ui.js").read_text(encoding="utf-8")
    for morceau in ("Aucun résultat pour « ", "Essayez d'autres mots, ou choisissez ",
                    "« Je ne trouve pas mon problème ».", " pour « "):
        assert morceau in source


def test_sans_index_la_page_le_dit_en_francais(fabrique_client, site_petit, tmp_path):
    (tmp_path / "modele.json").write_bytes((site_petit / "modele.json").read_bytes())
    reponse = fabrique_client(modele=tmp_path / "modele.json").get("/api/recherche", params={"q": "gaz"})
    assert reponse.status_code == 503
    assert "La recherche ne répond pas pour le moment." in reponse.text


def test_un_index_decoupe_donne_la_meme_page_que_l_index_d_un_seul_fichier(fabrique_client, client,
                                                                        site_petit_decoupe):
    assert list((site_petit_decoupe / "recherche").glob("postes-*.json"))
    decoupe = fabrique_client(modele=site_petit_decoupe / "modele.json")
    for q, commune in (("arbre tombé sur la rue", None), ("trou", "56195"), ("poubele", None)):
        params = {"q": q, **({"commune": commune} if commune else {})}
        attendu = client.get("/api/recherche", params=params)
        obtenu = decoupe.get("/api/recherche", params=params)
        assert obtenu.status_code == 200 and liens(obtenu) == liens(attendu) and liens(obtenu)


def test_un_morceau_manquant_de_l_index_est_dit_en_francais(fabrique_client, site_petit_decoupe, tmp_path):
    for fichier in ("modele.json", "recherche.json"):
        (tmp_path / fichier).write_bytes((site_petit_decoupe / fichier).read_bytes())
    (tmp_path / "recherche").mkdir()
    for morceau in sorted((site_petit_decoupe / "recherche").glob("*.json"))[1:]:  # il en manque un
        (tmp_path / "recherche" / morceau.name).write_bytes(morceau.read_bytes())
    reponse = fabrique_client(modele=tmp_path / "modele.json").get("/api/recherche", params={"q": "gaz"})
    assert reponse.status_code == 503
    assert "La recherche ne répond pas pour le moment." in reponse.text
