"""Un PostgreSQL pour les tests : une grappe jetable, ou le serveur d'``AIGUILLAGE_TEST_POSTGRES``.

La grappe jetable : ``initdb`` puis ``pg_ctl`` dans un dossier temporaire, à l'écoute d'une
socket Unix seulement (aucun port TCP), arrêtée (``pg_ctl stop -m immediate``) et effacée à
la fin de la session de tests, même en cas d'échec. En root (la CI), ``initdb`` refuse de
tourner : le dossier appartient alors à ``postgres`` et les deux commandes passent par
``runuser -u postgres --``. Les binaires de Debian ne sont pas sur le ``PATH`` :
``/usr/lib/postgresql/<version>/bin``. ``make test`` installe le paquet ``postgresql`` s'il
manque ; sans lui, ces tests **échouent** avec la marche à suivre, ils ne sont jamais sautés.

``AIGUILLAGE_TEST_POSTGRES=postgresql://utilisateur@hote/base`` : un serveur existant, dont
l'utilisateur peut créer des bases. Chaque test a sa base neuve, effacée après lui.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import psycopg
from psycopg import sql

VARIABLE = "AIGUILLAGE_TEST_POSTGRES"


def binaires_postgresql() -> Path:
    """Le dossier d'``initdb`` et ``pg_ctl`` : la version la plus récente installée."""
    dossiers = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                      key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if dossiers:
        return dossiers[-1].parent
    trouve = shutil.which("initdb")
    if trouve:
        return Path(trouve).parent
    raise RuntimeError(
        "PostgreSQL est introuvable (ni /usr/lib/postgresql/*/bin/initdb ni initdb sur le PATH) : "
        "installez le paquet Debian « postgresql » (make test le fait), ou donnez un serveur "
        f"existant par {VARIABLE}=postgresql://…")


class GrappeJetable:
    def __init__(self) -> None:
        # Dans /tmp même : le dossier des tests de pytest n'est lisible que par root, et
        # l'utilisateur postgres doit pouvoir y entrer.
        self.dossier = Path(tempfile.mkdtemp(prefix="aiguillage-pg-"))
        self.donnees = self.dossier / "donnees"
        self.socket = self.dossier / "socket"
        self.port = 5432  # dans son propre dossier de socket : aucun conflit possible
        self.journal = self.dossier / "postgresql.log"
        self.root = os.geteuid() == 0
        self.demarree = False

    def _lancer(self, *commande: str) -> None:
        prefixe = ["runuser", "-u", "postgres", "--"] if self.root else []
        resultat = subprocess.run([*prefixe, *commande], capture_output=True, text=True,
                                  cwd=self.dossier, check=False)
        if resultat.returncode != 0:
            journal = self.journal.read_text() if self.journal.exists() else ""
            raise RuntimeError(f"{' '.join(commande)} a échoué ({resultat.returncode}) :\n"
                               f"{resultat.stdout}{resultat.stderr}\n{journal}")

    def demarrer(self) -> None:
        binaires = binaires_postgresql()
        self.socket.mkdir()
        if self.root:
            shutil.chown(self.dossier, "postgres", "postgres")
            shutil.chown(self.socket, "postgres", "postgres")
        self.dossier.chmod(0o755)
        self._lancer(str(binaires / "initdb"), "-D", str(self.donnees), "-A", "trust",
                     "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
        self.demarree = True
        atexit.register(self.arreter)  # si pytest s'arrête sans finaliser ses fixtures
        self.reprendre()

    def suspendre(self) -> None:
        """Arrête le serveur (comme une panne : ``-m immediate``) sans effacer ses données."""
        self._lancer(str(binaires_postgresql() / "pg_ctl"), "-D", str(self.donnees),
                     "-m", "immediate", "-w", "stop")

    def reprendre(self) -> None:
        """(Re)démarre le serveur sur ses données."""
        self._lancer(str(binaires_postgresql() / "pg_ctl"), "-D", str(self.donnees), "-l",
                     str(self.journal), "-w", "-o",
                     f"-k {self.socket} -p {self.port} -c listen_addresses='' "
                     "-c max_connections=200", "start")

    def url(self, base: str = "postgres") -> str:
        return f"postgresql://postgres@/{base}?host={quote(str(self.socket))}&port={self.port}"

    def arreter(self) -> None:
        if self.demarree:
            self.demarree = False
            try:
                self._lancer(str(binaires_postgresql() / "pg_ctl"), "-D", str(self.donnees),
                             "-m", "immediate", "-w", "stop")
            except RuntimeError:
                pass  # déjà arrêtée
        shutil.rmtree(self.dossier, ignore_errors=True)


class ServeurDeTest:
    """Le serveur des tests : ``nouvelle_base()`` rend l'adresse d'une base vide, effacée
    par ``effacer_les_bases``."""

    def __init__(self) -> None:
        self.grappe: GrappeJetable | None = None
        url = os.environ.get(VARIABLE, "").strip()
        if url:
            self.url_admin = url
        else:
            self.grappe = GrappeJetable()
            try:
                self.grappe.demarrer()
            except BaseException:
                self.grappe.arreter()
                raise
            self.url_admin = self.grappe.url()
        self.bases: list[str] = []

    def nouvelle_base(self) -> str:
        nom = f"aiguillage_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url_admin, autocommit=True) as connexion:
            connexion.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(nom)))
        self.bases.append(nom)
        return self.url_de(nom)

    def url_de(self, base: str) -> str:
        """L'adresse ``postgresql://`` de ``base`` sur le même serveur (celle que prend
        ``AIGUILLAGE_BASE_URL``)."""
        morceaux = urlsplit(self.url_admin)
        return urlunsplit(morceaux._replace(path=f"/{base}"))

    def effacer_la_base(self, url: str) -> None:
        nom = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self.url_admin, autocommit=True) as connexion:
            connexion.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(nom)))
        if nom in self.bases:
            self.bases.remove(nom)

    def arreter(self) -> None:
        if self.grappe is not None:
            self.grappe.arreter()
        else:
            for nom in list(self.bases):
                self.effacer_la_base(self.url_de(nom))
