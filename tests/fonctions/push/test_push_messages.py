from fonctions.jetons import verifier_jeton
from fonctions.push.messages import lien_de_suivi, message

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


def test_un_evenement_sans_statut_annonce_du_nouveau():
    assert message(SIGNALEMENT, {}, "u")["titre"] == "AIG-7K3M-Q9 : du nouveau"


def test_le_message_dit_quel_service_parle():
    signalement = {**SIGNALEMENT, "attributions": [{"numero": 2, "nom": "Mairie de Muzillac"}]}
    evenement = {"statut": "pris_en_charge", "attribution": 2,
                 "pour_le_citoyen": "Nous nous en occupons."}
    assert message(signalement, evenement, "u")["texte"] == "Mairie de Muzillac : Nous nous en occupons."
