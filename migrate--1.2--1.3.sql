/* migrate--1.2--1.3.sql: backups by the deploy role and the database owner */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION migrate UPDATE TO '1.3'" to load this file. \quit

/*
 * pg_dump reads the data of every table and sequence registered with
 * pg_extension_config_dump (revisions, version rows, the run log, jobs,
 * dirty marks), so a dump by any role that cannot read them stops with
 * "permission denied for sequence job_id_seq" and leaves an empty file.
 * The two roles that back up a database may read exactly those, nothing
 * more: members of migrate_deployer (who already see every revision
 * through migrate_export() and migrate_show()) and the database's owner
 * (pg_database_owner, PostgreSQL 14 and later; on 13 grant the same to
 * the owner yourself).  Writes stay with the extension's owner: restoring
 * the catalog takes the superuser who may CREATE EXTENSION migrate anyway.
 *
 * A later script that registers another table or sequence with
 * pg_extension_config_dump grants SELECT on it the same way.
 */
GRANT SELECT ON migrate.revision, migrate.version, migrate.applied,
	migrate.run, migrate.run_step, migrate.job, migrate.dirty
	TO migrate_deployer;
GRANT SELECT ON SEQUENCE migrate.revision_order, migrate.run_id_seq,
	migrate.job_id_seq TO migrate_deployer;

DO $$
BEGIN
	IF EXISTS (SELECT FROM pg_catalog.pg_roles
				WHERE rolname OPERATOR(pg_catalog.=) 'pg_database_owner') THEN
		GRANT USAGE ON SCHEMA migrate TO pg_database_owner;
		GRANT SELECT ON migrate.revision, migrate.version, migrate.applied,
			migrate.run, migrate.run_step, migrate.job, migrate.dirty
			TO pg_database_owner;
		GRANT SELECT ON SEQUENCE migrate.revision_order, migrate.run_id_seq,
			migrate.job_id_seq TO pg_database_owner;
	END IF;
END
$$;
