// Service worker d'Aiguillage — écrit à la construction (site/plugins/arbre/hors_ligne.py).
// La liste des fichiers et leurs empreintes change à chaque modification du contenu ou du
// thème : le navigateur voit alors un nouveau worker. Il attend que la personne choisisse
// « Mettre à jour » (jamais de rechargement imposé au milieu d'un formulaire).
"use strict";

importScripts({{ boite|tojson }});

const VERSION = {{ version|tojson }};
const CACHE = `aiguillage-${VERSION}`;
// [adresse, empreinte] de chaque fichier à garder pour le hors-ligne.
const FICHIERS = {{ fichiers|tojson }};
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

self.addEventListener("install", (evenement) => {
  evenement.waitUntil((async () => {
    const noms = (await caches.keys()).filter((n) => n.startsWith("aiguillage-") && n !== CACHE);
    const anciens = await Promise.all(noms.map((n) => caches.open(n)));
    const cache = await caches.open(CACHE);
    const restants = [...FICHIERS];
    const ouvriers = Array.from({ length: 6 }, async () => {
      while (restants.length) {
        const [url, empreinte] = restants.shift();
        await recuperer(cache, anciens, url, empreinte);
      }
    });
    await Promise.all(ouvriers);
  })());
});

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
  if (evenement.data && evenement.data.type === "ACTIVER") self.skipWaiting();
  if (evenement.data && evenement.data.type === "ENVOYER") evenement.waitUntil(envoyer());
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

async function repondre(requete) {
  const url = new URL(requete.url);
  const cache = await caches.open(CACHE);
  const chemin = requete.mode === "navigate" ? adresseGardee(url) : url.pathname;
  const garde = await cache.match(chemin + (requete.mode === "navigate" ? "" : url.search));
  if (garde) return garde;
  try {
    return await fetch(requete);
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
  evenement.respondWith(repondre(requete));
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
