-- Bad input of every kind gets a clear error and leaves nothing behind
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

SELECT migrate_revision(NULL, NULL, NULL, 'n1', '{}');
SELECT migrate_revision('huge message ' || repeat('x', 1000000), NULL, NULL, 'n2', '{n1}') IS NOT NULL AS ok;
SELECT length(message) FROM migrate.revision WHERE id = 'n2';
SELECT migrate_revision('odd bytes', E'SELECT \'\\u00e9\\u4e2d\';', '', 'n3', '{n2}');
-- Alembic forbids only @ - + : in ids; other characters, non-ASCII ones too, are fine
SELECT migrate_revision('m', 'SELECT 1;', revision => E'caf\u00e9', down_revisions => '{n3}');
SELECT migrate_revision('m', 'SELECT 1;', revision => 'x', down_revisions => '{""}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'x', down_revisions => '{n3}', depends_on => '{n1,n1}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'x', down_revisions => '{n3}', branch_labels => '{l,l}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'x', head => '');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'x', head => 'nope');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_merge(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_merge('{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_merge(ARRAY['nope', 'n3']);
\echo :LAST_ERROR_SQLSTATE
SET client_min_messages = warning;  -- the huge message would be echoed
SELECT count(*) FROM migrate_upgrade('heads');
RESET client_min_messages;
SELECT * FROM migrate_downgrade('n1+5');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_downgrade('-99');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('+99');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_history(repeat(':', 1000));
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_history() ORDER BY 1;
SELECT version_num FROM migrate.version;

-- the catalog needs the extension
DROP EXTENSION migrate;
CREATE SCHEMA migrate_elsewhere;
CREATE EXTENSION migrate SCHEMA migrate_elsewhere;
SELECT migrate_elsewhere.migrate_revision('in another schema', 'SELECT 1;', '', 'q1');
SELECT revision FROM migrate_elsewhere.migrate_heads();
DROP EXTENSION migrate;
DROP SCHEMA migrate_elsewhere;
