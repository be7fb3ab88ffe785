from __future__ import annotations

import pytest

from fonctions.stockage.journal import Journal, JournalEnPanne
from fonctions.stockage.materialiseur import Materialiseur


class Temoin:
    """Note les lots matérialisés et ceux que l'on a retirés de la mémoire."""

    def __init__(self, pannes: int = 0) -> None:
        self.ecrits, self.apres, self.pannes = [], [], pannes

    def materialiser(self, lot):
        if self.pannes:
            self.pannes -= 1
            raise OSError(28, "No space left on device")
        self.ecrits.append(list(lot))
        return len(lot)


@pytest.fixture
def journal(tmp_path):
    journal = Journal(tmp_path / "journal", intervalle=0)
    journal.demarrer()
    return journal


def ecrire(journal, *memos):
    for memo in memos:
        journal.ecrire(memo.encode(), memo)


def test_pendant_une_rafale_rien_n_est_materialise_sauf_si_on_l_attend(journal):
    temoin = Temoin()
    materialiseur = Materialiseur(journal, temoin.materialiser, temoin.apres.append,
                                  calme=3600, lot_max=1000, age_max=3600)
    materialiseur.demarrer()
    ecrire(journal, "un", "deux")
    assert temoin.ecrits == []
    materialiseur.attendre()  # la barrière : tout ce qui précède est écrit
    assert temoin.ecrits == [["un", "deux"]] and temoin.apres == [["un", "deux"]]
    ecrire(journal, "trois")
    journal.fermer()  # la fermeture matérialise ce qui reste
    assert materialiseur.arreter()
    assert temoin.ecrits == [["un", "deux"], ["trois"]]
    assert not list(journal.dossier.glob("*.journal"))[1:]  # le dernier, effacé par fermer


def test_au_dela_de_lot_max_le_materialiseur_n_attend_pas_le_calme(journal):
    temoin = Temoin()
    materialiseur = Materialiseur(journal, temoin.materialiser, temoin.apres.append,
                                  calme=0.01, lot_max=3, age_max=3600)
    materialiseur.demarrer()
    ecrire(journal, "a", "b", "c")
    journal.fermer()
    assert materialiseur.arreter()
    assert [m for lot in temoin.ecrits for m in lot] == ["a", "b", "c"]


def test_une_materialisation_ratee_est_reessayee_sans_rien_perdre(journal):
    temoin = Temoin(pannes=1)
    materialiseur = Materialiseur(journal, temoin.materialiser, temoin.apres.append,
                                  calme=3600, lot_max=1000, age_max=3600)
    materialiseur.demarrer()
    ecrire(journal, "un")
    materialiseur.attendre()
    assert temoin.ecrits == [["un"]]
    journal.fermer()
    assert materialiseur.arreter()


def test_si_la_materialisation_echoue_encore_a_la_fermeture_le_journal_reste(journal):
    temoin = Temoin(pannes=10**6)
    materialiseur = Materialiseur(journal, temoin.materialiser, temoin.apres.append,
                                  calme=3600, lot_max=1000, age_max=3600)
    materialiseur.demarrer()
    ecrire(journal, "un")
    journal.fermer()
    assert not materialiseur.arreter()
    assert list(Journal(journal.dossier).rejouer()) == [b"un"]


def test_la_barriere_signale_un_journal_en_panne(tmp_path):
    def refuser(descripteur):
        raise OSError(5, "Input/output error")

    journal = Journal(tmp_path / "journal", synchroniser=refuser, intervalle=0)
    journal.demarrer()
    temoin = Temoin()
    materialiseur = Materialiseur(journal, temoin.materialiser, temoin.apres.append,
                                  calme=3600, lot_max=1000, age_max=3600)
    materialiseur.demarrer()

    with pytest.raises(JournalEnPanne):
        journal.ecrire(b"refuse", "refuse")
    with pytest.raises(JournalEnPanne, match="Input/output"):  # sans attendre pour rien
        materialiseur.attendre()
    journal.fermer()
    materialiseur.arreter()
