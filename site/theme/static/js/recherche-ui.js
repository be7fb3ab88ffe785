// L'interface de la recherche, chargée à la première utilisation (aiguillage.js) :
// - dans l'en-tête de chaque page, les résultats pendant la frappe ;
// - la page /recherche/ : ses résultats sont calculés ici, sur le téléphone, hors ligne aussi
//   (sans JavaScript, la même page est rendue par les fonctions : fonctions/points_d_entree/recherche.py) ;
// - une recherche sans résultat que la personne a validée (touche Entrée, bouton, page
//   ouverte, « Je ne trouve pas ») est signalée aux rédacteurs : seuls ses mots partent, une
//   fois, sans rien qui identifie la personne (voir la page « Données personnelles »).
// Les éléments d'un résultat viennent du <template data-modele-resultat> rendu par
// _resultats.html : ils sont les mêmes qu'avec les fonctions. Les autres pages ne le portent
// pas (il pèserait sur chacune) : l'en-tête le prend dans /recherche/, au premier usage.
"use strict";

const INDEX = "/recherche.json";
const SANS_RESULTAT = "/api/recherche/sans-resultat";
const COMMUNE = "aiguillage:commune";

let chargement = null;

/** Un fichier JSON du site (l'index, ou l'un de ses morceaux : `recherche/…`). */
function lireJson(adresse) {
  return fetch(adresse).then((reponse) => {
    if (!reponse.ok) throw new Error(`${adresse} : ${reponse.status}`);
    return reponse.json();
  });
}

/** L'index, téléchargé une fois (le worker le garde pour le hors-ligne), avec le moteur
 * (recherche.js), chargé lui aussi au premier usage et non avec la page : /recherche/ porte
 * déjà la liste des communes, qui grandit avec le territoire. Pour un grand parcours, ce
 * n'est que la base : chaque recherche télécharge les morceaux dont elle a besoin (le
 * worker, lui, les garde tous dès la première). */
export function charger() {
  if (!chargement) {
    chargement = Promise.all([import("./recherche.js"), lireJson(INDEX)])
      .then(([{ Index }, lues]) => new Index(lues, (nom) => lireJson(`/${nom}`)));
    chargement.catch(() => { chargement = null; }); // un prochain essai retélécharge
  }
  return chargement;
}

/** La commune retenue sur ce téléphone (la dernière choisie), ou null. */
export function communeRetenue() {
  try { return localStorage.getItem(COMMUNE); } catch { return null; }
}

export function retenirCommune(insee) {
  try {
    if (insee) localStorage.setItem(COMMUNE, insee); else localStorage.removeItem(COMMUNE);
  } catch { /* navigation privée : rien n'est retenu */ }
}

/** La phrase annoncée (poliment) aux lecteurs d'écran : la même que les fonctions. */
export function phraseEtat(nombre, requete) {
  if (!nombre) {
    return `Aucun résultat pour « ${requete.trim()} ». Essayez d'autres mots, ou choisissez `
      + "« Je ne trouve pas mon problème ».";
  }
  return `${nombre} résultat${nombre > 1 ? "s" : ""} pour « ${requete.trim()} ».`;
}

/** Ce que dit la page quand la recherche (ou l'un de ses morceaux) n'a pas pu être lue. */
export function phraseEchec() {
  if (navigator.onLine === false) {
    return "Hors ligne, cette recherche n'est pas encore possible sur cet appareil : une partie "
      + "de la recherche n'y est pas encore gardée. Réessayez avec du réseau, ou répondez aux "
      + "questions de la page d'accueil.";
  }
  return "La recherche ne répond pas pour le moment : réessayez, ou répondez aux questions de "
    + "la page d'accueil.";
}

const notees = new Set();

/** Signale une recherche validée qui n'a rien trouvé, une fois par page ouverte ; un échec
 * (hors ligne) est sans suite : ce n'est qu'un compte pour les rédacteurs. */
export function noterSansResultat(requete) {
  const cle = requete.trim().toLowerCase();
  if (!cle || notees.has(cle)) return;
  notees.add(cle);
  fetch(SANS_RESULTAT, {
    method: "POST", keepalive: true, credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: JSON.stringify({ requete }),
  }).catch(() => {});
}

/** Remplit `liste` avec les résultats, en clonant le modèle rendu par _resultats.html. */
export function remplir(liste, modele, resultats) {
  liste.replaceChildren(...resultats.map((r) => {
    const li = modele.content.querySelector("li").cloneNode(true);
    li.classList.add(`resultat-${r.sorte}`);
    const lien = li.querySelector("[data-adresse]");
    lien.href = r.adresse;
    lien.textContent = r.libelle;
    const chemin = li.querySelector("[data-chemin]");
    if (r.chemin) chemin.textContent = r.chemin; else chemin.remove();
    const avecService = Boolean(r.service)
      && Boolean(li.querySelector(`[data-sorte="${r.sorte}"][data-avec-service]`));
    for (const qui of li.querySelectorAll(".resultat-qui")) {
      if (qui.dataset.sorte !== r.sorte || ("avecService" in qui.dataset) !== avecService) qui.remove();
      else if (avecService) qui.querySelector("[data-service]").textContent = r.service;
    }
    return li;
  }));
}

/** L'adresse de la page de résultats (hors ligne aussi) pour une requête. */
export function adressePage(requete, insee) {
  const params = new URLSearchParams({ q: requete });
  if (insee) params.set("commune", insee);
  return `/recherche/?${params}`;
}

let elementsDeLaPage = null;

/** Le modèle d'un résultat et le bloc « Je ne trouve pas mon problème » de la page
 * /recherche/ (gardée hors ligne par le worker), lus une fois. */
function elementsDeRecherche() {
  if (!elementsDeLaPage) {
    elementsDeLaPage = fetch("/recherche/").then((reponse) => {
      if (!reponse.ok) throw new Error(`/recherche/ : ${reponse.status}`);
      return reponse.text();
    }).then((texte) => {
      const page = new DOMParser().parseFromString(texte, "text/html");
      return {
        modele: document.importNode(page.querySelector("template[data-modele-resultat]"), true),
        secours: page.querySelector(".je-ne-trouve-pas"),
      };
    });
    elementsDeLaPage.catch(() => { elementsDeLaPage = null; });
  }
  return elementsDeLaPage;
}

/** Un formulaire de recherche (`form`) et sa zone de résultats : la frappe les met à jour. */
function brancher(form, { commune, montrer, modele }) {
  const champ = form.querySelector("input[name=q]");
  const etat = form.closest("main, header").querySelector("[data-etat]");
  const liste = form.closest("main, header").querySelector("[data-liste-resultats]");
  let numero = 0;
  let nombre = null;

  async function afficher() {
    const requete = champ.value;
    const celle = ++numero;
    if (requete.trim().length < 2) {
      montrer(false);
      etat.textContent = "";
      nombre = null;
      return null;
    }
    let resultats;
    let gabarit;
    try {
      let index;
      [index, gabarit] = await Promise.all([charger(), modele()]);
      resultats = await index.trouver(requete, commune());
    } catch {
      if (celle === numero) etat.textContent = phraseEchec();
      return null;
    }
    if (celle !== numero) return null; // une frappe plus récente l'emporte
    remplir(liste, gabarit, resultats);
    montrer(true);
    etat.textContent = phraseEtat(resultats.length, requete);
    nombre = resultats.length;
    return nombre;
  }

  champ.addEventListener("input", afficher);
  /** « Je ne trouve pas mon problème » après « Aucun résultat » : la recherche est validée. */
  const surveiller = (lien) => lien.addEventListener("click", () => {
    if (nombre === 0) noterSansResultat(champ.value);
  });
  return { champ, afficher, surveiller };
}

/** La recherche de l'en-tête : résultats pendant la frappe, Entrée ouvre /recherche/. */
export function activerEntete(form) {
  if (form.dataset.active) return;
  form.dataset.active = "oui";
  const bloc = form.querySelector("[data-resultats]");
  const commune = () => form.querySelector("input[name=commune]")?.value || communeRetenue();
  const modele = async () => {
    const { modele: gabarit, secours } = await elementsDeRecherche();
    if (secours && !bloc.querySelector(".je-ne-trouve-pas")) {
      const blocSecours = document.importNode(secours, true);
      surveiller(blocSecours.querySelector("a"));
      bloc.append(blocSecours);
    }
    return gabarit;
  };
  const { champ, afficher, surveiller } = brancher(form, {
    commune, modele, montrer: (oui) => { bloc.hidden = !oui; },
  });
  form.addEventListener("submit", async (evenement) => {
    evenement.preventDefault();
    if (!champ.value.trim()) { champ.focus(); return; }
    location.href = adressePage(champ.value, commune());
  });
  afficher();
}

/** La page /recherche/ : la requête et la commune de l'adresse, puis chaque changement. */
export function activerPage(form) {
  const select = form.querySelector("select[name=commune]");
  const params = new URLSearchParams(location.search);
  const dejaCalculee = form.hasAttribute("data-rendu-serveur");
  if (!dejaCalculee) {
    form.querySelector("input[name=q]").value = params.get("q") || "";
    select.value = params.get("commune") || communeRetenue() || "";
  }
  const gabarit = document.querySelector("template[data-modele-resultat]");
  const { champ, afficher, surveiller } = brancher(form, {
    commune: () => select.value, modele: async () => gabarit, montrer: () => {},
  });
  const secours = document.querySelector("main .je-ne-trouve-pas a");
  if (secours) surveiller(secours);
  const valider = async () => {
    history.replaceState(null, "", adressePage(champ.value, select.value));
    if (await afficher() === 0) noterSansResultat(champ.value);
  };
  // « Rechercher » : le focus va au résultat (« 3 résultats pour … »), juste avant la liste.
  const etat = document.querySelector("main [data-etat]");
  form.addEventListener("submit", async (evenement) => {
    evenement.preventDefault();
    await valider();
    etat.tabIndex = -1;
    etat.focus();
  });
  select.addEventListener("change", () => { retenirCommune(select.value); afficher(); });
  if (dejaCalculee) afficher(); // les fonctions l'ont déjà comptée si elle était vide
  else if (champ.value.trim()) valider();
}

const page = document.querySelector("form[data-recherche-page]");
if (page) activerPage(page);
