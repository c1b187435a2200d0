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


/* ======================================================================
 * Autogenerate and diff.
 * ====================================================================== */

