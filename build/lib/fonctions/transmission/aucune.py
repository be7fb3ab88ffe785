"""Le canal ``aucune`` : rien n'est envoyé, la transmission est notée comme faite.

Pour un service pas encore relié à Aiguillage (le citoyen est invité à le joindre) et
pour le développement.
"""

from __future__ import annotations

from fonctions.transmission.base import Dossier, Recu


class CanalAucune:
    nom = "aucune"

    def transmettre(self, dossier: Dossier) -> Recu:
        return Recu(f"Aucune transmission automatique vers {dossier.gestionnaire['nom']}.")
