"""De bout en bout, contre le vrai serveur (``python -m fonctions servir``), en mode courriels
``.eml`` : ce qu'un citoyen, un agent et la coordination font ne laisse ni lien secret ni
coordonnée dans le journal ; chaque réponse porte les en-têtes de sécurité de Netlify ;
``X-Forwarded-For`` n'est pas cru ; une photo n'y garde que ses pixels."""

from __future__ import annotations

import email
import email.policy
import io
import tomllib
import uuid
from pathlib import Path

import httpx
from aides_fonctions import RACINE, champs_valides
from PIL import Image, ImageCms
from serveur_reel import ServeurReel
from serveurs_locaux import attendre

COURRIEL, TELEPHONE = "lea.martin@exemple.fr", "06 12 34 56 78"
DU_SITE = next(
    r
    for r in tomllib.loads((RACINE / "netlify.toml").read_text(encoding="utf-8"))["headers"]
    if r["for"] == "/*"
)["values"]


def photo_bavarde() -> bytes:
    """Un JPEG avec commentaire, profil ICC et XMP : rien de cela ne doit survivre."""
    sortie = io.BytesIO()
    profil = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (320, 240), "red").save(
        sortie,
        format="JPEG",
        comment=b"COMMENTAIRE-SECRET",
        icc_profile=profil,
        xmp=b"<x:xmpmeta>XMP-SECRET</x:xmpmeta>",
    )
    return sortie.getvalue()


def courriels(dossier: Path) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(chemin.read_bytes(), policy=email.policy.default)
        for chemin in sorted((dossier / "courriels").glob("*.eml"))
    ]


def courriel_dont_le_sujet(dossier: Path, debut: str):
    return next((m for m in courriels(dossier) if m["Subject"].startswith(debut)), None)


def lien_du_courriel(message, chemin: str) -> str:
    texte = message.get_body(("plain",)).get_content()
    ligne = next(ligne for ligne in texte.splitlines() if chemin in ligne)
    return chemin + ligne.partition(chemin)[2].strip()


def test_ni_lien_secret_ni_coordonnee_au_journal_et_les_en_tetes_de_netlify_partout(tmp_path, recepteur_http):
    serveur = ServeurReel(tmp_path, 0, recepteur_http.url)
    del serveur.variables["AIGUILLAGE_SMTP_URL"]  # les courriels deviennent des fichiers .eml
    serveur.variables["AIGUILLAGE_LIMITE_JETONS"] = "2/3600"
    serveur.demarrer()
    try:
        with httpx.Client(base_url=serveur.url, timeout=30) as client:
            envoi = client.post(
                "/api/signalements",
                headers={"Idempotency-Key": str(uuid.uuid4())},
                data=champs_valides(courriel=COURRIEL, telephone=TELEPHONE, consentement="oui"),
                files=[("photos", ("trou.jpg", photo_bavarde(), "image/jpeg"))],
            )
            assert envoi.status_code == 201, envoi.text
            reference, suivi = envoi.json()["reference"], envoi.json()["suivi"].rpartition("#")[2]

            # Le citoyen : lien de suivi dans le chemin, ancienne adresse avec ?jeton=.
            assert client.get(f"/api/suivi/{suivi}").status_code == 200
            assert (
                client.get(f"/api/signalements/{reference}/confirmation", params={"jeton": suivi}).status_code
                == 200
            )
            # L'agent : le lien du courriel de transmission.
            transmission = attendre(
                lambda: courriel_dont_le_sujet(serveur.donnees, f"Signalement {reference}"),
                message="transmission non écrite",
            )
            agent = lien_du_courriel(transmission, "/api/agent/")
            assert client.get(agent).status_code == 200
            # La coordination : son lien de connexion.
            assert (
                client.post(
                    "/api/coordination", data={"courriel": "coordination@val-d-essai.example.org"}
                ).status_code
                == 200
            )
            connexion = attendre(
                lambda: courriel_dont_le_sujet(serveur.donnees, "Votre lien de connexion"),
                message="lien de coordination",
            )
            coordination = lien_du_courriel(connexion, "/api/coordination/")
            assert client.get(coordination).status_code == 200

            # Les en-têtes de Netlify, sur le site comme sur l'API.
            for chemin in ("/", "/voirie/nid-de-poule/", "/api/sante"):
                reponse = client.get(chemin)
                for nom in ("Content-Security-Policy", "X-Frame-Options", "Permissions-Policy"):
                    assert reponse.headers[nom] == DU_SITE[nom], (chemin, nom)
            assert client.get("/").headers["Referrer-Policy"] == DU_SITE["Referrer-Policy"]
            assert client.get("/api/sante").headers["Referrer-Policy"] == "no-referrer"

            # X-Forwarded-For n'est pas cru : deux liens faux « de deux adresses » comptent
            # pour la même connexion, et la limite (2) tombe aussi sur le bon lien.
            for adresse in ("192.0.2.1", "192.0.2.2"):
                assert (
                    client.get(
                        f"/api/suivi/{reference}.faux", headers={"X-Forwarded-For": adresse}
                    ).status_code
                    == 404
                )
            assert (
                client.get(f"/api/suivi/{suivi}", headers={"X-Forwarded-For": "192.0.2.3"}).status_code == 429
            )
    finally:
        serveur.arreter()

    journal = serveur.journal()
    assert "GET /api/suivi/… HTTP/1.1" in journal
    assert "GET /api/signalements/…/confirmation?… HTTP/1.1" in journal
    assert "GET /api/agent/… HTTP/1.1" in journal
    assert "GET /api/coordination/… HTTP/1.1" in journal
    for secret in (
        suivi,
        suivi.partition(".")[2],
        agent.rpartition(".")[2],
        coordination.rpartition(".")[2],
        COURRIEL,
        TELEPHONE,
        "lea.martin",
    ):
        assert secret not in journal, secret
    assert "Courriel « Signalement " in journal  # le mode .eml journalise, sans destinataire

    # La photo transmise : rien que les pixels.
    (jointe,) = transmission.iter_attachments()
    contenu = jointe.get_content()
    for bavardage in (b"COMMENTAIRE-SECRET", b"XMP-SECRET", b"sRGB", b"\xff\xfe"):
        assert bavardage not in contenu
    with Image.open(io.BytesIO(contenu)) as image:
        assert (image.format, image.size, image.info.get("icc_profile")) == ("JPEG", (320, 240), None)
