// « Être prévenu·e de l'avancement » : un abonnement Web Push lié à un signalement.
// Jamais demandé au chargement d'une page : seulement quand la personne appuie sur le bouton.
"use strict";

const DELAI_ABONNEMENT = 15000; // subscribe() peut ne jamais répondre sans accès au service de push

function base64urlEnOctets(texte) {
  const b64 = (texte + "=".repeat((4 - (texte.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function avecDelai(promesse, ms) {
  return Promise.race([promesse, new Promise((_, non) => setTimeout(() => non(new Error("délai")), ms))]);
}

export function notificationsPossibles() {
  return "serviceWorker" in navigator && "PushManager" in self && "Notification" in self;
}

/** S'abonne et confie l'abonnement au serveur pour le signalement de ce jeton de suivi. */
export async function abonner(jeton) {
  if (await Notification.requestPermission() !== "granted") {
    throw new Error("Vous n'avez pas autorisé les notifications. Vous pouvez les autoriser dans les réglages du navigateur.");
  }
  const enregistrement = await avecDelai(navigator.serviceWorker.ready, DELAI_ABONNEMENT);
  let abonnement = await enregistrement.pushManager.getSubscription();
  if (!abonnement) {
    const { cle } = await (await fetch("/api/push/cle")).json();
    abonnement = await avecDelai(enregistrement.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: base64urlEnOctets(cle),
    }), DELAI_ABONNEMENT);
  }
  const reponse = await fetch("/api/abonnements", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Jeton ${jeton}`, Accept: "application/json" },
    body: JSON.stringify({ abonnement: abonnement.toJSON() }),
  });
  const corps = await reponse.json().catch(() => ({}));
  if (!reponse.ok) throw new Error((corps.erreurs && corps.erreurs[0].message) || "L'abonnement a été refusé.");
  return corps;
}

/** Ajoute à `zone` le bouton « Être prévenu·e de l'avancement » et son message d'état. */
export function proposerNotifications(zone, jeton) {
  const bloc = document.createElement("p");
  bloc.className = "notifications";
  const etat = document.createElement("span");
  etat.className = "notifications-etat";
  etat.setAttribute("aria-live", "polite");
  if (!notificationsPossibles()) {
    etat.textContent = /iPhone|iPad/.test(navigator.userAgent)
      ? "Pour être prévenu·e sur iPhone, ajoutez d'abord ce site à l'écran d'accueil (Partager › Sur l'écran d'accueil)."
      : "";
    bloc.append(etat);
    zone.append(bloc);
    return;
  }
  const bouton = document.createElement("button");
  bouton.type = "button";
  bouton.className = "bouton-secondaire";
  bouton.textContent = "Être prévenu·e de l'avancement";
  bouton.addEventListener("click", async () => {
    bouton.disabled = true;
    etat.textContent = "Activation…";
    try {
      await abonner(jeton);
      etat.textContent = "C'est fait : vous recevrez une notification à chaque étape.";
      etat.tabIndex = -1;
      bouton.hidden = true;
      etat.focus(); // le bouton disparaît : le focus va au message qui le remplace
    } catch (erreur) {
      etat.textContent = erreur.message === "délai"
        ? "Les notifications ne sont pas disponibles pour le moment. Gardez le lien de suivi."
        : erreur.message;
      bouton.disabled = false;
    }
  });
  bloc.append(bouton, " ", etat);
  zone.append(bloc);
}
