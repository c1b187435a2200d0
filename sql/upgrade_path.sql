--
-- The update chain: install 1.0, use it, update to 1.1, use it again.
-- Runs in a database of its own so it does not disturb the other tests.
--
CREATE DATABASE upgrade_path_db;
\c upgrade_path_db
SET client_min_messages = warning;
CREATE EXTENSION migrate VERSION '1.0';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
SELECT migrate_revision('one', 'CREATE TABLE up_a (x int)', 'DROP TABLE up_a', revision => 'u1');
SELECT revision FROM migrate_upgrade('head');
SELECT checksum AS checksum_10 FROM migrate.revision WHERE id = 'u1' \gset

ALTER EXTENSION migrate UPDATE TO '1.1';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
-- 1.0 checksums stay valid, and the revision is transactional
SELECT checksum = :'checksum_10' AS checksum_kept, transactional
  FROM migrate.revision WHERE id = 'u1';
SELECT migrate_check();
-- the API of 1.0 still works, with the new argument
SELECT migrate_revision('two', 'CREATE TABLE up_b (x int)', 'DROP TABLE up_b', revision => 'u2');
SELECT migrate_revision('idx', 'CREATE INDEX CONCURRENTLY up_b_x ON up_b (x)',
						'DROP INDEX CONCURRENTLY up_b_x', revision => 'u3',
						transactional => false);
-- a non-transactional revision's checksum differs from a transactional one's
SELECT count(DISTINCT checksum) FROM migrate.revision;
SELECT id, transactional FROM migrate.revision ORDER BY registered;
SELECT revision FROM migrate_upgrade('u2');
-- a plan with a non-transactional revision is refused by migrate_upgrade
\set VERBOSITY sqlstate
SELECT revision FROM migrate_upgrade('head');
SELECT revision FROM migrate_upgrade('head', dry_run => true);
\set VERBOSITY default
SELECT revision FROM migrate_upgrade('head');
-- a non-transactional statement in a transactional revision is refused
SELECT migrate_revision('bad', 'VACUUM up_a', revision => 'u4', down_revisions => '{u3}');
-- transaction control is refused in a non-transactional revision
SELECT migrate_revision('bad', 'BEGIN; VACUUM up_a; COMMIT', revision => 'u4',
						down_revisions => '{u3}', transactional => false);
-- the procedures commit, so they refuse to run inside a transaction block
BEGIN;
CALL migrate_upgrade_each('head');
ROLLBACK;
\set VERBOSITY sqlstate
CALL migrate_upgrade_each(NULL);
CALL migrate_downgrade_each('');
SELECT migrate_wait(NULL);
SELECT migrate_wait(424242);
SELECT migrate_resolve_dirty('u3', true);
\set VERBOSITY default
-- per-revision commits of transactional revisions work in the session
CALL migrate_downgrade_each('base');
SELECT count(*) FROM migrate.version;
CALL migrate_upgrade_each('u2');
SELECT version_num FROM migrate.version;
SELECT operation, status, steps FROM migrate.run ORDER BY run_id;
-- new objects: tables, views, procedures
SELECT count(*) FROM migrate_jobs;
SELECT count(*) >= 0 AS ok FROM migrate_progress;

-- 1.2: revisions get owners; those registered before belong to the role
-- that created them when it still exists, to the extension owner otherwise
CREATE ROLE regress_up_role;
UPDATE migrate.revision SET created_by = 'regress_up_role' WHERE id = 'u1';
UPDATE migrate.revision SET created_by = 'regress_up_gone' WHERE id = 'u2';
ALTER EXTENSION migrate UPDATE TO '1.2';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
SELECT id, created_by, owner, owner_oid = owner::regrole AS oid_matches
  FROM migrate.revision ORDER BY registered;
SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'migrate_deployer';
SELECT migrate_check();
-- u1 now runs as regress_up_role, which may not drop what postgres created
SELECT revision FROM migrate_downgrade('base');
UPDATE migrate.revision SET owner = 'postgres' WHERE id = 'u1';
SELECT revision FROM migrate_downgrade('base');
SELECT migrate_revision('three', 'CREATE TABLE up_c (x int)', 'DROP TABLE up_c', revision => 'u5',
						down_revisions => '{u3}');
SELECT id, owner FROM migrate.revision WHERE id = 'u5';
SELECT revision FROM migrate_upgrade('u2');

-- 1.3: the deploy role and the database owner read what pg_dump reads
SELECT has_sequence_privilege('migrate_deployer', 'migrate.job_id_seq', 'SELECT') AS deployer_reads_12;
ALTER EXTENSION migrate UPDATE TO '1.3';
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
SELECT c.relname,
	   has_table_privilege('migrate_deployer', c.oid, 'SELECT') AS deployer_reads,
	   has_table_privilege('migrate_deployer', c.oid, 'INSERT,UPDATE,DELETE') AS deployer_writes,
	   has_table_privilege('pg_database_owner', c.oid, 'SELECT') AS db_owner_reads,
	   has_table_privilege('pg_database_owner', c.oid, 'INSERT,UPDATE,DELETE') AS db_owner_writes
  FROM pg_extension e, unnest(e.extconfig) AS t(oid) JOIN pg_class c ON c.oid = t.oid
 WHERE e.extname = 'migrate' ORDER BY 1;
SELECT has_schema_privilege('pg_database_owner', 'migrate', 'USAGE') AS db_owner_schema;
SELECT migrate_check();
SELECT revision FROM migrate_heads() ORDER BY 1;
SELECT * FROM pg_extension_update_paths('migrate') ORDER BY source, target;
-- the updated extension has the objects of a fresh install
SELECT md5(string_agg(pg_describe_object(classid, objid, objsubid), ',' ORDER BY 1)) AS objects
  FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate')
   AND deptype = 'e' \gset updated_
SELECT md5(string_agg(attname || ':' || atttypid::regtype || ':' || attnotnull, ',' ORDER BY attrelid::regclass::text, attnum)) AS columns
  FROM pg_attribute WHERE attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'migrate'::regnamespace)
   AND attnum > 0 AND NOT attisdropped \gset updated_
SELECT md5(string_agg(relname || ':' || coalesce(relacl::text, ''), ',' ORDER BY relname)) AS acls
  FROM pg_class WHERE relnamespace = 'migrate'::regnamespace \gset updated_
\c contrib_regression
DROP DATABASE upgrade_path_db;
CREATE DATABASE upgrade_path_db;
\c upgrade_path_db
SET client_min_messages = warning;
CREATE EXTENSION migrate;
SELECT extversion FROM pg_extension WHERE extname = 'migrate';
SELECT md5(string_agg(pg_describe_object(classid, objid, objsubid), ',' ORDER BY 1)) = :'updated_objects' AS same_objects
  FROM pg_depend WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate')
   AND deptype = 'e';
SELECT md5(string_agg(attname || ':' || atttypid::regtype || ':' || attnotnull, ',' ORDER BY attrelid::regclass::text, attnum)) = :'updated_columns' AS same_columns
  FROM pg_attribute WHERE attrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'migrate'::regnamespace)
   AND attnum > 0 AND NOT attisdropped;
SELECT md5(string_agg(relname || ':' || coalesce(relacl::text, ''), ',' ORDER BY relname)) = :'updated_acls' AS same_acls
  FROM pg_class WHERE relnamespace = 'migrate'::regnamespace;
\c contrib_regression
DROP DATABASE upgrade_path_db;
DROP ROLE regress_up_role;
