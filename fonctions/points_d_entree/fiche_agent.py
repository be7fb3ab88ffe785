"""Ce que montre la page de l'agent, dans l'ordre où il en a besoin : le signalement d'abord
(quoi, où, les photos, le contact si le citoyen l'a permis, le suivi), puis ce qu'il faut
en faire (les consignes du contenu) et enfin les réponses (voir ``agent.py``).

Tout est calculé ici, sans requête ni écriture : ``agent.py`` l'affiche avec
``gabarits/agent.html``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from fonctions.domaine.chronologie import date_en_clair
from fonctions.domaine.contact import contact_pour_le_service
from fonctions.domaine.modele import Modele
from fonctions.domaine.statuts import est_ouverte

# Les cartes publiques ouvertes depuis la page : un lien, jamais une ressource chargée par la
# page (sa CSP n'en permet aucune, et la page part sans Referer).
OPENSTREETMAP = "https://www.openstreetmap.org/"
GEOPORTAIL = "https://www.geoportail.gouv.fr/carte"
# La photo aérienne et le cadastre : voir d'un coup si le lieu est public ou privé.
COUCHES_GEOPORTAIL = ("ORTHOIMAGERY.ORTHOPHOTOS::GEOPORTAIL:OGC:WMTS(1)",
                      "CADASTRE.PARCELLES::GEOPORTAIL:OGC:WMTS(0.8)")


@dataclass(frozen=True)
class Lien:
    texte: str
    url: str


@dataclass
class Lieu:
    adresse: str | None
    commune: str | None
    position: str | None  # « 47.55412, -2.48063 », à recopier dans un GPS
    cartes: list[Lien] = field(default_factory=list)


def lieu(signalement: dict[str, Any]) -> Lieu:
    """L'adresse, la commune et la position du signalement, avec les liens des cartes.

    Avec une position : OpenStreetMap (un repère sur le point) et Géoportail (photo
    aérienne et cadastre). Avec une adresse seule : la recherche d'OpenStreetMap."""
    localisation = signalement.get("localisation") or {}
    adresse = localisation.get("adresse")
    commune = (signalement.get("commune") or {}).get("nom")
    lat, lon = localisation.get("latitude"), localisation.get("longitude")
    if lat is not None and lon is not None:
        couches = "&".join(f"l{i}={c}" for i, c in enumerate(COUCHES_GEOPORTAIL))
        return Lieu(adresse, commune, f"{lat:.5f}, {lon:.5f}", [
            Lien("Voir le point sur OpenStreetMap",
                 f"{OPENSTREETMAP}?mlat={lat:.6f}&mlon={lon:.6f}#map=19/{lat:.6f}/{lon:.6f}"),
            Lien("Voir la photo aérienne et le cadastre sur Géoportail",
                 f"{GEOPORTAIL}?c={lon:.6f},{lat:.6f}&z=19&{couches}&permalink=yes"),
        ])
    if adresse:
        recherche = ", ".join(filter(None, [adresse, commune]))
        return Lieu(adresse, commune, None, [
            Lien("Chercher l'adresse sur OpenStreetMap",
                 f"{OPENSTREETMAP}search?{urlencode({'query': recherche})}")])
    return Lieu(None, commune, None)


@dataclass(frozen=True)
class Contact:
    courriel: str | None
    mailto: str | None
    telephone: str | None
    tel: str | None


def telephone_lisible(numero: str) -> tuple[str, str]:
    """(affichage, URI ``tel:``) d'un numéro tel que le garde le signalement (chiffres seuls).

    >>> telephone_lisible("0612345678")
    ('06 12 34 56 78', 'tel:+33612345678')
    """
    chiffres = re.sub(r"[^\d+]", "", numero)
    if re.fullmatch(r"0[1-9]\d{8}", chiffres):
        return " ".join(chiffres[i:i + 2] for i in range(0, 10, 2)), f"tel:+33{chiffres[1:]}"
    if re.fullmatch(r"\+33[1-9]\d{8}", chiffres):
        national = "0" + chiffres[3:]
        return " ".join(national[i:i + 2] for i in range(0, 10, 2)), f"tel:{chiffres}"
    return numero, f"tel:{chiffres}"


def contact_permis(signalement: dict[str, Any], attribution: dict[str, Any]) -> Contact | None:
    """Le contact du citoyen, seulement s'il a choisi « Le service peut me contacter »
    (``contact.contact_pour_le_service``) et seulement pour le service qui a le signalement
    maintenant (son attribution est ouverte)."""
    contact = contact_pour_le_service(signalement) or {}
    if not contact or not est_ouverte(attribution):
        return None
    courriel, telephone = contact.get("courriel"), contact.get("telephone")
    if not courriel and not telephone:
        return None
    sujet = quote(f"Votre signalement {signalement['reference']}")
    affichage, tel = telephone_lisible(telephone) if telephone else (None, None)
    return Contact(courriel=courriel,
                   mailto=f"mailto:{quote(courriel, safe='@')}?subject={sujet}" if courriel
                   else None,
                   telephone=affichage, tel=tel)


def photos(signalement: dict[str, Any], adresse: str) -> list[dict[str, Any]]:
    """Les photos, servies en taille réelle par ``adresse/<nom>`` (le lien de l'agent)."""
    liste = signalement.get("photos", [])
    return [{"url": f"{adresse}/{p['nom']}", "numero": i, "sur": len(liste),
             "taille": f"{p['largeur']} × {p['hauteur']} pixels" if p.get("largeur") else None,
             "ajoutee_le": date_en_clair(p["ajoutee_le"]) if p.get("ajoutee_le") else None}
            for i, p in enumerate(liste, 1)]


@dataclass
class Consignes:
    """Ce que l'agent doit faire : propres à la sorte de signalement, étapes communes,
    consignes de son service. Du HTML construit par le site depuis le contenu relu."""

    propres: list[str]
    etapes_html: str
    du_service_html: str


def consignes(modele: Modele, signalement: dict[str, Any], gestionnaire: str) -> Consignes:
    service = modele.gestionnaire(gestionnaire) or {}
    return Consignes(propres=modele.consignes_agent(signalement.get("noeud") or {}),
                     etapes_html=modele.agents.get("etapes_html", ""),
                     du_service_html=service.get("consignes_html") or "")
