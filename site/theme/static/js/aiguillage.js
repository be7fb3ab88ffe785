// Aiguillage : améliorations progressives. Tout le parcours fonctionne sans ce script ;
// il ajoute la recherche hors ligne, l'application hors ligne (service worker, mise à jour
// proposée) et l'envoi de ce qui attend dans la boîte d'envoi du téléphone (boite.js). Le
// formulaire (formulaire.js) et « Mes signalements » (mes-signalements.js) ont leur module,
// chargé par les seules pages qui en ont besoin ; ce que le téléphone garde pour le hors-ligne
// (hors-ligne.js) est chargé après le premier affichage.
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

/** Hors ligne, la page d'une issue remplace ses pages « par commune » : on l'adapte. Le service
 * de chaque commune et le HTML de ses blocs sont dans communes.json (à côté de la page, gardé
 * avec elle) ; chaque bloc [data-selon-commune] (l'annonce et les actions en tête, le
 * formulaire et la carte du service plus bas) reçoit ceux du service de la commune. */
async function adapterALaCommune() {
  const choix = document.querySelector("[data-choix-commune][data-par-commune]");
  if (!choix) return;
  const issue = new URL(choix.dataset.parCommune, location.href).pathname.replace(/[^/]*$/, "");
  if (location.pathname === issue) return; // la page de l'issue elle-même : le choix de la commune
  const slug = location.pathname.slice(issue.length).split("/")[0];
  const donnees = await (await fetch(choix.dataset.parCommune)).json();
  const commune = donnees.communes[slug];
  if (!commune) return;
  const [insee, nom, aLaCommune, service] = commune;
  const blocs = document.querySelectorAll("[data-selon-commune]");
  const titre = document.querySelector("[data-commune-nom]");
  titre.textContent = ` ${aLaCommune}`; // « au Guerno », écrit à la construction
  titre.hidden = false;
  document.title = `${nom} · ${document.title}`;
  choix.hidden = true;
  blocs.forEach((bloc, rang) => {
    // Le premier bloc : l'annonce et les actions ; le second (transmission) : la carte du service.
    const modele = document.createElement("template");
    modele.innerHTML = donnees.services[service][rang ? 1 : 0];
    bloc.querySelector("[data-service]").replaceChildren(modele.content);
    const champ = bloc.querySelector("input[name=commune]");
    if (champ) champ.value = insee;
    bloc.hidden = false;
  });
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

async function installerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  // Ce que le téléphone garde pour le hors-ligne (hors-ligne.js) : réglé avant l'installation
  // du worker, qui le lit. Module chargé ici, après le premier affichage.
  const horsLigne = await import("./hors-ligne.js").catch(() => null);
  const reglage = horsLigne ? await horsLigne.regler().catch(() => null) : null;
  const enregistrement = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
  if (horsLigne && reglage) horsLigne.suivre(reglage).catch(() => {});
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

// -- « 1 signalement à corriger » sur toutes les pages (bandeau.js, chargé s'il le faut) --

function suivreLaBoite() {
  const bandeau = (changement) => import("./bandeau.js").then((m) => m.afficherBandeau(changement));
  boite().envois().then((envois) => {
    if (envois.some((e) => e.etat === "a-corriger")) return bandeau();
  }).catch(() => {});
  boite().ecouter((changement) => {
    if (changement.etat === "a-corriger" || (["retire", "envoye"].includes(changement.etat)
        && document.querySelector("[data-bandeau-a-corriger]"))) bandeau(changement).catch(() => {});
  });
  // Sans BroadcastChannel, chaque envoi fait par cette page relit la boîte.
  document.addEventListener("aiguillage:envoi", (ev) => {
    if ((ev.detail && ev.detail.a_corriger.length) || document.querySelector("[data-bandeau-a-corriger]")) {
      bandeau().catch(() => {});
    }
  });
}

function demarrer() {
  for (const f of document.querySelectorAll("form[data-recherche]")) activerRecherche(f);
  if (document.querySelector("form[data-recherche-page]")) import("./recherche-ui.js").catch(() => {});
  adapterALaCommune().catch(() => {});
  if (boite()) {
    suivreLaBoite();
    // Envoyer ce qui attend : au chargement, au retour du réseau, quand la page redevient visible.
    envoyerMaintenant().catch(() => {});
    addEventListener("online", () => envoyerMaintenant().catch(() => {}));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") envoyerMaintenant().catch(() => {});
    });
    // Le service worker a envoyé (Background Sync) : les changements arrivent par la boîte
    // (BroadcastChannel) ; ce message en est le filet, pour un navigateur qui ne l'a pas.
    navigator.serviceWorker?.addEventListener("message", (ev) => {
      if (ev.data && ev.data.type === "ENVOYES") envoyerMaintenant().catch(() => {});
    });
  }
  // Après le premier affichage : l'enregistrement du worker ne retarde jamais la page.
  if (document.readyState === "complete") installerServiceWorker().catch(() => {});
  else addEventListener("load", () => installerServiceWorker().catch(() => {}), { once: true });
}

demarrer();
