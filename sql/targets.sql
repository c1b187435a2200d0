-- Alembic's target grammar, every form, against a graph with a branch,
-- a labelled branch and a dependency
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

--   ae1027a6acf <- 27c6a30d7c24 <- 1975ea83b712            (main)
--   ae1027a6acf <- 55af2cb1c267 (label "feature") <- 3cac04ae8714
--   d747a8a8879 (base, label "networking") <- 109ec7d132bf,
--   which 1975ea83b712 depends on
SELECT migrate_revision('create account', 'SELECT 1;', '', revision => 'ae1027a6acf', down_revisions => '{}');
SELECT migrate_revision('add a column', 'SELECT 1;', '', revision => '27c6a30d7c24', down_revisions => '{ae1027a6acf}');
SELECT migrate_revision('feature start', 'SELECT 1;', '', revision => '55af2cb1c267', down_revisions => '{ae1027a6acf}', branch_labels => '{feature}');
SELECT migrate_revision('feature more', 'SELECT 1;', '', revision => '3cac04ae8714', down_revisions => '{55af2cb1c267}');
SELECT migrate_revision('networking base', 'SELECT 1;', '', revision => 'd747a8a8879', down_revisions => '{}', branch_labels => '{networking}');
SELECT migrate_revision('networking more', 'SELECT 1;', '', revision => '109ec7d132bf', down_revisions => '{d747a8a8879}');
SELECT migrate_revision('uses networking', 'SELECT 1;', '', revision => '1975ea83b712', down_revisions => '{27c6a30d7c24}', depends_on => '{109ec7d132bf}');

SELECT revision, is_real_head FROM migrate_heads() ORDER BY revision;

-- "head" needs a single head; "heads" takes them all
SELECT * FROM migrate_upgrade('head', dry_run => true);
\echo :LAST_ERROR_SQLSTATE

-- relative upgrades count steps from the current version
SELECT step, revision FROM migrate_upgrade('+1', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT step, revision FROM migrate_upgrade('ae1027a6acf');
SELECT step, revision FROM migrate_upgrade('+1', dry_run => true);
SELECT step, revision FROM migrate_upgrade('ae10+2', dry_run => true);
SELECT step, revision FROM migrate_upgrade('feature@+1', dry_run => true);
SELECT step, revision FROM migrate_upgrade('feature@+2', dry_run => true);
SELECT step, revision FROM migrate_upgrade('feature@head', dry_run => true);
SELECT step, revision FROM migrate_upgrade('networking@head', dry_run => true);
SELECT step, revision FROM migrate_upgrade('27c6@head', dry_run => true);

-- partial ids: unique prefixes resolve; ambiguous ones list candidates
SELECT step, revision FROM migrate_upgrade('27c6', dry_run => true);
SELECT migrate_revision('another 1', 'SELECT 1;', '', revision => '1975ea83b713', down_revisions => '{1975ea83b712}');
SELECT * FROM migrate_upgrade('1975', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('zzzz', dry_run => true);
\echo :LAST_ERROR_SQLSTATE

-- heads, with the dependency pulled in
SELECT step, revision FROM migrate_upgrade('heads');
SELECT version_num FROM migrate.version ORDER BY 1;

-- relative downgrades
SELECT step, revision FROM migrate_downgrade('-1', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT step, revision FROM migrate_downgrade('feature@-1', dry_run => true);
SELECT step, revision FROM migrate_downgrade('3cac04ae8714-1', dry_run => true);
SELECT step, revision FROM migrate_downgrade('feature@base', dry_run => true);
SELECT step, revision FROM migrate_downgrade('networking@base', dry_run => true);
SELECT step, revision FROM migrate_downgrade('feature@-5', dry_run => true);
\echo :LAST_ERROR_SQLSTATE

-- malformed targets
SELECT * FROM migrate_upgrade('+', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('@head', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('nolabel@head', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('feature@', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade(repeat('x', 100000), dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade(E'\x01\x02', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('', dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade(NULL, dry_run => true);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM migrate_upgrade('heads', dry_run => NULL);
\echo :LAST_ERROR_SQLSTATE

SELECT count(*) FROM migrate_downgrade('base');
DROP EXTENSION migrate;
