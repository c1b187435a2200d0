# Background jobs start when the transaction that submits them commits (as
# NOTIFY and pg_cron's jobs do): a rollback, of the transaction or of the
# savepoint around the submission, runs nothing; a job sees what its
# transaction registered.  A job whose worker could not connect says why:
# refused at submission when the role cannot log in or connect, and in the
# job's error when the worker's connection fails later.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('jobs');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
max_worker_processes = 16
});
$node->start;

sub sq { return $node->safe_psql('postgres', $_[0]); }

sq(q{
CREATE EXTENSION migrate VERSION '1.2';
SELECT migrate_revision('a', 'CREATE TABLE ja (x int)', 'DROP TABLE ja', revision => 'j1');
});

# --- a rolled-back submission runs nothing
my ($ret, $out, $err) = $node->psql('postgres', q{
BEGIN;
SELECT migrate_upgrade_async('head') AS job \gset
ROLLBACK;
SELECT migrate_wait(:job, '30s');
});
is($out, 'failed', 'a job submitted in a transaction that rolls back ends failed') or diag $err;
like($err, qr/not started: the transaction that submitted the job rolled back/,
	'migrate_wait says why');
is(sq("SELECT count(*) FROM migrate.version"), '0', 'and it ran nothing');

($ret, $out, $err) = $node->psql('postgres', q{
BEGIN;
SAVEPOINT s;
SELECT migrate_upgrade_async('head') AS job \gset
ROLLBACK TO SAVEPOINT s;
COMMIT;
SELECT migrate_wait(:job, '30s');
});
is($out, 'failed', 'a job submitted in a savepoint that rolls back ends failed') or diag $err;
is(sq("SELECT count(*) FROM migrate.version"), '0', 'and it ran nothing either');

# --- waiting in the submitting transaction would wait forever
($ret, $out, $err) = $node->psql('postgres', q{
\set VERBOSITY verbose
BEGIN;
SELECT migrate_upgrade_async('head') AS job \gset
SELECT migrate_wait(:job);
});
like($err, qr/55000: background migration job \d+ has not started/,
	'migrate_wait refuses a job its own open transaction submitted');
like($err, qr/starts when the transaction that submitted it commits/, 'and says when it starts');

# --- a committed submission sees what its transaction registered
($ret, $out, $err) = $node->psql('postgres', q{
BEGIN;
SELECT migrate_revision('b', 'CREATE TABLE jb (x int)', 'DROP TABLE jb', revision => 'j2');
SELECT migrate_upgrade_async('head') AS job \gset
COMMIT;
SELECT migrate_wait(:job, '60s');
});
like($out, qr/succeeded$/, 'a job starts when its transaction commits') or diag $err;
is(sq("SELECT version_num FROM migrate.version"), 'j2',
	'and sees the revision its transaction registered');

# --- roles that cannot connect
sq(q{
CREATE ROLE jobs_nologin NOLOGIN;
CREATE ROLE jobs_noconnect LOGIN;
CREATE ROLE jobs_later LOGIN;
REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;
GRANT CONNECT ON DATABASE postgres TO jobs_later;
GRANT EXECUTE ON FUNCTION migrate_upgrade_async(text), migrate_wait(bigint, interval)
	TO jobs_nologin, jobs_noconnect, jobs_later;
SELECT migrate_revision('c', 'SELECT 1', 'SELECT 1', revision => 'j3');
});
($ret, $out, $err) = $node->psql('postgres', q{
\set VERBOSITY verbose
SET ROLE jobs_nologin;
SELECT migrate_upgrade_async('head');
});
like($err, qr/42501: role "jobs_nologin" cannot run a background migration job/,
	'a NOLOGIN role is refused at submission with 42501');
like($err, qr/is not permitted to log in/, 'the detail says why');
($ret, $out, $err) = $node->psql('postgres', q{
\set VERBOSITY verbose
SET ROLE jobs_noconnect;
SELECT migrate_upgrade_async('head');
});
like($err, qr/42501: role "jobs_noconnect" cannot run a background migration job/,
	'a role without CONNECT is refused at submission');
like($err, qr/has no CONNECT privilege on database "postgres"/, 'the detail says why');

# the role loses LOGIN between submission and commit: the worker's FATAL
# is the job's error, not only a line in the server log
($ret, $out, $err) = $node->psql('postgres', q{
BEGIN;
SET LOCAL ROLE jobs_later;
SELECT migrate_upgrade_async('head') AS job \gset
RESET ROLE;
ALTER ROLE jobs_later NOLOGIN;
COMMIT;
SELECT migrate_wait(:job, '60s');
SELECT error FROM migrate_jobs WHERE job_id = :job;
});
like($out, qr/^failed\n/, 'the job whose worker could not connect ends failed') or diag $err;
like($out, qr/the worker could not start: role "jobs_later" is not permitted to log in/,
	'migrate_jobs shows why');
like($err, qr/job failed: the worker could not start: role "jobs_later" is not permitted to log in/,
	'migrate_wait says why');
is(sq("SELECT version_num FROM migrate.version"), 'j2', 'and nothing ran');

# the job's row, written by the submitting transaction, gets the worker's
# error from the next runner, and keeps it across a restart
my $failed_job = sq("SELECT max(job_id) FROM migrate.job");
sq("SELECT count(*) FROM migrate_upgrade('j2')");
like(sq("SELECT state || ': ' || error FROM migrate.job WHERE job_id = $failed_job"),
	qr/^failed: the worker could not start: role "jobs_later" is not permitted to log in/,
	'the next runner records the worker\'s error in the job\'s row');
$node->restart;
like(sq("SELECT state || ': ' || error FROM migrate_jobs WHERE job_id = $failed_job"),
	qr/^failed: the worker could not start: role "jobs_later" is not permitted to log in/,
	'migrate_jobs still shows it after a restart');
is(sq("SELECT count(*) FROM migrate.job WHERE state <> 'succeeded' AND state <> 'failed'"), '0',
	'no job row is left queued or running');

$node->stop;
done_testing();
