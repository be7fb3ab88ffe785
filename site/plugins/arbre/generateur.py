"""Le générateur Pelican : `generate_context` lit et valide (sans rien écrire),
`generate_output` écrit les pages, `modele.json`, `regles.json` et `recherche.json`."""

from __future__ import annotations

import os
from pathlib import Path

from pelican.generators import Generator

from .carte import carte_du_site
from .erreurs import ErreursContenu, Rapport
from .francais import a_la_commune
from .gabarits import FILTRES, contexte_d_issue
from .modele import chemin_affiche, construire_modele
from .parcours import dire_questions_restantes, questions_restantes
from .recherche.fichiers import (
    cible_de_la_construction,
    fichiers_recherche,
    seuil_de_la_construction,
    texte_json,
)
from .recherche.index import index_recherche
from .schema import url_valide

# Les pages de l'application, sans contenu éditorial : leur texte est dans le gabarit et
# leurs données viennent des fonctions (suivi) ou du téléphone (signalements envoyés,
# résultats de recherche).
PAGES_APPLICATION = {"/mes-signalements/": "mes-signalements", "/hors-ligne/": "hors-ligne",
                     "/suivi/": "suivi", "/recherche/": "recherche"}


# Au-delà de ce nombre de communes, la page « Dans quelle commune ? » d'une issue les propose
# par leur initiale, une page par lettre (un territoire de 300 communes : 15 Ko gzip de liens
# sinon) ; en deçà, toutes sur la page.
COMMUNES_SUR_UNE_PAGE = 40


def groupes_de_communes(noeud: dict, communes: list[dict]) -> list[dict]:
    """[] si le territoire a peu de communes ; sinon, par initiale (sans accent, « É » avec
    « E ») : [{lettre, url, communes}], url en `<issue>communes-<lettre>/`."""
    if len(communes) <= COMMUNES_SUR_UNE_PAGE:
        return []
    groupes: dict[str, list[dict]] = {}
    for commune in sorted(communes, key=lambda c: c["slug"]):
        groupes.setdefault(commune["slug"][0], []).append(commune)
    return [{"lettre": lettre.upper(), "url": f"{noeud['url']}communes-{lettre}/", "communes": liste}
            for lettre, liste in groupes.items()]


# Au-delà de ce nombre de pages du parcours, le plan du site a une page par famille (un
# parcours de 3 000 nœuds : 86 Ko gzip sur une seule page) ; en deçà, une seule page.
NOEUDS_SUR_UN_PLAN = 300


def familles_du_plan(modele: dict) -> list[dict]:
    """[] pour un petit parcours ; sinon chaque choix de l'accueil : {libelle, url, plan, noeud},
    son plan en /plan-du-site/<famille>/ (la famille du hors-ligne : le premier segment)."""
    noeuds = modele["noeuds"]
    if sum(not n.get("inatteignable") for n in noeuds.values()) <= NOEUDS_SUR_UN_PLAN:
        return []
    familles = []
    for choix in noeuds[""]["choix"]:
        cible = noeuds[choix["cible"]]
        segment = cible["url"].strip("/").split("/")[0]
        if any(f["plan"] == f"/plan-du-site/{segment}/" for f in familles):
            continue  # deux choix de l'accueil vers la même branche : un seul plan
        familles.append({"libelle": choix["libelle"], "url": cible["url"],
                         "plan": f"/plan-du-site/{segment}/", "noeud": cible})
    return familles


class GenerateurArbre(Generator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # « à {{ commune.nom }} » écrirait « à Le Guerno » : les gabarits composent par ces filtres.
        self.env.filters.update(FILTRES)

    def generate_context(self):
        rapport = Rapport()
        self.modele = construire_modele(Path(self.path), chemin_affiche(Path(self.path)), rapport)
        if rapport.notes:
            print(rapport.texte_des_notes())
        self.context["modele"] = self.modele

    def generate_output(self, writer):
        modele = self.modele
        noeuds = modele["noeuds"]
        gabarits = {sorte: self.get_template(sorte) for sorte in
                    ("question", "transmission", "orientation", "urgence", "commune", "communes", "page",
                     "plan", "introuvable")}
        restantes = questions_restantes(noeuds)
        for noeud in noeuds.values():
            if noeud.get("inatteignable"):
                continue
            fil = [noeuds[a] for a in noeud["ancetres"]]
            contexte = {"noeud": noeud, "fil": fil}
            if noeud["type"] == "question":
                contexte["restantes"] = dire_questions_restantes(*restantes[noeud["id"]])
            if noeud["type"] in ("transmission", "orientation") and noeud["depend_de_la_commune"]:
                groupes = groupes_de_communes(noeud, modele["territoire"]["communes"])
                self._ecrire(writer, noeud["url"], gabarits["commune"], {**contexte, "groupes": groupes})
                for groupe in groupes:
                    self._ecrire(writer, groupe["url"], gabarits["communes"], {**contexte, "groupe": groupe})
                self._ecrire_json(noeud["url"].lstrip("/") + "communes.json",
                                  self._services_par_commune(noeud))
                for commune in modele["territoire"]["communes"]:
                    self._ecrire(writer, f"{noeud['url']}{commune['slug']}/",
                                 gabarits[noeud["type"]], contexte_d_issue(modele, noeud, commune))
                continue
            if noeud["type"] in ("transmission", "orientation"):
                contexte = contexte_d_issue(modele, noeud)
            self._ecrire(writer, noeud["url"], gabarits[noeud["type"]], contexte)
        issue = modele["je_ne_trouve_pas"]
        self._ecrire(writer, issue["url"], self.get_template("je-ne-trouve-pas"),
                     contexte_d_issue(modele, issue))
        for page in modele["pages"].values():
            self._ecrire(writer, page["url"], gabarits["page"], {"page": page})
        familles = familles_du_plan(modele)
        self._ecrire(writer, "/plan-du-site/", gabarits["plan"], {"familles": familles})
        for famille in familles:
            self._ecrire(writer, famille["plan"], gabarits["plan"], {"famille": famille})
        for url, nom in PAGES_APPLICATION.items():
            self._ecrire(writer, url, self.get_template(nom), {})
        writer.write_file("404.html", gabarits["introuvable"], self.context)
        writer.write_file("manifest.webmanifest", self.env.get_template("manifest.webmanifest"),
                          self.context)
        self._ecrire_json("modele.json", modele)
        # Les règles du formulaire pour le téléphone (validation.js) : celles du modèle.
        self._ecrire_json("regles.json", modele["regles"])
        # L'index de la recherche : un fichier, ou une base et ses morceaux (recherche/).
        fichiers = fichiers_recherche(index_recherche(modele), seuil_de_la_construction(),
                                      cible_de_la_construction())
        for nom, texte in fichiers.items():
            self._ecrire_texte(nom, texte)
        # Les services de la carte du formulaire : réglages de la construction (arbre/carte.py).
        self._ecrire_json("carte.json", carte_du_site(modele, os.environ))
        self._ecrire_relais()

    # Les blocs d'une page « par commune » qui dépendent du service : en tête (l'annonce, puis
    # les actions ou la carte du service) et, pour une transmission, la carte sous le formulaire.
    TETE = ('{% include "_annonce.html" %}{% if noeud.type == "transmission" %}'
            '{% include "_actions_issue.html" %}{% else %}{% include "_service.html" %}{% endif %}')
    CARTE = '{% set telephone_en_tete = true %}{% include "_service.html" %}'

    def _services_par_commune(self, noeud: dict) -> dict:
        """`communes.json` d'une issue qui dépend de la commune, lu par la page de l'issue quand
        elle remplace hors ligne une page « par commune » (aiguillage.js) : pour chaque commune
        [insee, nom, « à la commune », service], et pour chaque service le HTML de ses blocs,
        rendu par les gabarits des pages « par commune ». Chargé à la demande, jamais par la
        page elle-même : elle garde le même poids quel que soit le nombre de communes."""
        modele = self.modele
        tete, carte = self.env.from_string(self.TETE), self.env.from_string(self.CARTE)
        communes, services = {}, {}
        for commune in modele["territoire"]["communes"]:
            gid = noeud["gestionnaires_par_commune"][commune["insee"]]
            communes[commune["slug"]] = [commune["insee"], commune["nom"],
                                         a_la_commune(commune["nom"]), gid]
            if gid not in services:
                contexte = {**self.context, "noeud": noeud, "gestionnaire": modele["gestionnaires"][gid]}
                services[gid] = [" ".join(tete.render(contexte).split()),
                                 " ".join(carte.render(contexte).split())
                                 if noeud["type"] == "transmission" else ""]
        return {"communes": communes, "services": services}

    def _ecrire_relais(self) -> None:
        """Sur Netlify, `_redirects` relaie /api/* vers l'hôte des fonctions, donné au moment
        de la construction par AIGUILLAGE_FONCTIONS_URL (netlify.toml ne lit pas de variable)."""
        hote = os.environ.get("AIGUILLAGE_FONCTIONS_URL", "").rstrip("/")
        if not hote:
            return
        if not url_valide(hote):
            rapport = Rapport()
            rapport.ajouter("AIGUILLAGE_FONCTIONS_URL", None, f"« {hote} » n'est pas une adresse "
                            "web valide.", "Donnez l'adresse des fonctions, en https://.")
            raise ErreursContenu(rapport)
        (Path(self.output_path) / "_redirects").write_text(
            f"/api/*  {hote}/api/:splat  200!\n", encoding="utf-8")

    def _ecrire(self, writer, url: str, gabarit, contexte: dict) -> None:
        writer.write_file(url.lstrip("/") + "index.html", gabarit, self.context,
                          **{"adresse_page": url, **contexte})

    def _ecrire_json(self, nom: str, donnees) -> None:
        self._ecrire_texte(nom, texte_json(donnees))

    def _ecrire_texte(self, nom: str, texte: str) -> None:
        chemin = Path(self.output_path) / nom
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_text(texte, encoding="utf-8")
