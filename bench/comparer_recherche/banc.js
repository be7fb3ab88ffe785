// Le banc commun à tous les moteurs (bench/comparer_recherche.py l'appelle dans Chromium).
//
// Chaque moteur est un module (aiguillage.js, minisearch.js…, regroupé par esbuild avec sa
// bibliothèque) qui exporte :
//   construire(texte)          → l'index, depuis le fichier de données téléchargé (texte brut :
//                                 le JSON.parse fait partie de la construction) ;
//   chercher(index, requete)   → les adresses trouvées, de la plus pertinente à la moins
//                                 pertinente (requete : {id, texte, insee}) ;
//   serialiser(index)          → facultatif : l'index en texte, tel qu'on le publierait ;
//   charger(texte)             → facultatif : l'index relu depuis ce texte ;
//   classement(index, requete) → facultatif : le classement brut (notre moteur, comparé à
//                                 la moitié Python).
//
// Deux temps : `preparer`, un moteur par navigateur neuf (construction à froid, résultats) ;
// puis `chronometrer`, tous les moteurs dans une même page, requête par requête, dans un
// ordre qui tourne : le bruit de la machine (d'autres processus) touche tous les moteurs.
"use strict";

const ESSAIS_CONSTRUCTION = 5;

async function attendre(valeur) {
  // Les moteurs synchrones ne paient pas un tour de boucle d'événements de plus.
  return valeur && typeof valeur.then === "function" ? await valeur : valeur;
}

async function mesure(fonction) {
  const debut = performance.now();
  const valeur = await attendre(fonction());
  return [performance.now() - debut, valeur];
}

async function telecharger(donnees) {
  return donnees ? await (await fetch(donnees)).text() : "";
}

/** Construction (5 fois), index sérialisé et relu (5 fois), résultats, exemples de fautes. */
export async function preparer({ module, donnees, requetes, exemples, hasard }) {
  const moteur = await import(module);
  const texte = await telecharger(donnees);
  const construction = [];
  let index;
  for (let i = 0; i < ESSAIS_CONSTRUCTION; i++) {
    const [duree, valeur] = await mesure(() => moteur.construire(texte));
    construction.push(duree);
    index = valeur;
  }
  let serialise = null;
  const chargement = [];
  let differences_apres_chargement = null;
  if (moteur.serialiser) {
    serialise = await attendre(moteur.serialiser(index));
    let relu;
    for (let i = 0; i < ESSAIS_CONSTRUCTION; i++) {
      const [duree, valeur] = await mesure(() => moteur.charger(serialise));
      chargement.push(duree);
      relu = valeur;
    }
    // L'index relu doit chercher comme l'index construit ; on cherche ensuite dans le relu,
    // celui qu'un site publierait.
    differences_apres_chargement = 0;
    for (const r of requetes) {
      const a = JSON.stringify(await attendre(moteur.chercher(index, r)));
      const b = JSON.stringify(await attendre(moteur.chercher(relu, r)));
      if (a !== b) differences_apres_chargement++;
    }
    index = relu;
  }
  const resultats = {};
  const classements = {};
  for (const r of requetes) {
    resultats[r.id] = await attendre(moteur.chercher(index, r));
    if (moteur.classement) classements[r.id] = moteur.classement(index, r);
  }
  // Notre moteur seulement : le classement de requêtes tirées au hasard, comparé à Python.
  const classements_hasard = moteur.classement ? hasard.map((t) => moteur.classement(index, { texte: t })) : [];
  const trouves = [];
  for (const r of exemples) trouves.push(await attendre(moteur.chercher(index, r)));
  return {
    resultats, classements, classements_hasard, exemples: trouves, construction, chargement, serialise,
    differences_apres_chargement, isole: self.crossOriginIsolated,
  };
}

/** {module: [durée de chaque requête, en ms]} : `tours` passages après un d'échauffement. */
export async function chronometrer({ moteurs, requetes, tours }) {
  const prets = [];
  for (const { module, donnees } of moteurs) {
    const moteur = await import(module);
    prets.push({ module, moteur, index: await attendre(moteur.construire(await telecharger(donnees))) });
  }
  const temps = Object.fromEntries(prets.map((p) => [p.module, []]));
  for (let tour = -1; tour < tours; tour++) {
    for (let i = 0; i < requetes.length; i++) {
      for (let k = 0; k < prets.length; k++) {
        const p = prets[(i + k + tour + 1) % prets.length];
        const [duree] = await mesure(() => p.moteur.chercher(p.index, requetes[i]));
        if (tour >= 0) temps[p.module].push(duree);
      }
    }
  }
  return { temps, isole: self.crossOriginIsolated };
}
