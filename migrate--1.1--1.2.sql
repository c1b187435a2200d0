/* migrate--1.1--1.2.sql: trust (privilege model, hardening), files and pg_migrate */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION migrate UPDATE TO '1.2'" to load this file. \quit

/* ======================================================================
 * Privilege model and hardening of the core: revision owners, the
 * migrate_deployer role, grants.
 * ====================================================================== */

/*
 * Revision owners.  A revision's scripts run as the role that registered
 * it, and only a member of that role may run them (README, "Security
 * model").  The name is what counts, as pg_cron's cron.job.username does,
 * so that a dump restored into another cluster keeps its meaning; the OID
 * records which role that was when it registered.  Revisions registered
 * before 1.2 belong to the role that created them when it still exists,
 * and to the extension's owner otherwise.
 */
ALTER TABLE migrate.revision ADD COLUMN owner name;
ALTER TABLE migrate.revision ADD COLUMN owner_oid oid;
UPDATE migrate.revision r
   SET owner_oid = COALESCE(
		(SELECT a.oid FROM pg_catalog.pg_roles a
		  WHERE a.rolname OPERATOR(pg_catalog.=) r.created_by),
		(SELECT e.extowner FROM pg_catalog.pg_extension e
		  WHERE e.extname OPERATOR(pg_catalog.=) 'migrate'));
UPDATE migrate.revision r
   SET owner = a.rolname
  FROM pg_catalog.pg_roles a
 WHERE a.oid OPERATOR(pg_catalog.=) r.owner_oid;
ALTER TABLE migrate.revision ALTER COLUMN owner SET NOT NULL;
ALTER TABLE migrate.revision ALTER COLUMN owner_oid SET NOT NULL;
COMMENT ON COLUMN migrate.revision.owner IS 'role that registered the revision: its scripts run as this role, and only its members may run them';
COMMENT ON COLUMN migrate.revision.owner_oid IS 'OID of the owner role when it registered the revision';

/*
 * migrate_deployer: everything a deploy role needs, in one grant that works
 * in every database (roles are cluster-wide): GRANT migrate_deployer TO
 * alice.  Created here when missing; an existing role of that name must
 * not be able to log in or be a superuser, since its members get what we
 * grant it.  DROP EXTENSION leaves it: other databases may use it.
 */
DO $$
DECLARE
	r pg_catalog.pg_roles%ROWTYPE;
BEGIN
	SELECT * INTO r FROM pg_catalog.pg_roles
	 WHERE rolname OPERATOR(pg_catalog.=) 'migrate_deployer';
	IF NOT FOUND THEN
		CREATE ROLE migrate_deployer NOLOGIN;
		COMMENT ON ROLE migrate_deployer IS 'may register revisions and run migrations with the migrate extension';
	ELSIF r.rolsuper OR r.rolcanlogin THEN
		RAISE EXCEPTION 'role "migrate_deployer" exists and can log in or is a superuser'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'The migrate extension grants deploy rights to role "migrate_deployer"; make it a NOLOGIN role without SUPERUSER, or drop it, then update the extension.';
	END IF;
END
$$;

GRANT EXECUTE ON FUNCTION @extschema@.migrate_revision(text, text, text, text, text[], text[], text[], text, boolean, boolean) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_merge(text[], text, text[], text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_upgrade(text, boolean) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_downgrade(text, boolean) TO migrate_deployer;
GRANT EXECUTE ON PROCEDURE @extschema@.migrate_upgrade_each(text) TO migrate_deployer;
GRANT EXECUTE ON PROCEDURE @extschema@.migrate_downgrade_each(text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_upgrade_async(text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_wait(bigint, interval) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_show(text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_check(text, text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_upgrade_sql(text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_downgrade_sql(text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_job_slots() TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_progress_slots() TO migrate_deployer;
GRANT SELECT ON @extschema@.migrate_jobs, @extschema@.migrate_progress TO migrate_deployer;
/* the run log: read-only */
GRANT USAGE ON SCHEMA migrate TO migrate_deployer;
GRANT SELECT ON migrate.run, migrate.run_step, migrate.job TO migrate_deployer;


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

CREATE FUNCTION @extschema@.migrate_push(
	revisions jsonb,
	complete boolean DEFAULT true)
RETURNS TABLE (revision text, action text, detail text)
AS 'MODULE_PATHNAME', 'migrate_push'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_push(jsonb, boolean)
	IS 'registers a whole set of revisions (one jsonb object each) in one call, in any order; refuses changed applied revisions; reports registered ones missing from the set';
REVOKE ALL ON FUNCTION @extschema@.migrate_push(jsonb, boolean) FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_forget(revision text)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_forget'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_forget(text)
	IS 'removes the registration of a revision that is not applied and that no other revision builds on';
REVOKE ALL ON FUNCTION @extschema@.migrate_forget(text) FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_stamp(
	revisions text[],
	purge boolean DEFAULT false)
RETURNS TABLE (revision text)
AS 'MODULE_PATHNAME', 'migrate_stamp_1_2'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_stamp(text[], boolean)
	IS 'sets the version rows to several revisions at once without running scripts, as alembic stamp a b';
REVOKE ALL ON FUNCTION @extschema@.migrate_stamp(text[], boolean) FROM PUBLIC;

CREATE FUNCTION @extschema@.migrate_export()
RETURNS TABLE (revision text, down_revisions text[], branch_labels text[],
			   depends_on text[], message text, upgrade text, downgrade text,
			   transactional boolean, created_at timestamptz)
AS 'MODULE_PATHNAME', 'migrate_export'
LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.migrate_export()
	IS 'every registered revision with its scripts, in registration order, as pg_migrate export writes them to files';
REVOKE ALL ON FUNCTION @extschema@.migrate_export() FROM PUBLIC;

/*
 * Deploy rights: pushing, forgetting (the owner's members only) and
 * exporting revisions belong to a deploy; stamping several revisions stays
 * with the superuser and the extension owner, as migrate_stamp(text) does.
 */
GRANT EXECUTE ON FUNCTION @extschema@.migrate_push(jsonb, boolean) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_forget(text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_export() TO migrate_deployer;


/* ======================================================================
 * Autogenerate and diff.
 * ====================================================================== */


/*
 * migrate_diff and migrate_autogenerate gain "ownership" (default false):
 * owners, and the privileges an owner holds by owning, are compared only
 * when asked for.  New C symbols; the old ones keep serving databases that
 * have not run this update.
 */
ALTER EXTENSION migrate DROP FUNCTION @extschema@.migrate_diff(text, text);
DROP FUNCTION @extschema@.migrate_diff(text, text);
CREATE FUNCTION @extschema@.migrate_diff(from_schema text, to_schema text,
	ownership boolean DEFAULT false)
RETURNS TABLE (upgrade text, downgrade text)
AS 'MODULE_PATHNAME', 'migrate_diff_1_2'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@.migrate_diff(text, text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.migrate_diff(text, text, boolean) IS
'script turning schema from_schema into to_schema, and back; owners only if ownership';

ALTER EXTENSION migrate DROP FUNCTION @extschema@.migrate_autogenerate(text, text, text, boolean);
DROP FUNCTION @extschema@.migrate_autogenerate(text, text, text, boolean);
CREATE FUNCTION @extschema@.migrate_autogenerate(message text, desired text,
	schema text DEFAULT 'public', register boolean DEFAULT true,
	ownership boolean DEFAULT false)
RETURNS TABLE (revision text, upgrade text, downgrade text)
AS 'MODULE_PATHNAME', 'migrate_autogenerate_1_2'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@.migrate_autogenerate(text, text, text, boolean, boolean) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.migrate_autogenerate(text, text, text, boolean, boolean) IS
'diff a schema against desired DDL (pg_dump -s output accepted) run in a throwaway shadow and register the result as a new revision';

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

/* ======================================================================
 * Grants to migrate_deployer of the functions the sections above create or
 * re-create after the privilege section (a re-created function loses its
 * grants).
 * ====================================================================== */
GRANT EXECUTE ON FUNCTION @extschema@.migrate_diff(text, text, boolean) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_autogenerate(text, text, text, boolean, boolean) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_lint(text) TO migrate_deployer;
GRANT EXECUTE ON FUNCTION @extschema@.migrate_lint_measure(text) TO migrate_deployer;
