from __future__ import annotations

import io

import pytest
from aides_fonctions import photo
from PIL import Image

from fonctions.photos import COTE_MAX, OCTETS_MAX, PhotoRefusee, preparer_photo


@pytest.mark.parametrize("format_", ["JPEG", "PNG", "WEBP"])
def test_une_photo_jpeg_png_ou_webp_est_reencodee_en_jpeg_sans_metadonnees(format_):
    recue = photo(format_)
    assert b"TELEPHONE-SECRET" in recue
    prete = preparer_photo(recue)
    assert prete.type == "image/jpeg"
    assert b"TELEPHONE-SECRET" not in prete.contenu
    with Image.open(io.BytesIO(prete.contenu)) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
        assert (image.width, image.height) == (prete.largeur, prete.hauteur) == (64, 48)


def test_une_photo_prise_de_cote_est_redressee():
    prete = preparer_photo(photo(taille=(64, 48), orientation=6))
    assert (prete.largeur, prete.hauteur) == (48, 64)


def test_une_photo_transparente_est_posee_sur_du_blanc():
    prete = preparer_photo(photo("PNG", mode="RGBA", modele_appareil=None))
    with Image.open(io.BytesIO(prete.contenu)) as image:
        assert image.mode == "RGB"


def test_une_grande_photo_est_reduite():
    prete = preparer_photo(photo(taille=(4000, 3000), modele_appareil=None))
    assert (prete.largeur, prete.hauteur) == (COTE_MAX, 1536)


@pytest.mark.parametrize("contenu", [
    b"ceci n'est pas une image",
    b"%PDF-1.4 faux document",
    b"GIF89a" + b"\0" * 20,
])
def test_un_fichier_qui_n_est_pas_une_photo_est_refuse_415(contenu):
    with pytest.raises(PhotoRefusee) as refus:
        preparer_photo(contenu)
    assert refus.value.statut == 415
    assert refus.value.message == ("Ce fichier n'est pas une photo : envoyez une image JPEG, "
                                   "PNG ou WebP.")


def test_un_gif_est_refuse_meme_si_c_est_une_image():
    with pytest.raises(PhotoRefusee) as refus:
        preparer_photo(photo("GIF", mode="P", modele_appareil=None))
    assert refus.value.statut == 415


def test_une_photo_tronquee_est_refusee_415():
    with pytest.raises(PhotoRefusee) as refus:
        preparer_photo(photo(taille=(400, 300))[:300])
    assert refus.value.statut == 415


def test_une_photo_trop_lourde_est_refusee_413_avant_d_etre_lue():
    with pytest.raises(PhotoRefusee) as refus:
        preparer_photo(b"\xff\xd8" + b"\0" * OCTETS_MAX)
    assert refus.value.statut == 413
    assert refus.value.message == "La photo pèse 10,0 Mo ; 10,0 Mo au plus."


@pytest.mark.parametrize("cote", [7000, 10000])
def test_une_photo_de_trop_de_pixels_est_refusee_413_sans_etre_decodee(cote):
    sortie = io.BytesIO()
    Image.new("1", (cote, cote)).save(sortie, format="PNG")
    assert len(sortie.getvalue()) < OCTETS_MAX
    with pytest.raises(PhotoRefusee) as refus:
        preparer_photo(sortie.getvalue())
    assert refus.value.statut == 413
    assert refus.value.message == "La photo est trop grande : 40 millions de pixels au plus."
