-- migrate_check(): the CI gate
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

-- an empty project is at head
SELECT migrate_check();

SELECT migrate_revision('one', 'CREATE TABLE c1 (id int);', 'DROP TABLE c1;', revision => 'a1', down_revisions => '{}');
SELECT migrate_revision('two', 'CREATE TABLE c2 (id int);', 'DROP TABLE c2;', revision => 'b2');
SELECT migrate_check();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM migrate_upgrade('a1');
SELECT migrate_check();
\echo :LAST_ERROR_SQLSTATE
SELECT count(*) FROM migrate_upgrade('heads');
SELECT migrate_check();

-- an applied revision's script edited behind our back
UPDATE migrate.revision SET upgrade = 'CREATE TABLE c1 (id bigint);',
       checksum = 'edited' WHERE id = 'a1';
SELECT migrate_check();
\echo :LAST_ERROR_SQLSTATE
-- changing an applied revision through the API is refused
SELECT migrate_revision('two', 'CREATE TABLE c2 (id bigint);', 'DROP TABLE c2;', revision => 'b2');
\echo :LAST_ERROR_SQLSTATE
-- its message and downgrade may still be corrected
SELECT migrate_revision('two, renamed', 'CREATE TABLE c2 (id int);', 'DROP TABLE IF EXISTS c2;', revision => 'b2');
SELECT message, downgrade FROM migrate.revision WHERE id = 'b2';
UPDATE migrate.revision SET upgrade = 'CREATE TABLE c1 (id int);' WHERE id = 'a1';
UPDATE migrate.revision r SET checksum = a.checksum FROM migrate.applied a WHERE a.revision = r.id AND r.id = 'a1';
SELECT migrate_check();

-- a graph broken behind our back (a parent removed) is reported
UPDATE migrate.revision SET down_revisions = '{zz}' WHERE id = 'b2';
UPDATE migrate.graph_state SET generation = nextval('migrate.graph_generation_seq');
SELECT migrate_check();
\echo :LAST_ERROR_SQLSTATE
UPDATE migrate.revision SET down_revisions = '{a1}' WHERE id = 'b2';
UPDATE migrate.graph_state SET generation = nextval('migrate.graph_generation_seq');
SELECT migrate_check();

-- a version row naming an unknown revision
INSERT INTO migrate.version VALUES ('ghost');
SELECT migrate_check();
\echo :LAST_ERROR_SQLSTATE
DELETE FROM migrate.version WHERE version_num = 'ghost';

SELECT count(*) FROM migrate_downgrade('base');
DROP EXTENSION migrate;
