-- Who may do what: PUBLIC gets nothing that changes state; scripts run as
-- the caller; the catalog is reached only through our functions
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

CREATE ROLE regress_migrate_deployer;
CREATE ROLE regress_migrate_nobody;
GRANT CREATE ON SCHEMA public TO regress_migrate_deployer;
GRANT EXECUTE ON FUNCTION migrate_revision(text, text, text, text, text[], text[], text[], text, boolean, boolean),
                          migrate_upgrade(text, boolean), migrate_downgrade(text, boolean)
  TO regress_migrate_deployer;

-- what PUBLIC may execute
SELECT p.proname, has_function_privilege('regress_migrate_nobody', p.oid, 'EXECUTE') AS public_execute
  FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate')
 ORDER BY 1;
-- and no table of ours
SELECT c.relname, has_table_privilege('regress_migrate_nobody', c.oid, 'SELECT') AS public_select
  FROM pg_class c WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind = 'r' ORDER BY 1;

SET ROLE regress_migrate_nobody;
SELECT migrate_revision('nope', 'SELECT 1;');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate.version;
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM migrate_history();
RESET ROLE;

-- the deployer needs EXECUTE only; its scripts run as itself
SET ROLE regress_migrate_deployer;
SELECT migrate_revision('deployer table', 'CREATE TABLE deployed (id int);', 'DROP TABLE deployed;',
                        revision => 'a1', down_revisions => '{}');
SELECT step, revision FROM migrate_upgrade();
SELECT tableowner FROM pg_tables WHERE tablename = 'deployed';
-- ... so a script cannot do what the deployer could not do by hand
SELECT migrate_revision('needs superuser', 'ALTER ROLE regress_migrate_nobody SUPERUSER;',
                        '', revision => 'b2');
SELECT * FROM migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE
-- nor touch the catalog by SET ROLE tricks inside a script
SELECT migrate_revision('needs superuser', 'DELETE FROM migrate.version;', '', revision => 'b2');
SELECT * FROM migrate_upgrade();
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('needs superuser', 'SELECT 1;', '', revision => 'b2');
SELECT step, revision FROM migrate_upgrade();
SELECT step, revision FROM migrate_downgrade('base');
RESET ROLE;

SELECT role_name, operation, steps FROM migrate.run WHERE status = 'succeeded' ORDER BY run_id;
SELECT created_by FROM migrate.revision ORDER BY registered;

DROP EXTENSION migrate;
REVOKE CREATE ON SCHEMA public FROM regress_migrate_deployer;
DROP ROLE regress_migrate_deployer;
DROP ROLE regress_migrate_nobody;
