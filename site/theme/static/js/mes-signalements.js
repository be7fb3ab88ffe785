// La page « Mes signalements » : ceux qui attendent dans la boîte d'envoi du téléphone, et
// ceux que le serveur a confirmés, avec leur dernier état.
"use strict";

import { afficherEtat, annoncer, phraseDeLEtat } from "./etats.js";

const boite = () => self.BoiteEnvoi;

// -- suivi entre services : le dernier état de chaque signalement (GET /api/suivi/etat) --
/** Remplace « Envoyé » par le dernier état connu ; hors ligne ou en erreur, rien ne change. */
async function afficherDernierEtat(etat, suivi) {
  try {
    const jeton = decodeURIComponent(new URL(suivi, location.href).hash.slice(1));
    if (!jeton) return;
    const reponse = await fetch("/api/suivi/etat", { headers: { Authorization: `Jeton ${jeton}` }, cache: "no-store" });
    if (reponse.ok) etat.textContent = (await reponse.json()).libelle;
  } catch { /* hors ligne : « Envoyé » reste affiché */ }
}
// -- fin du suivi entre services --------------------------------------------------------

async function afficherMesSignalements(zone) {
  const [envois, envoyes] = await Promise.all([boite().envois(), boite().signalements()]);
  zone.replaceChildren();
  if (!envois.length && !envoyes.length) {
    zone.append(Object.assign(document.createElement("p"), {
      textContent: "Aucun signalement n'a encore été fait depuis cet appareil.",
    }));
    return;
  }
  const liste = document.createElement("ul");
  liste.className = "liste-signalements";
  for (const envoi of envois.sort((a, b) => (a.cree < b.cree ? 1 : -1))) {
    const li = document.createElement("li");
    li.dataset.cle = envoi.cle;
    li.dataset.etat = envoi.etat;
    afficherEtat(li, envoi);
    liste.append(li);
  }
  for (const s of envoyes.sort((a, b) => (a.envoye < b.envoye ? 1 : -1))) {
    const li = document.createElement("li");
    li.dataset.reference = s.reference;
    li.dataset.cle = s.cle;
    li.dataset.etat = "envoye";
    li.dataset.gestionnaire = s.gestionnaire;
    const titre = document.createElement("h2");
    titre.tabIndex = -1;
    titre.textContent = s.libelle || "Signalement";
    const detail = document.createElement("p");
    detail.textContent = `Envoyé le ${new Date(s.envoye).toLocaleDateString("fr-FR")} à ${s.gestionnaire}. Référence ${s.reference}.`;
    const etat = document.createElement("p");
    etat.className = "etat etat-envoye";
    etat.textContent = "Envoyé";
    afficherDernierEtat(etat, s.suivi); // suivi entre services : le dernier état connu
    const lien = Object.assign(document.createElement("a"), { href: s.suivi, textContent: "Voir le suivi" });
    li.append(titre, etat, detail, lien);
    liste.append(li);
  }
  zone.append(liste);
}

const etatDe = (zone, cle) => zone.querySelector(`[data-cle="${CSS.escape(cle)}"]`)?.dataset.etat;

/** Redessine la liste ; le focus qui était sur un signalement revient à son titre, et un
 * signalement qui a changé d'état est annoncé. */
async function mettreAJour(zone, changement) {
  const actif = document.activeElement;
  const avant = zone.contains(actif) ? actif.closest("[data-cle]") : null;
  const etatAvant = changement && etatDe(zone, changement.cle);
  await afficherMesSignalements(zone);
  const cle = avant ? avant.dataset.cle : null;
  const titre = cle && zone.querySelector(`[data-cle="${CSS.escape(cle)}"] h2`);
  if (titre) titre.focus();
  if (!changement || etatAvant === etatDe(zone, changement.cle)) return;
  const li = zone.querySelector(`[data-cle="${CSS.escape(changement.cle)}"]`);
  if (li) annoncer(`${li.querySelector("h2").textContent} : ${phraseDeLEtat({ ...changement, ...li.dataset })}`);
}

const zone = document.querySelector("[data-mes-signalements]");
if (zone && boite()) {
  afficherMesSignalements(zone);
  // Chaque changement de la boîte, d'où qu'il vienne (cet onglet, un autre, le service worker).
  boite().ecouter((changement) => mettreAJour(zone, changement).catch(() => {}));
  document.addEventListener("aiguillage:envoi", () => mettreAJour(zone).catch(() => {}));
}
