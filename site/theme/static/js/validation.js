// Ce que le téléphone vérifie avant de garder un signalement : les règles du serveur,
// écrites dans la page à la construction (arbre/regles.py → `<script data-regles>`), avec
// les mêmes messages. `verifierFormulaire` fait exactement ce que fait
// `verifier_formulaire` de fonctions/domaine/validation.py (vecteurs partagés :
// tests/fonctions/vecteurs_validation.json) : un signalement gardé hors ligne n'est jamais
// refusé au retour du réseau pour une chose que le téléphone pouvait dire.
"use strict";

const CONTROLES = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
// Une paire de substitution entière (un seul caractère, gardé) ou une moitié seule (remplacée
// par U+FFFD, comme le fait le serveur).
const MOITIES = /[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g;
const compiles = new WeakMap();

function motifs(regles) {
  let m = compiles.get(regles);
  if (!m) {
    const entier = (motif) => new RegExp(`^(?:${motif})$`, "u");
    m = {
      bords: new RegExp(`^[${regles.espaces}]+|[${regles.espaces}]+$`, "gu"),
      courriel: entier(regles.courriel.motif),
      telephone: entier(regles.telephone.motif),
      separateurs: new RegExp(regles.telephone.separateurs, "gu"),
      coordonnee: entier(regles.coordonnee.motif),
      vrai: new Set(regles.vrai),
      faux: new Set(regles.faux),
    };
    compiles.set(regles, m);
  }
  return m;
}

/** La longueur comptée comme Python : en caractères, pas en moitiés UTF-16. */
const longueur = (texte) => [...texte].length;

/** « 4 001 », avec une espace fine insécable, comme `nombre_fr` des fonctions. */
export function nombreFr(n) {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
}

/** Le message `cle` des règles, rempli ; un nombre entier est écrit à la française. */
export function message(regles, cle, valeurs = {}) {
  return regles.messages[cle].replace(/\{(\w+)\}/g, (_, nom) => {
    const v = valeurs[nom];
    return Number.isInteger(v) ? nombreFr(v) : String(v);
  });
}

/** Un texte saisi nettoyé comme le serveur le nettoie ; `null` s'il ne reste rien. */
export function nettoyer(valeur, regles) {
  const propre = String(valeur)
    .replace(/\r\n?/g, "\n")
    .replace(CONTROLES, "")
    .replace(MOITIES, (x) => (x.length === 2 ? x : "\ufffd"))
    .replace(motifs(regles).bords, "");
  return propre || null;
}

function localisation(regles, m, textes, formulaire, erreurs) {
  const exigence = formulaire.localisation || "obligatoire";
  if (exigence === "non") return [null, null, null];
  const lat = textes.latitude ?? null;
  const lon = textes.longitude ?? null;
  let latitude = null;
  let longitude = null;
  const coordonnee = (texte, champ, borne) => {
    const valeur = m.coordonnee.test(texte) ? Number(texte.replaceAll(",", ".")) : NaN;
    if (!Number.isFinite(valeur) || valeur < -borne || valeur > borne) {
      erreurs.push({ champ, message: message(regles, "coordonnee_invalide", { champ, borne }) });
      return null;
    }
    return valeur;
  };
  if ((lat === null) !== (lon === null)) {
    erreurs.push({ champ: lon === null ? "longitude" : "latitude", message: message(regles, "coordonnees_incompletes") });
  } else if (lat !== null) {
    latitude = coordonnee(lat, "latitude", 90);
    longitude = coordonnee(lon, "longitude", 180);
  }
  // Le formulaire l'appelle « lieu » ; « adresse » reste accepté, comme au serveur.
  const champ = "lieu" in textes ? "lieu" : "adresse";
  const adresse = textes[champ] ?? null;
  if (adresse !== null && longueur(adresse) > regles.adresse.max) {
    erreurs.push({ champ, message: message(regles, "adresse_trop_longue", { max: regles.adresse.max }) });
  }
  if (exigence === "obligatoire" && adresse === null && lat === null && lon === null) {
    erreurs.push({ champ, message: message(regles, "lieu_manquant") });
  }
  return [latitude, longitude, adresse];
}

function contact(regles, m, textes, erreurs) {
  const courriel = textes.courriel ?? null;
  let telephone = textes.telephone ?? null;
  const consentement = m.vrai.has((textes.consentement || "").toLowerCase());
  if (courriel !== null && (longueur(courriel) > regles.courriel.max || !m.courriel.test(courriel))) {
    erreurs.push({ champ: "courriel", message: message(regles, "courriel_invalide") });
  }
  if (!consentement) {
    telephone = null; // sans l'accord, le téléphone ne sert à personne : ni vérifié ni gardé
  } else if (telephone !== null) {
    telephone = telephone.replace(m.separateurs, "");
    if (!m.telephone.test(telephone)) {
      erreurs.push({ champ: "telephone", message: message(regles, "telephone_invalide") });
    }
  }
  if (consentement && courriel === null && telephone === null) {
    erreurs.push({ champ: "consentement", message: message(regles, "contact_manquant") });
  }
  return [courriel, telephone, consentement];
}

function questions(regles, m, textes, liste, erreurs) {
  const reponses = [];
  for (const question of liste) {
    const champ = `question-${question.id}`;
    let valeur = textes[champ] ?? null;
    if (valeur === null) {
      if (question.obligatoire) {
        erreurs.push({ champ, message: message(regles, "reponse_manquante", { libelle: question.libelle }) });
      }
      continue;
    }
    const choix = question.choix || [];
    if (question.type === "choix" && !choix.includes(valeur)) {
      erreurs.push({ champ, message: message(regles, "choix_invalide", { choix: choix.join(", ") }) });
      continue;
    }
    if (question.type === "oui-non") {
      const minuscules = valeur.toLowerCase();
      if (!m.vrai.has(minuscules) && !m.faux.has(minuscules)) {
        erreurs.push({ champ, message: message(regles, "oui_non_invalide") });
        continue;
      }
      valeur = m.vrai.has(minuscules) ? "oui" : "non";
    }
    if (longueur(valeur) > regles.reponse.max) {
      erreurs.push({ champ, message: message(regles, "reponse_trop_longue", { max: regles.reponse.max }) });
      continue;
    }
    reponses.push({ id: question.id, libelle: question.libelle, valeur });
  }
  return reponses;
}

function photos(regles, nombre, formulaire, erreurs) {
  const exigence = formulaire.photo || "facultative";
  if (nombre > regles.photos.max) {
    erreurs.push({ champ: "photos", message: message(regles, "trop_de_photos", { max: regles.photos.max, nombre }) });
  } else if (exigence === "non" && nombre) {
    erreurs.push({ champ: "photos", message: message(regles, "pas_de_photo") });
  } else if (exigence === "obligatoire" && !nombre) {
    const raison = formulaire.raison_photo;
    erreurs.push({ champ: "photos", message: raison ? message(regles, "photo_manquante_raison", { raison })
      : message(regles, "photo_manquante") });
  }
}

/**
 * Vérifie les champs nettoyés (`textes` : nom → texte, sans valeur vide) contre les règles
 * communes et le `formulaire` de l'issue. Rend { valeurs, erreurs } — les erreurs dans
 * l'ordre du formulaire, [{ champ, message }], comme le serveur.
 */
export function verifierFormulaire(regles, formulaire, communeObligatoire, textes, nbPhotos) {
  const m = motifs(regles);
  const erreurs = [];
  if (communeObligatoire && (textes.commune ?? null) === null) {
    erreurs.push({ champ: "commune", message: message(regles, "commune_manquante") });
  }
  const description = textes.description ?? null;
  if (description === null) {
    erreurs.push({ champ: "description", message: message(regles, "description_manquante") });
  } else if (longueur(description) > regles.description.max) {
    erreurs.push({ champ: "description", message: message(regles, "description_trop_longue",
      { longueur: longueur(description), max: regles.description.max }) });
  }
  const [latitude, longitude, adresse] = localisation(regles, m, textes, formulaire, erreurs);
  const [courriel, telephone, consentement] = contact(regles, m, textes, erreurs);
  const reponses = questions(regles, m, textes, formulaire.questions || [], erreurs);
  photos(regles, nbPhotos, formulaire, erreurs);
  return {
    valeurs: { description, latitude, longitude, adresse, courriel, telephone, consentement, reponses },
    erreurs,
  };
}
