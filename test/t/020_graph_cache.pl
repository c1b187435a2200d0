# The revision graph shared between sessions (src/catalog/graphcache.c): a fresh
# session takes the graph from shared memory and gets the same answers as one
# that read the rows; a committed registration is seen at once by sessions
# with an older graph cached and by fresh ones; a transaction that registers
# sees its own revisions and publishes nothing; a re-created extension never
# gets the old graph back.  Prints the first-call time in a new session on a
# 100,000-revision graph with and without the shared cache.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use IPC::Run;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('graph_cache');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'migrate'
max_locks_per_transaction = 256
});
$node->start;

sub sq { return $node->safe_psql($_[1] // 'postgres', $_[0]); }

# a fresh session's stdout and stderr, with DEBUG1 (our cache messages) shown
sub fresh
{
	my ($sql, $db) = @_;
	my ($ret, $out, $err) = $node->psql($db // 'postgres',
		"SET client_min_messages = debug1;\n$sql");
	die "psql failed: $err" if $ret != 0;
	return ($out, $err);
}

my $HEADS = 'SELECT revision, message, down_revisions, branch_labels, is_real_head, applied FROM migrate_heads() ORDER BY 1';
my $HISTORY = 'SELECT revision, down_revisions, message, branch_labels, depends_on, is_head, is_branch_point, is_merge_point, created_at FROM migrate_history()';

sq(q{
CREATE EXTENSION migrate;
SELECT count(migrate_revision('m' || i, 'SELECT ' || i, NULL, revision => 'r' || i,
		down_revisions => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY['r' || (i - 1)] END))
  FROM generate_series(1, 3000) i;
SELECT count(*) FROM migrate_upgrade('r20');
SELECT migrate_revision('feature start', revision => 'f1', down_revisions => ARRAY['r10'],
		branch_labels => ARRAY['feature'], depends_on => ARRAY['r5']);
SELECT migrate_revision('feature next', revision => 'f2', head => 'feature@head');
SELECT migrate_merge(ARRAY['r3000', 'f2'], 'merge', revision => 'mg');
});

# --- the same answers from the cache ---------------------------------------

my ($ref, $err1) = fresh("$HEADS;\n$HISTORY;\nSELECT * FROM migrate_show('f1');");
like($err1, qr/offered to the shared cache/, 'first session reads the rows and offers them');
unlike($err1, qr/taken from the shared cache/, 'first session finds nothing shared');
my ($out2, $err2) = fresh("$HEADS;\n$HISTORY;\nSELECT * FROM migrate_show('f1');");
like($err2, qr/taken from the shared cache/, 'second session takes the shared graph');
unlike($err2, qr/offered/, 'second session reads no rows');
is($out2, $ref, 'heads, history and show agree with the cache');

# --- a committed registration is seen at once --------------------------------

my ($in, $out, $err) = ('', '', '');
my $s = IPC::Run::start([ 'psql', '-X', '-q', '-A', '-t', '-h', $node->host, '-p', $node->port, '-d', 'postgres' ],
	'<', \$in, '>', \$out, '2>', \$err);
sub ask
{
	my ($sql) = @_;
	$out = '';
	$in .= "$sql;\nSELECT 'done';\n";
	$s->pump until $out =~ /^done$/m;
	$out =~ s/^done\n//m;
	return $out;
}
is(ask('SELECT revision FROM migrate_heads()'), "mg\n", 'a session caches the graph');
sq(q{SELECT migrate_revision('after merge', revision => 'r3001')});
is(ask('SELECT revision FROM migrate_heads()'), "r3001\n",
	'the session with the old graph sees the new revision');
my ($h) = fresh('SELECT revision FROM migrate_heads()');
is($h, "r3001", 'a fresh session sees the new revision');

# --- a transaction's own registrations stay its own -------------------------

$err = '';
ask('SET client_min_messages = debug1; BEGIN');
ask(q{SELECT migrate_revision('x1', revision => 'x1')});
is(ask('SELECT revision FROM migrate_heads()'), "x1\n", 'the transaction sees its first revision');
ask(q{SELECT migrate_revision('x2', revision => 'x2')});
is(ask('SELECT revision FROM migrate_heads()'), "x2\n", 'and its second, registered after it read the graph');
is(ask('SELECT count(*) FROM migrate_history()'), "3006\n", 'history has both');
unlike($err, qr/offered to the shared cache|taken from the shared cache/,
	'a transaction that registered neither publishes nor takes a shared graph');
($h) = fresh('SELECT revision FROM migrate_heads()');
is($h, 'r3001', 'another session does not see the uncommitted revisions');
($h) = fresh("SELECT count(*) FROM migrate_history() WHERE revision LIKE 'x%'");
is($h, '0', 'nor in its history');
ask('ROLLBACK');
is(ask('SELECT revision FROM migrate_heads()'), "r3001\n", 'after rollback the session is back to the committed graph');
($h) = fresh("SELECT count(*) FROM migrate_history() WHERE revision LIKE 'x%'");
is($h, '0', 'and so is a fresh session');
$in .= "\\q\n";
$s->finish;

# --- a re-created extension does not get the old graph -----------------------

my $gen = sq('SELECT generation FROM migrate.graph_state');
($h) = fresh('SELECT revision FROM migrate_heads()');	# make sure it is shared
sq('SET migrate.allow_drop = on; DROP EXTENSION migrate; CREATE EXTENSION migrate');
my ($empty, $e0) = fresh('SELECT count(*) FROM migrate_heads()');
is($empty, '0', 'a re-created extension starts empty');
# reach the old generation again
sq("SELECT pg_catalog.setval('migrate.graph_generation_seq', $gen - 1)");
sq(q{SELECT migrate_revision('new world', revision => 'n1')});
is(sq('SELECT generation FROM migrate.graph_state'), $gen, 'the new extension reached the old generation');
my ($n, $e1) = fresh('SELECT revision FROM migrate_heads()');
is($n, 'n1', 'a fresh session gets the new graph, not the old one of the same generation');
unlike($e1, qr/taken from the shared cache/, 'by reading the rows');
($n) = fresh('SELECT revision FROM migrate_heads()');
is($n, 'n1', 'and the next one from the cache');

# --- cold first call on a big graph --------------------------------------------

my $BIG = 100000;
sq('CREATE DATABASE big');
sq("CREATE EXTENSION migrate;
SELECT count(migrate_revision('revision ' || i, revision => lpad(to_hex(i), 12, '0'),
		down_revisions => CASE WHEN i = 1 THEN '{}'::text[] ELSE ARRAY[lpad(to_hex(i - 1), 12, '0')] END))
  FROM generate_series(1, $BIG) i;", 'big');

sub first_call_ms
{
	my ($sql) = @_;
	my @t;
	for (1 .. 5)
	{
		my $o = $node->safe_psql('big', "\\timing on\n$sql");
		push @t, $1 if $o =~ /Time: ([0-9.]+) ms/;
	}
	@t = sort { $a <=> $b } @t;
	return $t[2];
}

my $big_ref = sq("SELECT revision FROM migrate_heads(); SELECT count(*), min(revision), max(revision) FROM migrate_history()", 'big');
my $cached = first_call_ms('SELECT count(*) FROM migrate_heads()');
my ($big_out, $big_err) = fresh("SELECT revision FROM migrate_heads(); SELECT count(*), min(revision), max(revision) FROM migrate_history()", 'big');
is($big_out, $big_ref, "$BIG revisions: the same answers from the cache");
like($big_err, qr/taken from the shared cache/, "$BIG revisions: taken from the cache");

$node->append_conf('postgresql.conf', 'migrate.graph_cache_size = 0');
$node->restart;
my $uncached = first_call_ms('SELECT count(*) FROM migrate_heads()');
($big_out, $big_err) = fresh("SELECT revision FROM migrate_heads(); SELECT count(*), min(revision), max(revision) FROM migrate_history()", 'big');
is($big_out, $big_ref, "$BIG revisions: the same answers without the cache");
unlike($big_err, qr/shared cache/, 'migrate.graph_cache_size = 0 turns the cache off');

note(sprintf('first migrate_heads() in a new session, %d revisions: %.1f ms with the shared cache, %.1f ms without (medians of 5)',
	$BIG, $cached, $uncached));

$node->stop;
done_testing();
