"""Les commandes du contenu, pour l'équipe éditoriale et le Makefile.

    python -m arbre verifier [contenu]   valider le contenu et lister toutes les erreurs
    python -m arbre construire           construire le site dans site/sortie
    python -m arbre apercu [--port 8000] reconstruire à chaque enregistrement et servir

Une erreur de contenu n'affiche jamais de trace Python : seulement la liste des erreurs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from .erreurs import ErreursContenu
from .modele import construire_modele

RACINE = Path(__file__).resolve().parents[3]
REGLAGES = RACINE / "site" / "pelicanconf.py"


def verifier(contenu: Path) -> int:
    if not contenu.is_dir():
        print(f"Le dossier « {contenu} » n'existe pas.", file=sys.stderr)
        return 2
    try:
        modele = construire_modele(contenu, contenu.as_posix().rstrip("/"))
    except ErreursContenu as exc:
        print(exc, file=sys.stderr)
        return 1
    noeuds = modele["noeuds"].values()
    issues = sum(n["type"] != "question" for n in noeuds)
    print(f"Contenu valide : {len(modele['noeuds'])} pages du parcours dont {issues} issues, "
          f"{len(modele['gestionnaires'])} services, "
          f"{len(modele['territoire']['communes'])} communes.")
    return 0


def construire(contenu: Path | None = None, sortie: Path | None = None) -> int:
    """Construit le site avec Pelican ; rend 0, ou 1 après avoir listé les erreurs."""
    from pelican import Pelican
    from pelican.log import console
    from pelican.settings import read_settings

    if contenu:
        os.environ["AIGUILLAGE_CONTENU"] = str(contenu.resolve())
    if sortie:
        os.environ["AIGUILLAGE_SORTIE"] = str(sortie.resolve())
    logging.getLogger("pelican").setLevel(logging.WARNING)
    debut = time.perf_counter()
    try:
        pelican = Pelican(read_settings(str(REGLAGES)))
        with console.capture():  # le bilan de Pelican parle d'articles : sans objet ici
            pelican.run()
    except ErreursContenu as exc:
        print(exc, file=sys.stderr)
        print("\nLe site n'a pas été construit. Corrigez ces erreurs puis relancez.", file=sys.stderr)
        return 1
    print(f"Site construit dans {pelican.output_path} en {time.perf_counter() - debut:.1f} s.")
    return 0


def apercu(port: int) -> int:
    """Construit, sert le site et le reconstruit à chaque modification du contenu ou du thème."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from watchfiles import watch

    sortie = RACINE / "site" / "sortie"
    construire()
    sortie.mkdir(parents=True, exist_ok=True)
    gestionnaire = functools.partial(SimpleHTTPRequestHandler, directory=str(sortie))
    try:
        serveur = ThreadingHTTPServer(("127.0.0.1", port), gestionnaire)
    except OSError:
        print(f"Le port {port} est déjà utilisé : relancez avec un autre, par exemple "
              f"« PORT={port + 1} make apercu ».", file=sys.stderr)
        return 2
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    print(f"Aperçu sur http://localhost:{port}/ — enregistrez un fichier de contenu/ pour "
          "reconstruire ; Ctrl+C pour arrêter.")
    try:
        for changements in watch(RACINE / "contenu", RACINE / "site" / "theme"):
            noms = ", ".join(sorted({Path(c[1]).name for c in changements}))
            print(f"\nModifié : {noms}. Reconstruction…")
            construire()
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arbre", description="Outils du contenu.")
    sous = parser.add_subparsers(dest="commande", required=True)
    p = sous.add_parser("verifier", help="vérifier le contenu et lister toutes les erreurs")
    p.add_argument("contenu", nargs="?", default="contenu", type=Path)
    p = sous.add_parser("construire", help="construire le site")
    p.add_argument("--contenu", type=Path)
    p.add_argument("--sortie", type=Path)
    p = sous.add_parser("apercu", help="reconstruire à chaque enregistrement et servir")
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    args = parser.parse_args(argv)
    if args.commande == "verifier":
        return verifier(args.contenu)
    if args.commande == "construire":
        return construire(args.contenu, args.sortie)
    return apercu(args.port)


if __name__ == "__main__":
    sys.exit(main())
