# pg_cron runs migrations on a schedule: a newly registered revision is
# applied by the schedule, two overlapping schedules never apply it twice,
# and a failing revision shows in cron.job_run_details and, for the
# per-revision-commit recipe, in migrate's run log.  Debian's pg_cron 1.4
# schedules by the minute, so this test waits for minute boundaries.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('cron');
$node->init;
# pg_cron connects to the server through libpq: point it at our socket
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron,migrate'
cron.database_name = 'postgres'
cron.host = '@{[ $node->host ]}'
max_worker_processes = 20
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION pg_cron;
CREATE EXTENSION migrate;
SELECT migrate_revision('one', 'CREATE TABLE cron_t1 (id int); INSERT INTO cron_t1 VALUES (1);',
                        'DROP TABLE cron_t1;', revision => 'a1', down_revisions => '{}');
SELECT cron.schedule('migrate-1', '* * * * *', $$SELECT count(*) FROM migrate_upgrade('head')$$);
SELECT cron.schedule('migrate-2', '* * * * *', $$SELECT count(*) FROM migrate_upgrade('head')$$);
});

# both schedules fire at the next minute; one applies, the other waits for
# the runner lock and then finds nothing to do
$node->poll_query_until('postgres',
	"SELECT count(*) = 2 FROM cron.job_run_details WHERE status = 'succeeded'", 't')
  or die 'the schedules did not run';
is($node->safe_psql('postgres', 'SELECT version_num FROM migrate.version'), 'a1',
	'the schedule applied the new revision');
is($node->safe_psql('postgres', 'SELECT count(*) FROM cron_t1'), '1',
	'two overlapping schedules applied it once');
is($node->safe_psql('postgres',
	"SELECT count(*) FROM migrate.run_step WHERE revision = 'a1'"), '1',
	'the run log shows one application');

# a failing revision: both recipes fail, and both failures reach the run log
# (the plain one's through the failure-recording worker)
$node->safe_psql('postgres', q{
SELECT migrate_revision('breaks', 'SELECT 1/0;', '', revision => 'b2');
SELECT cron.unschedule('migrate-2');
SELECT cron.schedule('migrate-each', '* * * * *', $$CALL migrate_upgrade_each('head')$$);
});
$node->poll_query_until('postgres',
	"SELECT count(*) >= 2 FROM cron.job_run_details WHERE status = 'failed'", 't')
  or die 'the failing schedules did not run';
like($node->safe_psql('postgres',
	"SELECT string_agg(DISTINCT return_message, ' | ') FROM cron.job_run_details WHERE status = 'failed'"),
	qr/division by zero/, 'cron.job_run_details shows the error');
$node->poll_query_until('postgres',
	"SELECT count(*) >= 2 FROM migrate.run WHERE status = 'failed' AND error LIKE '%division by zero%'", 't')
  or die 'the failed runs were not recorded';
pass('the run log records the failed runs of both recipes');
is($node->safe_psql('postgres', 'SELECT version_num FROM migrate.version'), 'a1',
	'nothing of the failing revision stayed');

$node->stop;
done_testing();
