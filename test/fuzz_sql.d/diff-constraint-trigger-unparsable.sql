-- fixed (src/diff/diff_catalog.c, regress diff)
-- migrate_diff() read a constraint trigger twice: as a trigger (CREATE
-- CONSTRAINT TRIGGER, right) and as a table constraint, whose
-- pg_get_constraintdef() is "TRIGGER": the script said
-- "ALTER TABLE s.t ADD CONSTRAINT t_check TRIGGER DEFERRABLE ...", which
-- does not parse, and migrate_diff() failed with 42601 when its own lint
-- report parsed the generated script (the fuzzer flags any error whose
-- QUERY is a generated script).
CREATE SCHEMA ctrig
;;
CREATE TABLE ctrig.t (id int)
;;
CREATE FUNCTION ctrig.tf() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$
;;
CREATE CONSTRAINT TRIGGER t_check AFTER INSERT ON ctrig.t DEFERRABLE FOR EACH ROW EXECUTE FUNCTION ctrig.tf()
;;
CREATE SCHEMA ctrig_empty
;;
SELECT * FROM migrate_diff('ctrig_empty', 'ctrig')
;;
SELECT * FROM migrate_autogenerate('ctrig', 'CREATE TABLE t (id int); CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$; CREATE CONSTRAINT TRIGGER t_check AFTER INSERT ON t DEFERRABLE FOR EACH ROW EXECUTE FUNCTION tf()', 'ctrig_empty', false)
