"""Le Markdown des rédacteurs en HTML, sans HTML brut (il est affiché tel quel, échappé).

Les numéros de téléphone français écrits dans le texte deviennent des liens `tel:` (et le
114, qui se joint par SMS, un lien `sms:`), pour qu'un habitant puisse appeler d'un doigt :

- un numéro à 10 chiffres commençant par 0, quel que soit son découpage
  (« 09 72 67 50 56 », « 0 800 47 33 33 », « 0806 706 806 », « 02.61.91.00.01 ») ;
- un numéro court national (15, 17, 18, 112, 114, 115, 119, 3919…) seulement quand il est
  annoncé par « le » ou « au » (« appelez le 18 », « un SMS au 114 ») et n'est pas une date
  ou une quantité (« le 15 mai », « le 17 à 9 h », « au 18 h »).

Les autres nombres ne sont pas touchés : dates, montants, codes postaux, routes (« D 20 »,
« N165 »). Un numéro déjà dans un lien ou dans du code reste tel quel.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .schema import telephone

_SEPARATEUR = r"[ .\u00a0\u202f-]"
_LONG = rf"(?<![\d,])0{_SEPARATEUR}?[1-9](?:{_SEPARATEUR}?\d){{8}}(?!{_SEPARATEUR}?\d)"
# Les numéros courts nationaux, du plus long au plus court pour que « 112 » ne soit pas lu « 11 ».
COURTS = ("116 000", "116 006", "116 117", "3919", "3977", "3020", "3114", "3237", "3624", "112",
          "114", "115", "119", "191", "196", "197", "15", "17", "18")
_SMS = {"114"}
_PAS_UN_NUMERO = (r"(?:janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|"
                  r"octobre|novembre|décembre|decembre|h|heures?|min|minutes?|km|kilomètres?|m|"
                  r"mètres?|cm|%|€|euros?|ans?|jours?|mois|semaines?|fois|personnes|"
                  r"[àa]\s+\d|au\s+\d|et\s+le\s+\d)(?![\w])")
_COURT = (rf"(?<![\w'’])(?:le|Le|au|Au)[ \u00a0](?P<court>{'|'.join(map(re.escape, COURTS))})"
          rf"(?![\d\w/:,.-]\d|\w|\s+{_PAS_UN_NUMERO}|{_SEPARATEUR}?\d)")
_NUMERO = re.compile(rf"(?P<long>{_LONG})|{_COURT}")
_NE_PAS_TOUCHER = {"a", "code", "pre"}


def liens_telephone(texte: str) -> list[tuple[int, int, str]]:
    """Les numéros de `texte` : (début, fin, URI), dans l'ordre.

    >>> liens_telephone("Appelez le 18, puis Enedis au 09 72 67 50 56.")
    [(11, 13, 'tel:18'), (33, 47, 'tel:+33972675056')]
    """
    trouves = []
    for m in _NUMERO.finditer(texte):
        if m.group("long"):
            numero = telephone(m.group("long"))
            if numero:
                trouves.append((m.start("long"), m.end("long"), numero[1]))
        else:
            court = m.group("court")
            uri = f"sms:{court}" if court in _SMS else f"tel:{court.replace(' ', '')}"
            trouves.append((m.start("court"), m.end("court"), uri))
    return trouves


class _LiensTelephone(Treeprocessor):
    """Remplace, dans le texte (hors liens et code), chaque numéro par un lien."""

    def run(self, racine: etree.Element) -> None:
        self._parcourir(racine)

    def _parcourir(self, element: etree.Element) -> None:
        if element.tag in _NE_PAS_TOUCHER:
            return
        element.text, nouveaux = _decouper(element.text)
        for i, lien in enumerate(nouveaux):
            element.insert(i, lien)
        for enfant in list(element)[len(nouveaux):]:
            self._parcourir(enfant)
            enfant.tail, suivants = _decouper(enfant.tail)
            position = list(element).index(enfant) + 1
            for i, lien in enumerate(suivants):
                element.insert(position + i, lien)


def _decouper(texte: str | None) -> tuple[str | None, list[etree.Element]]:
    """(le texte avant le premier numéro, [un lien par numéro, le texte qui le suit en `tail`])."""
    trouves = liens_telephone(texte) if texte else []
    liens = []
    for k, (debut, fin, uri) in enumerate(trouves):
        lien = etree.Element("a", {"class": "tel", "href": uri})
        lien.text = texte[debut:fin]
        lien.tail = texte[fin:trouves[k + 1][0] if k + 1 < len(trouves) else len(texte)]
        liens.append(lien)
    return (texte[:trouves[0][0]] if trouves else texte), liens


class LiensTelephone(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (API de Markdown)
        # Après les liens et le code (« inline », 20), avant le reste.
        md.treeprocessors.register(_LiensTelephone(md), "liens_telephone", 15)


_md = markdown.Markdown(extensions=["sane_lists", LiensTelephone()], output_format="html")
# Le HTML brut écrit dans le contenu est échappé, jamais interprété : il n'y a pas de
# script ni de style en ligne possible (la CSP les interdit de toute façon).
_md.preprocessors.deregister("html_block")
_md.inlinePatterns.deregister("html")


def en_html(texte: str) -> str:
    if not texte.strip():
        return ""
    return _md.reset().convert(texte)
