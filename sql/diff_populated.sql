-- Scripts that run on populated tables: NOT NULL columns need a default,
-- an unchanged foreign key is re-created only when the key it relies on
-- is, a new default is just SET DEFAULT.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migrate;
ALTER EXTENSION migrate UPDATE;
RESET client_min_messages;
CREATE SCHEMA pop;
CREATE TABLE pop.users (id integer PRIMARY KEY, email text NOT NULL, score integer DEFAULT 0, legacy text NOT NULL DEFAULT '');
CREATE UNIQUE INDEX users_email_idx ON pop.users (email);
CREATE TABLE pop.orders (id integer PRIMARY KEY, user_id integer REFERENCES pop.users (id),
  email text CONSTRAINT orders_email_fkey REFERENCES pop.users (email));
INSERT INTO pop.users VALUES (1, 'a@x', 5, 'l');
INSERT INTO pop.orders VALUES (1, 1, 'a@x');

\set base 'CREATE TABLE orders (id integer PRIMARY KEY, user_id integer REFERENCES users (id), email text CONSTRAINT orders_email_fkey REFERENCES users (email));'
-- NOT NULL without a default: no script, the column is named with what to do
SELECT * FROM migrate_autogenerate('nn', 'CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, score integer DEFAULT 0, legacy text NOT NULL DEFAULT '''', born date NOT NULL); CREATE UNIQUE INDEX users_email_idx ON users (email); ' || :'base', 'pop', false);
\set VERBOSITY sqlstate
SELECT * FROM migrate_autogenerate('nn', 'CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, score integer DEFAULT 0, legacy text NOT NULL DEFAULT '''', born date NOT NULL); CREATE UNIQUE INDEX users_email_idx ON users (email); ' || :'base', 'pop', false);
\set VERBOSITY default
-- with a default it is one statement; identity columns fill themselves; the
-- dropped NOT NULL column comes back nullable in the downgrade
SELECT upgrade, downgrade FROM migrate_autogenerate('nn', 'CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, score integer DEFAULT 0, born date NOT NULL DEFAULT ''2000-01-01'', n bigint NOT NULL GENERATED ALWAYS AS IDENTITY); CREATE UNIQUE INDEX users_email_idx ON users (email); ' || :'base', 'pop', false);
SELECT upgrade AS up FROM migrate_autogenerate('nn', 'CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, score integer DEFAULT 0, legacy text NOT NULL DEFAULT '''', born date NOT NULL DEFAULT ''2000-01-01'', n bigint NOT NULL GENERATED ALWAYS AS IDENTITY); CREATE UNIQUE INDEX users_email_idx ON users (email); ' || :'base', 'pop', false) \gset
BEGIN;
:up
COMMIT;
SELECT id, born, n FROM pop.users;

-- a new default replaces the old one with SET DEFAULT alone
SELECT upgrade FROM migrate_autogenerate('default', 'CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, score integer DEFAULT 1, legacy text NOT NULL DEFAULT '''', born date NOT NULL DEFAULT ''2000-01-01'', n bigint NOT NULL GENERATED ALWAYS AS IDENTITY); CREATE UNIQUE INDEX users_email_idx ON users (email); ' || :'base', 'pop', false);

-- the unique index orders_email_fkey relies on changes: that foreign key is
-- dropped and added again, saying why; orders_user_id_fkey is left alone
SELECT upgrade FROM migrate_autogenerate('key', 'CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, score integer DEFAULT 0, legacy text NOT NULL DEFAULT '''', born date NOT NULL DEFAULT ''2000-01-01'', n bigint NOT NULL GENERATED ALWAYS AS IDENTITY); CREATE UNIQUE INDEX users_email_idx ON users (email) WITH (fillfactor = 70); ' || :'base', 'pop', false);

DROP SCHEMA pop CASCADE;

-- a NOT NULL column without a default, dropped: the downgrade adds it back
-- nullable (its values are gone) and says what to do
CREATE SCHEMA pop2;
CREATE TABLE pop2.tags (id integer, label text NOT NULL);
INSERT INTO pop2.tags VALUES (1, 'x');
SELECT downgrade AS down FROM migrate_autogenerate('drop label', 'CREATE TABLE tags (id integer);', 'pop2', false) \gset
\echo :down
ALTER TABLE pop2.tags DROP COLUMN label;
BEGIN;
:down
COMMIT;
SELECT * FROM pop2.tags;
DROP SCHEMA pop2 CASCADE;
