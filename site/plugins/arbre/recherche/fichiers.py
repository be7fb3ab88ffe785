"""Les fichiers de l'index de la recherche (version 4) : un seul `recherche.json` pour un petit
parcours, une base et des morceaux pour un grand.

L'index (`index.index_recherche`) est écrit tel quel dans `recherche.json` tant qu'il pèse au
plus `seuil` octets gzip (100 Ko par défaut ; à la construction, `AIGUILLAGE_RECHERCHE_SEUIL`
en Ko, et `AIGUILLAGE_RECHERCHE_MORCEAU` pour les morceaux de postes, 4 Ko par défaut) : le
contenu de démonstration (20 Ko) reste un seul fichier, lu d'un coup. Au-delà, le téléphone ne
télécharge au premier usage que la **base**, `recherche.json`, et les
**morceaux** dont une requête a besoin, dans `recherche/` ::

    {"version": 4,
     "termes": "Aabim…",                 # par préfixes communs (voir `coder_termes`)
     "noms_des_sortes": ["orientation", "question", …],
     "sortes": "1021…",                  # la sorte de chaque page (un chiffre d'`ALPHABET`)
     "services": […], "competences": {…}, "communes": […], "mots_vides": […],
     "morceaux": {"postes": [[premier terme, "recherche/postes-00-<empreinte>.json"], …],
                  "pages": ["recherche/pages-00-<empreinte>.json", …],
                  "pages_par_morceau": 64}}

- un morceau de postes est la liste des postes (codés comme en version 3) de termes
  consécutifs, du premier donné par la base au premier du morceau suivant ; les morceaux
  sont taillés pour peser environ `CIBLE_POSTES` octets gzip chacun ;
- un morceau de pages garde de quoi afficher `pages_par_morceau` pages consécutives :
  ``[adresse, libellé, chemin, service]`` (la sorte est dans la base : le classement en a
  besoin pour chaque page).

La base suffit à trouver les termes d'un mot (exacts, débuts, fautes) sans aucun poste.
L'empreinte du contenu est dans le nom de chaque morceau : une base ne lit jamais le morceau
d'une autre construction (un worker qui garde l'ancienne base demande les anciens noms).

Un `recherche.json` d'un seul fichier a les mêmes clés qu'une base, mais `pages` et `postes`
à la place de `morceaux` et des sortes. `moteur.Index.lire` lit les deux (et les versions 2
et 3) ; `recherche.js` aussi, morceau par morceau.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re

from ..erreurs import ErreursContenu, Rapport
from .moteur import ALPHABET

SEUIL = 100 * 1024
CIBLE_POSTES = 4 * 1024
PAGES_PAR_MORCEAU = 64
DOSSIER = "recherche"
_TERME = re.compile("[0-9a-z]+")
_PREFIXE_MAX = 25  # « A » + 25 = « Z » : la longueur du préfixe commun tient en une majuscule


def _ko(environ, nom: str, defaut: int) -> int:
    """Un réglage de la construction en Ko ; une valeur fausse l'arrête (`ErreursContenu`,
    en français, comme les réglages de la carte)."""
    valeur = environ.get(nom, "").strip()
    if not valeur:
        return defaut
    try:
        ko = float(valeur)
    except ValueError:
        ko = -1
    if not ko >= 0:  # négatif, ou « nan »
        rapport = Rapport()
        rapport.ajouter(nom, None, f"« {valeur} » n'est pas un nombre de Ko positif.",
                        "Exemple : 100 (ou rien, pour la valeur par défaut).")
        raise ErreursContenu(rapport)
    return int(ko * 1024)


def seuil_de_la_construction(environ=os.environ) -> int:
    """Le seuil en octets gzip, d'après `AIGUILLAGE_RECHERCHE_SEUIL` (en Ko), 100 Ko sinon."""
    return _ko(environ, "AIGUILLAGE_RECHERCHE_SEUIL", SEUIL)


def cible_de_la_construction(environ=os.environ) -> int:
    """Le poids visé d'un morceau de postes en octets gzip, d'après
    `AIGUILLAGE_RECHERCHE_MORCEAU` (en Ko), 4 Ko sinon (au moins 512 octets)."""
    return max(512, _ko(environ, "AIGUILLAGE_RECHERCHE_MORCEAU", CIBLE_POSTES))


def texte_json(donnees) -> str:
    """Le JSON tel qu'il est publié (celui de `generateur._ecrire_json`)."""
    return json.dumps(donnees, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def gzip_octets(texte: str) -> int:
    return len(gzip.compress(texte.encode("utf-8"), 6))


def coder_termes(termes: list[str]) -> str:
    """Les termes triés, chacun écrit comme la longueur du préfixe qu'il partage avec le
    précédent (une majuscule : « A » pour 0) suivie du reste : ["abim", "abime"] → "AabimEe"
    (`moteur.decoder_termes` les relit)."""
    morceaux = []
    precedent = ""
    for terme in termes:
        if not _TERME.fullmatch(terme):
            raise ValueError(f"Terme inattendu dans l'index : « {terme} » (lettres a-z et chiffres).")
        commun = 0
        while (commun < min(len(precedent), len(terme), _PREFIXE_MAX)
               and precedent[commun] == terme[commun]):
            commun += 1
        morceaux.append(chr(65 + commun) + terme[commun:])
        precedent = terme
    return "".join(morceaux)


def _nommer(sorte: str, numero: int, texte: str) -> str:
    empreinte = hashlib.sha256(texte.encode("utf-8")).hexdigest()[:10]
    return f"{DOSSIER}/{sorte}-{numero:02d}-{empreinte}.json"


def decouper_postes(postes: list[str], cible: int = CIBLE_POSTES) -> list[int]:
    """Les numéros des premiers termes de chaque morceau : autant de morceaux que le poids
    gzip de tous les postes divisé par `cible`, de longueurs (en caractères) à peu près égales."""
    nombre = max(1, math.ceil(gzip_octets(texte_json(postes)) / cible))
    total = sum(len(p) + 3 for p in postes)  # les guillemets et la virgule
    debuts, cumul = [0], 0
    for numero, poste in enumerate(postes):
        if cumul >= total * len(debuts) / nombre and numero > debuts[-1]:
            debuts.append(numero)
        cumul += len(poste) + 3
    return debuts


def fichiers_recherche(index: dict, seuil: int = SEUIL, cible: int = CIBLE_POSTES,
                       pages_par_morceau: int = PAGES_PAR_MORCEAU) -> dict[str, str]:
    """{chemin relatif au site: texte JSON} des fichiers de l'index `index` (celui
    d'`index.index_recherche`) : `recherche.json` seul s'il pèse au plus `seuil` octets gzip,
    sinon la base et ses morceaux (voir l'en-tête)."""
    commun = {k: index[k] for k in ("version", "services", "competences", "communes", "mots_vides")}
    commun["termes"] = coder_termes(index["termes"])
    seul = texte_json({**commun, "pages": index["pages"], "postes": index["postes"]})
    if gzip_octets(seul) <= seuil:
        return {"recherche.json": seul}
    fichiers: dict[str, str] = {}
    debuts = decouper_postes(index["postes"], cible)
    morceaux_postes = []
    for numero, debut in enumerate(debuts):
        fin = debuts[numero + 1] if numero + 1 < len(debuts) else len(index["postes"])
        texte = texte_json(index["postes"][debut:fin])
        nom = _nommer("postes", numero, texte)
        fichiers[nom] = texte
        morceaux_postes.append([debut, nom])
    morceaux_pages = []
    for numero, debut in enumerate(range(0, len(index["pages"]), pages_par_morceau)):
        texte = texte_json([[a, libelle, chemin, service] for a, libelle, chemin, _, service
                            in index["pages"][debut:debut + pages_par_morceau]])
        nom = _nommer("pages", numero, texte)
        fichiers[nom] = texte
        morceaux_pages.append(nom)
    noms = sorted({p[3] for p in index["pages"]})
    base = {**commun, "noms_des_sortes": noms,
            "sortes": "".join(ALPHABET[noms.index(p[3])] for p in index["pages"]),
            "morceaux": {"postes": morceaux_postes, "pages": morceaux_pages,
                         "pages_par_morceau": pages_par_morceau}}
    return {"recherche.json": texte_json(base), **fichiers}
