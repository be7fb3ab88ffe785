import fonctions.push


def test_le_paquet_push_decrit_ses_trois_modules():
    for module in ("cles", "abonnements", "envoi"):
        assert f"``{module}``" in fonctions.push.__doc__
