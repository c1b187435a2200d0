# pg_migrate lint: the server's findings printed like a compiler's, at the
# line of the revision file (not of the script), for the pending plan after
# a rolled-back push and for files not yet pushed; exit codes a CI job gates
# on (--fail-on); bad files named by file and line with exit 6.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use JSON::PP;

my $node = PostgreSQL::Test::Cluster->new('lint');
$node->init;
$node->start;
$node->safe_psql('postgres', q{CREATE DATABASE app;});
$node->safe_psql('app', q{
CREATE EXTENSION migrate;
ALTER EXTENSION migrate UPDATE;
});

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $dir = "$tmp/migrations";
my $other = "$tmp/other";
mkdir $dir;
mkdir $other;

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
	IPC::Run::run([ 'pg_migrate', '-D', $dir, @args ], '>', \$out, '2>', \$err);
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

my ($rc, $out, $err);

($rc, $out) = pgm('lint', '--help');
is($rc, 0, 'lint --help');
like($out, qr/--fail-on=LEVEL.*--target=TARGET|--target=TARGET.*--fail-on=LEVEL/s, 'lint --help lists its options');
($rc, $out) = pgm('--help');
like($out, qr/^  lint\s/m, '--help lists lint');

# ---- an applied table to lint against ----
write_file_text("$dir/a1_create_orders.sql", <<'EOF');
-- Message: create orders
-- Revision ID: a1
-- Revises: base

-- migrate:upgrade
CREATE TABLE orders (id bigint PRIMARY KEY, qty int, note text);

-- migrate:downgrade
DROP TABLE orders;
EOF
($rc, $out, $err) = pgm('upgrade');
is($rc, 0, 'the first revision is applied') or diag($err);

# A non-concurrent index on the existing table.  The blank line after the
# marker is not part of the script: the script's line 3 is the file's line 9.
my $b2 = "$dir/b2_index_qty.sql";
write_file_text($b2, <<'EOF');
-- Message: index qty
-- Revision ID: b2
-- Revises: a1

-- migrate:upgrade

-- orders by quantity
SELECT 1;
CREATE INDEX orders_qty_idx ON orders (qty);

-- migrate:downgrade
DROP INDEX orders_qty_idx;
EOF

# ---- a file not pushed ----
($rc, $out, $err) = pgm('lint', $b2);
is($rc, 7, 'lint FILE with an error-level finding: exit 7');
like($out, qr/\A\Q$b2\E:9: error: require-concurrent-index-creation: [^\n]+\n    hint: [^\n]*CONCURRENTLY/,
	'the finding is printed at the line of the file, the hint indented below');
like($err, qr/^1 error, 0 warnings, 0 infos$/m, 'the summary is on stderr');
is(sql(q{SELECT count(*) FROM migrate.revision WHERE id = 'b2'}), '0',
	'lint FILE registers nothing');

# ---- the pending plan, after a rolled-back push ----
my $c3 = "$dir/c3_rename_note.sql";
write_file_text($c3, <<'EOF');
-- Message: rename note
-- Revision ID: c3
-- Revises: b2
-- Create Date: 2026-11-29 22:00:00

-- migrate:upgrade
ALTER TABLE orders RENAME COLUMN note TO remark;

-- migrate:downgrade
ALTER TABLE orders RENAME COLUMN remark TO note;
EOF
($rc, $out, $err) = pgm('lint');
is($rc, 7, 'lint of the pending plan with an error: exit 7') or diag($err);
like($out, qr/\A\Q$b2\E:9: error: require-concurrent-index-creation: .*\n    hint: .*\n\Q$c3\E:7: warning: renaming-column: /,
	'each finding of the plan is at its own file and line, in execution order');
like($err, qr/^1 error, 1 warning, 0 infos$/m, 'the summary counts both');
is(sql(q{SELECT count(*) FROM migrate.revision WHERE id IN ('b2', 'c3')}), '0',
	'lint of the plan rolls its push back');

($rc, $out, $err) = pgm('lint', '-r', 'b2');
is($rc, 7, 'lint -r TARGET');
unlike($out, qr/renaming-column/, '-r lints only the upgrade to TARGET');
($rc, $out, $err) = pgm('lint', '--target', 'a1');
is($rc, 0, 'lint --target of the current revision: nothing pending, exit 0');
is($out, '', 'and nothing printed');

# ---- --json ----
($rc, $out, $err) = pgm('lint', '--json');
is($rc, 7, 'lint --json exits as without it');
my $rows = decode_json($out);
is(scalar @$rows, 2, '--json prints one object per finding');
is_deeply(
	[ map { [ $_->{revision}, $_->{statement}, $_->{line}, $_->{rule}, $_->{severity}, $_->{file}, $_->{file_line} ] } @$rows ],
	[ [ 'b2', 2, 3, 'require-concurrent-index-creation', 'error', $b2, 9 ],
	  [ 'c3', 1, 1, 'renaming-column', 'warning', $c3, 7 ] ],
	'--json has the rows of migrate_lint with file and file_line added');
is($rows->[0]{lock_mode}, 'ShareLock', '--json keeps every column (lock_mode)');
ok(JSON::PP::is_bool($rows->[0]{rewrites}) || !defined $rows->[0]{rewrites},
	'--json keeps booleans as booleans');

# ---- --fail-on ----
($rc, $out, $err) = pgm('lint', $c3);
is($rc, 0, 'a warning does not fail by default');
like($out, qr/\A\Q$c3\E:7: warning: renaming-column: /, 'but is printed');
($rc) = pgm('lint', '--fail-on', 'warning', $c3);
is($rc, 7, '--fail-on warning fails on a warning');
($rc) = pgm('lint', '--fail-on', 'info', $c3);
is($rc, 7, '--fail-on info fails on a warning');
($rc, $out) = pgm('lint', '--fail-on', 'none');
is($rc, 0, '--fail-on none never fails');
like($out, qr/require-concurrent-index-creation/, '--fail-on none still prints');
($rc, $out, $err) = pgm('lint', '--fail-on', 'fatal');
is($rc, 2, 'an unrecognized --fail-on level: exit 2');
like($err, qr/unrecognized --fail-on level "fatal"/, 'and it says so');
($rc, $out, $err) = pgm('lint', '-r', 'heads', $c3);
is($rc, 2, '--target with FILE arguments: exit 2');

# ---- suppression, safe alternatives ----
my $s1 = "$other/s1_small_index.sql";
write_file_text($s1, <<'EOF');
-- Message: index a small table
-- Revision ID: s1
-- Revises: a1

-- migrate:upgrade
-- migrate-lint: ignore require-concurrent-index-creation
CREATE INDEX orders_qty_idx ON orders (qty);
EOF
($rc, $out, $err) = pgm('lint', $s1);
is($rc, 0, 'a suppressed finding: exit 0');
is($out, '', 'a suppressed finding is not printed');
like($err, qr/^0 errors, 0 warnings, 0 infos$/m, 'and not counted');

my $s2 = "$other/s2_concurrent.sql";
write_file_text($s2, <<'EOF');
-- Message: index concurrently
-- Revision ID: s2
-- Revises: a1
-- Transactional: no

-- migrate:upgrade
CREATE INDEX CONCURRENTLY orders_qty_idx ON orders (qty);

-- migrate:downgrade
DROP INDEX CONCURRENTLY orders_qty_idx;
EOF
($rc, $out, $err) = pgm('lint', $s2, $s1);
is($rc, 0, 'safe files: exit 0');
is($out, '', 'safe files: no finding');
($rc, $out, $err) = pgm('lint', $s2, $b2, '--json');
is($rc, 7, 'several files: the worst finding decides');
$rows = decode_json($out);
is_deeply([ map { [ $_->{file}, $_->{file_line} ] } @$rows ], [ [ $b2, 9 ] ],
	'--json of files names each finding\'s file');

# ---- bad files: exit 6, nothing asked ----
my $bad = "$other/x1_bad.sql";
write_file_text($bad, <<'EOF');
-- Revision ID: x1
-- Revises: base
-- Reviewer: nobody

-- migrate:upgrade
CREATE INDEX ON orders (qty);
EOF
($rc, $out, $err) = pgm('lint', $s2, $bad);
is($rc, 6, 'a malformed header: exit 6');
like($err, qr/^pg_migrate: error: \Q$bad\E:3: unrecognized header "Reviewer"/, 'named by file and line');
is($out, '', 'nothing is linted when a file is bad');
($rc, $out, $err) = pgm('lint', "$other/nosuch.sql");
is($rc, 6, 'a missing file: exit 6');
like($err, qr/^pg_migrate: error: \Q$other\E\/nosuch\.sql: could not open file: No such file or directory/,
	'a missing file is named');
write_file_text("$dir/d4_bad.sql", "-- Revision ID: d4\n-- Revises: nosuch\n\n-- migrate:upgrade\nSELECT 1;\n");
($rc, $out, $err) = pgm('lint');
is($rc, 6, 'lint of the plan checks the directory first: exit 6');
like($err, qr/\Q$dir\E\/d4_bad\.sql:2: down revision "nosuch"/, 'and names the bad file');
unlink "$dir/d4_bad.sql";

# ---- registered revisions: pushed, and --no-push ----
($rc, $out, $err) = pgm('push');
is($rc, 0, 'push') or diag($err);
($rc, $out, $err) = pgm('lint', '--no-push');
is($rc, 7, 'lint --no-push lints what is registered');
like($out, qr/^revision b2, line 3: error: require-concurrent-index-creation: /m,
	'without the files, a finding is placed by revision and script line');
($rc, $out, $err) = pgm('lint');
like($out, qr/\A\Q$b2\E:9: error: require-concurrent-index-creation: /,
	'after a push, the files place the findings again');

# ---- the plan's transactions: a VALIDATE one revision after its ADD ----
my $e5 = "$dir/e5_check_qty.sql";
write_file_text($e5, <<'EOF');
-- Message: check qty
-- Revision ID: e5
-- Revises: c3

-- migrate:upgrade
ALTER TABLE orders ADD CONSTRAINT qty_pos CHECK (qty > 0) NOT VALID;
EOF
my $f6 = "$dir/f6_validate_qty.sql";
write_file_text($f6, <<'EOF');
-- Message: validate qty
-- Revision ID: f6
-- Revises: e5

-- migrate:upgrade
ALTER TABLE orders VALIDATE CONSTRAINT qty_pos;
EOF
($rc, $out, $err) = pgm('lint');
like($out, qr/^\Q$f6\E:6: error: constraint-validated-in-same-transaction: VALIDATE CONSTRAINT "qty_pos" [^\n]*\(revision "e5", statement 1\)/m,
	'migrate_upgrade() runs the plan in one transaction: the VALIDATE runs under the ADD\'s lock');
{
	local $ENV{PGOPTIONS} = '-c migrate.lint_transaction=revision';
	($rc, $out, $err) = pgm('lint');
	unlike($out, qr/constraint-validated-in-same-transaction/,
		'linted as migrate_upgrade_each() runs it, a commit comes between them');
	like($out, qr/require-concurrent-index-creation/, 'the other findings stay');
}
unlink $e5, $f6;

$node->stop;
done_testing();
