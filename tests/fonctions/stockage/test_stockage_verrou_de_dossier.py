from __future__ import annotations

import os
import signal
import subprocess
import sys

from aides_fonctions import RACINE

from fonctions.stockage.verrou_de_dossier import VerrouDeDossier


def test_un_seul_tient_le_verrou_et_le_rend(tmp_path):
    premier = VerrouDeDossier(tmp_path / "journal" / "proprietaire.verrou")
    second = VerrouDeDossier(tmp_path / "journal" / "proprietaire.verrou")
    assert premier.prendre() and premier.tenu
    assert not second.prendre(attente=0.1)
    premier.rendre()
    assert second.prendre()
    second.rendre()


def test_le_verrou_d_un_processus_tue_se_libere_tout_seul(tmp_path):
    chemin = tmp_path / "proprietaire.verrou"
    script = ("import sys, time\n"
              "from fonctions.stockage.verrou_de_dossier import VerrouDeDossier\n"
              "assert VerrouDeDossier(sys.argv[1]).prendre()\n"
              "print('tenu', flush=True)\n"
              "time.sleep(600)\n")
    processus = subprocess.Popen([sys.executable, "-c", script, str(chemin)], cwd=RACINE,
                                 stdout=subprocess.PIPE, text=True)
    verrou = VerrouDeDossier(chemin)
    try:
        assert processus.stdout.readline().strip() == "tenu"
        assert not verrou.prendre()
    finally:
        os.kill(processus.pid, signal.SIGKILL)
        processus.wait()
        processus.stdout.close()
    assert verrou.prendre(attente=5)
    verrou.rendre()
