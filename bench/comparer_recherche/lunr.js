// Lunr avec lunr-languages (lunr.fr : mots vides, accents retirés et racines françaises de
// la bibliothèque elle-même). Apostrophes et traits d'union séparent les mots. Chaque mot
// de la requête donne trois clauses facultatives (donc OU) : le mot analysé par lunr.fr
// (poids 10), le mot comme début d'un terme de l'index (dès 3 lettres, poids 3) et le
// mot à une ou deux fautes près selon sa longueur (poids 1). Essayé aussi : 100/10/1.
import lunr from "lunr";
import francais from "lunr-languages/lunr.fr.js";
import soutien from "lunr-languages/lunr.stemmer.support.js";
import { fautesPermises } from "./francais.js";

soutien(lunr);
francais(lunr);
lunr.tokenizer.separator = /[\s\-'’ʼ‘`´]+/;
lunr.QueryLexer.termSeparator = lunr.tokenizer.separator;

const POIDS = { libelle: 4, mots_cles: 3, indice: 2, texte: 1 };
const nettoyer = new lunr.Pipeline();
nettoyer.add(lunr.fr.trimmer, lunr.fr.stopWordFilter, lunr.fr.accentFold);
const raciner = new lunr.Pipeline();
raciner.add(lunr.fr.stemmer);

export function construire(texte) {
  const { documents } = JSON.parse(texte);
  return lunr(function () {
    this.use(lunr.fr);
    this.ref("id");
    for (const [champ, poids] of Object.entries(POIDS)) this.field(champ, { boost: poids });
    for (const d of documents) this.add(d);
  });
}

export function chercher(index, requete) {
  const mots = lunr.tokenizer(requete.texte).flatMap((jeton) => nettoyer.runString(jeton.toString()));
  if (!mots.length) return [];
  const resultats = index.query((q) => {
    for (const mot of mots) {
      const racine = raciner.runString(mot)[0] || mot;
      q.term(racine, { usePipeline: false, boost: 10 });
      if (mot.length >= 3) {
        q.term(mot, { usePipeline: false, boost: 3, wildcard: lunr.Query.wildcard.TRAILING });
      }
      const fautes = fautesPermises(mot);
      if (fautes) q.term(racine, { usePipeline: false, boost: 1, editDistance: fautes });
    }
  });
  return resultats.slice(0, 8).map((r) => r.ref);
}

export function serialiser(index) {
  return JSON.stringify(index);
}

export function charger(texte) {
  return lunr.Index.load(JSON.parse(texte));
}
