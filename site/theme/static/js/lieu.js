// Ce que devient le formulaire quand le lieu du problème est un point (repère de la carte,
// adresse choisie, ou « Utiliser ma position ») : la latitude et la longitude sont
// enregistrées, le lieu écrit devient facultatif, l'adresse du point le remplit (sauf si la
// personne l'a écrit elle-même) et la commune du point est comparée à celle du formulaire :
// « Ce point est à Nivillac, pas à Muzillac : changer ? ». Chargé au premier usage.
"use strict";

import { texte } from "./etats.js";
import { lieuFacultatif } from "./formulaire.js";
import { adresseDuPoint, reglagesDeLaCarte } from "./geocodeur.js";

const TRANSFERT = "aiguillage:transfert-lieu"; // la même clé dans formulaire.js
const NUMEROS = new WeakMap(); // le dernier point demandé, par formulaire : les réponses en retard sont ignorées

/** La commune du formulaire ; `fixe` quand la page l'impose (service propre à la commune). */
function communeDuFormulaire(form) {
  const champ = form.elements.commune;
  if (!champ) return { insee: "", fixe: true };
  return { insee: champ.value, fixe: champ.type === "hidden" };
}

/** Enregistre le point ; le lieu écrit devient facultatif. Prévient la carte, si elle est ouverte. */
export function enregistrerPoint(form, latitude, longitude) {
  form.elements.latitude.value = latitude.toFixed(6);
  form.elements.longitude.value = longitude.toFixed(6);
  lieuFacultatif(form);
  form.dispatchEvent(new CustomEvent("aiguillage:point"));
}

export function retirerPoint(form) {
  form.elements.latitude.value = "";
  form.elements.longitude.value = "";
  lieuFacultatif(form);
  NUMEROS.set(form, (NUMEROS.get(form) || 0) + 1);
}

/** Met l'adresse du point dans le lieu écrit, sauf si la personne l'a écrit elle-même. */
function remplirLieu(form, adresse) {
  const lieu = form.elements.lieu;
  if (!lieu) return false;
  if (lieu.value.trim() && lieu.value !== form.dataset.lieuDeLaCarte) return false;
  lieu.value = adresse.libelle;
  form.dataset.lieuDeLaCarte = adresse.libelle;
  return true;
}

function bouton(libelle) {
  const b = texte("button", libelle, "bouton-secondaire");
  b.type = "button";
  return b;
}

/** Remplace la question par sa réponse, qui reçoit le focus (le bouton pressé disparaît). */
function repondre(question, phrase) {
  const reponse = texte("p", phrase);
  reponse.tabIndex = -1;
  question.replaceWith(reponse);
  reponse.focus();
}

/** Le service dépend de la commune et la page l'impose : on continue sur la page de l'autre
 * commune, avec ce qui est déjà écrit (les photos ne peuvent pas suivre : on le dit). */
function continuerDansLaCommune(form, commune, communes, question) {
  const morceaux = location.pathname.split("/").filter(Boolean);
  const actuelle = morceaux.pop();
  if (!Object.values(communes).some((c) => c.slug === actuelle)) {
    repondre(question, `Ce service ne traite pas ${commune.nom} : revenez au choix de la commune.`);
    return;
  }
  const page = `/${[...morceaux, commune.slug].join("/")}/`;
  const champs = [...new FormData(form)].filter(([, v]) => typeof v === "string");
  const photos = form.elements.photos && form.elements.photos.files.length;
  const message = `Votre signalement continue pour ${commune.nom}, dont le service est indiqué plus haut.`
    + (photos ? " Les photos ne suivent pas d'une page à l'autre : ajoutez-les de nouveau." : "");
  try {
    sessionStorage.setItem(TRANSFERT, JSON.stringify({ page, champs, message }));
  } catch { /* stockage refusé (navigation privée) : la page s'ouvre sans ce qui était écrit */ }
  location.assign(page);
}

/** Compare la commune du point à celle du formulaire, et demande quoi faire si elles diffèrent. */
function verifierLaCommune(form, zone, adresse, reglages) {
  const { communes, territoire } = reglages;
  const { insee, fixe } = communeDuFormulaire(form);
  if (!adresse.insee || adresse.insee === insee) return;
  const ici = communes[adresse.insee];
  if (!ici) {
    zone.append(texte("p", `Ce point est à ${adresse.commune || "une autre commune"}, en dehors du `
      + `territoire (${territoire}) : vérifiez-le, ce service ne s'en occupe pas.`, "carte-alerte"));
    return;
  }
  // Une page qui impose la commune sans la connaître encore (l'issue, avant le choix) : rien à comparer.
  if (!insee && fixe) return;
  if (!insee) {
    form.elements.commune.value = adresse.insee;
    zone.append(texte("p", `Commune : ${ici.nom}.`));
    return;
  }
  const choisie = (communes[insee] || { nom: insee }).nom;
  const question = document.createElement("div");
  question.className = "carte-question";
  question.setAttribute("role", "group");
  const phrase = texte("p", `Ce point est à ${ici.nom}, pas à ${choisie} : changer ?`);
  phrase.id = "carte-question";
  question.setAttribute("aria-labelledby", phrase.id);
  const oui = bouton(`Oui, ${ici.nom}`);
  const non = bouton(`Non, garder ${choisie}`);
  oui.addEventListener("click", () => {
    if (fixe) return continuerDansLaCommune(form, ici, communes, question);
    form.elements.commune.value = adresse.insee;
    repondre(question, `Commune changée : ${ici.nom}.`);
  });
  non.addEventListener("click", () => repondre(question, `Commune gardée : ${choisie}.`));
  const choix = document.createElement("p");
  choix.append(oui, " ", non);
  question.append(phrase, choix);
  zone.append(question);
}

/** Dit dans `zone` (annoncée) ce que donne le point : son adresse, sa commune. `adresse`,
 * déjà connue quand elle vient d'une suggestion, évite d'interroger le géocodeur. */
export async function decrireLePoint(form, zone, latitude, longitude, adresse = null) {
  const numero = (NUMEROS.get(form) || 0) + 1;
  NUMEROS.set(form, numero);
  zone.replaceChildren(texte("p", "Point enregistré. Recherche de son adresse…"));
  let reglages;
  try {
    reglages = await reglagesDeLaCarte();
    if (!adresse) adresse = await adresseDuPoint(latitude, longitude);
  } catch {
    if (NUMEROS.get(form) !== numero) return;
    zone.replaceChildren(texte("p", "Point enregistré. Son adresse n'a pas pu être trouvée (le "
      + "service d'adresses ne répond pas) : précisez le lieu par écrit si vous le pouvez."));
    return;
  }
  if (NUMEROS.get(form) !== numero) return; // un point plus récent a été posé entre-temps
  if (!adresse) {
    zone.replaceChildren(texte("p", "Point enregistré. Aucune adresse connue à cet endroit : "
      + "précisez le lieu par écrit (un repère) si vous le pouvez."));
    return;
  }
  zone.replaceChildren(texte("p", remplirLieu(form, adresse)
    ? `Point enregistré : ${adresse.libelle}.`
    : `Point enregistré, près de : ${adresse.libelle}. Votre texte du lieu est gardé.`));
  verifierLaCommune(form, zone, adresse, reglages);
}

/** Sur la page d'arrivée (appelé par formulaire.js) : remet ce qui était écrit, le dit, et y
 * met le focus. */
export function reprendreTransfert(form, zone) {
  let transfert = null;
  try {
    transfert = JSON.parse(sessionStorage.getItem(TRANSFERT));
    sessionStorage.removeItem(TRANSFERT);
  } catch { return; }
  if (!transfert || transfert.page !== location.pathname) return;
  for (const [nom, valeur] of transfert.champs) {
    const champ = form.elements[nom];
    if (!champ || ["noeud", "commune", "idempotency_key"].includes(nom)) continue;
    for (const c of champ instanceof RadioNodeList ? champ : [champ]) {
      if (c.type === "radio" || c.type === "checkbox") c.checked = c.value === valeur;
      else if (c.type !== "file") c.value = valeur;
    }
  }
  lieuFacultatif(form);
  zone.textContent = transfert.message;
  zone.tabIndex = -1;
  zone.focus();
}

/** Après « Utiliser ma position » (formulaire.js) : l'adresse et la commune de la position. */
export function verifierLaPosition(form, zone) {
  const latitude = Number(form.elements.latitude.value);
  const longitude = Number(form.elements.longitude.value);
  if (!form.elements.latitude.value || !Number.isFinite(latitude) || !Number.isFinite(longitude)) return;
  form.dispatchEvent(new CustomEvent("aiguillage:point"));
  return decrireLePoint(form, zone, latitude, longitude);
}
