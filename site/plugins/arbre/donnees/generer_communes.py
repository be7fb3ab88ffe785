"""Réécrit `communes.tsv.gz` depuis le paquet npm @etalab/decoupage-administratif.

    python site/plugins/arbre/donnees/generer_communes.py <dossier du paquet> <version>

Appelé par `make communes`, qui télécharge le paquet (`npm pack`) : c'est la seule commande
du projet qui demande Node. Le fichier écrit ne garde que ce que la vérification du
territoire utilise, pour les communes actuelles et les arrondissements municipaux : code
INSEE, nom, type de nom (TNCC de l'INSEE, qui dit « de », « d' » ou « du » devant le nom)
et codes postaux. Il est le même octet pour octet pour les mêmes données (gzip sans date).
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ICI = Path(__file__).resolve().parent
SORTIES = ("commune-actuelle", "arrondissement-municipal")


def lignes(communes: list[dict], version: str) -> list[str]:
    retenues = sorted((c for c in communes if c["type"] in SORTIES), key=lambda c: c["code"])
    entete = (f"# @etalab/decoupage-administratif {version}, data/communes.json, Licence Ouverte "
              "2.0 ; colonnes : code INSEE, nom, type de nom (TNCC), codes postaux")
    return [entete, *("\t".join([c["code"], c["nom"], str(c.get("typeLiaison", "")),
                                  " ".join(c.get("codesPostaux", []))]) for c in retenues)]


def main(paquet: str, version: str) -> int:
    donnees = json.loads((Path(paquet) / "data" / "communes.json").read_text(encoding="utf-8"))
    texte = "\n".join(lignes(donnees, version)) + "\n"
    sortie = ICI / "communes.tsv.gz"
    sortie.write_bytes(gzip.compress(texte.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{sortie.relative_to(Path.cwd()) if sortie.is_relative_to(Path.cwd()) else sortie} : "
          f"{texte.count(chr(10)) - 1} communes, {sortie.stat().st_size // 1024} Ko.")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
