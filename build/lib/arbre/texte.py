"""Le Markdown des rédacteurs en HTML, sans HTML brut (il est affiché tel quel, échappé)."""

from __future__ import annotations

import markdown

_md = markdown.Markdown(extensions=["sane_lists"], output_format="html")
# Le HTML brut écrit dans le contenu est échappé, jamais interprété : il n'y a pas de
# script ni de style en ligne possible (la CSP les interdit de toute façon).
_md.preprocessors.deregister("html_block")
_md.inlinePatterns.deregister("html")


def en_html(texte: str) -> str:
    if not texte.strip():
        return ""
    return _md.reset().convert(texte)
