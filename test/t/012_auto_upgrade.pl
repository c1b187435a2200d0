# AUTO_MIGRATE inside the server: the launcher upgrades the listed databases
# at start and restart, logs one line per database, skips missing ones and
# ones without the extension, survives a failing revision, and does nothing
# when migrate.auto_upgrade is off.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('auto');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
migrate.auto_upgrade = off
migrate.databases = 'app, nodb, plain'
migrate.role = 'deployer'
});
$node->start;
$node->wait_for_log(qr/migrate: action=run_migrations status=skipped reason="migrate.auto_upgrade is off"/);
pass('off: a line says it skipped');

$node->safe_psql('postgres', q{
CREATE ROLE deployer LOGIN;
CREATE DATABASE app OWNER deployer;
CREATE DATABASE plain;
});
$node->safe_psql('app', q{
CREATE EXTENSION migrate;
GRANT CREATE ON SCHEMA public TO deployer;
GRANT migrate_deployer TO deployer;
SET ROLE deployer;  -- a revision runs as the role that registered it
SELECT migrate_revision('a', 'CREATE TABLE ta (x int)', 'DROP TABLE ta', revision => 'a1');
SELECT migrate_revision('b', 'CREATE TABLE tb (x int)', 'DROP TABLE tb', revision => 'a2');
SELECT migrate_revision('c', 'CREATE TABLE tc (x int)', 'DROP TABLE tc', revision => 'a3');
});

$node->restart;
$node->wait_for_log(qr/migrate: action=run_migrations status=skipped reason="migrate.auto_upgrade is off"/);
is($node->safe_psql('app', 'SELECT count(*) FROM migrate.version'), '0', 'off: nothing applied');

# on
$node->append_conf('postgresql.conf', "migrate.auto_upgrade = on\n");
my $pos = -s $node->logfile;
$node->restart;
$node->wait_for_log(qr/migrate: action=run_migrations database=app status=success applied=3 duration_ms=\d+/, $pos);
pass('on: success line with the count applied');
$node->wait_for_log(qr/migrate: action=run_migrations database=nodb status=skipped reason="database does not exist"/, $pos);
pass('a listed database that does not exist is reported and skipped');
$node->wait_for_log(qr/migrate: action=run_migrations database=plain status=skipped reason="extension migrate is not installed"/, $pos);
pass('a database without the extension is reported and skipped');
is($node->safe_psql('app', 'SELECT version_num FROM migrate.version'), 'a3', 'upgraded to heads');
is($node->safe_psql('app', "SELECT role_name || ' ' || application_name || ' ' || status FROM migrate.run"),
	'deployer migrate auto-upgrade succeeded', 'the run log records it, as migrate.role');

# restart with nothing pending
$pos = -s $node->logfile;
$node->restart;
$node->wait_for_log(qr/database=app status=success applied=0/, $pos);
pass('restart with nothing to do');

# a failing revision at start: server stays up, failed line, run log row
$node->safe_psql('app', q{
SET ROLE deployer;
SELECT migrate_revision('d', 'CREATE TABLE td (x int)', 'DROP TABLE td', revision => 'a4');
SELECT migrate_revision('bad', 'SELECT 1/0', 'SELECT 1', revision => 'a5');
});
$pos = -s $node->logfile;
$node->restart;
$node->wait_for_log(qr/migrate: action=run_migrations database=app status=failed applied=0 duration_ms=\d+ error="division by zero"/, $pos);
pass('a failing revision logs status=failed with the error');
is($node->safe_psql('app', 'SELECT 1'), '1', 'the server stays up');
is($node->safe_psql('app', 'SELECT version_num FROM migrate.version'), 'a3', 'nothing half-applied');
is($node->safe_psql('app', "SELECT to_regclass('td') IS NULL"), 't', 'the earlier revision of the run was rolled back');
like($node->safe_psql('app', "SELECT status || ': ' || error FROM migrate.run ORDER BY run_id DESC LIMIT 1"),
	qr/^failed: division by zero/, 'the failed run is in the run log');

$node->stop;
done_testing();
