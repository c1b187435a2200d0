# blocked-by-transaction leaves out autovacuum workers: an autovacuum's
# SHARE UPDATE EXCLUSIVE lock conflicts with ALTER TABLE and CREATE INDEX,
# but the deadlock detector cancels the worker once a lock request has
# waited deadlock_timeout for it, so the statement does not queue behind
# the vacuum.  A real, slow autovacuum (cost limit 1) holds the lock while
# the lint runs; then a session asking for the same lock shows the worker
# yield, and the lint reports that session, which does not; and an
# autovacuum to prevent wraparound, which is not cancelled, is reported.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('lint_av');
$node->init;
$node->append_conf('postgresql.conf', q{
autovacuum = on
autovacuum_naptime = 1s
deadlock_timeout = 100ms
log_autovacuum_min_duration = 0
});
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION migrate;
CREATE TABLE av (id int, pad text) WITH (autovacuum_vacuum_threshold = 0,
  autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_cost_delay = 100,
  autovacuum_vacuum_cost_limit = 1, autovacuum_analyze_threshold = 1000000000);
INSERT INTO av SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;
DELETE FROM av WHERE id % 2 = 0;
});

# the vacuum of av, crawling at one page per 100 ms, holds its lock
ok( $node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE a.backend_type = 'autovacuum worker' AND l.relation = 'av'::regclass
  AND l.mode = 'ShareUpdateExclusiveLock' AND l.granted}),
	'an autovacuum worker holds SHARE UPDATE EXCLUSIVE on av');

my $lint = q{SELECT string_agg(rule, ',' ORDER BY rule) FROM migrate_lint_sql(
  'ALTER TABLE av ADD COLUMN c int; CREATE INDEX ON av (id);')
 WHERE rule = 'blocked-by-transaction'};
is($node->safe_psql('postgres', $lint), '',
	'no blocked-by-transaction for the autovacuum worker');
ok( $node->safe_psql('postgres', q{
SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE a.backend_type = 'autovacuum worker' AND l.relation = 'av'::regclass}) eq 't',
	'the worker was still holding the lock after the lint');

# it yields: a session asking for the same lock gets it after
# deadlock_timeout, and the worker is cancelled
my $holder = $node->background_psql('postgres');
$holder->query_safe(q{BEGIN; SET lock_timeout = '60s';
LOCK TABLE av IN SHARE UPDATE EXCLUSIVE MODE;});
ok($node->wait_for_log(qr/canceling autovacuum task/),
	'the autovacuum worker yielded to the lock request');

# that session does not yield: it is reported
my $found = $node->safe_psql('postgres', q{
SELECT string_agg(rule || ' ' || lock_mode || ' ' ||
  (message ~ 'which holds ShareUpdateExclusiveLock on av')::text, ',' ORDER BY lock_mode)
FROM migrate_lint_sql('ALTER TABLE av ADD COLUMN c int; CREATE INDEX ON av (id);')
WHERE rule = 'blocked-by-transaction'});
is( $found,
	'blocked-by-transaction AccessExclusiveLock true,blocked-by-transaction ShareLock true',
	'a session holding the same lock is reported');
$holder->query_safe('COMMIT');
$holder->quit;

# an autovacuum that prevents wraparound is not cancelled: it stays in.
# 110,000 transactions age wrap past its autovacuum_freeze_max_age.
$node->safe_psql('postgres', q{
CREATE TABLE wrap (id int, pad text) WITH (autovacuum_freeze_max_age = 100000,
  autovacuum_vacuum_cost_delay = 100, autovacuum_vacuum_cost_limit = 1,
  autovacuum_analyze_threshold = 1000000000);
INSERT INTO wrap SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g;
CREATE PROCEDURE burn(n int) LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1..n LOOP
    PERFORM pg_current_xact_id();
    COMMIT;
  END LOOP;
END $$;
CALL burn(110000);
});
ok( $node->poll_query_until('postgres', q{
SELECT count(*) > 0 FROM pg_locks l JOIN pg_stat_activity a USING (pid)
WHERE a.backend_type = 'autovacuum worker' AND l.relation = 'wrap'::regclass
  AND a.query LIKE '%(to prevent wraparound)' AND l.granted}),
	'an autovacuum to prevent wraparound holds a lock on wrap');
like( $node->safe_psql('postgres', q{
SELECT string_agg(rule || ': ' || message, E'\n')
FROM migrate_lint_sql('ALTER TABLE wrap ADD COLUMN c int;')
WHERE rule = 'blocked-by-transaction'}),
	qr/^blocked-by-transaction: .* which holds ShareUpdateExclusiveLock on wrap/,
	'it does not yield: it is reported');

$node->stop;
done_testing();
