// Service worker d'Aiguillage — écrit à la construction (site/plugins/arbre/hors_ligne.py).
// La liste des fichiers et leurs empreintes change à chaque modification du contenu ou du
// thème : le navigateur voit alors un nouveau worker. Il attend que la personne choisisse
// « Mettre à jour » (jamais de rechargement imposé au milieu d'un formulaire).
//
// Ce qu'il garde ne dépend pas de la taille du parcours (docs/hors-ligne.md) : à la première
// visite, la coquille (ouvrir le site, signaler, suivre ses signalements) et les questions de
// premier niveau, et sur une connexion ordinaire le complément (pages d'information, plan, la
// recherche si son index est compact) ; puis chaque page visitée et, sur une connexion
// ordinaire, toute la famille où l'on entre (les manifestes des familles, /hors-ligne/familles/<famille>.json, sont lus à
// la demande) ; tout le parcours quand la personne le demande (« Garder tout le parcours »).
// Le réglage est écrit par la page avant l'enregistrement (hors-ligne.js) : {tout, choisi},
// « tout » sur une connexion ordinaire (les familles entières), « choisi » si la personne a
// demandé tout le parcours.
"use strict";

importScripts({{ boite|tojson }});

const VERSION = {{ version|tojson }};
const CACHE = `aiguillage-${VERSION}`;
// [adresse, empreinte, octets téléchargés (gzip)] : la coquille, gardée à l'installation…
const COQUILLE = {{ coquille|tojson }};
// … le complément (pages d'information, plan du site, la recherche si son index est compact),
// gardé aussi à l'installation sur une connexion ordinaire, à son premier usage sinon…
const COMPLEMENT = {{ complement|tojson }};
// … et les autres fichiers communs (la recherche d'un grand parcours : sa base et ses
// morceaux), gardés à leur premier usage.
const AUTRES = {{ autres|tojson }};
// Les adresses de la recherche (sa page, son code, son index et ses morceaux) : toutes sont
// gardées en arrière-plan dès la première recherche, sinon une recherche hors ligne ne
// trouverait que les mots déjà cherchés en ligne.
const RECHERCHE = {{ recherche|tojson }};
const INDEX_RECHERCHE = "/recherche.json";
// Chaque famille : [empreinte de son manifeste, octets téléchargés (gzip), nombre de fichiers].
const FAMILLES = {{ familles|tojson }};
const DOSSIER_FAMILLES = {{ dossier_familles|tojson }};
const COMMUNS = [...COQUILLE, ...COMPLEMENT, ...AUTRES];
const EMPREINTES = new Map(COMMUNS.map(([url, empreinte]) => [url, empreinte]));
// Le réglage du hors-ligne, écrit par la page : {tout, choisi} (voir theme/js/hors-ligne.js).
const REGLAGES = "aiguillage:reglages";
const REGLAGE = "/.aiguillage/hors-ligne";
const HORS_LIGNE = "/hors-ligne/";
const EMPREINTE = "X-Aiguillage-Empreinte";

async function recuperer(cacheNeuf, anciens, url, empreinte) {
  for (const ancien of anciens) {
    const garde = await ancien.match(url);
    if (garde && garde.headers.get(EMPREINTE) === empreinte) return cacheNeuf.put(url, garde);
  }
  const reponse = await fetch(url, { cache: "no-cache", credentials: "same-origin" });
  if (!reponse.ok) throw new Error(`${url} : ${reponse.status}`);
  const entetes = new Headers(reponse.headers);
  entetes.set(EMPREINTE, empreinte);
  // Une réponse redirigée est refusée pour une navigation : on la ré-emballe.
  return cacheNeuf.put(url, new Response(await reponse.blob(), {
    status: reponse.status, statusText: reponse.statusText, headers: entetes,
  }));
}

/** Garde `liste` dans `cache`, six téléchargements à la fois. */
async function garder(cache, anciens, liste) {
  const restants = [...liste];
  const ouvriers = Array.from({ length: 6 }, async () => {
    while (restants.length) {
      const [url, empreinte] = restants.shift();
      await recuperer(cache, anciens, url, empreinte);
    }
  });
  await Promise.all(ouvriers);
}

async function lireReglage() {
  try {
    const garde = await (await caches.open(REGLAGES)).match(REGLAGE);
    return garde ? await garde.json() : null;
  } catch {
    return null;
  }
}

async function ecrireReglage(reglage) {
  await (await caches.open(REGLAGES)).put(REGLAGE, new Response(JSON.stringify(reglage), {
    headers: { "Content-Type": "application/json" },
  }));
}

// -- les familles -----------------------------------------------------------------------

/** La famille d'une adresse : « voirie » pour /voirie/… et pour /plan-du-site/voirie/. */
function familleDe(chemin) {
  const morceaux = chemin.split("/").filter(Boolean);
  if (morceaux[0] === "plan-du-site" && morceaux.length > 1 && Object.hasOwn(FAMILLES, morceaux[1])) {
    return morceaux[1];
  }
  return morceaux.length && Object.hasOwn(FAMILLES, morceaux[0]) ? morceaux[0] : null;
}

// Les manifestes déjà lus par ce worker : {fichiers, par_commune, empreintes}.
const manifestes = new Map();

/** Le manifeste d'une famille : du cache, sinon du réseau (il est alors gardé : hors ligne,
 * il dit quelles pages « par commune » la page d'une issue remplace). */
async function manifeste(nom, cache, anciens = []) {
  if (!nom) return null;
  if (manifestes.has(nom)) return manifestes.get(nom);
  const url = `${DOSSIER_FAMILLES}${nom}.json`;
  let garde = await cache.match(url);
  if (!garde) {
    await recuperer(cache, anciens, url, FAMILLES[nom][0]);
    garde = await cache.match(url);
  }
  const contenu = await garde.json();
  contenu.empreintes = new Map(contenu.fichiers.map(([adresse, empreinte]) => [adresse, empreinte]));
  manifestes.set(nom, contenu);
  return contenu;
}

/** L'empreinte d'un fichier du site (undefined s'il n'est pas à garder). */
async function empreinteDe(chemin, cache, anciens = []) {
  if (EMPREINTES.has(chemin)) return EMPREINTES.get(chemin);
  const famille = await manifeste(familleDe(chemin), cache, anciens).catch(() => null);
  return famille ? famille.empreintes.get(chemin) : undefined;
}

/** Pour « /issue/commune/ » d'une issue qui dépend de la commune : « /issue/ » (hors ligne,
 * la page de l'issue la remplace ; son manifeste le dit). */
async function pageDeLIssue(chemin, cache) {
  const morceaux = chemin.split("/").filter(Boolean);
  if (morceaux.length < 2) return null;
  const issue = `/${morceaux.slice(0, -1).join("/")}/`;
  const famille = await manifeste(familleDe(issue), cache).catch(() => null);
  return famille && famille.par_commune.includes(issue) ? issue : null;
}

/** Ce qu'il faut pour ouvrir `chemin` hors ligne : la page, ou pour une page « par commune »
 * la page de l'issue et les services de ses communes ([adresse, empreinte]). */
async function pourOuvrir(chemin, cache, anciens = []) {
  const empreinte = await empreinteDe(chemin, cache, anciens);
  if (empreinte) return [[chemin, empreinte]];
  const issue = await pageDeLIssue(chemin, cache);
  if (!issue) return [];
  const liste = [];
  for (const adresse of [issue, `${issue}communes.json`]) {
    const e = await empreinteDe(adresse, cache, anciens);
    if (e) liste.push([adresse, e]);
  }
  return liste;
}

/** Garde toute une famille (à son entrée, sur une connexion ordinaire). */
const famillesGardees = new Set();
async function garderFamille(nom, cache) {
  if (!nom || famillesGardees.has(nom)) return;
  const famille = await manifeste(nom, cache);
  const gardes = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  await garder(cache, [], famille.fichiers.filter(([url]) => !gardes.has(url)));
  famillesGardees.add(nom);
}

/** Garde toute la recherche (à la première recherche : la page demande l'index). Un
 * téléchargement interrompu (hors ligne, worker arrêté) reprend à la recherche suivante. */
let rechercheGardee = false;
async function garderLaRecherche(cache) {
  if (rechercheGardee) return;
  const gardes = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  const manquantes = RECHERCHE.filter((url) => !gardes.has(url));
  await garder(cache, [], manquantes.map((url) => [url, EMPREINTES.get(url)]));
  rechercheGardee = true;
}

// -- l'installation ---------------------------------------------------------------------

/** Ce que garde l'installation : la coquille, les pages ouvertes en ce moment et ce que la
 * version précédente gardait déjà ; tout le parcours si la personne l'a demandé. La famille
 * d'une page ouverte suit après l'installation (la page le demande : « ENTRER ») : la
 * première visite ne télécharge jamais d'office plus que la coquille et cette page. */
async function installer(cache, anciens) {
  const reglage = await lireReglage();
  await garder(cache, anciens, !reglage || reglage.tout ? [...COQUILLE, ...COMPLEMENT] : COQUILLE);
  if (reglage && reglage.choisi) return garderTout(false, cache, anciens);
  const voulues = new Set();
  for (const ancien of anciens) {
    for (const requete of await ancien.keys()) voulues.add(new URL(requete.url).pathname);
  }
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    voulues.add(adresseGardee(new URL(client.url)));
  }
  // La recherche déjà utilisée : toute la nouvelle (ses morceaux ont changé de nom).
  if (voulues.has(INDEX_RECHERCHE)) RECHERCHE.forEach((url) => voulues.add(url));
  const liste = [];
  for (const chemin of voulues) {
    if (chemin.startsWith(DOSSIER_FAMILLES)) continue; // relus avec leur famille
    liste.push(...await pourOuvrir(chemin, cache, anciens).catch(() => []));
  }
  await garder(cache, anciens, liste);
}

self.addEventListener("install", (evenement) => {
  evenement.waitUntil((async () => {
    const noms = (await caches.keys()).filter((n) => n.startsWith("aiguillage-") && n !== CACHE);
    const anciens = await Promise.all(noms.map((n) => caches.open(n)));
    await installer(await caches.open(CACHE), anciens);
  })());
});

// Vrai dès que tout le parcours est gardé (par ce worker-ci : un worker arrêté puis relancé
// le recalcule) : chaque page le demande, inutile de relire le cache à chaque fois.
let toutGarde = false;

/** Ce qui manque pour tout le parcours : {complet, fichiers, octets}. Une famille dont le
 * manifeste n'est pas encore lu compte pour tout son poids. */
async function etatHorsLigne() {
  if (toutGarde) return { complet: true, fichiers: 0, octets: 0 };
  const cache = await caches.open(CACHE);
  const gardes = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  let fichiers = 0;
  let octets = 0;
  for (const [url, , poids] of COMMUNS) {
    if (!gardes.has(url)) { fichiers += 1; octets += poids; }
  }
  for (const [nom, [, poids, nombre]] of Object.entries(FAMILLES)) {
    if (!gardes.has(`${DOSSIER_FAMILLES}${nom}.json`)) { fichiers += nombre; octets += poids; continue; }
    for (const [url, , p] of (await manifeste(nom, cache)).fichiers) {
      if (!gardes.has(url)) { fichiers += 1; octets += p; }
    }
  }
  toutGarde = fichiers === 0;
  return { complet: toutGarde, fichiers, octets };
}

/** Garde tout le parcours ; `choisi` : à la demande de la personne (le réglage le retient
 * pour les versions suivantes, quelle que soit la connexion). */
async function garderTout(choisi, cache, anciens = []) {
  cache = cache || await caches.open(CACHE);
  const gardes = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  const liste = [...COMMUNS];
  for (const nom of Object.keys(FAMILLES)) liste.push(...(await manifeste(nom, cache, anciens)).fichiers);
  await garder(cache, anciens, liste.filter(([url]) => !gardes.has(url)));
  const reglage = await lireReglage();
  await ecrireReglage({ tout: true, choisi: Boolean(choisi || (reglage && reglage.choisi)) });
}

self.addEventListener("activate", (evenement) => {
  evenement.waitUntil((async () => {
    for (const nom of await caches.keys()) {
      if (nom.startsWith("aiguillage-") && nom !== CACHE) await caches.delete(nom);
    }
    await self.clients.claim();
  })());
});

/** Vide la boîte d'envoi ; les pages ouvertes l'apprennent par la boîte (BroadcastChannel),
 * et par ce message si quelque chose est parti ou a été refusé. */
async function envoyer() {
  const bilan = await self.BoiteEnvoi.envoyer();
  if (!bilan || !(bilan.envoyes.length || bilan.a_corriger.length)) return;
  for (const client of await self.clients.matchAll({ type: "window" })) {
    client.postMessage({ type: "ENVOYES" });
  }
}

self.addEventListener("message", (evenement) => {
  const type = evenement.data && evenement.data.type;
  const rendre = (reponse) => evenement.ports[0] && evenement.ports[0].postMessage(reponse);
  if (type === "ACTIVER") self.skipWaiting();
  if (type === "ENVOYER") evenement.waitUntil(envoyer());
  if (type === "ENTRER" && typeof evenement.data.chemin === "string") {
    evenement.waitUntil(caches.open(CACHE).then((cache) => entrer(evenement.data.chemin, cache)).catch(() => {}));
  }
  if (type === "ETAT_HORS_LIGNE") evenement.waitUntil(etatHorsLigne().then(rendre));
  if (type === "GARDER_TOUT") {
    evenement.waitUntil(garderTout(evenement.data.choisi)
      .then(etatHorsLigne)
      .catch((erreur) => ({ complet: false, erreur: String(erreur) }))
      .then(rendre));
  }
});

/** L'adresse gardée pour une navigation : « /a/b », « /a/b/index.html » → « /a/b/ ». */
function adresseGardee(url) {
  let chemin = url.pathname;
  if (chemin.endsWith("/index.html")) chemin = chemin.slice(0, -"index.html".length);
  else if (!chemin.endsWith("/") && !/\.[a-z0-9]+$/i.test(chemin)) chemin += "/";
  return chemin;
}

/** Un fichier du site servi par le réseau est gardé au passage (avec son empreinte) : c'est
 * ainsi que les pages visitées restent disponibles hors ligne. La page « par commune » d'une
 * issue garde la page de l'issue et les services de ses communes, qui la remplacent hors ligne. */
async function garderAuPassage(cache, chemin, reponse) {
  const empreinte = await empreinteDe(chemin, cache);
  if (empreinte && reponse.ok && reponse.type === "basic") {
    const entetes = new Headers(reponse.headers);
    entetes.set(EMPREINTE, empreinte);
    await cache.put(chemin, new Response(await reponse.blob(), {
      status: reponse.status, statusText: reponse.statusText, headers: entetes,
    }));
    // La page d'une issue « par commune » : les services de ses communes avec elle.
    const famille = await manifeste(familleDe(chemin), cache).catch(() => null);
    if (!famille || !famille.par_commune.includes(chemin)) return;
    chemin = `${chemin}communes.json`;
    const services = famille.empreintes.get(chemin);
    if (services && !(await cache.match(chemin))) await recuperer(cache, [], chemin, services);
    return;
  }
  for (const [adresse, e] of await pourOuvrir(chemin, cache)) {
    if (!(await cache.match(adresse))) await recuperer(cache, [], adresse, e);
  }
}

/** Sur une connexion ordinaire, entrer dans une famille la garde tout entière. La page le
 * demande (« ENTRER », hors-ligne.js) après son évènement `load` : le téléchargement de la
 * famille ne dispute jamais le réseau au premier affichage. */
async function entrer(chemin, cache) {
  const nom = familleDe(chemin);
  if (!nom || famillesGardees.has(nom)) return;
  const reglage = await lireReglage();
  if (!reglage || reglage.tout) await garderFamille(nom, cache);
}

async function repondre(evenement) {
  const requete = evenement.request;
  const url = new URL(requete.url);
  const cache = await caches.open(CACHE);
  const navigation = requete.mode === "navigate";
  const chemin = navigation ? adresseGardee(url) : url.pathname;
  if (chemin === INDEX_RECHERCHE && !url.search) {
    evenement.waitUntil(garderLaRecherche(cache).catch(() => {}));
  }
  const garde = await cache.match(chemin + (navigation ? "" : url.search));
  if (garde) return garde;
  try {
    const reponse = await fetch(requete);
    if (navigation || !url.search) {
      evenement.waitUntil(garderAuPassage(cache, chemin, reponse.clone()).catch(() => {}));
    }
    return reponse;
  } catch (erreur) {
    if (!navigation) throw erreur;
    const issue = await pageDeLIssue(chemin, cache).catch(() => null);
    const remplacante = (issue && await cache.match(issue)) || await cache.match(HORS_LIGNE);
    if (remplacante) return remplacante;
    throw erreur;
  }
}

self.addEventListener("fetch", (evenement) => {
  const requete = evenement.request;
  const url = new URL(requete.url);
  if (requete.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return; // toujours le réseau, jamais un cache
  evenement.respondWith(repondre(evenement));
});

self.addEventListener("sync", (evenement) => {
  if (evenement.tag === "aiguillage-envoi") evenement.waitUntil(envoyer());
});

self.addEventListener("push", (evenement) => {
  let message = {};
  try { message = evenement.data ? evenement.data.json() : {}; } catch { message = {}; }
  const titre = message.titre || "Votre signalement a avancé";
  evenement.waitUntil(self.registration.showNotification(titre, {
    body: message.texte || "Ouvrez le suivi pour voir ce qui a changé.",
    tag: message.reference || "aiguillage",
    renotify: true,
    lang: "fr",
    dir: "ltr",
    icon: "/theme/icones/icone-192.png",
    badge: "/theme/icones/favicon-32.png",
    data: { url: message.url || "/mes-signalements/" },
  }));
});

self.addEventListener("notificationclick", (evenement) => {
  evenement.notification.close();
  const cible = new URL(evenement.notification.data.url, self.location.origin).href;
  evenement.waitUntil((async () => {
    for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
      if (client.url === cible && "focus" in client) return client.focus();
    }
    return self.clients.openWindow(cible);
  })());
});
