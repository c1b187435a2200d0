--
-- migrate_lint_measure(): the pending upgrade run for real, statement by
-- statement, with the locks each statement took and the relations it
-- rewrote; then everything is rolled back.
--
-- a test before may have left the extension installed, with revisions
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS migrate;
CREATE EXTENSION migrate VERSION '1.2';
RESET client_min_messages;
\set SHOW_CONTEXT never

CREATE TABLE m_orders (id bigint PRIMARY KEY, qty int, note text)
  WITH (autovacuum_enabled = off);
CREATE TABLE m_customers (id bigint PRIMARY KEY) WITH (autovacuum_enabled = off);
INSERT INTO m_orders SELECT g, 1, 'n' FROM generate_series(1, 100) g;
INSERT INTO m_customers VALUES (1);

SELECT migrate_revision('create', 'CREATE TABLE m_new (id bigint, qty int);
CREATE INDEX m_new_qty ON m_new (qty);', 'DROP TABLE m_new;',
  revision => 'm1', down_revisions => '{}');
SELECT migrate_revision('retype', 'ALTER TABLE m_orders ALTER COLUMN qty TYPE bigint;
ALTER TABLE m_orders ADD COLUMN c int DEFAULT 0;
ALTER TABLE m_new ALTER COLUMN qty TYPE text;', '', revision => 'm2');
SELECT migrate_revision('index', 'CREATE INDEX m_orders_note ON m_orders (note);
ALTER TABLE m_customers ADD CONSTRAINT c_pos CHECK (id > 0) NOT VALID;
ALTER TABLE m_customers VALIDATE CONSTRAINT c_pos;
SELECT count(*) FROM m_orders;', '', revision => 'm3');

-- rewritten: m_orders and its index by the type change (measured, not
-- guessed), and m_new although it was created in the same plan.  Locks last
-- until the transaction ends, so a statement shows only the locks it added:
-- statement 2 of m2 needed nothing m2's statement 1 did not already hold,
-- and the SHARE lock of m3's CREATE INDEX on m_orders was held since m2
SELECT * FROM migrate_lint_measure();
-- what the lint predicted for the same plan
SELECT revision, statement, rule, lock_mode, rewrites FROM migrate_lint();

-- nothing was kept
SELECT to_regclass('m_new') IS NULL AS no_m_new,
       format_type(atttypid, atttypmod) AS qty_type
  FROM pg_attribute WHERE attrelid = 'm_orders'::regclass AND attname = 'qty';
SELECT count(*) FROM migrate.version;
SELECT count(*) FROM pg_constraint WHERE conname = 'c_pos';

-- a target; then what is already applied is not run again
SELECT revision, statement, relation, lock_mode FROM migrate_lint_measure('m1');
SELECT count(*) FROM migrate_upgrade('m1');
-- m_new existed before the run: the type change rebuilds its index, which
-- drops the old one
SELECT revision, statement, relation, lock_mode, rewritten FROM migrate_lint_measure('m2');

-- a failing statement: its error, with the statement named, and nothing kept
SELECT migrate_revision('broken', 'CREATE TABLE m_tmp (x int);
ALTER TABLE m_orders ADD CONSTRAINT impossible CHECK (qty < 0);', '', revision => 'm4');
\set SHOW_CONTEXT always
SELECT * FROM migrate_lint_measure();
\set SHOW_CONTEXT never
SELECT to_regclass('m_tmp') IS NULL AS no_m_tmp;

-- non-transactional revisions cannot run inside the measuring transaction
SELECT migrate_revision('concurrent', 'CREATE INDEX CONCURRENTLY m_c ON m_orders (qty);', '',
  revision => 'm5', down_revisions => '{m1}', transactional => false);
SELECT * FROM migrate_lint_measure('m5');
\set VERBOSITY sqlstate
SELECT * FROM migrate_lint_measure('m5');
SELECT * FROM migrate_lint_measure('nonesuch');
\set VERBOSITY default

-- migrate_upgrade(..., dry_run => true) measures too: a NOTICE per
-- statement with the locks it took and what it rewrote, then rolls back
SELECT step, revision FROM migrate_upgrade('m2', dry_run => true);
SELECT revision FROM migrate_current();
-- a dry run called from a script is refused, and the outer dry run goes on
-- measuring (its LOCK gets its NOTICE; found by test/fuzz_sql's probes)
SELECT migrate_revision('nested dry run', $$DO $d$BEGIN
  PERFORM * FROM migrate_upgrade('heads', true);
EXCEPTION WHEN others THEN RAISE NOTICE 'refused: %', SQLERRM;
END$d$;
LOCK TABLE m_customers IN SHARE MODE;$$, '', revision => 'n1', down_revisions => '{m1}');
SELECT step, revision FROM migrate_upgrade('n1', dry_run => true);
SELECT migrate_forget('n1');
-- a script that measures is refused too, measured or run (measured, it
-- measured itself again until the stack ran out: 54001)
SELECT migrate_revision('nested measure', 'SELECT count(*) FROM migrate_lint_measure();', '',
  revision => 'n2', down_revisions => '{m1}');
SELECT * FROM migrate_lint_measure('n2');
SELECT step, revision FROM migrate_upgrade('n2');
SELECT revision FROM migrate_current();
SELECT migrate_forget('n2');

-- scripts run as their owner here too: a caller who is not a member of
-- the revision's owner cannot measure it
CREATE ROLE regress_measure_dep;
GRANT EXECUTE ON FUNCTION migrate_lint_measure(text) TO regress_measure_dep;
SET ROLE regress_measure_dep;
\set VERBOSITY sqlstate
SELECT * FROM migrate_lint_measure('m2');
\set VERBOSITY default
RESET ROLE;
REVOKE EXECUTE ON FUNCTION migrate_lint_measure(text) FROM regress_measure_dep;
DROP ROLE regress_measure_dep;

-- it runs scripts: not for PUBLIC
SELECT has_function_privilege('public', 'migrate_lint_measure(text)', 'EXECUTE') AS public_may_measure,
       has_function_privilege('public', 'migrate_lint(text)', 'EXECUTE') AS public_may_lint;

-- every lock mode the lint reports is one pg_locks shows while the
-- statement runs: taken by that statement, or held since an earlier one of
-- the same transaction (a VALIDATE runs under its ADD's lock)
SELECT migrate_revision('lock and reindex', 'LOCK TABLE m_customers IN SHARE MODE;
REINDEX INDEX m_orders_pkey;', '', revision => 'k1', down_revisions => '{m1}');
SELECT migrate_revision('check', 'ALTER TABLE m_orders ADD CONSTRAINT k_pos CHECK (qty > 0) NOT VALID;
ALTER TABLE m_orders VALIDATE CONSTRAINT k_pos;', '', revision => 'k2', down_revisions => '{k1}');
SELECT migrate_revision('foreign key', 'REINDEX TABLE m_new;
ALTER TABLE m_new ADD CONSTRAINT k_fk FOREIGN KEY (id) REFERENCES m_customers NOT VALID;
ALTER TABLE m_new VALIDATE CONSTRAINT k_fk;
LOCK TABLE m_new;', '', revision => 'k3', down_revisions => '{k2}');
-- ACCESS SHARE on indexes left out: which statement first opens
-- m_customers_pkey (the ADD or the VALIDATE's check query) differs between
-- builds of the server (an assert-enabled 15.18 opens it at the VALIDATE)
SELECT * FROM migrate_lint_measure('k3') m
 WHERE NOT (m.lock_mode = 'AccessShareLock'
            AND (SELECT c.relkind FROM pg_class c WHERE c.oid = to_regclass(m.relation)) = 'i');
WITH m AS (SELECT * FROM migrate_lint_measure('k3'))
SELECT l.revision, l.statement, l.rule, l.lock_mode, l.relation,
       (SELECT min(m.revision || ', statement ' || m.statement) FROM m
        WHERE to_regclass(m.relation) = to_regclass(l.relation)
          AND m.lock_mode = l.lock_mode
          AND (m.revision, m.statement) <= (l.revision, l.statement)) AS in_pg_locks_since
  FROM migrate_lint('k3') l
 WHERE l.lock_mode IS NOT NULL
 ORDER BY l.revision, l.statement, l.relation;
-- a table created in the plan with a foreign key to one that existed: the
-- finding is on the old table, m_customers, in SHARE ROW EXCLUSIVE mode,
-- held since the ADD (the VALIDATE alone takes only ROW SHARE on it).  A
-- branch of its own, so that no earlier revision of the plan holds it
SELECT migrate_revision('new table, old parent', 'CREATE TABLE k_child (cid bigint);
INSERT INTO k_child SELECT 1 FROM generate_series(1, 10);
ALTER TABLE k_child ADD CONSTRAINT k_child_fk FOREIGN KEY (cid) REFERENCES m_customers NOT VALID;
ALTER TABLE k_child VALIDATE CONSTRAINT k_child_fk;', '', revision => 'k4', down_revisions => '{m1}');
SELECT m.revision, m.statement, m.relation, m.lock_mode FROM migrate_lint_measure('k4') m
 WHERE to_regclass(m.relation) = 'm_customers'::regclass
 ORDER BY m.statement, m.lock_mode;
WITH m AS (SELECT * FROM migrate_lint_measure('k4'))
SELECT l.revision, l.statement, l.rule, l.lock_mode, l.relation,
       (SELECT min(m.revision || ', statement ' || m.statement) FROM m
        WHERE to_regclass(m.relation) = to_regclass(l.relation)
          AND m.lock_mode = l.lock_mode
          AND (m.revision, m.statement) <= (l.revision, l.statement)) AS in_pg_locks_since
  FROM migrate_lint('k4') l
 WHERE l.lock_mode IS NOT NULL
 ORDER BY l.revision, l.statement, l.relation;
SELECT migrate_forget('k4');
SELECT migrate_forget('k3');
SELECT migrate_forget('k2');
SELECT migrate_forget('k1');

SELECT count(*) FROM migrate_downgrade('base');
DROP TABLE m_orders, m_customers;
DROP EXTENSION migrate;
