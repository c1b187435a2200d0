-- The desired schema as pg_dump -s writes it: \restrict lines, SET,
-- set_config, CREATE SCHEMA of the schema itself, owners, comments on
-- extensions, grants on the schema and default privileges are accepted
-- and ignored; errors name the line of the desired DDL.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS migrate;
ALTER EXTENSION migrate UPDATE;
DROP ROLE IF EXISTS dump_owner;
CREATE ROLE dump_owner;
RESET client_min_messages;
CREATE SCHEMA dumped;
CREATE TEMP TABLE dump (t text);
INSERT INTO dump VALUES ($dump$--
-- PostgreSQL database dump
--

\restrict AbC123xyz

-- Dumped from database version 15.14

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET client_min_messages = warning;
SET row_security = off;

CREATE SCHEMA dumped;
ALTER SCHEMA dumped OWNER TO dump_owner;
COMMENT ON SCHEMA dumped IS 'the application';

-- a function before the table it reads, as pg_dump orders them
CREATE FUNCTION dumped.n_items() RETURNS bigint
    LANGUAGE sql
    AS $$SELECT count(*) FROM dumped.items$$;
ALTER FUNCTION dumped.n_items() OWNER TO dump_owner;

SET default_tablespace = '';
SET default_table_access_method = heap;

CREATE TABLE dumped.items (
    id integer NOT NULL,
    name text
);
ALTER TABLE dumped.items OWNER TO dump_owner;
COMMENT ON TABLE dumped.items IS 'things';

CREATE SEQUENCE dumped.items_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;
ALTER TABLE dumped.items_id_seq OWNER TO dump_owner;
ALTER SEQUENCE dumped.items_id_seq OWNED BY dumped.items.id;
ALTER TABLE ONLY dumped.items ALTER COLUMN id SET DEFAULT nextval('dumped.items_id_seq'::regclass);
ALTER TABLE ONLY dumped.items
    ADD CONSTRAINT items_pkey PRIMARY KEY (id);
GRANT USAGE ON SCHEMA dumped TO PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE dump_owner IN SCHEMA dumped GRANT SELECT ON TABLES TO PUBLIC;

--
-- PostgreSQL database dump complete
--

\unrestrict AbC123xyz

$dump$);
SELECT upgrade FROM migrate_autogenerate('from dump', (SELECT t FROM dump), 'dumped', false);
-- applied, the schema matches the dump
DO $$BEGIN EXECUTE (SELECT upgrade FROM migrate_autogenerate('from dump',
  (SELECT t FROM dump), 'dumped', false)); END$$;
SELECT * FROM migrate_autogenerate('again', (SELECT t FROM dump), 'dumped', false);

-- errors name the line of the desired DDL, not a cursor into the SELECT
-- a syntax error on line 3
SELECT * FROM migrate_autogenerate('bad', E'CREATE TABLE a (x int);\n\nCREATE TABLE b (x int,, y int);', 'dumped', false);
-- an error running the statement that starts on line 4, at its line 2
SELECT * FROM migrate_autogenerate('bad', E'CREATE TABLE a (x int);\n-- comment\n\nCREATE TABLE b (\n  x nosuchtype);', 'dumped', false);
-- a statement that is not a definition, on line 2
SELECT * FROM migrate_autogenerate('bad', E'SET x.y = 1;\nDELETE FROM items;', 'dumped', false);
-- psql meta-commands other than pg_dump's own are syntax errors
SELECT * FROM migrate_autogenerate('bad', E'CREATE TABLE a (x int);\n\\connect other\n', 'dumped', false);
-- CREATE SCHEMA of another schema
SELECT * FROM migrate_autogenerate('bad', E'CREATE TABLE a (x int);\nCREATE SCHEMA other;', 'dumped', false);
\set VERBOSITY sqlstate
SELECT * FROM migrate_autogenerate('bad', E'CREATE TABLE a (x int);\n\nCREATE TABLE b (x int,, y int);', 'dumped', false);
SELECT * FROM migrate_autogenerate('bad', E'CREATE TABLE b (\n  x nosuchtype);', 'dumped', false);
SELECT * FROM migrate_autogenerate('bad', E'SELECT 1;', 'dumped', false);
\set VERBOSITY default

DROP SCHEMA dumped CASCADE;
DROP ROLE dump_owner;
