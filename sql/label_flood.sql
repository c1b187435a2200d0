-- A revision may carry any number of branch labels.  Building the graph
-- gives every descendant its ancestors' labels and checks each label set
-- for duplicates through a hash, not a scan per label: with 100,000 labels
-- the scan took minutes in pure graph code, where neither statement_timeout
-- nor a server shutdown could stop it.  The 100,000 labels are turned
-- into a List by halves: appended one by one, they took 57 s on
-- test/memcheck's server, whose Lists move every cell on each append.
CREATE EXTENSION migrate;
SET statement_timeout = '20s';	-- minutes before the fixes; under 1 s per statement on a release or assert build
SELECT migrate_revision('many labels', NULL, NULL, revision => 'lf1', down_revisions => '{}',
						branch_labels => (SELECT array_agg('lab' || g) FROM generate_series(1, 100000) g));
SELECT migrate_revision('child', NULL, NULL, revision => 'lf2', down_revisions => '{lf1}');
SELECT migrate_revision('grandchild', NULL, NULL, revision => 'lf3', down_revisions => '{lf2}');
-- every label reaches the whole unforked line, once
SELECT revision, cardinality(branch_labels) AS labels FROM migrate_heads();
SELECT count(*) FROM migrate_upgrade('lab99999');
SELECT revision FROM migrate_current();
-- A second revision with 100,000 labels of its own: each new label is
-- looked up among the existing ones through one hashed lookup, not a query per
-- label (6 s for the first revision, minutes for this one before the fix).
SELECT migrate_revision('more labels', NULL, NULL, revision => 'lf4', down_revisions => '{lf3}',
						branch_labels => (SELECT array_agg('more' || g) FROM generate_series(1, 100000) g));
-- a clash is still found, the first in the caller's order reported
SELECT migrate_revision('clash', NULL, NULL, revision => 'lf5', down_revisions => '{lf4}',
						branch_labels => (SELECT array_agg('new' || g) FROM generate_series(1, 100000) g)
										 || '{more7,lab100000}'::text[]);
SELECT migrate_revision('clash', NULL, NULL, revision => 'lf5', down_revisions => '{lf4}',
						branch_labels => '{new1,lf2}');
RESET statement_timeout;

-- A chain with a label on each revision gives every revision every label
-- (Alembic's rule): n^2 label copies.  Building those sets made a fresh hash
-- per revision reached and never freed it: a 1,000-revision chain took
-- 24 GB and the server was OOM-killed on the next read of the graph.  Now
-- 1,000 take a fraction of a second; past 2,000,000 copies the graph is
-- refused with 54000 and nothing of the push is registered.
DROP EXTENSION migrate;
CREATE EXTENSION migrate;
SET statement_timeout = '20s';
SELECT count(*) FROM migrate_push((SELECT jsonb_agg(jsonb_build_object(
	'revision', 'c' || i,
	'down_revisions', CASE WHEN i = 1 THEN '[]'::jsonb ELSE jsonb_build_array('c' || (i - 1)) END,
	'branch_labels', jsonb_build_array('cl' || i))) FROM generate_series(1, 1000) i));
SELECT revision, cardinality(branch_labels) AS labels, branch_labels[1] AS first, branch_labels[1000] AS last
FROM migrate_heads();
SELECT revision, cardinality(branch_labels) AS labels FROM migrate_show('c1');
SELECT count(*) FROM migrate_push((SELECT jsonb_agg(jsonb_build_object(
	'revision', 'd' || i,
	'down_revisions', CASE WHEN i = 1 THEN '[]'::jsonb ELSE jsonb_build_array('d' || (i - 1)) END,
	'branch_labels', jsonb_build_array('dl' || i))) FROM generate_series(1, 1500) i));
SELECT count(*) AS registered FROM migrate_history();
RESET statement_timeout;

DROP EXTENSION migrate;
