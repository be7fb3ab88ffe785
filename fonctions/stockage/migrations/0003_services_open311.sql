-- Ce que les services Open311 nous apprennent (fonctions/transmission/nouvelles_open311.py),
-- partagé par tous les processus et toutes les machines de la base.

-- Un identifiant rendu par un service (« service_request_id:… » ou « token:… ») → notre
-- référence. La clé primaire est la contrainte d'unicité : écrit une fois, jamais remplacé.
CREATE TABLE identifiants_externes (
    service text NOT NULL,
    identifiant text NOT NULL,
    reference text NOT NULL,
    PRIMARY KEY (service, identifiant)
);

-- Le moment de la dernière mise à jour relevée chez un service ; il ne recule jamais.
CREATE TABLE releves (
    service text PRIMARY KEY,
    moment timestamptz NOT NULL
);
