from fonctions.push.messages import lien_de_suivi, message, probleme_et_lieu
from fonctions.socle.jetons import verifier_jeton

SIGNALEMENT = {"reference": "AIG-7K3M-Q9", "suivi": {"sel": "sel-de-test"}}


def test_le_lien_de_suivi_porte_le_jeton_dans_le_fragment():
    lien = lien_de_suivi(SIGNALEMENT, "https://aiguillage.example.org", "cle" * 12)
    debut, _, jeton = lien.partition("#")
    assert debut == "https://aiguillage.example.org/suivi/"
    assert verifier_jeton("cle" * 12, "suivi", jeton, "AIG-7K3M-Q9", "sel-de-test")


def test_le_message_dit_le_statut_et_ce_qui_a_ete_dit_au_citoyen():
    evenement = {"statut": "pris_en_charge", "pour_le_citoyen": "La mairie s'en occupe."}
    assert message(SIGNALEMENT, evenement, "https://x/suivi/#j") == {
        "titre": "AIG-7K3M-Q9 : Pris en charge", "texte": "La mairie s'en occupe.",
        "reference": "AIG-7K3M-Q9", "url": "https://x/suivi/#j"}


def test_un_evenement_sans_statut_dit_quelle_etape_il_est_jamais_du_nouveau():
    assert message(SIGNALEMENT, {"type": "transmis"}, "u")["titre"] == (
        "AIG-7K3M-Q9 : Transmis au service")
    assert message(SIGNALEMENT, {"type": "message"}, "u")["titre"] == (
        "AIG-7K3M-Q9 : Message du service")
    assert message(SIGNALEMENT, {}, "u")["titre"] == "AIG-7K3M-Q9 : Nouvelle étape"


def test_le_probleme_et_le_lieu_tiennent_en_une_ligne():
    signalement = {"noeud": {"libelle": "Un nid-de-poule"},
                   "commune": {"insee": "56143", "nom": "Muzillac"},
                   "localisation": {"adresse": "3 place de l'Église"}}
    assert probleme_et_lieu(signalement) == "Un nid-de-poule, 3 place de l'Église, Muzillac"


def test_la_commune_deja_dans_l_adresse_n_est_pas_repetee():
    signalement = {"noeud": {"libelle": "Un nid-de-poule"}, "commune": {"nom": "Muzillac"},
                   "localisation": {"adresse": "3 place de l'Église,\r\n56190 MUZILLAC"}}
    assert probleme_et_lieu(signalement) == "Un nid-de-poule, 3 place de l'Église, 56190 MUZILLAC"


def test_sans_adresse_la_commune_seule_dit_le_lieu():
    signalement = {"noeud": {"libelle": "Un lampadaire éteint"}, "commune": {"nom": "Le Guerno"},
                   "localisation": {"adresse": None, "latitude": 47.6, "longitude": -2.4}}
    assert probleme_et_lieu(signalement) == "Un lampadaire éteint, Le Guerno"


def test_le_message_dit_quel_service_parle():
    signalement = {**SIGNALEMENT, "attributions": [{"numero": 2, "nom": "Mairie de Muzillac"}]}
    evenement = {"statut": "pris_en_charge", "attribution": 2,
                 "pour_le_citoyen": "Nous nous en occupons."}
    assert message(signalement, evenement, "u")["texte"] == "Mairie de Muzillac : Nous nous en occupons."
