// Pagefind, réglé comme pagefind.js, mais sans exiger tous les mots : une recherche par mot
// de la requête (Pagefind n'a pas d'option OU) et, pour chaque page, la somme des scores
// que Pagefind lui donne. Un classement refait à la main, donc : c'est ce qu'un site
// devrait écrire autour de Pagefind pour ne pas laisser une phrase sans résultat.
export { construire } from "./pagefind.js";

export async function chercher(index, requete) {
  const mots = requete.texte.split(/[\s'’ʼ‘`´,.;:!?()"«»]+/).filter(Boolean);
  const scores = new Map();
  const resultats = new Map();
  for (const reponse of await Promise.all(mots.map((m) => index.search(m)))) {
    for (const r of reponse.results) {
      scores.set(r.id, (scores.get(r.id) || 0) + r.score);
      resultats.set(r.id, r);
    }
  }
  const premiers = [...scores].sort((a, b) => b[1] - a[1]).slice(0, 3);
  const donnees = await Promise.all(premiers.map(([id]) => resultats.get(id).data()));
  return donnees.map((d) => d.url);
}
