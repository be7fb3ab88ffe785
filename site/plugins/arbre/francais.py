"""Écrire « d'Ambon », « du Guerno », « au Guerno » : l'élision et la contraction en français.

Deux usages :

- `a_la_commune`, `a_service` et `de_service` composent un texte à partir d'un nom (« à {commune} »,
  « les liens de {service} ») pour les gabarits du site et des fonctions ;
- `fautes_d_elision` trouve dans un nom écrit par un rédacteur (le `nom` d'un service, du
  territoire, de la coordination) un « de Ambon » ou un « de Le Guerno » et donne la bonne
  forme. Pour un nom de commune, la règle vient de l'INSEE (le type de nom, `tncc`, qui
  connaît les h muets : « d'Hennebont » mais « de Haguenau ») ; pour les autres mots, seule
  une voyelle compte, car un h peut être muet ou aspiré (« l'hôpital », « le hall »).

>>> a_la_commune("Le Guerno"), a_la_commune("Muzillac"), a_la_commune("Les Fougerêts")
('au Guerno', 'à Muzillac', 'aux Fougerêts')
>>> de_service("Enedis, dépannage électricité")
"d'Enedis, dépannage électricité"
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_VOYELLES = "aeiouyàâäéèêëîïôöùûüœæ"
# Des mots qui commencent par une voyelle mais ne s'élident pas (« le onze », « le yacht »).
_SANS_ELISION = {"onze", "onzième", "oui", "ouistiti", "uhlan", "yacht", "yaourt", "yoga",
                 "yéti", "yoyo"}
_ARTICLES = {"Le": ("du", "au"), "Les": ("des", "aux"), "Aux": ("des", "aux")}
# Le mot qui suit : lettres (accents compris), apostrophes et tirets.
_MOT = r"[^\W\d_][\w'’-]*"


def commence_par_une_voyelle(mot: str) -> bool:
    """Vrai si `mot` s'élide devant : voyelle (« Ambon », « Arc »), y suivi d'une consonne
    (« Yffiniac »). Un h n'est jamais compté : il peut être aspiré."""
    if not mot or mot.lower().strip("'’-") in _SANS_ELISION:
        return False
    premier = mot[0].lower()
    if premier == "y":
        return len(mot) > 1 and mot[1].lower() not in _VOYELLES
    return premier in _VOYELLES


def _article(nom: str) -> tuple[str, str] | None:
    premier, _, reste = nom.partition(" ")
    return (premier, reste) if premier in _ARTICLES and reste else None


def a_la_commune(nom: str) -> str:
    """« à Muzillac », « au Guerno », « aux Fougerêts », « à La Roche-Bernard »."""
    article = _article(nom)
    if article:
        return f"{_ARTICLES[article[0]][1]} {article[1]}"
    return f"à {nom}"


def a_service(nom: str) -> str:
    """« à Enedis », « au Logis de l'Arc Sud » : « à » devant le nom d'un service (mêmes
    règles que `a_la_commune`)."""
    return a_la_commune(nom)


def de_service(nom: str) -> str:
    """« de Mairie de Muzillac », « d'Enedis », « du Logis… » : « de » devant le nom d'un
    service, élidé devant une voyelle et contracté devant « Le » ou « Les »."""
    article = _article(nom)
    if article:
        return f"{_ARTICLES[article[0]][0]} {article[1]}"
    return f"d'{nom}" if commence_par_une_voyelle(nom) else f"de {nom}"


def de_la_commune(nom: str, tncc: int | None) -> str:
    """« de Muzillac », « d'Ambon », « du Guerno », « de La Roche-Bernard », d'après le type
    de nom (TNCC) de l'INSEE ; sans lui, comme `de_service`."""
    if tncc is None:
        return de_service(nom)
    if tncc == 1:
        return f"d'{nom}"
    article = _article(nom)
    if tncc in (2, 4, 6) and article:
        return f"{_ARTICLES[article[0]][0]} {article[1]}"
    return f"de {nom}"


@dataclass(frozen=True)
class FauteElision:
    ecrit: str  # « de Ambon »
    correct: str  # « d'Ambon »
    corrige: str  # le nom entier, corrigé : « Mairie d'Ambon »


def fautes_d_elision(nom: str, communes: Iterable[tuple[str, int | None]] = ()) -> list[FauteElision]:
    """Les « de Ambon », « de Le Guerno », « que il », « la eau » de `nom`, avec leur forme
    correcte. `communes` donne des noms de commune avec leur type de nom (TNCC) de l'INSEE :
    s'il en suit un, c'est l'INSEE qui dit la forme (« d'Hennebont » par exemple).

    >>> [f.corrige for f in fautes_d_elision("Mairie de Le Guerno", [("Le Guerno", 2)])]
    ['Mairie du Guerno']
    >>> fautes_d_elision("Mairie de La Roche-Bernard", [("La Roche-Bernard", 3)])
    []
    """
    par_longueur = sorted(communes, key=lambda c: -len(c[0]))
    fautes = []
    # Le mot qui suit est lu sans être consommé : « de la eau » vérifie « de la » puis « la eau ».
    for trouve in re.finditer(r"(?<![\w'’-])(de|De|que|Que|le|la|à|À) (?=(" + _MOT + "))", nom):
        mot_outil, suite = trouve.group(1), nom[trouve.start(2):]
        correct = _forme_correcte(mot_outil, suite, par_longueur)
        if correct:
            ecrit = nom[trouve.start():trouve.start(2)] + correct[1]
            fautes.append(FauteElision(ecrit, correct[0], ""))
    corrige = nom
    for faute in fautes:
        corrige = corrige.replace(faute.ecrit, faute.correct, 1)
    return [FauteElision(f.ecrit, f.correct, corrige) for f in fautes]


def _forme_correcte(mot_outil: str, suite: str, communes) -> tuple[str, str] | None:
    """(forme correcte, mots concernés tels qu'écrits), ou None si rien n'est à corriger."""
    mot = re.match(_MOT, suite).group()
    majuscule = mot_outil[0].isupper()
    if mot_outil.lower() in ("de", "à"):
        commune = next((c for c in communes if re.match(re.escape(c[0]) + r"(?![\w'’-])", suite)),
                       None)
        if commune:
            return _devant_une_commune(mot_outil, commune)
        # « de Le Guerno », « à Les Sables » : l'article d'un nom propre est contracté. En
        # minuscules, « de le » est souvent juste (« demandez-lui de le faire ») : rien à dire.
        article = _article(suite)
        premier = re.match(_MOT, article[1]) if article else None
        if premier:
            contracte = _ARTICLES[article[0]][0 if mot_outil.lower() == "de" else 1]
            premier_mot = premier.group()
            contracte = contracte.capitalize() if majuscule else contracte
            return f"{contracte} {premier_mot}", suite[:len(article[0]) + 1 + len(premier_mot)]
        if mot_outil.lower() == "à":
            return None
    if mot_outil.lower() in ("le", "la") and (majuscule or mot[0].isupper()):
        return None  # « La Roche-Bernard », « le Arzal » : un nom propre, pas un article
    if not commence_par_une_voyelle(mot):
        return None
    elide = {"de": "d'", "que": "qu'", "le": "l'", "la": "l'"}[mot_outil.lower()]
    return (elide.capitalize() if majuscule else elide) + mot, mot


def _devant_une_commune(mot_outil: str, commune: tuple[str, int | None]) -> tuple[str, str] | None:
    nom, tncc = commune
    majuscule = mot_outil[0].isupper()
    if mot_outil.lower() == "à":
        correct = a_la_commune(nom)
        if correct == f"à {nom}":
            return None
        return (correct.capitalize() if majuscule else correct), nom
    correct = de_la_commune(nom, tncc)
    if tncc is None or correct == f"de {nom}":
        return None
    return (correct[0].upper() + correct[1:] if majuscule else correct), nom
