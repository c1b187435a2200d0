-- Owners and the diff: a role that owns its schema (not a superuser) can
-- diff it; owners and the privileges they hold by owning are no change
-- unless asked for (ownership => true).
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migrate;
ALTER EXTENSION migrate UPDATE;
DROP ROLE IF EXISTS diff_app;
DROP ROLE IF EXISTS diff_app2;
DROP ROLE IF EXISTS diff_ro;
CREATE ROLE diff_app;
CREATE ROLE diff_app2;
CREATE ROLE diff_ro;
RESET client_min_messages;
-- the shadow schema is created beside the real one
SELECT format('GRANT CREATE ON DATABASE %I TO diff_app, diff_app2', current_database()) \gexec
GRANT EXECUTE ON FUNCTION migrate_diff(text, text, boolean),
  migrate_autogenerate(text, text, text, boolean, boolean) TO diff_app, diff_app2;
CREATE SCHEMA app AUTHORIZATION diff_app;
GRANT CREATE ON SCHEMA app TO diff_app2;
CREATE SCHEMA app2 AUTHORIZATION diff_app2;

SET ROLE diff_app;
CREATE TYPE app.mood AS ENUM ('ok', 'bad');
CREATE SEQUENCE app.counter;
CREATE FUNCTION app.f(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
CREATE TABLE app.t (id integer PRIMARY KEY, v text, m app.mood);
CREATE VIEW app.v AS SELECT id FROM app.t;
GRANT SELECT ON app.t, app.v TO diff_ro;
GRANT EXECUTE ON FUNCTION app.f(integer) TO diff_ro;
REVOKE EXECUTE ON FUNCTION app.f(integer) FROM PUBLIC;
ALTER TABLE app.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY t_read ON app.t FOR SELECT TO diff_ro, diff_app USING (id > 0);
-- a hostile shadow of pg_catalog.text in the caller's temp schema
CREATE FUNCTION pg_temp.boom(pg_catalog.text) RETURNS boolean LANGUAGE plpgsql
  AS $$BEGIN RAISE EXCEPTION 'shadow type used'; END$$;
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.boom(VALUE));
\set desired 'CREATE TYPE mood AS ENUM (''ok'', ''bad''); CREATE SEQUENCE counter; CREATE FUNCTION f(integer) RETURNS integer LANGUAGE sql AS ''SELECT $1''; CREATE TABLE t (id integer PRIMARY KEY, v text, m mood); CREATE VIEW v AS SELECT id FROM t; GRANT SELECT ON t, v TO diff_ro; GRANT EXECUTE ON FUNCTION f(integer) TO diff_ro; REVOKE EXECUTE ON FUNCTION f(integer) FROM PUBLIC; ALTER TABLE t ENABLE ROW LEVEL SECURITY; CREATE POLICY t_read ON t FOR SELECT TO diff_ro, diff_app USING (id > 0);'
-- the owner, not a superuser, diffs its own schema: no changes
SELECT * FROM migrate_autogenerate('same', :'desired', 'app', false);
-- a missing grant shows as a GRANT, never as a REVOKE of the owner's rights
SELECT upgrade FROM migrate_autogenerate('grant', :'desired' || ' GRANT UPDATE ON t TO diff_ro;', 'app', false);
DROP DOMAIN pg_temp.text;
DROP FUNCTION pg_temp.boom(pg_catalog.text);
RESET ROLE;

-- a superuser diffing the same schema owned by diff_app: still no changes
SELECT * FROM migrate_autogenerate('same', :'desired', 'app', false);
-- pg_dump's ALTER ... OWNER TO is not a change either
SELECT * FROM migrate_autogenerate('same', :'desired' || ' ALTER TABLE t OWNER TO diff_app2;', 'app', false);

-- two schemas with equal contents and different owners
SET ROLE diff_app2;
CREATE TYPE app2.mood AS ENUM ('ok', 'bad');
CREATE SEQUENCE app2.counter;
CREATE FUNCTION app2.f(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
CREATE TABLE app2.t (id integer PRIMARY KEY, v text, m app2.mood);
CREATE VIEW app2.v AS SELECT id FROM app2.t;
GRANT SELECT ON app2.t, app2.v TO diff_ro;
GRANT EXECUTE ON FUNCTION app2.f(integer) TO diff_ro;
REVOKE EXECUTE ON FUNCTION app2.f(integer) FROM PUBLIC;
ALTER TABLE app2.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY t_read ON app2.t FOR SELECT TO diff_ro, diff_app USING (id > 0);
RESET ROLE;
SELECT * FROM migrate_diff('app', 'app2');
-- asked for: owners are compared and changed
SELECT upgrade, downgrade FROM migrate_diff('app', 'app2', ownership => true);
GRANT diff_app2 TO diff_app;
SET ROLE diff_app;
SELECT upgrade FROM migrate_autogenerate('own', :'desired' || ' ALTER TABLE t OWNER TO diff_app2; ALTER FUNCTION f(integer) OWNER TO diff_app2;', 'app', false, ownership => true);
RESET ROLE;
\set VERBOSITY sqlstate
SELECT * FROM migrate_diff('app', 'app2', NULL);
\set VERBOSITY default

DROP SCHEMA app CASCADE;
DROP SCHEMA app2 CASCADE;
SELECT format('REVOKE CREATE ON DATABASE %I FROM diff_app, diff_app2', current_database()) \gexec
REVOKE EXECUTE ON FUNCTION migrate_diff(text, text, boolean),
  migrate_autogenerate(text, text, text, boolean, boolean) FROM diff_app, diff_app2;
DROP ROLE diff_app;
DROP ROLE diff_app2;
DROP ROLE diff_ro;
