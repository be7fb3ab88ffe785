-- Les index par date des listes publiques d'Open311 (fonctions/points_d_entree/open311_lecture.py) :
-- une page de GET requests ou de GET servicerequestupdates ne lit plus tous les signalements.
-- Ils ne gardent que des références, des dates, l'issue et l'état, tirés du document par
-- des déclencheurs : toute écriture d'un signalement, d'où qu'elle vienne, les tient à jour.

-- Un horodatage ISO 8601 avec fuseau ; NULL s'il est illisible ou sans fuseau (jamais une
-- erreur : un index ne doit pas empêcher d'écrire un signalement).
CREATE FUNCTION aiguillage_moment(texte text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF texte IS NULL
       OR texte !~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$' THEN
        RETURN NULL;
    END IF;
    RETURN texte::timestamptz;
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;

-- Par date de création, avec l'issue et l'état pour filtrer dans l'index.
ALTER TABLE signalements
    ADD COLUMN cree_le timestamptz,
    ADD COLUMN noeud text GENERATED ALWAYS AS (document->'noeud'->>'id') STORED,
    ADD COLUMN etat text GENERATED ALWAYS AS (document->>'etat') STORED;
UPDATE signalements SET cree_le = aiguillage_moment(document->>'cree_le');
CREATE INDEX signalements_par_creation ON signalements (cree_le DESC, reference COLLATE "C");
CREATE INDEX signalements_par_issue ON signalements (noeud, cree_le DESC, reference COLLATE "C");

-- Les moments où un signalement a été créé (cree_le) ou a reçu un événement
-- (historique[].date).
CREATE TABLE evenements (
    moment timestamptz NOT NULL,
    reference text COLLATE "C" NOT NULL,
    PRIMARY KEY (moment, reference)
);
INSERT INTO evenements (moment, reference)
SELECT DISTINCT m.moment, s.reference
FROM signalements AS s,
     jsonb_array_elements(CASE WHEN jsonb_typeof(s.document->'historique') = 'array'
                               THEN s.document->'historique' ELSE '[]' END) AS e(evenement),
     LATERAL (SELECT aiguillage_moment(e.evenement->>'date') AS moment) AS m
WHERE m.moment IS NOT NULL
UNION
SELECT cree_le, reference FROM signalements WHERE cree_le IS NOT NULL;

CREATE FUNCTION aiguillage_date_de_creation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.document->>'cree_le' IS DISTINCT FROM OLD.document->>'cree_le' THEN
        NEW.cree_le := aiguillage_moment(NEW.document->>'cree_le');
    END IF;
    RETURN NEW;
END $$;

-- Après l'écriture : la création, puis seulement les événements ajoutés (tous, si
-- l'historique a raccourci).
CREATE FUNCTION aiguillage_evenements() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    historique jsonb := NEW.document->'historique';
    deja integer := 0;
BEGIN
    IF NEW.cree_le IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.cree_le IS DISTINCT FROM OLD.cree_le) THEN
        INSERT INTO evenements (moment, reference) VALUES (NEW.cree_le, NEW.reference)
        ON CONFLICT DO NOTHING;
    END IF;
    IF jsonb_typeof(historique) IS DISTINCT FROM 'array' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND jsonb_typeof(OLD.document->'historique') = 'array'
       AND jsonb_array_length(OLD.document->'historique') <= jsonb_array_length(historique) THEN
        deja := jsonb_array_length(OLD.document->'historique');
    END IF;
    INSERT INTO evenements (moment, reference)
    SELECT DISTINCT m.moment, NEW.reference
    FROM jsonb_array_elements(historique) WITH ORDINALITY AS e(evenement, rang),
         LATERAL (SELECT aiguillage_moment(e.evenement->>'date') AS moment) AS m
    WHERE e.rang > deja AND m.moment IS NOT NULL
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER signalements_date_de_creation BEFORE INSERT OR UPDATE OF document ON signalements
    FOR EACH ROW EXECUTE FUNCTION aiguillage_date_de_creation();
CREATE TRIGGER signalements_evenements AFTER INSERT OR UPDATE OF document ON signalements
    FOR EACH ROW EXECUTE FUNCTION aiguillage_evenements();
