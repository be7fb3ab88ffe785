"""Le greffon Pelican d'Aiguillage : lit `contenu/`, le valide, écrit les pages et le modèle.

Pelican le charge par `PLUGINS = ["arbre"]` (voir site/pelicanconf.py). Le dossier
`site/` n'est pas un paquet Python : `import site` est un module de la bibliothèque standard.
"""

from pathlib import Path

from pelican import signals

from .generateur import GenerateurArbre
from .hors_ligne import ecrire_service_worker
from .minification import reduire_le_theme


def _generateurs(pelican):
    return GenerateurArbre


def _finaliser(pelican):
    """Après tous les générateurs (le thème est copié en dernier) : réduire, puis empreintes."""
    sortie = Path(pelican.output_path)
    reduire_le_theme(sortie)
    ecrire_service_worker(pelican)


def register():
    signals.get_generators.connect(_generateurs)
    signals.finalized.connect(_finaliser)
