// « Placer sur la carte » : une carte Leaflet (theme/vendor/leaflet/, chargée ici, jamais au
// premier chargement de la page) sur les tuiles du réglage AIGUILLAGE_TUILES_URL, avec la
// recherche d'une adresse (le géocodeur) : elle remplace au clavier et au lecteur d'écran le
// geste de poser ou de glisser le repère. La carte ne retient pas le focus : Tab la traverse.
"use strict";

import { texte } from "./etats.js";
import { chercherAdresses, ErreurGeocodeur, reglagesDeLaCarte } from "./geocodeur.js";
import { decrireLePoint, enregistrerPoint, retirerPoint } from "./lieu.js";

const FRANCE = { centre: [46.6, 2.4], zoom: 5 };
const ZOOM_COMMUNE = 14;
const ZOOM_ADRESSE = 18;
const ATTENTE_SAISIE = 250; // ms entre la dernière touche et la recherche d'adresses

const cartes = new WeakMap(); // formulaire → sa carte ouverte (ou en cours d'ouverture)

function feuilleDeStyle(href) {
  if (document.querySelector(`link[href="${href}"]`)) return Promise.resolve();
  return new Promise((ok, echec) => {
    const lien = Object.assign(document.createElement("link"), { rel: "stylesheet", href });
    lien.addEventListener("load", ok, { once: true });
    lien.addEventListener("error", () => echec(new Error(href)), { once: true });
    document.head.append(lien);
  });
}

async function chargerLeaflet() {
  await Promise.all([
    feuilleDeStyle("/theme/vendor/leaflet/leaflet.css"),
    feuilleDeStyle("/theme/css/carte.css"),
    globalThis.L ? null : import("../vendor/leaflet/leaflet.js"),
  ]);
  return globalThis.L;
}

/** Le texte de la source du fond de carte, échappé : Leaflet l'insère comme du HTML. */
function echapper(chaine) {
  return chaine.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function bouton(libelle, classe = "bouton-secondaire") {
  const b = texte("button", libelle, classe);
  b.type = "button";
  return b;
}

/** Le panneau de la carte, construit une fois par formulaire. */
function construirePanneau(form) {
  const id = `carte-${form.elements.noeud ? form.elements.noeud.value.replace(/\W+/g, "-") : "lieu"}`;
  const panneau = document.createElement("div");
  panneau.className = "carte-panneau";
  panneau.id = id;
  const consigne = texte("p", "Touchez la carte à l'endroit du problème, ou cherchez une adresse. "
    + "Au clavier\u00a0: flèches pour déplacer la carte, + et − pour zoomer, puis «\u00a0Mettre le "
    + "repère au centre\u00a0».", "indication");
  consigne.id = `${id}-consigne`;

  const recherche = document.createElement("div");
  recherche.className = "champ carte-recherche";
  const etiquette = texte("label", "Chercher une adresse");
  etiquette.htmlFor = `${id}-adresse`;
  const champ = Object.assign(document.createElement("input"), {
    type: "text", id: `${id}-adresse`, autocomplete: "off", spellcheck: false });
  champ.setAttribute("role", "combobox");
  champ.setAttribute("aria-autocomplete", "list");
  champ.setAttribute("aria-expanded", "false");
  champ.setAttribute("aria-controls", `${id}-suggestions`);
  champ.setAttribute("aria-describedby", `${id}-source`);
  const source = texte("span", "Adresses de la Base Adresse Nationale, 3 caractères au moins.", "indication");
  source.id = `${id}-source`;
  const liste = document.createElement("ul");
  liste.id = `${id}-suggestions`;
  liste.className = "carte-suggestions";
  liste.setAttribute("role", "listbox");
  liste.setAttribute("aria-label", "Adresses proposées");
  liste.hidden = true;
  const annonce = texte("p", "", "invisible");
  annonce.setAttribute("aria-live", "polite");
  recherche.append(etiquette, source, champ, liste, annonce);

  const fond = document.createElement("div");
  fond.className = "carte-fond";
  fond.setAttribute("role", "region");
  fond.setAttribute("aria-label", "Carte du lieu du problème");
  fond.setAttribute("aria-describedby", consigne.id);

  const actions = document.createElement("p");
  actions.className = "carte-actions";
  const auCentre = bouton("Mettre le repère au centre");
  const retirer = bouton("Retirer le repère");
  const fermer = bouton("Fermer la carte");
  actions.append(auCentre, " ", retirer, " ", fermer);
  retirer.hidden = true;

  panneau.append(consigne, recherche, fond, actions);
  return { panneau, champ, liste, annonce, fond, auCentre, retirer, fermer };
}

/** La liste de suggestions d'adresses (motif « combobox » de l'ARIA 1.2). */
function activerRecherche(el, { carte, choisir }) {
  let adresses = [];
  let active = -1;
  let minuterie = 0;
  let controleur = null;

  const fermerListe = () => {
    el.liste.hidden = true;
    el.liste.replaceChildren();
    el.champ.setAttribute("aria-expanded", "false");
    el.champ.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const marquer = (i) => {
    active = i;
    [...el.liste.children].forEach((li, n) => li.setAttribute("aria-selected", String(n === i)));
    if (i >= 0) el.champ.setAttribute("aria-activedescendant", el.liste.children[i].id);
    else el.champ.removeAttribute("aria-activedescendant");
  };
  const prendre = (i) => {
    const adresse = adresses[i];
    fermerListe();
    el.champ.value = adresse.libelle;
    choisir(adresse);
  };

  async function chercher() {
    if (controleur) controleur.abort();
    controleur = new AbortController();
    const q = el.champ.value;
    if (q.trim().length < 3) { fermerListe(); return; }
    const centre = carte.getCenter();
    try {
      // Tout le territoire, les plus proches du centre de la carte d'abord : une adresse de la
      // commune voisine est trouvée, et la question « changer ? » vient ensuite.
      const { communes } = await reglagesDeLaCarte();
      const codes = Object.keys(communes);
      const trouvees = await chercherAdresses(q, codes.length === 1
        ? { citycode: codes[0], signal: controleur.signal }
        : { lat: centre.lat, lon: centre.lng, limite: 10, signal: controleur.signal });
      adresses = trouvees.filter((a) => communes[a.insee]).slice(0, 5);
    } catch (erreur) {
      if (erreur.name === "AbortError") return;
      fermerListe();
      el.annonce.textContent = erreur instanceof ErreurGeocodeur
        ? `${erreur.message} Placez le repère sur la carte, ou écrivez le lieu.`
        : "La recherche d'adresses n'a pas abouti. Placez le repère sur la carte, ou écrivez le lieu.";
      return;
    }
    el.liste.replaceChildren(...adresses.map((a, i) => {
      const li = texte("li", a.libelle);
      li.id = `${el.liste.id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.addEventListener("mousedown", (ev) => ev.preventDefault()); // le focus reste au champ
      li.addEventListener("click", () => prendre(i));
      return li;
    }));
    el.liste.hidden = !adresses.length;
    el.champ.setAttribute("aria-expanded", String(adresses.length > 0));
    active = -1;
    el.annonce.textContent = adresses.length
      ? `${adresses.length} adresse${adresses.length > 1 ? "s" : ""} proposée${adresses.length > 1 ? "s" : ""} : flèche vers le bas pour choisir.`
      : "Aucune adresse trouvée. Essayez autrement, ou placez le repère sur la carte.";
  }

  el.champ.addEventListener("input", () => {
    clearTimeout(minuterie);
    minuterie = setTimeout(chercher, ATTENTE_SAISIE);
  });
  el.champ.addEventListener("keydown", (ev) => {
    const n = adresses.length;
    if (ev.key === "ArrowDown" && n && !el.liste.hidden) { ev.preventDefault(); marquer((active + 1) % n); }
    else if (ev.key === "ArrowUp" && n && !el.liste.hidden) { ev.preventDefault(); marquer((active - 1 + n) % n); }
    else if (ev.key === "Enter") {
      ev.preventDefault(); // jamais d'envoi du signalement depuis ce champ
      if (active >= 0) prendre(active);
      else { clearTimeout(minuterie); chercher(); }
    } else if (ev.key === "Escape" && !el.liste.hidden) { ev.preventDefault(); fermerListe(); }
  });
  el.champ.addEventListener("blur", () => setTimeout(fermerListe, 0));
}

/** La vue de départ : le point déjà posé, sinon le lieu écrit, sinon la commune, sinon la France. */
async function vueDeDepart(form, reglages) {
  const lat = Number(form.elements.latitude.value);
  const lon = Number(form.elements.longitude.value);
  if (form.elements.latitude.value && Number.isFinite(lat) && Number.isFinite(lon)) {
    return { centre: [lat, lon], zoom: ZOOM_ADRESSE };
  }
  const insee = form.elements.commune ? form.elements.commune.value : "";
  const commune = reglages.communes[insee];
  const ecrit = form.elements.lieu ? form.elements.lieu.value : "";
  try {
    const [adresse] = await chercherAdresses(ecrit, { citycode: insee, limite: 1 });
    if (adresse) return { centre: [adresse.latitude, adresse.longitude], zoom: ZOOM_ADRESSE - 1 };
    if (commune) {
      const [centre] = await chercherAdresses(commune.nom, { citycode: insee, type: "municipality", limite: 1 });
      if (centre) return { centre: [centre.latitude, centre.longitude], zoom: ZOOM_COMMUNE };
    }
  } catch { /* sans géocodeur, la carte s'ouvre sur la France : la personne la déplace */ }
  return FRANCE;
}

async function ouvrir(form, bouton, zone) {
  zone.textContent = "Ouverture de la carte…";
  let L, reglages;
  try {
    [L, reglages] = await Promise.all([chargerLeaflet(), reglagesDeLaCarte()]);
  } catch {
    zone.textContent = "La carte n'a pas pu s'ouvrir (pas de connexion ?) : écrivez le lieu, ou utilisez votre position.";
    cartes.delete(form);
    return null;
  }
  const el = construirePanneau(form);
  bouton.setAttribute("aria-controls", el.panneau.id);
  bouton.closest("p").after(el.panneau);
  const carte = L.map(el.fond, { zoomControl: false, keyboard: true, attributionControl: false });
  L.control.zoom({ zoomInTitle: "Zoomer", zoomOutTitle: "Dézoomer" }).addTo(carte);
  L.control.attribution({ prefix: '<a href="https://leafletjs.com" hreflang="en">Leaflet</a>' }).addTo(carte);
  L.tileLayer(reglages.tuiles, { attribution: echapper(reglages.attribution), maxZoom: 18, minZoom: 3 }).addTo(carte);
  const icone = new L.Icon.Default({ imagePath: "/theme/vendor/leaflet/images/" });
  let repere = null;

  /** Le repère (créé au premier point), déplaçable au doigt ou à la souris. */
  const montrerRepere = (latitude, longitude) => {
    if (repere) {
      repere.setLatLng([latitude, longitude]);
    } else {
      repere = L.marker([latitude, longitude], { draggable: true, icon: icone, keyboard: true,
        alt: "Repère du lieu du problème", title: "Repère du lieu du problème : glissez-le pour le déplacer" })
        .addTo(carte);
      repere.on("dragend", () => {
        const p = repere.getLatLng();
        enregistrerPoint(form, p.lat, p.lng);
        decrireLePoint(form, zone, p.lat, p.lng);
      });
    }
    el.retirer.hidden = false;
  };

  const poser = (latitude, longitude, adresse = null) => {
    montrerRepere(latitude, longitude);
    enregistrerPoint(form, latitude, longitude);
    return decrireLePoint(form, zone, latitude, longitude, adresse);
  };

  carte.on("click", (ev) => poser(ev.latlng.lat, ev.latlng.lng));
  el.auCentre.addEventListener("click", () => { const c = carte.getCenter(); poser(c.lat, c.lng); });
  el.retirer.addEventListener("click", () => {
    if (repere) { repere.remove(); repere = null; }
    retirerPoint(form);
    el.retirer.hidden = true;
    zone.textContent = "Repère retiré : le lieu écrit suffit.";
    el.auCentre.focus();
  });
  el.fermer.addEventListener("click", () => basculerCarte(form, bouton, zone));
  // « Utiliser ma position » pendant que la carte est ouverte : le repère suit.
  form.addEventListener("aiguillage:point", () => {
    const lat = Number(form.elements.latitude.value);
    const lon = Number(form.elements.longitude.value);
    if (!form.elements.latitude.value) return;
    montrerRepere(lat, lon);
    carte.setView([lat, lon], Math.max(carte.getZoom(), ZOOM_ADRESSE - 1));
  });
  activerRecherche(el, {
    carte,
    choisir: (adresse) => {
      carte.setView([adresse.latitude, adresse.longitude], ZOOM_ADRESSE);
      poser(adresse.latitude, adresse.longitude, adresse);
    },
  });

  const vue = await vueDeDepart(form, reglages);
  carte.setView(vue.centre, vue.zoom);
  if (form.elements.latitude.value) montrerRepere(...vue.centre);
  zone.textContent = vue === FRANCE
    ? "Carte ouverte. Cherchez une adresse, ou déplacez la carte jusqu'au lieu du problème."
    : "Carte ouverte.";
  bouton.setAttribute("aria-expanded", "true");
  el.champ.focus();
  return { carte, el };
}

/** Ouvre la carte (la première fois : Leaflet, les réglages, la vue de départ), ou la
 * referme ; le focus va à la recherche d'adresse, ou revient au bouton. */
export async function basculerCarte(form, bouton, zone) {
  if (!cartes.has(form)) {
    const ouverture = ouvrir(form, bouton, zone);
    cartes.set(form, ouverture);
    await ouverture;
    return;
  }
  const ouverte = await cartes.get(form);
  if (!ouverte) return;
  const { carte, el } = ouverte;
  const montrer = el.panneau.hidden;
  el.panneau.hidden = !montrer;
  bouton.setAttribute("aria-expanded", String(montrer));
  if (montrer) {
    carte.invalidateSize();
    el.champ.focus();
  } else {
    bouton.focus();
  }
}
