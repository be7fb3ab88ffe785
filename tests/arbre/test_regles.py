"""Les règles du formulaire (arbre/regles.py) sont publiées une fois, pour le serveur
(`modele.json`) et pour le téléphone (`regles.json`) : les mêmes, octet pour octet."""

import json
import re

from arbre.modele import construire_modele
from arbre.regles import MESSAGES, regles_du_formulaire
from tests.conftest import PETIT


def test_le_modele_publie_les_regles_du_formulaire():
    assert construire_modele(PETIT, "contenu")["regles"] == regles_du_formulaire()


def test_le_telephone_lit_les_memes_regles_que_le_serveur(site_petit):
    modele = json.loads((site_petit / "modele.json").read_text(encoding="utf-8"))
    assert json.loads((site_petit / "regles.json").read_text(encoding="utf-8")) == modele["regles"]


def test_chaque_page_avec_formulaire_dit_ce_que_son_issue_demande(site_petit):
    page = (site_petit / "voirie" / "nid-de-poule" / "muzillac" / "index.html").read_text()
    donnees = json.loads(re.search(r'<script type="application/json" data-formulaire>(.*?)'
                                   r"</script>", page).group(1))
    modele = json.loads((site_petit / "modele.json").read_text(encoding="utf-8"))
    assert donnees == {"formulaire": modele["noeuds"]["voirie/nid-de-poule"]["formulaire"],
                       "commune_obligatoire": True}


def test_chaque_message_dit_ses_parametres_entre_accolades_sans_autre_accolade():
    for cle, message in MESSAGES.items():
        sans_parametres = re.sub(r"\{[a-z_]+\}", "", message)
        assert "{" not in sans_parametres and "}" not in sans_parametres, cle
