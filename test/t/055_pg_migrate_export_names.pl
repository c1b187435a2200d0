# pg_migrate export writes only plain file names inside DIR, and every file
# it writes reads back as its revision (issue 13, defect 1): ids a catalog
# holds from before 1.3 (written into it here as an older release would
# have registered them) are refused before anything is written, with the id
# clipped to 64 bytes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('export_names');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE app;');
$node->safe_psql('app', 'CREATE EXTENSION migrate;');

my $tmp = PostgreSQL::Test::Utils::tempdir;

sub pgm
{
	my @args = @_;
	my ($out, $err) = ('', '');
	local %ENV = %ENV;
	$ENV{PGHOST} = $node->host;
	$ENV{PGPORT} = $node->port;
	$ENV{PGDATABASE} = 'app';
	delete $ENV{DATABASE_URL};
	IPC::Run::run([ 'pg_migrate', @args ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

sub sql { return $node->safe_psql('app', shift); }

# a revision registered as a release before 1.3 could have
sub legacy
{
	my ($id, $labels) = @_;
	$labels //= '{}';
	sql(qq{
INSERT INTO migrate.revision (id, branch_labels, message, upgrade, checksum, owner, owner_oid)
VALUES ($id, '$labels', 'legacy', 'SELECT 1;', 'x', current_user,
		(SELECT oid FROM pg_roles WHERE rolname = current_user));
UPDATE migrate.graph_state SET generation = nextval('migrate.graph_generation_seq');});
}

sub files_under
{
	my $d = shift;
	my @f;
	File::Find::find({ wanted => sub { push @f, $File::Find::name if -f $_ }, no_chdir => 1 }, $d);
	return sort @f;
}
use File::Find;

# a good catalog exports, and every file reads back (push is a no-op)
sql(q{SELECT migrate_revision('first', 'CREATE TABLE a (id int);', 'DROP TABLE a;', revision => 'r1', down_revisions => '{}');
	  SELECT migrate_revision('second', 'SELECT 1;', revision => 'r2.x', down_revisions => '{r1}');});
my ($rc, $out, $err) = pgm('export', "$tmp/good");
is($rc, 0, 'export of plain ids succeeds') or diag($err);
is_deeply([ map { s{.*/}{}r } files_under("$tmp/good") ], [ 'r1_first.sql', 'r2.x_second.sql' ], 'one plain file per revision');
($rc, $out, $err) = pgm('-D', "$tmp/good", 'push');
is($rc, 0, 'the exported files push back') or diag($err);
like($out, qr/0 registered, 0 updated, 2 unchanged/, 'as no-ops');
sql(q{SELECT migrate_forget('r2.x'); SELECT migrate_forget('r1');});

# each id that is not a plain name inside DIR is refused, nothing written
my %bad = (
	q{'../../escaped'} => qr/begins with "\."/,
	q{'/tmp/absolute'} => qr/directory separator/,
	q{'sub/dir'} => qr/directory separator/,
	q{'..'} => qr/begins with "\."/,
	q{'.hidden'} => qr/begins with "\."/,
	q{'back\\slash'} => qr/directory separator/,
	q{'a,b'} => qr/header list/,
	q{repeat('L', 252)} => qr/longer than 255 bytes/,
);
my $n = 0;
foreach my $id (sort keys %bad)
{
	$n++;
	legacy($id);
	my $d = "$tmp/bad$n";
	($rc, $out, $err) = pgm('export', $d);
	is($rc, 1, "export refuses the id $id");
	like($err, qr/pg_migrate: error: cannot export revision ".*": its identifier cannot be a file name in "\Q$d\E": .*$bad{$id}/,
		"... and says why ($id)");
	like($err, qr/HINT:  Nothing was written/, "... with a hint ($id)");
	ok(!-e $d || !files_under($d), "... and writes nothing ($id)");
	sql(qq{SELECT migrate_forget($id)});
}
ok(!-e "$tmp/escaped.sql" && !-e "/tmp/absolute_legacy.sql" && !-e "$tmp/../escaped_legacy.sql",
	'no file was written outside DIR');

# a plain id whose branch label could not be written to a header list
legacy(q{'child'}, '{"x,y"}');
($rc, $out, $err) = pgm('export', "$tmp/list");
is($rc, 1, 'export refuses a branch label a header list cannot hold');
like($err, qr/cannot export revision "child": an item of its branch label list cannot be written/, '... naming the revision and the list');
ok(!-e "$tmp/list" || !files_under("$tmp/list"), '... and writes nothing');
sql(q{SELECT migrate_forget('child');});

# a huge id is echoed as 64 bytes: the primary key's index takes no 1 MB id
# (12 kB compressed, over its 8 kB limit), so 100 kB is about the largest a
# catalog can hold; the graph refuses it, but export reads the table
legacy(q{repeat('m', 100 * 1000)});
($rc, $out, $err) = pgm('export', "$tmp/huge");
is($rc, 1, 'export refuses a 100 kB id');
like($err, qr/cannot export revision "m{64}\.\.\."/, '... echoing its first 64 bytes');
cmp_ok(length($err), '<', 1000, '... in a short message');

done_testing();
