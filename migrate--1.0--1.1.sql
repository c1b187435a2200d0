/* migrate--1.0--1.1.sql: migrations beyond one transaction */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION migrate UPDATE TO '1.1'" to load this file. \quit

/*
 * Non-transactional revisions.  Existing revisions stay transactional; the
 * flag enters the checksum only when false, so 1.0 checksums stay valid.
 */
ALTER TABLE migrate.revision ADD COLUMN transactional boolean NOT NULL DEFAULT true;
COMMENT ON COLUMN migrate.revision.transactional IS 'false: statements run one by one at top level by a background worker, each in its own transaction';

/*
 * Background jobs.  The job id is taken from the sequence by the caller
 * (sequences are not transactional, so the id is valid at once); the row is
 * written by the worker itself, since the caller's transaction may still be
 * open when the worker starts.  Until then the job lives in shared memory,
 * and migrate_jobs shows it from there.
 */
CREATE SEQUENCE migrate.job_id_seq;
CREATE TABLE migrate.job (
	job_id			bigint PRIMARY KEY,
	operation		text NOT NULL,
	target			text,
	state			text NOT NULL,
	steps_done		integer NOT NULL DEFAULT 0,
	steps_total		integer,
	run_id			bigint,
	role_name		name NOT NULL,
	worker_pid		integer,
	submitted_at	timestamptz NOT NULL,
	started_at		timestamptz,
	finished_at		timestamptz,
	error			text,
	CHECK (operation OPERATOR(pg_catalog.=) ANY (ARRAY['upgrade', 'downgrade'])),
	CHECK (state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'running', 'succeeded', 'failed']))
);
COMMENT ON TABLE migrate.job IS 'background migration runs started by migrate_upgrade_async() or CALL migrate_upgrade_each()';

/*
 * The dirty mark: a non-transactional revision started and did not finish.
 * At most one row; while it exists every run refuses to start.
 */
CREATE TABLE migrate.dirty (
	singleton		boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	revision		text NOT NULL,
	direction		text NOT NULL,
	statements_done	integer NOT NULL DEFAULT 0,
	statements		integer NOT NULL,
	from_rows		text[] NOT NULL,
	to_rows			text[] NOT NULL,
	remove_rows		text[] NOT NULL,
	add_rows		text[] NOT NULL,
	failed_statement integer,
	failed_sql		text,
	error			text,
	run_id			bigint,
	job_id			bigint,
	marked_at		timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp()
);
COMMENT ON TABLE migrate.dirty IS 'a non-transactional revision that started and did not finish; resolve with migrate_resolve_dirty()';

SELECT pg_catalog.pg_extension_config_dump('migrate.job', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.job_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.dirty', '');

REVOKE ALL ON migrate.job, migrate.dirty FROM PUBLIC;
REVOKE ALL ON SEQUENCE migrate.job_id_seq FROM PUBLIC;

/* migrate_revision gains transactional */
ALTER EXTENSION migrate DROP FUNCTION @extschema@.migrate_revision(text, text, text, text, text[], text[], text[], text, boolean);
DROP FUNCTION @extschema@.migrate_revision(text, text, text, text, text[], text[], text[], text, boolean);

CREATE FUNCTION @extschema@.migrate_revision(
	message text,
	upgrade text DEFAULT NULL,
	downgrade text DEFAULT NULL,
	revision text DEFAULT NULL,
	down_revisions text[] DEFAULT NULL,
	branch_labels text[] DEFAULT NULL,
	depends_on text[] DEFAULT NULL,
	head text DEFAULT NULL,
	splice boolean DEFAULT false,
	transactional boolean DEFAULT true)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_revision_1_1'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_revision(text, text, text, text, text[], text[], text[], text, boolean, boolean)
	IS 'registers a revision, like alembic revision; returns its id';

CREATE PROCEDURE @extschema@.migrate_upgrade_each(target text DEFAULT 'head')
AS 'MODULE_PATHNAME', 'migrate_upgrade_each'
LANGUAGE C;
COMMENT ON PROCEDURE @extschema@.migrate_upgrade_each(text)
	IS 'upgrades to a target committing after every revision, like Alembic''s transaction_per_migration';

CREATE PROCEDURE @extschema@.migrate_downgrade_each(target text)
AS 'MODULE_PATHNAME', 'migrate_downgrade_each'
LANGUAGE C;
COMMENT ON PROCEDURE @extschema@.migrate_downgrade_each(text)
	IS 'downgrades to a target committing after every revision';

CREATE FUNCTION @extschema@.migrate_upgrade_async(target text DEFAULT 'head')
RETURNS bigint
AS 'MODULE_PATHNAME', 'migrate_upgrade_async'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_upgrade_async(text)
	IS 'starts an upgrade in a background worker as the calling role; returns its job id at once';

CREATE FUNCTION @extschema@.migrate_wait(job bigint, timeout interval DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_wait'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_wait(bigint, interval)
	IS 'waits for a background job to finish (or the timeout to pass) and returns its state';

CREATE FUNCTION @extschema@.migrate_resolve_dirty(revision text, applied boolean)
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_resolve_dirty'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_resolve_dirty(text, boolean)
	IS 'clears the dirty mark of a non-transactional revision that did not finish: applied => true records it as applied, false leaves the version rows as they were';

CREATE FUNCTION @extschema@.migrate_job_slots(
	OUT job_id bigint, OUT operation text, OUT target text, OUT state text,
	OUT steps_done integer, OUT steps_total integer, OUT role_name name,
	OUT worker_pid integer, OUT submitted_at timestamptz, OUT error text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'migrate_job_slots'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 4;
COMMENT ON FUNCTION @extschema@.migrate_job_slots()
	IS 'background jobs of this database as shared memory knows them (for migrate_jobs)';

CREATE FUNCTION @extschema@.migrate_progress_slots(
	OUT pid integer, OUT database name, OUT direction text, OUT step integer,
	OUT steps integer, OUT revision text, OUT statement integer,
	OUT statement_text text, OUT job_id bigint, OUT started_at timestamptz,
	OUT step_started_at timestamptz)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'migrate_progress_slots'
LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 4;
COMMENT ON FUNCTION @extschema@.migrate_progress_slots()
	IS 'migration runs in flight in every database (for migrate_progress)';

/*
 * Jobs: the table for jobs a worker has picked up, shared memory for jobs
 * still queued and for live step counts.  A job the table says is running
 * but no worker holds any more (the worker was killed, the server crashed)
 * shows as failed.
 */
CREATE VIEW @extschema@.migrate_jobs AS
SELECT j.job_id, j.operation, j.target,
	   CASE WHEN j.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'running'])
			 AND s.job_id IS NULL THEN 'failed'
			WHEN s.job_id IS NOT NULL AND j.state OPERATOR(pg_catalog.=) 'running'
			THEN s.state
			ELSE j.state END AS state,
	   GREATEST(j.steps_done, s.steps_done) AS steps_done,
	   j.steps_total, j.run_id, j.role_name, j.worker_pid, j.submitted_at,
	   j.started_at, j.finished_at,
	   CASE WHEN j.state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'running'])
			 AND s.job_id IS NULL
			THEN 'worker exited without finishing the job' ELSE j.error END AS error
  FROM migrate.job j
  LEFT JOIN @extschema@.migrate_job_slots() s
	ON s.job_id OPERATOR(pg_catalog.=) j.job_id
UNION ALL
SELECT s.job_id, s.operation, s.target, s.state, s.steps_done, s.steps_total,
	   NULL::bigint, s.role_name, s.worker_pid, s.submitted_at, NULL, NULL,
	   s.error
  FROM @extschema@.migrate_job_slots() s
 WHERE NOT EXISTS (SELECT 1 FROM migrate.job j
				   WHERE j.job_id OPERATOR(pg_catalog.=) s.job_id);
COMMENT ON VIEW @extschema@.migrate_jobs IS 'background migration jobs of this database and their state';

CREATE VIEW @extschema@.migrate_progress AS
SELECT p.pid, p.database, p.direction, p.step, p.steps, p.revision,
	   p.statement, p.statement_text, p.job_id, p.started_at,
	   pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) p.started_at AS elapsed,
	   pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) p.step_started_at AS step_elapsed
  FROM @extschema@.migrate_progress_slots() p;
COMMENT ON VIEW @extschema@.migrate_progress IS 'migration runs in flight, from shared memory: visible before they commit';

REVOKE ALL ON FUNCTION @extschema@.migrate_revision(text, text, text, text, text[], text[], text[], text, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON PROCEDURE @extschema@.migrate_upgrade_each(text) FROM PUBLIC;
REVOKE ALL ON PROCEDURE @extschema@.migrate_downgrade_each(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_upgrade_async(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_wait(bigint, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_resolve_dirty(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_job_slots() FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_progress_slots() FROM PUBLIC;
REVOKE ALL ON @extschema@.migrate_jobs FROM PUBLIC;
REVOKE ALL ON @extschema@.migrate_progress FROM PUBLIC;
