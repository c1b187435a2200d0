# A run that fails inside its caller's transaction loses its own run-log
# rows with that transaction; a short-lived worker records the failure in
# migrate.run all the same.  Dry runs and runs that never started (a bad
# target) are not recorded.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('failed');
$node->init;
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION migrate;
CREATE ROLE deployer;
GRANT CREATE ON SCHEMA public TO deployer;
GRANT migrate_deployer TO deployer;
SET ROLE deployer;  -- a revision runs as the role that registered it
SELECT migrate_revision('one', 'CREATE TABLE f1 (id int);', 'DROP TABLE f1;', revision => 'a1', down_revisions => '{}');
SELECT migrate_revision('breaks', E'CREATE TABLE f2 (id int);\nSELECT 1/0;', '', revision => 'b2');
});

my ($ret, $out, $err) = $node->psql('postgres',
	"SET application_name = 'deploy-7'; SET ROLE deployer; SELECT * FROM migrate_upgrade('head')");
isnt($ret, 0, 'the failing upgrade fails');
like($err, qr/division by zero/, 'with the script\'s error');

$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM migrate.run WHERE status = 'failed'", 't')
  or die 'the failed run was never recorded';
is($node->safe_psql('postgres',
	"SELECT operation || ' ' || target || ' ' || role_name || ' ' || application_name FROM migrate.run"),
	'upgrade head deployer deploy-7', 'the run log names operation, target, role and application');
like($node->safe_psql('postgres', 'SELECT error FROM migrate.run'),
	qr/^division by zero \(.*upgrade of revision "b2", statement 2, line 2\)$/,
	'and the error with where it happened');
is($node->safe_psql('postgres', 'SELECT count(*) FROM migrate.version'), '0',
	'nothing of the run stayed');
is($node->safe_psql('postgres', 'SELECT count(*) FROM migrate.run_step'), '0',
	'no step rows survive the rollback');

# neither a dry run nor a run that never started is recorded
$node->psql('postgres', "SELECT * FROM migrate_upgrade('head', dry_run => true)");
$node->psql('postgres', "SELECT * FROM migrate_upgrade('nope')");
# a later successful run is proof the writer had time for anything queued
$node->safe_psql('postgres', "SELECT migrate_revision('fixed', 'SELECT 1;', '', revision => 'b2')");
$node->safe_psql('postgres', "SELECT * FROM migrate_upgrade('head')");
$node->poll_query_until('postgres',
	"SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE backend_type = 'migrate worker')", 't');
is($node->safe_psql('postgres',
	"SELECT string_agg(status, ',' ORDER BY run_id) FROM migrate.run"),
	'failed,succeeded', 'only the failed run and the successful one are logged');

$node->stop;
done_testing();
