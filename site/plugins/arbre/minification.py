"""Réduire le JavaScript et le CSS du thème dans le site construit (rjsmin, rcssmin).

Les sources du thème restent lisibles et commentées ; seul le site publié est réduit, avant
le calcul des empreintes du service worker. Le téléphone télécharge moins, et les
commentaires n'y partent pas.
"""

from __future__ import annotations

from pathlib import Path

import rcssmin
import rjsmin

# Déjà réduit par son auteur, avec un en-tête de licence à garder (voir son LISEZMOI.md).
DEJA_REDUITS = ("vendor/leaflet/",)


def reduire_le_theme(sortie: Path) -> None:
    for chemin in (sortie / "theme").rglob("*"):
        if chemin.relative_to(sortie / "theme").as_posix().startswith(DEJA_REDUITS):
            continue
        if chemin.suffix == ".js":
            chemin.write_text(rjsmin.jsmin(chemin.read_text(encoding="utf-8")), encoding="utf-8")
        elif chemin.suffix == ".css":
            chemin.write_text(rcssmin.cssmin(chemin.read_text(encoding="utf-8")), encoding="utf-8")
