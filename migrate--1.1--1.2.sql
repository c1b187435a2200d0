/* migrate--1.1--1.2.sql: trust (privilege model, hardening), files and pg_migrate */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION migrate UPDATE TO '1.2'" to load this file. \quit

/* ======================================================================
 * Privilege model and hardening of the core: revision owners, the
 * migrate_deployer role, grants.
 * ====================================================================== */


/* ======================================================================
 * Operations: per-revision runs, jobs, workers, progress views, the
 * dirty mark, DROP EXTENSION protection.
 * ====================================================================== */

/*
 * The shared-memory readers behind migrate_jobs and migrate_progress are
 * internals: they move out of the user's schema (and \df) into the catalog
 * schema, which PUBLIC cannot use.  The views call them by OID, and a view's
 * functions are checked against whoever reads the view: EXECUTE goes to
 * PUBLIC, so that reading a view needs only SELECT on it.  What they return
 * is filtered in C: only this database's jobs and runs, and a run's
 * statement text only for the role running it and members of
 * pg_read_all_stats (as pg_stat_activity does).
 */
ALTER FUNCTION @extschema@.migrate_job_slots() SET SCHEMA migrate;
ALTER FUNCTION migrate.migrate_job_slots() RENAME TO job_slots;
ALTER FUNCTION @extschema@.migrate_progress_slots() SET SCHEMA migrate;
ALTER FUNCTION migrate.migrate_progress_slots() RENAME TO progress_slots;
COMMENT ON FUNCTION migrate.job_slots()
	IS 'background jobs of this database as shared memory knows them (internal, for migrate_jobs)';
COMMENT ON FUNCTION migrate.progress_slots()
	IS 'migration runs in flight in this database; statement text only for the running role and pg_read_all_stats (internal, for migrate_progress)';
GRANT EXECUTE ON FUNCTION migrate.job_slots(), migrate.progress_slots() TO PUBLIC;
COMMENT ON VIEW @extschema@.migrate_progress IS 'migration runs in flight in this database, from shared memory: visible before they commit; statement text only for the running role and pg_read_all_stats';

/*
 * DROP EXTENSION migrate takes the catalog, the history of the database,
 * with it: an event trigger (a member, so it goes with the extension)
 * refuses it while there is history, unless migrate.allow_drop is on.
 * DROP SCHEMA ... CASCADE of the extension's schema likewise.
 */
CREATE FUNCTION migrate.protect_drop()
RETURNS event_trigger
AS 'MODULE_PATHNAME', 'migrate_protect_drop'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION migrate.protect_drop()
	IS 'event trigger: refuses DROP EXTENSION migrate while the catalog holds history, unless migrate.allow_drop is on (internal)';
REVOKE ALL ON FUNCTION migrate.protect_drop() FROM PUBLIC;
CREATE EVENT TRIGGER migrate_protect_drop ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION', 'DROP SCHEMA')
	EXECUTE FUNCTION migrate.protect_drop();
COMMENT ON EVENT TRIGGER migrate_protect_drop
	IS 'refuses DROP EXTENSION migrate (and DROP SCHEMA ... CASCADE of its schema) while the catalog holds history, unless migrate.allow_drop is on';


/* ======================================================================
 * Files and pg_migrate: forget, stamp of several revisions, push.
 * ====================================================================== */


/* ======================================================================
 * Autogenerate and diff.
 * ====================================================================== */

