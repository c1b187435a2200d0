-- The privilege model (README, "Security model"): who may call what, as
-- generated from the catalog, and whose rights each script runs with.
-- Nobody gets SQL run with privileges they do not hold; nobody runs SQL
-- they did not intend to.
\set SHOW_CONTEXT never
CREATE ROLE regress_priv_owner SUPERUSER;
CREATE ROLE regress_priv_deployer LOGIN;
CREATE ROLE regress_priv_plain LOGIN;
GRANT CREATE ON SCHEMA public TO regress_priv_deployer;
SET ROLE regress_priv_owner;
CREATE EXTENSION migrate;
RESET ROLE;
-- one grant, valid in every database
GRANT migrate_deployer TO regress_priv_deployer;
-- job ids restart with the extension while shared memory remembers jobs
-- of earlier tests under the same ids: keep clear of them
SELECT setval('migrate.job_id_seq', 1000) > 0 AS job_ids_moved;

-- the matrix: every function, procedure, view and catalog table of the
-- extension x {superuser, extension owner, deployer, plain user, the
-- database's owner}: the deployer and the database owner read what pg_dump
-- reads (the tables and sequences of pg_extension_config_dump), from 1.3
CREATE FUNCTION pg_temp.may(role name, cls regclass, obj oid) RETURNS text
LANGUAGE sql AS $$
	SELECT CASE
		WHEN cls = 'pg_proc'::regclass THEN
			CASE WHEN has_function_privilege(role, obj, 'EXECUTE') THEN 'execute' ELSE '-' END
		ELSE
			CASE WHEN has_table_privilege(role, obj, 'INSERT') THEN 'write'
				 WHEN has_table_privilege(role, obj, 'SELECT') THEN 'read'
				 ELSE '-' END
	END
$$;
SELECT pg_describe_object(d.classid, d.objid, 0) AS object,
	   pg_temp.may('postgres', d.classid, d.objid) AS superuser,
	   pg_temp.may('regress_priv_owner', d.classid, d.objid) AS ext_owner,
	   pg_temp.may('regress_priv_deployer', d.classid, d.objid) AS deployer,
	   pg_temp.may('regress_priv_plain', d.classid, d.objid) AS plain,
	   pg_temp.may('pg_database_owner', d.classid, d.objid) AS db_owner
  FROM pg_depend d
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate')
   AND d.deptype = 'e'
   AND (d.classid = 'pg_proc'::regclass
		OR (d.classid = 'pg_class'::regclass
			AND (SELECT relkind FROM pg_class WHERE oid = d.objid) IN ('r', 'v')))
 ORDER BY 1;
SELECT has_schema_privilege('regress_priv_deployer', 'migrate', 'USAGE') AS deployer_schema,
	   has_schema_privilege('regress_priv_plain', 'migrate', 'USAGE') AS plain_schema;

-- the deployer deploys: registers, runs, reads the run log
SET ROLE regress_priv_deployer;
SELECT migrate_revision('deployer table', 'CREATE TABLE priv_t (id int);', 'DROP TABLE priv_t;',
						revision => 'p1', down_revisions => '{}');
SELECT step, revision FROM migrate_upgrade('p1');
SELECT tableowner FROM pg_tables WHERE tablename = 'priv_t';
SELECT operation, status, role_name FROM migrate.run ORDER BY run_id;
SELECT count(*) FROM migrate_jobs WHERE job_id > 1000;
CALL migrate_downgrade_each('base');
CALL migrate_upgrade_each('p1');
-- ... reads the catalog, as pg_dump does (1.3) ...
SELECT id, owner FROM migrate.revision;
SELECT last_value > 0 AS readable FROM migrate.job_id_seq;
-- ... but neither stamps nor writes the catalog
SELECT * FROM migrate_stamp('base');
DELETE FROM migrate.run;
DELETE FROM migrate.version;
SELECT setval('migrate.job_id_seq', 1);
RESET ROLE;

-- the deployer's drift check on a schema it may create in but does not own
-- (1.3: the shadow is set up for it); without CREATE there, a clear refusal
CREATE SCHEMA priv_app;
GRANT USAGE, CREATE ON SCHEMA priv_app TO regress_priv_deployer;
SET ROLE regress_priv_deployer;
CREATE TABLE priv_app.t (id int);
SELECT migrate_check('CREATE TABLE t (id int);', 'priv_app');
\set VERBOSITY sqlstate
SELECT migrate_check('CREATE TABLE priv_app.t (id int, x int);', 'priv_app');
\set VERBOSITY default
SELECT migrate_check('CREATE TABLE priv_app.t (id int, x int);', 'priv_app');
RESET ROLE;
SELECT nspname, nspowner::regrole FROM pg_namespace WHERE nspname LIKE 'priv_app%' OR nspname LIKE 'migrate_shadow%';
REVOKE CREATE ON SCHEMA priv_app FROM regress_priv_deployer;
SET ROLE regress_priv_deployer;
SELECT migrate_check('CREATE TABLE t (id int);', 'priv_app');
\set VERBOSITY sqlstate
SELECT migrate_check('CREATE TABLE t (id int);', 'priv_app');
\set VERBOSITY default
RESET ROLE;
DROP SCHEMA priv_app CASCADE;

-- a plain user reads the graph and nothing else
SET ROLE regress_priv_plain;
SELECT revision FROM migrate_heads();
SELECT migrate_revision('plain', 'SELECT 1;', revision => 'x1');
SELECT * FROM migrate_upgrade();
SELECT * FROM migrate.run;
RESET ROLE;

-- escalation 1: a deployer's revision run by a superuser runs as the
-- deployer, by every path
SET ROLE regress_priv_deployer;
SELECT migrate_revision('escalate', 'ALTER ROLE regress_priv_deployer SUPERUSER;', '',
						revision => 'p2', down_revisions => '{p1}');
RESET ROLE;
SELECT * FROM migrate_upgrade('p2');
SELECT * FROM migrate_upgrade('p2', dry_run => true);
CALL migrate_upgrade_each('p2');
-- a job starts when the transaction that submits it commits
SELECT migrate_upgrade_async('p2') AS job \gset
SELECT migrate_wait(:job, '60 s');
SELECT state, error FROM migrate_jobs ORDER BY job_id DESC LIMIT 1;
SET ROLE regress_priv_owner;
SELECT * FROM migrate_upgrade('p2');
RESET ROLE;
-- ... and it cannot take the runner's identity back, or leave anything in
-- the runner's session that would run later with the runner's rights
SET ROLE regress_priv_deployer;
SELECT migrate_revision('take identity', 'RESET ROLE; ALTER ROLE regress_priv_deployer SUPERUSER;', '',
						revision => 'p2a', down_revisions => '{p1}');
SELECT migrate_revision('take session', 'SET SESSION AUTHORIZATION postgres;', '',
						revision => 'p2b', down_revisions => '{p1}');
SELECT migrate_revision('plant a shadow', $s$
CREATE FUNCTION pg_temp.pwn(v pg_catalog.text) RETURNS bool LANGUAGE sql AS 'SELECT true';
CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (pg_temp.pwn(VALUE));
$s$, '', revision => 'p2c', down_revisions => '{p1}');
SELECT migrate_revision('prepare', 'PREPARE later AS SELECT 1;', '',
						revision => 'p2d', down_revisions => '{p1}');
RESET ROLE;
SELECT * FROM migrate_upgrade('p2a');
SELECT * FROM migrate_upgrade('p2b');
SELECT * FROM migrate_upgrade('p2c');
SELECT * FROM migrate_upgrade('p2d');
SELECT count(*) AS temp_objects FROM pg_type WHERE typnamespace = pg_my_temp_schema();
-- ... also when its statements run at top level (non-transactional)
SET ROLE regress_priv_deployer;
SELECT migrate_revision('escalate at top level', 'ALTER ROLE regress_priv_deployer SUPERUSER;', '',
						revision => 'p2n', down_revisions => '{p1}', transactional => false);
RESET ROLE;
-- a job starts when the transaction that submits it commits
SELECT migrate_upgrade_async('p2n') AS job \gset
SELECT migrate_wait(:job, '60 s');
SELECT state, error FROM migrate_jobs ORDER BY job_id DESC LIMIT 1;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'regress_priv_deployer';

-- escalation 2: a deployer cannot run a superuser's revision, by any path
SELECT migrate_revision('superuser only', 'CREATE TABLE priv_su (id int);', 'DROP TABLE priv_su;',
						revision => 'p3', down_revisions => '{p1}');
SET ROLE regress_priv_deployer;
SELECT * FROM migrate_upgrade('p3');
\set VERBOSITY sqlstate
SELECT * FROM migrate_upgrade('p3');
SELECT * FROM migrate_upgrade('p3', dry_run => true);
\set VERBOSITY default
CALL migrate_upgrade_each('p3');
-- a job starts when the transaction that submits it commits
SELECT migrate_upgrade_async('p3') AS job \gset
SELECT migrate_wait(:job, '60 s');
SELECT state, error FROM migrate_jobs ORDER BY job_id DESC LIMIT 1;
-- nor change it so that it runs as the deployer
SELECT migrate_revision('superuser only', 'SELECT 1;', '', revision => 'p3', down_revisions => '{p1}');
SELECT migrate_revision('superuser only, renamed', 'CREATE TABLE priv_su (id int);', 'DROP TABLE priv_su;',
						revision => 'p3', down_revisions => '{p1}');
-- the identical revision pushed again is a no-op, and stays the superuser's
SELECT migrate_revision('superuser only', 'CREATE TABLE priv_su (id int);', 'DROP TABLE priv_su;',
						revision => 'p3', down_revisions => '{p1}');
RESET ROLE;
SELECT id, owner FROM migrate.revision ORDER BY registered;
SELECT to_regclass('priv_su') AS created;
-- the superuser runs it; a downgrade through it is the superuser's too
SELECT step, revision FROM migrate_upgrade('p3');
SET ROLE regress_priv_deployer;
SELECT * FROM migrate_downgrade('p1');
RESET ROLE;
-- a revision without scripts needs nobody's rights
SET ROLE regress_priv_deployer;
SELECT migrate_revision('empty', NULL, NULL, revision => 'p4', down_revisions => '{p1}');
RESET ROLE;
SELECT migrate_revision('superuser empty', '', '', revision => 'p5', down_revisions => '{p4}');
SET ROLE regress_priv_deployer;
SELECT step, revision FROM migrate_upgrade('p5');
RESET ROLE;

-- a member of the owner role runs the owner's revisions as the owner
CREATE ROLE regress_priv_team;
GRANT regress_priv_team TO regress_priv_deployer;
GRANT CREATE ON SCHEMA public TO regress_priv_team;
GRANT migrate_deployer TO regress_priv_team;
SET ROLE regress_priv_team;
SELECT migrate_revision('team table', 'CREATE TABLE priv_team (id int);', 'DROP TABLE priv_team;',
						revision => 'p6', down_revisions => '{p5}');
RESET ROLE;
SET ROLE regress_priv_deployer;
SELECT step, revision FROM migrate_upgrade('p6');
RESET ROLE;
SELECT tableowner FROM pg_tables WHERE tablename = 'priv_team';
-- a revision whose owner was dropped runs for nobody
SELECT count(*) FROM migrate_downgrade('p5');
REVOKE CREATE ON SCHEMA public FROM regress_priv_team;
REVOKE migrate_deployer FROM regress_priv_team;
REVOKE regress_priv_team FROM regress_priv_deployer;
DROP ROLE regress_priv_team;
SELECT * FROM migrate_upgrade('p6');

DROP EXTENSION migrate;
DROP TABLE IF EXISTS priv_t, priv_su;
REVOKE CREATE ON SCHEMA public FROM regress_priv_deployer;
DROP ROLE regress_priv_deployer, regress_priv_plain, regress_priv_owner;
