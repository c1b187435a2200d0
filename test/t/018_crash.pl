# Crash safety: kill -9 of the backend, and an immediate shutdown of the
# server (pg_ctl -m immediate), in the middle of a one-transaction run
# (SELECT migrate_upgrade) and of a per-revision run (CALL
# migrate_upgrade_each).  Afterwards the catalog (version rows, applied
# revisions, run rows) and the schema agree, and the next upgrade finishes.
# TAP 010 covers kill -9 of a per-revision run's backend and of a job's
# worker.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('crash');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
restart_after_crash = on
});
$node->start;

sub sq { return $node->safe_psql('postgres', $_[0]); }

# every revision N creates table cN; the slow one sleeps after it
sub register
{
	my ($slow) = @_;
	my $sleep = $slow ? ' SELECT pg_sleep(300)' : '';
	sq(qq{
SELECT migrate_revision('one', 'CREATE TABLE c1 (x int)', 'DROP TABLE c1', revision => 'r1');
SELECT migrate_revision('two', 'CREATE TABLE c2 (x int);$sleep',
	'DROP TABLE c2', revision => 'r2');
SELECT migrate_revision('three', 'CREATE TABLE c3 (x int)', 'DROP TABLE c3', revision => 'r3');
});
}

# catalog and schema agree: table cN exists exactly when rN is applied
sub agree
{
	my ($what, $applied) = @_;
	is(sq("SELECT coalesce(string_agg(revision, ',' ORDER BY revision), '') FROM migrate.applied"),
		$applied, "$what: applied revisions");
	is(sq(q{SELECT coalesce(string_agg(n, ',' ORDER BY n), '') FROM
		(SELECT 'r' || i AS n FROM generate_series(1, 3) i
		  WHERE to_regclass('c' || i) IS NOT NULL) t}),
		$applied, "$what: the schema has exactly the applied revisions' tables");
	my $head = $applied eq '' ? '' : (split /,/, $applied)[-1];
	is(sq("SELECT coalesce(string_agg(version_num, ','), '') FROM migrate.version"), $head,
		"$what: the version row");
}

sub start_run
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start([ 'psql', '-X', '-h', $node->host, '-p', $node->port,
		'-d', 'postgres', '-c', $sql ], '>', \$out, '2>', \$err);
	$node->poll_query_until('postgres',
		"SELECT revision = 'r2' AND statement = 2 FROM migrate_progress") or die 'no progress';
	return $h;
}

sub crash
{
	my ($how, $h) = @_;
	if ($how eq 'kill')
	{
		my $pid = sq("SELECT pid FROM migrate_progress");
		my $logpos = -s $node->logfile;
		kill 'KILL', $pid;
		$node->wait_for_log(qr/database system is ready to accept connections/, $logpos);
	}
	else
	{
		$node->stop('immediate');
		$node->start;
	}
	$h->finish;
	$node->poll_query_until('postgres', 'SELECT true') or die;
}

sub finish_upgrade
{
	my ($what) = @_;
	register(0);		# r2 is not applied, so it may change
	sq("SELECT count(*) FROM migrate_upgrade('head')");
	agree("$what, then the next upgrade", 'r1,r2,r3');
	is(sq("SELECT count(*) FROM migrate.run WHERE status = 'running'"), '0',
		"$what, then the next upgrade: no run is left running");
	sq("SELECT count(*) FROM migrate_downgrade('base')");
	agree("$what, reset", '');
}

sq("CREATE EXTENSION migrate");

for my $how ('kill', 'immediate')
{
	my $what = $how eq 'kill' ? 'kill -9 of the backend' : 'immediate shutdown';

	# --- one transaction: nothing of the run survives
	register(1);
	my $h = start_run("SELECT count(*) FROM migrate_upgrade('head')");
	crash($how, $h);
	agree("$what in a one-transaction run", '');
	is(sq("SELECT count(*) FROM migrate.run WHERE status = 'running'"), '0',
		"$what in a one-transaction run: its run row went with its transaction");
	finish_upgrade("$what in a one-transaction run");

	# --- per revision: the steps before the crash stay
	register(1);
	$h = start_run("CALL migrate_upgrade_each('head')");
	crash($how, $h);
	agree("$what in a per-revision run", 'r1');
	is(sq("SELECT count(*) FROM migrate.run WHERE status = 'running'"), '1',
		"$what in a per-revision run: its run row says running until the next runner");
	finish_upgrade("$what in a per-revision run");
	like(sq("SELECT error FROM migrate.run WHERE status = 'failed' ORDER BY run_id DESC LIMIT 1"),
		qr/^abandoned/, "$what in a per-revision run: the next runner marks it abandoned");
}

$node->stop;
done_testing();
