# migrate_jobs and migrate_progress: their shared-memory readers are
# internals in the catalog schema, not in the user's schema; reading the
# views needs SELECT on them and nothing else; migrate_progress shows only
# this database's runs, and statement text only to the running role and to
# members of pg_read_all_stats (as pg_stat_activity does).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('views');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
max_worker_processes = 16
});
$node->start;

sub sq { return $node->safe_psql($_[1] // 'postgres', $_[0]); }

sq("CREATE DATABASE other");
for my $db ('postgres', 'other')
{
	sq(q{
CREATE EXTENSION migrate VERSION '1.2';
SELECT migrate_revision('slow', 'SELECT pg_sleep(300) /* secret statement */', 'SELECT 1', revision => 's1');
}, $db);
}

is(sq(q{SELECT count(*) FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
	AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
	WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'migrate')
	AND p.proname LIKE '%slots' AND p.pronamespace <> 'migrate'::regnamespace}),
	'0', 'no shared-memory reader is left in the extension\'s schema');
is(sq("SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'migrate'::regnamespace AND proname LIKE '%slots'"),
	'job_slots,progress_slots', 'they are in the catalog schema');

sq(q{
CREATE ROLE viewer LOGIN;
CREATE ROLE stats_viewer LOGIN IN ROLE pg_read_all_stats;
GRANT SELECT ON migrate_progress, migrate_jobs TO viewer, stats_viewer;
});

# one run in flight in each database, as the superuser
my $job = sq("SELECT migrate_upgrade_async('head')");
my $other_job = sq("SELECT migrate_upgrade_async('head')", 'other');
$node->poll_query_until('postgres',
	"SELECT count(*) = 1 FROM migrate_progress WHERE statement = 1") or die 'no progress';
$node->poll_query_until('other',
	"SELECT count(*) = 1 FROM migrate_progress WHERE statement = 1") or die 'no progress in other';

is(sq("SELECT count(*) FROM migrate_progress"), '1',
	'migrate_progress shows only this database\'s run');
is(sq("SELECT job_id FROM migrate_progress"), $job, 'the run of this database\'s job');

my ($ret, $out, $err) = $node->psql('postgres',
	"SET ROLE viewer; SELECT revision || ' ' || statement_text FROM migrate_progress");
is($ret, 0, 'a role with SELECT on migrate_progress reads it without further grants') or diag $err;
is($out, 's1 <insufficient privilege>', 'but not another role\'s statement text');
($ret, $out, $err) = $node->psql('postgres',
	"SET ROLE viewer; SELECT job_id FROM migrate_jobs WHERE state = 'running'");
is($out, $job, 'migrate_jobs likewise') or diag $err;
like(sq("SET ROLE stats_viewer; SELECT statement_text FROM migrate_progress"),
	qr{secret statement}, 'a member of pg_read_all_stats sees the statement text');
like(sq("SELECT statement_text FROM migrate_progress"), qr{secret statement},
	'the running role (here a superuser) sees it');
($ret, $out, $err) = $node->psql('postgres', "SET ROLE viewer; SELECT * FROM migrate.progress_slots()");
like($err, qr/permission denied for schema migrate/, 'the internals are not reachable by name');

sq("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE backend_type = 'migrate worker'");
$node->stop;
done_testing();
