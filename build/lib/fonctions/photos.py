"""Les photos jointes : vérifiées par leur contenu, réencodées sans métadonnées.

Seuls JPEG, PNG et WebP sont acceptés, quel que soit le nom ou le type annoncé par le
navigateur. L'image est redressée selon son orientation EXIF, réduite à 2 048 pixels de
côté au plus, puis réencodée en JPEG : aucune métadonnée (position GPS, appareil…) ne
survit.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

FORMATS_ACCEPTES = ("JPEG", "PNG", "WEBP")
OCTETS_MAX = 10 * 1024 * 1024
PIXELS_MAX = 40_000_000
COTE_MAX = 2048
QUALITE = 85

# Pillow prévient (avertissement) puis refuse (exception) au-delà de MAX_IMAGE_PIXELS.
# Nous voulons refuser dès notre propre limite, avant tout décodage : l'avertissement
# devient une erreur pour tout le processus, ce qui est réglé une fois, ici.
Image.MAX_IMAGE_PIXELS = PIXELS_MAX
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)


class PhotoRefusee(Exception):
    def __init__(self, statut: int, message: str) -> None:
        self.statut = statut
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class PhotoPrete:
    contenu: bytes
    type: str
    largeur: int
    hauteur: int


def _mo(octets: int) -> str:
    return f"{octets / 1024 / 1024:.1f}".replace(".", ",")


def preparer_photo(octets: bytes) -> PhotoPrete:
    """Vérifie une photo reçue et la réencode ; lève ``PhotoRefusee`` (413 ou 415)."""
    if len(octets) > OCTETS_MAX:
        raise PhotoRefusee(
            413, f"La photo pèse {_mo(len(octets))} Mo ; {_mo(OCTETS_MAX)} Mo au plus."
        )
    try:
        image = Image.open(io.BytesIO(octets), formats=FORMATS_ACCEPTES)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefusee(413, _trop_de_pixels()) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise PhotoRefusee(
            415, "Ce fichier n'est pas une photo : envoyez une image JPEG, PNG ou WebP."
        ) from None
    with image:
        if image.width * image.height > PIXELS_MAX:
            raise PhotoRefusee(413, _trop_de_pixels())
        try:
            image.load()
            redressee = ImageOps.exif_transpose(image)
        except (OSError, ValueError, SyntaxError):
            raise PhotoRefusee(415, "Cette image est abîmée ou incomplète : réessayez.") from None
        return _reencoder(redressee)


def _trop_de_pixels() -> str:
    return f"La photo est trop grande : {PIXELS_MAX // 1_000_000} millions de pixels au plus."


def _reencoder(image: Image.Image) -> PhotoPrete:
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        fond = Image.new("RGB", rgba.size, "white")
        fond.paste(rgba, mask=rgba.getchannel("A"))
        image = fond
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((COTE_MAX, COTE_MAX))
    sortie = io.BytesIO()
    image.save(sortie, format="JPEG", quality=QUALITE, optimize=True)
    return PhotoPrete(sortie.getvalue(), "image/jpeg", image.width, image.height)
