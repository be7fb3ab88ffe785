// Où en est un signalement de la boîte d'envoi : commun au formulaire et à « Mes signalements ».
"use strict";

export function texte(balise, contenu, classe) {
  const el = document.createElement(balise);
  el.textContent = contenu;
  if (classe) el.className = classe;
  return el;
}

/** Dit où en est un envoi de la boîte : en attente de réseau, ou à corriger. */
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
    zone.append(liste, lien);
  } else {
    zone.append(texte("p", "En attente de réseau : il partira tout seul dès que la connexion reviendra.", "etat etat-attente"));
    const bouton = texte("button", "Envoyer maintenant", "bouton-secondaire");
    bouton.type = "button";
    bouton.dataset.envoyerMaintenant = "";
    zone.append(bouton);
  }
}
