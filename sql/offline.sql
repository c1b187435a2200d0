-- Offline mode: the script a run would execute, as alembic --sql prints it
CREATE EXTENSION migrate;
\set SHOW_CONTEXT never

SELECT migrate_revision('create customers', 'CREATE TABLE customers (id int PRIMARY KEY)',
                        'DROP TABLE customers', revision => 'a1', down_revisions => '{}');
SELECT migrate_revision('create orders', $$BEGIN;
CREATE TABLE orders (id int);
CREATE INDEX ON orders (id);
COMMIT;$$, 'DROP TABLE orders;', revision => 'b2');
SELECT migrate_revision('branch', 'CREATE TABLE invoices (id int);', 'DROP TABLE invoices;',
                        revision => 'c3', down_revisions => '{a1}');
SELECT migrate_merge(ARRAY['heads'], 'merge', revision => 'm4');

SELECT migrate_upgrade_sql('heads');
SELECT migrate_upgrade_sql('b2');
-- it plans against the current version rows, and runs nothing
SELECT count(*) FROM migrate_upgrade('b2');
SELECT migrate_upgrade_sql();
SELECT to_regclass('invoices') AS invoices;
SELECT migrate_downgrade_sql('base');
SELECT migrate_downgrade_sql('-1');

-- the offline script does what the online run does
SELECT count(*) FROM migrate_downgrade('base');
SELECT migrate_upgrade_sql('heads') AS script \gset
:script
SELECT version_num FROM migrate.version;
SELECT to_regclass('invoices') AS invoices, to_regclass('orders') AS orders;
SELECT migrate_downgrade_sql('base') AS script \gset
:script
SELECT count(*) AS version_rows FROM migrate.version;
SELECT to_regclass('customers') AS customers;

SELECT migrate_upgrade_sql('nope');
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_downgrade_sql(NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT migrate_downgrade_sql('m4');
\echo :LAST_ERROR_SQLSTATE

DROP EXTENSION migrate;
