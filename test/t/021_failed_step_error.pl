# A per-revision run whose step fails raises the step's error after it has
# committed the failure to migrate.run and migrate.job.  The error used to be
# built from ErrorData that lived in the failed step's transaction, freed by
# that commit: a migrate worker (or a backend in CALL migrate_upgrade_each)
# whose step failed with a long message, or too deep an expression, died of
# SIGSEGV and the postmaster restarted the server.  Here each shape runs as an
# async job and as a procedure; the server must not crash, and the job and run
# rows must record the error.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('failstep');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
max_worker_processes = 16
});
$node->start;

my $db = 'postgres';
sub sq { return $node->safe_psql($db, $_[0]); }

my %scripts = (
	long => q{SELECT 1; DO $$BEGIN RAISE EXCEPTION '%', pg_catalog.repeat('boom ', 200000) USING ERRCODE = '22023'; END$$},
	deep => 'SELECT ' . ('1+' x 20000) . '1',
);
my %errors = (long => qr/\d+\): boom boom/, deep => qr/stack depth limit exceeded/);

my $n = 0;
for my $shape (sort keys %scripts)
{
	$n++;
	my $rev = sprintf('f%011d', $n);
	$node->safe_psql('postgres', "CREATE DATABASE $shape");
	$db = $shape;
	sq(q{CREATE EXTENSION migrate VERSION '1.2';});
	$node->safe_psql($db,
		"SELECT migrate_revision('$shape', \$s\$$scripts{$shape}\$s\$, NULL, '$rev', '{}')");

	# as an async job: submit, commit, then wait
	my $job = sq("SELECT migrate_upgrade_async('heads')");
	my ($ret, $out, $err) = $node->psql($db,
		"SELECT migrate_wait($job, '60 s')");
	is($out, 'failed', "$shape: the job ends failed") or diag $err;
	like(sq("SELECT error FROM migrate.job WHERE job_id = $job"), $errors{$shape},
		"$shape: the job row records the step's error");
	like(sq("SELECT error FROM migrate.run ORDER BY run_id DESC LIMIT 1"),
		qr/revision $rev \(step 1 of 1\)/,
		"$shape: the run row records where it stopped");

	# as a procedure in this backend
	($ret, $out, $err) = $node->psql($db,
		"\\set VERBOSITY verbose\nCALL migrate_upgrade_each('heads')");
	isnt($ret, 0, "$shape: CALL migrate_upgrade_each fails");
	like($err, $shape eq "long" ? qr/ERROR:  22023: boom boom/ : $errors{$shape}, "$shape: with the step's error");
	like($err, qr/stopped at revision "$rev" \(step 1 of 1\)/,
		"$shape: and says where it stopped");
	is(sq('SELECT 1'), '1', "$shape: the server still answers");
}

my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated/,
	'no backend or worker died');

$node->stop;
done_testing();
