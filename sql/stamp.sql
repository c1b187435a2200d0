-- migrate_stamp(): version rows without running scripts
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

SELECT migrate_revision('one', 'CREATE TABLE s1 (id int);', 'DROP TABLE s1;', revision => 'a1', down_revisions => '{}');
SELECT migrate_revision('two', 'CREATE TABLE s2 (id int);', 'DROP TABLE s2;', revision => 'b2');
SELECT migrate_revision('three', 'CREATE TABLE s3 (id int);', 'DROP TABLE s3;', revision => 'c3');
SELECT migrate_revision('branch', 'CREATE TABLE s4 (id int);', 'DROP TABLE s4;', revision => 'd4', down_revisions => '{a1}');

SELECT * FROM migrate_stamp('b2');
SELECT to_regclass('s1') AS s1, to_regclass('s2') AS s2;
SELECT * FROM migrate_stamp('heads');
SELECT * FROM migrate_stamp('c3');
SELECT * FROM migrate_stamp('d4');
SELECT * FROM migrate_stamp('base');
SELECT * FROM migrate_stamp('heads');
SELECT * FROM migrate_stamp('a1', purge => true);
SELECT * FROM migrate_stamp('base', purge => true);
SELECT operation, target, steps FROM migrate.run ORDER BY run_id;

-- stamping then upgrading runs only what is above the stamp
SELECT * FROM migrate_stamp('b2');
SELECT step, revision FROM migrate_upgrade('c3');
SELECT to_regclass('s3') AS s3, to_regclass('s2') AS s2;

-- purge resets rows that name revisions nobody knows
INSERT INTO migrate.version VALUES ('ghost');
SELECT * FROM migrate_stamp('c3');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_stamp('c3', purge => true);

SELECT * FROM migrate_stamp('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_stamp(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_stamp('heads', purge => NULL);
\echo :LAST_ERROR_SQLSTATE

DROP TABLE s3;
DROP EXTENSION migrate;
