"""La carte du formulaire : ses deux services, choisis à la construction du site.

Le navigateur appelle lui-même le service de tuiles (le fond de carte) et le géocodeur
(l'API d'addok : suggestions d'adresses et adresse d'un point) : leurs adresses sont des
réglages de la construction, lus dans l'environnement, comme AIGUILLAGE_FONCTIONS_URL ::

    AIGUILLAGE_TUILES_URL           modèle d'adresse des tuiles, avec {z}, {x} et {y}
    AIGUILLAGE_TUILES_ATTRIBUTION   la source du fond, affichée sur la carte
    AIGUILLAGE_GEOCODEUR_URL        adresse de base d'un géocodeur addok (/search/, /reverse/)

Ils sont écrits dans `carte.json`, à la racine du site, avec les communes du territoire :
`theme/js/geocodeur.js` le lit quand la personne ouvre la carte, jamais avant. La politique de
sécurité du site (`netlify.toml`) doit permettre ces hôtes (`img-src`, `connect-src`) :
`origines` dit lesquels.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from .erreurs import ErreursContenu, Rapport

# Le « Plan IGN » de la Géoplateforme (service public, sans clé), en WMTS : Leaflet remplit
# {z}, {x} et {y} comme pour une adresse XYZ.
TUILES = ("https://data.geopf.fr/wmts?SERVICE=WMTS&VERSION=1.0.0&REQUEST=GetTile"
          "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&FORMAT=image/png"
          "&TILEMATRIXSET=PM&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")
ATTRIBUTION = "Plan IGN © IGN"
# Le géocodeur de la Base Adresse Nationale (addok).
GEOCODEUR = "https://api-adresse.data.gouv.fr"
BOUCLE_LOCALE = {"localhost", "127.0.0.1", "::1"}


def _adresse_permise(valeur: str) -> bool:
    """https://, ou http:// vers la machine elle-même (développement et tests)."""
    try:
        parties = urlsplit(valeur)
    except ValueError:
        return False
    if " " in valeur or not parties.hostname:
        return False
    return parties.scheme == "https" or (parties.scheme == "http"
                                         and parties.hostname in BOUCLE_LOCALE)


def reglages_de_la_carte(environ: Mapping[str, str]) -> dict[str, str]:
    """Les trois réglages, vérifiés ; `ErreursContenu` dit en français ce qui ne va pas.

    Une variable vide compte comme absente. Changer le fond de carte sans dire sa source est
    une erreur : chaque fournisseur de tuiles demande d'être cité.
    """
    tuiles = environ.get("AIGUILLAGE_TUILES_URL", "").strip() or TUILES
    attribution = environ.get("AIGUILLAGE_TUILES_ATTRIBUTION", "").strip()
    geocodeur = environ.get("AIGUILLAGE_GEOCODEUR_URL", "").strip().rstrip("/") or GEOCODEUR
    rapport = Rapport()
    conseil_adresse = ("Donnez une adresse en https:// (http:// n'est permis que vers "
                       "localhost, pour le développement et les tests).")
    if not _adresse_permise(tuiles):
        rapport.ajouter("AIGUILLAGE_TUILES_URL", None,
                        f"« {tuiles} » n'est pas une adresse web valide.", conseil_adresse)
    elif not all(f"{{{cle}}}" in tuiles for cle in "zxy"):
        rapport.ajouter("AIGUILLAGE_TUILES_URL", None,
                        "l'adresse des tuiles doit contenir {z}, {x} et {y} (le zoom, la "
                        "colonne et la ligne de chaque tuile).",
                        "Exemple : https://tuiles.example.org/{z}/{x}/{y}.png, ou pour un "
                        "WMTS : …&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}.")
    if tuiles != TUILES and not attribution:
        rapport.ajouter("AIGUILLAGE_TUILES_ATTRIBUTION", None,
                        "le fond de carte a changé (AIGUILLAGE_TUILES_URL) mais pas sa source.",
                        "Donnez le texte qui cite le fournisseur des tuiles, affiché sur la "
                        "carte (exemple : « © les contributeurs d'OpenStreetMap »).")
    if not _adresse_permise(geocodeur):
        rapport.ajouter("AIGUILLAGE_GEOCODEUR_URL", None,
                        f"« {geocodeur} » n'est pas une adresse web valide.", conseil_adresse)
    elif "?" in geocodeur or "#" in geocodeur:
        rapport.ajouter("AIGUILLAGE_GEOCODEUR_URL", None,
                        "donnez l'adresse de base du géocodeur, sans « ? » ni « # ».",
                        "Aiguillage y ajoute lui-même /search/ et /reverse/ (exemple : "
                        "https://api-adresse.data.gouv.fr).")
    if rapport.erreurs:
        raise ErreursContenu(rapport)
    return {"tuiles": tuiles, "attribution": attribution or ATTRIBUTION, "geocodeur": geocodeur}


def carte_du_site(modele: dict, environ: Mapping[str, str]) -> dict:
    """Le contenu de `carte.json` : les réglages et, pour vérifier la commune d'un point,
    les communes du territoire (code INSEE → nom et adresse de page)."""
    return {
        **reglages_de_la_carte(environ),
        "territoire": modele["territoire"]["nom"],
        "communes": {c["insee"]: {"nom": c["nom"], "slug": c["slug"]}
                     for c in modele["territoire"]["communes"]},
    }


def origines(reglages: Mapping[str, str]) -> dict[str, str]:
    """Ce que la politique de sécurité du site doit permettre : {directive: origine}."""

    def origine(url: str) -> str:
        parties = urlsplit(url)
        return f"{parties.scheme}://{parties.netloc}"

    return {"img-src": origine(reglages["tuiles"]), "connect-src": origine(reglages["geocodeur"])}
