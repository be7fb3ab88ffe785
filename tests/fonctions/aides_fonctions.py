"""Fausses pièces et données de test partagées par les tests des fonctions."""

from __future__ import annotations

import io
import json
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
from PIL import Image
from starlette.exceptions import StarletteDeprecationWarning

from fonctions.socle.client_http import ErreurReseau, ReponseHTTP
from fonctions.socle.courriels import ErreurExpedition

# Starlette 1.10 préfère httpx2 pour son TestClient et prévient quand il trouve httpx ; le
# projet dépend de httpx (pyproject). L'avertissement est écarté ici seulement, à l'import.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient  # noqa: F401 (pour les tests)

ICI = Path(__file__).resolve().parent
RACINE = ICI.parents[1]
# Une clé de production (tirée une fois au hasard, 43 signes : environ 280 bits estimés).
CLE_DE_PRODUCTION = "q3J8vT1xZ-7mW2pL9sK4dF6hG0yB5nC8aE1rU3tI7oP"
CHEMIN_MODELE = ICI / "modele_test.json"
DEBUT = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


class HorlogeReglable:
    """Une horloge que le test avance à la main : aucun test n'attend le temps réel."""

    def __init__(self, debut: datetime = DEBUT) -> None:
        self.moment = debut

    def __call__(self) -> datetime:
        return self.moment

    def avancer(self, **duree: float) -> None:
        self.moment += timedelta(**duree)


class ExpediteurMemoire:
    """Garde les courriels ; ``pannes`` fait échouer les N prochains envois."""

    def __init__(self) -> None:
        self.messages = []
        self.pannes = 0

    def envoyer(self, message) -> str:
        if self.pannes:
            self.pannes -= 1
            raise ErreurExpedition("SMTP en panne (test)")
        self.messages.append(message)
        return "mémoire"


class ClientHTTPMemoire:
    """Garde les requêtes ; rend les réponses de ``reponses`` dans l'ordre, puis 200."""

    def __init__(self) -> None:
        self.requetes: list[dict] = []
        self.reponses: list = []
        self.lectures: list = []  # les réponses aux GET, dans l'ordre, puis 404
        self.lectures_faites: list[dict] = []  # les GET reçus (à part des POST)

    def post(self, url, *, contenu=None, formulaire=None, entetes=None):
        self.requetes.append({"url": url, "contenu": contenu, "formulaire": formulaire,
                              "entetes": dict(entetes or {})})
        reponse = self.reponses.pop(0) if self.reponses else ReponseHTTP(200, "")
        if isinstance(reponse, ErreurReseau):
            raise reponse
        return reponse

    def get(self, url, *, parametres=None, entetes=None):
        self.lectures_faites.append({"url": url, "parametres": dict(parametres or {}),
                                     "entetes": dict(entetes or {})})
        reponse = self.lectures.pop(0) if self.lectures else ReponseHTTP(404, "")
        if isinstance(reponse, ErreurReseau):
            raise reponse
        return reponse

    def fermer(self) -> None:
        pass


@contextmanager
def tenue_par_un_autre_fil(reserver: Callable[[], AbstractContextManager]) -> Iterator[None]:
    """Pendant le bloc, un autre fil est dans ``with reserver():`` (il tient la clé)."""
    tenue, relachee = threading.Event(), threading.Event()

    def tenir():
        with reserver():
            tenue.set()
            relachee.wait()

    fil = threading.Thread(target=tenir)
    fil.start()
    tenue.wait()
    try:
        yield
    finally:
        relachee.set()
        fil.join()


def modele_brut() -> dict:
    return json.loads(CHEMIN_MODELE.read_text(encoding="utf-8"))


def champs_valides(**autres) -> dict:
    champs = {
        "noeud": "voirie/nid-de-poule",
        "commune": "56001",
        "description": "Un trou profond devant l'école, rue des Écoles.",
        "adresse": "12 rue des Écoles, Bourg-les-Essais",
        "question-taille": "Comme une assiette",
    }
    champs.update(autres)
    return {k: v for k, v in champs.items() if v is not None}


def photo(format_: str = "JPEG", taille: tuple[int, int] = (64, 48), mode: str = "RGB",
          modele_appareil: str | None = "TELEPHONE-SECRET", orientation: int | None = None
          ) -> bytes:
    image = Image.new(mode, taille, (200, 30, 30, 128) if mode == "RGBA" else "red")
    exif = Image.Exif()
    if modele_appareil:
        exif[0x0110] = modele_appareil
    if orientation:
        exif[0x0112] = orientation
    sortie = io.BytesIO()
    options = {"exif": exif.tobytes()} if format_ in ("JPEG", "WEBP", "PNG") and len(exif) else {}
    image.save(sortie, format=format_, **options)
    return sortie.getvalue()


def fichiers_du_dossier(dossier: Path) -> list[str]:
    """Les fichiers de données (sans les verrous), chemins relatifs triés."""
    if not dossier.exists():
        return []
    return sorted(str(p.relative_to(dossier)) for p in dossier.rglob("*")
                  if p.is_file() and not p.name.endswith(".verrou"))


def dossier_de_test(modele, commune: str = "56001", photos: tuple[bytes, ...] = (),
                    motif: str | None = None, evenement: str | None = None, **champs):
    """Un dossier prêt à transmettre, comme la boîte d'envoi le construit."""
    from fonctions.domaine.enregistrement import construire_signalement
    from fonctions.domaine.photos import preparer_photo
    from fonctions.domaine.validation import valider
    from fonctions.transmission.base import Dossier, PieceJointe

    demande = valider(champs_valides(commune=commune, **champs), len(photos), modele)
    document, fichiers = construire_signalement(
        "AIG-7K3M-Q2", demande, [preparer_photo(p) for p in photos], modele, DEBUT, None)
    return Dossier(
        identifiant="AIG-7K3M-Q2-transmission",
        signalement=document,
        gestionnaire=demande.gestionnaire,
        photos=tuple(PieceJointe(nom, "image/jpeg", contenu) for nom, contenu in fichiers),
        lien_agent="https://aiguillage.example.org/agent/#AIG-7K3M-Q2.jeton-agent",
        territoire=modele.territoire["nom"],
        motif=motif,
        evenement=evenement or ("alerte" if motif else "transmission"),
        lien_coordination="https://aiguillage.example.org/api/coordination",
    )


class ReveilImmediat:
    """Le réveil de la boucle du serveur, sans attente : elle s'arrête au bout de ``tours``
    tours."""

    def __init__(self, tours: int) -> None:
        self.tours, self.faits = tours, 0

    async def attendre(self, secondes: float) -> None:
        self.faits += 1
        if self.faits >= self.tours:
            raise anyio.get_cancelled_exc_class()()


def tourner_la_boucle(boite, tours: int) -> None:
    """Fait faire ``tours`` tours à la boucle de la boîte d'envoi (celle que le serveur lance)."""

    async def boucle():
        try:
            await boite.boucle(ReveilImmediat(tours), 0)
        except anyio.get_cancelled_exc_class():
            pass

    anyio.run(boucle)
