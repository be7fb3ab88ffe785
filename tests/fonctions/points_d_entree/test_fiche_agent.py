"""Ce que la page de l'agent montre du signalement : le lieu avec ses cartes, le contact
seulement s'il est permis, les photos en taille réelle, les consignes du contenu."""

from __future__ import annotations

from fonctions.points_d_entree.fiche_agent import (
    Lien,
    consignes,
    contact_permis,
    lieu,
    photos,
    telephone_lisible,
)

OUVERTE = {"statut": "transmis"}


def signalement(**autres) -> dict:
    return {"reference": "AIG-7K3M-Q9", "commune": {"insee": "56143", "nom": "Muzillac"},
            "localisation": {"latitude": None, "longitude": None, "adresse": None}, **autres}


def test_une_position_donne_openstreetmap_et_geoportail():
    vu = lieu(signalement(localisation={"latitude": 47.5541234, "longitude": -2.4806321,
                                        "adresse": "2 place du Marché"}))
    assert (vu.adresse, vu.commune, vu.position) == ("2 place du Marché", "Muzillac",
                                                     "47.55412, -2.48063")
    assert vu.cartes == [
        Lien("Voir le point sur OpenStreetMap", "https://www.openstreetmap.org/?mlat=47.554123"
             "&mlon=-2.480632#map=19/47.554123/-2.480632"),
        Lien("Voir la photo aérienne et le cadastre sur Géoportail",
             "https://www.geoportail.gouv.fr/carte?c=-2.480632,47.554123&z=19"
             "&l0=ORTHOIMAGERY.ORTHOPHOTOS::GEOPORTAIL:OGC:WMTS(1)"
             "&l1=CADASTRE.PARCELLES::GEOPORTAIL:OGC:WMTS(0.8)&permalink=yes"),
    ]


def test_une_adresse_seule_se_cherche_sur_openstreetmap_et_rien_ne_donne_aucune_carte():
    vu = lieu(signalement(localisation={"latitude": None, "longitude": None,
                                        "adresse": "Rue de l'Église & place"}))
    assert vu.cartes == [Lien("Chercher l'adresse sur OpenStreetMap",
                              "https://www.openstreetmap.org/search?query=Rue+de+l%27%C3%89glise"
                              "+%26+place%2C+Muzillac")]
    assert lieu(signalement()).cartes == []


def test_un_telephone_se_lit_par_deux_chiffres_et_s_appelle_d_un_doigt():
    assert telephone_lisible("0612345678") == ("06 12 34 56 78", "tel:+33612345678")
    assert telephone_lisible("+33612345678") == ("06 12 34 56 78", "tel:+33612345678")
    assert telephone_lisible("+4412345678") == ("+4412345678", "tel:+4412345678")


def test_le_contact_n_est_donne_que_si_le_citoyen_l_a_permis_et_au_service_actuel():
    permis = signalement(contact={"courriel": "léa+suivi@exemple.fr", "telephone": "0612345678",
                                  "consentement": True})
    contact = contact_permis(permis, OUVERTE)
    assert contact.mailto == "mailto:l%C3%A9a%2Bsuivi@exemple.fr?subject=Votre%20signalement%20AIG-7K3M-Q9"
    assert (contact.courriel, contact.telephone, contact.tel) == (
        "léa+suivi@exemple.fr", "06 12 34 56 78", "tel:+33612345678")
    assert contact_permis(permis, {"statut": "resolu"}) is None
    seulement_tenu_au_courant = signalement(contact={"courriel": "lea@exemple.fr",
                                                     "telephone": None, "consentement": False})
    assert contact_permis(seulement_tenu_au_courant, OUVERTE) is None
    assert contact_permis(signalement(contact=None), OUVERTE) is None


def test_une_adresse_qui_cache_des_en_tetes_ne_devient_pas_un_lien_qui_les_ajoute():
    piege = signalement(contact={"courriel": "x?bcc=autre@exemple.fr", "telephone": None,
                                 "consentement": True})
    assert contact_permis(piege, OUVERTE).mailto.startswith("mailto:x%3Fbcc%3Dautre@exemple.fr?")


def test_les_photos_s_ouvrent_en_taille_reelle_et_disent_quand_elles_ont_ete_ajoutees():
    vues = photos(signalement(photos=[
        {"nom": "photo-1.jpg", "largeur": 1600, "hauteur": 1200},
        {"nom": "photo-2.jpg", "largeur": 800, "hauteur": 600,
         "ajoutee_le": "2025-03-11T09:00:00+00:00"}]), "/api/agent/JETON/photos")
    assert vues == [
        {"url": "/api/agent/JETON/photos/photo-1.jpg", "numero": 1, "sur": 2,
         "taille": "1600 × 1200 pixels", "ajoutee_le": None},
        {"url": "/api/agent/JETON/photos/photo-2.jpg", "numero": 2, "sur": 2,
         "taille": "800 × 600 pixels", "ajoutee_le": "11 mars 2025 à 10 h 00"},
    ]


def test_les_consignes_viennent_de_l_issue_des_etapes_communes_et_du_service(modele):
    vues = consignes(modele, {"noeud": {"id": "voirie/nid-de-poule"}}, "mairie-bourg-les-essais")
    assert vues.propres == ["Allez voir sur place sous 48 heures.",
                            "Un trou de plus de 10 cm se sécurise le jour même : barrière, cône."]
    assert vues.etapes_html.startswith("<ol>\n<li>Dès que vous l'avez lu, répondez « Prendre")
    assert vues.du_service_html.startswith("<p>Vérifiez sur place sous 48 heures.")
    hors_parcours = consignes(modele, {"noeud": {"id": "je-ne-trouve-pas",
                                                 "hors_parcours": True}}, "cc-val-d-essai")
    assert hors_parcours.propres == [
        "Lisez la description, puis répondez « Prendre en charge » ou « Ce n'est pas de notre "
        "ressort »."]
    retiree = consignes(modele, {"noeud": {"id": "voirie/ancienne-issue"}}, "inconnu")
    assert (retiree.propres, retiree.du_service_html) == ([], "")
