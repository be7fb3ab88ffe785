// FlexSearch avec son préréglage français (flexsearch/lang/fr : mots vides, élisions,
// suffixes) sur le jeu de caractères « LatinDefault » (minuscules, accents retirés) ;
// découpage « tolerant » (deux lettres inversées ou une lettre oubliée : sa tolérance aux
// fautes) ; suggest: true (un mot absent n'écarte pas une page : OU). Un champ n'a qu'un
// découpage : « tolerant » exclut « forward » (début de mot). Essayé aussi : « forward »
// avec LatinBalance (début de mot + phonétique), LatinAdvanced, LatinExtra, LatinSoundex,
// « full », des poids par Resolver : tous moins bons sur le jeu public (voir docs/recherche.md).
// FlexSearch ne note pas les pages : il range chaque champ, et « merge » les met bout à
// bout dans l'ordre des champs, ce qui donne libellé > mots clés > indice > texte.
// « flexsearch-compact » : la version « compact » du paquet (dist/flexsearch.compact.module.min.js,
// sans workers ni bases de données), la plus petite qui ait Document ; alias posé par
// bench/comparer_recherche.py.
import { Charset, Document, Encoder } from "flexsearch-compact";
import FR from "flexsearch/lang/fr";

const CHAMPS = ["libelle", "mots_cles", "indice", "texte"];

function base() {
  const encoder = new Encoder(Charset.LatinDefault, FR);
  return new Document({
    document: {
      id: "id",
      index: CHAMPS.map((field) => ({ field, tokenize: "tolerant", encoder, resolution: 9 })),
    },
  });
}

export function construire(texte) {
  const { documents } = JSON.parse(texte);
  const index = base();
  for (const d of documents) index.add(d);
  return index;
}

export function chercher(index, requete) {
  return index.search(requete.texte, { suggest: true, merge: true, limit: 8 })
    .slice(0, 8).map((r) => r.id);
}

export async function serialiser(index) {
  const parties = {};
  await index.export((cle, donnees) => { parties[cle] = donnees; });
  return JSON.stringify(parties);
}

export function charger(texte) {
  const index = base();
  for (const [cle, donnees] of Object.entries(JSON.parse(texte))) index.import(cle, donnees);
  return index;
}
