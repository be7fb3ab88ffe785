// Où en est un signalement de la boîte d'envoi : commun au formulaire et à « Mes signalements ».
"use strict";

export function texte(balise, contenu, classe) {
  const el = document.createElement(balise);
  el.textContent = contenu;
  if (classe) el.className = classe;
  return el;
}

/** Lu poliment par les lecteurs d'écran (la zone existe avant le texte, sinon il est tu). */
export function annoncer(phrase) {
  let zone = document.querySelector("[data-annonce]");
  if (!zone) {
    zone = texte("p", "", "invisible");
    zone.setAttribute("role", "status");
    zone.dataset.annonce = "";
    (document.querySelector("main") || document.body).append(zone);
  }
  zone.textContent = "";
  // Le même texte deux fois de suite ne serait pas relu : il est remis au tour suivant.
  setTimeout(() => { zone.textContent = phrase; }, 50);
}

/** Ce qu'un lecteur d'écran entend quand l'envoi change d'état (`envoi.signalement` : celui
 * que le serveur a confirmé). Pas le texte affiché mot pour mot : une phrase qui se suffit. */
export function phraseDeLEtat(envoi) {
  if (envoi.etat === "a-corriger") {
    return `Le service n'a pas accepté ce signalement : ${(envoi.erreurs || []).map((e) => e.message).join(" ")}`;
  }
  if (envoi.etat === "envoye") {
    return `C'est envoyé : ${envoi.gestionnaire} l'a reçu, sous la référence ${envoi.reference}.`;
  }
  if (envoi.etat === "envoi") return "Envoi du signalement en cours.";
  return "Gardé sur ce téléphone : il partira tout seul quand le réseau reviendra.";
}

/** Dit où en est un envoi de la boîte : en attente de réseau, en cours d'envoi, ou à corriger.
 * Le titre (`h2`) peut recevoir le focus : c'est là qu'on le met quand l'état change. */
export function afficherEtat(zone, envoi) {
  const titre = texte("h2", envoi.libelle || "Signalement");
  titre.tabIndex = -1; // le formulaire y met le focus : c'est le résultat de l'envoi
  zone.replaceChildren(titre);
  if (envoi.etat === "a-corriger") {
    zone.append(texte("p", "À corriger : le signalement n'a pas été accepté.", "etat etat-a-corriger"));
    const liste = document.createElement("ul");
    for (const e of envoi.erreurs || []) liste.append(texte("li", e.message));
    const lien = Object.assign(document.createElement("a"), {
      href: `${envoi.page}?corriger=${encodeURIComponent(envoi.cle)}`,
      textContent: "Corriger et renvoyer",
    });
    lien.dataset.corriger = envoi.cle;
    zone.append(liste, lien);
  } else if (envoi.etat === "envoi") {
    zone.append(texte("p", "Envoi en cours…", "etat etat-attente"));
  } else {
    zone.append(texte("p", "En attente de réseau : il partira tout seul dès que la connexion reviendra.", "etat etat-attente"));
    const bouton = texte("button", "Envoyer maintenant", "bouton-secondaire");
    bouton.type = "button";
    bouton.dataset.envoyerMaintenant = "";
    zone.append(bouton);
  }
  return titre;
}
