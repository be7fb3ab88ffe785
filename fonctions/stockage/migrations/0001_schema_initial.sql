-- Le schéma initial du stockage PostgreSQL (fonctions/stockage/postgresql.py).
-- Appliqué une fois, dans une transaction, par le premier processus qui démarre ; la table
-- aiguillage_versions garde la trace de chaque fichier appliqué.

-- Un signalement et son historique : le document JSON que l'interface Stockage décrit.
CREATE TABLE signalements (
    reference text PRIMARY KEY,
    document jsonb NOT NULL,
    ecrit_le timestamptz NOT NULL DEFAULT now()
);

-- Les photos réencodées, lues par tous les processus (elles vont avec leur signalement).
CREATE TABLE photos (
    reference text NOT NULL,
    nom text NOT NULL,
    contenu bytea NOT NULL,
    PRIMARY KEY (reference, nom)
);

-- Une clé d'idempotence (son SHA-256, jamais la clé elle-même) → une référence. La clé
-- primaire est la contrainte d'unicité : deux requêtes ne peuvent pas l'écrire deux fois.
CREATE TABLE cles_idempotence (
    empreinte_cle text PRIMARY KEY,
    empreinte text NOT NULL,
    reference text NOT NULL
);

-- La boîte d'envoi : ce qui reste à transmettre.
CREATE TABLE boite_envoi (
    id text PRIMARY KEY,
    reference text NOT NULL,
    document jsonb NOT NULL
);

-- L'index des attributions ouvertes (coordination, relances).
CREATE TABLE ouvertes (
    id text PRIMARY KEY,
    reference text NOT NULL,
    document jsonb NOT NULL
);

-- Les recherches sans résultat, comptées par jour.
CREATE TABLE recherches_vides (
    jour date NOT NULL,
    texte text NOT NULL,
    nombre integer NOT NULL,
    PRIMARY KEY (jour, texte)
);
