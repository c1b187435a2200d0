# pg_migrate import and adopt: another tool's migrations become revision
# files, and a database that tool migrated is stamped from its version
# table, so that it switches tools without re-running anything.  Each tool
# gets a realistic directory in its own format and its own version table
# (the DDL the tool creates), with some of its migrations applied.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Path qw(make_path);

my $node = PostgreSQL::Test::Cluster->new('import');
$node->init;
$node->start;

my $tmp = PostgreSQL::Test::Utils::tempdir;

sub write_file_text
{
	my ($path, $text) = @_;
	open my $fh, '>', $path or die "$path: $!";
	print $fh $text;
	close $fh;
}

sub pgm
{
	my ($db, $dir, @args) = @_;
	my ($out, $err) = ('', '');
	local %ENV = (%ENV, PGHOST => $node->host, PGPORT => $node->port, PGDATABASE => $db);
	IPC::Run::run([ 'pg_migrate', '-D', $dir, @args ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# The same three steps in every tool: users, posts, an index.
my @steps = (
	[ 'create_users', 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL);', 'DROP TABLE users;' ],
	[ 'create_posts', "CREATE TABLE posts (id bigint PRIMARY KEY,\n    author bigint REFERENCES users,\n    body text);", 'DROP TABLE posts;' ],
	[ 'index_posts_author', 'CREATE INDEX posts_author_idx ON posts (author);', 'DROP INDEX posts_author_idx;' ],
);

my %tools = (
	'golang-migrate' => {
		versions => [ '000001', '000002', '000003' ],
		write => sub {
			my ($dir, $v, $s) = @_;
			write_file_text("$dir/${v}_$s->[0].up.sql", "$s->[1]\n");
			write_file_text("$dir/${v}_$s->[0].down.sql", "$s->[2]\n");
		},
		table => q{CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (2, false);},
		ids => [ 'v1', 'v2', 'v3' ],
	},
	dbmate => {
		versions => [ '20240105093000', '20240212150000', '20240301080000' ],
		write => sub {
			my ($dir, $v, $s) = @_;
			write_file_text("$dir/${v}_$s->[0].sql",
				"-- migrate:up\n$s->[1]\n\n-- migrate:down\n$s->[2]\n");
		},
		table => q{CREATE TABLE schema_migrations (version character varying(128) NOT NULL PRIMARY KEY);
INSERT INTO schema_migrations VALUES ('20240105093000'), ('20240212150000');},
		ids => [ '20240105093000', '20240212150000', '20240301080000' ],
	},
	flyway => {
		versions => [ '1', '1_1', '2' ],
		write => sub {
			my ($dir, $v, $s) = @_;
			write_file_text("$dir/V${v}__$s->[0].sql", "$s->[1]\n");
			write_file_text("$dir/U${v}__$s->[0].sql", "$s->[2]\n");
		},
		extra => sub { write_file_text("$_[0]/R__refresh_views.sql", "SELECT 1;\n"); },
		table => q{CREATE TABLE flyway_schema_history (
    installed_rank integer NOT NULL PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
    type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum integer,
    installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
    execution_time integer NOT NULL, success boolean NOT NULL);
INSERT INTO flyway_schema_history VALUES
    (1, '1', 'create users', 'SQL', 'V1__create_users.sql', 1, 'app', now(), 5, true),
    (2, '1.1', 'create posts', 'SQL', 'V1_1__create_posts.sql', 2, 'app', now(), 5, true),
    (3, NULL, 'refresh views', 'SQL', 'R__refresh_views.sql', 3, 'app', now(), 5, true);},
		ids => [ 'v1', 'v1_1', 'v2' ],
	},
	diesel => {
		versions => [ '2024-01-05-093000', '2024-02-12-150000', '2024-03-01-080000' ],
		write => sub {
			my ($dir, $v, $s) = @_;
			make_path("$dir/${v}_$s->[0]");
			write_file_text("$dir/${v}_$s->[0]/up.sql", "$s->[1]\n");
			write_file_text("$dir/${v}_$s->[0]/down.sql", "$s->[2]\n");
		},
		extra => sub {
			make_path("$_[0]/00000000000000_diesel_initial_setup");
			write_file_text("$_[0]/00000000000000_diesel_initial_setup/up.sql", "SELECT 1;\n");
		},
		table => q{CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL,
    run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
INSERT INTO __diesel_schema_migrations (version) VALUES ('00000000000000'), ('20240105093000'), ('20240212150000');},
		ids => [ '20240105093000', '20240212150000', '20240301080000' ],
	},
);

for my $tool (sort keys %tools)
{
	my $t = $tools{$tool};
	my $src = "$tmp/$tool-src";
	my $dir = "$tmp/$tool-migrations";
	my $db = $tool =~ s/\W/_/gr;
	make_path($src, $dir);
	$t->{write}->($src, $t->{versions}[$_], $steps[$_]) for 0 .. 2;
	$t->{extra}->($src) if $t->{extra};

	my ($rc, $out, $err) = pgm('postgres', $dir, 'import', '--from', $tool, $src);
	is($rc, 0, "$tool: import") or diag($err);
	like($out, qr/Imported 3 migrations from/, "$tool: three migrations");
	my @files = glob("$dir/*.sql");
	is(scalar @files, 3, "$tool: three revision files");
	ok(-f "$dir/$t->{ids}[0]_create_users.sql", "$tool: ids from versions");
	open my $fh, '<', "$dir/$t->{ids}[1]_create_posts.sql" or die;
	my $f1 = do { local $/; <$fh> };
	close $fh;
	like($f1, qr/^-- Revision ID: $t->{ids}[1]\n-- Revises: $t->{ids}[0]\n.*-- migrate:upgrade\nCREATE TABLE posts \(id bigint PRIMARY KEY,\n    author bigint REFERENCES users,\n    body text\);\n\n-- migrate:downgrade\nDROP TABLE posts;\n\z/ms,
		"$tool: the chain and both scripts");

	# a database the tool migrated up to its second version
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "$steps[0][1] $steps[1][1] $t->{table}");
	$node->safe_psql($db, q{CREATE EXTENSION migrate; ALTER EXTENSION migrate UPDATE});
	($rc, $out, $err) = pgm($db, $dir, 'adopt', '--from', $tool);
	is($rc, 0, "$tool: adopt") or diag($err);
	like($out, qr/the database is at $t->{ids}[1]\./, "$tool: adopt stamps the second version");
	($rc, $out, $err) = pgm($db, $dir, 'upgrade');
	is($out, "Running upgrade $t->{ids}[1] -> $t->{ids}[2], index posts author\n",
		"$tool: the upgrade runs only what the tool had not applied") or diag($err);
	($rc, $out, $err) = pgm($db, $dir, 'downgrade', 'base');
	is($rc, 0, "$tool: the imported down scripts run") or diag($err);
	is($node->safe_psql($db, q{SELECT count(*) FROM pg_tables WHERE tablename IN ('users', 'posts')}), '0',
		"$tool: down to base");
}

# alembic: its version rows are revision ids already
$node->safe_psql('postgres', 'CREATE DATABASE alembic_db');
$node->safe_psql('alembic_db', q{CREATE TABLE alembic_version (version_num varchar(32) NOT NULL PRIMARY KEY);
INSERT INTO alembic_version VALUES ('v1');
CREATE EXTENSION migrate; ALTER EXTENSION migrate UPDATE;});
$node->safe_psql('alembic_db', $steps[0][1]);
my ($rc, $out, $err) = pgm('alembic_db', "$tmp/golang-migrate-migrations", 'adopt', '--from', 'alembic');
is($rc, 0, 'alembic: adopt') or diag($err);
like($out, qr/at v1\./, 'alembic: the version rows become ours');

# refusals
$node->safe_psql('golang_migrate', 'UPDATE schema_migrations SET dirty = true');
($rc, $out, $err) = pgm('golang_migrate', "$tmp/golang-migrate-migrations", 'adopt', '--from', 'golang-migrate');
is($rc, 1, 'adopt refuses a dirty golang-migrate database');
like($err, qr/marks version 2 as dirty/, 'and says why');
($rc, $out, $err) = pgm('postgres', "$tmp/golang-migrate-migrations", 'import', '--from', 'golang-migrate', "$tmp/golang-migrate-src");
is($rc, 1, 'import refuses a directory that holds revision files');
($rc, $out, $err) = pgm('postgres', "$tmp/x", 'import', '--from', 'liquibase', "$tmp/x");
is($rc, 2, 'import of an unknown tool exits 2');

$node->stop;
done_testing();
