// Notre moteur, tel que le site le charge (site/theme/static/js/recherche.js), sur le
// recherche.json de la construction. Rien n'est réglé ici : c'est le moteur publié.
import { Index, LIMITE } from "aiguillage-recherche";

export function construire(texte) {
  return new Index(JSON.parse(texte));
}

export function chercher(index, requete) {
  return index.chercher(requete.texte, LIMITE).map(([page]) => index.adresse(page, requete.insee));
}

export function classement(index, requete) {
  return index.chercher(requete.texte, LIMITE);
}
