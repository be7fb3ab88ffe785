// Le formulaire de signalement (chargé par les pages qui en ont un). Sans JavaScript, il
// est posté tel quel et le serveur répond par une page. Avec JavaScript, ce module léger ne
// fait au chargement que le nécessaire (clé d'idempotence, « Utiliser ma position ») ; le
// reste — vérifier avec les règles du serveur, les photos, la boîte d'envoi, l'état de
// l'envoi — est dans formulaire-envoi.js, chargé dès que la personne commence à remplir le
// formulaire (premier focus ou premier choix), ou tout de suite pour en corriger un refusé.
"use strict";

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const o = crypto.getRandomValues(new Uint8Array(16));
  o[6] = (o[6] & 0x0f) | 0x40; o[8] = (o[8] & 0x3f) | 0x80;
  const h = [...o].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function activerPosition(form) {
  const bloc = form.querySelector(".position");
  if (!bloc || !navigator.geolocation) return;
  bloc.hidden = false;
  const etat = bloc.querySelector(".position-etat");
  bloc.querySelector("[data-position]").addEventListener("click", () => {
    etat.textContent = "Recherche de votre position…";
    navigator.geolocation.getCurrentPosition(
      (p) => {
        form.elements.latitude.value = p.coords.latitude.toFixed(6);
        form.elements.longitude.value = p.coords.longitude.toFixed(6);
        etat.textContent = `Position enregistrée (à ${Math.round(p.coords.accuracy)} m près).`;
        positionDonnee(form);
      },
      () => { etat.textContent = "Position indisponible : indiquez l'adresse ou un repère."; },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
}

// -- La carte : carte.js, geocodeur.js et lieu.js ne sont chargés qu'au premier usage -------

/** Un point (repère de la carte ou « Utiliser ma position ») rend le lieu écrit facultatif,
 * comme au serveur (fonctions/domaine/validation.py). Marche hors ligne. */
export function lieuFacultatif(form) {
  const lieu = form.elements.lieu;
  if (lieu && "obligatoire" in lieu.dataset) {
    lieu.required = !(form.elements.latitude.value && form.elements.longitude.value);
  }
}

/** Après « Utiliser ma position » : lieu facultatif, puis (en ligne) l'adresse et la commune du point. */
function positionDonnee(form) {
  lieuFacultatif(form);
  const zone = form.querySelector("[data-carte-etat]");
  if (zone) import("./lieu.js").then((m) => m.verifierLaPosition(form, zone)).catch(() => {});
}

function activerCarte(form) {
  const lieu = form.elements.lieu;
  if (lieu && lieu.required) lieu.dataset.obligatoire = "";
  lieuFacultatif(form);
  const zone = form.querySelector("[data-carte-etat]");
  if (!zone) return;
  form.querySelector("[data-carte-ouvrir]").addEventListener("click", async (ev) => {
    const bouton = ev.currentTarget;
    let carte;
    try {
      if (!navigator.onLine) throw new Error("hors ligne");
      carte = await import("./carte.js");
    } catch {
      zone.textContent = "La carte demande une connexion à internet : écrivez le lieu, ou utilisez votre position.";
      return;
    }
    carte.basculerCarte(form, bouton, zone);
  });
  // Le point était dans une autre commune : lieu.js a gardé les champs et ouvert cette page.
  try {
    if (sessionStorage.getItem("aiguillage:transfert-lieu")) {
      import("./lieu.js").then((m) => m.reprendreTransfert(form, zone)).catch(() => {});
    }
  } catch { /* stockage refusé (navigation privée) */ }
}

export function activerFormulaire(form) {
  const cle = form.elements.idempotency_key;
  if (cle && !cle.value) cle.value = uuid();
  activerPosition(form);
  activerCarte(form);
  // Les messages du téléphone remplacent les bulles du navigateur : ce sont ceux du serveur.
  if (form.querySelector("script[data-formulaire]")) form.noValidate = true;
  let envoi = null;
  const charger = () => {
    envoi = envoi || import("./formulaire-envoi.js").then((m) => m.activerEnvoi(form, uuid));
    envoi.catch(() => { envoi = null; });
    return envoi;
  };
  for (const evenement of ["focusin", "change"]) {
    form.addEventListener(evenement, () => charger().catch(() => {}), { once: true });
  }
  form.addEventListener("submit", async (ev) => {
    if ("envoiClassique" in form.dataset) return; // vérifié, sans boîte d'envoi : il part tel quel
    ev.preventDefault();
    try {
      (await charger()).soumettre();
    } catch { // le module injoignable (hors ligne dès la première visite) : le serveur vérifiera
      form.dataset.envoiClassique = "";
      form.requestSubmit();
    }
  });
  if (new URLSearchParams(location.search).has("corriger")) charger().catch(() => {});
}

for (const form of document.querySelectorAll("form[data-signalement]")) activerFormulaire(form);
