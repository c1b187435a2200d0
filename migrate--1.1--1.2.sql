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
