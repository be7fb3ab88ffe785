// La page « Suivi de mon signalement » (/suivi/#<jeton>). Le jeton est dans le fragment :
// le navigateur ne l'envoie jamais au serveur ni dans un Referer. Ce script le lit et le
// présente à l'API dans l'en-tête Authorization (GET /api/suivi, POST /api/suivi/<action>).
// Sans JavaScript, la page /api/suivi/<jeton> (rendue par les fonctions) fait la même chose,
// formulaires compris.

const ACTIONS = {
  complement: "Votre information est ajoutée : le service qui s'en occupe la voit.",
  confirmer: "Merci ! Le signalement est clos.",
  rouvrir: "Le signalement est rouvert : le service est prévenu et doit de nouveau s'en occuper.",
  effacer_coordonnees: "Vos coordonnées sont effacées : vous ne recevrez plus de nouvelles de ce signalement, mais cette page reste ouverte.",
};

function lireJeton() {
  try {
    return decodeURIComponent(location.hash.slice(1)).trim();
  } catch {
    return "";
  }
}

function el(balise, texte, attributs = {}) {
  const e = document.createElement(balise);
  if (texte) e.textContent = texte;
  for (const [nom, valeur] of Object.entries(attributs)) e.setAttribute(nom, valeur);
  return e;
}

async function appeler(chemin, jeton, options = {}) {
  let reponse;
  try {
    reponse = await fetch(chemin, {
      ...options,
      headers: { Authorization: `Jeton ${jeton}`, Accept: "application/json", ...(options.headers || {}) },
      cache: "no-store",
      credentials: "same-origin",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new Error("Vous êtes hors ligne : le suivi s'affichera dès que la connexion reviendra.");
  }
  let corps = null;
  try { corps = await reponse.json(); } catch { corps = null; }
  if (!reponse.ok) {
    const message = corps && corps.erreurs && corps.erreurs[0] && corps.erreurs[0].message;
    throw new Error(message || "Le suivi n'est pas disponible pour le moment : réessayez dans un instant.");
  }
  return corps;
}

function resume(suivi) {
  const bloc = el("section", "", { class: "envoi-etat", "aria-labelledby": "suivi-reference" });
  const reference = el("h2", "", { id: "suivi-reference" });
  reference.append("Référence ", el("strong", suivi.reference));
  const lieu = suivi.commune ? `${suivi.probleme}, à ${suivi.commune}.` : `${suivi.probleme}.`;
  bloc.append(reference, el("p", lieu), el("p", suivi.etat.libelle, { class: "etat" }));
  for (const service of suivi.qui_s_en_occupe) {
    bloc.append(el("p", `${service.nom} s'en occupe depuis le ${service.depuis_en_clair}.`));
  }
  return bloc;
}

function chronologie(etapes) {
  const liste = el("ol", "", { class: "chronologie" });
  for (const etape of etapes) {
    const li = el("li");
    li.append(el("time", etape.date_en_clair, { datetime: etape.date }));
    const titre = el("strong", etape.titre);
    li.append(titre);
    if (etape.qui) li.append(` — ${etape.qui}`);
    if (etape.texte) li.append(el("p", etape.texte));
    if (etape.motif) li.append(el("p", `Motif : ${etape.motif}`));
    if (etape.votre_message) li.append(el("p", `Votre message : « ${etape.votre_message} »`));
    liste.append(li);
  }
  return liste;
}

function champTexte(id, libelle, aide) {
  const bloc = el("div", "", { class: "champ" });
  bloc.append(el("label", libelle, { for: id }));
  if (aide) bloc.append(el("span", aide, { class: "indication", id: `${id}-aide` }));
  const zone = el("textarea", "", { id, name: "message", rows: "3", maxlength: "2000" });
  if (aide) zone.setAttribute("aria-describedby", `${id}-aide`);
  bloc.append(zone);
  return bloc;
}

function formulaire(action, bouton, ...champs) {
  const form = el("form", "", { "data-action": action });
  form.append(...champs);
  const envoyer = el("button", bouton, { type: "submit", class: ["rouvrir", "effacer_coordonnees"].includes(action) ? "bouton-secondaire" : "bouton" });
  const ligne = el("p");
  ligne.append(envoyer);
  form.append(ligne);
  return form;
}

function formulaires(suivi) {
  const blocs = [];
  if (suivi.actions.confirmer) {
    blocs.push(el("h2", "Le problème est-il réglé ?"),
      formulaire("confirmer", "Oui, c'est réglé"),
      formulaire("rouvrir", "Non, rouvrir le signalement",
        champTexte("suivi-rouvrir", "Non : qu'est-ce qui ne va pas ? (facultatif)")));
  }
  if (suivi.actions.completer) {
    const photo = el("div", "", { class: "champ" });
    photo.append(el("label", "Une photo (facultatif)", { for: "suivi-photo" }),
      el("input", "", { type: "file", id: "suivi-photo", name: "photo", accept: "image/jpeg,image/png,image/webp" }));
    blocs.push(el("h2", "Ajouter une information"),
      formulaire("complement", "Ajouter",
        champTexte("suivi-complement", "Votre information", "Le service qui s'en occupe la verra. N'écrivez pas vos coordonnées ici."),
        photo));
  }
  return blocs;
}

// « Vos données » : le téléchargement (GET /api/suivi/donnees, un fichier JSON) et
// l'effacement des coordonnées (POST /api/suivi/effacer_coordonnees, par agir()).
function vosDonnees(suivi, jeton) {
  const telecharger = el("button", "Télécharger mes données", { type: "button", class: "bouton-secondaire", "data-telecharger": "" });
  telecharger.addEventListener("click", async () => {
    try {
      const donnees = await appeler("/api/suivi/donnees", jeton);
      const lien = el("a", "", { download: `${suivi.reference}.json` });
      lien.href = URL.createObjectURL(new Blob([JSON.stringify(donnees, null, 2)], { type: "application/json" }));
      document.body.append(lien);
      lien.click();
      lien.remove();
      setTimeout(() => URL.revokeObjectURL(lien.href), 60000);
      annoncer("Vos données sont téléchargées.");
    } catch (erreur) {
      annoncer(erreur.message, true);
    }
  });
  const ligne = el("p");
  ligne.append(telecharger);
  return [
    el("h2", "Vos données"),
    el("p", "Téléchargez tout ce que nous gardons de ce signalement, dans un fichier (JSON)."),
    ligne,
    el("p", "Vos coordonnées (adresse e-mail, téléphone, notifications) sont effacées d'elles-mêmes après la clôture du signalement. Vous pouvez les effacer dès maintenant : vous ne recevrez alors plus de nouvelles, mais cette page reste ouverte."),
    formulaire("effacer_coordonnees", "Effacer mes coordonnées"),
  ];
}

function afficher(zone, suivi, jeton) {
  const prevenir = el("div");
  // « Être prévenu·e de l'avancement » : chargé seulement ici, jamais demandé d'office.
  import("./notifications.js").then((m) => m.proposerNotifications(prevenir, jeton)).catch(() => {});
  zone.replaceChildren(
    resume(suivi),
    el("h2", "La suite"), el("p", suivi.prochaine_etape),
    el("h2", "Ce qui s'est passé"), chronologie(suivi.chronologie),
    ...formulaires(suivi),
    el("h2", "Garder ce suivi"),
    el("p", "Ajoutez cette page à vos favoris pour y revenir. Son adresse est personnelle : ne la partagez pas."),
    prevenir,
    ...vosDonnees(suivi, jeton),
  );
  document.title = `Suivi ${suivi.reference} – ${document.title.split(" – ").slice(-1)[0]}`;
}

function annoncer(message, erreur = false) {
  const zone = document.querySelector("[data-suivi-message]");
  zone.textContent = message;
  zone.classList.toggle("suivi-message-erreur", erreur);
}

async function charger(zone, jeton) {
  try {
    afficher(zone, await appeler("/api/suivi", jeton), jeton);
  } catch (erreur) {
    annoncer(erreur.message, true);
    // Un suivi déjà affiché reste visible (hors ligne) ; sinon, plus de « Chargement… ».
    if (zone.querySelector("[data-chargement]")) zone.replaceChildren();
  }
}

async function agir(zone, jeton, form) {
  const action = form.dataset.action;
  const bouton = form.querySelector("button");
  bouton.disabled = true;
  const corps = new FormData(form);
  try {
    const photo = corps.get("photo");
    const options = action === "complement" && photo && photo.size
      ? { method: "POST", body: corps }
      : { method: "POST", body: JSON.stringify({ message: corps.get("message") || "" }), headers: { "Content-Type": "application/json" } };
    afficher(zone, await appeler(`/api/suivi/${action}`, jeton, options), jeton);
    annoncer(ACTIONS[action]);
  } catch (erreur) {
    annoncer(erreur.message, true);
    bouton.disabled = false;
    return;
  }
  const message = document.querySelector("[data-suivi-message]");
  message.tabIndex = -1;
  message.focus();
}

function demarrer() {
  const zone = document.querySelector("[data-suivi]");
  if (!zone) return;
  const jeton = lireJeton();
  if (!jeton) {
    annoncer("Ce lien de suivi est incomplet : il doit se terminer par # suivi de la référence (AIG-…). Ouvrez le lien reçu après l'envoi.", true);
    return;
  }
  zone.replaceChildren(el("p", "Chargement du suivi…", { class: "aide", "data-chargement": "" }));
  zone.addEventListener("submit", (evenement) => {
    evenement.preventDefault();
    agir(zone, jeton, evenement.target);
  });
  addEventListener("online", () => charger(zone, jeton));
  addEventListener("hashchange", () => location.reload());
  charger(zone, jeton);
}

demarrer();
