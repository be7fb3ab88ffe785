"""``python -m fonctions servir|envoyer|purger|verifier``.

- ``servir [--hote 127.0.0.1] [--port 8000] [--workers N]`` : le site et les fonctions sur
  une origine ; ``--workers N`` (N processus uvicorn) demande PostgreSQL
  (``AIGUILLAGE_BASE_URL``), et est refusé sur TinyDB ;
- ``envoyer`` : fait une fois les relances dues, vide la boîte d'envoi, relève les mises à
  jour des services Open311 (``releve_open311``), puis efface les
  recherches sans résultat de plus de 90 jours (pour cron, si ``AIGUILLAGE_ENVOI_INTEGRE=non``
  ou en secours) ;
- ``purger`` : efface ce que la page des données personnelles promet d'effacer (coordonnées
  après la clôture, textes et photos après la conservation, restes d'arrêts brutaux) ; le
  serveur la fait chaque jour quand la boîte d'envoi y tourne, sinon une fois par jour par le
  même cron qu'``envoyer`` (voir ``fonctions/domaine/purge.py``) ;
- ``verifier`` : vérifie réglages et modèle, sans rien démarrer ;
- ``migrer --vers postgresql://… [--depuis DOSSIER]`` : copie un dossier TinyDB
  (``AIGUILLAGE_DONNEES`` par défaut) dans une base PostgreSQL, reprenable et idempotente, et
  vérifie que rien ne manque (``fonctions/stockage/demenagement.py``) ;
- ``vapid`` : crée une clé VAPID (Web Push) et l'affiche, pour ``AIGUILLAGE_VAPID_CLE_PRIVEE``.

Un réglage manquant en production arrête tout avec un message en français (code 2).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from fonctions.domaine.modele import ErreurModele, charger_modele
from fonctions.socle.reglages import ErreurReglages, lire_reglages, verifier_pour_le_modele
from fonctions.web.pages import gabarits_introuvables


def afficher_nouvelle_cle_vapid() -> int:
    from fonctions.push.cles import ClesVapid, nouvelle_cle_pem

    pem = nouvelle_cle_pem()
    print("# Clé privée : à donner au serveur, jamais à publier.")
    print("AIGUILLAGE_VAPID_CLE_PRIVEE=\"" + pem.decode().strip() + "\"")
    print(f"# Clé publique (donnée aux navigateurs par /api/push/cle) : {ClesVapid.depuis_pem(pem).publique}")
    return 0


def migrer_vers_postgresql(options: argparse.Namespace) -> int:
    from pathlib import Path

    from fonctions.stockage.demenagement import DossierOccupe, demenager
    from fonctions.stockage.postgresql import ErreurBase, url_sans_mot_de_passe

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s : %(message)s")
    if not options.vers.startswith(("postgresql://", "postgres://")):
        print("--vers doit être une adresse postgresql://utilisateur:mot-de-passe@hote/base.",
              file=sys.stderr)
        return 2
    dossier = Path(options.depuis or os.environ.get("AIGUILLAGE_DONNEES") or "donnees")
    print(f"Copie de {dossier} vers {url_sans_mot_de_passe(options.vers)}…")
    try:
        bilan = demenager(dossier, options.vers, apres_chaque_lot=lambda sorte, nombre: print(
            f"  {sorte} : {nombre}", flush=True))
    except (FileNotFoundError, DossierOccupe, ErreurBase) as erreur:
        print(f"La copie ne peut pas se faire : {erreur}", file=sys.stderr)
        return 2
    print(bilan.en_texte())
    return 0 if bilan.complet else 1


def refus_des_workers(workers: int, reglages) -> str | None:
    """Pourquoi ``--workers`` ne peut pas servir ces réglages ; ``None`` s'il le peut."""
    if workers < 1:
        return f"--workers vaut {workers} : écrivez un nombre de processus, 1 ou plus."
    if reglages.base_url is None:
        return (f"--workers {workers} demande PostgreSQL : avec TinyDB (le défaut), un seul "
                "processus peut recevoir les signalements d'un dossier de données. Donnez "
                "AIGUILLAGE_BASE_URL=postgresql://… (voir docs/production.md), ou lancez sans "
                "--workers.")
    return None


def servir_avec_des_workers(options: argparse.Namespace) -> int:
    """N processus uvicorn sur un même port, chacun avec sa fabrique ``application`` (et sa
    boîte d'envoi : PostgreSQL fait qu'un message n'est envoyé que par l'un d'eux)."""
    import uvicorn

    from fonctions.app import application

    uvicorn.run(f"{application.__module__}:application", factory=True, host=options.hote,
                port=options.port, workers=options.workers, proxy_headers=False,
                log_level="info")
    return 0


def main(arguments: list[str] | None = None) -> int:
    analyseur = argparse.ArgumentParser(prog="python -m fonctions",
                                        description="Les fonctions d'Aiguillage.")
    commandes = analyseur.add_subparsers(dest="commande", required=True)
    servir = commandes.add_parser("servir", help="servir le site et les fonctions")
    servir.add_argument("--hote", default="127.0.0.1", help="adresse d'écoute (127.0.0.1)")
    servir.add_argument("--port", type=int, default=8000, help="port d'écoute (8000)")
    servir.add_argument("--workers", type=int, default=1,
                        help="processus qui servent ensemble (1) ; plus d'un demande "
                             "PostgreSQL (AIGUILLAGE_BASE_URL)")
    commandes.add_parser("envoyer", help="relances dues, boîte d'envoi, vieilles recherches "
                          "sans résultat, une fois (cron)")
    commandes.add_parser("purger", help="effacer les données personnelles dont la durée de "
                          "conservation est passée, une fois (cron)")
    commandes.add_parser("verifier", help="vérifier les réglages et le modèle")
    commandes.add_parser("vapid", help="créer une clé VAPID pour les notifications Web Push")
    migrer = commandes.add_parser("migrer", help="copier un dossier TinyDB dans PostgreSQL "
                                  "(reprenable, vérifié)")
    migrer.add_argument("--vers", required=True, metavar="postgresql://…",
                        help="la base PostgreSQL de destination")
    migrer.add_argument("--depuis", metavar="DOSSIER",
                        help="le dossier TinyDB (par défaut AIGUILLAGE_DONNEES, ou donnees)")
    options = analyseur.parse_args(arguments)
    if options.commande == "vapid":
        return afficher_nouvelle_cle_vapid()
    if options.commande == "migrer":
        return migrer_vers_postgresql(options)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s : %(message)s")
    from fonctions.web.journal_d_acces import proteger_les_journaux

    proteger_les_journaux()  # aucune coordonnée dans aucun journal, pour toutes les commandes

    try:
        reglages = lire_reglages(os.environ)
        manque = gabarits_introuvables()
        if manque:
            raise ErreurReglages([manque])
        problemes = verifier_pour_le_modele(reglages, charger_modele(reglages.modele))
        if problemes and reglages.production:
            raise ErreurReglages(problemes)
    except ErreurReglages as erreur:
        print(erreur, file=sys.stderr)
        return 2
    except ErreurModele as erreur:
        print(f"Les fonctions d'Aiguillage ne peuvent pas démarrer :\n  - {erreur}",
              file=sys.stderr)
        return 2
    if options.commande == "servir" and options.workers != 1:
        refus = refus_des_workers(options.workers, reglages)
        if refus:
            print(f"Les fonctions d'Aiguillage ne peuvent pas démarrer :\n  - {refus}",
                  file=sys.stderr)
            return 2
    if reglages.base_url is not None:
        # La base est joignable et son schéma à jour avant tout le reste (et avant que N
        # processus ne la trouvent injoignable chacun de son côté).
        from fonctions.stockage.postgresql import ErreurBase, appliquer_migrations

        try:
            appliquer_migrations(str(reglages.base_url))
        except ErreurBase as erreur:
            print(f"Les fonctions d'Aiguillage ne peuvent pas démarrer :\n  - {erreur}",
                  file=sys.stderr)
            return 2

    if options.commande == "verifier":
        for probleme in problemes:
            print(f"à régler avant la production : {probleme}")
        print("Réglages et modèle lisibles.")
        return 0
    if options.commande == "envoyer":
        from fonctions.app import construire_contexte
        from fonctions.points_d_entree import recherches_vides

        contexte, fermer = construire_contexte(reglages)
        try:
            relances = contexte.relances.traiter_une_fois()
            total = 0
            while traitees := contexte.boite_envoi.traiter_une_fois():
                total += traitees
            releves = contexte.boite_envoi.nouvelles_open311.relever(forcer=True)
            effacees = recherches_vides.purger(contexte.stockage, contexte.horloge)
        finally:
            fermer()
        if relances:
            print(f"{relances} relance(s) ou escalade(s).")
        print(f"{total} envoi(s) traité(s).")
        if releves:
            print(f"{releves} mise(s) à jour relevée(s) chez les services Open311.")
        if effacees:
            print(f"{effacees} recherche(s) sans résultat de plus de "
                  f"{recherches_vides.CONSERVATION_JOURS} jours effacée(s).")
        return 0

    if options.commande == "purger":
        from fonctions.app import construire_contexte
        from fonctions.domaine import purge

        contexte, fermer = construire_contexte(reglages)
        try:
            bilan = purge.purger(contexte.stockage, contexte.suivi, reglages, contexte.horloge())
        finally:
            fermer()
        print(bilan.en_texte())
        return 0

    import uvicorn

    if options.workers > 1:
        return servir_avec_des_workers(options)

    from fonctions.app import creer_serveur, regler_le_ramasse_miettes
    from fonctions.domaine.photos import regler_l_allocateur
    from fonctions.web.journal_d_acces import proteger_le_journal_d_acces

    app = creer_serveur(reglages)
    regler_le_ramasse_miettes()
    regler_l_allocateur()
    # X-Forwarded-For n'est lu que par l'application, et seulement des mandataires nommés par
    # AIGUILLAGE_PROXIES (fonctions/app.py) : uvicorn, lui, le croirait de 127.0.0.1.
    config = uvicorn.Config(app, host=options.hote, port=options.port, proxy_headers=False,
                            log_level="info")
    proteger_le_journal_d_acces()  # après la configuration des journaux par uvicorn
    serveur = uvicorn.Server(config)
    try:
        serveur.run()
    except KeyboardInterrupt:
        pass
    if not serveur.started:
        print(f"Le serveur n'a pas pu démarrer sur {options.hote}:{options.port} (port déjà "
              f"utilisé ?) : relancez avec un autre port, par exemple « PORT={options.port + 1} "
              "make demo ».", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
