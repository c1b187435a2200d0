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
 * A job's row is now written 'queued' by the transaction that submits it
 * (jobs start when it commits), and set 'running' by its worker: while
 * shared memory has the job, its state and error come from there for
 * queued jobs too (a worker that could not connect says why).
 */
CREATE OR REPLACE VIEW @extschema@.migrate_jobs AS
SELECT j.job_id, j.operation, j.target,
	   CASE WHEN NOT (j.state OPERATOR(pg_catalog.=) 'queued'
					  OR j.state OPERATOR(pg_catalog.=) 'running') THEN j.state
			WHEN s.job_id IS NULL THEN 'failed'
			ELSE s.state END AS state,
	   GREATEST(j.steps_done, s.steps_done) AS steps_done,
	   j.steps_total, j.run_id, j.role_name,
	   coalesce(j.worker_pid, s.worker_pid) AS worker_pid, j.submitted_at,
	   j.started_at, j.finished_at,
	   CASE WHEN NOT (j.state OPERATOR(pg_catalog.=) 'queued'
					  OR j.state OPERATOR(pg_catalog.=) 'running') THEN j.error
			WHEN s.job_id IS NULL THEN 'worker exited without finishing the job'
			ELSE s.error END AS error
  FROM migrate.job j
  LEFT JOIN migrate.job_slots() s
	ON s.job_id OPERATOR(pg_catalog.=) j.job_id
UNION ALL
SELECT s.job_id, s.operation, s.target, s.state, s.steps_done, s.steps_total,
	   NULL::pg_catalog.int8, s.role_name, s.worker_pid, s.submitted_at, NULL, NULL,
	   s.error
  FROM migrate.job_slots() s
 WHERE NOT EXISTS (SELECT 1 FROM migrate.job j
				   WHERE j.job_id OPERATOR(pg_catalog.=) s.job_id);

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


/* ======================================================================
 * Lint and lock analysis: what each statement of a pending migration
 * will lock, rewrite and block (lint*.c).  PARALLEL UNSAFE: they switch
 * to the extension owner to read scripts, take locks and run SPI.
 * ====================================================================== */

CREATE FUNCTION @extschema@.migrate_lint_sql(script text)
RETURNS TABLE (revision text, statement integer, line integer, rule text,
               severity text, lock_mode text, relation text,
               relation_size bigint, total_size bigint, row_estimate bigint,
               rewrites boolean, created_in_plan boolean, message text,
               hint text)
AS 'MODULE_PATHNAME', 'migrate_lint_sql'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_lint_sql(text)
IS 'lint findings of a migration script not yet registered, one row per finding, in statement order';

CREATE FUNCTION @extschema@.migrate_lint(target text DEFAULT 'heads')
RETURNS TABLE (revision text, statement integer, line integer, rule text,
               severity text, lock_mode text, relation text,
               relation_size bigint, total_size bigint, row_estimate bigint,
               rewrites boolean, created_in_plan boolean, message text,
               hint text)
AS 'MODULE_PATHNAME', 'migrate_lint'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_lint(text)
IS 'lint findings of the upgrade migrate_upgrade(target) would run, in execution order';
REVOKE ALL ON FUNCTION @extschema@.migrate_lint(text) FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_lint_measure(target text DEFAULT 'heads')
RETURNS TABLE (revision text, statement integer, line integer,
               relation text, lock_mode text, rewritten boolean)
AS 'MODULE_PATHNAME', 'migrate_lint_measure'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_lint_measure(text)
IS 'runs the pending upgrade statement by statement, reports the locks each took and the relations it rewrote, and rolls everything back';
REVOKE ALL ON FUNCTION @extschema@.migrate_lint_measure(text) FROM PUBLIC;
