"""Les recherches sans résultat : ce que les habitants cherchent et que le site n'a pas.

Quand une recherche ne trouve rien, le navigateur envoie ce qui a été tapé à
``POST /api/recherche/sans-resultat`` ; la page de résultats sans JavaScript appelle
``noter_recherche_vide``. Les deux comptent, par jour, le texte **réduit** par
``texte_a_compter``, et la page de la coordination montre les plus fréquents des 30 derniers
jours, pour que l'équipe du contenu ajoute des mots clés, des synonymes ou une branche.

La vie privée tient à ce qui est écrit, pas à une promesse :

- seul le texte réduit est gardé : les mots que la recherche compare (minuscules, sans
  accents ni mots vides), au plus ``MOTS_MAX`` ; ce qui ressemble à une donnée personnelle
  est retiré avant (e-mail, adresse web, numéro de 5 chiffres ou plus, plaque, référence ou
  jeton : voir ``texte_a_compter``) ;
- avec lui, le jour (heure de Paris) et un nombre ; jamais d'adresse IP, de jeton, de
  coordonnées, de navigateur ni d'heure. L'adresse du client ne sert qu'à la limite de débit,
  en mémoire (``AIGUILLAGE_LIMITE_RECHERCHES``) ;
- les comptes d'un jour sont effacés ``CONSERVATION_JOURS`` jours après (``purger``, que
  lancent la boucle de la boîte d'envoi et ``python -m fonctions envoyer``).
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from arbre.conservation import RECHERCHES_VIDES_JOURS
from arbre.recherche.texte import MOTS_VIDES, normaliser, plier
from fonctions.domaine.jours_ouvres import PARIS
from fonctions.domaine.validation import Erreur, ErreursValidation
from fonctions.socle.horloge import Horloge
from fonctions.stockage import Stockage
from fonctions.web.contexte import Contexte, contexte
from fonctions.web.gardes import adresse_client, origine_acceptee
from fonctions.web.lecture import JSON, lire_corps, lire_objet_json, type_du_contenu
from fonctions.web.pages import reponse_erreurs

MOTS_MAX = 8
MOT_MAX = 30  # lettres : aucun mot français n'est plus long, un jeton souvent
REQUETE_MAX = 500  # caractères reçus au plus
OCTETS_MAX = 8 * 1024  # le corps JSON : la requête, même écrite en « \uXXXX »
CONSERVATION_JOURS = RECHERCHES_VIDES_JOURS  # la page des données personnelles le dit
PERIODE_MONTREE = 30  # jours, sur la page de la coordination
MONTREES_MAX = 20

# Retirés du texte brut, avant que la normalisation n'en fasse des mots ordinaires :
# « jean.dupont@exemple.fr » deviendrait « jean dupont exemple fr ».
_AVANT_LES_MOTS = [
    re.compile(r"(?:https?://|www\.)\S*", re.IGNORECASE),  # adresse web (un lien de suivi…)
    re.compile(r"\S*\s*@\s*\S*"),  # e-mail, même écrit « dupont @ exemple.fr »
    re.compile(r"AIG-\w{4}-\w{2}\S*", re.IGNORECASE),  # référence, et le jeton qui la suit
    re.compile(r"\b[a-z]{2}-\d{3}-[a-z]{2}\b", re.IGNORECASE),  # plaque « AB-123-CD »
    re.compile(r"\b[A-Z]{2} \d{3} [A-Z]{2}\b"),  # plaque « AB 123 CD »
]
# Lettres et chiffres mêlés : gardés seulement sous une forme courte qui nomme une route ou
# un rang (« n165 », « rd774 », « 1er », « 3e », « 4g ») ; « 7k3m », « ab123cd » sont retirés.
_COURT = re.compile(r"[a-z]{1,3}[0-9]{1,4}|[0-9]{1,4}[a-z]{1,4}")
CHIFFRES_MAX = 4  # au-delà, une suite de nombres est retirée : téléphone, code postal…


def texte_a_compter(requete: str) -> str:
    """Ce qui est gardé d'une recherche : les mots que la recherche compare (ni majuscules,
    ni accents, ni mots vides comme « le », « de », « bonjour »), sans rien qui ressemble à
    une donnée personnelle, au plus ``MOTS_MAX`` ; ``""`` s'il ne reste rien.

    >>> texte_a_compter("Ma CAVE est inondée !! 06 12 34 56 78, jean.dupont@exemple.fr")
    'cave inondee'
    >>> texte_a_compter("Un nid-de-poule sur la N165, au 12")
    'nid poule n165 12'

    Les mots vides sont ceux que la recherche ignore (``arbre.recherche.texte``) : ce qui
    reste est ce qu'elle a cherché en vain, les mots à ajouter au contenu. Retirés aussi :
    e-mails (et le mot de part et d'autre d'un « @ » isolé), adresses web, références et
    jetons de suivi, plaques d'immatriculation, toute suite de nombres qui compte 5 chiffres
    ou plus (« 06 12 34 56 78 », « 56 190 », « 0612345678 »), mots qui mêlent lettres et
    chiffres hors des formes courtes (« n165 », « 1er »), mots de plus de ``MOT_MAX`` lettres.
    """
    brut = requete[:REQUETE_MAX]
    for motif in _AVANT_LES_MOTS:
        brut = motif.sub(" ", brut)
    gardes: list[str] = []
    nombres: list[str] = []  # la suite de nombres en cours, jugée entière
    for mot in normaliser(brut).split():
        mot = plier(mot)
        if mot.isdigit():
            nombres.append(mot)
            continue
        gardes.extend(_si_court(nombres))
        nombres = []
        if len(mot) <= MOT_MAX and (mot.isalpha() or _COURT.fullmatch(mot)):
            gardes.append(mot)
    gardes.extend(_si_court(nombres))
    return " ".join([m for m in gardes if len(m) >= 2 and m not in MOTS_VIDES][:MOTS_MAX])


def _si_court(nombres: list[str]) -> list[str]:
    return nombres if sum(len(n) for n in nombres) <= CHIFFRES_MAX else []


def jour_de(moment: datetime) -> date:
    """Le jour à Paris : une recherche faite le 10 mars à 0 h 30 compte pour le 10 mars."""
    return moment.astimezone(PARIS).date()


def _permis(ctx: Contexte, client: str) -> float:
    """0 si ce client peut encore envoyer une recherche (et la compte) ; sinon l'attente."""
    limiteur = ctx.limiteur_recherches
    return limiteur.attente(client) if limiteur is not None else 0.0


def noter_recherche_vide(ctx: Contexte, requete: str, client: str | None = None) -> bool:
    """Compte ``requete`` pour aujourd'hui, réduite par ``texte_a_compter`` ; rend vrai si
    elle a été comptée (faux s'il n'en reste aucun mot, ou si ``client`` — l'adresse donnée
    à la limite de débit, jamais écrite — a trop envoyé).

    Écrit sur disque : à appeler dans un fil (``run_in_threadpool``), pas dans la boucle
    d'événements. Pour la page de résultats sans JavaScript (``GET /api/recherche``) ::

        await run_in_threadpool(noter_recherche_vide, ctx, q, adresse_client(request))
    """
    texte = texte_a_compter(requete)
    if not texte or (client is not None and _permis(ctx, client)):
        return False
    ctx.stockage.compter_recherche_vide(jour_de(ctx.horloge()), texte)
    return True


def recherches_frequentes(stockage: Stockage, horloge: Horloge) -> list[dict]:
    """Les ``MONTREES_MAX`` recherches sans résultat les plus fréquentes des
    ``PERIODE_MONTREE`` derniers jours (aujourd'hui compris) : ``{"texte", "nombre"}``."""
    fin = jour_de(horloge())
    debut = fin - timedelta(days=PERIODE_MONTREE - 1)
    return [{"texte": texte, "nombre": nombre}
            for texte, nombre in stockage.lister_recherches_vides(debut, fin, MONTREES_MAX)]


def purger(stockage: Stockage, horloge: Horloge) -> int:
    """Efface les comptes de plus de ``CONSERVATION_JOURS`` jours : ceux du 1er mars le
    30 mai (heure de Paris). Rend le nombre de comptes ``(jour, texte)`` effacés."""
    aujourd_hui = jour_de(horloge())
    return stockage.purger_recherches_vides(
        aujourd_hui - timedelta(days=CONSERVATION_JOURS - 1))


# POST /api/recherche/sans-resultat
def _refus(message: str, statut: int, champ: str | None = None,
           entetes: dict[str, str] | None = None) -> Response:
    return reponse_erreurs([Erreur(champ, message, statut)], statut, entetes=entetes)


def _lire_requete(corps: bytes) -> str:
    """Le texte cherché, d'un objet JSON ``{"requete": "…"}`` et de rien d'autre."""
    donnees = lire_objet_json(corps)
    erreurs = [Erreur(nom, f"Champ inconnu : « {nom} ». Envoyez seulement « requete », le "
                      "texte cherché.") for nom in donnees if nom != "requete"]
    requete = donnees.get("requete")
    if "requete" not in donnees:
        erreurs.insert(0, Erreur("requete", 'Le texte cherché manque : envoyez '
                                 '{"requete": "les mots tapés"}.'))
    elif not isinstance(requete, str):
        erreurs.insert(0, Erreur("requete", "Le texte cherché doit être une chaîne de "
                                 "caractères."))
    elif len(requete) > REQUETE_MAX:
        longueur = f"{len(requete):,}".replace(",", "\u202f")
        erreurs.insert(0, Erreur("requete", f"Le texte cherché fait {longueur} caractères ; "
                                 f"{REQUETE_MAX} au plus."))
    if erreurs:
        raise ErreursValidation(erreurs)
    return requete


async def recevoir(request: Request) -> Response:
    """``204`` : comptée, ou vide une fois réduite (rien n'est alors écrit). Sinon une
    erreur en français, et rien d'écrit."""
    ctx = contexte(request)
    attente = _permis(ctx, adresse_client(request))
    if attente:
        minutes = max(1, round(attente / 60))
        return _refus(f"Trop de recherches envoyées depuis votre connexion : réessayez dans "
                      f"{minutes} minute{'s' if minutes > 1 else ''}.", 429,
                      entetes={"Retry-After": str(math.ceil(attente))})
    if not origine_acceptee(request):
        return _refus("Cet envoi ne vient pas d'une page d'Aiguillage : il est refusé.", 403)
    if type_du_contenu(request) != JSON:
        return _refus('Envoyez la recherche en JSON (application/json) : '
                      '{"requete": "les mots tapés"}.', 415)
    try:
        corps = await lire_corps(request, OCTETS_MAX)
        requete = _lire_requete(corps)
    except ErreursValidation as refus:
        if refus.statut == 413:
            return _refus(f"L'envoi est trop volumineux ({OCTETS_MAX // 1024} Ko au plus) : "
                          "envoyez seulement le texte cherché.", 413)
        return reponse_erreurs(refus.erreurs, refus.statut)
    texte = texte_a_compter(requete)
    if texte:
        await run_in_threadpool(ctx.stockage.compter_recherche_vide, jour_de(ctx.horloge()),
                                texte)
    return Response(status_code=204)


routes = [
    Route("/api/recherche/sans-resultat", recevoir, methods=["POST"]),
]
