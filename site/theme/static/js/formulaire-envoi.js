// L'envoi du formulaire de signalement, chargé par formulaire.js quand la personne commence à
// le remplir. Le téléphone vérifie d'abord tout ce qu'il peut, avec les règles et les
// messages du serveur (validation.js, /regles.json) ; le signalement est ensuite écrit dans
// la boîte d'envoi du téléphone (il survit à un rechargement, à la fermeture du navigateur,
// à l'absence de réseau), puis envoyé. La page dit toujours où il en est, quel que soit
// celui qui l'envoie (cette page, un autre onglet, le service worker) : la boîte annonce
// chaque changement (boite.js).
"use strict";

import { envoyerMaintenant } from "./aiguillage.js";
import { afficherEtat, annoncer, phraseDeLEtat, texte } from "./etats.js";
import { nettoyer, verifierFormulaire } from "./validation.js";

let regles = null;
/** Les règles communes (/regles.json, gardé pour le hors-ligne comme le reste du site). */
function lesRegles() {
  if (!regles) {
    regles = fetch("/regles.json").then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status))));
    regles.catch(() => { regles = null; });
  }
  return regles;
}

// -- les erreurs, en haut du formulaire, chacune liée à son champ ------------------------

/** L'élément à qui mène l'erreur d'un champ (le premier bouton radio d'une question). */
function elementDuChamp(form, champ) {
  if (champ === "latitude" || champ === "longitude") return form.querySelector("[data-position]");
  const el = champ ? form.elements[champ] : null;
  const cible = el && typeof el.length === "number" && !el.tagName ? el[0] : el;
  return cible && cible.type !== "hidden" && cible.id ? cible : null;
}

/** La liste des erreurs en haut du formulaire, chacune un lien vers son champ ; le focus y va. */
function montrerErreurs(form, erreurs, intro) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  let resume = form.querySelector("[data-erreurs]");
  if (!resume) {
    resume = texte("div", "", "erreurs");
    resume.dataset.erreurs = "";
    resume.tabIndex = -1;
    resume.setAttribute("role", "alert");
    resume.addEventListener("click", (ev) => {
      const lien = ev.target.closest("a[data-champ]");
      const cible = lien && document.getElementById(lien.dataset.champ);
      if (!cible) return;
      ev.preventDefault(); // un lien #id fait défiler sans donner le focus : on le donne
      cible.focus();
      (cible.labels?.[0] || cible).scrollIntoView({ block: "center" });
    });
    form.prepend(resume);
  }
  const liste = document.createElement("ul");
  for (const erreur of erreurs) {
    const li = document.createElement("li");
    const champ = elementDuChamp(form, erreur.champ);
    if (champ && champ.id) {
      const lien = Object.assign(document.createElement("a"), { href: `#${champ.id}`, textContent: erreur.message });
      lien.dataset.champ = champ.id;
      li.append(lien);
      champ.setAttribute("aria-invalid", "true");
    } else {
      li.textContent = erreur.message;
    }
    liste.append(li);
  }
  resume.replaceChildren(texte("p", intro, "erreurs-titre"), liste);
  resume.hidden = false;
  resume.focus();
}

function effacerErreurs(form) {
  const resume = form.querySelector("[data-erreurs]");
  if (resume) resume.hidden = true;
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

// -- où en est le signalement envoyé depuis cette page ----------------------------------

function afficherConfirmation(zone, signalement) {
  zone.replaceChildren();
  const titre = texte("h2", "Signalement envoyé");
  titre.tabIndex = -1;
  const ref = document.createElement("p");
  ref.append("Référence : ", texte("strong", signalement.reference));
  // Le lien de suivi est l'action principale ; « Être prévenu·e » vient après, en secondaire.
  const suivi = Object.assign(document.createElement("a"), {
    href: signalement.suivi, textContent: "Suivre ce signalement", className: "bouton",
  });
  const ligne = document.createElement("p");
  ligne.append(suivi);
  const prevenir = document.createElement("div");
  zone.append(titre, texte("p", `Reçu par ${signalement.gestionnaire}.`, "etat etat-envoye"), ref,
    texte("p", signalement.prochaine_etape), ligne, prevenir);
  // Chargé seulement ici : la plupart des visites n'en ont pas besoin.
  import("./notifications.js")
    .then((m) => m.proposerNotifications(prevenir, new URL(signalement.suivi, location.href).hash.slice(1)))
    .catch(() => {});
  return titre;
}

/** Ce que la boîte sait de l'envoi `cle` : { etat, envoi } ; « envoye » s'il en est sorti
 * confirmé. Corrigé ailleurs (un autre onglet), il a laissé la place à un envoi qui le
 * `remplace` : c'est celui-là qu'on suit alors. */
async function lireLEtat(cle) {
  const boite = self.BoiteEnvoi;
  const [envoi, envois, partis] = await Promise.all([boite.envoi(cle), boite.envois(), boite.signalements()]);
  if (envoi) return { etat: envoi.etat, envoi, cle };
  const parti = partis.find((s) => s.cle === cle);
  if (parti) return { etat: "envoye", envoi: parti, cle };
  const suite = envois.find((e) => e.remplace === cle) || partis.find((s) => s.remplace === cle);
  return suite ? lireLEtat(suite.cle) : { etat: "retire", envoi: null, cle };
}

/**
 * La zone qui dit où en est l'envoi de cette page. Chaque changement annoncé par la boîte est
 * relu dans IndexedDB (la vérité, d'où qu'il vienne) ; un état nouveau est montré, annoncé
 * poliment, et reçoit le focus si la personne n'était pas ailleurs sur la page.
 */
function zoneDEtat(form) {
  const section = form.closest("section") || form.parentElement;
  const zone = texte("div", "", "envoi-etat");
  zone.hidden = true;
  section.append(zone);
  let tour = 0;

  async function montrer(changement) {
    const cle = zone.dataset.cle;
    if (!cle) return;
    const numero = ++tour;
    const lu = changement && changement.etat === "envoi"
      ? { etat: "envoi", envoi: { ...(await self.BoiteEnvoi.envoi(cle)), etat: "envoi" }, cle }
      : await lireLEtat(cle);
    if (numero !== tour || lu.etat === "retire") return;
    if (lu.cle !== cle) zone.dataset.cle = lu.cle; // corrigé et renvoyé depuis un autre onglet
    else if (lu.etat === zone.dataset.etat) return; // rien de neuf : ni focus ni annonce
    zone.dataset.etat = lu.etat;
    const actif = document.activeElement;
    const focusLibre = !actif || actif === document.body || zone.contains(actif) || form.contains(actif);
    const titre = lu.etat === "envoye" ? afficherConfirmation(zone, lu.envoi) : afficherEtat(zone, lu.envoi);
    annoncer(phraseDeLEtat({ ...lu.envoi, etat: lu.etat }));
    zone.hidden = false;
    if (focusLibre) titre.focus();
  }

  return {
    zone,
    suivre(cle) {
      zone.dataset.cle = cle;
      delete zone.dataset.etat;
      form.hidden = true;
      zone.hidden = false;
      return montrer({ etat: "envoi" });
    },
    montrer,
    oublier() {
      delete zone.dataset.cle;
      delete zone.dataset.etat;
      zone.hidden = true;
      zone.replaceChildren();
    },
  };
}

// -- le formulaire -----------------------------------------------------------------------

/** Remet dans le formulaire un envoi refusé (ses valeurs, ses photos, ses erreurs). */
function reprendre(form, envoi, photos) {
  for (const [nom, valeur] of envoi.champs) {
    const champ = form.elements[nom];
    if (!champ || nom === "idempotency_key") continue;
    if (champ instanceof RadioNodeList || champ.type === "radio" || champ.type === "checkbox") {
      for (const c of champ.length ? champ : [champ]) c.checked = c.value === valeur;
    } else if (champ.type !== "file") {
      champ.value = valeur;
    }
  }
  if (photos && envoi.photos && envoi.photos.length) {
    photos.remplacer(envoi.photos.map((p) => new File([p.octets], p.nom, { type: p.type })));
  }
  montrerErreurs(form, envoi.erreurs || [], "Le service n'a pas accepté ce signalement. Corrigez puis renvoyez :");
}

/**
 * Prend en charge l'envoi de `form` ; rend { soumettre } que formulaire.js appelle à chaque
 * « Envoyer ». `nouvelleCle` donne une clé d'idempotence neuve (un signalement corrigé).
 */
export function activerEnvoi(form, nouvelleCle) {
  const cle = form.elements.idempotency_key;
  const bloc = form.querySelector("script[data-formulaire]");
  const issue = bloc ? JSON.parse(bloc.textContent) : null;
  const champPhotos = form.querySelector("[data-photos]");
  let photos = null; // les photos choisies (photos.js), une fois chargé
  let chargement = null;
  const lesPhotos = () => {
    if (!champPhotos) return Promise.resolve(null);
    chargement = chargement || import("./photos.js").then((m) => (photos = m.activerPhotos(champPhotos)));
    return chargement;
  };
  if (champPhotos) {
    // Au premier choix (ou tout de suite, s'il a eu lieu avant que ce module arrive).
    if (champPhotos.querySelector("input").files.length) lesPhotos().catch(() => {});
    else champPhotos.addEventListener("change", () => lesPhotos().catch(() => {}), { once: true });
  }
  const boite = self.BoiteEnvoi && window.indexedDB ? self.BoiteEnvoi : null;
  if (issue) lesRegles().catch(() => {}); // prêtes pour l'envoi, même si le réseau tombe d'ici là

  /** Les erreurs que le serveur trouverait, dites avant de garder quoi que ce soit. Sans les
   * règles (hors ligne avant que le site ait été gardé) : aucune, le serveur dira le reste. */
  async function erreursAvantEnvoi() {
    if (!issue) return [];
    let communes;
    try {
      communes = await lesRegles();
    } catch {
      return [];
    }
    const textes = {};
    for (const [nom, valeur] of new FormData(form)) {
      if (typeof valeur === "string") textes[nom] = nettoyer(valeur, communes);
    }
    const nombre = photos ? photos.fichiers().length
      : champPhotos ? champPhotos.querySelector("input").files.length : 0;
    return verifierFormulaire(communes, issue.formulaire, issue.commune_obligatoire, textes, nombre).erreurs;
  }

  if (!boite) { // sans boîte d'envoi : le formulaire part tel quel, une fois vérifié
    return {
      async soumettre() {
        const erreurs = await erreursAvantEnvoi();
        if (erreurs.length) {
          montrerErreurs(form, erreurs, "Le signalement n'est pas encore envoyé. Corrigez ce qui suit :");
          return;
        }
        form.dataset.envoiClassique = "";
        form.requestSubmit();
      },
    };
  }

  const etat = zoneDEtat(form);
  let ancien = null; // l'envoi refusé que ce formulaire corrige : il quitte la boîte au renvoi
  const corriger = new URLSearchParams(location.search).get("corriger");
  if (corriger) {
    boite.envoi(corriger).then(async (envoi) => {
      if (envoi) { ancien = envoi; reprendre(form, envoi, await lesPhotos()); }
    }).catch(() => {});
  }

  boite.ecouter((changement) => {
    if (changement.cle === etat.zone.dataset.cle) etat.montrer(changement).catch(() => {});
  });
  // Le filet d'un navigateur sans BroadcastChannel : après chaque envoi, on relit la boîte.
  document.addEventListener("aiguillage:envoi", () => etat.montrer().catch(() => {}));

  etat.zone.addEventListener("click", async (ev) => {
    if (ev.target.matches("[data-envoyer-maintenant]")) {
      ev.target.disabled = true;
      await envoyerMaintenant().catch(() => null);
      await etat.montrer();
      return;
    }
    // « Corriger et renvoyer » sur la page même : le formulaire est encore là, rempli.
    const lien = ev.target.closest("a[data-corriger]");
    if (!lien || new URL(lien.href).pathname !== location.pathname) return;
    ev.preventDefault();
    ancien = await boite.envoi(lien.dataset.corriger);
    etat.oublier();
    cle.value = nouvelleCle();
    form.hidden = false;
    montrerErreurs(form, (ancien && ancien.erreurs) || [],
      "Le service n'a pas accepté ce signalement. Corrigez puis renvoyez :");
  });

  async function soumettre() {
    const bouton = form.querySelector("[type=submit]");
    if (bouton.disabled) return; // un double appui : le premier suffit
    bouton.disabled = true;
    try {
      const erreurs = await erreursAvantEnvoi();
      if (erreurs.length) {
        montrerErreurs(form, erreurs, "Le signalement n'est pas encore gardé. Corrigez ce qui suit :");
        return;
      }
      const choix = await lesPhotos();
      const reduire = choix ? (await import("./photos.js")).reduire : null;
      const choisies = choix ? await Promise.all(choix.fichiers().map(reduire)) : [];
      const champs = [...new FormData(form)].filter(([nom, v]) => typeof v === "string" && nom !== "photos");
      const envoi = {
        cle: cle.value,
        cree: new Date().toISOString(),
        page: location.pathname,
        libelle: document.querySelector("h1").textContent.trim(),
        champs,
        photos: choisies,
        remplace: ancien ? ancien.cle : undefined, // l'envoi refusé qu'il corrige
      };
      effacerErreurs(form);
      await boite.ajouter(envoi);
      if (ancien) await boite.retirer(ancien.cle);
      ancien = null;
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
      await etat.suivre(envoi.cle);
      try {
        const enregistrement = await navigator.serviceWorker?.ready;
        await enregistrement?.sync?.register("aiguillage-envoi");
      } catch { /* Background Sync n'existe que dans Chromium : la page s'en charge. */ }
      await envoyerMaintenant().catch(() => null);
      await etat.montrer();
    } catch (erreur) {
      montrerErreurs(form, [{ champ: "photos", message: erreur.message }], "Le signalement n'est pas encore gardé :");
    } finally {
      bouton.disabled = false;
    }
  }

  return { soumettre };
}
