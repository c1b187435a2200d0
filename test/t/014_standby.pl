# A standby never migrates: its launcher waits for the end of recovery, so
# a revision registered on the primary is not applied by the standby at
# start or restart; once the standby is promoted, the launcher runs and
# upgrades it.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $primary = PostgreSQL::Test::Cluster->new('primary');
$primary->init(allows_streaming => 1);
$primary->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
migrate.auto_upgrade = on
migrate.databases = 'app'
migrate.role = 'deployer'
});
$primary->start;
$primary->safe_psql('postgres', q{
CREATE ROLE deployer LOGIN;
CREATE DATABASE app OWNER deployer;
});
$primary->safe_psql('app', q{
CREATE EXTENSION migrate;
GRANT CREATE ON SCHEMA public TO deployer;
GRANT migrate_deployer TO deployer;
SET ROLE deployer;  -- a revision runs as the role that registered it
SELECT migrate_revision('a', 'CREATE TABLE ta (x int)', 'DROP TABLE ta', revision => 'a1', down_revisions => '{}');
});

$primary->backup('bkp');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'bkp', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

# restart the standby with a revision pending: still nothing
$standby->restart;
$primary->wait_for_catchup($standby);
is($standby->safe_psql('app', 'SELECT count(*) FROM migrate.version'), '0',
	'the standby applied nothing');
is($standby->safe_psql('app',
	"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'migrate worker'"),
	'0', 'no migrate worker runs on the standby');
unlike(slurp_file($standby->logfile), qr/action=run_migrations database=app/,
	'the standby logged no migration run');

# promoted, it is a primary: the launcher starts and upgrades
my $pos = -s $standby->logfile;
$standby->promote;
$standby->wait_for_log(
	qr/migrate: action=run_migrations database=app status=success applied=1/, $pos);
is($standby->safe_psql('app', 'SELECT version_num FROM migrate.version'), 'a1',
	'after promotion the launcher upgraded it');

$standby->stop;
$primary->stop;
done_testing();
