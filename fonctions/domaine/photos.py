"""Les photos jointes : vérifiées par leur contenu, réencodées sans rien d'autre que les pixels.

Seuls JPEG, PNG et WebP sont acceptés, quel que soit le nom ou le type annoncé par le
navigateur. L'image est redressée selon son orientation EXIF, réduite à 2 048 pixels de
côté au plus, puis réencodée en JPEG à partir de ses seuls pixels : ni EXIF (position GPS,
appareil…), ni commentaire JPEG, ni profil ICC, ni XMP ne survivent.

**Un coût borné.** Une photo est refusée (413, en français) avant tout décodage si son
en-tête annonce plus de ``PIXELS_MAX`` pixels. Un JPEG se décode directement réduit
(``Image.draft`` : 1/2, 1/4 ou 1/8, tant qu'il reste plus grand que la photo gardée) ; un
PNG ou un WebP se décode en entier, à quatre octets par pixel. Le coût de chaque décodage
est estimé d'après l'en-tête : au-delà du budget commun au processus
(``BUDGET_DE_DECODAGE``), la photo est refusée (pour un PNG en RGB, 16 millions de pixels
au plus) ; en deçà, le décodage y réserve sa part et attend qu'elle soit libre : quelle que
soit la rafale, les décodages simultanés ne dépassent pas le budget. ``make bench`` mesure le
pic du serveur (``bench/photos.py``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import math
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

FORMATS_ACCEPTES = ("JPEG", "PNG", "WEBP")
OCTETS_MAX = 10 * 1024 * 1024
PIXELS_MAX = 40_000_000
COTE_MAX = 2048
QUALITE = 85
OCTETS_PAR_PIXEL = 4  # Pillow range RGB, RGBA, CMYK, I et F sur quatre octets par pixel
BUDGET_DE_DECODAGE = 128 * 1024 * 1024

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


class Budget:
    """Des octets à partager entre fils : ``reserver(n)`` attend que ``n`` soient libres.

    Une demande plus grande que le budget entier attend qu'il soit tout libre, puis passe
    seule : rien n'attend pour toujours."""

    def __init__(self, octets: int) -> None:
        self.octets = octets
        self.libres = octets
        self._condition = threading.Condition()

    @contextmanager
    def reserver(self, octets: int) -> Iterator[None]:
        part = min(octets, self.octets)
        with self._condition:
            self._condition.wait_for(lambda: self.libres >= part)
            self.libres -= part
        try:
            yield
        finally:
            with self._condition:
                self.libres += part
                self._condition.notify_all()


budget_de_decodage = Budget(BUDGET_DE_DECODAGE)

M_MMAP_THRESHOLD = -3  # glibc, malloc.h
SEUIL_MMAP = 4 * 1024 * 1024


def regler_l_allocateur() -> bool:
    """Pour le processus serveur, une fois : rend au système la mémoire des images libérées.

    Pillow range une image en blocs de 16 Mo au plus, alloués par ``malloc``. La glibc sert
    les grands blocs par ``mmap`` (rendus au système dès leur libération)… jusqu'au premier
    libéré : elle relève alors son seuil et garde les suivants dans la réserve de chaque
    fil, sans les rendre. Le budget des décodages borne ce qui est en usage, pas ce que
    chaque fil garde : mesuré ici, 12 photos de 40 millions de pixels décodées par 12 fils
    faisaient monter le processus à 680 Mo, 180 Mo avec un seuil fixé à 4 Mo. Rend ``False``
    sans la glibc (l'allocateur est alors laissé tel quel)."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    return mallopt(M_MMAP_THRESHOLD, SEUIL_MMAP) == 1


def _mo(octets: int) -> str:
    return f"{octets / 1024 / 1024:.1f}".replace(".", ",")


def _millions(pixels: int) -> str:
    return f"{pixels // 1_000_000} millions de pixels"


def preparer_photo(octets: bytes, budget: Budget = budget_de_decodage) -> PhotoPrete:
    """Vérifie une photo reçue et la réencode ; lève ``PhotoRefusee`` (413 ou 415)."""
    if len(octets) > OCTETS_MAX:
        raise PhotoRefusee(413, f"La photo pèse {_mo(len(octets))} Mo ; {_mo(OCTETS_MAX)} Mo au plus.")
    try:
        image = Image.open(io.BytesIO(octets), formats=FORMATS_ACCEPTES)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoRefusee(413, _trop_de_pixels(PIXELS_MAX)) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise PhotoRefusee(
            415, "Ce fichier n'est pas une photo : envoyez une image JPEG, PNG ou WebP."
        ) from None
    with image:
        if image.width * image.height > PIXELS_MAX:
            raise PhotoRefusee(413, _trop_de_pixels(PIXELS_MAX))
        if isinstance(image, JpegImageFile):  # MPO (photo en relief, rafale) compris
            # Le décodeur JPEG réduit de lui-même (1/2, 1/4, 1/8) tant que l'image reste au
            # moins aussi grande que la photo gardée : la pleine taille n'est pas en mémoire.
            image.draft("RGB", _taille_gardee(image.size))
        cout = _cout_du_decodage(image)
        if cout > budget.octets:
            raise PhotoRefusee(413, _trop_grande_pour_etre_lue(image, budget.octets))
        with budget.reserver(cout):
            try:
                image.load()
                reduite = _reduire(image)
                redressee = ImageOps.exif_transpose(reduite)
            except (OSError, ValueError, SyntaxError):
                raise PhotoRefusee(415, "Cette image est abîmée ou incomplète : réessayez.") from None
            return _reencoder(redressee)


def _taille_gardee(taille: tuple[int, int]) -> tuple[int, int]:
    """La taille de la photo gardée : COTE_MAX pixels sur le plus grand côté, au plus."""
    largeur, hauteur = taille
    rapport = min(1.0, COTE_MAX / max(largeur, hauteur))
    return max(1, math.ceil(largeur * rapport)), max(1, math.ceil(hauteur * rapport))


def _copies(image: Image.Image) -> int:
    """L'image décodée, la réduction (qui passe par une image intermédiaire), et une copie de
    plus quand la sorte de pixels doit être convertie (palette, transparence prémultipliée…)."""
    return 2 if image.mode in ("RGB", "L", "1") else 3


def _cout_du_decodage(image: Image.Image) -> int:
    """La mémoire que le décodage et la réduction demandent au plus, à la taille qui sera
    décodée (après ``draft``)."""
    return image.width * image.height * OCTETS_PAR_PIXEL * _copies(image)


def _trop_grande_pour_etre_lue(image: Image.Image, budget: int) -> str:
    """Une image qui se décode en entier (PNG, WebP) et dont le décodage dépasserait le
    budget à lui seul : la limite dépend de sa sorte de pixels (16 millions en RGB)."""
    limite = budget // (OCTETS_PAR_PIXEL * _copies(image))
    return (
        f"L'image {image.format} est trop grande : {_millions(limite)} au plus (une photo "
        f"JPEG peut en avoir {PIXELS_MAX // 1_000_000} millions). Envoyez-la en JPEG ou "
        "réduisez-la."
    )


def _reduire(image: Image.Image) -> Image.Image:
    """L'image ramenée à COTE_MAX de côté, en RGB ou RGBA, aussitôt que possible : la
    conversion (qui copie) se fait sur la petite image quand la sorte de pixels le permet."""
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode not in ("L", "LA", "RGB", "RGBA"):
        transparente = "transparency" in image.info or image.mode.endswith(("A", "a"))
        image = image.convert("RGBA" if transparente else "RGB")
    if max(image.size) > COTE_MAX:
        image.thumbnail((COTE_MAX, COTE_MAX))
    return image


def _trop_de_pixels(limite: int) -> str:
    return f"La photo est trop grande : {_millions(limite)} au plus."


def _reencoder(image: Image.Image) -> PhotoPrete:
    if image.mode in ("RGBA", "LA"):
        rgba = image.convert("RGBA")
        fond = Image.new("RGB", rgba.size, "white")
        fond.paste(rgba, mask=rgba.getchannel("A"))
        image = fond
    elif image.mode != "RGB":
        image = image.convert("RGB")
    # Rien que les pixels : ``save`` reprendrait le commentaire JPEG de l'image lue.
    image.info.clear()
    sortie = io.BytesIO()
    image.save(sortie, format="JPEG", quality=QUALITE, optimize=True)
    return PhotoPrete(sortie.getvalue(), "image/jpeg", image.width, image.height)
