"""Les commandes du contenu (`python -m arbre`, `make verifier`) travaillent toutes sur le même
dossier : l'argument, sinon AIGUILLAGE_CONTENU, sinon contenu/."""

import os
import shutil
import subprocess
import sys
import time

import httpx
import pytest

from arbre.__main__ import construire, dossier_du_contenu, main
from tests.arbre.test_validation import preparer
from tests.conftest import PETIT, RACINE
from tests.fonctions.serveurs_locaux import HOTE, attendre, port_libre

ERREUR_GRFD = "20-gaz.md, ligne 4 : le service « grfd » n'existe pas."


def test_sans_argument_verifier_lit_aiguillage_contenu(tmp_path, monkeypatch, capsys):
    contenu = preparer("gestionnaire_inconnu", tmp_path)
    monkeypatch.setenv("AIGUILLAGE_CONTENU", str(contenu))
    assert main(["verifier"]) == 1
    sortie = capsys.readouterr()
    assert f"{contenu}/arbre/{ERREUR_GRFD}" in sortie.err
    assert "Contenu valide" not in sortie.out


def test_l_argument_passe_avant_aiguillage_contenu(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIGUILLAGE_CONTENU", str(preparer("gestionnaire_inconnu", tmp_path)))
    assert main(["verifier", str(PETIT)]) == 0
    assert capsys.readouterr().out.startswith("Contenu valide : 8 pages du parcours")


def test_sans_argument_ni_variable_le_contenu_est_celui_du_depot(monkeypatch):
    monkeypatch.delenv("AIGUILLAGE_CONTENU", raising=False)
    assert dossier_du_contenu() == RACINE / "contenu"
    monkeypatch.setenv("AIGUILLAGE_CONTENU", "")
    assert dossier_du_contenu() == RACINE / "contenu"


def test_un_dossier_absent_est_dit_avec_son_origine(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("AIGUILLAGE_CONTENU", str(tmp_path / "absent"))
    assert main(["verifier"]) == 2
    assert capsys.readouterr().err == (
        f"Le dossier du contenu « {tmp_path / 'absent'} » (donné par AIGUILLAGE_CONTENU) "
        "n'existe pas.\n")


def test_construire_lit_aiguillage_contenu_et_ne_le_laisse_pas_change(tmp_path, monkeypatch, capsys):
    contenu = preparer("gestionnaire_inconnu", tmp_path)
    monkeypatch.setenv("AIGUILLAGE_CONTENU", str(contenu))
    assert construire(sortie=tmp_path / "sortie") == 1
    assert ERREUR_GRFD in capsys.readouterr().err
    assert construire(PETIT, tmp_path / "sortie") == 0
    assert os.environ["AIGUILLAGE_CONTENU"] == str(contenu)
    assert "AIGUILLAGE_SORTIE" not in os.environ


def test_make_verifier_passe_aiguillage_contenu_a_la_commande(tmp_path):
    contenu = preparer("gestionnaire_inconnu", tmp_path)
    # INSTALLE= : l'environnement de test est déjà installé, make ne le refait pas.
    resultat = subprocess.run(
        ["make", "-s", "verifier", "INSTALLE=", f"PY={sys.executable}",
         f"AIGUILLAGE_CONTENU={contenu}"],
        cwd=RACINE, capture_output=True, text=True, check=False)
    assert resultat.returncode != 0
    assert f"{contenu}/arbre/{ERREUR_GRFD}" in resultat.stderr
    assert "Contenu valide" not in resultat.stdout


@pytest.fixture
def apercu(tmp_path):
    """`python -m arbre apercu` sur une copie du petit contenu, donnée par AIGUILLAGE_CONTENU."""
    contenu = tmp_path / "contenu"
    shutil.copytree(PETIT, contenu)
    port = port_libre()
    environnement = {k: v for k, v in os.environ.items() if not k.startswith("AIGUILLAGE_")}
    environnement.update(AIGUILLAGE_CONTENU=str(contenu), AIGUILLAGE_SORTIE=str(tmp_path / "sortie"))
    journal = (tmp_path / "apercu.log").open("wb")
    processus = subprocess.Popen([sys.executable, "-m", "arbre", "apercu", "--port", str(port)],
                                 cwd=RACINE, env=environnement, stdout=journal,
                                 stderr=subprocess.STDOUT)
    journal.close()
    yield contenu, f"http://{HOTE}:{port}", processus
    processus.terminate()
    processus.wait(timeout=15)


def page(url: str) -> str:
    try:
        reponse = httpx.get(url, timeout=5)
    except httpx.TransportError:
        return ""
    return reponse.text if reponse.status_code == 200 else ""


def test_apercu_construit_et_surveille_le_dossier_d_aiguillage_contenu(apercu):
    contenu, adresse, processus = apercu
    attendre(lambda: "Une odeur de gaz" in page(f"{adresse}/gaz/"), 120,
             "l'aperçu ne sert pas le contenu d'AIGUILLAGE_CONTENU")
    gaz = contenu / "arbre" / "20-gaz.md"
    nouveau = gaz.read_text(encoding="utf-8").replace("Une odeur de gaz", "Ça sent le gaz")
    dernier_enregistrement = [0.0]

    def reconstruit() -> bool:
        assert processus.poll() is None, "l'aperçu s'est arrêté"
        # La surveillance commence juste après la première construction : on réenregistre le
        # fichier tant que la page n'a pas changé, au plus une fois par seconde.
        if time.monotonic() - dernier_enregistrement[0] > 1:
            gaz.write_text(nouveau, encoding="utf-8")
            dernier_enregistrement[0] = time.monotonic()
        return "Ça sent le gaz" in page(f"{adresse}/gaz/")

    attendre(reconstruit, 120, "l'aperçu n'a pas reconstruit après l'enregistrement")
