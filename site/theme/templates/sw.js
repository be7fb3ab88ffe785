// Service worker d'Aiguillage — écrit à la construction (site/plugins/arbre/hors_ligne.py).
// La liste des fichiers et leurs empreintes change à chaque modification du contenu ou du
// thème : le navigateur voit alors un nouveau worker. Il attend que la personne choisisse
// « Mettre à jour » (jamais de rechargement imposé au milieu d'un formulaire).
//
// Ce qu'il garde dépend du réglage que la page écrit avant de l'enregistrer (hors-ligne.js) :
// tout le parcours sur une connexion ordinaire ; sur une connexion économe (Save-Data, 2G,
// 3G), la coquille, les pages ouvertes puis chaque fichier de la liste qu'il sert depuis le
// réseau, et tout le parcours quand la personne le demande (« Garder tout le parcours »).
"use strict";

importScripts({{ boite|tojson }});

const VERSION = {{ version|tojson }};
const CACHE = `aiguillage-${VERSION}`;
// [adresse, empreinte, octets téléchargés (gzip)] de chaque fichier à garder pour le hors-ligne.
const FICHIERS = {{ fichiers|tojson }};
const EMPREINTES = new Map(FICHIERS.map(([url, empreinte]) => [url, empreinte]));
// Gardé même sur une connexion économe : ouvrir le site, signaler, suivre ses signalements.
const COQUILLE = new Set({{ coquille|tojson }});
// Le réglage du hors-ligne, écrit par la page : {tout, choisi} (voir theme/js/hors-ligne.js).
const REGLAGES = "aiguillage:reglages";
const REGLAGE = "/.aiguillage/hors-ligne";
// Issues dont le service dépend de la commune : leurs pages « par commune » ne sont pas
// gardées une à une ; hors ligne, la page de l'issue les remplace (elle sait les afficher).
const PAR_COMMUNE = new Set({{ par_commune|tojson }});
const COMMUNES = new Set({{ communes|tojson }});
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

/** Ce que garde l'installation : tout le parcours ; ou, sur une connexion économe, la
 * coquille, les pages ouvertes en ce moment et ce que la version précédente gardait déjà. */
async function aGarder(anciens) {
  const reglage = await lireReglage();
  if (!reglage || reglage.tout) return FICHIERS;
  const voulues = new Set(COQUILLE);
  for (const ancien of anciens) {
    for (const requete of await ancien.keys()) voulues.add(new URL(requete.url).pathname);
  }
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    const chemin = adresseGardee(new URL(client.url));
    voulues.add(pageDeLIssue(chemin) || chemin);
  }
  return FICHIERS.filter(([url]) => voulues.has(url));
}

self.addEventListener("install", (evenement) => {
  evenement.waitUntil((async () => {
    const noms = (await caches.keys()).filter((n) => n.startsWith("aiguillage-") && n !== CACHE);
    const anciens = await Promise.all(noms.map((n) => caches.open(n)));
    const cache = await caches.open(CACHE);
    await garder(cache, anciens, await aGarder(anciens));
  })());
});

// Vrai dès que tout le parcours est gardé (par ce worker-ci : un worker arrêté puis relancé
// le recalcule) : chaque page le demande, inutile de relire le cache à chaque fois.
let toutGarde = false;

/** Ce qui manque pour tout le parcours : {complet, fichiers, octets}. */
async function etatHorsLigne() {
  if (toutGarde) return { complet: true, fichiers: 0, octets: 0 };
  const cache = await caches.open(CACHE);
  const gardes = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  const manquants = FICHIERS.filter(([url]) => !gardes.has(url));
  toutGarde = manquants.length === 0;
  return {
    complet: manquants.length === 0,
    fichiers: manquants.length,
    octets: manquants.reduce((total, [, , octets]) => total + octets, 0),
  };
}

/** Garde tout le parcours ; `choisi` : à la demande de la personne (le réglage le retient
 * pour les versions suivantes, quelle que soit la connexion). */
async function garderTout(choisi) {
  const cache = await caches.open(CACHE);
  const gardes = new Set((await cache.keys()).map((r) => new URL(r.url).pathname));
  await garder(cache, [], FICHIERS.filter(([url]) => !gardes.has(url)));
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

/** Pour « /issue/commune/ » d'une issue qui dépend de la commune : « /issue/ ». */
function pageDeLIssue(chemin) {
  const morceaux = chemin.split("/").filter(Boolean);
  const commune = morceaux.pop();
  const issue = `/${morceaux.join("/")}/`;
  return COMMUNES.has(commune) && PAR_COMMUNE.has(issue) ? issue : null;
}

/** Un fichier de la liste servi par le réseau est gardé au passage (avec son empreinte) : sur
 * une connexion économe, c'est ainsi que les pages visitées restent disponibles hors ligne.
 * La page « par commune » d'une issue garde la page de l'issue, qui la remplace hors ligne. */
async function garderAuPassage(cache, chemin, reponse) {
  const empreinte = EMPREINTES.get(chemin);
  if (empreinte && reponse.ok && reponse.type === "basic") {
    const entetes = new Headers(reponse.headers);
    entetes.set(EMPREINTE, empreinte);
    await cache.put(chemin, new Response(await reponse.blob(), {
      status: reponse.status, statusText: reponse.statusText, headers: entetes,
    }));
  }
  const issue = pageDeLIssue(chemin);
  if (issue && !(await cache.match(issue))) await recuperer(cache, [], issue, EMPREINTES.get(issue));
}

async function repondre(evenement) {
  const requete = evenement.request;
  const url = new URL(requete.url);
  const cache = await caches.open(CACHE);
  const chemin = requete.mode === "navigate" ? adresseGardee(url) : url.pathname;
  const garde = await cache.match(chemin + (requete.mode === "navigate" ? "" : url.search));
  if (garde) return garde;
  try {
    const reponse = await fetch(requete);
    if (requete.mode === "navigate" || !url.search) {
      evenement.waitUntil(garderAuPassage(cache, chemin, reponse.clone()).catch(() => {}));
    }
    return reponse;
  } catch (erreur) {
    if (requete.mode !== "navigate") throw erreur;
    const issue = pageDeLIssue(chemin);
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
