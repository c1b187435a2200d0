/* migrate--1.0.sql: catalog and API of migrate 1.0 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION migrate" to load this file. \quit

/*
 * The catalog lives in its own schema, so that the extension's functions
 * can be installed in any schema (public by default) without our tables
 * cluttering it.  Every table holding user data is marked with
 * pg_extension_config_dump so pg_dump and pg_restore carry it.
 */
CREATE SCHEMA migrate;
COMMENT ON SCHEMA migrate IS 'catalog of the migrate extension: revisions, version rows, run log';

CREATE SEQUENCE migrate.revision_order;
COMMENT ON SEQUENCE migrate.revision_order IS 'registration order of revisions, Alembic''s tie-breaker between branches';

CREATE TABLE migrate.revision (
	id				text PRIMARY KEY,
	registered		bigint NOT NULL DEFAULT pg_catalog.nextval('migrate.revision_order'),
	down_revisions	text[] NOT NULL DEFAULT '{}',
	branch_labels	text[] NOT NULL DEFAULT '{}',
	depends_on		text[] NOT NULL DEFAULT '{}',
	message			text,
	upgrade			text,
	downgrade		text,
	checksum		text NOT NULL,
	is_head			boolean NOT NULL DEFAULT true,
	created_at		timestamptz NOT NULL DEFAULT pg_catalog.now(),
	created_by		name NOT NULL DEFAULT SESSION_USER
);
CREATE UNIQUE INDEX revision_registered_idx ON migrate.revision (registered);
CREATE INDEX revision_id_prefix_idx ON migrate.revision (id text_pattern_ops);
CREATE INDEX revision_heads_idx ON migrate.revision (registered) WHERE is_head;
/* no pending list: registration looks labels up right after inserting */
CREATE INDEX revision_branch_labels_idx ON migrate.revision USING gin (branch_labels)
	WITH (fastupdate = off);
CREATE INDEX revision_down_revisions_idx ON migrate.revision USING gin (down_revisions)
	WITH (fastupdate = off);
COMMENT ON TABLE migrate.revision IS 'registered revisions: the revision graph and each revision''s scripts';
COMMENT ON COLUMN migrate.revision.registered IS 'registration order';
COMMENT ON COLUMN migrate.revision.checksum IS 'SHA-256 of parents, labels, dependencies and both scripts';
COMMENT ON COLUMN migrate.revision.is_head IS 'no other revision has this one as a down revision (maintained at registration)';

CREATE TABLE migrate.version (
	version_num		text PRIMARY KEY
);
COMMENT ON TABLE migrate.version IS 'applied heads, with the semantics of Alembic''s alembic_version table';

CREATE TABLE migrate.applied (
	revision		text PRIMARY KEY,
	checksum		text NOT NULL,
	applied_at		timestamptz NOT NULL,
	run_id			bigint NOT NULL
);
COMMENT ON TABLE migrate.applied IS 'when each applied revision ran, and the checksum of what ran';

CREATE SEQUENCE migrate.run_id_seq;
CREATE TABLE migrate.run (
	run_id			bigint PRIMARY KEY DEFAULT pg_catalog.nextval('migrate.run_id_seq'),
	operation		text NOT NULL,
	target			text,
	status			text NOT NULL,
	steps			integer NOT NULL DEFAULT 0,
	role_name		name NOT NULL DEFAULT CURRENT_USER,
	application_name text,
	backend_pid		integer NOT NULL DEFAULT pg_catalog.pg_backend_pid(),
	started_at		timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
	finished_at		timestamptz,
	error			text,
	CHECK (operation OPERATOR(pg_catalog.=) ANY (ARRAY['upgrade', 'downgrade', 'stamp'])),
	CHECK (status OPERATOR(pg_catalog.=) ANY (ARRAY['running', 'succeeded', 'failed']))
);
ALTER SEQUENCE migrate.run_id_seq OWNED BY migrate.run.run_id;
COMMENT ON TABLE migrate.run IS 'one row per migration run';

CREATE TABLE migrate.run_step (
	run_id			bigint NOT NULL,
	step			integer NOT NULL,
	direction		text NOT NULL,
	revision		text NOT NULL,
	from_revisions	text[] NOT NULL,
	to_revisions	text[] NOT NULL,
	status			text NOT NULL,
	started_at		timestamptz NOT NULL,
	finished_at		timestamptz,
	error			text,
	PRIMARY KEY (run_id, step)
);
COMMENT ON TABLE migrate.run_step IS 'one row per step of a migration run';

/*
 * Bumped, from a sequence so that a value is never reused, by every change
 * to the revision graph: backends cache the parsed graph and reload it when
 * the generation they see differs from the one they cached.
 */
CREATE SEQUENCE migrate.graph_generation_seq;
CREATE TABLE migrate.graph_state (
	singleton		boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	generation		bigint NOT NULL
);
INSERT INTO migrate.graph_state VALUES (true, pg_catalog.nextval('migrate.graph_generation_seq'));
COMMENT ON TABLE migrate.graph_state IS 'generation of the revision graph, for backends'' graph caches';

/*
 * Every run that writes version rows updates this row, so that a runner in
 * a REPEATABLE READ or SERIALIZABLE transaction whose snapshot predates
 * another runner's commit fails with a serialization error instead of
 * acting on a stale version table.
 */
CREATE TABLE migrate.runner (
	singleton		boolean PRIMARY KEY DEFAULT true CHECK (singleton),
	last_run_id		bigint
);
INSERT INTO migrate.runner VALUES (true, NULL);
COMMENT ON TABLE migrate.runner IS 'serialization point of migration runners';

SELECT pg_catalog.pg_extension_config_dump('migrate.revision', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.revision_order', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.version', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.applied', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.run', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.run_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('migrate.run_step', '');

REVOKE ALL ON ALL TABLES IN SCHEMA migrate FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA migrate FROM PUBLIC;
REVOKE ALL ON SCHEMA migrate FROM PUBLIC;

/*
 * Functions.  Every one is C; each switches to the extension owner only
 * around its own catalog reads and writes, and runs revision scripts as the
 * calling user.  Those that change the schema or the catalog are revoked
 * from PUBLIC.
 */
CREATE FUNCTION @extschema@.migrate_revision(
	message text,
	upgrade text DEFAULT NULL,
	downgrade text DEFAULT NULL,
	revision text DEFAULT NULL,
	down_revisions text[] DEFAULT NULL,
	branch_labels text[] DEFAULT NULL,
	depends_on text[] DEFAULT NULL,
	head text DEFAULT NULL,
	splice boolean DEFAULT false)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_revision'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_revision(text, text, text, text, text[], text[], text[], text, boolean)
	IS 'registers a revision, like alembic revision; returns its id';

CREATE FUNCTION @extschema@.migrate_merge(
	revisions text[] DEFAULT ARRAY['heads'],
	message text DEFAULT NULL,
	branch_labels text[] DEFAULT NULL,
	revision text DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_merge'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_merge(text[], text, text[], text)
	IS 'registers a merge revision, like alembic merge; returns its id';

CREATE FUNCTION @extschema@.migrate_upgrade(
	target text DEFAULT 'head',
	dry_run boolean DEFAULT false)
RETURNS TABLE (step integer, direction text, revision text,
			   down_revisions text[], message text, duration interval)
AS 'MODULE_PATHNAME', 'migrate_upgrade'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.migrate_upgrade(text, boolean)
	IS 'upgrades the database to a target revision in this transaction, like alembic upgrade';

CREATE FUNCTION @extschema@.migrate_downgrade(
	target text,
	dry_run boolean DEFAULT false)
RETURNS TABLE (step integer, direction text, revision text,
			   down_revisions text[], message text, duration interval)
AS 'MODULE_PATHNAME', 'migrate_downgrade'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.migrate_downgrade(text, boolean)
	IS 'downgrades the database to a target revision in this transaction, like alembic downgrade';

CREATE FUNCTION @extschema@.migrate_stamp(
	target text,
	purge boolean DEFAULT false)
RETURNS TABLE (revision text)
AS 'MODULE_PATHNAME', 'migrate_stamp'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE ROWS 1;
COMMENT ON FUNCTION @extschema@.migrate_stamp(text, boolean)
	IS 'sets the version rows to a target without running scripts, like alembic stamp; returns the new version rows';

CREATE FUNCTION @extschema@.migrate_current()
RETURNS TABLE (revision text, message text, down_revisions text[],
			   branch_labels text[], is_head boolean, applied_at timestamptz)
AS 'MODULE_PATHNAME', 'migrate_current'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION @extschema@.migrate_current()
	IS 'the version rows, like alembic current';

CREATE FUNCTION @extschema@.migrate_heads()
RETURNS TABLE (revision text, message text, down_revisions text[],
			   branch_labels text[], is_real_head boolean, applied boolean)
AS 'MODULE_PATHNAME', 'migrate_heads'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION @extschema@.migrate_heads()
	IS 'head revisions, like alembic heads';

CREATE FUNCTION @extschema@.migrate_branches()
RETURNS TABLE (revision text, message text, branch_labels text[],
			   next_revisions text[])
AS 'MODULE_PATHNAME', 'migrate_branches'
LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION @extschema@.migrate_branches()
	IS 'branch points, like alembic branches';

CREATE FUNCTION @extschema@.migrate_history(range text DEFAULT NULL)
RETURNS TABLE (revision text, down_revisions text[], message text,
			   branch_labels text[], depends_on text[], is_head boolean,
			   is_branch_point boolean, is_merge_point boolean,
			   is_current boolean, applied boolean, applied_at timestamptz,
			   created_at timestamptz)
AS 'MODULE_PATHNAME', 'migrate_history'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.migrate_history(text)
	IS 'revisions newest first, optionally within a range, like alembic history';

CREATE FUNCTION @extschema@.migrate_show(revision text)
RETURNS TABLE (revision text, down_revisions text[], next_revisions text[],
			   branch_labels text[], depends_on text[], message text,
			   is_head boolean, is_branch_point boolean,
			   is_merge_point boolean, applied boolean,
			   applied_at timestamptz, upgrade text, downgrade text,
			   checksum text, created_at timestamptz, created_by name)
AS 'MODULE_PATHNAME', 'migrate_show'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.migrate_show(text)
	IS 'one or more revisions in full, like alembic show';

CREATE FUNCTION @extschema@.migrate_check(
	desired text DEFAULT NULL,
	schema text DEFAULT 'public')
RETURNS void
AS 'MODULE_PATHNAME', 'migrate_check'
LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.migrate_check(text, text)
	IS 'fails unless the database is at head with unchanged scripts and, given desired DDL, the schema matches it, like alembic check';

CREATE FUNCTION @extschema@.migrate_upgrade_sql(target text DEFAULT 'head')
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_upgrade_sql'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.migrate_upgrade_sql(text)
	IS 'the script an upgrade would run, version table updates included, like alembic upgrade --sql';

CREATE FUNCTION @extschema@.migrate_downgrade_sql(target text)
RETURNS text
AS 'MODULE_PATHNAME', 'migrate_downgrade_sql'
LANGUAGE C STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.migrate_downgrade_sql(text)
	IS 'the script a downgrade would run, version table updates included, like alembic downgrade --sql';

/*
 * Schema diff and autogenerate: the desired schema as plain DDL, compared
 * with the database through the system catalogs.
 */
CREATE FUNCTION @extschema@.migrate_diff(from_schema text, to_schema text)
RETURNS TABLE (upgrade text, downgrade text)
AS 'MODULE_PATHNAME', 'migrate_diff'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@.migrate_diff(text, text) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.migrate_diff(text, text) IS
'script turning schema from_schema into to_schema, and back';

CREATE FUNCTION @extschema@.migrate_autogenerate(message text, desired text,
	schema text DEFAULT 'public', register boolean DEFAULT true)
RETURNS TABLE (revision text, upgrade text, downgrade text)
AS 'MODULE_PATHNAME', 'migrate_autogenerate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
REVOKE ALL ON FUNCTION @extschema@.migrate_autogenerate(text, text, text, boolean) FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.migrate_autogenerate(text, text, text, boolean) IS
'diff a schema against desired DDL run in a throwaway shadow and register the result as a new revision';

REVOKE ALL ON FUNCTION @extschema@.migrate_revision(text, text, text, text, text[], text[], text[], text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_merge(text[], text, text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_upgrade(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_downgrade(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_stamp(text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_show(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_upgrade_sql(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_downgrade_sql(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION @extschema@.migrate_check(text, text) FROM PUBLIC;
