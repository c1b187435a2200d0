-- migrate_upgrade(): steps, notices, version rows, atomicity, dry runs
CREATE EXTENSION migrate;

SELECT migrate_revision('create customers',
  'CREATE TABLE customers (id int PRIMARY KEY, name text);',
  'DROP TABLE customers;', revision => 'a1');
SELECT migrate_revision('create orders', $$
  CREATE TABLE orders (id int PRIMARY KEY, customer int REFERENCES customers);
  -- a comment between statements
  INSERT INTO customers VALUES (1, 'one; with a semicolon');
$$, 'DROP TABLE orders; DELETE FROM customers;', revision => 'b2');
SELECT migrate_revision('a function', $body$
  CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM orders $$;
  DO $do$ BEGIN RAISE NOTICE 'inside a DO block'; END $do$;
$body$, 'DROP FUNCTION order_count();', revision => 'c3');

-- nothing applied yet
SELECT * FROM migrate_current();

SELECT step, direction, revision, down_revisions, message, duration >= '0'::interval AS timed
  FROM migrate_upgrade('head');
SELECT version_num FROM migrate.version;
SELECT * FROM customers;
SELECT order_count();
SELECT operation, target, status, steps FROM migrate.run ORDER BY run_id;
SELECT step, direction, revision, from_revisions, to_revisions, status FROM migrate.run_step ORDER BY step;
SELECT revision FROM migrate.applied ORDER BY revision;

-- nothing pending: no steps, no notices
SELECT count(*) FROM migrate_upgrade('head');
SELECT count(*) FROM migrate_upgrade();

-- a failing revision leaves nothing of its run behind, keeps its SQLSTATE
-- and says where it came from
SELECT migrate_revision('works', 'CREATE TABLE t_ok (id int);', 'DROP TABLE t_ok;', revision => 'd4');
SELECT migrate_revision('fails', $$
CREATE TABLE t_fail (id int);
INSERT INTO t_fail VALUES (1);
INSERT INTO t_fail VALUES ('not a number');
$$, 'DROP TABLE t_fail;', revision => 'e5');
\set VERBOSITY default
SELECT * FROM migrate_upgrade('head');
\echo :LAST_ERROR_SQLSTATE
SELECT to_regclass('t_ok') AS t_ok, to_regclass('t_fail') AS t_fail;
SELECT version_num FROM migrate.version;
SELECT count(*) AS runs FROM migrate.run WHERE status = 'succeeded';

-- upgrading to an explicit revision runs only what it needs
SELECT step, revision FROM migrate_upgrade('d4');
SELECT version_num FROM migrate.version;

-- dry run: runs everything, reports it, keeps nothing
SELECT migrate_revision('fixed', 'CREATE TABLE t_fixed (id int);', 'DROP TABLE t_fixed;',
                        revision => 'e5');
SELECT step, direction, revision FROM migrate_upgrade('head', dry_run => true);
SELECT to_regclass('t_fixed') AS t_fixed;
SELECT version_num FROM migrate.version;

-- inside the caller's transaction: a rollback undoes the whole run
BEGIN;
SELECT step, revision FROM migrate_upgrade('head');
SELECT version_num FROM migrate.version;
ROLLBACK;
SELECT version_num FROM migrate.version;
SELECT to_regclass('t_fixed') AS t_fixed;

-- SET inside a revision does not leak into later revisions or the session
SHOW work_mem;
SELECT migrate_revision('sets', $$
SET work_mem = '1234kB';
CREATE TABLE t_set AS SELECT current_setting('work_mem') AS seen;
$$, 'DROP TABLE t_set;', revision => 'f6');
SELECT migrate_revision('after set', $$
CREATE TABLE t_after AS SELECT current_setting('work_mem') AS seen;
$$, 'DROP TABLE t_after;', revision => 'g7');
SELECT step, revision FROM migrate_upgrade('head');
SELECT seen FROM t_set;
SELECT seen FROM t_after;
SHOW work_mem;

-- empty and comment-only scripts are no-ops; so is a NULL upgrade
SELECT migrate_revision('empty', '', '', revision => 'h8');
SELECT migrate_revision('comments only', '-- nothing here
/* nor here */', '', revision => 'i9');
SELECT migrate_revision('no script', revision => 'j10');
SELECT step, revision FROM migrate_upgrade('head');

-- a script wrapped in its own BEGIN/COMMIT runs without the wrapper
SELECT migrate_revision('wrapped', $$BEGIN;
CREATE TABLE t_wrapped (id int);
COMMIT;$$, 'DROP TABLE t_wrapped;', revision => 'k11');
SELECT step, revision FROM migrate_upgrade('head');
SELECT to_regclass('t_wrapped') AS t_wrapped;

-- upgrading to something below the current version does nothing, as in Alembic
SELECT * FROM migrate_upgrade('a1');

DROP TABLE t_wrapped, t_after, t_set, t_fixed, t_ok, orders, customers CASCADE;
DROP FUNCTION order_count();
DROP EXTENSION migrate;
