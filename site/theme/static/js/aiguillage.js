// Aiguillage : améliorations progressives. Tout le site fonctionne sans ce script ;
// il ajoute la recherche (hors ligne, sans accents ni majuscules) et aide à remplir
// le formulaire (clé d'idempotence, position actuelle).
"use strict";

/** Texte sans accents, sans majuscules, ponctuation remplacée par des espaces. */
export function normaliser(texte) {
  return (texte || "")
    .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae")
    .replace(/[^a-z0-9]+/g, " ").trim();
}

/** Les entrées de l'index qui contiennent tous les mots de la requête (au début d'un mot). */
export function chercher(index, requete, limite = 8) {
  const mots = normaliser(requete).split(" ").filter(Boolean);
  if (!mots.length) return [];
  const resultats = [];
  for (const e of index) {
    if (!e._l) {
      e._l = " " + normaliser(e.l);
      e._tout = " " + normaliser([e.l, e.i, e.m.join(" "), e.c].join(" "));
    }
    if (!mots.every((m) => e._tout.includes(" " + m))) continue;
    let score = mots.filter((m) => e._l.includes(" " + m)).length * 10;
    if (e.t !== "question") score += 1;
    resultats.push([score, e]);
  }
  return resultats.sort((a, b) => b[0] - a[0]).slice(0, limite).map((r) => r[1]);
}

function activerRecherche(form) {
  const champ = form.querySelector("input[type=search]");
  const etat = form.querySelector(".recherche-etat");
  const liste = form.querySelector(".recherche-resultats");
  let index = null;
  form.hidden = false;
  async function charger() {
    if (!index) index = await (await fetch(form.dataset.index)).json();
    return index;
  }
  async function afficher() {
    const requete = champ.value;
    liste.replaceChildren();
    if (normaliser(requete).length < 2) { liste.hidden = true; etat.textContent = ""; return; }
    let trouves;
    try { trouves = chercher(await charger(), requete); }
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

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const o = crypto.getRandomValues(new Uint8Array(16));
  o[6] = (o[6] & 0x0f) | 0x40; o[8] = (o[8] & 0x3f) | 0x80;
  const h = [...o].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function activerFormulaire(form) {
  const cle = form.elements.idempotency_key;
  if (cle && !cle.value) cle.value = uuid();
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

if (typeof document !== "undefined") {
  for (const f of document.querySelectorAll("form.recherche")) activerRecherche(f);
  for (const f of document.querySelectorAll("form[data-signalement]")) activerFormulaire(f);
}
