"""Un petit modèle écrit à la main, pour tester l'index et le moteur page par page ; des
requêtes tirées au hasard des termes d'un index (tests du navigateur, make bench)."""

import random

from arbre.recherche.index import index_recherche
from arbre.recherche.moteur import Index

COMMUNES = [{"insee": "56143", "slug": "muzillac", "nom": "Muzillac"},
            {"insee": "56195", "slug": "la-roche-bernard", "nom": "La Roche-Bernard"}]


def page(identifiant: str, libelle: str, *, sorte: str = "transmission", mots_cles=(),
         indice: str | None = None, texte: str = "", gestionnaire: str | None = "mairie",
         par_commune: dict | None = None, ancetres=("",)) -> dict:
    return {"id": identifiant, "type": sorte, "url": f"/{identifiant}/", "libelle": libelle,
            "titre": libelle, "indice": indice, "mots_cles": list(mots_cles),
            "texte_html": f"<p>{texte}</p>" if texte else "", "ancetres": list(ancetres),
            "question": "Quoi ?" if sorte == "question" else None, "choix": [],
            "gestionnaire": None if par_commune or sorte in ("question", "urgence") else gestionnaire,
            "depend_de_la_commune": bool(par_commune), "competence": "voirie" if par_commune else None,
            "gestionnaires_par_commune": par_commune or {}}


def modele(*pages: dict, synonymes=()) -> dict:
    accueil = page("", "Accueil", sorte="question", ancetres=())
    accueil["choix"] = [{"cible": p["id"], "libelle": p["libelle"], "indice": p["indice"],
                         "mots_cles": p["mots_cles"]} for p in pages]
    return {"noeuds": {"": accueil, **{p["id"]: p for p in pages}},
            "gestionnaires": {g: {"id": g, "nom": n} for g, n in (
                ("mairie", "Mairie"), ("mairie-muzillac", "Mairie de Muzillac"),
                ("mairie-la-roche-bernard", "Mairie de La Roche-Bernard"), ("grdf", "GRDF"))},
            "territoire": {"communes": COMMUNES}, "synonymes": [list(g) for g in synonymes]}


def index(*pages: dict, synonymes=()) -> Index:
    return Index(index_recherche(modele(*pages, synonymes=synonymes)))


def trouves(idx: Index, requete: str) -> list[str]:
    """Les libellés trouvés, dans l'ordre."""
    return [r.libelle for r in idx.afficher(requete)]


def requetes_au_hasard(index: Index, nombre: int = 300) -> list[str]:
    """Des requêtes tirées des termes de l'index, avec des fautes, des débuts de mots et des
    mots vides, toujours les mêmes (graine fixe) : tous les chemins du moteur y passent."""
    hasard = random.Random(20261207)
    termes = [t for t in index.termes if len(t) >= 3]
    requetes = []
    for _ in range(nombre):
        mots = []
        for _ in range(hasard.randint(1, 5)):
            mot = hasard.choice(termes)
            sorte = hasard.random()
            if sorte < 0.2 and len(mot) > 4:
                mot = mot[: hasard.randint(3, len(mot) - 1)]  # un début de mot
            elif sorte < 0.5 and len(mot) >= 5:
                i = hasard.randrange(len(mot))
                mot = mot[:i] + hasard.choice("aeiourst") + mot[i + 1:]  # une faute
            elif sorte < 0.6:
                mot = hasard.choice(["le", "dans", "il y a", "pas", "de la"])
            mots.append(mot)
        requetes.append(" ".join(mots))
    return requetes
