"""« Je ne trouve pas mon problème » : l'issue de secours de chaque page de question.

Le citoyen dont le problème n'est pas dans le parcours le décrit avec ses mots ; le
signalement part au service que `territoire.yaml` nomme dans `je_ne_trouve_pas`, ou, sans
ce champ, à la coordination du territoire, qui le lit et le confie au bon service.

Cette issue n'est pas un nœud de l'arbre (ni un choix d'une question, ni une entrée de la
recherche) : le modèle la donne à part, sous `je_ne_trouve_pas`, avec la même forme qu'une
issue `transmission`. Les pages, le service worker et les fonctions la lisent là ; le
gabarit `_je_ne_trouve_pas.html` en tire le lien de chaque page.
"""

from __future__ import annotations

from .erreurs import Rapport, suggestion

ID = "je-ne-trouve-pas"
URL = f"/{ID}/"
TITRE = "Je ne trouve pas mon problème"
# Ce que le service, la coordination et le suivi du citoyen lisent comme « problème ».
LIBELLE = "Un autre problème"
FORMULAIRE = {"photo": "facultative", "raison_photo": None, "localisation": "facultative",
              "questions": []}


def issue_je_ne_trouve_pas(territoire, gestionnaires: dict, affiche: str,
                           rapport: Rapport) -> dict:
    """L'issue « Je ne trouve pas mon problème » du modèle.

    `gestionnaire` vaut l'identifiant du service nommé par `je_ne_trouve_pas`, ou `None` :
    c'est alors la coordination du territoire qui reçoit (`a_la_coordination`). Un service
    inconnu ou qui ne reçoit rien (`transmission: aucune`) est une erreur de contenu.
    """
    nom, ligne = territoire.je_ne_trouve_pas, territoire.ligne_je_ne_trouve_pas
    fichier = f"{affiche}/territoire.yaml"
    gestionnaire = None
    if nom is not None and nom not in gestionnaires:
        conseil = suggestion(nom, gestionnaires)
        rapport.ajouter(fichier, ligne, f"« je_ne_trouve_pas » : le service « {nom} » n'existe pas.",
                        (conseil + " " if conseil else "") + f"Créez contenu/gestionnaires/{nom}.md, "
                        "corrigez le nom, ou retirez la ligne : la coordination recevra alors ces "
                        "signalements.")
    elif nom is not None and any(e.fichier == f"{affiche}/{gestionnaires[nom]['source']}"
                                 for e in rapport.erreurs):
        pass  # le fichier du service a déjà ses erreurs : son canal n'est pas sûr
    elif nom is not None and gestionnaires[nom]["transmission"]["canal"] == "aucune":
        rapport.ajouter(fichier, ligne, f"« je_ne_trouve_pas » : le service « {nom} » ne reçoit "
                        "pas les signalements par Aiguillage (« transmission: aucune »).",
                        "Nommez un service qui les reçoit (courriel, webhook ou open311), ou "
                        "retirez la ligne : la coordination recevra alors ces signalements.")
    elif nom is not None:
        gestionnaire = nom
    return {
        "id": ID, "type": "transmission", "url": URL, "libelle": LIBELLE, "titre": TITRE,
        "indice": None, "mots_cles": [], "texte_html": "", "parent": "", "ancetres": [""],
        "hors_parcours": True,
        "competence": None, "depend_de_la_commune": False, "gestionnaire": gestionnaire,
        "gestionnaires_par_commune": {c["insee"]: gestionnaire for c in territoire.communes}
        if gestionnaire else {},
        "a_la_coordination": gestionnaire is None,
        "formulaire": {**FORMULAIRE, "questions": []},
    }


def verifier_adresse_libre(noeuds: dict, pages: dict, affiche: str, rapport: Rapport) -> None:
    """L'adresse /je-ne-trouve-pas/ est réservée : aucune page du contenu ne peut la prendre."""
    message = (f"l'adresse {URL} est réservée : c'est celle de la page « {TITRE} », que le "
               "site ajoute de lui-même.")
    prises = [f"{affiche}/{noeud['source']}" for noeud in noeuds.values() if noeud["url"] == URL]
    if ID in pages:
        prises.append(f"{affiche}/pages/{ID}.md")
    for fichier in prises:
        nom = fichier.removesuffix("/index.md").rpartition("/")[2]
        rapport.ajouter(fichier, None, message, "Donnez-lui un autre nom, par exemple "
                        f"« {nom.replace(ID, 'autre-probleme')} ».")
