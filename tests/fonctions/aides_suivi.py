"""Aides des tests du suivi entre services : poster, lire les liens, agir comme un agent."""

from __future__ import annotations

import re
from html import unescape

from aides_fonctions import champs_valides

NAVIGATEUR = {"Accept": "text/html,application/xhtml+xml"}


def poster(client, **champs) -> dict:
    reponse = client.post("/api/signalements", json=champs_valides(**champs))
    assert reponse.status_code == 201, reponse.text
    return reponse.json()


def jeton_de_suivi(corps: dict) -> str:
    return corps["suivi"].rpartition("#")[2]


def suivre(client, jeton: str, chemin: str = "/api/suivi"):
    return client.get(chemin, headers={"Authorization": f"Jeton {jeton}"})


def lien_agent(message) -> str:
    """Le chemin du lien de prise en charge lu dans un courriel (partie texte)."""
    texte = message.get_body(("plain",)).get_content()
    lien = next(ligne for ligne in texte.splitlines() if "/api/agent/" in ligne)
    return "/api/agent/" + lien.partition("/api/agent/")[2].strip()


def csrf_de(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def agir(client, lien: str, action: str, **champs):
    """Ouvre la page de l'agent, puis envoie le formulaire ``action`` (comme un navigateur)."""
    page = client.get(lien)
    assert page.status_code == 200, page.text
    return client.post(lien, data={"csrf": csrf_de(page.text), "action": action, **champs},
                       headers=NAVIGATEUR, follow_redirects=False)


def texte_de(html: str) -> str:
    """Le texte visible d'une page, espaces réduits (pour des assertions lisibles)."""
    sans_style = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)
    en_ligne = re.sub(r"</?(strong|a|span|em|time|abbr|code)\b[^>]*>", "", sans_style)
    sans_balises = re.sub(r"<[^>]+>", " ", en_ligne)
    return re.sub(r"\s+", " ", unescape(sans_balises)).strip()
