// Aiguillage : améliorations progressives. Tout le parcours fonctionne sans ce script ;
// il ajoute la recherche hors ligne, l'application hors ligne (service worker, mise à jour
// proposée) et l'envoi de ce qui attend dans la boîte d'envoi du téléphone (boite.js). Le
// formulaire (formulaire.js) et « Mes signalements » (mes-signalements.js) ont leur module,
// chargé par les seules pages qui en ont besoin.
"use strict";


const boite = () => self.BoiteEnvoi;

/** La recherche de l'en-tête : son module (recherche-ui.js) et l'index ne sont chargés qu'à la
 * première utilisation. Entrée ouvre /recherche/, qui marche aussi hors ligne. */
function activerRecherche(form) {
  const champ = form.querySelector("input[name=q]");
  const charger = () => import("./recherche-ui.js").then((m) => m.activerEntete(form)).catch(() => {});
  champ.addEventListener("focus", charger, { once: true });
  champ.addEventListener("input", charger, { once: true });
  form.addEventListener("submit", (evenement) => {
    if (form.dataset.active) return; // le module s'en occupe
    evenement.preventDefault();
    const params = new URLSearchParams(new FormData(form));
    location.href = `/recherche/?${params}`;
  });
  // Sur la page d'une commune, elle est retenue sur le téléphone (clé partagée avec
  // recherche-ui.js) : la recherche dira ensuite qui s'occupe de chaque problème.
  const commune = form.querySelector("input[name=commune]");
  if (commune) try { localStorage.setItem("aiguillage:commune", commune.value); } catch { /* privé */ }
}

/** Hors ligne, la page d'une issue remplace ses pages « par commune » : on l'adapte. Chaque
 * bloc [data-selon-commune] (l'annonce et les actions en tête, le formulaire et la carte du
 * service plus bas) reçoit le modèle du service de la commune. */
function adapterALaCommune() {
  const blocs = document.querySelectorAll("[data-selon-commune]");
  if (!blocs.length) return;
  const slug = location.pathname.split("/").filter(Boolean).pop();
  const lien = document.querySelector(`[data-choix-commune] a[data-slug="${CSS.escape(slug)}"]`);
  if (!lien) return;
  const service = `template[data-gestionnaire="${CSS.escape(lien.dataset.gestionnaire)}"]`;
  const nom = document.querySelector("[data-commune-nom]");
  nom.textContent = ` ${lien.dataset.aLaCommune}`; // « au Guerno », écrit à la construction
  nom.hidden = false;
  document.title = `${lien.dataset.nom} · ${document.title}`;
  document.querySelector("[data-choix-commune]").hidden = true;
  for (const bloc of blocs) {
    const modele = bloc.querySelector(service);
    if (modele) bloc.querySelector("[data-service]").replaceChildren(modele.content.cloneNode(true));
    const commune = bloc.querySelector("input[name=commune]");
    if (commune) commune.value = lien.dataset.insee;
    bloc.hidden = false;
  }
}

// -- l'application hors ligne ------------------------------------------------------------

function proposerMiseAJour(enregistrement) {
  const annonce = document.createElement("div");
  annonce.className = "mise-a-jour";
  annonce.setAttribute("role", "status");
  annonce.innerHTML = "<p>Une nouvelle version du site est disponible.</p>"
    + '<p><button type="button" class="bouton-secondaire">Mettre à jour</button></p>';
  annonce.querySelector("button").addEventListener("click", () => {
    navigator.serviceWorker.addEventListener("controllerchange", () => location.reload(), { once: true });
    enregistrement.waiting.postMessage({ type: "ACTIVER" });
  });
  document.body.prepend(annonce);
}

// -- ce que le téléphone garde pour le hors-ligne ---------------------------------------
// Sur une connexion ordinaire, tout le parcours ; sur une connexion économe (Save-Data, ou
// une connexion lente), la coquille et les pages visitées, et tout le parcours quand la
// personne le demande. Le réglage est écrit là où le service worker le lit (Cache Storage),
// avant son installation : sw.js le lit pour savoir quoi télécharger.
const REGLAGES = "aiguillage:reglages";
const REGLAGE = "/.aiguillage/hors-ligne";
const LENTES = new Set(["slow-2g", "2g", "3g"]);

/** Vrai si la personne économise ses données, ou si la connexion est lente. */
export function connexionEconome() {
  const connexion = navigator.connection;
  return Boolean(connexion && (connexion.saveData || LENTES.has(connexion.effectiveType)));
}

/** Écrit {tout, choisi} ; un « tout » choisi par la personne n'est jamais repris. */
async function reglerLeHorsLigne() {
  const cache = await caches.open(REGLAGES);
  const garde = await cache.match(REGLAGE);
  const reglage = garde ? await garde.json().catch(() => null) : null;
  if (reglage && reglage.choisi) return reglage;
  const nouveau = { tout: !connexionEconome(), choisi: false };
  await cache.put(REGLAGE, new Response(JSON.stringify(nouveau), { headers: { "Content-Type": "application/json" } }));
  return nouveau;
}

/** Pose une question au worker actif ; sa réponse revient par un MessageChannel. */
function demander(worker, message) {
  return new Promise((resoudre) => {
    const canal = new MessageChannel();
    canal.port1.onmessage = (evenement) => resoudre(evenement.data);
    worker.postMessage(message, [canal.port2]);
  });
}

const TEXTES_HORS_LIGNE = {
  complet: "Tout le parcours est gardé sur cet appareil : il s'ouvre aussi sans réseau.",
  partiel: "Votre connexion est lente ou économise les données : sur cet appareil, seules les pages déjà ouvertes s'ouvrent sans réseau.",
  encours: "Téléchargement du parcours pour le hors-ligne…",
  erreur: "Le parcours n'a pas pu être téléchargé : réessayez quand le réseau sera meilleur.",
};

/** Le bloc du pied de page qui dit ce qui est gardé, et propose le reste. Construit ici (il
 * ne sert qu'avec le service worker) et ajouté en fin de page : rien ne bouge au-dessus. */
function blocHorsLigne() {
  let bloc = document.querySelector("[data-hors-ligne]");
  if (bloc) return bloc;
  bloc = document.createElement("div");
  bloc.className = "hors-ligne-etat";
  bloc.dataset.horsLigne = "";
  bloc.innerHTML = '<p data-hors-ligne-etat tabindex="-1"></p><p data-hors-ligne-choix>'
    + '<button type="button" class="bouton-secondaire" data-garder-tout>Garder tout le parcours '
    + "pour le hors-ligne (≈\u00a0<span data-garder-poids></span>\u00a0Ko)</button></p>";
  (document.querySelector("footer .cadre") || document.body).append(bloc);
  return bloc;
}

/** Dit ce qui est gardé ; le reste est proposé avec son poids (calculé à la construction). */
function afficherHorsLigne(bloc, etat) {
  bloc.querySelector("[data-hors-ligne-etat]").textContent =
    TEXTES_HORS_LIGNE[etat.erreur ? "erreur" : etat.complet ? "complet" : "partiel"];
  bloc.querySelector("[data-garder-poids]").textContent = Math.max(1, Math.round((etat.octets || 0) / 1024));
  bloc.querySelector("[data-hors-ligne-choix]").hidden = etat.complet;
}

async function suivreLeHorsLigne(reglage) {
  const enregistrement = await navigator.serviceWorker.ready;
  const worker = enregistrement.active;
  let etat = await demander(worker, { type: "ETAT_HORS_LIGNE" });
  // Passée d'une connexion économe à une connexion ordinaire : le reste suit, comme à l'installation.
  if (!etat.complet && reglage.tout) etat = await demander(worker, { type: "GARDER_TOUT", choisi: false });
  const bloc = blocHorsLigne();
  afficherHorsLigne(bloc, etat);
  const bouton = bloc.querySelector("[data-garder-tout]");
  const message = bloc.querySelector("[data-hors-ligne-etat]");
  bouton.addEventListener("click", async () => {
    bouton.disabled = true;
    message.textContent = TEXTES_HORS_LIGNE.encours;
    const fin = await demander(worker, { type: "GARDER_TOUT", choisi: true });
    bouton.disabled = false;
    afficherHorsLigne(bloc, fin);
    message.focus(); // le résultat de l'action, là où la personne le lira
  });
}

async function installerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  const reglage = await reglerLeHorsLigne().catch(() => ({ tout: true, choisi: false }));
  const enregistrement = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  suivreLeHorsLigne(reglage).catch(() => {});
  const dejaControlee = Boolean(navigator.serviceWorker.controller);
  const surveiller = (worker) => worker && worker.addEventListener("statechange", () => {
    // Jamais de rechargement imposé : la personne peut être en train d'écrire.
    if (worker.state === "installed" && dejaControlee) proposerMiseAJour(enregistrement);
  });
  if (enregistrement.waiting && dejaControlee) proposerMiseAJour(enregistrement);
  surveiller(enregistrement.installing);
  enregistrement.addEventListener("updatefound", () => surveiller(enregistrement.installing));
}

/** Envoie ce qui attend dans la boîte, et le dit sur la page. */
export async function envoyerMaintenant() {
  if (!boite()) return null;
  const bilan = await boite().envoyer();
  document.dispatchEvent(new CustomEvent("aiguillage:envoi", { detail: bilan }));
  return bilan;
}

function demarrer() {
  for (const f of document.querySelectorAll("form[data-recherche]")) activerRecherche(f);
  if (document.querySelector("form[data-recherche-page]")) import("./recherche-ui.js").catch(() => {});
  adapterALaCommune();
  if (boite()) {
    // Envoyer ce qui attend : au chargement, au retour du réseau, quand la page redevient visible.
    envoyerMaintenant().catch(() => {});
    addEventListener("online", () => envoyerMaintenant().catch(() => {}));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") envoyerMaintenant().catch(() => {});
    });
    // Le service worker a envoyé sans cette page (Background Sync) : elle se met à jour.
    navigator.serviceWorker?.addEventListener("message", (ev) => {
      if (ev.data && ev.data.type === "ENVOYES") envoyerMaintenant().catch(() => {});
    });
  }
  // Après le premier affichage : l'enregistrement du worker ne retarde jamais la page.
  if (document.readyState === "complete") installerServiceWorker().catch(() => {});
  else addEventListener("load", () => installerServiceWorker().catch(() => {}), { once: true });
}

demarrer();
