-- Schema diff and autogenerate (src/diff.c, src/diff_catalog.c, src/shadow.c).

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
