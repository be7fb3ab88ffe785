"""Le greffon Pelican d'Aiguillage : lit `contenu/`, le valide, écrit les pages et le modèle.

Pelican le charge par `PLUGINS = ["arbre"]` (voir site/pelicanconf.py). Le dossier
`site/` n'est pas un paquet Python : `import site` est un module de la bibliothèque standard.
"""

from pelican import signals

from .generateur import GenerateurArbre
from .hors_ligne import ecrire_service_worker


def _generateurs(pelican):
    return GenerateurArbre


def register():
    signals.get_generators.connect(_generateurs)
    signals.finalized.connect(ecrire_service_worker)
