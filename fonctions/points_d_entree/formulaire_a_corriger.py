"""Un formulaire de signalement envoyé sans JavaScript et refusé : la page de l'issue, de nouveau.

Le citoyen sans JavaScript ne perd rien de ce qu'il a écrit : les fonctions rendent la page
même de l'issue (son gabarit du thème et son contexte, ``arbre.gabarits.contexte_d_issue``,
comme à la construction) avec chaque valeur envoyée dans son champ, chaque champ fautif
marqué (``aria-invalid`` et son message), et en haut la liste de ce qu'il faut corriger,
chaque erreur liée à son champ (``_erreurs_du_formulaire.html``). Le titre de la page
commence par « Erreur : ». Les photos ne peuvent pas être gardées (aucune page ne peut
remplir un champ de fichier) : la page le dit, au champ et dans la liste.

Quand la page de l'issue ne peut pas être rendue (issue inconnue ou qui ne transmet pas,
commune absente pour une issue qui en dépend, envoi illisible ou refusé avant d'être lu),
``erreurs.html`` dit quoi corriger et mène au formulaire.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from arbre.gabarits import contexte_d_issue, gabarit_d_issue
from fonctions.domaine.modele import Modele
from fonctions.domaine.validation import Erreur
from fonctions.web.contexte import contexte
from fonctions.web.pages import libelle_du_champ, page

PHOTOS_NON_GARDEES = "Vos photos n'ont pas été gardées : choisissez-les de nouveau."
# Le champ du formulaire qui montre l'erreur d'un champ sans élément à lui (la position
# vient de la carte ou du bouton « Utiliser ma position », à côté du lieu ; « adresse » est
# le nom du lieu pour l'API).
CHAMP_AFFICHE = {"latitude": "lieu", "longitude": "lieu", "adresse": "lieu"}


def issue_du_formulaire(modele: Modele, champs: Mapping[str, Any]
                        ) -> tuple[dict | None, dict | None, str]:
    """L'issue visée, sa commune (pour une issue qui en dépend) et l'adresse de sa page ;
    l'issue est ``None`` si sa page n'a pas de formulaire à rendre de nouveau."""
    valeur, insee = champs.get("noeud"), champs.get("commune")
    noeud = modele.noeud(valeur) if isinstance(valeur, str) else None
    if noeud is None:
        return None, None, "/"
    commune = modele.commune(insee) if isinstance(insee, str) else None
    if noeud.get("type") != "transmission":
        return None, None, noeud["url"]
    if noeud.get("depend_de_la_commune"):
        if commune is None:
            return None, None, noeud["url"]  # la page « Dans quelle commune ? »
        return noeud, commune, f"{noeud['url']}{commune['slug']}/"
    return noeud, None, noeud["url"]


def lignes_d_erreur(erreurs: Sequence[Erreur], noeud: Mapping[str, Any] | None,
                    nombre_de_photos: int = 0) -> list[dict[str, Any]]:
    """``[{"champ", "libelle", "message"}]`` ; des photos reçues ajoutent qu'elles n'ont pas
    été gardées (à la dernière erreur sur les photos, s'il y en a une)."""
    lignes = [{"champ": e.champ, "libelle": libelle_du_champ(e.champ, noeud),
               "message": e.message} for e in erreurs]
    if nombre_de_photos:
        sur_les_photos = [ligne for ligne in lignes if ligne["champ"] == "photos"]
        if sur_les_photos:
            sur_les_photos[-1]["message"] += f" {PHOTOS_NON_GARDEES}"
        else:
            lignes.append({"champ": "photos", "libelle": libelle_du_champ("photos", noeud),
                           "message": PHOTOS_NON_GARDEES})
    return lignes


def page_a_corriger(request: Request, erreurs: Sequence[Erreur], statut: int,
                    champs: Mapping[str, Any], nombre_de_photos: int = 0,
                    entetes: Mapping[str, str] | None = None) -> Response:
    """La page de l'issue avec ``champs`` (ce qui a été envoyé) et ``erreurs`` ; à défaut,
    la page ``erreurs.html``."""
    modele = contexte(request).modele.actuel()
    noeud, commune, adresse = issue_du_formulaire(modele, champs)
    lignes = lignes_d_erreur(erreurs, noeud, nombre_de_photos)
    if noeud is None:
        return page(request, "erreurs.html", statut, entetes, erreurs=lignes, retour=adresse)
    par_champ: dict[str, str] = {}
    for ligne in lignes:
        champ = CHAMP_AFFICHE.get(ligne["champ"], ligne["champ"])
        if champ:
            par_champ[champ] = f"{par_champ[champ]} {ligne['message']}" if champ in par_champ \
                else ligne["message"]
    valeurs = {nom: valeur for nom, valeur in champs.items() if isinstance(valeur, str)}
    valeurs.setdefault("lieu", valeurs.get("adresse", ""))  # « adresse » : son nom pour l'API
    return page(request, "formulaire_a_corriger.html", statut, entetes,
                gabarit=f"{gabarit_d_issue(noeud)}.html",
                **contexte_d_issue(modele.donnees, noeud, commune),
                valeurs=valeurs, erreurs=lignes, erreurs_par_champ=par_champ,
                photos_a_reprendre=nombre_de_photos > 0)
