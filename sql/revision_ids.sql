-- Issue 13, defects 1 and 2: a new revision id is a plain file name (one
-- rule for migrate_revision, migrate_merge and migrate_push), ids
-- registered before the rule existed still load and can be forgotten, and
-- push, forget and lint echo at most 64 bytes of any input.
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never
\set VERBOSITY default

-- refused by migrate_revision, with detail and hint
SELECT migrate_revision('x', NULL, NULL, revision => '../../x', down_revisions => '{}');
\set VERBOSITY sqlstate
SELECT migrate_revision('x', NULL, NULL, revision => '/tmp/x', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a/b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => '..', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => '.', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => '.hidden', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a\b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => E'a\x01b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => E'a\tb', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => '-x', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a*b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a?b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a|b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a<b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a>b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a"b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a,b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a{b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'a}b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => '', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'heads', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => repeat('a', 129), down_revisions => '{}');
\set VERBOSITY default
SELECT migrate_revision('x', NULL, NULL, revision => repeat('a', 129), down_revisions => '{}');
\set VERBOSITY sqlstate
-- near misses: accepted
SELECT migrate_revision('x', NULL, NULL, revision => repeat('a', 128), down_revisions => '{}') = repeat('a', 128) AS ok;
SELECT migrate_revision('x', NULL, NULL, revision => 'a.b', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'x.', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'ae1027a6acf_é', down_revisions => '{}');
SELECT migrate_revision('x', NULL, NULL, revision => 'v1_2', down_revisions => '{}');

-- migrate_merge, for the id of the merge
SELECT migrate_merge(ARRAY['a.b', 'x.'], 'm', revision => '../m');
SELECT migrate_merge(ARRAY['a.b', 'x.'], 'm', revision => 'm/1');
SELECT migrate_merge(ARRAY['a.b', 'x.'], 'm', revision => 'm.1') AS merged;

-- migrate_push: new ids, with the file in the context
\set VERBOSITY default
SELECT * FROM migrate_push('[{"revision": "../../x", "file": "x.sql"}]', false);
\set VERBOSITY sqlstate
SELECT * FROM migrate_push('[{"revision": "/tmp/x"}]', false);
SELECT * FROM migrate_push('[{"revision": ".hidden"}]', false);
SELECT * FROM migrate_push('[{"revision": ".."}]', false);
SELECT * FROM migrate_push('[{"revision": "a\\b"}]', false);
SELECT * FROM migrate_push('[{"revision": "p.1", "down_revisions": []}]', false);

-- an id registered before 1.3 under today's refused names (written into
-- the catalog as an older release would have): it still loads, shows and
-- can be forgotten; changing it is registering it, and refused
INSERT INTO migrate.revision (id, message, upgrade, checksum, owner, owner_oid)
VALUES ('../../legacy', 'legacy', 'SELECT 1;', 'x', current_user, (SELECT oid FROM pg_roles WHERE rolname = current_user)),
	   ('.old', 'legacy', 'SELECT 1;', 'x', current_user, (SELECT oid FROM pg_roles WHERE rolname = current_user));
UPDATE migrate.graph_state SET generation = nextval('migrate.graph_generation_seq');
SELECT revision FROM migrate_heads() WHERE revision LIKE '%legacy' OR revision LIKE '.%' ORDER BY 1;
SELECT migrate_revision('changed', 'SELECT 2;', NULL, revision => '../../legacy', down_revisions => '{}');
SELECT revision FROM migrate_export() WHERE revision LIKE '%legacy' OR revision LIKE '.%' ORDER BY 1;
SELECT migrate_forget('../../legacy');
SELECT migrate_forget('.old');
SELECT count(*) FROM migrate.revision WHERE id LIKE '%legacy' OR id LIKE '.%';

-- defect 2: 1 MB inputs are echoed as 64 bytes at most
\set VERBOSITY default
SELECT * FROM migrate_push(('[{"revision": "' || repeat('a', 1024 * 1024) || '"}]')::jsonb, false);
SELECT * FROM migrate_push(('[{"revision": "' || repeat('a', 200) || '"}]')::jsonb, false);
SELECT * FROM migrate_push(('[{"revision": "' || repeat('b', 1024 * 1024) || '", "file": "f.sql"}]')::jsonb, false);
SELECT * FROM migrate_push(('[{"revision": "q1", "file": "' || repeat('f', 1024 * 1024) || '"},'
							|| ' {"revision": "q1", "file": "' || repeat('g', 1024 * 1024) || '"}]')::jsonb, false);
SELECT * FROM migrate_push(('[{"revision": "q1", "down_revisions": ["' || repeat('c', 1024 * 1024) || '"]}]')::jsonb, false);
SELECT * FROM migrate_push(('[{"revision": "q1", "file": "' || repeat('f', 1024 * 1024) || '", "message": 1}]')::jsonb, false);
SELECT * FROM migrate_push(('[{"file": "' || repeat('f', 1024 * 1024) || '"}]')::jsonb, false);
SELECT migrate_forget(repeat('z', 1024 * 1024));
SELECT migrate_forget(repeat('z', 1000));
SELECT migrate_forget(repeat('é', 500));
SELECT * FROM migrate_lint(repeat('l', 1024 * 1024));
SELECT * FROM migrate_lint(repeat('l', 1000));
SELECT * FROM migrate_lint_measure(repeat('l', 1000));
SELECT * FROM migrate_stamp(ARRAY[repeat('s', 1024 * 1024)], false);
SELECT * FROM migrate_stamp(ARRAY['a b' || repeat('s', 1000)], false);
-- every message above, and the server log's copy, is short
DO $$
DECLARE
	calls text[] := ARRAY[
		$q$SELECT * FROM migrate_push(('[{"revision": "' || repeat('a', 1024 * 1024) || '"}]')::jsonb, false)$q$,
		$q$SELECT * FROM migrate_push(('[{"revision": "q1", "file": "' || repeat('f', 1024 * 1024) || '"}, {"revision": "q1"}]')::jsonb, false)$q$,
		$q$SELECT migrate_forget(repeat('z', 1000))$q$,
		$q$SELECT * FROM migrate_lint(repeat('l', 1000))$q$];
	c text;
	m text;
	d text;
	x text;
BEGIN
	FOREACH c IN ARRAY calls LOOP
		BEGIN
			EXECUTE c;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL, x = PG_EXCEPTION_CONTEXT;
			RAISE NOTICE 'message % bytes, detail % bytes, context below 1000 bytes: %',
				octet_length(m), coalesce(octet_length(d), 0), octet_length(x) < 1000;
		END;
	END LOOP;
END
$$;
-- lint and measure of a revision registered before 1.3 under a 200-byte
-- id: their messages and contexts echo 64 bytes of it
CREATE TABLE lt (id int);
INSERT INTO migrate.revision (id, message, upgrade, checksum, owner, owner_oid)
VALUES (repeat('k', 200), 'legacy', 'CREATE INDEX lt_i ON lt (id); SELECT 1/0;', 'x', current_user,
		(SELECT oid FROM pg_roles WHERE rolname = current_user)),
	   (repeat('j', 200), 'legacy', 'CREAT TABLE x ();', 'x', current_user,
		(SELECT oid FROM pg_roles WHERE rolname = current_user));
UPDATE migrate.graph_state SET generation = nextval('migrate.graph_generation_seq');
\set SHOW_CONTEXT always
SELECT length(revision), rule FROM migrate_lint(repeat('k', 200));
SELECT * FROM migrate_lint(repeat('j', 200));
SELECT * FROM migrate_lint_measure(repeat('k', 200));
\set SHOW_CONTEXT never
\set VERBOSITY sqlstate
DROP EXTENSION migrate;
