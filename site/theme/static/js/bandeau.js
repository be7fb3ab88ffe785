// « 1 signalement à corriger » : en haut de chaque page tant qu'un signalement refusé par le
// serveur n'est pas corrigé, avec le lien qui mène à sa correction. Chargé par aiguillage.js
// seulement quand la boîte d'envoi en a un (la plupart des visites n'en chargent rien).
"use strict";

import { annoncer } from "./etats.js";

const aCorriger = (n) => `${n} signalement${n > 1 ? "s" : ""} à corriger`;

/** Montre, met à jour ou retire le bandeau ; annonce un refus arrivé pendant la visite. */
export async function afficherBandeau(changement) {
  const refuses = (await self.BoiteEnvoi.envois()).filter((e) => e.etat === "a-corriger");
  let bandeau = document.querySelector("[data-bandeau-a-corriger]");
  if (!refuses.length) {
    if (bandeau) bandeau.remove();
    return;
  }
  if (!bandeau) {
    bandeau = Object.assign(document.createElement("div"), { className: "bandeau-a-corriger" });
    bandeau.dataset.bandeauACorriger = "";
    (document.querySelector("main") || document.body).prepend(bandeau);
  }
  const seul = refuses.length === 1 ? refuses[0] : null;
  const lien = Object.assign(document.createElement("a"), {
    href: seul ? `${seul.page}?corriger=${encodeURIComponent(seul.cle)}` : "/mes-signalements/",
    textContent: aCorriger(refuses.length),
  });
  const texte = document.createElement("p");
  texte.append(lien, seul ? " : le service ne l'a pas accepté tel quel, il attend vos corrections."
    : " : le service ne les a pas acceptés tels quels, ils attendent vos corrections.");
  bandeau.replaceChildren(texte);
  // La page du formulaire dit elle-même le refus du sien (elle porte sa clé).
  if (changement && changement.etat === "a-corriger"
      && !document.querySelector(`[data-cle="${CSS.escape(changement.cle)}"]`)) {
    annoncer(refuses.length > 1 ? `${refuses.length} signalements attendent vos corrections.`
      : "Un signalement attend vos corrections : le service ne l'a pas accepté tel quel.");
  }
}
