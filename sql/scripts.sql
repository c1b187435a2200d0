-- Real scripts are messy: what is accepted at registration, what is refused,
-- and how errors inside scripts are reported
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

-- refused at registration, with nothing stored
SELECT migrate_revision('syntax', 'CREATE TABLE (;', revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('psql meta-command', E'\\i other.sql', revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('commit in the middle', 'CREATE TABLE a (id int); COMMIT; CREATE TABLE b (id int);',
                        revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('savepoint', 'SAVEPOINT s; CREATE TABLE a (id int); RELEASE s;',
                        revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('rollback', 'BEGIN; CREATE TABLE a (id int); ROLLBACK;',
                        revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('concurrently', 'CREATE INDEX CONCURRENTLY i ON t (id);',
                        revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('vacuum', 'VACUUM;', revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('copy', 'COPY t FROM STDIN;', revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('bad downgrade', 'SELECT 1;', 'DROP TABLE;', revision => 'r1', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM migrate.revision;

-- accepted: a psql-style file with a wrapper, dollar quotes, a DO block,
-- quoted semicolons and comments
SELECT migrate_revision('psql style', $script$
-- create the schema for the app
BEGIN;

CREATE TABLE items (
    id   int PRIMARY KEY,
    note text DEFAULT 'a; b'   -- semicolon in a literal
);

CREATE FUNCTION items_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.note := coalesce(NEW.note, '') || ';';
    RETURN NEW;
END;
$$;

CREATE TRIGGER items_touch BEFORE INSERT ON items
    FOR EACH ROW EXECUTE FUNCTION items_touch();

DO $$ BEGIN
    INSERT INTO items (id, note) VALUES (1, 'x');
END $$;

/* a block comment; with a semicolon */
COMMIT;
$script$, 'DROP TABLE items; DROP FUNCTION items_touch();', revision => 'p1', down_revisions => '{}');
SELECT step, revision FROM migrate_upgrade('head');
SELECT * FROM items;

-- errors inside a script name revision, statement and line
SELECT migrate_revision('breaks at statement 3', $$
CREATE TABLE ok1 (id int);
CREATE TABLE ok2 (id int);
SELECT * FROM no_such_table;
$$, 'SELECT 1;', revision => 'p2');
\set SHOW_CONTEXT always
SELECT * FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
-- an error raised by a DO block keeps its SQLSTATE
SELECT migrate_revision('breaks at statement 3', $$
DO $do$ BEGIN RAISE EXCEPTION 'custom failure' USING ERRCODE = 'P0042'; END $do$;
$$, 'SELECT 1;', revision => 'p2');
SELECT * FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
-- a unique violation keeps 23505
SELECT migrate_revision('breaks', 'INSERT INTO items VALUES (1, ''dup'');', 'SELECT 1;', revision => 'p2');
SELECT * FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
\set SHOW_CONTEXT never
SELECT to_regclass('ok1') AS ok1;
SELECT version_num FROM migrate.version;

SELECT count(*) FROM migrate_downgrade('base');
DROP EXTENSION migrate;
