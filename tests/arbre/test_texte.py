"""Le Markdown des rédacteurs : les numéros de téléphone deviennent des liens, rien d'autre."""

import pytest

from arbre.texte import en_html


def test_le_numero_d_enedis_ecrit_dans_le_texte_devient_un_lien_tel():
    assert en_html("Appelez le 18, puis le dépannage Enedis au 09 72 67 50 56.") == (
        '<p>Appelez le <a class="tel" href="tel:18">18</a>, puis le dépannage Enedis au '
        '<a class="tel" href="tel:+33972675056">09 72 67 50 56</a>.</p>')


@pytest.mark.parametrize(("ecrit", "uri"), [
    ("0 800 47 33 33", "tel:+33800473333"),
    ("0806 706 806", "tel:+33806706806"),
    ("02.61.91.00.01", "tel:+33261910001"),
    ("0261910001", "tel:+33261910001"),
    ("02\u00a061\u00a091\u00a000\u00a001", "tel:+33261910001"),
])
def test_chaque_decoupage_d_un_numero_a_dix_chiffres_est_reconnu(ecrit, uri):
    assert en_html(f"Appelez le {ecrit} maintenant.") == (
        f'<p>Appelez le <a class="tel" href="{uri}">{ecrit}</a> maintenant.</p>')


def test_un_numero_court_annonce_par_le_ou_au_devient_un_lien():
    assert en_html("Le 3919 est gratuit ; signalez-le aussi au 17 : la route peut fermer.") == (
        '<p>Le <a class="tel" href="tel:3919">3919</a> est gratuit ; signalez-le aussi au '
        '<a class="tel" href="tel:17">17</a> : la route peut fermer.</p>')


def test_le_114_se_joint_par_sms():
    assert en_html("Si vous ne pouvez pas parler, envoyez un SMS au 114.") == (
        '<p>Si vous ne pouvez pas parler, envoyez un SMS au '
        '<a class="tel" href="sms:114">114</a>.</p>')


@pytest.mark.parametrize("texte", [
    "Le camion passe le 15 mai, puis le 17 à 9 h et au 18 h.",
    "Du 15 au 17 juin, la D 20 et la N165 sont fermées.",
    "Écrivez à Libre réponse 71120, 75342 Paris CEDEX 07.",
    "Loi n° 2005-102 du 11 février 2005 ; 56190 Muzillac.",
    "De 8 h 30 à 12 h 30, 15 jours sur 18, pour 112 € ou 3919 personnes.",
    "La salle 18 et la bande 112 ne sont pas des numéros.",
    "Un identifiant 012345678901 est trop long pour un numéro.",
])
def test_les_nombres_qui_ne_sont_pas_des_numeros_ne_sont_pas_touches(texte):
    assert "<a" not in en_html(texte)


def test_un_numero_deja_dans_un_lien_ou_dans_du_code_reste_tel_quel():
    assert en_html("[02 61 91 00 01](https://exemple.example.org) et `02 61 91 00 02`") == (
        '<p><a href="https://exemple.example.org">02 61 91 00 01</a> et '
        "<code>02 61 91 00 02</code></p>")


def test_un_numero_dans_une_liste_ou_en_gras_devient_un_lien():
    assert en_html("- par téléphone : 02 61 91 20 00\n- **le 112** partout") == (
        '<ul>\n<li>par téléphone : <a class="tel" href="tel:+33261912000">02 61 91 20 00</a></li>\n'
        '<li><strong>le <a class="tel" href="tel:112">112</a></strong> partout</li>\n</ul>')


def test_le_html_ecrit_dans_le_contenu_reste_echappe_autour_d_un_numero():
    assert en_html("<b>Appelez</b> le 18") == (
        '<p>&lt;b&gt;Appelez&lt;/b&gt; le <a class="tel" href="tel:18">18</a></p>')
