// Le formulaire de signalement (chargé par les pages qui en ont un), avec JavaScript : le signalement est d'abord écrit dans
// la boîte d'envoi du téléphone (il survit à un rechargement, à la fermeture du
// navigateur, à l'absence de réseau), puis envoyé. Sans JavaScript, le formulaire est
// posté tel quel et le serveur répond par une page.
"use strict";

import { envoyerMaintenant } from "./aiguillage.js";
import { afficherEtat, texte } from "./etats.js";

const COTE_MAX = 1600;
const PHOTOS_MAX = 3;

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const o = crypto.getRandomValues(new Uint8Array(16));
  o[6] = (o[6] & 0x0f) | 0x40; o[8] = (o[8] & 0x3f) | 0x80;
  const h = [...o].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Une photo réduite sur le téléphone (grand côté ≤ 1 600 px, JPEG), en octets. */
export async function reduire(fichier) {
  let image;
  try {
    image = await createImageBitmap(fichier, { imageOrientation: "from-image" });
  } catch {
    throw new Error(`« ${fichier.name} » n'est pas une photo lisible : choisissez une image JPEG, PNG ou WebP.`);
  }
  const echelle = Math.min(1, COTE_MAX / Math.max(image.width, image.height));
  const largeur = Math.round(image.width * echelle);
  const hauteur = Math.round(image.height * echelle);
  const toile = document.createElement("canvas");
  toile.width = largeur;
  toile.height = hauteur;
  toile.getContext("2d").drawImage(image, 0, 0, largeur, hauteur);
  image.close();
  const blob = await new Promise((ok) => toile.toBlob(ok, "image/jpeg", 0.85));
  const nom = (fichier.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  return { nom, type: "image/jpeg", octets: await blob.arrayBuffer() };
}

function afficherConfirmation(zone, reponse) {
  zone.replaceChildren();
  const titre = texte("h2", "Signalement envoyé");
  titre.tabIndex = -1;
  const ref = document.createElement("p");
  ref.append("Référence : ", texte("strong", reponse.reference));
  // Le lien de suivi est l'action principale ; « Être prévenu·e » vient après, en secondaire.
  const suivi = Object.assign(document.createElement("a"), {
    href: reponse.suivi, textContent: "Suivre ce signalement", className: "bouton",
  });
  const ligne = document.createElement("p");
  ligne.append(suivi);
  const prevenir = document.createElement("div");
  zone.append(titre, texte("p", `Reçu par ${reponse.gestionnaire.nom}.`, "etat etat-envoye"), ref,
    texte("p", reponse.prochaine_etape), ligne, prevenir);
  // Chargé seulement ici : la plupart des visites n'en ont pas besoin.
  import("./notifications.js")
    .then((m) => m.proposerNotifications(prevenir, new URL(reponse.suivi).hash.slice(1)))
    .catch(() => {});
  titre.focus();
}

/** Remet dans le formulaire un envoi refusé, pour le corriger. */
async function reprendre(form, cle) {
  const envoi = await self.BoiteEnvoi.envoi(cle);
  if (!envoi) return null;
  for (const [nom, valeur] of envoi.champs) {
    const champ = form.elements[nom];
    if (!champ || nom === "idempotency_key") continue;
    if (champ instanceof RadioNodeList || champ.type === "radio" || champ.type === "checkbox") {
      for (const c of champ.length ? champ : [champ]) c.checked = c.value === valeur;
    } else if (champ.type !== "file") {
      champ.value = valeur;
    }
  }
  if (form.elements.photos && envoi.photos && envoi.photos.length && window.DataTransfer) {
    const transfert = new DataTransfer();
    for (const p of envoi.photos) transfert.items.add(new File([p.octets], p.nom, { type: p.type }));
    form.elements.photos.files = transfert.files;
  }
  const erreurs = texte("div", "", "erreurs");
  erreurs.setAttribute("role", "alert");
  erreurs.append(texte("p", "Corrigez puis renvoyez :"));
  const liste = document.createElement("ul");
  for (const e of envoi.erreurs || []) liste.append(texte("li", e.message));
  erreurs.append(liste);
  form.prepend(erreurs);
  return envoi;
}

function activerPosition(form) {
  const bloc = form.querySelector(".position");
  if (!bloc || !navigator.geolocation) return;
  bloc.hidden = false;
  const etat = bloc.querySelector(".position-etat");
  bloc.querySelector("[data-position]").addEventListener("click", () => {
    etat.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(
      (p) => {
        form.elements.latitude.value = p.coords.latitude.toFixed(6);
        form.elements.longitude.value = p.coords.longitude.toFixed(6);
        etat.textContent = `Position enregistrée (à ${Math.round(p.coords.accuracy)} m près).`;
      },
      () => { etat.textContent = "Position indisponible : indiquez l'adresse ou un repère."; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
}

export function activerFormulaire(form) {
  const cle = form.elements.idempotency_key;
  if (cle && !cle.value) cle.value = uuid();
  activerPosition(form);
  if (!self.BoiteEnvoi || !window.indexedDB) return; // sans boîte : envoi classique du formulaire
  const section = form.closest("section") || form.parentElement;
  const zone = texte("div", "", "envoi-etat");
  zone.setAttribute("aria-live", "polite");
  zone.hidden = true;
  section.append(zone);
  let ancien = null;
  const corriger = new URLSearchParams(location.search).get("corriger");
  if (corriger) reprendre(form, corriger).then((e) => { ancien = e; });

  async function apresEnvoi(bilan, cleEnvoi) {
    const envoye = bilan && bilan.envoyes.find((e) => e.cle === cleEnvoi);
    if (envoye) return afficherConfirmation(zone, envoye.reponse);
    const envoi = await self.BoiteEnvoi.envoi(cleEnvoi);
    if (envoi) {
      afficherEtat(zone, envoi);
      return zone.querySelector("h2").focus(); // le formulaire a disparu : le focus va au résultat
    }
    // Déjà parti, envoyé par le service worker (Background Sync) ou un autre onglet.
    const parti = (await self.BoiteEnvoi.signalements()).find((s) => s.cle === cleEnvoi);
    if (parti) {
      afficherConfirmation(zone, { reference: parti.reference, suivi: parti.suivi,
        gestionnaire: { nom: parti.gestionnaire }, prochaine_etape: parti.prochaine_etape });
    }
  }

  zone.addEventListener("click", async (ev) => {
    if (!ev.target.matches("[data-envoyer-maintenant]")) return;
    ev.target.disabled = true;
    const bilan = await envoyerMaintenant().catch(() => null);
    await apresEnvoi(bilan, zone.dataset.cle);
  });
  document.addEventListener("aiguillage:envoi", async (ev) => {
    const cleEnvoi = zone.dataset.cle;
    if (!cleEnvoi) return;
    if (ev.detail.envoyes.some((e) => e.cle === cleEnvoi)) return apresEnvoi(ev.detail, cleEnvoi);
    // Au retour du réseau, le service worker (Background Sync) peut l'avoir envoyé avant
    // cette page : il n'est plus dans la boîte, la page le dit envoyé elle aussi.
    if (zone.querySelector(".etat-attente") && !(await self.BoiteEnvoi.envoi(cleEnvoi))) {
      await apresEnvoi(ev.detail, cleEnvoi);
    }
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const bouton = form.querySelector("[type=submit]");
    bouton.disabled = true;
    try {
      const fichiers = form.elements.photos ? [...form.elements.photos.files] : [];
      if (fichiers.length > PHOTOS_MAX) throw new Error(`${PHOTOS_MAX} photos au plus : retirez-en ${fichiers.length - PHOTOS_MAX}.`);
      const photos = await Promise.all(fichiers.map(reduire));
      const champs = [...new FormData(form)].filter(([nom, v]) => typeof v === "string" && nom !== "photos");
      const envoi = {
        cle: cle.value,
        cree: new Date().toISOString(),
        page: location.pathname,
        libelle: document.querySelector("h1").textContent.trim(),
        champs,
        photos,
      };
      await self.BoiteEnvoi.ajouter(envoi);
      if (ancien) await self.BoiteEnvoi.retirer(ancien.cle);
      if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(() => {});
      zone.dataset.cle = envoi.cle;
      form.hidden = true;
      zone.hidden = false;
      const enregistre = texte("p", "Signalement enregistré sur ce téléphone. Envoi en cours…", "etat etat-attente");
      enregistre.tabIndex = -1;
      zone.replaceChildren(enregistre);
      enregistre.focus(); // le bouton « Envoyer » est caché avec le formulaire
      try {
        const enregistrement = await navigator.serviceWorker?.ready;
        await enregistrement?.sync?.register("aiguillage-envoi");
      } catch { /* Background Sync n'existe que dans Chromium : la page s'en charge. */ }
      const bilan = await envoyerMaintenant().catch(() => null);
      await apresEnvoi(bilan, envoi.cle);
    } catch (erreur) {
      const alerte = form.querySelector(".erreurs") || texte("div", "", "erreurs");
      alerte.setAttribute("role", "alert");
      alerte.replaceChildren(texte("p", erreur.message));
      form.prepend(alerte);
    } finally {
      bouton.disabled = false;
    }
  });
}

for (const form of document.querySelectorAll("form[data-signalement]")) activerFormulaire(form);
