# pg_migrate, the command-line client: revision files, push, and every
# subcommand against a real cluster, as a user meets them; exit codes a CI
# script branches on; bad input named by file and line with nothing
# registered.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;

my $node = PostgreSQL::Test::Cluster->new('client');
$node->init;
# non-transactional revisions run in a background worker
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'migrate'\n");
$node->start;
$node->safe_psql('postgres', q{
CREATE DATABASE app;
});
$node->safe_psql('app', q{
CREATE EXTENSION migrate;
ALTER EXTENSION migrate UPDATE;
});

my $tmp = PostgreSQL::Test::Utils::tempdir;
our $dir = "$tmp/migrations";

# run pg_migrate against database app; returns (exit code, stdout, stderr)
sub pgm
{
	my @args = @_;
	my ($out, $err) = ('', '');
	local %ENV = %ENV;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	$ENV{PGDATABASE} = 'app';
	delete $ENV{DATABASE_URL};
	my $h = IPC::Run::run([ 'pg_migrate', '-D', $dir, @args ],
		'>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

sub sql { return $node->safe_psql('app', shift); }

sub write_file_text
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh;
}

sub read_file_text
{
	my $path = shift;
	open my $fh, '<', $path or die "$path: $!";
	local $/;
	my $t = <$fh>;
	close $fh;
	return $t;
}

# fill a generated file's sections
sub fill
{
	my ($path, $up, $down) = @_;
	my $t = read_file_text($path);
	$t =~ s/-- migrate:upgrade\n/-- migrate:upgrade\n$up\n/;
	$t =~ s/-- migrate:downgrade\n/-- migrate:downgrade\n$down\n/;
	write_file_text($path, $t);
}

sub file_of
{
	my $id = shift;
	my @f = glob("$dir/${id}_*.sql");
	return $f[0];
}

my ($rc, $out, $err);

# ---- help, version, usage ----
($rc, $out) = pgm('--help');
is($rc, 0, '--help exits 0');
like($out, qr/^  upgrade\s/m, '--help lists the commands');
($rc, $out) = pgm('upgrade', '--help');
like($out, qr/--dry-run/, 'a command has its own --help');
($rc, $out, $err) = pgm('frobnicate');
is($rc, 2, 'an unrecognized command exits 2');
like($err, qr/unrecognized command "frobnicate"/, 'and says so');
($rc, $out, $err) = pgm('upgrade', '--sql', '--each');
is($rc, 2, 'incompatible options exit 2');

# ---- init and revision: files only, no database ----
($rc, $out, $err) = pgm('init');
is($rc, 0, 'init');
ok(-d $dir, 'init creates the directory');

($rc, $out) = pgm('revision', '-m', 'create customers', '--rev-id', 'c0ffee000001');
is($rc, 0, 'revision');
like($out, qr{Generating \Q$dir\E/c0ffee000001_create_customers\.sql \.\.\.  done}, 'revision names its file');
my $f1 = file_of('c0ffee000001');
my $t1 = read_file_text($f1);
like($t1, qr/^-- Message: create customers\n-- Revision ID: c0ffee000001\n-- Revises: base\n-- Create Date: .*\n\n-- migrate:upgrade\n\n-- migrate:downgrade\n\z/,
	'a new file has the header and both sections');
fill($f1, 'CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);',
	'DROP TABLE customers;');

pgm('revision', '-m', 'create orders', '--rev-id', 'c0ffee000002');
my $f2 = file_of('c0ffee000002');
like(read_file_text($f2), qr/^-- Revises: c0ffee000001$/m, 'the next revision revises the head of the files');
fill($f2, q{CREATE TABLE orders (id bigint PRIMARY KEY,
                     customer bigint REFERENCES customers);
DO $$ BEGIN RAISE NOTICE 'orders created'; END $$;},
	'DROP TABLE orders;');

($rc, $out, $err) = pgm('revision', '-m', 'x', '--rev-id', 'c0ffee000002');
isnt($rc, 0, 'revision refuses an id that exists');
($rc, $out, $err) = pgm('revision', '-m', 'x', '--rev-id', '../evil');
is($rc, 2, 'revision refuses an id that is not a file name');

# ---- push ----
($rc, $out, $err) = pgm('push');
is($rc, 0, 'push');
like($out, qr/Registered c0ffee000001 .*\nRegistered c0ffee000002 .*\nPushed 2 files: 2 registered, 0 updated, 0 unchanged\./,
	'push reports what it registered');
($rc, $out) = pgm('push');
like($out, qr/Pushed 2 files: 0 registered, 0 updated, 2 unchanged\./, 'a second push is a no-op');

# ---- upgrade, current, history, show, heads, check ----
($rc, $out, $err) = pgm('check');
is($rc, 4, 'check exits 4 while revisions are pending');
like($err, qr/database is not up to date/, 'check says why');
like($err, qr/HINT:  Run "pg_migrate upgrade heads"\.\n/, 'and names the pg_migrate command');

($rc, $out, $err) = pgm('upgrade', '--sql');
is($rc, 0, 'upgrade --sql');
like($out, qr/^BEGIN;.*CREATE TABLE customers.*INSERT INTO migrate\.version.*COMMIT;$/s, 'upgrade --sql prints the script');
is(sql('SELECT count(*) FROM migrate.version'), '0', 'upgrade --sql runs nothing');

($rc, $out) = pgm('upgrade', '--dry-run');
like($out, qr/^\(dry run\) Running upgrade  -> c0ffee000001, create customers$/m, 'upgrade --dry-run reports the steps');
is(sql("SELECT count(*) FROM pg_tables WHERE tablename = 'customers'"), '0', 'and rolls them back');

($rc, $out, $err) = pgm('upgrade');
is($rc, 0, 'upgrade');
is($out, "Running upgrade  -> c0ffee000001, create customers\nRunning upgrade c0ffee000001 -> c0ffee000002, create orders\n",
	'upgrade prints what Alembic prints');
like($err, qr/notice: orders created/, 'server notices reach stderr');
($rc, $out, $err) = pgm('upgrade');
is($out, '', 'a second upgrade runs nothing');
like($err, qr/Nothing to upgrade/, 'and says so');

($rc, $out) = pgm('current');
is($out, "c0ffee000002 (head)\n", 'current');
($rc, $out) = pgm('current', '--json');
my $j = decode_json($out);
is($j->[0]{revision}, 'c0ffee000002', 'current --json');

($rc, $out) = pgm('history');
is($out, "c0ffee000001 -> c0ffee000002 (head) (current), create orders\n<base> -> c0ffee000001, create customers\n",
	'history');
($rc, $out) = pgm('history', '-r', 'c0ffee000001:c0ffee000001');
is($out, "<base> -> c0ffee000001, create customers\n", 'history -r');
($rc, $out) = pgm('history', '-v');
like($out, qr/^Rev: c0ffee000002 \(head\) \(current\)\nParent: c0ffee000001\nPath: .*c0ffee000002_create_orders\.sql\nApplied: 20/m,
	'history -v');
($rc, $out) = pgm('history', '--json');
is(scalar @{ decode_json($out) }, 2, 'history --json');

($rc, $out) = pgm('show', 'c0ffee0000');
is($rc, 1, 'show of an ambiguous prefix fails');
($rc, $out) = pgm('show', 'c0ffee000001');
like($out, qr/^Rev: c0ffee000001\nParent: <base>\n.*\n-- migrate:upgrade\nCREATE TABLE customers .*\n\n-- migrate:downgrade\nDROP TABLE customers;\n/s,
	'show');
($rc, $out) = pgm('show', 'c0ffee000001', '--json');
is(decode_json($out)->[0]{downgrade}, 'DROP TABLE customers;', 'show --json');

($rc, $out) = pgm('heads');
is($out, "c0ffee000002 (head)\n", 'heads');
($rc, $out) = pgm('heads', '--json');
is(decode_json($out)->[0]{revision}, 'c0ffee000002', 'heads --json');

($rc, $out, $err) = pgm('check');
is($rc, 0, 'check exits 0 at head');
is($out, "No new upgrade operations detected.\n", 'check says so');

# ---- downgrade ----
($rc, $out) = pgm('downgrade', '-1');
is($rc, 0, 'downgrade -1');
is($out, "Running downgrade c0ffee000002 -> c0ffee000001, create orders\n", 'downgrade prints each step');
($rc, $out, $err) = pgm('downgrade');
is($rc, 2, 'downgrade needs a target');
($rc, $out) = pgm('downgrade', 'base', '--sql');
like($out, qr/DROP TABLE customers;.*DELETE FROM migrate\.version/s, 'downgrade --sql');
($rc, $out) = pgm('upgrade', '--each');
is($rc, 0, 'upgrade --each');
like($out, qr/Running upgrade c0ffee000001 -> c0ffee000002, create orders/, 'upgrade --each prints each step');
is(sql('SELECT version_num FROM migrate.version'), 'c0ffee000002', 'upgrade --each applied it');

# ---- branches, merge, dependencies, labels ----
($rc, $out) = pgm('revision', '-m', 'audit base', '--head', 'base', '--branch-label', 'audit', '--rev-id', 'a0d170000001');
is($rc, 0, 'revision --head base --branch-label');
my $fa = file_of('a0d170000001');
like(read_file_text($fa), qr/^-- Revises: base\n-- Branch labels: audit$/m, 'the label is in the header');
fill($fa, 'CREATE TABLE audit_log (at timestamptz);', 'DROP TABLE audit_log;');
($rc, $out, $err) = pgm('revision', '-m', 'ambiguous');
is($rc, 1, 'revision on several heads fails');
like($err, qr/several heads: .*HINT:  Give --head/s, 'and says what to do');
($rc, $out) = pgm('revision', '-m', 'audit index', '--head', 'audit@head', '--depends-on', 'c0ffee000001', '--rev-id', 'a0d170000002', '--non-transactional');
is($rc, 0, 'revision --head label@head --depends-on --non-transactional');
my $fa2 = file_of('a0d170000002');
like(read_file_text($fa2), qr/^-- Revises: a0d170000001\n-- Depends on: c0ffee000001\n-- Create Date: .*\n-- Transactional: no$/m,
	'dependencies and the transactional flag are in the header');
fill($fa2, 'CREATE INDEX CONCURRENTLY audit_at ON audit_log (at);', 'DROP INDEX CONCURRENTLY audit_at;');
($rc, $out, $err) = pgm('revision', '-m', 'splice', '--head', 'c0ffee000001');
is($rc, 1, 'revision --head on a non-head without --splice fails');
like($err, qr/is not a head revision.*--splice/s, 'and names --splice');

($rc, $out, $err) = pgm('upgrade', 'heads');
is($rc, 1, 'upgrade of a plan with a non-transactional revision in one transaction fails');
like($err, qr/HINT:  Run "pg_migrate upgrade --each", which runs such revisions in a background worker\./,
	'and hints at the pg_migrate command, not the SQL function');
($rc, $out, $err) = pgm('upgrade', 'heads', '--each');
is($rc, 0, 'upgrade heads --each');
like($err, qr/running it in background job/, 'the non-transactional revision runs in a background job');
is(sql(q{SELECT count(*) FROM pg_indexes WHERE indexname = 'audit_at'}), '1', 'and is applied');

($rc, $out) = pgm('branches');
is($rc, 0, 'branches');
($rc, $out) = pgm('merge', 'heads', '-m', 'merge audit', '--rev-id', 'e0e000000001');
is($rc, 0, 'merge heads');
my $fm = file_of('e0e000000001');
like(read_file_text($fm), qr/^-- Revises: a0d170000002, c0ffee000002$/m, 'the merge revises both heads')
  or like(read_file_text($fm), qr/^-- Revises: c0ffee000002, a0d170000002$/m, 'the merge revises both heads');
($rc, $out, $err) = pgm('merge', '-m', 'nothing to merge');
is($rc, 1, 'merge with a single head fails');
($rc, $out) = pgm('upgrade');
like($out, qr/Running upgrade a0d170000002, c0ffee000002 -> e0e000000001, merge audit/, 'upgrade through the merge');

($rc, $out) = pgm('graph');
like($out, qr/^digraph migrate \{.*"e0e000000001" \[label="e0e000000001 \(audit\) \(head\)\\nmerge audit", style="rounded,filled", fillcolor=palegreen, peripheries=2\];.*\}$/s,
	'graph: dot, heads and applied marked');
like($out, qr/^  "e0e000000001" -> "c0ffee000002";$/m, 'graph: an edge per parent');
like($out, qr/^  "a0d170000002" -> "c0ffee000001" \[style=dashed\];$/m, 'graph: dependencies dashed');
($rc, $out) = pgm('graph', '--format', 'mermaid');
like($out, qr/^graph BT\n.*r_e0e000000001 --> r_a0d170000002.*class r_e0e000000001 head;/s, 'graph --format mermaid');
($rc, $out, $err) = pgm('graph', '--format', 'svg');
is($rc, 2, 'graph with an unknown format exits 2');

# ---- stamp ----
($rc, $out) = pgm('stamp', 'c0ffee000001', 'a0d170000001');
is($rc, 0, 'stamp of two revisions');
is(sql('SELECT string_agg(version_num, \',\' ORDER BY version_num) FROM migrate.version'),
	'a0d170000001,c0ffee000001', 'stamp a b leaves both as version rows');
($rc, $out) = pgm('stamp', '--purge', 'heads');
is(sql('SELECT string_agg(version_num, \',\') FROM migrate.version'), 'e0e000000001', 'stamp --purge heads');
is(sql(q{SELECT string_agg(revision, ',' ORDER BY revision) FROM migrate_stamp(ARRAY['c0ffee000002', 'a0d170000002'])}),
	'a0d170000002,c0ffee000002', 'migrate_stamp(text[]) from SQL');
sql(q{SELECT migrate_stamp('heads')});
my ($stderr_sql);
$node->psql('app', q{SELECT migrate_stamp(ARRAY['a b'])}, stderr => \$stderr_sql);
like($stderr_sql, qr/invalid stamp target "a b"/, 'migrate_stamp(text[]) refuses white space in a target');
$node->psql('app', q{SELECT migrate_stamp(ARRAY[]::text[])}, stderr => \$stderr_sql);
like($stderr_sql, qr/must not be empty/, 'migrate_stamp(text[]) refuses an empty array');

# ---- a changed applied file is refused, with what changed; nothing registered ----
my $saved2 = read_file_text($f2);
my $changed = $saved2;
$changed =~ s/customer bigint REFERENCES customers\);/customer bigint REFERENCES customers,\n                     total numeric);/;
write_file_text($f2, $changed);
pgm('revision', '-m', 'new one', '--rev-id', 'beef00000001');
($rc, $out, $err) = pgm('push');
is($rc, 5, 'push of a changed applied revision exits 5');
like($err, qr/error: revision "c0ffee000002" is applied and its file differs from the registered revision\nDETAIL:  Revision "c0ffee000002" \(.*c0ffee000002_create_orders\.sql\):\n  \@\@ upgrade script, line 2 \@\@\n   CREATE TABLE orders .*\n  -                     customer bigint REFERENCES customers\);\n  \+                     customer bigint REFERENCES customers,\n  \+                     total numeric\);\n/,
	'the refusal shows what changed as a diff excerpt');
is(sql(q{SELECT count(*) FROM migrate.revision WHERE id = 'beef00000001'}), '0', 'nothing of the push is registered');
($rc, $out, $err) = pgm('upgrade');
is($rc, 5, 'every command pushes first and so refuses too');
($rc, $out, $err) = pgm('check');
is($rc, 5, 'check too exits 5 for a changed applied file (README: exit codes)');
($rc, $out, $err) = pgm('--no-push', 'current');
is($rc, 0, '--no-push skips the files');
write_file_text($f2, $saved2);
# message changes of an applied revision are allowed
my $msg_changed = $saved2;
$msg_changed =~ s/-- Message: create orders/-- Message: create the orders table/;
write_file_text($f2, $msg_changed);
($rc, $out) = pgm('push');
like($out, qr/Updated c0ffee000002 .*: message/, 'a new message of an applied revision is pushed');
write_file_text($f2, $saved2);
pgm('push');

# ---- forget ----
($rc, $out, $err) = pgm('forget', 'c0ffee000002');
is($rc, 1, 'forget of an applied revision fails');
like($err, qr/revision "c0ffee000002" is applied.*HINT:  Downgrade below it first/s, 'with a hint');
($rc, $out, $err) = pgm('forget', 'beef00000001');
is($rc, 0, 'forget of an unapplied revision');
like($err, qr/still defines it/, 'forget warns while the file exists');
is(sql(q{SELECT count(*) FROM migrate.revision WHERE id = 'beef00000001'}), '0', 'the registration is gone');
is(sql(q{SELECT is_head FROM migrate.revision WHERE id = 'e0e000000001'}), 't', 'its parent is a head again');
unlink file_of('beef00000001');
sql(q{SELECT migrate_revision('stray', 'SELECT 1', '', revision => 'aaaa00000001', down_revisions => '{e0e000000001}')});
sql(q{SELECT migrate_revision('stray child', 'SELECT 1', '', revision => 'aaaa00000002', down_revisions => '{aaaa00000001}')});
($rc, $out, $err) = pgm('push');
like($err, qr/warning: revision "aaaa00000001" \(not applied\) is registered in the database but no file/, 'push reports revisions without files');
($rc, $out, $err) = pgm('forget', 'aaaa00000001');
like($err, qr/has revisions that build on it.*"aaaa00000002"/s, 'forget refuses a revision others build on');
$node->psql('app', q{SELECT migrate_forget('nosuch')}, stderr => \$stderr_sql);
like($stderr_sql, qr/revision "nosuch" does not exist/, 'migrate_forget of an unknown revision');
sql(q{SELECT migrate_forget('aaaa00000002'); SELECT migrate_forget('aaaa00000001')});

# ---- export: a round trip ----
($rc, $out) = pgm('export', "$tmp/exported");
is($rc, 0, 'export');
like($out, qr/Exported 5 revisions/, 'export writes every revision');
{
	local $dir = "$tmp/exported";
	($rc, $out) = pgm('push');
	like($out, qr/Pushed 5 files: 0 registered, 0 updated, 5 unchanged\./, 'export then push is a no-op');
}

# ---- any file order: children before parents, ties by file order ----
$node->safe_psql('postgres', 'CREATE DATABASE order_db');
$node->safe_psql('order_db', q{CREATE EXTENSION migrate; ALTER EXTENSION migrate UPDATE});
{
	local $dir = "$tmp/order";
	mkdir $dir;
	# names sort child first; b1 and b2 are independent bases
	write_file_text("$dir/a1_child.sql", "-- Revision ID: a1\n-- Revises: z9\n-- migrate:upgrade\nSELECT 1;\n");
	write_file_text("$dir/b1_base.sql", "-- Revision ID: b1\n-- Revises: base\n-- migrate:upgrade\n");
	write_file_text("$dir/b2_base.sql", "-- Revision ID: b2\n-- Revises: base\n-- migrate:upgrade\n");
	write_file_text("$dir/z9_parent.sql", "-- Revision ID: z9\n-- Revises: base\n-- migrate:upgrade\nSELECT 2;\n");
	local $ENV{PGDATABASE};
	($rc, $out, $err) = pgm('-d', 'order_db', 'push');
	is($rc, 0, 'push with children before parents in file order');
	is($node->safe_psql('order_db', q{SELECT string_agg(id, ',' ORDER BY registered) FROM migrate.revision}),
		'b1,b2,z9,a1', 'registration order: parents first, otherwise file order');
	# a script failing at run time: file and line, and the push is undone with the run
	write_file_text("$dir/c1_fails.sql", "-- Revision ID: c1\n-- Revises: a1\n-- migrate:upgrade\nSELECT 1;\nSELECT * FROM no_such_table;\n");
	($rc, $out, $err) = pgm('-d', 'order_db', 'upgrade', 'c1');
	is($rc, 1, 'a failing upgrade exits 1');
	like($err, qr/^pg_migrate: error: \Q$dir\E\/c1_fails\.sql:5: relation "no_such_table" does not exist$/m,
		'a run-time error names the file and line');
	is($node->safe_psql('order_db', q{SELECT count(*) FROM migrate.revision WHERE id = 'c1'}), '0',
		'the push of a failed upgrade is rolled back with it');
}

# ---- bad input: file and line, exit 6, nothing registered ----
my $before = sql('SELECT count(*) FROM migrate.revision');
my %bad = (
	'malformed header' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revisse: base\n-- migrate:upgrade\nSELECT 1;\n" },
		qr/dd1_x\.sql:2: unrecognized header "Revisse"/ ],
	'SQL in the header' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revises: base\nSELECT 1;\n-- migrate:upgrade\n" },
		qr/dd1_x\.sql:3: SQL before the "-- migrate:upgrade" line/ ],
	'no upgrade section' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revises: base\n" },
		qr/dd1_x\.sql:2: no "-- migrate:upgrade" line/ ],
	'no revision id' => [
		{ 'dd1_x.sql' => "-- Revises: base\n-- migrate:upgrade\n" },
		qr/dd1_x\.sql:1: no "-- Revision ID: \.\.\." header/ ],
	'duplicate ids' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revises: base\n-- migrate:upgrade\n",
		  'dd1_y.sql' => "-- Message: again\n-- Revision ID: dd1\n-- Revises: base\n-- migrate:upgrade\n" },
		qr/dd1_y\.sql:2: revision "dd1" is already defined in .*dd1_x\.sql/ ],
	'a missing parent' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revises: nosuch\n-- migrate:upgrade\n" },
		qr/dd1_x\.sql:2: down revision "nosuch" of revision "dd1" is not defined by any file/ ],
	'a cycle' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revises: dd2\n-- migrate:upgrade\n",
		  'dd2_x.sql' => "-- Revision ID: dd2\n-- Revises: dd1\n-- migrate:upgrade\n" },
		qr/dd2_x\.sql:2: revisions form a cycle: dd1 -> dd2 -> dd1/ ],
	'a non-UTF-8 file' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revises: base\n-- migrate:upgrade\nSELECT '\xe9t\xe9';\n" },
		qr/dd1_x\.sql:4: invalid byte sequence/ ],
	'a file name without its id' => [
		{ 'other.sql' => "-- Revision ID: dd1\n-- Revises: base\n-- migrate:upgrade\n" },
		qr/other\.sql:1: the file name does not start with the revision identifier "dd1"/ ],
	'a bad transactional flag' => [
		{ 'dd1_x.sql' => "-- Revision ID: dd1\n-- Revises: base\n-- Transactional: maybe\n-- migrate:upgrade\n" },
		qr/dd1_x\.sql:3: "Transactional" must be "yes" or "no"/ ],
);
for my $case (sort keys %bad)
{
	my ($files, $re) = @{ $bad{$case} };
	local $dir = "$tmp/bad_" . ($case =~ s/\W+/_/gr);
	mkdir $dir;
	# a valid file beside the bad one: it must not be registered either
	write_file_text("$dir/ok0001_fine.sql", "-- Revision ID: ok0001\n-- Revises: base\n-- migrate:upgrade\nSELECT 1;\n");
	write_file_text("$dir/$_", $files->{$_}) for keys %$files;
	($rc, $out, $err) = pgm('push');
	is($rc, 6, "$case: exit 6");
	like($err, qr/^pg_migrate: error: \Q$dir\E\/$re/, "$case: named by file and line");
}
{
	local $dir = "$tmp/bad_server";
	mkdir $dir;
	write_file_text("$dir/ok0001_fine.sql", "-- Revision ID: ok0001\n-- Revises: base\n-- migrate:upgrade\nSELECT 1;\n");
	write_file_text("$dir/dd1_x.sql", "-- Revision ID: dd1\n-- Revises: ok0001\n-- migrate:upgrade\nSELEC 1;\n");
	($rc, $out, $err) = pgm('push');
	is($rc, 6, 'a script the server refuses as SQL: exit 6, an invalid file (README: exit codes)');
	like($err, qr/^pg_migrate: error: \Q$dir\E\/dd1_x\.sql:4: syntax error at or near "SELEC"/, 'the server error names the file and line');
}
{
	local $dir = "$tmp/unreadable";
	mkdir $dir;
	chmod 0000, $dir;
	($rc, $out, $err) = pgm('push');
	is($rc, 6, 'an unreadable directory: exit 6');
	like($err, qr/could not open directory "\Q$dir\E": Permission denied/, 'an unreadable directory is named');
	chmod 0700, $dir;
	local $dir = "$tmp/nosuch";
	($rc, $out, $err) = pgm('push');
	is($rc, 6, 'a missing directory: exit 6');
}
is(sql('SELECT count(*) FROM migrate.revision'), $before, 'no bad input registered anything');

# ---- migrate_push from SQL: refusals and order ----
$node->psql('app', q{SELECT * FROM migrate_push('[{"revision": "x1", "down_revisions": ["x2"]}, {"revision": "x2", "down_revisions": ["x1"]}]')},
	stderr => \$stderr_sql);
like($stderr_sql, qr/ERROR:  revisions form a cycle: x1 -> x2 -> x1/, 'migrate_push refuses a cycle');
$node->psql('app', q{SELECT * FROM migrate_push('[{"revision": "x1"}, {"revision": "x1"}]')}, stderr => \$stderr_sql);
like($stderr_sql, qr/revision "x1" is given more than once/, 'migrate_push refuses duplicates');
$node->psql('app', q{SELECT * FROM migrate_push('{"revision": "x1"}')}, stderr => \$stderr_sql);
like($stderr_sql, qr/ERROR:/, 'migrate_push refuses a non-array');

# ---- autogenerate into a file ----
write_file_text("$tmp/desired.sql", q{
CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL, email text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer bigint REFERENCES customers);
CREATE TABLE audit_log (at timestamptz);
CREATE INDEX audit_at ON audit_log (at);
});
($rc, $out, $err) = pgm('revision', '--autogenerate', '--desired', "$tmp/desired.sql", '-m', 'add email', '--rev-id', 'fa0000000001');
is($rc, 0, 'revision --autogenerate');
like(read_file_text(file_of('fa0000000001')), qr/-- Revises: e0e000000001\n.*-- migrate:upgrade\n.*ADD COLUMN email text.*-- migrate:downgrade\n.*DROP COLUMN email/s,
	'the generated file holds the difference');
is(sql(q{SELECT count(*) FROM migrate.revision WHERE id = 'fa0000000001'}), '0', 'autogenerate registered nothing');
($rc, $out) = pgm('upgrade');
like($out, qr/Running upgrade e0e000000001 -> fa0000000001, add email/, 'the generated revision upgrades');
($rc, $out, $err) = pgm('check', '--desired', "$tmp/desired.sql");
is($rc, 0, 'check --desired passes after the upgrade');

# ---- connection ----
{
	my ($o, $e) = ('', '');
	local %ENV = %ENV;
	$ENV{DATABASE_URL} = 'postgresql:///app?host=' . $node->host . '&port=' . $node->port;
	delete $ENV{PGDATABASE};
	IPC::Run::run([ 'pg_migrate', '-D', $dir, '--no-push', 'current' ], '>', \$o, '2>', \$e);
	is($o, "fa0000000001 (audit) (head)\n", 'DATABASE_URL names the database');
	delete $ENV{DATABASE_URL};
	IPC::Run::run([ 'pg_migrate', '-D', $dir, '-h', $node->host, '-p', '1', 'current' ], '>', \$o, '2>', \$e);
	is($? >> 8, 3, 'a failed connection exits 3');
}

# ---- DATABASE_URL in SQLAlchemy's form; passwords never printed ----
{
	my ($o, $e) = ('', '');
	local %ENV = %ENV;
	delete $ENV{PGDATABASE};
	for my $scheme ('postgresql+psycopg2', 'postgres+asyncpg', 'postgresql+psycopg', 'postgres')
	{
		$ENV{DATABASE_URL} = "$scheme://someone:s3cr3t-pw\@/app?host=" . $node->host . '&port=' . $node->port . '&user=' . scalar(getpwuid($<));
		IPC::Run::run([ 'pg_migrate', '-D', $dir, '--no-push', 'current' ], '>', \$o, '2>', \$e);
		is($o, "fa0000000001 (audit) (head)\n", "DATABASE_URL with scheme $scheme") or diag($e);
	}
	$ENV{DATABASE_URL} = 'mysql+pymysql://someone:s3cr3t-pw@db/app';
	IPC::Run::run([ 'pg_migrate', '-D', $dir, 'current' ], '>', \$o, '2>', \$e);
	is($? >> 8, 3, 'another scheme exits 3');
	like($e, qr/unsupported database URL scheme "mysql\+pymysql"/, 'and names the scheme');
	unlike($e, qr/s3cr3t/, 'without the password');
	# a URL to a database that does not exist, a conninfo whose database
	# name holds a password: the server's message echoes them
	for my $dbname ('postgresql+psycopg2://someone:s3cr3t-pw@/nosuchdb?host=' . $node->host . '&port=' . $node->port,
		"host=" . $node->host . " port=" . $node->port . " dbname='app password=s3cr3t-pw' password=s3cr3t-pw")
	{
		delete $ENV{DATABASE_URL};
		IPC::Run::run([ 'pg_migrate', '-D', $dir, '-d', $dbname, 'current' ], '>', \$o, '2>', \$e);
		is($? >> 8, 3, 'a database that does not exist exits 3');
		like($e, qr/does not exist/, 'the server said why');
		unlike($e, qr/s3cr3t/, 'the password is not printed');
	}
}

# ---- as a deploy role: a failed upgrade, current, autogenerate, drift ----
$node->safe_psql('postgres', q{
CREATE ROLE deploy LOGIN;
CREATE ROLE deploy_nocreate LOGIN;
GRANT migrate_deployer TO deploy, deploy_nocreate;
CREATE DATABASE deploy_db;
});
$node->safe_psql('deploy_db', q{CREATE EXTENSION migrate; GRANT CREATE ON SCHEMA public TO deploy});
# run pg_migrate as ROLE against deploy_db, in $tmp/deploy
sub pgd
{
	my ($role, @args) = @_;
	my ($out, $err) = ('', '');
	local %ENV = %ENV;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	$ENV{PGDATABASE} = 'deploy_db';
	$ENV{PGUSER} = $role;
	delete $ENV{DATABASE_URL};
	IPC::Run::run([ 'pg_migrate', '-D', "$tmp/deploy", @args ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}
sub dsql { return $node->safe_psql('deploy_db', shift); }
mkdir "$tmp/deploy";
write_file_text("$tmp/deploy/d1_items.sql", "-- Revision ID: d1\n-- Revises: base\n-- Message: items\n\n-- migrate:upgrade\nCREATE TABLE items (id int PRIMARY KEY);\n\n-- migrate:downgrade\nDROP TABLE items;\n");
write_file_text("$tmp/deploy/d2_prices.sql", "-- Revision ID: d2\n-- Revises: d1\n-- Message: prices\n\n-- migrate:upgrade\nCREATE TABLE prices (item int REFERENCES no_such_table);\n\n-- migrate:downgrade\nDROP TABLE prices;\n");

($rc, $out, $err) = pgd('deploy', 'upgrade');
is($rc, 1, 'a failing upgrade exits 1');
is($out, "Running upgrade  -> d1, items\nRunning upgrade d1 -> d2, prices\n", 'the steps were reported as they ran');
like($err, qr/error: .*d2_prices\.sql:6: relation "no_such_table" does not exist/, 'the error names the file and line');
like($err, qr/the upgrade was rolled back: none of the 2 steps reported above is applied, and the 2 revisions pushed from \S+ are not registered/,
	'and says the steps and the push were rolled back');
unlike($err, qr/pushed 2 new/, 'without claiming a push that was rolled back');
is(dsql('SELECT count(*) FROM migrate.revision'), '0', 'nothing was registered');

($rc, $out, $err) = pgd('deploy', 'upgrade', 'd1');
is($rc, 0, 'upgrade to d1');
like($err, qr/pushed 2 new and 0 updated revisions/, 'a committed push is reported');
# the database's view (d1 is not a head: d2 is registered) and the files'
($rc, $out, $err) = pgd('deploy', 'current');
is($out, "d1\n", 'current: d1 is not the head, d2 is registered');
dsql(q{SELECT migrate_forget('d2')});
($rc, $out, $err) = pgd('deploy', '--no-push', 'current');
is($out, "d1 (head)\n", 'current --no-push: the database\'s view');
($rc, $out, $err) = pgd('deploy', 'current');
is($out, "d1\n", 'current: not (head) while the files have a newer head');
like($err, qr/the files in \S+ have 1 head not applied: d2 \("pg_migrate upgrade heads" applies it\)/, 'and says which');

# autogenerate refuses while the database is behind the files
write_file_text("$tmp/deploy/d2_prices.sql", "-- Revision ID: d2\n-- Revises: d1\n-- Message: prices\n\n-- migrate:upgrade\nCREATE TABLE prices (item int REFERENCES items);\n\n-- migrate:downgrade\nDROP TABLE prices;\n");
write_file_text("$tmp/deploy.sql", "CREATE TABLE items (id int PRIMARY KEY, name text);\nCREATE TABLE prices (item int REFERENCES items);\n");
($rc, $out, $err) = pgd('deploy', 'revision', '--autogenerate', '--desired', "$tmp/deploy.sql", '-m', 'names', '--rev-id', 'd3');
is($rc, 4, 'revision --autogenerate behind the files\' head exits 4');
like($err, qr/error: target database is not up to date\nDETAIL:  1 revision is pending: d2\.\nHINT:  Run "pg_migrate upgrade heads" first/,
	'as Alembic: target database is not up to date');
ok(!-e "$tmp/deploy/d3_names.sql", 'and writes no file');

# the drift gate as the deploy role (who does not own schema public)
($rc, $out, $err) = pgd('deploy', 'upgrade');
is($rc, 0, 'upgrade to head') or diag($err);
($rc, $out, $err) = pgd('deploy', 'check', '--desired', "$tmp/deploy.sql");
is($rc, 4, 'check --desired as the deploy role: drift exits 4') or diag($err);
like($err, qr/schema "public" differs from the desired schema\nDETAIL:  1 difference:\nadd column items\.name\nHINT:  Generate a revision with "pg_migrate revision --autogenerate/,
	'names the difference and the pg_migrate command');
($rc, $out, $err) = pgd('deploy', 'revision', '--autogenerate', '--desired', "$tmp/deploy.sql", '-m', 'names', '--rev-id', 'd3');
is($rc, 0, 'revision --autogenerate as the deploy role') or diag($err);
($rc, $out, $err) = pgd('deploy', 'upgrade');
is($rc, 0, 'upgrade');
($rc, $out, $err) = pgd('deploy', 'check', '--desired', "$tmp/deploy.sql");
is($rc, 0, 'check --desired as the deploy role: no drift exits 0') or diag($err);
is(dsql(q{SELECT string_agg(nspname, ',') FROM pg_namespace WHERE nspname LIKE 'migrate_shadow%'}), '', 'no shadow is left');
is(dsql(q{SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'public'}), 'pg_database_owner', 'public kept its owner');
($rc, $out, $err) = pgd('deploy_nocreate', 'check', '--desired', "$tmp/deploy.sql");
is($rc, 1, 'a deployer without CREATE on the schema: an error, exit 1');
like($err, qr/permission denied to compare schema "public" with a desired schema\n.*HINT:  Run the comparison as a member of role "pg_database_owner", the owner of schema "public", or as a member of role "migrate_deployer" with the CREATE privilege on it\./s,
	'naming the roles that may');

# exit 6: SQL that does not parse is an invalid file; nothing registered
write_file_text("$tmp/deploy/d4_bad.sql", "-- Revision ID: d4\n-- Revises: d3\n\n-- migrate:upgrade\nCREATE TABLE oops (;\n");
($rc, $out, $err) = pgd('deploy', 'upgrade');
is($rc, 6, 'a syntax error in a file exits 6');
like($err, qr/d4_bad\.sql:5: syntax error at or near ";"/, 'naming the file and line');
is(dsql(q{SELECT count(*) FROM migrate.revision WHERE id = 'd4'}), '0', 'nothing registered');
unlink "$tmp/deploy/d4_bad.sql";

# ---- the client-only build: libpq's headers and library, nothing else ----
SKIP:
{
	my $cc = `command -v cc 2>/dev/null`;
	skip 'no C compiler', 4 unless $cc;
	my $incdir = `pg_config --includedir`;
	my $libdir = `pg_config --libdir`;
	chomp($incdir, $libdir);
	# what Debian's libpq-dev installs, and no server header
	my $inc = "$tmp/libpq-dev/include";
	mkdir "$tmp/libpq-dev";
	mkdir $inc;
	mkdir "$inc/libpq";
	mkdir "$inc/internal";
	system('cp', "$incdir/$_", "$inc/") for qw(libpq-fe.h libpq-events.h postgres_ext.h pg_config_ext.h
	  pg_config.h pg_config_manual.h pg_config_os.h);
	system('cp', "$incdir/libpq/libpq-fs.h", "$inc/libpq/");
	system("cp '$incdir'/internal/*.h '$inc/internal/'");
	system("cp -r '$incdir'/internal/libpq '$inc/internal/' 2>/dev/null");
	my $src = "$tmp/client-only";
	mkdir $src;
	mkdir "$src/client_only";
	mkdir "$src/client_only/$_" for qw(common catalog);
	system("cp pg_migrate/*.c pg_migrate/*.h pg_migrate/Makefile '$src/'") == 0 or die;
	system("cd pg_migrate/client_only && cp --parents *.c *.h common/*.h catalog/*.h '$src/client_only/'") == 0 or die;
	my ($o, $e) = ('', '');
	IPC::Run::run([ 'make', '-C', $src, 'CLIENT_ONLY=1', 'COPT=-Werror', "LIBPQ_INCLUDEDIR=$inc",
		"LIBPQ_LIBDIR=$libdir", 'PG_CONFIG=/nonexistent/pg_config' ], '>', \$o, '2>', \$e);
	is($? >> 8, 0, 'make -C pg_migrate CLIENT_ONLY=1 builds with libpq-dev\'s files only') or diag("$o\n$e");
	unlike($o, qr{/server\b|pgxs}, 'no server include directory and no PGXS');
	local %ENV = %ENV;
	$ENV{LD_LIBRARY_PATH} = $libdir;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	$ENV{PGDATABASE} = 'deploy_db';
	$ENV{PGUSER} = 'deploy';
	IPC::Run::run([ "$src/pg_migrate", '-D', "$tmp/deploy", 'history' ], '>', \$o, '2>', \$e);
	is($o, "d2 -> d3 (head) (current), names\nd1 -> d2, prices\n<base> -> d1, items\n", 'the client-only pg_migrate pushes and reads')
	  or diag($e);
	IPC::Run::run([ "$src/pg_migrate", '-D', "$tmp/deploy", 'downgrade', '-1' ], '>', \$o, '2>', \$e);
	is($o, "Running downgrade d3 -> d2, names\n", 'and runs migrations') or diag($e);
}

$node->stop;
done_testing();
