"""Réglages Pelican d'Aiguillage.

Tout le site vient du greffon `arbre` (site/plugins/arbre) : les générateurs habituels de
Pelican (articles, pages, flux, catégories) sont désactivés. Le dossier du contenu et
celui de sortie peuvent être changés par AIGUILLAGE_CONTENU et AIGUILLAGE_SORTIE.
"""

import os
from pathlib import Path

from arbre.gabarits import OPTIONS_JINJA, SITENAME  # noqa: F401 (communs avec les fonctions)

ICI = Path(__file__).resolve().parent

SITEURL = ""
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"

# Une variable vide compte comme absente (et non comme le dossier courant).
PATH = str(Path(os.environ.get("AIGUILLAGE_CONTENU") or ICI.parent / "contenu").resolve())
OUTPUT_PATH = str(Path(os.environ.get("AIGUILLAGE_SORTIE") or ICI / "sortie").resolve())
DELETE_OUTPUT_DIRECTORY = True
THEME = str(ICI / "theme")
THEME_STATIC_DIR = "theme"
PLUGIN_PATHS = [str(ICI / "plugins")]
PLUGINS = ["arbre"]

# Les gabarits échappent tout par défaut : le texte du contenu est une donnée.
JINJA_ENVIRONMENT = dict(OPTIONS_JINJA)

ARTICLE_PATHS: list[str] = []
PAGE_PATHS: list[str] = []
STATIC_PATHS: list[str] = []
DIRECT_TEMPLATES: list[str] = []
PAGINATED_TEMPLATES: dict = {}
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
TAG_SAVE_AS = ""
TAGS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
