from __future__ import annotations

from urllib.parse import urlsplit

from aides_fonctions import champs_valides, photo

from fonctions.transmission import lien_photo


def signaler_avec_photo(client) -> str:
    reponse = client.post("/api/signalements", data=champs_valides(),
                          files=[("photos", ("trou.jpg", photo(), "image/jpeg"))])
    assert reponse.status_code == 201, reponse.text
    return reponse.json()["reference"]


def chemin(adresse: str) -> str:
    morceaux = urlsplit(adresse)
    return f"{morceaux.path}?{morceaux.query}"


def test_une_photo_se_lit_par_son_adresse_signee_jusqu_a_son_expiration(
        client, reglages, horloge):
    reference = signaler_avec_photo(client)
    adresse = lien_photo(reglages, horloge)(reference, "photo-1.jpg")
    assert adresse.startswith(f"https://aiguillage.example.org/api/photos/{reference}/"
                              "photo-1.jpg?expire=")
    reponse = client.get(chemin(adresse))
    assert (reponse.status_code, reponse.headers["content-type"]) == (200, "image/jpeg")
    assert reponse.headers["referrer-policy"] == "no-referrer"
    horloge.avancer(days=reglages.lien_agent_jours, seconds=1)
    expiree = client.get(chemin(adresse))
    assert (expiree.status_code, expiree.json()) == (410, {"erreurs": [{"champ": None, "message": (
        "Cette adresse de photo a expiré : demandez la photo à la coordination du "
        "territoire.")}]})


def test_une_adresse_changee_ou_une_photo_inconnue_est_refusee(client, reglages, horloge):
    reference = signaler_avec_photo(client)
    lien = lien_photo(reglages, horloge)
    adresse = chemin(lien(reference, "photo-1.jpg"))
    assert client.get(adresse.replace("photo-1", "photo-2")).status_code == 403
    assert client.get(adresse.replace("expire=", "expire=1")).status_code == 403
    assert client.get(f"/api/photos/{reference}/photo-1.jpg").status_code == 403
    inconnue = client.get(chemin(lien(reference, "photo-2.jpg")))
    assert (inconnue.status_code, inconnue.json()) == (404, {"erreurs": [{
        "champ": None, "message": "Cette photo n'existe plus."}]})
