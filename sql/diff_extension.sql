-- Extensions of the schema are part of the diff: created, dropped, updated
-- where the server has an update path; their members are not user objects.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migrate;
ALTER EXTENSION migrate UPDATE;
DROP EXTENSION IF EXISTS pgcrypto;
DROP EXTENSION IF EXISTS citext;
RESET client_min_messages;
CREATE SCHEMA xs;

-- a desired schema that needs pgcrypto creates it first
\set want 'CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA xs; CREATE TABLE t (id integer PRIMARY KEY, token text DEFAULT encode(xs.gen_random_bytes(4), ''hex'')); COMMENT ON EXTENSION pgcrypto IS ''cryptographic functions'';'
SELECT upgrade, downgrade FROM migrate_autogenerate('crypto', :'want', 'xs', false);
DO $$BEGIN EXECUTE (SELECT upgrade FROM migrate_autogenerate('crypto',
  'CREATE EXTENSION pgcrypto; CREATE TABLE t (id integer PRIMARY KEY, token text DEFAULT encode(gen_random_bytes(4), ''hex''));',
  'xs', false)); END$$;
SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'pgcrypto';
-- installed: the same desired schema is no change, and pgcrypto's functions
-- in the schema are not diffed as user functions
SELECT * FROM migrate_autogenerate('again', :'want', 'xs', false);
-- the real extension stays where it is
SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'pgcrypto';
-- desired without it: dropped after the objects that use it
SELECT upgrade FROM migrate_autogenerate('no crypto', 'CREATE TABLE t (id integer PRIMARY KEY, token text);', 'xs', false);

-- versions: compared only when the desired schema names one
CREATE EXTENSION citext VERSION '1.4' SCHEMA xs;
SELECT upgrade, downgrade FROM migrate_autogenerate('citext', :'want' || ' CREATE EXTENSION citext VERSION ''1.6'';', 'xs', false);
SELECT * FROM migrate_autogenerate('citext', :'want' || ' CREATE EXTENSION citext;', 'xs', false);
-- no update path to that version
SELECT * FROM migrate_autogenerate('citext', :'want' || ' CREATE EXTENSION citext VERSION ''1.0'';', 'xs', false);
\set VERBOSITY sqlstate
SELECT * FROM migrate_autogenerate('citext', :'want' || ' CREATE EXTENSION citext VERSION ''1.0'';', 'xs', false);
\set VERBOSITY default
-- an extension in another schema is refused
SELECT * FROM migrate_autogenerate('other', 'CREATE EXTENSION hstore WITH SCHEMA public;', 'xs', false);
-- migrate itself is never part of a diff (pg_dump writes it too)
SELECT * FROM migrate_autogenerate('self', :'want' || ' CREATE EXTENSION citext; CREATE EXTENSION IF NOT EXISTS migrate;', 'xs', false);
-- migrate_diff between two schemas compares their extensions
CREATE SCHEMA xs2;
SELECT upgrade FROM migrate_diff('xs', 'xs2');

DROP SCHEMA xs CASCADE;
DROP SCHEMA xs2;
