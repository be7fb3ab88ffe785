"""Les index par date de TinyDB (``fonctions/stockage/index_par_date.py``) : des fichiers
vides dont le nom dit tout ; le contrat commun aux moteurs est dans
``test_stockage_contrat.py``."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta, timezone

from fonctions.stockage import index_par_date


def test_une_creation_n_a_qu_une_marque_et_chaque_autre_moment_la_sienne(tmp_path):
    racine = os.fspath(tmp_path)
    document = {"reference": "AIG-7K3M-Q2", "cree_le": "2025-03-10T09:00:00+00:00",
                "historique": [
                    {"date": "2025-03-10T09:00:00+00:00", "type": "recu"},
                    {"date": "2025-03-10T10:00:00+01:00", "type": "transmis"},  # le même
                    {"date": "2025-03-11T23:30:00-01:00", "type": "resolu"},
                    {"date": "hier", "type": "message"}, {"date": "2025-03-12", "type": "x"},
                    "pas un événement"]}
    assert [chemin.removeprefix(racine) for chemin in index_par_date.marques(
        racine, document)] == [
        "/index/crees/2025-03-10/090000000000-AIG-7K3M-Q2",
        "/index/evenements/2025-03-12/003000000000-AIG-7K3M-Q2"]
    assert index_par_date.marques(racine, {"reference": "AIG-7K3M-Q2"}) == []


def test_marquer_cree_les_marques_manquantes_une_fois(tmp_path):
    chemins = index_par_date.marques(os.fspath(tmp_path), {
        "reference": "AIG-7K3M-Q2", "cree_le": "2025-03-10T09:00:00+00:00",
        "historique": [{"date": "2025-03-11T09:00:00+00:00"}]})
    index_par_date.marquer(chemins)
    index_par_date.marquer(chemins)  # sans erreur, sans rien changer
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                  if p.is_file()) == [
        "index/crees/2025-03-10/090000000000-AIG-7K3M-Q2",
        "index/evenements/2025-03-11/090000000000-AIG-7K3M-Q2"]
    assert all(os.path.getsize(chemin) == 0 for chemin in chemins)


def test_les_moments_reunissent_creations_et_evenements_sans_doublon_ni_nom_etranger(
        tmp_path):
    racine = os.fspath(tmp_path)
    for sorte, nom in (("crees", "090000000000-AIG-7K3M-Q2"),
                       ("evenements", "090000000000-AIG-7K3M-Q2"),  # le même, deux fois
                       ("evenements", "090000000000-AIG-2222-22"),
                       ("evenements", "120000500000-AIG-7K3M-Q2"),
                       ("evenements", "pas-une-marque"), ("evenements", ".cache")):
        dossier = tmp_path / "index" / sorte / "2025-03-10"
        dossier.mkdir(parents=True, exist_ok=True)
        (dossier / nom).touch()
    (tmp_path / "index" / "evenements" / "pas-un-jour").mkdir()
    neuf = datetime(2025, 3, 10, 9, tzinfo=UTC)
    midi = datetime(2025, 3, 10, 12, 0, 0, 500000, tzinfo=UTC)
    debut, fin = neuf - timedelta(days=1), neuf + timedelta(days=1)
    tous = [(neuf, "AIG-2222-22"), (neuf, "AIG-7K3M-Q2"), (midi, "AIG-7K3M-Q2")]
    assert index_par_date.evenements(racine, debut, fin, None, 10) == tous
    # Une suite demandée dans un autre fuseau, une borne à la microseconde.
    paris = timezone(timedelta(hours=1))
    assert index_par_date.evenements(racine, debut, fin, (neuf.astimezone(paris),
                                                          "AIG-2222-22"), 10) == tous[1:]
    assert index_par_date.evenements(racine, midi, fin, None, 10) == tous[2:]
    assert index_par_date.evenements(racine, debut, midi - timedelta(microseconds=1), None,
                                     10) == tous[:2]
    assert list(index_par_date.crees(racine, debut, fin)) == ["AIG-7K3M-Q2"]
