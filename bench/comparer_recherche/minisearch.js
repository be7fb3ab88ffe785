// MiniSearch avec notre analyse du français (processTerm) : à l'indexation, chaque mot donne
// ses clés (mot sans accents, racines Snowball), comme notre index ; à la recherche, un mot
// ne donne que sa racine sans accents (avec ses trois clés, un mot compterait trois fois).
// Recherche OU, début de mot dès 3 lettres, fautes de frappe selon la longueur (1 dès
// 5 lettres, 2 dès 8, comme nous), poids par champ comme les nôtres ; BM25 par défaut.
import MiniSearch from "minisearch";
import { decouper, fautesPermises, plier, racine, traiteur } from "./francais.js";

const CHAMPS = ["libelle", "mots_cles", "indice", "texte"];

function options(motsVides) {
  const vides = new Set(motsVides);
  return {
    fields: CHAMPS,
    idField: "id",
    tokenize: decouper,
    processTerm: traiteur(motsVides),
    searchOptions: {
      combineWith: "OR",
      boost: { libelle: 4, mots_cles: 3, indice: 2, texte: 1 },
      processTerm: (mot) => (mot.length < 2 || vides.has(plier(mot)) ? null : racine(plier(mot))),
      prefix: (terme) => terme.length >= 3,
      fuzzy: (terme) => fautesPermises(terme),
    },
  };
}

export function construire(texte) {
  const { mots_vides, documents } = JSON.parse(texte);
  const index = new MiniSearch(options(mots_vides));
  index.addAll(documents);
  index.motsVides = mots_vides;
  return index;
}

export function chercher(index, requete) {
  return index.search(requete.texte).slice(0, 8).map((r) => r.id);
}

export function serialiser(index) {
  return JSON.stringify({ mots_vides: index.motsVides, index });
}

export function charger(texte) {
  const { mots_vides, index } = JSON.parse(texte);
  const relu = MiniSearch.loadJS(index, options(mots_vides));
  relu.motsVides = mots_vides;
  return relu;
}
