// La boîte d'envoi du téléphone : chaque signalement y est écrit (IndexedDB, écriture
// « strict ») avant tout envoi, sous sa clé d'idempotence, et n'en sort que lorsque le
// serveur a confirmé l'avoir enregistré. Script classique, chargé par les pages et par le
// service worker (importScripts) : il expose `self.BoiteEnvoi`.
//
// États d'un envoi : « en-attente » (pas encore confirmé par le serveur) ou « a-corriger »
// (le serveur l'a refusé : le citoyen doit le corriger, il n'est jamais jeté en silence).
// Les signalements confirmés passent dans le magasin « signalements » (« Mes signalements »).
//
// Chaque changement est annoncé aussitôt, à cette page (`ecouter`) comme aux autres onglets
// et au service worker (BroadcastChannel ; un navigateur qui ne l'a pas — Safari avant 15.4 —
// relit la boîte au chargement, au retour sur la page et à chaque envoi qu'il fait) :
// { cle, etat } où etat vaut « en-attente », « envoi » (la requête part), « envoye » (avec
// `signalement`), « a-corriger » (avec `erreurs`) ou « retire ». Une page ouverte dit donc
// toujours la vérité, quel que soit celui qui a envoyé.
"use strict";

(function (global) {
  const BASE = "aiguillage";
  const VERSION = 1;
  const VERROU = "aiguillage-envoi";
  const TRANSITOIRES = new Set([408, 409, 425, 429]);
  const CANAL = "aiguillage-boite";
  let ouverture = null;
  let envoiEnCours = null;
  const ecouteurs = new Set();
  const canal = typeof BroadcastChannel === "function" ? new BroadcastChannel(CANAL) : null;

  function prevenir(changement) {
    for (const ecouteur of ecouteurs) {
      try { ecouteur(changement); } catch (erreur) { console.error(erreur); }
    }
  }
  if (canal) canal.onmessage = (ev) => prevenir(ev.data);

  /** Dit un changement à cette page, puis aux autres onglets et au service worker. */
  function diffuser(changement) {
    prevenir(changement);
    if (canal) canal.postMessage(changement);
  }

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
  async function confirmer(envoi, reponse) {
    const signalement = {
      reference: reponse.reference,
      suivi: reponse.suivi,
      gestionnaire: reponse.gestionnaire && reponse.gestionnaire.nom,
      prochaine_etape: reponse.prochaine_etape,
      libelle: envoi.libelle,
      page: envoi.page,
      cree: envoi.cree,
      envoye: new Date().toISOString(),
      cle: envoi.cle,
      remplace: envoi.remplace, // l'envoi refusé qu'il corrige : l'onglet qui le montrait suit
    };
    await transaction(["envois", "signalements"], "readwrite", (m) => {
      m.signalements.put(signalement);
      m.envois.delete(envoi.cle);
    });
    return signalement;
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
      diffuser({ cle: envoi.cle, etat: "envoi" });
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
        diffuser({ cle: envoi.cle, etat: "en-attente" });
        continue;
      }
      if (reponse.status === 200 || reponse.status === 201) {
        const corps = await reponse.json();
        const signalement = await confirmer(envoi, corps);
        bilan.envoyes.push({ ...envoi, reponse: corps });
        diffuser({ cle: envoi.cle, etat: "envoye", signalement });
      } else if (TRANSITOIRES.has(reponse.status) || reponse.status >= 500) {
        envoi.tentatives = (envoi.tentatives || 0) + 1;
        envoi.derniere_tentative = new Date().toISOString();
        await ecrire("envois", envoi);
        bilan.restants++;
        diffuser({ cle: envoi.cle, etat: "en-attente" });
      } else {
        const corps = await reponse.json().catch(() => ({}));
        envoi.etat = "a-corriger";
        envoi.erreurs = corps.erreurs || [{ champ: null, message: `Refusé par le serveur (erreur ${reponse.status}).` }];
        await ecrire("envois", envoi);
        bilan.a_corriger.push(envoi);
        diffuser({ cle: envoi.cle, etat: "a-corriger", erreurs: envoi.erreurs });
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

  async function ajouter(envoi) {
    await ecrire("envois", { etat: "en-attente", tentatives: 0, ...envoi });
    diffuser({ cle: envoi.cle, etat: "en-attente" });
  }

  async function oublier(cle) {
    await retirer("envois", cle);
    diffuser({ cle, etat: "retire" });
  }

  global.BoiteEnvoi = {
    ajouter,
    envois: () => lister("envois"),
    envoi: (cle) => lire("envois", cle),
    retirer: oublier,
    signalements: () => lister("signalements"),
    envoyer,
    /** `ecouteur(changement)` à chaque changement, d'où qu'il vienne ; rend de quoi arrêter. */
    ecouter(ecouteur) {
      ecouteurs.add(ecouteur);
      return () => ecouteurs.delete(ecouteur);
    },
  };
})(self);
