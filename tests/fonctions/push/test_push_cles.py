import base64
import stat

from fonctions.push.cles import FICHIER, charger_cles, nouvelle_cle_pem


def test_une_cle_est_creee_au_premier_lancement_puis_reutilisee(tmp_path):
    premiere = charger_cles(None, tmp_path)
    seconde = charger_cles(None, tmp_path)
    assert premiere.publique == seconde.publique
    assert stat.S_IMODE((tmp_path / FICHIER).stat().st_mode) == 0o600


def test_la_cle_publique_est_un_point_non_compresse_en_base64url(tmp_path):
    publique = charger_cles(None, tmp_path).publique
    octets = base64.urlsafe_b64decode(publique + "=" * (-len(publique) % 4))
    assert len(octets) == 65 and octets[0] == 4
    assert "=" not in publique


def test_le_reglage_l_emporte_sur_le_fichier(tmp_path):
    pem = nouvelle_cle_pem().decode()
    assert charger_cles(pem, tmp_path).publique == charger_cles(pem, tmp_path / "autre").publique
    assert not (tmp_path / FICHIER).exists()
