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
