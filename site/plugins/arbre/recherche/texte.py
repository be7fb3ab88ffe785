"""Le texte tel que la recherche le compare : mots, mots vides, racines.

C'est la moitié Python d'un algorithme écrit deux fois : `site/theme/static/js/recherche.js`
fait exactement la même chose dans le navigateur, et des vecteurs de test partagés
(`tests/arbre/recherche/vecteurs.json`) le prouvent. Toute modification ici se reporte là-bas.

Étapes, pour un texte tapé par un habitant ::

    >>> normaliser("L'ŒIL-de-bœuf  ÉTEINT !")
    'l oeil de boeuf éteint'
    >>> mots("Les poubelles ne sont pas ramassées")
    ['poubelles', 'ramassées']
    >>> racine("ramassées")
    'ramass'
    >>> cles("ramassées")   # ce que l'index garde pour un mot du contenu
    ('ramass', 'ramasse')

- **normaliser** : forme NFC, minuscules, ligatures (œ, æ) défaites, apostrophes et traits
  d'union remplacés par des espaces, puis les seuls mots (lettres latines et chiffres),
  séparés par une espace ; les accents restent (la racinisation en a besoin) ;
- **mots** : les suites de lettres et de chiffres, sans les mots vides (comparés sans
  accents) ; un mot d'une seule lettre ne compte pas ;
- **racine** : l'algorithme français de Snowball (`snowballstemmer`, le même que le
  navigateur, voir `docs/recherche.md` ; sa version compilée, PyStemmer, quand elle est
  installée), puis les accents retirés ;
- **cles** : les racines d'un mot, celle du mot tel qu'il est écrit et celle du mot écrit
  sans accents (« électricité » donne « electr », « electricite » donne « electricit » :
  l'habitant qui tape sans accents trouve quand même), et le mot lui-même sans accents
  quand une racine est courte (3 lettres au plus : « mari » et « marée » ont la même).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import snowballstemmer

# Les caractères d'un mot : chiffres, lettres latines, avec ou sans accent (après les
# minuscules ; œ et æ sont déjà défaits). Le navigateur emploie la même liste.
LETTRES = "0-9a-zàáâãäåçèéêëìíîïñòóôõöùúûüýÿ"
_MOT = re.compile(f"[{LETTRES}]+")
_SEPARATEURS = re.compile("['’ʼ‘`´\\-‐‑‒–—]")
_ACCENTS = re.compile("[\u0300-\u036f]")

# Mots vides : la liste française de Snowball, quelques mots de liaison courants, les
# formules d'une phrase entière (« Bonjour, je voudrais signaler un problème… ») : ici,
# toute recherche signale un problème, ces mots-là ne distinguent rien. Écrits sans
# accents : un mot est comparé à cette liste une fois ses accents retirés.
MOTS_VIDES = frozenset("""
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me
meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes
toi ton tu un une vos votre vous c d j l a m n s t y ete etee etees etes etant etante
etants etantes suis es est sommes sont serai seras sera serons serez seront serais serait
serions seriez seraient etais etait etions etiez etaient fus fut fumes futes furent sois
soit soyons soyez soient fusse fusses fussions fussiez fussent ayant ayante ayantes ayants
eu eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait
aurions auriez auraient avais avait avions aviez avaient eut eumes eutes eurent aie aies
ait ayons ayez aient eusse eusses eussions eussiez eussent
cet cette cela ca ceci celui celle ceux celles leurs sans sous chez tres trop plus moins
aussi deja encore toujours jamais tout tous toute toutes rien quelque quelques ici la
voici voila donc si alors quand comme dont quoi comment pourquoi quel quelle quels
quelles lequel laquelle ni or ou puis bien non oui depuis pendant vers
bonjour bonsoir merci svp stp madame monsieur voudrais voudrait veux veut aimerais
signaler signale signalez signalement signalements probleme problemes
""".split())

_snowball = snowballstemmer.stemmer("french")


def normaliser(texte: str) -> str:
    """Les mots du texte, en minuscules, ligatures défaites, séparés par une espace."""
    texte = unicodedata.normalize("NFC", texte or "").lower()
    texte = texte.replace("œ", "oe").replace("æ", "ae")
    return " ".join(_MOT.findall(_SEPARATEURS.sub(" ", texte)))


def plier(mot: str) -> str:
    """Le mot sans accents : « éteint » → « eteint »."""
    return _ACCENTS.sub("", unicodedata.normalize("NFD", mot))


def mots(texte: str, vides: frozenset[str] = MOTS_VIDES) -> list[str]:
    """Les mots qui comptent, dans l'ordre, accents gardés (doublons compris) : ni mot d'une
    lettre, ni mot vide (`vides`, comparés sans accents)."""
    return [m for m in normaliser(texte).split() if len(m) >= 2 and plier(m) not in vides]


@functools.lru_cache(maxsize=65536)
def racine(mot: str) -> str:
    """La racine Snowball du mot tel qu'il est écrit, sans accents."""
    return plier(_snowball.stemWord(mot))


# Une racine de 3 lettres au plus réunit souvent des mots sans rapport (« mari », « marée »
# et « mare » donnent `mar` ; « gare » et « garée », `gar`) : le mot lui-même est alors une
# clé de plus, qui compte davantage que la racine (voir `moteur.QUALITE_RACINE_COURTE`).
RACINE_COURTE = 3


@functools.lru_cache(maxsize=65536)
def cles(mot: str) -> tuple[str, ...]:
    """Les racines du mot écrit avec et sans accents, et le mot sans accents si l'une d'elles
    est courte, sans doublon : ce que l'index garde d'un mot du contenu, et ce qu'un mot de la
    requête doit y retrouver."""
    plie = plier(mot)
    racines = (racine(mot), racine(plie))
    courte = any(len(r) <= RACINE_COURTE for r in racines)
    return tuple(dict.fromkeys((*racines, plie) if courte else racines))
