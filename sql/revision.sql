-- Registering revisions: ids, parents, labels, dependencies, idempotence
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

-- a generated id is 12 hex digits; the first revision is a base
SELECT migrate_revision('first') ~ '^[0-9a-f]{12}$' AS generated_id_ok;
SELECT count(*) AS bases FROM migrate.revision WHERE down_revisions = '{}';
TRUNCATE migrate.revision;
UPDATE migrate.graph_state SET generation = nextval('migrate.graph_generation_seq');

-- explicit ids; NULL down_revisions means "on top of the current head"
SELECT migrate_revision('create customers', 'CREATE TABLE customers (id int PRIMARY KEY);',
                        'DROP TABLE customers;', revision => 'a1');
SELECT migrate_revision('create orders', 'CREATE TABLE orders (id int PRIMARY KEY);',
                        'DROP TABLE orders;', revision => 'b2');
SELECT id, down_revisions, is_head FROM migrate.revision ORDER BY registered;

-- pushing the same revision again is a no-op returning its id
SELECT migrate_revision('create orders', 'CREATE TABLE orders (id int PRIMARY KEY);',
                        'DROP TABLE orders;', revision => 'b2');
SELECT migrate_revision('create orders', 'CREATE TABLE orders (id int PRIMARY KEY);',
                        'DROP TABLE orders;', revision => 'b2', down_revisions => '{a1}');
SELECT count(*) FROM migrate.revision;

-- new content for an unapplied revision replaces it
SELECT migrate_revision('create orders', 'CREATE TABLE orders (id bigint PRIMARY KEY);',
                        'DROP TABLE orders;', revision => 'b2');
SELECT upgrade FROM migrate.revision WHERE id = 'b2';

-- '{}' starts a new base; now there are two heads
SELECT migrate_revision('audit log', 'CREATE TABLE audit (id int);', 'DROP TABLE audit;',
                        revision => 'x1', down_revisions => '{}', branch_labels => '{audit}');
SELECT revision, down_revisions, branch_labels FROM migrate_heads() ORDER BY revision;

-- with two heads, "on top of the head" is ambiguous
SELECT migrate_revision('no place', 'SELECT 1;');
\echo :LAST_ERROR_SQLSTATE
-- head picks one, by id or label@head
SELECT migrate_revision('audit index', 'CREATE INDEX ON audit (id);', 'DROP INDEX audit_id_idx;',
                        revision => 'x2', head => 'audit@head');
SELECT migrate_revision('more orders', 'ALTER TABLE orders ADD note text;',
                        'ALTER TABLE orders DROP note;', revision => 'b3', head => 'b2');
-- a non-head needs splice
SELECT migrate_revision('side branch', 'SELECT 1;', revision => 'b4', head => 'b2');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('side branch', 'SELECT 1;', '', revision => 'b4', head => 'b2', splice => true);
SELECT id, down_revisions, is_head FROM migrate.revision ORDER BY registered;

-- depends_on: ids, unique prefixes (resolved) and labels (kept)
SELECT migrate_revision('needs audit', 'SELECT 1;', '', revision => 'c5', down_revisions => '{b3}',
                        depends_on => '{audit}');
SELECT migrate_revision('needs x2', 'SELECT 1;', '', revision => 'c6', down_revisions => '{b4}',
                        depends_on => '{x2}');
SELECT id, depends_on FROM migrate.revision WHERE depends_on <> '{}' ORDER BY id;

-- merges
SELECT migrate_merge(ARRAY['c5', 'c6'], 'merge c5 and c6', revision => 'm7');
SELECT id, down_revisions, upgrade IS NULL AS no_script FROM migrate.revision WHERE id = 'm7';
SELECT migrate_merge(ARRAY['m7'], 'merge of one');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_merge(ARRAY['b2', 'x2'], 'not heads');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_merge(ARRAY['m7', 'x2'], 'everything', revision => 'm8', branch_labels => '{release1}');
SELECT revision, down_revisions, branch_labels FROM migrate_heads();

-- rejected: unknown parent, self parent, unknown dependency, duplicates
SELECT migrate_revision('orphan', 'SELECT 1;', revision => 'o1', down_revisions => '{nope}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('self', 'SELECT 1;', revision => 'o2', down_revisions => '{o2}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('bad dep', 'SELECT 1;', revision => 'o3', down_revisions => '{m8}', depends_on => '{zzz}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('ambiguous dep', 'SELECT 1;', revision => 'o4', down_revisions => '{m8}', depends_on => '{b}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('dup label', 'SELECT 1;', revision => 'o5', down_revisions => '{m8}', branch_labels => '{audit}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('label is an id', 'SELECT 1;', revision => 'o6', down_revisions => '{m8}', branch_labels => '{a1}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('id is a label', 'SELECT 1;', revision => 'audit', down_revisions => '{m8}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('dup parents', 'SELECT 1;', revision => 'o7', down_revisions => '{m8,m8}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('both', 'SELECT 1;', revision => 'o8', down_revisions => '{m8}', head => 'm8');
\echo :LAST_ERROR_SQLSTATE

-- replacing an unapplied revision must not close a cycle
SELECT migrate_revision('create customers', 'CREATE TABLE customers (id int PRIMARY KEY);',
                        'DROP TABLE customers;', revision => 'a1', down_revisions => '{b2}');
\echo :LAST_ERROR_SQLSTATE
SELECT id, down_revisions FROM migrate.revision WHERE id = 'a1';

-- ids Alembic forbids, and ours
SELECT migrate_revision('m', 'SELECT 1;', revision => 'a@b', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'a-b', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'a+b', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'a:b', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'a b', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'heads', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => '', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => repeat('a', 300), down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => E'a\tb', down_revisions => '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'ok1', down_revisions => '{}', branch_labels => '{"bad label"}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'ok1', down_revisions => ARRAY[NULL]::text[]);
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'ok1', down_revisions => '{{a},{b}}');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('m', 'SELECT 1;', revision => 'ok1', splice => NULL);
\echo :LAST_ERROR_SQLSTATE

-- nothing half-done: every failure above left the catalog as it was
SELECT count(*) AS revisions FROM migrate.revision;
SELECT revision FROM migrate_heads();

DROP EXTENSION migrate;
