-- Looking around: current, heads, branches, history (with ranges), show
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

SELECT migrate_revision('base', 'SELECT 1;', '', revision => 'a1', down_revisions => '{}');
SELECT migrate_revision('second', 'SELECT 2;', '', revision => 'b2', down_revisions => '{a1}');
SELECT migrate_revision('left', 'SELECT 3;', '', revision => 'c3', down_revisions => '{b2}', branch_labels => '{left}');
SELECT migrate_revision('right', 'SELECT 4;', '', revision => 'd4', down_revisions => '{b2}');
SELECT migrate_revision('left more', 'SELECT 5;', '', revision => 'e5', down_revisions => '{c3}');
SELECT migrate_merge(ARRAY['e5', 'd4'], 'merge', revision => 'f6');
SELECT migrate_revision('after merge', 'SELECT 6;', '', revision => 'g7');

SELECT revision, down_revisions, message, branch_labels, is_head, is_branch_point,
       is_merge_point, is_current, applied
  FROM migrate_history();
SELECT * FROM migrate_branches();
SELECT revision, message, down_revisions, branch_labels, is_real_head, applied FROM migrate_heads();
SELECT * FROM migrate_current();

SELECT count(*) FROM migrate_upgrade('e5');
SELECT revision, message, down_revisions, branch_labels, is_head, applied_at IS NOT NULL AS has_time
  FROM migrate_current();
SELECT revision, is_current, applied, applied_at IS NOT NULL AS has_time FROM migrate_history();

-- ranges, as alembic history -r
SELECT revision FROM migrate_history('b2:f6');
SELECT revision FROM migrate_history('c3:');
SELECT revision FROM migrate_history(':c3');
SELECT revision FROM migrate_history('current:');
SELECT revision FROM migrate_history(':current');
SELECT revision FROM migrate_history('base:heads');
SELECT revision FROM migrate_history('-1:');
SELECT revision FROM migrate_history('-2:current');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_history('');
SELECT revision FROM migrate_history('d4:e5');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_history('x:');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_history('a:b:c');
\echo :LAST_ERROR_SQLSTATE

-- show: one revision, a partial id, a symbol
SELECT revision, down_revisions, next_revisions, branch_labels, depends_on, message, is_head,
       is_branch_point, is_merge_point, applied, upgrade, downgrade, length(checksum) AS checksum_length
  FROM migrate_show('b2');
SELECT revision, applied FROM migrate_show('heads');
SELECT revision FROM migrate_show('left@head');
SELECT revision FROM migrate_show('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT revision FROM migrate_show(NULL);
\echo :LAST_ERROR_SQLSTATE

-- a version row naming an unknown revision is reported, not ignored
INSERT INTO migrate.version VALUES ('ghost');
SELECT * FROM migrate_current();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM migrate.version WHERE version_num = 'ghost';

SELECT count(*) FROM migrate_downgrade('base');
DROP EXTENSION migrate;
