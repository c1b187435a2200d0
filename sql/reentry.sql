-- The API called from inside revision scripts: reads and registrations work
-- and leave the outer run intact; a nested run is refused clearly; errors
-- caught inside scripts leave nothing dangling
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

-- a script registers a revision, then reads the graph: the outer run keeps
-- the graph it planned with (its NOTICE lines name the right parents)
SELECT migrate_revision('one', 'SELECT 1;', '', revision => 'r1', down_revisions => '{}');
SELECT migrate_revision('two', $s$
SELECT migrate_revision('late', NULL, NULL, revision => 'r9', down_revisions => '{r3}');
DO $$BEGIN RAISE NOTICE 'heads from inside: %', (SELECT string_agg(revision, ', ') FROM migrate_heads()); END$$;
DO $$BEGIN RAISE NOTICE 'current from inside: %', (SELECT string_agg(revision, ', ') FROM migrate_current()); END$$;
DO $$BEGIN RAISE NOTICE 'history from inside: %', (SELECT string_agg(revision, ', ') FROM migrate_history()); END$$;
$s$, '', revision => 'r2');
SELECT migrate_revision('three', 'SELECT 3;', '', revision => 'r3');
SELECT step, revision, down_revisions FROM migrate_upgrade('r3');
SELECT revision FROM migrate_current();
SELECT revision FROM migrate_heads();
SELECT step, revision, down_revisions FROM migrate_upgrade('heads');

-- a nested run is refused, whatever the operation
SELECT migrate_revision('nested', 'SELECT count(*) FROM migrate_upgrade(''heads'');', '',
						revision => 'r4');
SELECT * FROM migrate_upgrade('heads');
\set VERBOSITY sqlstate
SELECT * FROM migrate_upgrade('heads');
\set VERBOSITY default
SELECT migrate_revision('nested', 'SELECT count(*) FROM migrate_stamp(''r1'');', '',
						revision => 'r4');
SELECT * FROM migrate_upgrade('heads');
SELECT migrate_revision('nested', 'SELECT count(*) FROM migrate_downgrade(''base'', dry_run => true);', '',
						revision => 'r4');
SELECT * FROM migrate_upgrade('heads');
-- caught inside the script, with a later statement failing
SELECT migrate_revision('nested', $s$
DO $$BEGIN
	PERFORM * FROM migrate_upgrade('heads');
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	RAISE NOTICE 'refused: %', SQLERRM;
END$$;
SELECT 1/0;
$s$, '', revision => 'r4');
SELECT * FROM migrate_upgrade('heads');
SELECT revision FROM migrate_current();

-- a failing 40 MB statement caught by an exception block, then another
-- error: the second error report must not read the first statement's text
SELECT migrate_revision('big', 'SELECT 1/0 WHERE ''' || repeat('x', 40 * 1024 * 1024) || ''' <> '''';',
						'', revision => 'r5', down_revisions => '{r9}');
DO $$
BEGIN
	BEGIN
		PERFORM * FROM migrate_upgrade('r5');
	EXCEPTION WHEN division_by_zero THEN
		RAISE NOTICE 'caught: %', SQLERRM;
	END;
	PERFORM 1/0;
END
$$;
SELECT 'still connected' AS alive;
-- and the same from a script inside a run
SELECT migrate_revision('big caller', $s$
DO $$BEGIN
	BEGIN
		PERFORM migrate_revision('never', 'SELECT 1/0 WHERE ''' || repeat('y', 40 * 1024 * 1024) || ''' <> '''';',
								 '', revision => 'bad id');
	EXCEPTION WHEN invalid_parameter_value THEN
		RAISE NOTICE 'caught an invalid id';
	END;
END$$;
SELECT 1/0;
$s$, '', revision => 'r6', down_revisions => '{r9}');
SELECT * FROM migrate_upgrade('r6');
SELECT 'still connected' AS alive;

DROP EXTENSION migrate;
