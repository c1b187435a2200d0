# Runs beyond one transaction: per-revision commits with a failure in the
# middle, background jobs and migrate_wait, CREATE INDEX CONCURRENTLY under
# concurrent writes, the dirty mark and its resolution, the progress view,
# and kill -9 of a backend and of a worker in mid-run.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('beyond');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
max_worker_processes = 16
restart_after_crash = on
});
$node->start;

sub sq { return $node->safe_psql('postgres', $_[0]); }

sq(q{
CREATE EXTENSION migrate;
CREATE TABLE items (id serial PRIMARY KEY, v int);
INSERT INTO items (v) SELECT g FROM generate_series(1, 20000) g;
SELECT migrate_revision('a', 'CREATE TABLE ta (x int)', 'DROP TABLE ta', revision => 'r1');
SELECT migrate_revision('b', 'CREATE TABLE tb (x int)', 'DROP TABLE tb', revision => 'r2');
SELECT migrate_revision('c', 'CREATE TABLE tc (x int); SELECT 1/0', 'DROP TABLE tc', revision => 'r3');
SELECT migrate_revision('d', 'CREATE TABLE td (x int)', 'DROP TABLE td', revision => 'r4');
});

# --- per-revision commits: the failure in the middle keeps what finished
my ($ret, $out, $err) = $node->psql('postgres', "CALL migrate_upgrade_each('head')");
isnt($ret, 0, 'upgrade_each fails at the failing revision');
like($err, qr/division by zero/, 'the error is the revision\'s');
like($err, qr/stopped at revision "r3" \(step 3 of 4\); 2 steps before it were committed/,
	'the error says where it stopped');
is(sq("SELECT version_num FROM migrate.version"), 'r2', 'finished revisions stay committed');
is(sq("SELECT status || ':' || steps FROM migrate.run ORDER BY run_id DESC LIMIT 1"), 'failed:2',
	'the run log records the failed run');

# fix r3 (unapplied, so it may change) and finish with an async job
sq(q{SELECT migrate_revision('c', 'CREATE TABLE tc (x int)', 'DROP TABLE tc', revision => 'r3')});
my $job = sq("SELECT migrate_upgrade_async('head')");
like($job, qr/^\d+$/, 'migrate_upgrade_async returns a job id');
is(sq("SELECT migrate_wait($job)"), 'succeeded', 'migrate_wait returns the final state');
is(sq("SELECT state || ':' || steps_done || '/' || steps_total FROM migrate_jobs WHERE job_id = $job"),
	'succeeded:2/2', 'the job is in migrate_jobs with its steps');
is(sq("SELECT version_num FROM migrate.version"), 'r4', 'the job upgraded the database');

# a job that fails
sq(q{SELECT migrate_revision('e', 'SELECT no_such_function()', 'SELECT 1', revision => 'r5')});
$job = sq("SELECT migrate_upgrade_async('head')");
is(sq("SELECT migrate_wait($job)"), 'failed', 'a failing job ends failed');
like(sq("SELECT error FROM migrate_jobs WHERE job_id = $job"), qr/no_such_function/,
	'the job keeps its error');
like(sq("SELECT error FROM migrate.run ORDER BY run_id DESC LIMIT 1"), qr/revision r5/,
	'the failed job is in the run log');
sq(q{SELECT migrate_revision('e', 'SELECT 1', 'SELECT 1', revision => 'r5')});
sq(q{CALL migrate_upgrade_each('head')});

# --- CREATE INDEX CONCURRENTLY on a table under concurrent writes
sq(q{SELECT migrate_revision('idx', 'CREATE INDEX CONCURRENTLY items_v ON items (v)',
	'DROP INDEX CONCURRENTLY items_v', revision => 'r6', transactional => false)});
my $script = $node->basedir . '/write.sql';
PostgreSQL::Test::Utils::append_to_file($script,
	"INSERT INTO items (v) VALUES (random() * 1000);\nUPDATE items SET v = v + 1 WHERE id = (random() * 20000)::int;\n");
my ($pbout, $pberr) = ('', '');
my $pgbench = IPC::Run::start(
	[ 'pgbench', '-n', '-c', '2', '-T', '5', '-f', $script, '-h', $node->host,
	  '-p', $node->port, 'postgres' ],
	'>', \$pbout, '2>', \$pberr);
($ret, $out, $err) = $node->psql('postgres', "CALL migrate_upgrade_each('head')");
is($ret, 0, 'CALL migrate_upgrade_each runs a non-transactional revision') or diag $err;
like($err, qr/background job/, 'through a background job');
$pgbench->finish;
like($pbout, qr/number of transactions actually processed: [1-9]/, 'writes went on during the build');
is(sq("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_v'::regclass"), 't',
	'the concurrently built index is valid');
is(sq("SELECT count(*) FROM migrate.dirty"), '0', 'not dirty after success');
# defect 4: the applied checksum of a non-transactional revision was read
# from memory its commits had freed
is(sq("SELECT a.checksum = r.checksum FROM migrate.applied a JOIN migrate.revision r ON r.id = a.revision WHERE r.id = 'r6'"),
	't', 'the applied checksum of a non-transactional revision is the revision\'s');
($ret, $out, $err) = $node->psql('postgres', "SELECT migrate_check()");
is($ret, 0, 'migrate_check() passes after a non-transactional revision') or diag $err;
is(sq("SELECT count(*) FROM items WHERE v >= 0"),
	sq("SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM items WHERE v >= 0"),
	'index and heap agree');

# migrate_upgrade refuses such a plan before running anything
sq(q{SELECT migrate_revision('idx2', 'CREATE INDEX CONCURRENTLY items_v2 ON items (v, id)',
	'DROP INDEX CONCURRENTLY items_v2', revision => 'r7', transactional => false)});
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM migrate_upgrade('head')");
like($err, qr/cannot run inside a transaction block.*migrate_upgrade_each/s,
	'migrate_upgrade refuses and names the entry point to use');

# --- the dirty mark: a non-transactional revision that fails midway
sq(q{SELECT migrate_revision('idx2', 'CREATE INDEX CONCURRENTLY items_v2 ON items (v, id); CREATE INDEX CONCURRENTLY items_v ON items (v)',
	'DROP INDEX CONCURRENTLY items_v2', revision => 'r7', transactional => false)});
($ret, $out, $err) = $node->psql('postgres', "CALL migrate_upgrade_each('head')");
like($err, qr/relation "items_v" already exists/, 'the second statement fails');
is(sq("SELECT revision || ':' || statements_done || '/' || statements || ':' || failed_statement FROM migrate.dirty"),
	'r7:1/2:2', 'the database is marked dirty with revision and statement');
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM migrate_upgrade('head')");
like($err, qr/database is dirty: non-transactional revision "r7" did not finish/, 'runs refuse while dirty');
like($err, qr/migrate_resolve_dirty/, 'the hint names the resolver');
($ret, $out, $err) = $node->psql('postgres', "CALL migrate_upgrade_each('head')");
like($err, qr/database is dirty/, 'procedures refuse while dirty');
sq("SELECT migrate_resolve_dirty('r7', applied => true)");
is(sq("SELECT version_num FROM migrate.version"), 'r7', 'resolved as applied');
is(sq("SELECT count(*) FROM migrate.dirty"), '0', 'no longer dirty');

# --- progress, and kill -9 of a worker in mid-run
sq(q{SELECT migrate_revision('slow', 'CREATE INDEX CONCURRENTLY items_v3 ON items (id, v); SELECT pg_sleep(60)',
	'DROP INDEX CONCURRENTLY items_v3', revision => 'r8', transactional => false)});
$job = sq("SELECT migrate_upgrade_async('head')");
$node->poll_query_until('postgres',
	"SELECT statement = 2 FROM migrate_progress WHERE job_id = $job") or die 'no progress';
is(sq("SELECT revision || ' ' || step || '/' || steps || ' ' || direction FROM migrate_progress"),
	'r8 1/1 upgrade', 'migrate_progress shows the running revision');
like(sq("SELECT query FROM pg_stat_activity WHERE backend_type = 'migrate worker'"),
	qr{/\* migrate: upgrade revision r8, step 1 of 1, statement 2 \*/ SELECT pg_sleep},
	'pg_stat_activity shows the revision');
my $wpid = sq("SELECT worker_pid FROM migrate_jobs WHERE job_id = $job");
my $logpos = -s $node->logfile;
kill 'KILL', $wpid;
$node->wait_for_log(qr/database system is ready to accept connections/, $logpos);
$node->poll_query_until('postgres', 'SELECT true') or die;
is(sq("SELECT revision || ':' || statements_done FROM migrate.dirty"), 'r8:1',
	'a killed worker leaves the database dirty at the statement it reached');
is(sq("SELECT state FROM migrate_jobs WHERE job_id = $job"), 'failed', 'the killed job shows failed');
is(sq("SELECT migrate_wait($job)"), 'failed', 'migrate_wait reports it failed');
is(sq("SELECT state FROM migrate.job WHERE job_id = $job"), 'running',
	'the killed job\'s row is left running');
sq("SELECT migrate_resolve_dirty('r8', applied => false)");
sq("DROP INDEX items_v3");
is(sq("SELECT version_num FROM migrate.version"), 'r7', 'resolved as not applied');
# defect 10: the next runner, whatever its path, marks what the dead one left
sq("SELECT count(*) FROM migrate_upgrade('r7')");
like(sq("SELECT state || ': ' || error FROM migrate.job WHERE job_id = $job"),
	qr/^failed: abandoned: the worker exited before the job finished/,
	'the next runner marks the killed job\'s row failed, as abandoned');
is(sq("SELECT count(*) FROM migrate.run WHERE status = 'running'"), '0',
	'and the killed job\'s run');

# --- kill -9 of a backend running CALL migrate_upgrade_each
sq(q{SELECT migrate_revision('slow', 'CREATE INDEX CONCURRENTLY items_v3 ON items (id, v)',
	'DROP INDEX CONCURRENTLY items_v3', revision => 'r8', transactional => false)});
sq(q{SELECT migrate_revision('t1', 'CREATE TABLE k1 (x int)', 'DROP TABLE k1', revision => 'k1', down_revisions => '{r8}')});
sq(q{SELECT migrate_revision('t2', 'SELECT pg_sleep(60)', 'SELECT 1', revision => 'k2')});
sq("CALL migrate_upgrade_each('r8')");
my $bg = IPC::Run::start([ 'psql', '-X', '-h', $node->host, '-p', $node->port, '-d', 'postgres',
	'-c', "CALL migrate_upgrade_each('head')" ], '>', \$out, '2>', \$err);
$node->poll_query_until('postgres',
	"SELECT revision = 'k2' FROM migrate_progress") or die 'no progress';
my $bpid = sq("SELECT pid FROM migrate_progress");
$logpos = -s $node->logfile;
kill 'KILL', $bpid;
$bg->finish;
$node->wait_for_log(qr/database system is ready to accept connections/, $logpos);
$node->poll_query_until('postgres', 'SELECT true') or die;
is(sq("SELECT version_num FROM migrate.version"), 'k1', 'steps before the kill stay committed');
is(sq("SELECT status FROM migrate.run ORDER BY run_id DESC LIMIT 1"), 'running', 'the run row is left running');
sq(q{SELECT migrate_revision('t2', 'SELECT 1', 'SELECT 1', revision => 'k2')});
# defect 10: a one-step migrate_upgrade() is a runner too
sq("SELECT count(*) FROM migrate_upgrade('head')");
is(sq("SELECT string_agg(status, ',' ORDER BY run_id) FROM (SELECT * FROM migrate.run ORDER BY run_id DESC LIMIT 2) r"),
	'failed,succeeded', 'the next run (migrate_upgrade) marks the killed run failed and succeeds');
like(sq("SELECT error FROM migrate.run ORDER BY run_id DESC LIMIT 1 OFFSET 1"), qr/abandoned/,
	'as abandoned');

# --- migrate_wait never waits on itself
sq(q{SELECT migrate_revision('idx4', 'CREATE INDEX CONCURRENTLY items_v4 ON items (v, id, v)',
	'DROP INDEX CONCURRENTLY items_v4', revision => 'r9', transactional => false)});
# the job starts when its transaction commits; the waiter's REPEATABLE READ
# snapshot, taken before the job's CREATE INDEX CONCURRENTLY, is older
($ret, $out, $err) = $node->psql('postgres', qq{
SELECT migrate_upgrade_async('head') AS job \\gset
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM items;
SELECT migrate_wait(:job, '60s');
});
like($err, qr/is waiting for this session/, 'migrate_wait detects a job waiting for its own snapshot');
$node->poll_query_until('postgres', "SELECT count(*) = 0 FROM migrate_progress") or die;
is(sq("SELECT version_num FROM migrate.version"), 'r9', 'the job went on once the waiter left');

$node->stop;
done_testing();
