from __future__ import annotations

import datetime
import json
import pickle

import pytest
from aides_fonctions import fichiers_du_dossier

from fonctions.socle.jetons import nouvelle_reference
from fonctions.stockage import StockageTinyDB
from fonctions.stockage.base import empreinte_cle
from fonctions.stockage.materialisation import (
    Chemins,
    Creation,
    materialiser,
    synchroniser_disque,
    verifier_les_noms,
    vider_les_temporaires,
)

CLE = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def signalement(reference: str = "AIG-7K3M-Q2", **autres) -> dict:
    return {"reference": reference, "description": "Un trou devant l'école", "historique": [],
            **autres}


def envoi(reference: str = "AIG-7K3M-Q2") -> dict:
    return {"id": f"{reference}-transmission", "reference": reference, "sorte": "transmission"}


def creation(reference: str = "AIG-7K3M-Q2", **autres) -> Creation:
    return Creation.nouvelle(signalement(reference, **autres), [envoi(reference)],
                             (empreinte_cle(CLE), "empreinte", reference))


@pytest.fixture
def moteur(tmp_path):
    moteur = StockageTinyDB(tmp_path / "donnees")
    yield moteur
    moteur.fermer()


@pytest.fixture
def temporaire(tmp_path):
    dossier = tmp_path / "donnees" / "journal" / "a_placer"
    vider_les_temporaires(dossier)
    return dossier


def test_les_fichiers_materialises_sont_ceux_du_moteur_octet_pour_octet(tmp_path, moteur,
                                                                       temporaire):
    assert materialiser(moteur, [creation()], temporaire) == 1
    temoin = StockageTinyDB(tmp_path / "temoin")
    with temoin.reserver_cle(CLE, "empreinte", "AIG-7K3M-Q2"):
        temoin.creer_signalement(signalement(), [], [envoi()])
    temoin.fermer()
    attendus = fichiers_du_dossier(tmp_path / "temoin")
    assert [f for f in fichiers_du_dossier(moteur.dossier) if not f.startswith("journal/")] == (
        attendus)
    for fichier in attendus:
        assert (moteur.dossier / fichier).read_bytes() == (
            tmp_path / "temoin" / fichier).read_bytes(), fichier
    assert list(temporaire.iterdir()) == []


def test_les_chemins_sont_ceux_du_moteur(moteur):
    chemins = Chemins(moteur)
    for reference in {nouvelle_reference() for _ in range(50)}:
        assert chemins.signalement(reference) == str(moteur._signalement(reference))
        assert chemins.envoi(f"{reference}-relance2") == str(moteur._envoi(f"{reference}-relance2"))
    empreinte = empreinte_cle(CLE)
    assert chemins.cle(empreinte) == str(
        moteur.dossier / "idempotence" / empreinte[:2] / f"{empreinte}.json")


@pytest.mark.parametrize(("reference", "envois"), [
    ("../../etc/passwd", []),
    ("AIG-7K3M-Q3", []),  # signe de contrôle faux
    ("AIG-7K3M-Q2", ["AIG-7K3M-Q2-../x"]),
    ("AIG-7K3M-Q2", ["../AIG-7K3M-Q2-transmission"]),
    ("AIG-7K3M-Q2", ["AIG-7K3M-Q2-trànsmission"]),
])
def test_un_nom_qui_ne_doit_pas_devenir_un_chemin_est_refuse_comme_par_le_moteur(
        moteur, reference, envois):
    with pytest.raises(ValueError):
        verifier_les_noms(reference, envois)
    with pytest.raises(ValueError):
        moteur._signalement(reference)
        for identifiant in envois:
            moteur._envoi(identifiant)


def test_rejouer_une_creation_deja_materialisee_n_ecrase_rien(moteur, temporaire):
    materialiser(moteur, [creation()], temporaire)
    moteur.modifier_signalement("AIG-7K3M-Q2", {"etat": "transmis"})
    moteur.supprimer_envoi("AIG-7K3M-Q2-transmission")  # transmis : l'entrée est partie
    assert materialiser(moteur, [creation()], temporaire) == 0
    assert moteur.lire_signalement("AIG-7K3M-Q2")["etat"] == "transmis"
    assert moteur.lister_envois() == []


def test_un_signalement_abime_par_une_coupure_est_reecrit(moteur, temporaire):
    chemin = moteur._signalement("AIG-7K3M-Q2")
    chemin.parent.mkdir(parents=True)
    chemin.write_bytes(b"")  # renommé, mais son contenu n'avait pas atteint le disque
    assert materialiser(moteur, [creation()], temporaire) == 1
    assert moteur.lire_signalement("AIG-7K3M-Q2") == signalement()


def test_cle_et_envoi_sont_sur_disque_avant_le_signalement(moteur, temporaire):
    etats = []

    def synchroniser(dossier):
        synchroniser_disque(dossier)
        etats.append(sorted(f.split("/")[0] for f in fichiers_du_dossier(moteur.dossier)
                            if not f.startswith("journal/")))

    materialiser(moteur, [creation()], temporaire, synchroniser)
    assert etats == [[], ["boite_envoi", "idempotence"],
                     ["boite_envoi", "idempotence", "signalements"]]


def test_une_materialisation_ratee_ne_laisse_aucun_temporaire(moteur, temporaire):
    def en_panne(dossier):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        materialiser(moteur, [creation()], temporaire, en_panne)
    assert list(temporaire.iterdir()) == []
    assert moteur.lire_signalement("AIG-7K3M-Q2") is None


def test_une_creation_se_relit_telle_qu_elle_a_ete_journalisee():
    originale = creation(reponses=[{"id": "taille", "valeur": "Comme une assiette"}])
    relue = Creation.decoder(originale.contenu)
    assert relue == originale
    assert relue.documents() == (
        signalement(reponses=[{"id": "taille", "valeur": "Comme une assiette"}]),
        [envoi()], (empreinte_cle(CLE), "empreinte", "AIG-7K3M-Q2"))


def test_le_journal_ne_relit_aucune_classe():
    piege = pickle.dumps((1, signalement(quand=datetime.date(2025, 1, 1)), [], None))
    with pytest.raises(pickle.UnpicklingError):
        Creation.decoder(piege)


def test_un_document_qui_n_est_pas_du_json_est_refuse_des_la_creation():
    with pytest.raises(TypeError):
        creation(quand=datetime.date(2025, 3, 10))
    # Le refus ne laisse rien dans l'enregistrement suivant (le pickleur est réutilisé).
    assert creation().contenu == creation().contenu
    assert Creation.decoder(creation().contenu).documents()[0] == signalement()


def test_un_document_circulaire_est_refuse_sans_boucler_et_sans_rien_laisser():
    boucle = signalement()
    boucle["moi"] = boucle
    with pytest.raises(ValueError):
        Creation.nouvelle(boucle, [], None)
    assert Creation.decoder(creation().contenu).documents()[0] == signalement()


def test_une_meme_liste_placee_deux_fois_se_relit_en_deux_copies_egales():
    commune = [{"id": "taille", "valeur": "Comme une assiette"}]
    relu = Creation.decoder(creation(reponses=commune, rappel=commune).contenu).documents()[0]
    assert relu["reponses"] == relu["rappel"] == commune


def test_deux_creations_de_suite_ne_partagent_rien():
    premiere, seconde = creation(description="un"), creation(description="deux")
    assert premiere.documents()[0]["description"] == "un"
    assert seconde.documents()[0]["description"] == "deux"


def test_une_chaine_sans_utf8_ou_une_valeur_sans_json_ne_bloque_jamais_la_materialisation(
        moteur, temporaire, caplog):
    moitie = json.loads('"trou \\ud800"')  # reçue en JSON, elle n'a pas d'UTF-8
    etrange = creation(description=moitie, etiquettes={"voirie"})
    assert materialiser(moteur, [etrange], temporaire) == 1
    relu = moteur.lire_signalement("AIG-7K3M-Q2")
    assert relu["description"] == moitie
    assert relu["etiquettes"] == "{'voirie'}"
    assert "gardée en texte" in caplog.text
