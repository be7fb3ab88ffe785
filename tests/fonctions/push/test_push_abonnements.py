import pytest

from fonctions.push.abonnements import AbonnementRefuse, hote_permis, verifier_abonnement

CLES = {"p256dh": "B" + "A" * 86, "auth": "A" * 22}


def abonnement(endpoint):
    return {"endpoint": endpoint, "keys": CLES}


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/abc",
    "https://wns2-par02p.notify.windows.com/w/?token=abc",
    "https://web.push.apple.com/QGabc",
    "https://fcm.googleapis.com:443/fcm/send/abc",
])
def test_les_services_de_push_connus_sont_permis(endpoint):
    assert verifier_abonnement(abonnement(endpoint))["endpoint"] == endpoint


@pytest.mark.parametrize(("endpoint", "raison"), [
    ("http://fcm.googleapis.com/fcm/send/abc", "https"),
    ("https://fcm.googleapis.com:8443/x", "port 443"),
    ("https://127.0.0.1/push", "pas pris en charge"),
    ("https://10.0.0.1/push", "pas pris en charge"),
    ("https://evil.example.org/fcm.googleapis.com", "pas pris en charge"),
    ("https://fcm.googleapis.com.evil.example.org/x", "pas pris en charge"),
    ("https://notify.windows.com.evil.org/x", "pas pris en charge"),
    ("https://user:pass@fcm.googleapis.com/x", "identifiants"),
    ("fichier:///etc/passwd", "https"),
])
def test_une_adresse_hors_liste_est_refusee(endpoint, raison):
    with pytest.raises(AbonnementRefuse, match=raison):
        verifier_abonnement(abonnement(endpoint))


def test_le_banc_d_essai_n_ouvre_que_son_hote_et_son_port_en_http():
    banc = ("127.0.0.1:9999",)
    assert verifier_abonnement(abonnement("http://127.0.0.1:9999/push/x"), bancs_d_essai=banc)
    with pytest.raises(AbonnementRefuse):
        verifier_abonnement(abonnement("http://127.0.0.1:9998/push/x"), bancs_d_essai=banc)


@pytest.mark.parametrize("cles", [None, {}, {"p256dh": "court", "auth": "A" * 22},
                                  {"p256dh": CLES["p256dh"], "auth": "pas*base64"}])
def test_des_cles_invalides_sont_refusees(cles):
    with pytest.raises(AbonnementRefuse):
        verifier_abonnement({"endpoint": "https://fcm.googleapis.com/x", "keys": cles})


def test_le_suffixe_exige_un_vrai_sous_domaine():
    assert hote_permis("a.push.apple.com", [".push.apple.com"])
    assert not hote_permis("push.apple.com.example", [".push.apple.com"])
    assert not hote_permis("evilpush.apple.com", [".push.apple.com"])
