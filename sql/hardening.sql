-- Inputs of any size: bounded messages, near-linear checks that answer
-- cancel; replacing and re-merging revisions as a redeploy does
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

-- a 1 MB input is echoed as a short prefix, on a character boundary
SELECT migrate_revision('x', NULL, NULL, revision => repeat('a', 1024 * 1024));
SELECT migrate_revision('x', NULL, NULL, revision => repeat('é', 512 * 1024));
SELECT migrate_revision('x', NULL, NULL, revision => 'h1', down_revisions => ARRAY[repeat('b', 1024 * 1024)]);
SELECT migrate_revision('x', NULL, NULL, revision => 'h1', down_revisions => '{}',
						depends_on => ARRAY[repeat('c', 1024 * 1024)]);
SELECT migrate_revision('x', NULL, NULL, revision => 'h1', down_revisions => '{}',
						branch_labels => ARRAY[repeat('d', 1024 * 1024)]);
SELECT migrate_revision('x', NULL, NULL, revision => 'h1',
						down_revisions => ARRAY[repeat('e', 1024 * 1024), repeat('e', 1024 * 1024)]);
SELECT * FROM migrate_upgrade(repeat('f', 1024 * 1024));
SELECT * FROM migrate_show(repeat('g', 1024 * 1024));
SELECT migrate_merge(ARRAY[repeat('h', 1024 * 1024)]);
SELECT length(x.m) < 300 AS short_message
  FROM (SELECT migrate_revision('x', NULL, NULL, revision => repeat('i', 1024 * 1024)) AS m) x;
DO $$
BEGIN
	PERFORM migrate_revision('x', NULL, NULL, revision => repeat('i', 1024 * 1024));
EXCEPTION WHEN invalid_parameter_value THEN
	RAISE NOTICE 'message of % bytes', octet_length(SQLERRM);
END
$$;

-- 100,000-element arrays are checked in well under the timeout
SET statement_timeout = '5s';
SELECT migrate_revision('x', NULL, NULL, revision => 'h1',
						down_revisions => (SELECT array_agg('p' || g) FROM generate_series(1, 100000) g) || ARRAY['p50000']);
SELECT migrate_revision('x', NULL, NULL, revision => 'h1', down_revisions => '{}',
						depends_on => (SELECT array_agg('p' || g) FROM generate_series(1, 100000) g) || ARRAY['p7']);
SELECT migrate_revision('x', NULL, NULL, revision => 'h1', down_revisions => '{}',
						branch_labels => (SELECT array_agg('l' || g) FROM generate_series(1, 100000) g) || ARRAY['l9']);
SELECT migrate_revision('x', NULL, NULL, revision => 'h1',
						down_revisions => (SELECT array_agg('p' || g) FROM generate_series(1, 100000) g));
RESET statement_timeout;

-- replacing an unapplied revision with down_revisions given
SELECT migrate_revision('base', 'SELECT 1;', '', revision => 'h1', down_revisions => '{}');
SELECT migrate_revision('side a', 'SELECT 2;', '', revision => 'h2', down_revisions => '{h1}');
SELECT migrate_revision('side b', 'SELECT 3;', '', revision => 'h3', down_revisions => '{h1}');
SELECT migrate_revision('side b, moved', 'SELECT 3;', '', revision => 'h3', down_revisions => '{h2}');
SELECT revision, down_revisions, is_head FROM migrate_history() ORDER BY revision;
SELECT migrate_revision('side b, back', 'SELECT 3;', '', revision => 'h3', down_revisions => '{h1}');
SELECT revision, down_revisions, is_head FROM migrate_history() ORDER BY revision;

-- a merge pushed again is a no-op, whether its parents are still heads or not
SELECT migrate_merge(ARRAY['h2', 'h3'], 'merge', revision => 'hm');
SELECT migrate_merge(ARRAY['h2', 'h3'], 'merge', revision => 'hm');
SELECT migrate_merge(ARRAY['h3', 'h2'], 'merge', revision => 'hm');
SELECT step, revision FROM migrate_upgrade('heads');
SELECT migrate_merge(ARRAY['h2', 'h3'], 'merge', revision => 'hm');
SELECT revision, down_revisions FROM migrate_heads();
-- but other parents are still an error
SELECT migrate_merge(ARRAY['h1', 'h3'], 'merge', revision => 'hm');
SELECT migrate_merge(ARRAY['h2', 'h2'], 'merge', revision => 'hm2');
-- and so is an identical revision registered again: a no-op
SELECT migrate_revision('side a', 'SELECT 2;', '', revision => 'h2', down_revisions => '{h1}');
SELECT count(*) FROM migrate_history();

-- A script's error comes back with each of its texts cut to 8 kB: a
-- 40 MB literal that fails to convert echoes itself in the message and
-- again as the query, and copying, logging and sending 80 MB outran a 1 s
-- statement_timeout by 6 s (test/fuzz_sql; 1.6 s in all now)
SELECT migrate_revision('huge literal', 'SELECT ''' || repeat('x', 100000) || '''::pg_catalog.int4', NULL,
						revision => 'hl1', down_revisions => '{hm}');
DO $$
DECLARE
  m text;
BEGIN
  BEGIN
    PERFORM migrate_upgrade('hl1');
  EXCEPTION WHEN invalid_text_representation THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
    RAISE NOTICE 'upgrade: % bytes of message, ending in %', octet_length(m), right(m, 6);
  END;
  BEGIN
    PERFORM migrate_lint_measure('hl1');
  EXCEPTION WHEN invalid_text_representation THEN
    GET STACKED DIAGNOSTICS m = MESSAGE_TEXT;
    RAISE NOTICE 'lint measure: % bytes of message, ending in %', octet_length(m), right(m, 6);
  END;
END$$;
SELECT revision FROM migrate_current();

-- A merge of 5,000 branches: planning its upgrade checked each parent
-- against every row, comparing each row with every parent (cubic), ~34 s of
-- pure C past any statement_timeout; now the other rows' ancestors are
-- marked once per merge (milliseconds)
DROP EXTENSION migrate;
CREATE EXTENSION migrate;
SET statement_timeout = '20s';
SELECT count(*) FROM migrate_push((SELECT jsonb_agg(jsonb_build_object(
	'revision', 'w' || i,
	'down_revisions', CASE WHEN i = 0 THEN '[]'::jsonb ELSE '["w0"]'::jsonb END))
	FROM generate_series(0, 5000) i));
SELECT migrate_merge((SELECT array_agg('w' || i) FROM generate_series(1, 5000) i), 'merge all',
					 revision => 'wm');
SELECT count(*) AS steps FROM migrate_upgrade_sql('heads');
SET client_min_messages = warning;	-- a NOTICE per step
SELECT count(*) AS applied FROM migrate_upgrade('heads');
RESET client_min_messages;
SELECT revision FROM migrate_current();
RESET statement_timeout;

DROP EXTENSION migrate;
