from __future__ import annotations

import base64
import hashlib
import hmac
import random
import re

from fonctions.socle.jetons import (
    ALPHABET,
    _controle,
    _signature,
    emis_dans_le_futur,
    jeton,
    jeton_agent,
    jeton_coordination,
    lire_jeton_agent,
    lire_jeton_coordination,
    nouveau_sel,
    nouvelle_reference,
    reference_du_jeton,
    reference_valide,
    verifier_jeton,
    verifier_jeton_agent,
)


def test_une_reference_se_lit_au_telephone_sans_signe_ambigu():
    for _ in range(200):
        reference = nouvelle_reference()
        assert re.fullmatch(r"AIG-[2-9A-Z]{4}-[2-9A-Z]{2}", reference)
        assert not set(reference[4:].replace("-", "")) & set("01OILU")
        assert reference_valide(reference)


def test_une_faute_de_frappe_dans_une_reference_se_voit():
    reference = nouvelle_reference()
    signes = reference[4:8] + reference[9:11]
    for position in range(6):
        for remplacant in ALPHABET:
            if remplacant != signes[position]:
                faux = signes[:position] + remplacant + signes[position + 1:]
                assert not reference_valide(f"AIG-{faux[:4]}-{faux[4:]}")
    for position in range(5):
        # Seule exception connue de Luhn mod N : le premier et le dernier signe.
        if {signes[position], signes[position + 1]} != {ALPHABET[0], ALPHABET[-1]} and (
                signes[position] != signes[position + 1]):
            inverse = (signes[:position] + signes[position + 1] + signes[position]
                       + signes[position + 2:])
            assert not reference_valide(f"AIG-{inverse[:4]}-{inverse[4:]}")


def test_une_reference_mal_formee_est_refusee():
    for texte in ["", "AIG-7K3M", "XYZ-7K3M-Q9", "AIG-7K3M-Q", "AIG-7K3O-Q9", "../../etc"]:
        assert not reference_valide(texte)


def test_un_jeton_porte_au_moins_128_bits_secrets_et_se_verifie():
    reference, sel = nouvelle_reference(), nouveau_sel()
    texte = jeton("cle", "suivi", reference, sel)
    secret = texte.partition(".")[2]
    assert len(base64.urlsafe_b64decode(secret + "=" * (-len(secret) % 4))) * 8 >= 128
    assert reference_du_jeton(texte) == reference
    assert verifier_jeton("cle", "suivi", texte, reference, sel)
    assert not verifier_jeton("autre-cle", "suivi", texte, reference, sel)
    assert not verifier_jeton("cle", "agent", texte, reference, sel)
    modifie = texte[:-2] + ("B" if texte[-2] == "A" else "A") + texte[-1]
    assert not verifier_jeton("cle", "suivi", modifie, reference, sel)


def test_le_jeton_se_recalcule_a_l_identique():
    assert jeton("cle", "suivi", "AIG-7K3M-QA", "sel") == jeton("cle", "suivi", "AIG-7K3M-QA", "sel")
    assert reference_du_jeton("n'importe quoi") is None


def test_un_lien_d_agent_est_signe_date_et_propre_a_son_attribution():
    texte = jeton_agent("cle", "AIG-7K3M-Q2", 2, "sel", 1741597200)
    assert texte.startswith("AIG-7K3M-Q2.2.67ceaa10.")
    assert lire_jeton_agent(texte) == ("AIG-7K3M-Q2", 2, 1741597200)
    assert verifier_jeton_agent("cle", texte, "sel")
    assert not verifier_jeton_agent("cle", texte, "autre-sel")
    assert not verifier_jeton_agent("autre-cle", texte, "sel")
    plus_tard = texte.replace(".67ceaa10.", ".77ceaa10.")  # date d'émission falsifiée
    assert not verifier_jeton_agent("cle", plus_tard, "sel")
    autre = texte.replace("Q2.2.", "Q2.3.")
    assert not verifier_jeton_agent("cle", autre, "sel")
    for faux in ["", "AIG-7K3M-Q2", "AIG-7K3M-Q2.x.1.y", "../../etc.1.1.x", "AIG-7K3M-Q2.1.zz.x"]:
        assert lire_jeton_agent(faux) is None


def test_un_lien_de_coordination_porte_son_adresse_et_se_verifie():
    texte = jeton_coordination("cle", "Coordination@Exemple.org", 1741597200)
    assert lire_jeton_coordination("cle", texte) == ("coordination@exemple.org", 1741597200)
    assert lire_jeton_coordination("autre", texte) is None
    assert lire_jeton_coordination("cle", texte[:-1] + "x") is None
    assert lire_jeton_coordination("cle", "@@@.1.x") is None


def test_le_signe_de_controle_est_celui_de_luhn_mod_n():
    def luhn(signes: str) -> str:  # l'algorithme tel qu'il s'écrit, signe par signe
        facteur, somme = 2, 0
        for signe in reversed(signes):
            valeur = facteur * ALPHABET.index(signe)
            somme += valeur // len(ALPHABET) + valeur % len(ALPHABET)
            facteur = 3 - facteur
        return ALPHABET[-somme % len(ALPHABET)]

    hasard = random.Random(7)
    for _ in range(2000):
        signes = "".join(hasard.choice(ALPHABET) for _ in range(5))
        assert _controle(signes) == luhn(signes)


def test_la_signature_est_un_hmac_sha256_tronque_a_160_bits():
    for cle in ["cle", "k" * 64, "une clé bien plus longue qu'un bloc de SHA-256 : " * 3]:
        for message in ["", "suivi:AIG-7K3M-Q2:sel", "é" * 100]:
            attendu = hmac.new(cle.encode(), message.encode(), hashlib.sha256).digest()[:20]
            assert _signature(cle, message) == (
                base64.urlsafe_b64encode(attendu).decode().rstrip("="))


def test_un_sel_porte_128_bits_en_base64_pour_une_adresse_web():
    sels = {nouveau_sel() for _ in range(500)}
    assert len(sels) == 500
    for sel in sels:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22}", sel)
        assert len(base64.urlsafe_b64decode(sel + "==")) == 16


def test_un_lien_date_au_dela_de_cinq_minutes_dans_le_futur_n_est_pas_de_nous():
    assert not emis_dans_le_futur(1741597200, 1741597200)
    assert not emis_dans_le_futur(1741597200 + 300, 1741597200)  # écart d'horloge
    assert emis_dans_le_futur(1741597200 + 301, 1741597200)
    assert not emis_dans_le_futur(0, 1741597200)
