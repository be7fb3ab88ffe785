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

/** Les termes d'un index en version 4, écrits par préfixes communs : "AabimEe" → ["abim",
 * "abime"] (moteur.decoder_termes). */
export function decoderTermes(texte) {
  const termes = [];
  let precedent = "";
  for (const morceau of texte.match(/[A-Z][0-9a-z]*/g) || []) {
    precedent = precedent.slice(0, morceau.charCodeAt(0) - 65) + morceau.slice(1);
    termes.push(precedent);
  }
  return termes;
}

/** Un recherche.json chargé, prêt à chercher (voir site/plugins/arbre/recherche/index.py et
 * fichiers.py). Un index découpé (version 4, `morceaux`) ne porte que de quoi trouver les
 * termes d'un mot : `await index.preparer(requete)` télécharge, par `lire(nom)`, les morceaux
 * de postes dont la requête a besoin, avant `chercher` ; `trouver` fait tout, jusqu'aux
 * morceaux d'affichage des résultats. Les versions 2 et 3 (un seul fichier) se lisent aussi. */
export class Index {
  constructor(donnees, lire = null) {
    this.termes = typeof donnees.termes === "string" ? decoderTermes(donnees.termes) : donnees.termes;
    this.morceaux = donnees.morceaux || null;
    this.lire = lire;
    if (this.morceaux) {
      const noms = donnees.noms_des_sortes;
      this.sortes = Array.from(donnees.sortes, (c) => noms[CHIFFRES[c.charCodeAt(0)]]);
      this.pages = new Array(this.sortes.length); // remplies morceau par morceau
      this.postes = new Array(this.termes.length);
      this.premiers = this.morceaux.postes.map(([premier]) => premier);
    } else {
      this.pages = donnees.pages;
      this.sortes = this.pages.map((p) => p[3]);
      // Les postes d'un terme (versions 3 et 4 : un texte) ne sont décodés qu'à son premier
      // usage (voir postesDe) ; ceux d'un index de version 2 (des listes de page × 4 + champ)
      // se lisent tels quels.
      this.postes = donnees.postes.slice();
    }
    this.nombrePages = this.sortes.length;
    this.enCours = new Map(); // nom d'un morceau → sa lecture
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
    this.trouvesParMot = new Map(); // termesTrouves de mots récents (preparer puis chercher)
  }

  /** Lit un morceau une fois ; un échec (hors ligne) n'est pas retenu : le prochain essai
   * le redemande. */
  morceau(nom, ranger) {
    if (!this.enCours.has(nom)) {
      const lecture = Promise.resolve().then(() => this.lire(nom)).then(ranger);
      lecture.catch(() => this.enCours.delete(nom));
      this.enCours.set(nom, lecture);
    }
    return this.enCours.get(nom);
  }

  /** Télécharge les morceaux de postes des termes que trouvent les mots de `requete`. */
  async preparer(requete) {
    if (!this.morceaux) return;
    const voulus = new Set();
    for (const mot of this.mots(requete)) {
      for (const terme of this.termesTrouves(mot).keys()) {
        if (this.postes[terme] !== undefined) continue;
        let bas = 0, haut = this.premiers.length - 1; // le dernier morceau qui commence avant
        while (bas < haut) {
          const milieu = (bas + haut + 1) >> 1;
          if (this.premiers[milieu] <= terme) bas = milieu; else haut = milieu - 1;
        }
        voulus.add(bas);
      }
    }
    await Promise.all([...voulus].map((i) => {
      const [premier, nom] = this.morceaux.postes[i];
      return this.morceau(nom, (liste) => liste.forEach((p, j) => {
        if (this.postes[premier + j] === undefined) this.postes[premier + j] = p;
      }));
    }));
  }

  /** Télécharge les morceaux d'affichage de `pages` (leurs numéros). */
  async preparerPages(pages) {
    if (!this.morceaux) return;
    const taille = this.morceaux.pages_par_morceau;
    const voulus = new Set(pages.filter((p) => this.pages[p] === undefined).map((p) => Math.floor(p / taille)));
    await Promise.all([...voulus].map((k) => this.morceau(this.morceaux.pages[k], (liste) =>
      liste.forEach(([adresse, libelle, chemin, service], j) => {
        this.pages[k * taille + j] = [adresse, libelle, chemin, this.sortes[k * taille + j], service];
      }))));
  }

  /** Les résultats à afficher, après avoir téléchargé ce qu'il faut (voir afficher). */
  async trouver(requete, insee = null, limite = LIMITE) {
    await this.preparer(requete);
    const classes = this.chercher(requete, limite);
    await this.preparerPages(classes.map(([p]) => p));
    return this.montrer(classes, insee);
  }

  /** Les postes du terme (son numéro), en page × 4 + champ. */
  postesDe(terme) {
    let postes = this.postes[terme];
    if (postes === undefined) throw new Error(`Les postes du terme ${terme} ne sont pas téléchargés (preparer).`);
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

  /** Map(numéro de terme → qualité) pour un mot de la requête (gardée pour les derniers mots :
   * preparer puis chercher la demandent tous deux). */
  termesTrouves(mot) {
    let trouves = this.trouvesParMot.get(mot);
    if (!trouves) {
      if (this.trouvesParMot.size > 500) this.trouvesParMot.clear();
      trouves = this.calculerTermes(mot);
      this.trouvesParMot.set(mot, trouves);
    }
    return trouves;
  }

  calculerTermes(mot) {
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
      const rarete = Math.log(1 + this.nombrePages / apports.size);
      for (const [page, apport] of apports) scores.set(page, (scores.get(page) || 0) + rarete * apport);
    }
    const classes = [...scores].map(([page, score]) =>
      [page, arrondi(score * (FACTEURS[this.sortes[page]] || 1.0))]);
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

  /** Les résultats à afficher : [{adresse, libelle, chemin, sorte, service, score}] ; pour un
   * index découpé, une fois ses morceaux téléchargés (voir trouver). */
  afficher(requete, insee = null, limite = LIMITE) {
    return this.montrer(this.chercher(requete, limite), insee);
  }

  montrer(classes, insee) {
    return classes.map(([p, score]) => ({
      adresse: this.adresse(p, insee), libelle: this.pages[p][1], chemin: this.pages[p][2],
      sorte: this.pages[p][3], service: this.service(p, insee), score,
    }));
  }
}
