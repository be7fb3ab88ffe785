// Les photos du formulaire, avec JavaScript : chaque choix s'ajoute aux précédents, chaque
// photo a son aperçu et un bouton « Retirer ». Sans JavaScript, le grand champ de fichier
// du gabarit marche seul. Le champ reste la seule source : la liste est recopiée dedans
// (DataTransfer), si bien que l'envoi sans boîte d'envoi emporte les bonnes photos.
// Chargé par formulaire.js au premier choix de photo (ou à l'envoi), pas avec la page.
"use strict";

import { annoncer, texte } from "./etats.js";

const COTE_MAX = 1600;

/** Une photo réduite sur le téléphone (grand côté ≤ 1 600 px, JPEG), en octets. */
export async function reduire(fichier) {
  let image;
  try {
    image = await createImageBitmap(fichier, { imageOrientation: "from-image" });
  } catch {
    throw new Error(`« ${fichier.name} » n'est pas une photo lisible : choisissez une image JPEG, PNG ou WebP.`);
  }
  const echelle = Math.min(1, COTE_MAX / Math.max(image.width, image.height));
  const largeur = Math.round(image.width * echelle);
  const hauteur = Math.round(image.height * echelle);
  const toile = document.createElement("canvas");
  toile.width = largeur;
  toile.height = hauteur;
  toile.getContext("2d").drawImage(image, 0, 0, largeur, hauteur);
  image.close();
  const blob = await new Promise((ok) => toile.toBlob(ok, "image/jpeg", 0.85));
  const nom = (fichier.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
  return { nom, type: "image/jpeg", octets: await blob.arrayBuffer() };
}

function dataTransferPossible() {
  try { return Boolean(new DataTransfer().items); } catch { return false; }
}

const compte = (n) => (n ? `${n} photo${n > 1 ? "s" : ""} jointe${n > 1 ? "s" : ""}.` : "Aucune photo jointe.");
const choisies = (n) => `${n} photo${n > 1 ? "s" : ""} pour ce signalement.`;
const memeFichier = (a, b) => a.name === b.name && a.size === b.size && a.lastModified === b.lastModified;

/**
 * Active l'aperçu et « Retirer » dans le bloc `[data-photos]` ; rend
 * { fichiers() : les photos choisies, remplacer(fichiers) : pour un signalement repris }.
 */
export function activerPhotos(bloc) {
  const champ = bloc.querySelector("input[type=file]");
  const retirable = dataTransferPossible();
  let fichiers = [...champ.files];
  let adresses = [];
  const liste = Object.assign(document.createElement("ul"), { className: "apercus" });
  const etat = texte("p", "", "apercus-compte");
  etat.id = "photos-compte";
  bloc.append(etat, liste);

  function recopier() {
    if (!retirable) return;
    const transfert = new DataTransfer();
    for (const f of fichiers) transfert.items.add(f);
    champ.files = transfert.files;
  }

  function afficher() {
    for (const adresse of adresses) URL.revokeObjectURL(adresse);
    adresses = [];
    etat.textContent = fichiers.length ? compte(fichiers.length) : "";
    liste.replaceChildren(...fichiers.map((fichier, i) => {
      const li = document.createElement("li");
      li.className = "apercu";
      const image = Object.assign(document.createElement("img"), { alt: "", decoding: "async" });
      image.src = URL.createObjectURL(fichier);
      adresses.push(image.src);
      li.append(image, texte("span", `Photo ${i + 1} : ${fichier.name}`, "apercu-nom"));
      if (retirable) {
        const bouton = texte("button", "Retirer", "bouton-secondaire");
        bouton.type = "button";
        bouton.setAttribute("aria-label", `Retirer la photo ${i + 1} (${fichier.name})`);
        bouton.addEventListener("click", () => retirer(i));
        li.append(bouton);
      }
      return li;
    }));
  }

  function retirer(i) {
    const [parti] = fichiers.splice(i, 1);
    recopier();
    afficher();
    // Le focus reste dans la liste (la photo suivante, sinon la précédente), sinon le champ.
    const boutons = liste.querySelectorAll("button");
    (boutons[Math.min(i, boutons.length - 1)] || champ).focus();
    annoncer(`Photo « ${parti.name} » retirée ; ${fichiers.length ? `il en reste ${fichiers.length}` : "il n'en reste aucune"}.`);
  }

  champ.addEventListener("change", () => {
    const choisis = [...champ.files];
    // Un nouveau choix s'ajoute aux photos déjà là (le champ seul les remplacerait).
    fichiers = retirable ? fichiers.concat(choisis.filter((f) => !fichiers.some((g) => memeFichier(f, g))))
      : choisis;
    recopier();
    afficher();
    annoncer(choisies(fichiers.length));
  });
  afficher();
  if (fichiers.length) annoncer(choisies(fichiers.length)); // le choix qui l'a fait charger

  return {
    fichiers: () => [...fichiers],
    remplacer(nouveaux) {
      fichiers = [...nouveaux];
      recopier();
      afficher();
    },
  };
}
