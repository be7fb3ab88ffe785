"""Ce qu'écrit un rédacteur arrive tel quel dans le modèle, ou donne une erreur claire :
jamais de nombre, de booléen ou de coupure devinés par YAML, jamais de trace Python."""

import json

import pytest

from arbre.__main__ import construire, main
from arbre.erreurs import ErreursContenu, Rapport
from arbre.lecture import TexteLu, charger_yaml
from arbre.modele import construire_modele
from tests.arbre.test_validation import preparer


def remplacer(chemin, avant, apres):
    texte = chemin.read_text(encoding="utf-8")
    assert avant in texte
    chemin.write_text(texte.replace(avant, apres), encoding="utf-8")


def test_les_valeurs_sans_guillemets_restent_le_texte_ecrit(contenu_petit):
    remplacer(contenu_petit / "gestionnaires" / "grdf.md", "horaires: 24 h/24, 7 j/7, appel gratuit",
              "horaires: 8:30")
    remplacer(contenu_petit / "gestionnaires" / "grdf.md", 'telephone: "0 800 47 33 33"',
              "telephone: 0261710001")
    remplacer(contenu_petit / "arbre" / "20-gaz.md", "libelle: Une odeur de gaz", "libelle: 1984")
    remplacer(contenu_petit / "arbre" / "30-dechets.md", "libelle: Une poubelle non ramassée",
              "libelle: non")
    remplacer(contenu_petit / "arbre" / "30-dechets.md", "indice: le camion n'est pas passé",
              "indice: 2024-01-05")
    remplacer(contenu_petit / "arbre" / "10-voirie" / "index.md", "mots_cles: [chaussée, route]",
              "mots_cles: [on, 1_000, 3.50]")
    modele = construire_modele(contenu_petit, "contenu")
    grdf = modele["gestionnaires"]["grdf"]
    assert (grdf["horaires"], grdf["telephone"], grdf["telephone_uri"]) == (
        "8:30", "0261710001", "tel:+33261710001")
    assert modele["noeuds"]["gaz"]["libelle"] == "1984"
    assert (modele["noeuds"]["dechets"]["libelle"], modele["noeuds"]["dechets"]["indice"]) == (
        "non", "2024-01-05")
    assert modele["noeuds"]["voirie"]["mots_cles"] == ["on", "1_000", "3.50"]


def test_yaml_garde_ce_qu_il_aurait_compris_pour_les_messages():
    donnees = charger_yaml("a: 01053\nb: 8:30\nc: off\nd: \"01053\"\ne: texte\nf:\n", "x.yaml", Rapport())
    assert [(type(v).__name__, v, getattr(v, "yaml", None)) for v in donnees.values()] == [
        ("TexteLu", "01053", 555), ("TexteLu", "8:30", 510), ("TexteLu", "off", False),
        ("str", "01053", None), ("str", "texte", None), ("NoneType", None, None)]
    assert isinstance(donnees["a"], TexteLu)


def test_un_commentaire_apres_un_identifiant_n_est_pas_une_erreur(contenu_petit):
    remplacer(contenu_petit / "territoire.yaml", '"56195": cc-essai',
              '"56195": cc-essai        # la collecte y est confiée à la communauté')
    remplacer(contenu_petit / "gestionnaires" / "grdf.md", "transmission: aucune",
              "transmission: aucune   # le citoyen appelle")
    remplacer(contenu_petit / "arbre" / "20-gaz.md", "gestionnaire: grdf",
              "gestionnaire: grdf  # 24 h/24")
    remplacer(contenu_petit / "territoire.yaml", "par_defaut: cc-essai",
              "par_defaut: cc-essai  # depuis 2020")
    modele = construire_modele(contenu_petit, "contenu")
    assert modele["noeuds"]["gaz"]["gestionnaire"] == "grdf"


def test_un_diese_sans_espace_devant_fait_partie_du_texte(contenu_petit):
    remplacer(contenu_petit / "arbre" / "20-gaz.md", "libelle: Une odeur de gaz",
              "libelle: Le bac n°3#urgent")
    assert construire_modele(contenu_petit, "contenu")["noeuds"]["gaz"]["libelle"] == (
        "Le bac n°3#urgent")


def test_un_oui_non_se_lit_sans_tenir_compte_des_majuscules_et_refuse_yes(contenu_petit):
    remplacer(contenu_petit / "urgences.yaml", "sms: oui", "sms: OUI")
    assert construire_modele(contenu_petit, "contenu")["urgences"][2]["sms"] is True
    remplacer(contenu_petit / "urgences.yaml", "sms: OUI", "sms: yes")
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(contenu_petit, "contenu")
    assert str(erreur.value) == (
        "1 erreur dans le contenu :\n\ncontenu/urgences.yaml, ligne 7 : urgence : « sms » doit "
        "valoir « oui » ou « non », pas « yes ».\n  → Écrivez « oui » ou « non ».")


def test_un_fichier_utf_8_avec_marque_d_ordre_d_octets_est_lu(contenu_petit):
    territoire = contenu_petit / "territoire.yaml"
    territoire.write_bytes(b"\xef\xbb\xbf" + territoire.read_bytes())
    assert construire_modele(contenu_petit, "contenu")["territoire"]["nom"] == (
        "Communauté de communes d'Essai")


@pytest.mark.parametrize("scenario", ["territoire_en_windows_1252", "urgences_en_windows_1252"])
def test_verifier_et_construire_disent_l_encodage_sans_trace_python(scenario, tmp_path, capsys):
    contenu = preparer(scenario, tmp_path)
    assert main(["verifier", str(contenu)]) == 1
    verifie = capsys.readouterr()
    assert construire(contenu, tmp_path / "sortie") == 1
    construit = capsys.readouterr()
    for sortie in (verifie.err, construit.err):
        assert "Traceback" not in sortie
        assert "n'est pas enregistré en UTF-8 mais, semble-t-il, en Windows-1252" in sortie
        assert "Enregistrez-le en UTF-8" in sortie
    assert construit.err.endswith("Le site n'a pas été construit. Corrigez ces erreurs puis relancez.\n")


def test_un_code_insee_entre_guillemets_du_departement_01_garde_son_zero(contenu_petit):
    remplacer(contenu_petit / "territoire.yaml", "competences:",
              '  - insee: "01053"\n    nom: Bourg-en-Bresse\n    codes_postaux: ["01000"]\n'
              "competences:")
    remplacer(contenu_petit / "territoire.yaml", "par_defaut: mairie-{commune}",
              "par_defaut: mairie-{commune}\n    exceptions:\n      \"01053\": cc-essai")
    modele = construire_modele(contenu_petit, "contenu")
    assert modele["territoire"]["communes"][-1] == {
        "insee": "01053", "nom": "Bourg-en-Bresse", "slug": "bourg-en-bresse",
        "codes_postaux": ["01000"]}
    assert modele["competences"]["voirie-communale"]["par_commune"]["01053"] == "cc-essai"


def test_un_code_insee_sans_guillemets_n_est_jamais_range_sous_un_autre_code(tmp_path):
    contenu = preparer("code_insee_sans_guillemets", tmp_path)
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(contenu, "contenu")
    texte = str(erreur.value)
    assert "00555" not in texte and "00512" not in texte
    assert ("commune Bourg-en-Bresse : le code INSEE 01053 est écrit sans guillemets : YAML y lit "
            "le nombre 555") in texte
    assert "le code postal 01000 est écrit sans guillemets : YAML y lit le nombre 512" in texte


def test_une_competence_cassee_donne_une_seule_erreur_et_une_ligne_de_consequences(tmp_path):
    contenu = preparer("competence_cassee_en_cascade", tmp_path)
    with pytest.raises(ErreursContenu) as erreur:
        construire_modele(contenu, "contenu")
    rapport = erreur.value.rapport
    assert len(rapport.erreurs) == 1 and len(rapport.consequences) == 3
    lignes = str(erreur.value).split("\n")
    assert lignes[0] == "1 erreur dans le contenu :"
    assert lignes[2].startswith("contenu/territoire.yaml, ligne 13 : compétence « voirie-communale »")
    assert lignes[-1] == ("  … et 3 pages du parcours qui utilisent cette compétence : corrigez "
                          "d'abord l'erreur ci-dessus.")


def test_une_consequence_sans_cause_connue_est_affichee_telle_quelle():
    rapport = Rapport(racine="contenu")
    rapport.consequence("competence:eau", "contenu/arbre/10-eau.md", 4,
                        "la compétence « eau » n'existe pas dans territoire.yaml.", "")
    assert rapport.texte() == (
        "1 erreur dans le contenu :\n\ncontenu/arbre/10-eau.md, ligne 4 : la compétence « eau » "
        "n'existe pas dans territoire.yaml.")


def test_les_erreurs_du_territoire_et_des_services_passent_avant_celles_du_parcours():
    rapport = Rapport(racine="contenu")
    rapport.ajouter("contenu/arbre/10-a.md", 2, "a.")
    rapport.ajouter("contenu/pages/accessibilite.md", 1, "p.")
    rapport.ajouter("contenu/gestionnaires/grdf.md", 3, "g.")
    rapport.ajouter("contenu/territoire.yaml", 9, "t.")
    assert [e.split(",")[0] for e in rapport.texte().split("\n\n")[1:]] == [
        "contenu/territoire.yaml", "contenu/gestionnaires/grdf.md", "contenu/arbre/10-a.md",
        "contenu/pages/accessibilite.md"]


@pytest.mark.parametrize("nom", ["index.md~", ".index.md.swp", "#index.md#", "index.md.bak",
                                 "index.md.orig", "~$index.md", "Thumbs.db", ".DS_Store"])
def test_une_sauvegarde_d_editeur_n_empeche_pas_de_publier(contenu_petit, tmp_path, nom, capsys):
    for dossier in ("arbre/10-voirie", "gestionnaires", "pages"):
        (contenu_petit / dossier / nom).write_text("copie de travail ---", encoding="utf-8")
    assert main(["verifier", str(contenu_petit)]) == 0
    sortie = capsys.readouterr().out
    if nom.startswith("."):  # un fichier caché du système : rien à dire
        assert "Note" not in sortie
        return
    assert sortie.split("\n")[0] == (
        f"Note : 3 fichiers ignorés (des sauvegardes ou verrous d'éditeur, qui ne sont pas "
        f"publiés) : {contenu_petit}/arbre/10-voirie/{nom}, {contenu_petit}/gestionnaires/{nom}, "
        f"{contenu_petit}/pages/{nom}.")
    assert construire(contenu_petit, tmp_path / "sortie") == 0
    assert "Note : 3 fichiers ignorés" in capsys.readouterr().out


def test_le_modele_public_ne_contient_aucun_chemin_de_la_machine(contenu_petit, tmp_path):
    assert construire(contenu_petit, tmp_path / "sortie") == 0
    texte = (tmp_path / "sortie" / "modele.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in texte
    modele = json.loads(texte)
    assert modele["noeuds"]["voirie"]["source"] == "arbre/10-voirie/index.md"
    assert modele["gestionnaires"]["grdf"]["source"] == "gestionnaires/grdf.md"
