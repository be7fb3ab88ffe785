// Orama avec ses propres outils français : découpage « french », racines @orama/stemmers
// (les mêmes que les nôtres), mots vides @orama/stopwords ; recherche OU (threshold 1),
// début de mot (exact: false, par défaut), une faute permise (tolerance 1 : Orama n'a
// qu'une tolérance pour tous les mots ; 2 fait trouver trop de voisins), poids par champ
// comme les nôtres. BM25 avec b = 0,3 au lieu de 0,75 : nos champs sont courts et de
// longueurs très inégales (un libellé, un texte), la longueur ne doit pas tant pénaliser.
import { create, insertMultiple, load, save, search } from "@orama/orama";
import { stemmer } from "@orama/stemmers/french";
import { stopwords } from "@orama/stopwords/french";

const SCHEMA = { libelle: "string", mots_cles: "string", indice: "string", texte: "string" };
const POIDS = { libelle: 4, mots_cles: 3, indice: 2, texte: 1 };

function base() {
  return create({
    schema: SCHEMA,
    components: { tokenizer: { language: "french", stemming: true, stemmer, stopWords: stopwords } },
  });
}

export async function construire(texte) {
  const { documents } = JSON.parse(texte);
  const index = base();
  await insertMultiple(index, documents);
  return index;
}

const adresses = (r) => r.hits.map((h) => h.id);

export function chercher(index, requete) {
  const r = search(index, {
    term: requete.texte, properties: Object.keys(SCHEMA), boost: POIDS,
    tolerance: 1, threshold: 1, limit: 8, relevance: { k: 1.2, b: 0.3, d: 0.5 },
  });
  return typeof r.then === "function" ? r.then(adresses) : adresses(r);
}

export function serialiser(index) {
  return JSON.stringify(save(index));
}

export function charger(texte) {
  const index = base();
  load(index, JSON.parse(texte));
  return index;
}
