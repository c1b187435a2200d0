-- Issue 13, defect 4: the desired schema of migrate_autogenerate,
-- migrate_diff and migrate_check may name no object of another schema,
-- anywhere in a statement (22023), nor create temporary objects; names of
-- the target schema, unqualified names and pg_catalog's built-ins pass.
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never
CREATE SCHEMA app;
CREATE SCHEMA other;
CREATE TABLE other.t (id int PRIMARY KEY, c int);
CREATE TYPE other.typ AS (a int);
CREATE FUNCTION other.trig() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE FUNCTION other.f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
CREATE COLLATION other.coll (provider = libc, locale = 'C');
CREATE FUNCTION pg_temp.desired(ddl text) RETURNS text LANGUAGE sql AS $$
	SELECT coalesce(string_agg(upgrade, ''), '(no changes)')
	  FROM migrate_autogenerate('desired', ddl, 'app', false)
$$;
SET client_min_messages = warning;	-- "no changes in schema detected"

\set VERBOSITY default
SELECT pg_temp.desired('CREATE TABLE t (id int); CREATE SEQUENCE s OWNED BY other.t.c;');
\set VERBOSITY sqlstate
-- every place a statement names something: fire ...
SELECT pg_temp.desired('CREATE TABLE t (LIKE other.t);');
SELECT pg_temp.desired('CREATE TABLE t (id int); COMMENT ON TABLE other.t IS ''x'';');
SELECT pg_temp.desired('CREATE TABLE t (id int); COMMENT ON COLUMN other.t.c IS ''x'';');
SELECT pg_temp.desired('CREATE TABLE t (id int); COMMENT ON CONSTRAINT t_pkey ON other.t IS ''x'';');
SELECT pg_temp.desired('CREATE TABLE t (id int); COMMENT ON FUNCTION other.f(int) IS ''x'';');
SELECT pg_temp.desired('CREATE TABLE t (id int); COMMENT ON TYPE other.typ IS ''x'';');
SELECT pg_temp.desired('CREATE TABLE t (id int); GRANT SELECT ON other.t TO PUBLIC;');
SELECT pg_temp.desired('CREATE TABLE t (id int); GRANT SELECT ON t, other.t TO PUBLIC;');
SELECT pg_temp.desired('CREATE TABLE t (id int); GRANT EXECUTE ON FUNCTION other.f(int) TO PUBLIC;');
SELECT pg_temp.desired('CREATE TABLE t (id int); GRANT USAGE ON TYPE other.typ TO PUBLIC;');
SELECT pg_temp.desired('CREATE TEMP TABLE t (id int);');
SELECT pg_temp.desired('CREATE TEMPORARY VIEW v AS SELECT 1 AS x;');
SELECT pg_temp.desired('CREATE TEMP SEQUENCE s;');
SELECT pg_temp.desired('CREATE TABLE pg_temp.t (id int);');
SELECT pg_temp.desired('CREATE TABLE t (id int REFERENCES other.t);');
SELECT pg_temp.desired('CREATE TABLE t (id int, FOREIGN KEY (id) REFERENCES other.t (id));');
SELECT pg_temp.desired('CREATE TABLE t (id int) INHERITS (other.t);');
SELECT pg_temp.desired('CREATE TABLE p (id int) PARTITION BY RANGE (id); CREATE TABLE t PARTITION OF other.t FOR VALUES FROM (1) TO (2);');
SELECT pg_temp.desired('CREATE TABLE t (x other.typ);');
SELECT pg_temp.desired('CREATE TABLE t (x int DEFAULT other.f(1));');
SELECT pg_temp.desired('CREATE TABLE t (x int CHECK (other.f(x) > 0));');
SELECT pg_temp.desired('CREATE TABLE t (x text COLLATE other.coll);');
SELECT pg_temp.desired('CREATE TABLE t OF other.typ;');
SELECT pg_temp.desired('CREATE TABLE t (x int) PARTITION BY RANGE (other.f(x));');
SELECT pg_temp.desired('CREATE TABLE t (x int); CREATE INDEX ON other.t (c);');
SELECT pg_temp.desired('CREATE TABLE t (x int); CREATE INDEX ON t (other.f(x));');
SELECT pg_temp.desired('CREATE TABLE t (x int); CREATE INDEX ON t (x) WHERE other.f(x) > 0;');
SELECT pg_temp.desired('CREATE TABLE t (x int); ALTER TABLE other.t ADD COLUMN d int;');
SELECT pg_temp.desired('CREATE TABLE t (x int); ALTER TABLE t ADD COLUMN d other.typ;');
SELECT pg_temp.desired('CREATE TABLE t (x int); ALTER TABLE t ADD FOREIGN KEY (x) REFERENCES other.t;');
SELECT pg_temp.desired('CREATE TABLE t (x int); ALTER TABLE t ALTER COLUMN x SET DEFAULT other.f(1);');
SELECT pg_temp.desired('CREATE TABLE t (x int); ALTER TABLE t ALTER COLUMN x TYPE other.typ USING NULL;');
SELECT pg_temp.desired('CREATE TABLE t (x int); ALTER TABLE t INHERIT other.t;');
SELECT pg_temp.desired('CREATE TABLE p (x int) PARTITION BY RANGE (x); ALTER TABLE p ATTACH PARTITION other.t FOR VALUES FROM (1) TO (2);');
SELECT pg_temp.desired('CREATE VIEW v AS SELECT c FROM other.t;');
SELECT pg_temp.desired('CREATE VIEW v AS SELECT 1 AS x WHERE EXISTS (SELECT FROM other.t);');
SELECT pg_temp.desired('CREATE VIEW v AS WITH w AS (SELECT * FROM other.t) SELECT * FROM w;');
SELECT pg_temp.desired('CREATE VIEW v AS SELECT other.f(1) AS x;');
SELECT pg_temp.desired('CREATE VIEW v AS SELECT NULL::other.typ AS x;');
SELECT pg_temp.desired('CREATE VIEW v AS SELECT 1 OPERATOR(other.+) 1 AS x;');
SELECT pg_temp.desired('CREATE MATERIALIZED VIEW v AS SELECT c FROM other.t;');
SELECT pg_temp.desired('CREATE TABLE t (x int); CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION other.trig();');
SELECT pg_temp.desired('CREATE TABLE t (x int); CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW WHEN (other.f(NEW.x) > 0) EXECUTE FUNCTION suppress_redundant_updates_trigger();');
SELECT pg_temp.desired('CREATE TABLE t (x int); CREATE POLICY p ON t USING (x IN (SELECT c FROM other.t));');
SELECT pg_temp.desired('CREATE TABLE t (x int); CREATE POLICY p ON t WITH CHECK (other.f(x) > 0);');
SELECT pg_temp.desired('CREATE FUNCTION g() RETURNS other.typ LANGUAGE sql AS ''SELECT NULL::other.typ'';');
SELECT pg_temp.desired('CREATE FUNCTION g(a other.typ) RETURNS int LANGUAGE sql AS ''SELECT 1'';');
SELECT pg_temp.desired('CREATE FUNCTION g(a int DEFAULT other.f(1)) RETURNS int LANGUAGE sql AS ''SELECT 1'';');
SELECT pg_temp.desired('CREATE FUNCTION g() RETURNS TABLE (a other.typ) LANGUAGE sql AS ''SELECT NULL::other.typ'';');
SELECT pg_temp.desired('CREATE DOMAIN d AS other.typ;');
SELECT pg_temp.desired('CREATE DOMAIN d AS int CHECK (other.f(VALUE) > 0);');
SELECT pg_temp.desired('CREATE TYPE c AS (a other.typ);');
SELECT pg_temp.desired('CREATE SEQUENCE s AS int; ALTER SEQUENCE s OWNED BY other.t.c;');
-- ... and near misses, which pass: the target schema, unqualified names,
-- pg_catalog, and OWNED BY a table of the schema
SELECT pg_temp.desired('CREATE TABLE t (id int PRIMARY KEY, c int); CREATE SEQUENCE s OWNED BY t.c;') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE t (id int PRIMARY KEY, c int); CREATE SEQUENCE s OWNED BY app.t.c; CREATE SEQUENCE s2 OWNED BY NONE;') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE t (id int PRIMARY KEY, c varchar(3) COLLATE pg_catalog."C"); CREATE TABLE u (LIKE app.t);') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE t (id int PRIMARY KEY); COMMENT ON TABLE app.t IS ''x''; COMMENT ON COLUMN app.t.id IS ''x''; COMMENT ON CONSTRAINT t_pkey ON app.t IS ''x'';') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE t (id int PRIMARY KEY); GRANT SELECT ON app.t, t TO PUBLIC;') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE u (id int REFERENCES app.t, x pg_catalog.int4 DEFAULT pg_catalog.length(''a''), CHECK (x OPERATOR(pg_catalog.>) 0)) ;') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE t (id int PRIMARY KEY); CREATE TABLE c () INHERITS (app.t); CREATE UNLOGGED TABLE l (x int);') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE p (id int) PARTITION BY RANGE (id); CREATE TABLE p1 PARTITION OF app.p FOR VALUES FROM (1) TO (2);') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE TABLE t (id int); CREATE VIEW v AS SELECT id::pg_catalog.text AS s, pg_catalog.now() AS n FROM app.t WHERE EXISTS (SELECT FROM pg_catalog.pg_class);') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE FUNCTION g(a int DEFAULT 1) RETURNS pg_catalog.int4 LANGUAGE sql SET search_path = other AS ''SELECT 1''; CREATE FUNCTION tg() RETURNS trigger LANGUAGE plpgsql AS ''BEGIN RETURN NEW; END''; CREATE TABLE t (x int); CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION app.tg();') IS NOT NULL AS ok;
SELECT pg_temp.desired('CREATE DOMAIN d AS pg_catalog.int4 CHECK (VALUE > 0); CREATE TYPE c AS (a app.d); CREATE TABLE t (x int); CREATE POLICY p ON app.t USING (x > 0);') IS NOT NULL AS ok;
-- migrate_check and migrate_diff go through the same check
SELECT migrate_check('CREATE TABLE t (LIKE other.t);', 'app');
SELECT count(*) FROM other.t;
DROP EXTENSION migrate;
