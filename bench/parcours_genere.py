"""Le parcours généré des mesures (make bench) : un grand parcours, et au besoin un grand
territoire, écrits dans un dossier de contenu ordinaire que `python -m arbre construire` lit.

- `generer_parcours(dossier, vocabulaire)` : 3 000 nœuds environ (30 familles × 10 questions
  × issues), écrits avec des mots tirés au hasard (graine fixe) dans `vocabulaire`. C'est le
  parcours de bench/recherche.py (la taille et le temps de l'index).
- `generer_parcours(…, communes=300)` : le même parcours sur un territoire de 300 communes
  réelles (les premières d'Ille-et-Vilaine dans la liste officielle), chacune avec sa mairie,
  et `par_commune` issues dont le service dépend de la commune (des transmissions avec
  formulaire, les pages les plus lourdes). C'est celui de bench/grand_territoire.py
  (issue 14 : ce que télécharge le téléphone sur un grand territoire).

Sans `communes`, le contenu écrit est exactement celui d'avant (mêmes tirages) : les
chiffres de la recherche restent comparables d'une version à l'autre.
"""

from __future__ import annotations

import random
import shutil
import sys
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
PETIT = RACINE / "tests" / "arbre" / "contenus" / "petit"
NOEUDS_GENERES = 3000
DEPARTEMENT = "35"  # Ille-et-Vilaine : 333 communes, de quoi en prendre 300


def vocabulaire_etendu(mots: list[str], taille: int = 12_000) -> list[str]:
    """Les mots du contenu de démonstration, et assez de mots inventés (le début d'un mot et
    la fin d'un autre, graine fixe) pour un vocabulaire de la taille de celui d'un parcours
    de 3 000 nœuds : c'est lui que parcourt la recherche des fautes de frappe."""
    hasard = random.Random(12)
    inventes = set(mots)
    while len(inventes) < taille:
        a, b = hasard.choice(mots), hasard.choice(mots)
        inventes.add(a[: len(a) // 2] + b[len(b) // 2:])
    return sorted(inventes)


def vocabulaire_de_la_demo() -> list[str]:
    """Les mots de plus de trois lettres du parcours de démonstration (contenu/arbre)."""
    sys.path.insert(0, str(RACINE / "site" / "plugins"))
    from arbre.recherche.texte import normaliser

    return sorted({m for p in (RACINE / "contenu" / "arbre").rglob("*.md")
                   for m in normaliser(p.read_text(encoding="utf-8")).split() if len(m) > 3})


def communes_du_departement(nombre: int, departement: str = DEPARTEMENT) -> list:
    """Les `nombre` premières communes (par code INSEE) d'un département, dans la liste
    officielle, sans deux noms qui donneraient la même adresse."""
    sys.path.insert(0, str(RACINE / "site" / "plugins"))
    from arbre.communes_officielles import communes
    from arbre.territoire import simplifier

    choisies, slugs = [], set()
    for insee, commune in sorted(communes().items()):
        if not insee.startswith(departement) or not commune.codes_postaux:
            continue
        slug = simplifier(commune.nom)
        if slug in slugs:
            continue
        slugs.add(slug)
        choisies.append((commune, slug))
        if len(choisies) == nombre:
            return choisies
    raise ValueError(f"Le département {departement} n'a pas {nombre} communes.")


def _ecrire_territoire(dossier: Path, communes: int) -> None:
    """Remplace le territoire du petit contenu par `communes` communes réelles, chacune avec
    sa mairie (le service de la voirie communale)."""
    from arbre.francais import de_la_commune

    lignes = ["nom: Territoire généré", "coordination:", "  nom: Coordination des signalements",
              "  courriels: [coordination@essai.example.org]", "communes:"]
    gestionnaires = dossier / "gestionnaires"
    for ancien in gestionnaires.glob("mairie-*.md"):
        ancien.unlink()
    for n, (commune, slug) in enumerate(communes_du_departement(communes)):
        lignes += [f'  - insee: "{commune.insee}"', f'    nom: "{commune.nom}"',
                   f'    codes_postaux: ["{commune.codes_postaux[0]}"]']
        (gestionnaires / f"mairie-{slug}.md").write_text(
            f"---\nnom: \"Mairie {de_la_commune(commune.nom, commune.tncc)}\"\nnature: commune\n"
            "missions: Voirie communale, propreté, espaces verts.\n"
            f"telephone: \"02 99 {n // 100:02d} {n % 100:02d} 00\"\n"
            "horaires: Du lundi au vendredi, de 9 h à 12 h\n"
            f"courriel: mairie@{slug}.example.org\ntransmission: courriel\n"
            f"adresse_transmission: services-techniques@{slug}.example.org\n"
            "delai_prise_en_charge: 3\n---\nVérifiez sur place sous 48 heures.\n",
            encoding="utf-8")
    lignes += ["competences:", "  voirie-communale:", "    libelle: Entretien des voies communales",
               "    par_defaut: mairie-{commune}", "  dechets:", "    libelle: Collecte des déchets",
               "    par_defaut: cc-essai"]
    (dossier / "territoire.yaml").write_text("\n".join(lignes) + "\n", encoding="utf-8")


ISSUE_PAR_COMMUNE = """---
type: transmission
libelle: "{libelle}"
indice: "{indice}"
mots_cles: {mots_cles}
competence: voirie-communale
pourquoi: L'entretien des rues communales revient à votre mairie.
formulaire:
  photo: facultative
  localisation: obligatoire
  questions:
    - id: taille
      libelle: Quelle est la taille du trou ?
      type: choix
      choix: [Moins qu'une main, Comme une assiette, Plus grand]
      obligatoire: oui
---
{texte}
"""


def generer_parcours(dossier: Path, vocabulaire: list[str], noeuds: int = NOEUDS_GENERES,
                     communes: int = 0, par_commune: int = 10) -> int:
    """Écrit dans `dossier` un parcours de `noeuds` nœuds environ (familles × questions ×
    issues), écrit avec des mots tirés au hasard (graine fixe) dans `vocabulaire` ; rend le
    nombre de nœuds. Avec `communes`, le territoire a ce nombre de communes et `par_commune`
    issues (la première de la première question de familles réparties) dépendent de la
    commune."""
    hasard = random.Random(3000)
    shutil.copytree(PETIT, dossier)
    if communes:
        _ecrire_territoire(dossier, communes)
    arbre = dossier / "arbre"
    shutil.rmtree(arbre)
    arbre.mkdir()

    def phrase(n: int) -> str:
        return " ".join(hasard.choice(vocabulaire) for _ in range(n))

    def mots_cles(n: int) -> str:
        return "[" + ", ".join(phrase(1) for _ in range(n)) + "]"

    (arbre / "index.md").write_text("---\nlibelle: Accueil\nquestion: Quel est le problème ?\n---\n")
    compte, familles, questions = 1, 30, 10
    issues = -(-(noeuds - 1 - familles - familles * questions) // (familles * questions))
    # Les familles qui portent une issue « par commune », réparties sur tout le parcours.
    avec_commune = {f * familles // par_commune for f in range(par_commune)} if communes else set()
    for f in range(familles):
        famille = arbre / f"{(f + 1) * 10}-famille-{f}"
        famille.mkdir()
        (famille / "index.md").write_text(
            f"---\nlibelle: \"{phrase(4)}\"\nindice: \"{phrase(6)}\"\nmots_cles: {mots_cles(6)}\n"
            f"question: Que voyez-vous ?\n---\n{phrase(30)}\n")
        compte += 1
        for q in range(questions):
            question = famille / f"{(q + 1) * 10}-question-{q}"
            question.mkdir()
            (question / "index.md").write_text(
                f"---\nlibelle: \"{phrase(5)}\"\nquestion: Précisez ?\n---\n{phrase(20)}\n")
            compte += 1
            for i in range(issues):
                destination = "competence: dechets" if i % 2 else "gestionnaire: cc-essai"
                libelle, indice, cles, texte = phrase(6), phrase(8), mots_cles(8), phrase(40)
                if f in avec_commune and q == 0 and i == 0:
                    contenu = ISSUE_PAR_COMMUNE.format(libelle=libelle, indice=indice,
                                                       mots_cles=cles, texte=texte)
                else:
                    contenu = (f"---\ntype: orientation\nlibelle: \"{libelle}\"\n"
                               f"indice: \"{indice}\"\nmots_cles: {cles}\n{destination}\n"
                               f"pourquoi: Parce que.\n---\n{texte}\n")
                (question / f"{(i + 1) * 10}-issue-{i}.md").write_text(contenu)
                compte += 1
    return compte
