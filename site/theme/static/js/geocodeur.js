// Le géocodeur de la carte : l'API d'addok (Base Adresse Nationale par défaut), appelée par le
// navigateur. Son adresse, celle des tuiles et les communes du territoire sont dans
// /carte.json, écrit à la construction (arbre/carte.py) et lu ici au premier usage.
//   GET <géocodeur>/search/?q=…&limit=5[&citycode=…][&type=…][&lat=…&lon=…]
//   GET <géocodeur>/reverse/?lon=…&lat=…
// Les deux répondent par une FeatureCollection GeoJSON ; chaque feature a un point
// [longitude, latitude] et des propriétés label, city, citycode (code INSEE), type…
"use strict";

const MINIMUM = 3; // le service refuse une recherche de moins de 3 caractères (400)

/** Une panne du géocodeur, dite en français ; l'appelant propose une autre façon de faire. */
export class ErreurGeocodeur extends Error {}

let reglages = null;

/** Le contenu de /carte.json (une seule lecture par page). */
export function reglagesDeLaCarte() {
  if (!reglages) {
    reglages = fetch("/carte.json", { credentials: "same-origin" })
      .then((r) => { if (!r.ok) throw new Error(`carte.json : ${r.status}`); return r.json(); })
      .catch((erreur) => { reglages = null; throw erreur; });
  }
  return reglages;
}

/** Une feature du géocodeur en adresse d'Aiguillage, ou null si elle n'a pas de point. */
function versAdresse(feature) {
  const point = feature && feature.geometry && feature.geometry.coordinates;
  const p = (feature && feature.properties) || {};
  if (!Array.isArray(point) || point.length < 2 || typeof p.label !== "string") return null;
  const [longitude, latitude] = point.map(Number);
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null;
  return { libelle: p.label, commune: p.city || "", insee: p.citycode || "", type: p.type || "",
    latitude, longitude };
}

async function appeler(chemin, parametres, signal) {
  const { geocodeur } = await reglagesDeLaCarte();
  const url = `${geocodeur}/${chemin}/?${new URLSearchParams(parametres)}`;
  let reponse;
  try {
    reponse = await fetch(url, { signal, credentials: "omit" });
  } catch (erreur) {
    if (erreur.name === "AbortError") throw erreur;
    throw new ErreurGeocodeur("Le service d'adresses ne répond pas.");
  }
  if (reponse.status === 429) throw new ErreurGeocodeur("Le service d'adresses est très demandé en ce moment.");
  if (!reponse.ok) throw new ErreurGeocodeur("Le service d'adresses n'a pas pu répondre.");
  const donnees = await reponse.json().catch(() => null);
  if (!donnees || !Array.isArray(donnees.features)) {
    throw new ErreurGeocodeur("Le service d'adresses a répondu de façon inattendue.");
  }
  return donnees.features.map(versAdresse).filter(Boolean);
}

/** Les adresses qui répondent à `texte` (moins de 3 caractères : aucune, sans appel).
 * `citycode` restreint à une commune ; `lat`/`lon` favorisent les adresses proches. */
export function chercherAdresses(texte, { citycode, type, lat, lon, limite = 5, signal } = {}) {
  const q = texte.trim();
  if (q.length < MINIMUM) return Promise.resolve([]);
  const parametres = { q, limit: String(limite) };
  if (citycode) parametres.citycode = citycode;
  if (type) parametres.type = type;
  if (Number.isFinite(lat) && Number.isFinite(lon)) {
    parametres.lat = lat.toFixed(5);
    parametres.lon = lon.toFixed(5);
  }
  return appeler("search", parametres, signal);
}

/** L'adresse la plus proche d'un point, ou null s'il n'y en a aucune. */
export async function adresseDuPoint(latitude, longitude, { signal } = {}) {
  const adresses = await appeler("reverse", { lon: longitude.toFixed(6), lat: latitude.toFixed(6) }, signal);
  return adresses[0] || null;
}
