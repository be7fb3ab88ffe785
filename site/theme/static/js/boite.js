// La boîte d'envoi du téléphone : chaque signalement y est écrit (IndexedDB, écriture
// « strict ») avant tout envoi, sous sa clé d'idempotence, et n'en sort que lorsque le
// serveur a confirmé l'avoir enregistré. Script classique, chargé par les pages et par le
// service worker (importScripts) : il expose `self.BoiteEnvoi`.
//
// États d'un envoi : « en-attente » (pas encore confirmé par le serveur) ou « a-corriger »
// (le serveur l'a refusé : le citoyen doit le corriger, il n'est jamais jeté en silence).
// Les signalements confirmés passent dans le magasin « signalements » (« Mes signalements »).
"use strict";

(function (global) {
  const BASE = "aiguillage";
  const VERSION = 1;
  const VERROU = "aiguillage-envoi";
  const TRANSITOIRES = new Set([408, 409, 425, 429]);
  let ouverture = null;
  let envoiEnCours = null;

  function ouvrir() {
    if (ouverture) return ouverture;
    ouverture = new Promise((resoudre, rejeter) => {
      const demande = indexedDB.open(BASE, VERSION);
      demande.onupgradeneeded = () => {
        const db = demande.result;
        db.createObjectStore("envois", { keyPath: "cle" });
        db.createObjectStore("signalements", { keyPath: "reference" });
      };
      demande.onsuccess = () => {
        const db = demande.result;
        // iOS ferme la base sous pression mémoire : on la rouvrira à la prochaine demande.
        db.onclose = () => { ouverture = null; };
        db.onversionchange = () => { db.close(); ouverture = null; };
        resoudre(db);
      };
      demande.onerror = () => { ouverture = null; rejeter(demande.error); };
      demande.onblocked = () => { ouverture = null; rejeter(new Error("base bloquée")); };
    });
    return ouverture;
  }

  /** Exécute `operation(magasins)` dans une transaction ; résout quand elle est écrite sur disque. */
  async function transaction(noms, mode, operation) {
    const db = await ouvrir();
    return new Promise((resoudre, rejeter) => {
      const tx = db.transaction(noms, mode, { durability: "strict" });
      const magasins = Object.fromEntries([].concat(noms).map((n) => [n, tx.objectStore(n)]));
      let resultat;
      const demande = operation(magasins);
      if (demande) demande.onsuccess = () => { resultat = demande.result; };
      tx.oncomplete = () => resoudre(resultat);
      tx.onerror = () => rejeter(tx.error);
      tx.onabort = () => rejeter(tx.error || new Error("transaction annulée"));
    });
  }

  const lister = (magasin) => transaction(magasin, "readonly", (m) => m[magasin].getAll());
  const lire = (magasin, cle) => transaction(magasin, "readonly", (m) => m[magasin].get(cle));
  const ecrire = (magasin, valeur) => transaction(magasin, "readwrite", (m) => m[magasin].put(valeur));
  const retirer = (magasin, cle) => transaction(magasin, "readwrite", (m) => m[magasin].delete(cle));

  /** Le signalement confirmé entre dans « Mes signalements » et quitte la boîte, d'un seul coup. */
  function confirmer(envoi, reponse) {
    return transaction(["envois", "signalements"], "readwrite", (m) => {
      m.signalements.put({
        reference: reponse.reference,
        suivi: reponse.suivi,
        gestionnaire: reponse.gestionnaire && reponse.gestionnaire.nom,
        prochaine_etape: reponse.prochaine_etape,
        libelle: envoi.libelle,
        page: envoi.page,
        cree: envoi.cree,
        envoye: new Date().toISOString(),
        cle: envoi.cle,
      });
      m.envois.delete(envoi.cle);
    });
  }

  function formulaire(envoi) {
    const donnees = new FormData();
    for (const [nom, valeur] of envoi.champs) donnees.append(nom, valeur);
    for (const photo of envoi.photos || []) {
      donnees.append("photos", new Blob([photo.octets], { type: photo.type }), photo.nom);
    }
    return donnees;
  }

  /** Envoie chaque signalement en attente ; rend le bilan { envoyes, a_corriger, restants }. */
  async function vider() {
    const bilan = { envoyes: [], a_corriger: [], restants: 0 };
    const envois = (await lister("envois")).sort((a, b) => (a.cree < b.cree ? -1 : 1));
    let hors_ligne = false;
    for (const envoi of envois) {
      if (envoi.etat === "a-corriger") { bilan.a_corriger.push(envoi); continue; }
      if (hors_ligne) { bilan.restants++; continue; }
      let reponse;
      try {
        reponse = await fetch("/api/signalements", {
          method: "POST",
          body: formulaire(envoi),
          headers: { "Idempotency-Key": envoi.cle, Accept: "application/json" },
          credentials: "same-origin",
        });
      } catch {
        hors_ligne = true; // pas de réseau : on réessaiera au prochain signe de connexion
        bilan.restants++;
        continue;
      }
      if (reponse.status === 200 || reponse.status === 201) {
        const corps = await reponse.json();
        await confirmer(envoi, corps);
        bilan.envoyes.push({ ...envoi, reponse: corps });
      } else if (TRANSITOIRES.has(reponse.status) || reponse.status >= 500) {
        envoi.tentatives = (envoi.tentatives || 0) + 1;
        envoi.derniere_tentative = new Date().toISOString();
        await ecrire("envois", envoi);
        bilan.restants++;
      } else {
        const corps = await reponse.json().catch(() => ({}));
        envoi.etat = "a-corriger";
        envoi.erreurs = corps.erreurs || [{ champ: null, message: `Refusé par le serveur (erreur ${reponse.status}).` }];
        await ecrire("envois", envoi);
        bilan.a_corriger.push(envoi);
      }
    }
    return bilan;
  }

  /** Un seul envoi à la fois, entre onglets et service worker (Web Locks), sinon par page. */
  function envoyer() {
    if (global.navigator && global.navigator.locks) {
      return global.navigator.locks.request(VERROU, vider);
    }
    if (!envoiEnCours) envoiEnCours = vider().finally(() => { envoiEnCours = null; });
    return envoiEnCours;
  }

  global.BoiteEnvoi = {
    ajouter: (envoi) => ecrire("envois", { etat: "en-attente", tentatives: 0, ...envoi }),
    envois: () => lister("envois"),
    envoi: (cle) => lire("envois", cle),
    retirer: (cle) => retirer("envois", cle),
    signalements: () => lister("signalements"),
    envoyer,
  };
})(self);
