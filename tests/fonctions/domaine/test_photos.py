from __future__ import annotations

import io
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from aides_fonctions import RACINE, photo
from PIL import Image

from fonctions.domaine.photos import (
    BUDGET_DE_DECODAGE,
    COTE_MAX,
    OCTETS_MAX,
    OCTETS_PAR_PIXEL,
    Budget,
    PhotoRefusee,
    preparer_photo,
)


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


# -- rien que les pixels ------------------------------------------------------------------

def segments_jpeg(contenu: bytes) -> list[int]:
    """Les marqueurs des segments d'un JPEG, jusqu'au début des données (SOS)."""
    assert contenu[:2] == b"\xff\xd8"
    marqueurs, position = [], 2
    while True:
        assert contenu[position] == 0xFF
        marqueur = contenu[position + 1]
        marqueurs.append(marqueur)
        if marqueur == 0xDA:  # SOS : la suite est l'image
            return marqueurs
        position += 2 + int.from_bytes(contenu[position + 2:position + 4])


def icc_srgb() -> bytes:
    from PIL import ImageCms
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def test_ni_commentaire_ni_icc_ni_xmp_ni_exif_ne_survivent_au_reencodage():
    sortie = io.BytesIO()
    exif = Image.Exif()
    exif[0x0110] = "TELEPHONE-SECRET"
    Image.new("RGB", (64, 48), "red").save(
        sortie, format="JPEG", comment=b"COMMENTAIRE-SECRET", icc_profile=icc_srgb(),
        xmp=b"<x:xmpmeta>XMP-SECRET</x:xmpmeta>", exif=exif.tobytes())
    recue = sortie.getvalue()
    assert {0xFE, 0xE1, 0xE2} <= set(segments_jpeg(recue))  # commentaire, EXIF et XMP, ICC
    prete = preparer_photo(recue)
    assert set(segments_jpeg(prete.contenu)) <= {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDA}
    for secret in (b"COMMENTAIRE-SECRET", b"XMP-SECRET", b"TELEPHONE-SECRET", b"sRGB"):
        assert secret not in prete.contenu
    with Image.open(io.BytesIO(prete.contenu)) as image:
        assert set(image.info) <= {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}


def test_le_texte_et_le_profil_d_un_png_ne_survivent_pas():
    from PIL import PngImagePlugin
    texte = PngImagePlugin.PngInfo()
    texte.add_text("Comment", "COMMENTAIRE-SECRET")
    sortie = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(sortie, format="PNG", pnginfo=texte,
                                            icc_profile=icc_srgb())
    prete = preparer_photo(sortie.getvalue())
    assert b"COMMENTAIRE-SECRET" not in prete.contenu
    assert set(segments_jpeg(prete.contenu)) <= {0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDA}


# -- un coût borné ------------------------------------------------------------------------

class BudgetNote(Budget):
    """Un budget qui retient chaque réservation et le plus haut total réservé à la fois."""

    def __init__(self, octets: int) -> None:
        super().__init__(octets)
        self.reservations: list[int] = []
        self.pic = 0

    @contextmanager
    def reserver(self, octets: int):
        with super().reserver(octets):
            self.reservations.append(octets)
            self.pic = max(self.pic, self.octets - self.libres)
            yield


def test_un_grand_jpeg_est_decode_deja_reduit():
    sortie = io.BytesIO()
    Image.new("L", (6000, 6600), 128).save(sortie, format="JPEG")
    budget = BudgetNote(BUDGET_DE_DECODAGE)
    prete = preparer_photo(sortie.getvalue(), budget)
    assert (prete.largeur, prete.hauteur) == (1862, COTE_MAX)
    # Décodé à la moitié (3 000 × 3 300) : le quart des pixels de l'image envoyée, et la
    # réduction, qui passe par une image intermédiaire.
    assert budget.reservations == [3000 * 3300 * OCTETS_PAR_PIXEL * 2]


def test_un_png_trop_grand_pour_etre_decode_en_entier_est_refuse_413_sans_l_etre():
    sortie = io.BytesIO()
    Image.new("1", (4100, 4100)).save(sortie, format="PNG")
    budget = BudgetNote(BUDGET_DE_DECODAGE)
    with pytest.raises(PhotoRefusee) as refus:
        preparer_photo(sortie.getvalue(), budget)
    assert refus.value.statut == 413
    assert refus.value.message == (
        "L'image PNG est trop grande : 16 millions de pixels au plus (une photo JPEG peut en "
        "avoir 40 millions). Envoyez-la en JPEG ou réduisez-la.")
    assert budget.reservations == []


def test_un_png_transparent_reserve_aussi_sa_conversion_et_sa_limite_en_tient_compte():
    sortie = io.BytesIO()
    Image.new("RGBA", (3000, 3000), (10, 20, 30, 40)).save(sortie, format="PNG")
    budget = BudgetNote(BUDGET_DE_DECODAGE)
    prete = preparer_photo(sortie.getvalue(), budget)
    assert (prete.largeur, prete.hauteur) == (COTE_MAX, COTE_MAX)
    assert budget.reservations == [3000 * 3000 * OCTETS_PAR_PIXEL * 3]
    sortie = io.BytesIO()
    Image.new("RGBA", (4000, 4000), (10, 20, 30, 40)).save(sortie, format="PNG")
    with pytest.raises(PhotoRefusee) as refus:
        preparer_photo(sortie.getvalue(), budget)
    assert refus.value.message.startswith("L'image PNG est trop grande : 11 millions de pixels")


def test_le_plus_grand_png_accepte_a_16_millions_de_pixels():
    sortie = io.BytesIO()
    Image.new("1", (4000, 4000)).save(sortie, format="PNG")
    budget = BudgetNote(BUDGET_DE_DECODAGE)
    assert preparer_photo(sortie.getvalue(), budget).largeur == COTE_MAX
    assert budget.reservations == [4000 * 4000 * OCTETS_PAR_PIXEL * 2]


def test_des_decodages_simultanes_ne_depassent_jamais_le_budget():
    budget = BudgetNote(100)

    def decoder(octets: int) -> None:
        with budget.reserver(octets):
            pass

    with ThreadPoolExecutor(8) as fils:
        list(fils.map(decoder, [60, 30, 70, 100, 250, 40] * 20))
    assert budget.pic <= 100
    assert budget.libres == 100
    assert len(budget.reservations) == 120


def test_douze_grandes_photos_decodees_a_la_fois_restent_dans_le_budget(tmp_path):
    """Dans un processus neuf réglé comme le serveur : le pic de mémoire résidente (VmHWM)
    ne monte pas au-delà du budget des décodages et d'une marge, quel que soit le nombre de
    fils (sans ``regler_l_allocateur``, la glibc gardait les blocs libérés de chaque fil)."""
    chemin = tmp_path / "grande.jpg"
    Image.new("RGB", (6000, 6600), (90, 120, 60)).save(chemin, format="JPEG")
    script = f"""
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from fonctions.domaine.photos import preparer_photo, regler_l_allocateur

def pic():
    ligne = next(l for l in Path("/proc/self/status").read_text().splitlines()
                 if l.startswith("VmHWM:"))
    return int(ligne.split()[1]) * 1024

assert regler_l_allocateur()
octets = Path({str(chemin)!r}).read_bytes()
avant = pic()
with ThreadPoolExecutor(12) as fils:
    assert all(p.largeur == 1862 for p in fils.map(preparer_photo, [octets] * 12))
print(pic() - avant)
"""
    resultat = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              cwd=RACINE, check=False)
    assert resultat.returncode == 0, resultat.stderr
    assert int(resultat.stdout) <= BUDGET_DE_DECODAGE + 64 * 1024 * 1024


def test_une_photo_mpo_en_relief_est_decodee_reduite_comme_un_jpeg():
    sortie = io.BytesIO()
    gauche, droite = Image.new("RGB", (5000, 4000), "red"), Image.new("RGB", (5000, 4000), "blue")
    gauche.save(sortie, format="MPO", save_all=True, append_images=[droite])
    budget = BudgetNote(BUDGET_DE_DECODAGE)
    prete = preparer_photo(sortie.getvalue(), budget)  # 20 millions de pixels : plus qu'un PNG
    assert (prete.largeur, prete.hauteur) == (COTE_MAX, 1638)
    assert budget.reservations == [2500 * 2000 * OCTETS_PAR_PIXEL * 2]
