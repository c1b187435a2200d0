-- Issue 13, defect 3: migrate_push refuses a wrong JSON type (22023) naming
-- the element and the key, for every key it reads, instead of turning 123
-- into the id "123" and ["a"] into the id '["a"]'.
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never
\set VERBOSITY default
SELECT * FROM migrate_push('[{"revision": 123}]', false);
SELECT * FROM migrate_push('[{"revision": "t0", "down_revisions": []}, {"revision": "t1", "down_revisions": "t0", "file": "t1_x.sql"}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "down_revisions": ["t0", 7]}]', false);
SELECT * FROM migrate_push('{"revision": "t1"}', false);
SELECT * FROM migrate_push('[["t1"]]', false);
\set VERBOSITY sqlstate
-- revision: a string
SELECT * FROM migrate_push('[{"revision": ["a"]}]', false);
SELECT * FROM migrate_push('[{"revision": {"a": 1}}]', false);
SELECT * FROM migrate_push('[{"revision": true}]', false);
SELECT * FROM migrate_push('[{"revision": null}]', false);
SELECT * FROM migrate_push('[{"revision": 1.5}]', false);
-- the other strings: message, upgrade, downgrade, file (null: absent)
SELECT * FROM migrate_push('[{"revision": "t1", "message": 1}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "message": ["m"]}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "upgrade": {"sql": "SELECT 1"}}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "upgrade": false}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "downgrade": 0}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "downgrade": ["DROP TABLE x"]}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "file": 5}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "file": ["a.sql"]}]', false);
-- arrays of strings: down_revisions, branch_labels, depends_on
SELECT * FROM migrate_push('[{"revision": "t1", "down_revisions": 5}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "down_revisions": {"t0": true}}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "down_revisions": [null]}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "down_revisions": [["t0"]]}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "branch_labels": "main"}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "branch_labels": [1]}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "branch_labels": true}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "depends_on": "t0"}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "depends_on": [{"id": "t0"}]}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "depends_on": 0}]', false);
-- transactional: a boolean
SELECT * FROM migrate_push('[{"revision": "t1", "transactional": "no"}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "transactional": 0}]', false);
SELECT * FROM migrate_push('[{"revision": "t1", "transactional": [false]}]', false);
-- elements: objects
SELECT * FROM migrate_push('["t1"]', false);
SELECT * FROM migrate_push('[null]', false);
SELECT * FROM migrate_push('[{"revision": "t0"}, 5]', false);
SELECT * FROM migrate_push('"t1"', false);
-- the element is named by its position even after good ones
SELECT * FROM migrate_push('[{"revision": "t0"}, {"revision": "t1"}, {"revision": "t2", "message": 2}]', false);
-- near misses: nulls where a key may be left out, unknown keys, and the
-- right types all register
SELECT * FROM migrate_push('[{"revision": "t0", "down_revisions": [], "message": null, "upgrade": null,
							   "downgrade": null, "file": null, "transactional": null, "branch_labels": null,
							   "depends_on": null, "future_key": 1},
							  {"revision": "t1", "down_revisions": ["t0"], "branch_labels": ["main"],
							   "depends_on": ["t0"], "message": "m", "upgrade": "SELECT 1;",
							   "downgrade": "", "transactional": false, "file": "t1_m.sql"}]', false);
SELECT revision, down_revisions, branch_labels, depends_on, message, upgrade, downgrade, transactional
  FROM migrate_export() ORDER BY revision;
-- nothing was registered by the refused calls
SELECT count(*) FROM migrate.revision WHERE id NOT IN ('t0', 't1');
DROP EXTENSION migrate;
