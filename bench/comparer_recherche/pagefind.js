// Pagefind : son index est construit hors du navigateur (le programme pagefind, sur une page
// HTML par document, champs pondérés par data-pagefind-weight), et découpé en morceaux que
// le navigateur charge à la demande. Langue française (lang="fr" : racines Snowball de
// Pagefind) ; début de mot cherché par défaut ; pas de tolérance aux fautes ; plusieurs
// mots : Pagefind exige tous ceux que l'index connaît (on ne peut pas demander OU).
// Une recherche rend des identifiants ; l'adresse d'un résultat demande son « fragment » :
// on charge ceux des 3 premiers (ce que le juge regarde) dans le temps de la requête.
let pagefind;

export async function construire() {
  pagefind = await import("/pagefind/pagefind.js");
  await pagefind.init();
  return pagefind;
}

export async function chercher(index, requete) {
  const r = await index.search(requete.texte);
  const premiers = await Promise.all(r.results.slice(0, 3).map((x) => x.data()));
  return premiers.map((d) => d.url);
}
