# Lock-safe DDL: a long transaction holds a lock on a table; a migration on
# that table times out, retries with backoff, and succeeds once the lock is
# released, while other sessions' queries on the table never wait behind it
# for longer than migrate.lock_timeout.  Prints the measured figures.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Time::HiRes qw(time);
use Test::More;

my $timeout_ms = 300;
my $node = PostgreSQL::Test::Cluster->new('locks');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
migrate.lock_timeout = ${timeout_ms}ms
migrate.lock_retries = 30
migrate.lock_retry_delay = 100ms
});
$node->start;

sub sq { return $node->safe_psql('postgres', $_[0]); }

sq(q{
CREATE EXTENSION migrate;
CREATE TABLE accounts (id int PRIMARY KEY, balance int);
INSERT INTO accounts SELECT g, 0 FROM generate_series(1, 1000) g;
SELECT migrate_revision('col', 'ALTER TABLE accounts ADD COLUMN note text', 'ALTER TABLE accounts DROP COLUMN note', revision => 'l1');
});

# the long transaction: an open read of the table holds ACCESS SHARE
my ($in, $out, $err) = ('', '', '');
my $holder = IPC::Run::start([ 'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres' ],
	'<', \$in, '>', \$out, '2>', \$err);
$in .= "BEGIN; SELECT count(*) FROM accounts; SELECT 'holding';\n";
$holder->pump until $out =~ /holding/;

# the migration, in the background
my ($mout, $merr) = ('', '');
my $t0 = time;
my $mig = IPC::Run::start([ 'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
	'-c', "SELECT count(*) FROM migrate_upgrade('head')" ], '>', \$mout, '2>', \$merr);

# application queries while the migration keeps trying: each must finish
# within about lock_timeout (it may queue behind one attempt, never more)
$node->poll_query_until('postgres',
	"SELECT count(*) > 0 FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'")
  or die 'migration never waited';
my $max = 0;
my $n = 0;
my $deadline = time + 3;
while (time < $deadline)
{
	my $s = time;
	sq("SELECT count(*) FROM accounts");
	my $d = (time - $s) * 1000;
	$max = $d if $d > $max;
	$n++;
}
my $retries_before = () = $merr =~ /retrying/g;

# release the lock: the next retry gets it
$in .= "COMMIT;\n\\q\n";
$holder->finish;
$mig->finish;
my $total = (time - $t0) * 1000;
is($mout =~ /^\s*1\s*$/m ? 1 : 0, 1, 'the migration succeeded once the lock was released') or diag $merr;
my $retries = () = $merr =~ /retrying/g;
cmp_ok($retries, '>=', 2, 'the migration timed out and retried');
cmp_ok($max, '<', $timeout_ms + 700, "application queries waited at most about lock_timeout");
is(sq("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'note'"),
	'1', 'the column exists');
diag sprintf("lock figures: lock_timeout=%dms app_queries=%d max_app_wait=%.0fms retries=%d migration_total=%.0fms",
	$timeout_ms, $n, $max, $retries, $total);

# retries exhausted: a clean failure with 55P03 and a hint
sq("SELECT migrate_revision('col2', 'ALTER TABLE accounts ADD COLUMN note2 text', 'ALTER TABLE accounts DROP COLUMN note2', revision => 'l2')");
($in, $out, $err) = ('', '', '');
$holder = IPC::Run::start([ 'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres' ],
	'<', \$in, '>', \$out, '2>', \$err);
$in .= "BEGIN; SELECT count(*) FROM accounts; SELECT 'holding';\n";
$holder->pump until $out =~ /holding/;
my ($ret, $o2, $e2) = $node->psql('postgres',
	"SET migrate.lock_retries = 2; SET migrate.lock_retry_delay = 10; \\set VERBOSITY verbose\nSELECT * FROM migrate_upgrade('head')");
like($e2, qr/55P03: could not acquire a lock for revision "l2" after 3 attempts/, 'fails with 55P03 after the retries');
like($e2, qr/HINT:.*migrate\.lock_timeout/, 'with a hint');
is(sq("SELECT version_num FROM migrate.version"), 'l1', 'nothing of the failed run remains');
$in .= "COMMIT;\n\\q\n";
$holder->finish;

# per-revision commits retry too
($ret, $o2, $e2) = $node->psql('postgres', "CALL migrate_upgrade_each('head')");
is($ret, 0, 'upgrade_each succeeds without the holder') or diag $e2;

$node->stop;
done_testing();
