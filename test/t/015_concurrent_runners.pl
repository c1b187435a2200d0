# Sixteen runners at once for a bounded time: migrate_upgrade,
# CALL migrate_upgrade_each, both downgrades and a registration, mixed by
# pgbench.  The lock order is the graph lock before the runner lock, and
# code holding the runner lock never asks for the graph lock; before that
# held, CALL migrate_upgrade_each asked for the graph lock in every step
# while holding the runner lock, and the deadlock detector had to reorder
# lock queues (or cancel a runner with 40P01) all the time.  With
# log_lock_waits on, both show in the server log; the test counts them and
# requires zero.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $seconds = $ENV{MG_RUNNERS_SECONDS} || 20;

my $node = PostgreSQL::Test::Cluster->new('runners');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
max_connections = 40
log_lock_waits = on
deadlock_timeout = 100ms
log_min_messages = warning
});
$node->start;

$node->safe_psql('postgres', q{
CREATE EXTENSION migrate;
SELECT migrate_revision('a', 'CREATE TABLE ta (x int)', 'DROP TABLE ta', revision => 'r1');
SELECT migrate_revision('b', 'CREATE TABLE tb (x int)', 'DROP TABLE tb', revision => 'r2');
SELECT migrate_revision('c', 'CREATE TABLE tc (x int)', 'DROP TABLE tc', revision => 'r3');
});

my %scripts = (
	'upgrade.sql' => "SELECT count(*) FROM migrate_upgrade('head');\n",
	'upgrade_each.sql' => "CALL migrate_upgrade_each('head');\n",
	'downgrade.sql' => "SELECT count(*) FROM migrate_downgrade('base');\n",
	'downgrade_each.sql' => "CALL migrate_downgrade_each('base');\n",
	# takes the graph lock exclusively; an identical re-registration is
	# accepted whether or not the revision is applied
	'register.sql' => "SELECT migrate_revision('d', 'SELECT 1', 'SELECT 1', revision => 'r4');\n",
);
my @files;
for my $f (sort keys %scripts)
{
	my $path = $node->basedir . "/$f";
	PostgreSQL::Test::Utils::append_to_file($path, $scripts{$f});
	push @files, '-f', $path;
}

my $logpos = -s $node->logfile;
my ($out, $err) = ('', '');
IPC::Run::run(
	[ 'pgbench', '-n', '-c', '16', '-j', '1', '-T', $seconds, '--failures-detailed',
	  @files, '-h', $node->host, '-p', $node->port, 'postgres' ],
	'>', \$out, '2>', \$err);

my ($processed) = $out =~ /number of transactions actually processed: (\d+)/;
my ($failed) = $out =~ /^number of failed transactions: (\d+)/m;
my ($deadlocks) = $out =~ /^number of deadlock failures: (\d+)/m;
my $log = slurp_file($node->logfile, $logpos);
my $detected = () = $log =~ /deadlock detected/g;
my $rearranged = () = $log =~ /avoided deadlock/g;
my $aborted = () = $err =~ /client \d+ aborted/g;
diag(sprintf("16 runners for %d s: %d runs, %d failed, %d deadlock failures (40P01), "
	. "%d deadlocks detected, %d lock queues rearranged by the deadlock detector, "
	. "%d clients aborted",
	$seconds, $processed // -1, $failed // -1, $deadlocks // -1, $detected, $rearranged,
	$aborted));

ok(defined $processed && $processed > 0, 'the runners ran') or diag $out . $err;
is($aborted, 0, 'no runner failed with an error') or diag $err;
is($deadlocks, 0, 'no runner was cancelled by a deadlock (40P01)');
is($detected, 0, 'the server log has no deadlock');
is($rearranged, 0, 'the deadlock detector never had to reorder a lock queue');

# the catalog is consistent afterwards
$node->safe_psql('postgres', "SELECT count(*) FROM migrate_upgrade('head')");
is($node->safe_psql('postgres', "SELECT version_num FROM migrate.version"), 'r4',
	'a final upgrade reaches head');
is($node->safe_psql('postgres', "SELECT count(*) FROM migrate.run WHERE status = 'running'"), '0',
	'no run is left running');

$node->stop;
done_testing();
