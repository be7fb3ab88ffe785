-- Les limites de débit partagées entre processus (StockagePostgreSQL.limiteur) : un
-- compte par client et par fenêtre de temps. Le client n'y est que par une empreinte
-- (SHA-256 de l'espace et de l'adresse), et chaque ligne est effacée après sa fenêtre.
CREATE TABLE limites (
    cle text NOT NULL,
    fenetre bigint NOT NULL,
    nombre integer NOT NULL,
    expire_le double precision NOT NULL,
    PRIMARY KEY (cle, fenetre)
);
CREATE INDEX limites_expire_le ON limites (expire_le);
