// L'analyse du français de notre moteur (mots, mots vides, racines Snowball de
// @orama/stemmers, accents retirés), offerte aux bibliothèques qui n'ont pas la leur mais
// acceptent une fonction de traitement des mots (MiniSearch). Les mots vides sont ceux de
// la construction, publiés dans documents.json comme dans recherche.json.
import { cles, normaliser, plier, racine } from "aiguillage-recherche";

export { plier, racine };

/** Les mots du texte, minuscules, ligatures défaites (voir texte.normaliser). */
export function decouper(texte) {
  return normaliser(texte).split(" ").filter(Boolean);
}

/** Le traitement d'un mot : null pour un mot vide ou d'une lettre, sinon ses clés (le mot
 * sans accents et ses racines), exactement ce que notre index garde. */
export function traiteur(motsVides) {
  const vides = new Set(motsVides);
  return (mot) => (mot.length < 2 || vides.has(plier(mot)) ? null : cles(mot));
}

/** Les fautes permises à un mot, comme notre moteur : 1 dès 5 lettres, 2 dès 8. */
export function fautesPermises(mot) {
  return mot.length >= 8 ? 2 : mot.length >= 5 ? 1 : 0;
}
