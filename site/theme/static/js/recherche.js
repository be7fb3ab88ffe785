// La recherche du parcours, sans accents ni majuscules, sur l'index recherche.json.
"use strict";

/** Texte sans accents, sans majuscules, ponctuation remplacée par des espaces. */
export function normaliser(texte) {
  return (texte || "")
    .normalize("NFD").replace(/[\u0300-\u036f]/g, "")
    .toLowerCase().replace(/œ/g, "oe").replace(/æ/g, "ae")
    .replace(/[^a-z0-9]+/g, " ").trim();
}

/** Les entrées de l'index qui contiennent tous les mots de la requête (au début d'un mot). */
export function chercher(index, requete, limite = 8) {
  const mots = normaliser(requete).split(" ").filter(Boolean);
  if (!mots.length) return [];
  const resultats = [];
  for (const e of index) {
    if (!e._l) {
      e._l = " " + normaliser(e.l);
      e._tout = " " + normaliser([e.l, e.i, e.m.join(" "), e.c].join(" "));
    }
    if (!mots.every((m) => e._tout.includes(" " + m))) continue;
    let score = mots.filter((m) => e._l.includes(" " + m)).length * 10;
    if (e.t !== "question") score += 1;
    resultats.push([score, e]);
  }
  return resultats.sort((a, b) => b[0] - a[0]).slice(0, limite).map((r) => r[1]);
}
