"""Les commandes du contenu, pour l'équipe éditoriale et le Makefile.

    python -m arbre verifier [dossier]            valider le contenu et lister toutes les erreurs
    python -m arbre construire [--contenu dossier] construire le site dans site/sortie
    python -m arbre apercu [--contenu dossier] [--port 8000]
                                                  reconstruire à chaque enregistrement et servir

Le dossier du contenu est celui donné en argument, sinon celui d'AIGUILLAGE_CONTENU, sinon
contenu/ : les trois commandes vérifient, construisent et surveillent le même.

Une erreur de contenu n'affiche jamais de trace Python : seulement la liste des erreurs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from .erreurs import ErreursContenu, Rapport
from .modele import chemin_affiche, construire_modele

RACINE = Path(__file__).resolve().parents[3]
REGLAGES = RACINE / "site" / "pelicanconf.py"


def dossier_du_contenu(argument: Path | None = None) -> Path:
    """Le dossier du contenu : l'argument, sinon AIGUILLAGE_CONTENU, sinon contenu/."""
    if argument:
        return Path(argument)
    variable = os.environ.get("AIGUILLAGE_CONTENU", "").strip()
    return Path(variable) if variable else RACINE / "contenu"


def _absent(contenu: Path, argument: Path | None) -> int:
    origine = "" if argument or not os.environ.get("AIGUILLAGE_CONTENU", "").strip() else (
        " (donné par AIGUILLAGE_CONTENU)")
    print(f"Le dossier du contenu « {contenu} »{origine} n'existe pas.", file=sys.stderr)
    return 2


def verifier(contenu: Path | None = None) -> int:
    dossier = dossier_du_contenu(contenu)
    if not dossier.is_dir():
        return _absent(dossier, contenu)
    rapport = Rapport()
    try:
        modele = construire_modele(dossier, chemin_affiche(dossier), rapport)
    except ErreursContenu as exc:
        print(exc, file=sys.stderr)
        _noter(rapport, sys.stderr)
        return 1
    _noter(rapport)
    noeuds = modele["noeuds"].values()
    issues = sum(n["type"] != "question" for n in noeuds)
    print(f"Contenu valide : {len(modele['noeuds'])} pages du parcours dont {issues} issues, "
          f"{len(modele['gestionnaires'])} services, "
          f"{len(modele['territoire']['communes'])} communes.")
    return 0


def _noter(rapport: Rapport, flux=None) -> None:
    if rapport.notes:
        print(rapport.texte_des_notes(), file=flux or sys.stdout)


def construire(contenu: Path | None = None, sortie: Path | None = None) -> int:
    """Construit le site avec Pelican ; rend 0, ou 1 après avoir listé les erreurs.

    Le dossier du contenu est `contenu`, sinon AIGUILLAGE_CONTENU, sinon contenu/ ; le
    réglage n'est changé que le temps de la construction.
    """
    from pelican import Pelican
    from pelican.log import console
    from pelican.settings import read_settings

    dossier = dossier_du_contenu(contenu)
    if not dossier.is_dir():
        return _absent(dossier, contenu)
    reglages = {"AIGUILLAGE_CONTENU": str(dossier.resolve())}
    if sortie:
        reglages["AIGUILLAGE_SORTIE"] = str(Path(sortie).resolve())
    avant = {nom: os.environ.get(nom) for nom in reglages}
    os.environ.update(reglages)
    logging.getLogger("pelican").setLevel(logging.WARNING)
    debut = time.perf_counter()
    try:
        pelican = Pelican(read_settings(str(REGLAGES)))
        with console.capture():  # le bilan de Pelican parle d'articles : sans objet ici
            pelican.run()
    except ErreursContenu as exc:
        print(exc, file=sys.stderr)
        _noter(exc.rapport, sys.stderr)
        print("\nLe site n'a pas été construit. Corrigez ces erreurs puis relancez.", file=sys.stderr)
        return 1
    finally:
        for nom, valeur in avant.items():
            if valeur is None:
                os.environ.pop(nom, None)
            else:
                os.environ[nom] = valeur
    print(f"Site construit dans {pelican.output_path} en {time.perf_counter() - debut:.1f} s.")
    return 0


def apercu(port: int, contenu: Path | None = None) -> int:
    """Construit, sert le site et le reconstruit à chaque modification du contenu (celui que
    `construire` utilise) ou du thème."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from watchfiles import watch

    dossier = dossier_du_contenu(contenu)
    if not dossier.is_dir():
        return _absent(dossier, contenu)
    dossier = dossier.resolve()
    # Le dossier que `construire` remplit (pelicanconf.py lit le même réglage).
    sortie = Path(os.environ.get("AIGUILLAGE_SORTIE") or RACINE / "site" / "sortie").resolve()
    construire(dossier)
    sortie.mkdir(parents=True, exist_ok=True)
    gestionnaire = functools.partial(SimpleHTTPRequestHandler, directory=str(sortie))
    try:
        serveur = ThreadingHTTPServer(("127.0.0.1", port), gestionnaire)
    except OSError:
        print(f"Le port {port} est déjà utilisé : relancez avec un autre, par exemple "
              f"« PORT={port + 1} make apercu ».", file=sys.stderr)
        return 2
    threading.Thread(target=serveur.serve_forever, daemon=True).start()
    print(f"Aperçu sur http://localhost:{port}/ — enregistrez un fichier de "
          f"{chemin_affiche(dossier)}/ pour reconstruire ; Ctrl+C pour arrêter.")
    try:
        for changements in watch(dossier, RACINE / "site" / "theme"):
            noms = ", ".join(sorted({Path(c[1]).name for c in changements}))
            print(f"\nModifié : {noms}. Reconstruction…")
            construire(dossier)
    except KeyboardInterrupt:
        pass
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arbre", description="Outils du contenu.")
    sous = parser.add_subparsers(dest="commande", required=True)
    p = sous.add_parser("verifier", help="vérifier le contenu et lister toutes les erreurs")
    p.add_argument("contenu", nargs="?", type=Path)
    p = sous.add_parser("construire", help="construire le site")
    p.add_argument("--contenu", type=Path)
    p.add_argument("--sortie", type=Path)
    p = sous.add_parser("apercu", help="reconstruire à chaque enregistrement et servir")
    p.add_argument("--contenu", type=Path)
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    args = parser.parse_args(argv)
    if args.commande == "verifier":
        return verifier(args.contenu)
    if args.commande == "construire":
        return construire(args.contenu, args.sortie)
    return apercu(args.port, args.contenu)


if __name__ == "__main__":
    sys.exit(main())
