-- Declared renames (COMMENT ... IS 'migrate:renamed_from=old') of tables,
-- columns, indexes and constraints become ALTER ... RENAME and keep the
-- data; an undeclared drop and add of the same type is warned about.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migrate;
ALTER EXTENSION migrate UPDATE;
RESET client_min_messages;
CREATE SCHEMA rn;
SET search_path = rn;
CREATE TABLE accounts (id integer CONSTRAINT accounts_pkey PRIMARY KEY, name text NOT NULL,
  email text CONSTRAINT accounts_email_check CHECK (email LIKE '%@%'), "Old Note" text);
CREATE INDEX accounts_name_idx ON accounts (name);
CREATE TABLE orders (id integer PRIMARY KEY, account_id integer REFERENCES accounts (id), total integer);
CREATE VIEW names AS SELECT id, name FROM accounts;
INSERT INTO accounts VALUES (1, 'Ann', 'ann@example.com', 'first'), (2, 'Bob', 'bob@example.com', NULL);
INSERT INTO orders VALUES (10, 1, 5), (11, 2, 7);
RESET search_path;

\set want 'CREATE TABLE users (id integer CONSTRAINT users_pkey PRIMARY KEY, full_name text NOT NULL, email text CONSTRAINT users_email_check CHECK (email LIKE ''%@%''), note text); CREATE INDEX users_full_name_idx ON users (full_name); CREATE TABLE orders (id integer PRIMARY KEY, account_id integer REFERENCES users (id), total integer); CREATE VIEW names AS SELECT id, full_name FROM users; COMMENT ON TABLE users IS ''migrate:renamed_from=accounts''; COMMENT ON COLUMN users.full_name IS ''the name people use migrate:renamed_from=name''; COMMENT ON COLUMN users.note IS ''migrate:renamed_from="Old Note"''; COMMENT ON INDEX users_full_name_idx IS ''migrate:renamed_from=accounts_name_idx''; COMMENT ON CONSTRAINT users_pkey ON users IS ''migrate:renamed_from=accounts_pkey''; COMMENT ON CONSTRAINT users_email_check ON users IS ''migrate:renamed_from=accounts_email_check'';'
SELECT upgrade, downgrade FROM migrate_autogenerate('rename', :'want', 'rn', false);
SELECT upgrade AS up, downgrade AS down FROM migrate_autogenerate('rename', :'want', 'rn', false) \gset
-- applied: the data is there under the new names
BEGIN;
:up
COMMIT;
SELECT u.id, u.full_name, u.email, u.note, o.total FROM rn.users u JOIN rn.orders o ON o.account_id = u.id ORDER BY 1;
SELECT * FROM rn.names ORDER BY 1;
SELECT col_description('rn.users'::regclass, 2) AS full_name_comment;
-- the declarations, once applied, are satisfied: no changes, no warnings
SELECT * FROM migrate_autogenerate('again', :'want', 'rn', false);
-- the downgrade gives the old names back, with the data
BEGIN;
:down
COMMIT;
SELECT a.id, a.name, a."Old Note", o.total FROM rn.accounts a JOIN rn.orders o ON o.account_id = a.id ORDER BY 1;
SELECT conname FROM pg_constraint WHERE conrelid = 'rn.accounts'::regclass ORDER BY 1;
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 'rn.accounts'::regclass ORDER BY 1;
-- migrate_diff reads the declarations of to_schema the same way
CREATE SCHEMA rn_new;
CREATE TABLE rn_new.accounts (id integer CONSTRAINT accounts_pkey PRIMARY KEY, full_name text NOT NULL,
  email text CONSTRAINT accounts_email_check CHECK (email LIKE '%@%'), "Old Note" text);
CREATE INDEX accounts_name_idx ON rn_new.accounts (full_name);
CREATE TABLE rn_new.orders (id integer PRIMARY KEY, account_id integer REFERENCES rn_new.accounts (id), total integer);
CREATE VIEW rn_new.names AS SELECT id, full_name FROM rn_new.accounts;
COMMENT ON COLUMN rn_new.accounts.full_name IS 'migrate:renamed_from=name';
SELECT upgrade FROM migrate_diff('rn', 'rn_new');
DROP SCHEMA rn_new CASCADE;

-- a declaration that matches nothing is a WARNING
SELECT upgrade FROM migrate_autogenerate('nothing', 'CREATE TABLE accounts (id integer, price integer); COMMENT ON COLUMN accounts.price IS ''migrate:renamed_from=amount'';', 'rn', false) \gset nothing_
-- undeclared: a column dropped and another of the same type added
SELECT upgrade FROM migrate_autogenerate('guess', :'want' || ' ALTER TABLE orders DROP COLUMN total; ALTER TABLE orders ADD COLUMN amount integer;', 'rn', false);

DROP SCHEMA rn CASCADE;
