from __future__ import annotations

import re

from aides_fonctions import RACINE, ClientHTTPMemoire, ExpediteurMemoire, HorlogeReglable

from fonctions.transmission import NOMS_DES_CANAUX, creer_canaux


def test_chaque_canal_du_guide_du_contenu_existe_et_est_teste(reglages):
    guide = (RACINE / "contenu" / "LISEZMOI.md").read_text(encoding="utf-8")
    ligne = next(x for x in guide.splitlines() if x.startswith("| `transmission` |"))
    annonces = re.findall(r"`(\w+)`", ligne.partition("|")[2].partition("|")[2])
    assert set(annonces) - {"transmission"} == set(NOMS_DES_CANAUX)
    canaux = creer_canaux(reglages, ExpediteurMemoire(), ClientHTTPMemoire(), HorlogeReglable())
    assert {nom: canal.nom for nom, canal in canaux.items()} == {n: n for n in NOMS_DES_CANAUX}
    ici = RACINE / "tests" / "fonctions" / "transmission"
    for nom in NOMS_DES_CANAUX:
        assert (ici / f"test_transmission_{nom}.py").exists(), nom


def test_en_mode_fichier_un_webhook_sans_secret_est_signe_avec_le_secret_de_developpement(
        reglages, modele):
    from dataclasses import replace

    from aides_fonctions import dossier_de_test

    from fonctions.transmission import SECRET_DE_DEVELOPPEMENT
    from fonctions.transmission.webhook import verifier_signature

    client = ClientHTTPMemoire()
    horloge = HorlogeReglable()
    canaux = creer_canaux(replace(reglages, envoi_web="fichier", secrets_webhook={}),
                          ExpediteurMemoire(), client, horloge)
    canaux["webhook"].transmettre(dossier_de_test(modele, commune="56002"))
    (requete,) = client.requetes
    assert verifier_signature(SECRET_DE_DEVELOPPEMENT, requete["entetes"]["Aiguillage-Signature"],
                              requete["contenu"], int(horloge().timestamp()))
