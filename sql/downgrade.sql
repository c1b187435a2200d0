-- migrate_downgrade(): relative and absolute targets, missing scripts, merges
CREATE EXTENSION migrate;

SELECT migrate_revision('one', 'CREATE TABLE d1 (id int);', 'DROP TABLE d1;', revision => 'a1');
SELECT migrate_revision('two', 'CREATE TABLE d2 (id int);', 'DROP TABLE d2;', revision => 'b2');
SELECT migrate_revision('three', 'CREATE TABLE d3 (id int);', 'DROP TABLE d3;', revision => 'c3');
SELECT count(*) FROM migrate_upgrade('head');

SELECT step, direction, revision, down_revisions, message FROM migrate_downgrade('-1');
SELECT version_num FROM migrate.version;
SELECT to_regclass('d3') AS d3;
SELECT step, direction, revision FROM migrate_downgrade('base');
SELECT count(*) AS version_rows FROM migrate.version;
SELECT count(*) AS applied_rows FROM migrate.applied;
SELECT to_regclass('d1') AS d1;

-- going down through a revision without a downgrade script is refused
SELECT count(*) FROM migrate_upgrade('head');
SELECT migrate_revision('irreversible', 'CREATE TABLE d4 (id int);', revision => 'd4');
SELECT count(*) FROM migrate_upgrade('head');
SELECT * FROM migrate_downgrade('c3');
\echo :LAST_ERROR_SQLSTATE
SELECT version_num FROM migrate.version;

-- dry run of a downgrade
SELECT step, direction, revision FROM migrate_downgrade('b2', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_revision('irreversible', 'CREATE TABLE d4 (id int);', 'DROP TABLE d4;', revision => 'd4');
SELECT step, direction, revision FROM migrate_downgrade('b2', dry_run => true);
SELECT version_num FROM migrate.version;

-- downgrade across a merge point unmerges into both parents
SELECT migrate_revision('left', 'CREATE TABLE d_left (id int);', 'DROP TABLE d_left;',
                        revision => 'l5', down_revisions => '{d4}');
SELECT migrate_revision('right', 'CREATE TABLE d_right (id int);', 'DROP TABLE d_right;',
                        revision => 'r5', down_revisions => '{d4}');
SELECT migrate_merge(ARRAY['heads'], 'merge left and right', revision => 'm6');
SELECT step, direction, revision FROM migrate_upgrade('head');
SELECT version_num FROM migrate.version;
-- "-1" from a merge point is ambiguous (Alembic: "Ambiguous walk")
SELECT step, direction, revision FROM migrate_downgrade('-1');
\echo :LAST_ERROR_SQLSTATE
SELECT step, direction, revision FROM migrate_downgrade('l5');
SELECT version_num FROM migrate.version ORDER BY 1;
SELECT step, direction, revision FROM migrate_downgrade('l5@-1');
SELECT version_num FROM migrate.version ORDER BY 1;
SELECT step, direction, revision FROM migrate_downgrade('d4');
SELECT version_num FROM migrate.version ORDER BY 1;

-- a downgrade target above the current version is refused
SELECT * FROM migrate_downgrade('m6');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_downgrade(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_downgrade('');
\echo :LAST_ERROR_SQLSTATE

SELECT count(*) FROM migrate_downgrade('base');
DROP EXTENSION migrate;
