"use strict";

// Ce que le téléphone garde pour le hors-ligne (chargé par aiguillage.js avant d'enregistrer
// le service worker).
// Toujours la coquille (ouvrir le site, signaler, suivre) et les questions de premier niveau,
// puis les pages visitées ; sur une connexion ordinaire, toute la famille où l'on entre ; sur
// une connexion économe (Save-Data, ou une connexion lente), les pages visitées seulement ;
// tout le parcours quand la personne le demande. Le réglage est écrit là où le service worker le lit (Cache Storage),
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
export async function regler() {
  const cache = await caches.open(REGLAGES);
  const garde = await cache.match(REGLAGE);
  const reglage = garde ? await garde.json().catch(() => null) : null;
  if (reglage && reglage.choisi) return reglage;
  const nouveau = { tout: !connexionEconome(), choisi: false };
  if (reglage && reglage.tout === nouveau.tout) return reglage; // rien à réécrire
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
  familles: "Les pages ouvertes et leur famille de problèmes sont gardées sur cet appareil : elles s'ouvrent aussi sans réseau.",
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
function afficherHorsLigne(bloc, etat, reglage) {
  const partiel = reglage.tout ? "familles" : "partiel";
  bloc.querySelector("[data-hors-ligne-etat]").textContent =
    TEXTES_HORS_LIGNE[etat.erreur ? "erreur" : etat.complet ? "complet" : partiel];
  // Un échec (hors ligne) ne dit pas ce qui manque : le poids affiché reste celui d'avant.
  if (typeof etat.octets === "number") {
    bloc.querySelector("[data-garder-poids]").textContent = Math.max(1, Math.round(etat.octets / 1024));
  }
  bloc.querySelector("[data-hors-ligne-choix]").hidden = etat.complet;
}

/** Dit dans le pied de page ce qui est gardé, et propose le reste (tout le parcours). */
export async function suivre(reglage) {
  const enregistrement = await navigator.serviceWorker.ready;
  const worker = enregistrement.active;
  // La famille de la page suit (connexion ordinaire), après le premier affichage : ce module
  // n'est chargé qu'à l'évènement `load`.
  worker.postMessage({ type: "ENTRER", chemin: location.pathname });
  let etat = await demander(worker, { type: "ETAT_HORS_LIGNE" });
  // Tout le parcours a été demandé (par exemple avant une nouvelle version) : le reste suit.
  if (!etat.complet && reglage.choisi) etat = await demander(worker, { type: "GARDER_TOUT", choisi: true });
  const bloc = blocHorsLigne();
  afficherHorsLigne(bloc, etat, reglage);
  const bouton = bloc.querySelector("[data-garder-tout]");
  const message = bloc.querySelector("[data-hors-ligne-etat]");
  bouton.addEventListener("click", async () => {
    // Le focus va au message (le bouton désactivé le perdrait), qui dit « Téléchargement… »
    // puis le résultat ; annoncé poliment, puisqu'il change pendant qu'on y est.
    message.setAttribute("aria-live", "polite");
    message.textContent = TEXTES_HORS_LIGNE.encours;
    message.focus();
    bouton.disabled = true;
    const fin = await demander(worker, { type: "GARDER_TOUT", choisi: true });
    bouton.disabled = false;
    afficherHorsLigne(bloc, fin, reglage);
  });
}
