// La recherche du parcours : la moitié JavaScript d'un algorithme écrit deux fois.
//
// site/plugins/arbre/recherche/texte.py et moteur.py font exactement la même chose en
// Python (la page de résultats sans JavaScript, les tests, la mesure) ; des vecteurs
// partagés (tests/arbre/recherche/vecteurs.json) prouvent que les deux donnent les mêmes
// mots, les mêmes racines et les mêmes résultats dans le même ordre. Lisez l'en-tête de
// moteur.py avant de changer quoi que ce soit ici, et changez les deux ensemble.
"use strict";

import { stemmer } from "../vendor/orama-stemmers/fr.js";

const LETTRES = "0-9a-zàáâãäåçèéêëìíîïñòóôõöùúûüýÿ";
const MOT = new RegExp(`[${LETTRES}]+`, "g");
const SEPARATEURS = /['’ʼ‘`´\-‐‑‒–—]/g;
const ACCENTS = /[\u0300-\u036f]/g;
const POIDS = [4, 3, 2, 1]; // libellé, mots clés, indice, texte
const FACTEURS = { question: 0.7, urgence: 1.1 };
const QUALITE_DEBUT = 0.6;
const QUALITE_FAUTES = [1.0, 0.8, 0.6];
export const LIMITE = 8;

/** Les mots du texte, en minuscules, ligatures défaites, séparés par une espace. */
export function normaliser(texte) {
  const t = (texte || "").normalize("NFC").toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae");
  return (t.replace(SEPARATEURS, " ").match(MOT) || []).join(" ");
}

/** Le mot sans accents. */
export function plier(mot) {
  return mot.normalize("NFD").replace(ACCENTS, "");
}

const racines = new Map();
/** La racine Snowball du mot tel qu'il est écrit, sans accents. */
export function racine(mot) {
  let r = racines.get(mot);
  if (r === undefined) {
    r = plier(stemmer(mot));
    racines.set(mot, r);
  }
  return r;
}

const RACINE_COURTE = 3;
const QUALITE_RACINE_COURTE = 0.5;

/** Les racines du mot écrit avec et sans accents, et le mot sans accents si l'une d'elles est
 * courte (3 lettres au plus), sans doublon. */
export function cles(mot) {
  const plie = plier(mot);
  const racines = [racine(mot), racine(plie)];
  const courte = racines.some((r) => r.length <= RACINE_COURTE);
  return [...new Set(courte ? [...racines, plie] : racines)];
}

export function fautesPermises(mot) {
  return mot.length >= 8 ? 2 : mot.length >= 5 ? 1 : 0;
}

/** Distance d'édition (avec deux lettres voisines inversées), ou limite + 1 au-delà. */
export function distance(a, b, limite) {
  if (Math.abs(a.length - b.length) > limite) return limite + 1;
  let avantAvant = [];
  let avant = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const ligne = [i];
    let minimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cout = a[i - 1] === b[j - 1] ? 0 : 1;
      let valeur = Math.min(avant[j] + 1, ligne[j - 1] + 1, avant[j - 1] + cout);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        valeur = Math.min(valeur, avantAvant[j - 2] + 1);
      }
      ligne[j] = valeur;
      minimum = Math.min(minimum, valeur);
    }
    if (minimum > limite) return limite + 1;
    avantAvant = avant;
    avant = ligne;
  }
  return avant[b.length];
}

/** Arrondi au millionième (les logarithmes des deux côtés peuvent différer au dernier bit). */
function arrondi(score) {
  return Math.floor(score * 1e6 + 0.5) / 1e6;
}

// Les chiffres des postes d'un index en version 3 (voir index.py) : 0-31 pour le dernier
// chiffre d'un entier, 32-63 pour les autres.
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
const CHIFFRES = new Int8Array(128).fill(-1);
[...ALPHABET].forEach((c, i) => { CHIFFRES[c.charCodeAt(0)] = i; });

/** Les postes d'un terme en version 3, en page × 4 + champ (moteur.decoder_postes). */
export function decoderPostes(texte) {
  const postes = [];
  let nombre = 0;
  let page = -1;
  for (let i = 0; i < texte.length; i++) {
    const chiffre = CHIFFRES[texte.charCodeAt(i)];
    if (chiffre >= 32) {
      nombre = nombre * 32 + chiffre - 32;
      continue;
    }
    nombre = nombre * 32 + chiffre;
    page += Math.floor(nombre / 4) + 1;
    postes.push(page * 4 + (nombre % 4));
    nombre = 0;
  }
  return postes;
}

/** Un recherche.json chargé, prêt à chercher (voir site/plugins/arbre/recherche/index.py). */
export class Index {
  constructor(donnees) {
    this.pages = donnees.pages;
    this.termes = donnees.termes;
    // Les postes d'un terme (version 3 : un texte) ne sont décodés qu'à son premier usage
    // (voir postesDe) ; ceux d'un index de version 2 (des listes de page × 4 + champ) se
    // lisent tels quels.
    this.postes = donnees.postes.slice();
    this.services = donnees.services;
    this.competences = donnees.competences;
    this.vides = new Set(donnees.mots_vides);
    this.numeros = new Map(this.termes.map((t, i) => [t, i]));
    // Les numéros des termes de chaque longueur : un mot n'est comparé, pour les fautes,
    // qu'aux termes de sa longueur à deux lettres près.
    this.parLongueur = new Map();
    this.termes.forEach((t, i) => {
      if (!this.parLongueur.has(t.length)) this.parLongueur.set(t.length, []);
      this.parLongueur.get(t.length).push(i);
    });
    this.communes = new Map(donnees.communes.map((c) => [c[0], c]));
  }

  /** Les postes du terme (son numéro), en page × 4 + champ. */
  postesDe(terme) {
    let postes = this.postes[terme];
    if (typeof postes === "string") {
      postes = decoderPostes(postes);
      this.postes[terme] = postes;
    }
    return postes;
  }

  /** Les mots qui comptent (sans les mots vides, comparés sans accents). */
  mots(texte) {
    return normaliser(texte).split(" ").filter((m) => m.length >= 2 && !this.vides.has(plier(m)));
  }

  /** Map(numéro de terme → qualité) pour un mot de la requête. */
  termesTrouves(mot) {
    const trouves = new Map();
    const plie = plier(mot);
    for (const c of cles(mot)) {
      if (this.numeros.has(c)) {
        trouves.set(this.numeros.get(c), c === plie || c.length > RACINE_COURTE ? 1.0 : QUALITE_RACINE_COURTE);
      }
    }
    if (trouves.size) return trouves;
    if (plie.length >= 3) {
      let bas = 0, haut = this.termes.length;
      while (bas < haut) {
        const milieu = (bas + haut) >> 1;
        if (this.termes[milieu] < plie) bas = milieu + 1; else haut = milieu;
      }
      for (let i = bas; i < this.termes.length && this.termes[i].startsWith(plie); i++) {
        trouves.set(i, QUALITE_DEBUT);
      }
    }
    const permises = fautesPermises(plie);
    for (const forme of permises ? new Set([plie, ...cles(mot)]) : []) {
      for (let longueur = forme.length - permises; longueur <= forme.length + permises; longueur++) {
        for (const i of this.parLongueur.get(longueur) || []) {
          const d = distance(forme, this.termes[i], permises);
          if (d <= permises) trouves.set(i, Math.max(trouves.get(i) || 0, QUALITE_FAUTES[d]));
        }
      }
    }
    return trouves;
  }

  /** [[numéro de page, score]], du plus pertinent au moins pertinent. */
  chercher(requete, limite = LIMITE) {
    const scores = new Map();
    const vus = new Set();
    for (const mot of this.mots(requete)) {
      const plie = plier(mot);
      if (vus.has(plie)) continue;
      vus.add(plie);
      const apports = new Map();
      for (const [terme, qualite] of this.termesTrouves(mot)) {
        for (const poste of this.postesDe(terme)) {
          const page = poste >> 2;
          const apport = POIDS[poste & 3] * qualite;
          if (apport > (apports.get(page) || 0)) apports.set(page, apport);
        }
      }
      if (!apports.size) continue;
      const rarete = Math.log(1 + this.pages.length / apports.size);
      for (const [page, apport] of apports) scores.set(page, (scores.get(page) || 0) + rarete * apport);
    }
    const classes = [...scores].map(([page, score]) =>
      [page, arrondi(score * (FACTEURS[this.pages[page][3]] || 1.0))]);
    classes.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    return classes.slice(0, limite);
  }

  /** Le nom du service de la page dans la commune `insee`, ou null. */
  service(page, insee) {
    const service = this.pages[page][4];
    if (typeof service === "string") {
      const numero = this.competences[service][insee || ""];
      return numero === undefined ? null : this.services[numero];
    }
    return service === null ? null : this.services[service];
  }

  /** L'adresse de la page ; celle de la commune quand le service en dépend et qu'elle est connue. */
  adresse(page, insee) {
    const [adresse, , , , service] = this.pages[page];
    if (typeof service === "string" && this.communes.has(insee)) {
      return `${adresse}${this.communes.get(insee)[1]}/`;
    }
    return adresse;
  }

  /** Les résultats à afficher : [{adresse, libelle, chemin, sorte, service, score}]. */
  afficher(requete, insee = null, limite = LIMITE) {
    return this.chercher(requete, limite).map(([p, score]) => ({
      adresse: this.adresse(p, insee), libelle: this.pages[p][1], chemin: this.pages[p][2],
      sorte: this.pages[p][3], service: this.service(p, insee), score,
    }));
  }
}
