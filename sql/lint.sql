--
-- Lint and lock analysis: every rule with a statement that triggers it and
-- near misses that do not (the safe alternative, and the same statement on
-- a table created earlier in the same script or plan).
--
-- a test before may have left the extension installed, with revisions
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS migrate;
CREATE EXTENSION migrate VERSION '1.2';
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, qty int,
                     note text, code varchar(20), amount numeric(10,2),
                     legacy text) WITH (autovacuum_enabled = off);
CREATE TABLE customers (id bigint PRIMARY KEY, name text)
  WITH (autovacuum_enabled = off);
CREATE INDEX orders_note_idx ON orders (note);
INSERT INTO customers SELECT g, 'c' FROM generate_series(1, 100) g;
INSERT INTO orders SELECT g, g % 100 + 1, 1, 'n', 'c', 1, 'l'
  FROM generate_series(1, 1000) g;
ANALYZE orders, customers;

CREATE FUNCTION lint(script text)
RETURNS TABLE (stmt int, line int, rule text, severity text, lock_mode text,
               relation text, rewrites boolean)
LANGUAGE sql AS $$
  SELECT statement, line, rule, severity, lock_mode, relation, rewrites
  FROM migrate_lint_sql(script) $$;

-- the whole row: live size and row estimate, message and hint
\x on
SELECT * FROM migrate_lint_sql('ALTER TABLE orders ADD COLUMN u uuid DEFAULT gen_random_uuid();');
\x off

-- adding-field-with-volatile-default
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN u uuid DEFAULT gen_random_uuid();');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN s serial;');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN i bigint GENERATED ALWAYS AS IDENTITY;');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN g int GENERATED ALWAYS AS (qty * 2) STORED;');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN r float8 DEFAULT 1 + random();');
-- a function that does not exist yet: cannot know, so a warning
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN x int DEFAULT not_yet_created();');
-- near misses: stable and constant defaults do not rewrite; a new table
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN t timestamptz DEFAULT now();');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN k int DEFAULT 0;');
SELECT * FROM lint('CREATE TABLE fresh (id bigint); ALTER TABLE fresh ADD COLUMN u uuid DEFAULT gen_random_uuid();');

-- adding-required-field
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN req int NOT NULL;');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN req int NOT NULL DEFAULT 0;');
SELECT * FROM lint('CREATE TABLE fresh (id bigint); ALTER TABLE fresh ADD COLUMN req int NOT NULL;');

-- changing-column-type
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN qty TYPE bigint;');
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN note TYPE text USING upper(note);');
-- the table is not here: whether it rewrites cannot be told
SELECT * FROM lint('ALTER TABLE elsewhere ALTER COLUMN qty TYPE bigint;');
-- near misses: binary-coercible or widening changes keep the storage
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN code TYPE text;');
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN code TYPE varchar(40);');
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN amount TYPE numeric(14,2);');
SELECT * FROM lint('CREATE TABLE fresh (qty int); ALTER TABLE fresh ALTER COLUMN qty TYPE bigint;');

-- varchar-narrowing
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN code TYPE varchar(10);');
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);');
SELECT * FROM lint('CREATE TABLE fresh (code varchar(20)); ALTER TABLE fresh ALTER COLUMN code TYPE varchar(10);');

-- adding-foreign-key-constraint: both tables are locked
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers;');
-- (NOT VALID, then VALIDATE: in one transaction, as here, the VALIDATE
-- still runs under the ADD's lock: constraint-validated-in-same-transaction)
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;');
SELECT * FROM lint('CREATE TABLE fresh (customer_id bigint); ALTER TABLE fresh ADD FOREIGN KEY (customer_id) REFERENCES customers;');
-- declared with a new column, a foreign key cannot be NOT VALID
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN customer2_id bigint REFERENCES customers;');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN customer2_id bigint;
ALTER TABLE orders ADD CONSTRAINT c2_fk FOREIGN KEY (customer2_id) REFERENCES customers NOT VALID;');

-- constraint-missing-not-valid
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0);');
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT qty_positive CHECK (qty > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT qty_positive;');
SELECT * FROM lint('CREATE TABLE fresh (qty int); ALTER TABLE fresh ADD CHECK (qty > 0);');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN qty2 int CHECK (qty2 > 0);');
SELECT * FROM lint('CREATE TABLE fresh (id int); ALTER TABLE fresh ADD COLUMN qty2 int CHECK (qty2 > 0);');

-- setting-not-null
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN note SET NOT NULL;');
-- not validated yet: still a scan
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT note_nn CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE orders ALTER COLUMN note SET NOT NULL;');
-- the safe way, in one script or across revisions
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT note_nn CHECK (note IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT note_nn;
ALTER TABLE orders ALTER COLUMN note SET NOT NULL;');
ALTER TABLE orders ADD CONSTRAINT legacy_nn CHECK (legacy IS NOT NULL);
SELECT * FROM lint('ALTER TABLE orders ALTER COLUMN legacy SET NOT NULL;');
ALTER TABLE orders DROP CONSTRAINT legacy_nn;
SELECT * FROM lint('CREATE TABLE fresh (note text); ALTER TABLE fresh ALTER COLUMN note SET NOT NULL;');

-- require-concurrent-index-creation
SELECT * FROM lint('CREATE INDEX ON orders (qty);');
SELECT * FROM lint('CREATE INDEX CONCURRENTLY ON orders (qty);');
SELECT * FROM lint('CREATE TABLE fresh (qty int); CREATE INDEX ON fresh (qty);');

-- require-concurrent-index-deletion
SELECT * FROM lint('DROP INDEX orders_note_idx;');
SELECT * FROM lint('DROP INDEX CONCURRENTLY orders_note_idx;');
SELECT * FROM lint('CREATE TABLE fresh (qty int); CREATE INDEX fresh_qty ON fresh (qty); DROP INDEX fresh_qty;');

-- renaming-column and renaming-table
SELECT * FROM lint('ALTER TABLE orders RENAME COLUMN note TO remark;');
SELECT * FROM lint('ALTER TABLE orders RENAME TO purchases;');
SELECT * FROM lint('CREATE TABLE fresh (note text); ALTER TABLE fresh RENAME COLUMN note TO remark; ALTER TABLE fresh RENAME TO fresher; ALTER TABLE fresher ADD COLUMN u uuid DEFAULT gen_random_uuid();');

-- adding-unique-constraint
SELECT * FROM lint('ALTER TABLE customers ADD CONSTRAINT customers_name_key UNIQUE (name);');
SELECT * FROM lint('ALTER TABLE orders ADD COLUMN ext bigint UNIQUE;');
SELECT * FROM lint('ALTER TABLE customers ADD CONSTRAINT customers_name_key UNIQUE USING INDEX customers_name_idx;');
SELECT * FROM lint('CREATE TABLE fresh (id bigint); ALTER TABLE fresh ADD PRIMARY KEY (id);');

-- vacuum-full and cluster
SELECT * FROM lint('VACUUM FULL orders;');
SELECT * FROM lint('CLUSTER orders USING orders_pkey;');
SELECT * FROM lint('VACUUM orders;');
SELECT * FROM lint('CREATE TABLE fresh (id bigint PRIMARY KEY); CLUSTER fresh USING fresh_pkey;');

-- constraint-validated-in-same-transaction: the ADD's lock (ACCESS
-- EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key) is held
-- through the validation scan when both run in one transaction
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT q_pos CHECK (qty > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT q_pos;');
SELECT * FROM lint('ALTER TABLE orders ADD FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;');
SELECT message, hint FROM migrate_lint_sql('ALTER TABLE orders ADD CONSTRAINT o_fk FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT o_fk;');
-- near misses: validating a constraint added in an earlier transaction,
-- another constraint, another table's, or one on a table created here
ALTER TABLE orders ADD CONSTRAINT q_old CHECK (qty > 0) NOT VALID;
SELECT * FROM lint('ALTER TABLE orders VALIDATE CONSTRAINT q_old;');
ALTER TABLE orders DROP CONSTRAINT q_old;
SELECT * FROM lint('ALTER TABLE orders ADD CONSTRAINT q_pos CHECK (qty > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT q_other;
ALTER TABLE customers VALIDATE CONSTRAINT q_pos;');
SELECT * FROM lint('CREATE TABLE fresh (qty int); ALTER TABLE fresh ADD CONSTRAINT f_pos CHECK (qty > 0) NOT VALID;
ALTER TABLE fresh VALIDATE CONSTRAINT f_pos;');
-- a table created in the plan with a foreign key to one that existed
-- before: the scan of the new table runs under the ADD's SHARE ROW
-- EXCLUSIVE lock on the old one, which is the finding's relation (and its
-- size does not make the scan short: no info under lint_small_table)
SELECT * FROM lint('CREATE TABLE fresh (customer_id bigint);
INSERT INTO fresh SELECT customer_id FROM orders;
ALTER TABLE fresh ADD CONSTRAINT fresh_fk FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE fresh VALIDATE CONSTRAINT fresh_fk;');
SELECT message, hint FROM migrate_lint_sql('CREATE TABLE fresh (customer_id bigint);
ALTER TABLE fresh ADD FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE fresh VALIDATE CONSTRAINT fresh_customer_id_fkey;');
SET migrate.lint_small_table = '1GB';
SELECT stmt, rule, severity, relation FROM lint('CREATE TABLE fresh (customer_id bigint);
ALTER TABLE fresh ADD CONSTRAINT fresh_fk FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE fresh VALIDATE CONSTRAINT fresh_fk;
ALTER TABLE orders ADD CONSTRAINT q_pos CHECK (qty > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT q_pos;');
RESET migrate.lint_small_table;
-- an existing table referencing a new one, or itself: only its own lock
SELECT * FROM lint('CREATE TABLE fresh_ref (id bigint PRIMARY KEY);
ALTER TABLE orders ADD CONSTRAINT o_fresh_fk FOREIGN KEY (customer_id) REFERENCES fresh_ref NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT o_fresh_fk;
ALTER TABLE orders ADD CONSTRAINT o_self FOREIGN KEY (customer_id) REFERENCES orders NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT o_self;');
SELECT message FROM migrate_lint_sql('CREATE TABLE fresh_ref (id bigint PRIMARY KEY);
ALTER TABLE orders ADD CONSTRAINT o_fresh_fk FOREIGN KEY (customer_id) REFERENCES fresh_ref NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT o_fresh_fk;
ALTER TABLE orders ADD CONSTRAINT o_self FOREIGN KEY (customer_id) REFERENCES orders NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT o_self;');
-- near misses: nothing that existed before is locked (a foreign key
-- between new tables, a new table referencing itself)
SELECT * FROM lint('CREATE TABLE fresh_ref (id bigint PRIMARY KEY);
CREATE TABLE fresh (id bigint PRIMARY KEY, ref bigint, parent bigint);
ALTER TABLE fresh ADD CONSTRAINT fresh_fk FOREIGN KEY (ref) REFERENCES fresh_ref NOT VALID;
ALTER TABLE fresh VALIDATE CONSTRAINT fresh_fk;
ALTER TABLE fresh ADD CONSTRAINT fresh_self FOREIGN KEY (parent) REFERENCES fresh NOT VALID;
ALTER TABLE fresh VALIDATE CONSTRAINT fresh_self;');

-- reindex-without-concurrently: SHARE on the table, ACCESS EXCLUSIVE on
-- each index; the schema and database forms go table by table
SELECT * FROM lint('REINDEX TABLE orders;');
SELECT * FROM lint('REINDEX INDEX orders_note_idx;');
SELECT * FROM lint('REINDEX SCHEMA public;');
SELECT * FROM lint('REINDEX DATABASE contrib_regression;');
SELECT message FROM migrate_lint_sql('REINDEX INDEX orders_note_idx;');
-- near misses: CONCURRENTLY (either spelling), a table or index created here
SELECT * FROM lint('REINDEX TABLE CONCURRENTLY orders;');
SELECT * FROM lint('REINDEX (CONCURRENTLY) INDEX orders_note_idx;');
SELECT * FROM lint('REINDEX (VERBOSE) SCHEMA CONCURRENTLY public;');
SELECT * FROM lint('CREATE TABLE fresh (qty int); CREATE INDEX fresh_qty ON fresh (qty); REINDEX TABLE fresh; REINDEX INDEX fresh_qty;');

-- lock-table: the mode decides; it is held to the end of the transaction
SELECT * FROM lint('LOCK TABLE orders;');
SELECT * FROM lint('LOCK TABLE orders, customers IN SHARE MODE;');
SELECT * FROM lint('LOCK orders IN SHARE ROW EXCLUSIVE MODE;');
SELECT * FROM lint('LOCK TABLE orders IN EXCLUSIVE MODE NOWAIT;');
SELECT message FROM migrate_lint_sql('LOCK TABLE orders IN SHARE MODE;');
-- near misses: modes no ordinary query conflicts with; a table created here
SELECT * FROM lint('LOCK TABLE orders IN SHARE UPDATE EXCLUSIVE MODE;');
SELECT * FROM lint('LOCK TABLE orders IN ROW EXCLUSIVE MODE;');
SELECT * FROM lint('LOCK TABLE orders IN ACCESS SHARE MODE;');
SELECT * FROM lint('CREATE TABLE fresh (x int); LOCK TABLE fresh;');

-- enum-value-used-in-same-transaction: a value added by ALTER TYPE ... ADD
-- VALUE cannot be used before the commit ("unsafe use of new value")
CREATE TYPE mood AS ENUM ('sad', 'ok');
-- (a dropped column does not count in INSERT's positions)
ALTER TABLE orders ADD COLUMN gone int, ADD COLUMN feel mood;
ALTER TABLE orders DROP COLUMN gone;
SELECT * FROM lint('ALTER TYPE mood ADD VALUE ''happy'';
SELECT ''happy''::mood;
INSERT INTO orders (id, feel) VALUES (5000, ''happy'');
INSERT INTO orders VALUES (5001, 1, 1, ''n'', ''c'', 1, ''l'', ''happy'');
UPDATE orders SET feel = ''happy'' WHERE id = 1;
DELETE FROM orders WHERE feel IN (''ok'', ''happy'');
SELECT count(*) FROM orders WHERE ''happy'' = feel;
ALTER TABLE orders ALTER COLUMN feel SET DEFAULT ''happy'';
ALTER TABLE orders ADD COLUMN feel2 mood DEFAULT ''happy'';
CREATE TABLE fresh (f public.mood DEFAULT ''happy'');');
SELECT message, hint FROM migrate_lint_sql('ALTER TYPE mood ADD VALUE IF NOT EXISTS ''happy'' AFTER ''ok''; SELECT ''happy''::mood;');
-- a type created in the same transaction: still unsafe
SELECT * FROM lint('CREATE TYPE mood2 AS ENUM (''a''); ALTER TYPE mood2 ADD VALUE ''b''; SELECT ''b''::mood2;');
-- near misses: the same text where it is no enum value, old values, another
-- type, a value renamed (usable at once), the value added and not used
SELECT * FROM lint('ALTER TYPE mood ADD VALUE ''happy'';
INSERT INTO orders (id, note) VALUES (5000, ''happy'');
UPDATE orders SET note = ''happy'' WHERE feel = ''sad'';
SELECT ''happy'', ''happy''::text, ''ok''::mood;
SELECT count(*) FROM orders WHERE note = ''happy'';
ALTER TABLE orders ALTER COLUMN note SET DEFAULT ''happy'';
CREATE TABLE fresh (f mood DEFAULT ''ok'', g text DEFAULT ''happy'');');
CREATE TYPE other_mood AS ENUM ('sad');
SELECT * FROM lint('ALTER TYPE other_mood ADD VALUE ''happy''; SELECT ''happy''::mood;');
SELECT * FROM lint('ALTER TYPE mood RENAME VALUE ''ok'' TO ''fine''; SELECT ''fine''::mood;');
SELECT * FROM lint('ALTER TYPE mood ADD VALUE ''happy'';');
-- every place an expression can carry the label: INSERT ... SELECT (by
-- position), ON CONFLICT and MERGE assignments, IN in a
-- join, ANY of an array literal or of a cast ARRAY[], BETWEEN, CASE,
-- COALESCE, enum_range(), a function's parameter of the type, views,
-- partial indexes, CHECK, columns of a table created in the plan, SQL
-- function bodies (analyzed at CREATE), domains, policies, EXPLAIN,
-- partition bounds, and the SQL statements of DO blocks; the label
-- elsewhere in a DO block is a possible use (warning)
CREATE FUNCTION mood_score(m mood) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE TABLE mood_parts (m mood) PARTITION BY LIST (m);
SELECT stmt, severity FROM lint('ALTER TYPE mood ADD VALUE ''happy'';
INSERT INTO orders (id, feel) SELECT 6000, ''happy'';
INSERT INTO orders (id, feel) VALUES (1, ''sad'') ON CONFLICT (id) DO UPDATE SET feel = ''happy'';
MERGE INTO orders o USING customers c ON o.id = c.id WHEN MATCHED THEN UPDATE SET feel = ''happy'';
SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.feel IN (''happy'');
SELECT count(*) FROM orders WHERE feel = ANY (''{sad,"happy"}'');
SELECT count(*) FROM orders WHERE feel = ANY (ARRAY[''happy'']::mood[]);
SELECT count(*) FROM orders WHERE feel BETWEEN ''sad'' AND ''happy'';
SELECT CASE feel WHEN ''happy'' THEN 1 END FROM orders;
SELECT coalesce(feel, ''happy'') FROM orders;
SELECT enum_range(NULL::mood);
SELECT mood_score(''happy'');
CREATE VIEW happy_orders AS SELECT * FROM orders WHERE feel = ''happy'';
CREATE INDEX orders_happy ON orders (id) WHERE feel = ''happy'';
ALTER TABLE orders ADD CONSTRAINT not_happy CHECK (feel <> ''happy'') NOT VALID;
CREATE TABLE moods (m mood CHECK (m <> ''happy''), ms mood[] DEFAULT ''{happy}'');
INSERT INTO moods VALUES (''happy'');
CREATE FUNCTION happy_count() RETURNS bigint LANGUAGE sql AS $f$SELECT count(*) FROM orders WHERE feel = ''happy''$f$;
CREATE FUNCTION happy_count2() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM orders WHERE feel = ''happy''; END;
CREATE DOMAIN glad AS mood CHECK (VALUE <> ''happy'');
CREATE POLICY no_happy ON orders USING (feel <> ''happy'');
EXPLAIN SELECT * FROM orders WHERE feel = ''happy'';
CREATE TABLE mood_happy PARTITION OF mood_parts FOR VALUES IN (''happy'');
DO $d$BEGIN UPDATE orders SET feel = ''happy'' WHERE id = 1; END$d$;
DO $d$BEGIN PERFORM count(*) FROM orders WHERE feel = ''happy''; END$d$;
DO $d$DECLARE m mood := ''happy''; BEGIN RAISE NOTICE ''%'', m; END$d$;') WHERE rule = 'enum-value-used-in-same-transaction';
SELECT severity, message FROM migrate_lint_sql('ALTER TYPE mood ADD VALUE ''happy'';
DO $d$BEGIN IF (SELECT count(*) FROM orders) > 0 THEN RAISE NOTICE ''%'', ''happy''; END IF; END$d$;');
-- near misses: the label where it stays text (a text column by position
-- or in ANY/IN, a cast to text, "||", a CASE over text, a UNION's branches,
-- which resolve plain literals to text before the INSERT), views, indexes
-- and checks on text, a PL/pgSQL function (its body is parsed at its first
-- call, not here), DO blocks that use it as text or not at all
SELECT * FROM lint('ALTER TYPE mood ADD VALUE ''happy'';
INSERT INTO orders (id, note) SELECT 6000, ''happy'';
INSERT INTO orders (id, feel, note) SELECT 6001, ''sad'', ''happy'';
INSERT INTO orders (id, note) SELECT 6002, ''sad'' UNION ALL SELECT 6003, ''happy'';
INSERT INTO orders (id, note) VALUES (1, ''x'') ON CONFLICT (id) DO UPDATE SET note = ''happy'';
SELECT count(*) FROM orders WHERE note = ANY (''{sad,happy}'') OR note IN (''happy'') OR feel::text = ''happy'';
SELECT feel || ''happy'', CASE note WHEN ''happy'' THEN feel END FROM orders;
CREATE VIEW happy_notes AS SELECT * FROM orders WHERE note = ''happy'';
CREATE INDEX orders_note_happy ON orders (id) WHERE note = ''happy'';
ALTER TABLE orders ADD CONSTRAINT note_not_happy CHECK (note <> ''happy'' OR id > 0) NOT VALID;
CREATE TABLE moods (m mood DEFAULT ''sad'', t text CHECK (t <> ''glum'' OR t = ''happy''));
INSERT INTO moods (t) VALUES (''happy'');
CREATE FUNCTION happy_pl() RETURNS bigint LANGUAGE plpgsql AS $f$BEGIN RETURN (SELECT count(*) FROM orders WHERE feel = ''happy''); END$f$;
DO $d$BEGIN UPDATE orders SET note = ''happy'' WHERE feel = ''sad''; END$d$;
DO $d$BEGIN PERFORM 1; END$d$;') WHERE rule = 'enum-value-used-in-same-transaction';

-- int-primary-key: applies to new tables too (that is when it is cheap to fix)
SELECT * FROM lint('CREATE TABLE t_int (id int PRIMARY KEY);');
SELECT * FROM lint('CREATE TABLE t_serial (id serial, PRIMARY KEY (id));');
CREATE TABLE small_keyed (id int NOT NULL);
SELECT * FROM lint('ALTER TABLE small_keyed ADD PRIMARY KEY (id);');
SELECT * FROM lint('CREATE TABLE t_big (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);');
SELECT * FROM lint('CREATE TABLE t_int (id int, code int PRIMARY KEY);') WHERE rule = 'int-primary-key';
SELECT created_in_plan FROM migrate_lint_sql('CREATE TABLE fresh (x int); ALTER TABLE fresh ADD COLUMN id int PRIMARY KEY;');

-- dropping-column and dropping-table
SELECT * FROM lint('ALTER TABLE orders DROP COLUMN legacy;');
SELECT * FROM lint('DROP TABLE customers;');
SELECT * FROM lint('CREATE TABLE fresh (x int, y int); ALTER TABLE fresh DROP COLUMN y; DROP TABLE fresh;');

-- missing-lock-timeout: only when the runner's own lock_timeout is off
SELECT * FROM lint('ALTER TABLE orders DROP COLUMN legacy;') WHERE rule = 'missing-lock-timeout';
SET migrate.lock_timeout = 0;
SELECT * FROM lint('ALTER TABLE orders DROP COLUMN legacy; ALTER TABLE orders RENAME COLUMN note TO remark;');
SELECT * FROM lint('SET lock_timeout = ''2s''; ALTER TABLE orders DROP COLUMN legacy;');
SELECT * FROM lint('SET lock_timeout = 0; ALTER TABLE orders DROP COLUMN legacy;') WHERE rule = 'missing-lock-timeout';
SELECT * FROM lint('CREATE INDEX CONCURRENTLY ON orders (qty);');
RESET migrate.lock_timeout;

-- a SET search_path in the script applies to the names after it (generated
-- scripts begin with one), and not beyond the script
CREATE SCHEMA lint_s;
CREATE TABLE lint_s.stock (id bigint, qty int) WITH (autovacuum_enabled = off);
SELECT rule, relation, total_size IS NOT NULL AS live FROM migrate_lint_sql('CREATE INDEX ON stock (qty);');
SELECT rule, relation, total_size IS NOT NULL AS live FROM migrate_lint_sql('SET LOCAL search_path = lint_s; CREATE INDEX ON stock (qty);');
SELECT rule, relation, total_size IS NOT NULL AS live FROM migrate_lint_sql('SET search_path = lint_s; RESET search_path; CREATE INDEX ON stock (qty);');
SHOW search_path;
DROP SCHEMA lint_s CASCADE;

-- lock modes come from AlterTableGetLockLevel(): the strongest of the commands
SELECT rule, lock_mode FROM migrate_lint_sql('ALTER TABLE orders ADD CONSTRAINT c_fk FOREIGN KEY (customer_id) REFERENCES customers, ADD CONSTRAINT q CHECK (qty > 0);');

-- live size: under migrate.lint_small_table, findings whose lock lasts as
-- long as the work on the table are only info; renames are not size-bound
SET migrate.lint_small_table = '1MB';
SELECT * FROM lint('CREATE INDEX ON orders (qty); ALTER TABLE orders RENAME COLUMN note TO remark;');
SELECT message FROM migrate_lint_sql('CREATE INDEX ON orders (qty);');
SET migrate.lint_small_table = '100kB';
SELECT * FROM lint('CREATE INDEX ON orders (qty);');
RESET migrate.lint_small_table;

-- suppression: before the statement, for named rules or all, or for the file
SELECT * FROM lint('-- migrate-lint: ignore require-concurrent-index-creation
CREATE INDEX ON orders (qty);
CREATE INDEX ON orders (amount);');
SELECT * FROM lint('/* migrate-lint: ignore */ ALTER TABLE orders ADD COLUMN s serial;');
SELECT * FROM lint('-- migrate-lint: ignore dropping-table
CREATE INDEX ON orders (qty);');
SELECT * FROM lint('CREATE INDEX ON orders (qty);
ALTER TABLE orders DROP COLUMN legacy;
-- migrate-lint: ignore-file require-concurrent-index-creation, dropping-column');
SELECT * FROM lint('-- migrate-lint: ignore-file
DROP TABLE customers;');

-- statement numbers count a BEGIN/COMMIT wrapper; lines are the keyword's
SELECT * FROM lint('BEGIN;

-- a comment
ALTER TABLE orders
  RENAME COLUMN note TO remark;
COMMIT;');

-- errors
SELECT * FROM migrate_lint_sql(NULL);
SELECT * FROM migrate_lint_sql('ALTER TABLE orders ADD COLUMN;');
\set VERBOSITY sqlstate
SELECT * FROM migrate_lint_sql(NULL);
SELECT * FROM migrate_lint_sql('ALTER TABLE orders ADD COLUMN;');
\set VERBOSITY default

-- migrate_lint(): the pending plan, in execution order, carrying what
-- earlier revisions created
SELECT migrate_revision('create', 'CREATE TABLE items (id bigint PRIMARY KEY, qty int);',
  'DROP TABLE items;', revision => 'l1', down_revisions => '{}');
SELECT migrate_revision('index', 'CREATE INDEX ON items (qty);
ALTER TABLE items ALTER COLUMN qty TYPE bigint;', 'DROP INDEX items_qty_idx;', revision => 'l2');
SELECT migrate_revision('orders', 'ALTER TABLE orders ADD CONSTRAINT q_pos CHECK (qty > 0);
CREATE INDEX ON orders (qty);', 'ALTER TABLE orders DROP CONSTRAINT q_pos; DROP INDEX orders_qty_idx;', revision => 'l3');
SELECT revision, statement, line, rule, severity, lock_mode, relation, rewrites, created_in_plan FROM migrate_lint();
SELECT revision, rule FROM migrate_lint('l2');
SELECT count(*) FROM migrate_upgrade('l1');
-- once applied, items is no longer new
SELECT revision, statement, rule, relation, created_in_plan FROM migrate_lint('l2');
SELECT * FROM migrate_lint('nonesuch');
SELECT * FROM migrate_lint(NULL);
\set VERBOSITY sqlstate
SELECT * FROM migrate_lint('nonesuch');
\set VERBOSITY default

-- the gate: migrate.lint_fail_on refuses scripts at registration
SET migrate.lint_fail_on = 'error';
SELECT migrate_revision('gate', 'CREATE INDEX ON orders (amount);', '', revision => 'g1');
\set VERBOSITY sqlstate
SELECT migrate_revision('gate', 'CREATE INDEX ON orders (amount);', '', revision => 'g1');
\set VERBOSITY default
SELECT count(*) FROM migrate.revision WHERE id = 'g1';
-- warnings pass at "error", fail at "warning"
SELECT migrate_revision('gate', 'ALTER TABLE orders RENAME COLUMN legacy TO old;', '', revision => 'g1');
SET migrate.lint_fail_on = 'warning';
SELECT migrate_revision('gate', 'ALTER TABLE orders DROP COLUMN legacy;', '', revision => 'g2');
-- suppressed findings pass
SELECT migrate_revision('gate', '-- migrate-lint: ignore dropping-column
ALTER TABLE orders DROP COLUMN legacy;', '', revision => 'g2');
SET migrate.lint_fail_on = 'off';
SELECT migrate_revision('gate', 'CREATE INDEX ON orders (amount);', '', revision => 'g3');
-- pushed again unchanged once the gate is on: not a new script
SET migrate.lint_fail_on = 'error';
SELECT migrate_revision('gate, again', 'CREATE INDEX ON orders (amount);', '', revision => 'g3');
-- changed: judged again
SELECT migrate_revision('gate', 'CREATE INDEX ON orders (amount, qty);', '', revision => 'g3');
SELECT upgrade FROM migrate.revision WHERE id = 'g3';
SET migrate.lint_fail_on = 'sometimes';
RESET migrate.lint_fail_on;

-- the plan's transactions: migrate_upgrade() runs the whole plan in one,
-- so a VALIDATE or a use of a new enum value in a later revision is still
-- in the ADD's transaction; with migrate.lint_transaction = revision (CALL
-- migrate_upgrade_each(), a commit after each revision) it is not, but
-- within one revision it still is
SELECT migrate_revision('add', 'ALTER TABLE orders ADD CONSTRAINT t_pos CHECK (qty > 0) NOT VALID;
ALTER TYPE mood ADD VALUE ''glad'';', '', revision => 't1', down_revisions => '{l1}');
SELECT migrate_revision('validate', 'ALTER TABLE orders VALIDATE CONSTRAINT t_pos;
UPDATE orders SET feel = ''glad'' WHERE id = 1;
CREATE VIEW glad_orders AS SELECT * FROM orders WHERE feel = ''glad'';', '', revision => 't2', down_revisions => '{t1}');
SELECT migrate_revision('both', 'ALTER TABLE customers ADD CONSTRAINT c_pos CHECK (id > 0) NOT VALID;
ALTER TABLE customers VALIDATE CONSTRAINT c_pos;', '', revision => 't3', down_revisions => '{t2}');
SELECT revision, statement, rule, lock_mode, relation FROM migrate_lint('t3');
SET migrate.lint_transaction = 'revision';
SELECT revision, statement, rule, lock_mode, relation FROM migrate_lint('t3');
RESET migrate.lint_transaction;
-- a non-transactional revision in the plan: migrate_upgrade() refuses the
-- plan, which then runs per revision, and that revision's statements each
-- commit on their own
SELECT migrate_revision('each', 'ALTER TABLE customers ADD CONSTRAINT c_nn CHECK (name IS NOT NULL) NOT VALID;
ALTER TABLE customers VALIDATE CONSTRAINT c_nn;
ALTER TYPE mood ADD VALUE ''calm'';
CREATE INDEX CONCURRENTLY orders_calm ON orders (id) WHERE feel = ''calm'';', '', revision => 't4', down_revisions => '{t3}', transactional => false);
SELECT revision, statement, rule, lock_mode, relation FROM migrate_lint('t4');
SET migrate.lint_transaction = 'sometimes';
SELECT migrate_forget('t4');
SELECT migrate_forget('t3');
SELECT migrate_forget('t2');
SELECT migrate_forget('t1');

SELECT count(*) FROM migrate_downgrade('base');
DROP TABLE orders, customers, small_keyed;
DROP FUNCTION mood_score(mood);
DROP TABLE mood_parts;
DROP TYPE mood, other_mood;
DROP FUNCTION lint(text);
DROP EXTENSION migrate;
