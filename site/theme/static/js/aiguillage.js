// Aiguillage : améliorations progressives. Tout le parcours fonctionne sans ce script ;
// il ajoute la recherche hors ligne, l'application hors ligne (service worker, mise à jour
// proposée) et l'envoi de ce qui attend dans la boîte d'envoi du téléphone (boite.js). Le
// formulaire (formulaire.js) et « Mes signalements » (mes-signalements.js) ont leur module,
// chargé par les seules pages qui en ont besoin.
"use strict";


const boite = () => self.BoiteEnvoi;

function activerRecherche(form) {
  const champ = form.querySelector("input[type=search]");
  const etat = form.querySelector(".recherche-etat");
  const liste = form.querySelector(".recherche-resultats");
  let index = null;
  let recherche = null;
  form.hidden = false;
  async function charger() {
    // Le code et l'index de la recherche ne sont chargés qu'à la première utilisation.
    if (!recherche) recherche = await import("./recherche.js");
    if (!index) index = await (await fetch(form.dataset.index)).json();
    return index;
  }
  async function afficher() {
    const requete = champ.value;
    liste.replaceChildren();
    if (requete.trim().length < 2) { liste.hidden = true; etat.textContent = ""; return; }
    let trouves;
    try {
      const entrees = await charger();
      trouves = recherche.chercher(entrees, requete);
    }
    catch { etat.textContent = "La recherche n'est pas disponible pour le moment."; return; }
    for (const e of trouves) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = e.u;
      a.textContent = e.l;
      if (e.c) {
        const chemin = document.createElement("span");
        chemin.textContent = e.c;
        a.append(chemin);
      }
      li.append(a);
      liste.append(li);
    }
    liste.hidden = trouves.length === 0;
    etat.textContent = trouves.length
      ? `${trouves.length} résultat${trouves.length > 1 ? "s" : ""}.`
      : "Aucun résultat. Essayez un autre mot, ou choisissez ci-dessous.";
  }
  champ.addEventListener("input", afficher);
  champ.addEventListener("focus", () => charger().catch(() => {}), { once: true });
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const premier = liste.querySelector("a");
    if (premier) location.href = premier.href;
  });
}

/** Hors ligne, la page d'une issue remplace ses pages « par commune » : on l'adapte. */
function adapterALaCommune() {
  const bloc = document.querySelector("[data-selon-commune]");
  if (!bloc) return;
  const slug = location.pathname.split("/").filter(Boolean).pop();
  const lien = document.querySelector(`[data-choix-commune] a[data-slug="${CSS.escape(slug)}"]`);
  if (!lien) return;
  const modele = bloc.querySelector(`template[data-gestionnaire="${CSS.escape(lien.dataset.gestionnaire)}"]`);
  bloc.querySelector("[data-service]").replaceChildren(modele.content.cloneNode(true));
  const nom = document.querySelector("[data-commune-nom]");
  nom.textContent = ` à ${lien.dataset.nom}`;
  nom.hidden = false;
  document.title = `${lien.dataset.nom} · ${document.title}`;
  const commune = bloc.querySelector("input[name=commune]");
  if (commune) commune.value = lien.dataset.insee;
  document.querySelector("[data-choix-commune]").hidden = true;
  bloc.hidden = false;
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
  const enregistrement = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
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
  for (const f of document.querySelectorAll("form.recherche")) activerRecherche(f);
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
