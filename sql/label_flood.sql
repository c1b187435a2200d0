-- A revision may carry any number of branch labels.  Building the graph
-- gives every descendant its ancestors' labels and checks each label set
-- for duplicates through a hash, not a scan per label: with 100,000 labels
-- the scan took minutes in pure graph code, where neither statement_timeout
-- nor a server shutdown could stop it.
CREATE EXTENSION migrate;
SET statement_timeout = '60s';	-- minutes before the fix; 1 s on a release build, 10 s on an assert build
SELECT migrate_revision('many labels', NULL, NULL, revision => 'lf1', down_revisions => '{}',
						branch_labels => (SELECT array_agg('lab' || g) FROM generate_series(1, 100000) g));
SELECT migrate_revision('child', NULL, NULL, revision => 'lf2', down_revisions => '{lf1}');
SELECT migrate_revision('grandchild', NULL, NULL, revision => 'lf3', down_revisions => '{lf2}');
-- every label reaches the whole unforked line, once
SELECT revision, cardinality(branch_labels) AS labels FROM migrate_heads();
SELECT count(*) FROM migrate_upgrade('lab99999');
SELECT revision FROM migrate_current();
RESET statement_timeout;

DROP EXTENSION migrate;
