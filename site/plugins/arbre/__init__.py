"""Le greffon Pelican d'Aiguillage : lit `contenu/`, le valide, écrit les pages et le modèle.

Pelican le charge par `PLUGINS = ["arbre"]` (voir site/pelicanconf.py). Le dossier
`site/` n'est pas un paquet Python : `import site` est un module de la bibliothèque standard.

Pelican n'est importé que par `register()` : les fonctions importent `arbre.recherche` (le
même moteur de recherche que le site) sans charger la construction.
"""

from pathlib import Path


def _generateurs(pelican):
    from .generateur import GenerateurArbre

    return GenerateurArbre


def _finaliser(pelican):
    """Après tous les générateurs (le thème est copié en dernier) : réduire, puis empreintes."""
    from .hors_ligne import ecrire_service_worker
    from .minification import reduire_le_theme

    sortie = Path(pelican.output_path)
    reduire_le_theme(sortie)
    ecrire_service_worker(pelican)


def register():
    from pelican import signals

    signals.get_generators.connect(_generateurs)
    signals.finalized.connect(_finaliser)
