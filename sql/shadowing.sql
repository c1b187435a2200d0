-- Nothing the extension runs with the extension owner's rights resolves a
-- name through the caller's search_path or temp schema.  A deployer plants
-- a shadow for every type, function, operator and collation name the
-- internal SQL uses; each shadow, if it ever runs as anyone but the
-- deployer, logs the role it ran as and makes the deployer superuser.
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

CREATE ROLE regress_shadow_deployer LOGIN;
GRANT CREATE ON SCHEMA public TO regress_shadow_deployer;
-- every function and procedure of the extension
DO $$
DECLARE
	f regprocedure;
BEGIN
	FOR f IN SELECT p.oid FROM pg_proc p
			   JOIN pg_depend d ON d.objid = p.oid AND d.classid = 'pg_proc'::regclass
			  WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate')
	LOOP
		EXECUTE format('GRANT EXECUTE ON %s %s TO regress_shadow_deployer',
					   CASE WHEN (SELECT prokind FROM pg_proc WHERE oid = f) = 'p'
							THEN 'PROCEDURE' ELSE 'FUNCTION' END, f);
	END LOOP;
END
$$;
GRANT SELECT ON migrate_jobs, migrate_progress TO regress_shadow_deployer;

SET ROLE regress_shadow_deployer;
CREATE TABLE public.shadow_log (ran_as name, what text);
GRANT INSERT ON public.shadow_log TO PUBLIC;

-- the payload: harmless as the deployer, an escalation as anyone else
CREATE FUNCTION public.shadow_fired(what pg_catalog.text) RETURNS pg_catalog.bool
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF CURRENT_USER OPERATOR(pg_catalog.<>) 'regress_shadow_deployer'::pg_catalog.name THEN
		INSERT INTO public.shadow_log VALUES (CURRENT_USER, what);
		EXECUTE 'ALTER ROLE regress_shadow_deployer SUPERUSER';
	END IF;
	RETURN true;
END
$$;

-- types, in the temp schema (searched first for types) and in public
DO $$
DECLARE
	t text;
	s text;
BEGIN
	FOREACH s IN ARRAY ARRAY['pg_temp', 'public'] LOOP
		FOREACH t IN ARRAY ARRAY['text', 'int4', 'int8', 'int2', 'bool', 'name',
								 'timestamptz', 'oid', 'regclass', 'interval',
								 'integer', 'bigint', 'boolean', 'float8', 'numeric']
		LOOP
			EXECUTE format('CREATE DOMAIN %I.%I AS pg_catalog.%I CHECK (public.shadow_fired(%L))',
						   s, t, CASE t WHEN 'integer' THEN 'int4' WHEN 'bigint' THEN 'int8'
										WHEN 'boolean' THEN 'bool' ELSE t END,
						   s || '.' || t);
		END LOOP;
	END LOOP;
END
$$;

-- functions, with argument types at least as specific as the built-ins'
CREATE FUNCTION public.nextval(pg_catalog.text) RETURNS pg_catalog.int8 LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('nextval'); RETURN 1; END$$;
CREATE FUNCTION public.clock_timestamp() RETURNS pg_catalog.timestamptz LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('clock_timestamp'); RETURN pg_catalog.now(); END$$;
CREATE FUNCTION public.now() RETURNS pg_catalog.timestamptz LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('now'); RETURN pg_catalog.now(); END$$;
CREATE FUNCTION public.unnest(pg_catalog.text[]) RETURNS SETOF pg_catalog.text LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('unnest'); RETURN QUERY SELECT pg_catalog.unnest($1); END$$;
CREATE FUNCTION public.starts_with(pg_catalog.text, pg_catalog.text) RETURNS pg_catalog.bool LANGUAGE plpgsql
  AS $$BEGIN RETURN public.shadow_fired('starts_with'); END$$;
CREATE FUNCTION public.pg_backend_pid() RETURNS pg_catalog.int4 LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('pg_backend_pid'); RETURN 0; END$$;
CREATE FUNCTION public.shadow_count_sfunc(pg_catalog.int8) RETURNS pg_catalog.int8 LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('count'); RETURN $1 + 1; END$$;
CREATE AGGREGATE public.count(*) (sfunc = public.shadow_count_sfunc, stype = pg_catalog.int8, initcond = '0');
CREATE FUNCTION public.set_config(pg_catalog.text, pg_catalog.text, pg_catalog.bool) RETURNS pg_catalog.text LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('set_config'); RETURN $2; END$$;
CREATE FUNCTION public.pg_advisory_xact_lock(pg_catalog.int4, pg_catalog.int4) RETURNS void LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('pg_advisory_xact_lock'); END$$;
CREATE FUNCTION public.greatest_shadow(pg_catalog.int4, pg_catalog.int4) RETURNS pg_catalog.int4 LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('greatest'); RETURN $1; END$$;

-- operators, exact matches for the built-ins the internal SQL uses
CREATE FUNCTION public.shadow_op_text(pg_catalog.text, pg_catalog.text) RETURNS pg_catalog.bool LANGUAGE plpgsql
  AS $$BEGIN RETURN public.shadow_fired('operator on text') AND $1 OPERATOR(pg_catalog.=) $2; END$$;
CREATE FUNCTION public.shadow_op_arr(pg_catalog.text[], pg_catalog.text[]) RETURNS pg_catalog.bool LANGUAGE plpgsql
  AS $$BEGIN RETURN public.shadow_fired('operator on text[]') AND $1 OPERATOR(pg_catalog.@>) $2; END$$;
CREATE FUNCTION public.shadow_op_int8(pg_catalog.int8, pg_catalog.int8) RETURNS pg_catalog.bool LANGUAGE plpgsql
  AS $$BEGIN RETURN public.shadow_fired('operator on int8') AND $1 OPERATOR(pg_catalog.=) $2; END$$;
CREATE FUNCTION public.shadow_op_ts(pg_catalog.timestamptz, pg_catalog.timestamptz) RETURNS pg_catalog.interval LANGUAGE plpgsql
  AS $$BEGIN PERFORM public.shadow_fired('operator on timestamptz'); RETURN $1 OPERATOR(pg_catalog.-) $2; END$$;
CREATE OPERATOR public.= (function = public.shadow_op_text, leftarg = pg_catalog.text, rightarg = pg_catalog.text);
CREATE OPERATOR public.<> (function = public.shadow_op_text, leftarg = pg_catalog.text, rightarg = pg_catalog.text);
CREATE OPERATOR public.~>=~ (function = public.shadow_op_text, leftarg = pg_catalog.text, rightarg = pg_catalog.text);
CREATE OPERATOR public.@> (function = public.shadow_op_arr, leftarg = pg_catalog.text[], rightarg = pg_catalog.text[]);
CREATE OPERATOR public.= (function = public.shadow_op_int8, leftarg = pg_catalog.int8, rightarg = pg_catalog.int8);
CREATE OPERATOR public.- (function = public.shadow_op_ts, leftarg = pg_catalog.timestamptz, rightarg = pg_catalog.timestamptz);
CREATE COLLATION public."C" (provider = libc, locale = 'POSIX');
CREATE COLLATION pg_temp."C" (provider = libc, locale = 'POSIX');

-- the shadows work: the deployer's own unqualified SQL hits them
SET search_path = public, pg_catalog;
SELECT 'x'::text AS shadowed_cast, count(*) AS shadowed_count FROM (VALUES (1)) v;
SELECT what FROM public.shadow_log;

-- a hostile search_path, set for the role (background workers read it) and
-- in the session
RESET ROLE;
ALTER ROLE regress_shadow_deployer SET search_path = public, pg_catalog;
SET ROLE regress_shadow_deployer;
SET search_path = public, pg_temp, pg_catalog;
SET jit = on;

-- now every entry point, with revisions whose scripts are the deployer's own
SELECT migrate_revision('one', 'CREATE TABLE shadow_t1 (id pg_catalog.int4);',
						'DROP TABLE shadow_t1;', revision => 'sh1', down_revisions => '{}');
SELECT migrate_revision('two', 'CREATE TABLE shadow_t2 (id pg_catalog.int4);',
						'DROP TABLE shadow_t2;', revision => 'sh2', branch_labels => '{shb}',
						depends_on => '{sh1}');
SELECT migrate_revision('side', NULL, NULL, revision => 'sh3', down_revisions => '{sh1}');
-- register again (no-op), replace (unapplied), relabel
SELECT migrate_revision('two', 'CREATE TABLE shadow_t2 (id pg_catalog.int4);',
						'DROP TABLE shadow_t2;', revision => 'sh2', branch_labels => '{shb}',
						depends_on => '{sh1}');
SELECT migrate_revision('side, again', 'SELECT 1;', '', revision => 'sh3', down_revisions => '{sh1}');
SELECT migrate_merge(ARRAY['heads'], 'merge', revision => 'sh4');
SELECT migrate_revision('by head', NULL, NULL, revision => 'sh5', head => 'sh4');
SELECT length(migrate_upgrade_sql('heads')) > 0 AS upgrade_sql;
SELECT step, revision FROM migrate_upgrade('sh2', dry_run => true);
SELECT step, revision FROM migrate_upgrade('sh2');
SELECT revision FROM migrate_current();
SELECT revision FROM migrate_heads();
SELECT revision FROM migrate_branches();
SELECT revision, is_current FROM migrate_history();
SELECT revision, created_by FROM migrate_show('sh2');
SELECT revision FROM migrate_stamp('sh4');
SELECT length(migrate_downgrade_sql('sh1')) > 0 AS downgrade_sql;
SELECT step, revision FROM migrate_downgrade('sh1');
SELECT revision FROM migrate_stamp('sh1', purge => true);
CALL migrate_upgrade_each('heads');
CALL migrate_downgrade_each('sh1');
-- a job starts when the transaction that submits it commits
SELECT migrate_upgrade_async('heads') AS job \gset
SELECT migrate_wait(:job, '60 s');
SELECT count(*) > 0 AS has_jobs FROM migrate_jobs;
SELECT count(*) >= 0 AS progress FROM migrate_progress;
SELECT migrate_check();
-- failing runs (the failed-run writer records them)
SELECT migrate_revision('fails', 'SELECT 1/0;', NULL, revision => 'sh6', down_revisions => '{sh5}');
SELECT * FROM migrate_upgrade('heads');
SELECT migrate_check();
SELECT * FROM migrate_show('nope');
SELECT migrate_resolve_dirty('sh6', false);
-- and with the default search_path, where only the temp schema shadows
RESET search_path;
SELECT revision, created_by FROM migrate_show('sh1');
SELECT count(*) FROM migrate_history();
SELECT revision FROM migrate_current();

-- nothing ran with anyone else's rights
RESET ROLE;
RESET search_path;
SELECT ran_as, what FROM public.shadow_log;
SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'regress_shadow_deployer';

DROP EXTENSION migrate;
DROP TABLE shadow_t1;
DROP OWNED BY regress_shadow_deployer;
DISCARD TEMP;
REVOKE CREATE ON SCHEMA public FROM regress_shadow_deployer;
DROP ROLE regress_shadow_deployer;
