# Autogenerate as a team runs it on a populated production schema:
#
# - the desired schema is the unfiltered output of pg_dump -s (with its SET
#   lines, set_config, \restrict lines, CREATE EXTENSION, owners), taken
#   from a reference database with the PostgreSQL copy's own pg_dump;
# - the diff runs as a role that owns the schema and is not a superuser,
#   through migrate_autogenerate and migrate_check(desired);
# - the tables hold rows, and the upgrade renames a table and columns
#   (declared with comments), changes a column's type with a cast, adds
#   NOT NULL columns with defaults and creates pgcrypto: every value
#   survives the upgrade and, under the old names, the downgrade;
# - a NOT NULL column without a default is refused, naming the column.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('diffpop');
$node->init;
$node->append_conf('postgresql.conf', "fsync = off\n");
$node->start;

$node->safe_psql('postgres',
	"CREATE ROLE deployer LOGIN; CREATE DATABASE app OWNER deployer;"
	  . " CREATE DATABASE ref OWNER deployer;");
$node->safe_psql('app',
	"CREATE EXTENSION migrate; ALTER EXTENSION migrate UPDATE;"
	  . " GRANT EXECUTE ON FUNCTION migrate_autogenerate(text, text, text, boolean, boolean),"
	  . " migrate_check(text, text) TO deployer;"
	  . " CREATE SCHEMA shop AUTHORIZATION deployer;");

# the schema as it is in production, with data, owned by deployer
my $v1 = <<'EOS';
CREATE TABLE shop.customers (
    id serial PRIMARY KEY,
    name text NOT NULL,
    email text,
    score text
);
CREATE INDEX customers_name_idx ON shop.customers (name);
CREATE TABLE shop.orders (
    id integer PRIMARY KEY,
    customer_id integer REFERENCES shop.customers (id),
    amount numeric(10,2) NOT NULL
);
INSERT INTO shop.customers (name, email, score)
    SELECT 'name ' || i, 'c' || i || '@example.com', (i * 10)::text
    FROM generate_series(1, 50) i;
INSERT INTO shop.orders SELECT i, 1 + i % 50, i * 1.5 FROM generate_series(1, 200) i;
EOS
$node->safe_psql('app', "SET ROLE deployer;\n$v1");

# the desired schema, built in the reference database and dumped
my $v2 = <<'EOS';
CREATE EXTENSION pgcrypto WITH SCHEMA shop;
CREATE TABLE shop.clients (
    id serial PRIMARY KEY,
    full_name text NOT NULL,
    email text,
    score integer,
    status text NOT NULL DEFAULT 'active',
    token text NOT NULL DEFAULT shop.gen_random_uuid()::text
);
CREATE INDEX clients_full_name_idx ON shop.clients (full_name);
CREATE TABLE shop.orders (
    id integer PRIMARY KEY,
    client_id integer REFERENCES shop.clients (id),
    amount numeric(10,2) NOT NULL
);
COMMENT ON TABLE shop.clients IS 'migrate:renamed_from=customers';
COMMENT ON COLUMN shop.clients.full_name IS 'migrate:renamed_from=name';
COMMENT ON COLUMN shop.orders.client_id IS 'migrate:renamed_from=customer_id';
COMMENT ON INDEX shop.clients_full_name_idx IS 'migrate:renamed_from=customers_name_idx';
COMMENT ON CONSTRAINT clients_pkey ON shop.clients IS 'migrate:renamed_from=customers_pkey';
COMMENT ON CONSTRAINT orders_client_id_fkey ON shop.orders IS 'migrate:renamed_from=orders_customer_id_fkey';
ALTER SEQUENCE shop.clients_id_seq RENAME TO customers_id_seq;
EOS
$node->safe_psql('ref',
	"CREATE SCHEMA shop AUTHORIZATION deployer; SET ROLE deployer;\n$v2");

my ($dump, $err);
IPC::Run::run([ 'pg_dump', '--schema-only', '-d', $node->connstr('ref') ],
	'>', \$dump, '2>', \$err)
  or die "pg_dump failed: $err";
like($dump, qr/^SET /m, 'the dump has its SET lines');
like($dump, qr/set_config\('search_path'/, 'the dump sets search_path');
like($dump, qr/^CREATE EXTENSION IF NOT EXISTS pgcrypto/m,
	'the dump creates pgcrypto');
like($dump, qr/OWNER TO deployer/, 'the dump has owners');
note('pg_dump wrote \restrict lines')
  if $dump =~ /^\\restrict /m;

sub sq { my ($s) = @_; $s =~ s/'/''/g; return "'$s'"; }

sub as_deployer
{
	my ($sql, %opts) = @_;
	return $node->psql('app', $sql,
		connstr => $node->connstr('app') . ' user=deployer', %opts);
}

# migrate_check(desired) as the schema's owner: the differences, by name
my ($ret, $out, $stderr) =
  as_deployer("SELECT migrate_check(" . sq($dump) . ", 'shop')");
isnt($ret, 0, 'migrate_check(desired) fails before the upgrade');
like($stderr, qr/schema "shop" differs from the desired schema/,
	'migrate_check names the schema');
like($stderr, qr/RENAME TO clients/, 'the declared table rename is a difference');
unlike($stderr, qr/permission denied/, 'no permission is missing');

# autogenerate as the owner, not a superuser
($ret, $out, $stderr) = as_deployer(
	"SELECT upgrade, downgrade FROM migrate_autogenerate('v2', "
	  . sq($dump)
	  . ", 'shop', register => false)",
	extra_params => [ '-A', '-t', '-R', "\x1e", '-F', "\x1f" ]);
is($ret, 0, 'migrate_autogenerate accepts the unfiltered dump')
  or diag($stderr);
my ($up, $down) = split /\x1f/, $out, 2;
$up //= '';
$down //= '';
like($up, qr/CREATE EXTENSION pgcrypto WITH SCHEMA shop;/,
	'the upgrade creates the extension');
like($up, qr/ALTER TABLE shop\.customers RENAME TO clients;/,
	'the table is renamed');
like($up, qr/RENAME COLUMN name TO full_name;/, 'the column is renamed');
like($up, qr/RENAME COLUMN customer_id TO client_id;/,
	'the foreign key column is renamed');
like($up, qr/ALTER INDEX shop\.customers_name_idx RENAME TO clients_full_name_idx;/,
	'the index is renamed');
like($up, qr/TYPE integer USING score::integer/, 'the type change casts');
like($up, qr/ADD COLUMN status text DEFAULT 'active'::text NOT NULL/,
	'a NOT NULL column comes with its default');
unlike($up, qr/DROP COLUMN|DROP TABLE/, 'nothing is dropped');
unlike($up, qr/OWNER TO/, 'owners are no change');
unlike($up, qr/REVOKE/, 'no privilege of the owner is revoked');

my $before = $node->safe_psql('app',
	"SELECT string_agg(format('%s|%s|%s|%s', id, name, email, score), ',' ORDER BY id)"
	  . " FROM shop.customers");
my $orders_before = $node->safe_psql('app',
	"SELECT string_agg(format('%s|%s|%s', id, customer_id, amount), ',' ORDER BY id)"
	  . " FROM shop.orders");

($ret, undef, $stderr) =
  as_deployer("BEGIN;\n$up\nCOMMIT;", on_error_stop => 1);
is($ret, 0, 'the upgrade runs on the populated tables') or diag($stderr);

is( $node->safe_psql('app',
		"SELECT string_agg(format('%s|%s|%s|%s', id, full_name, email, score), ',' ORDER BY id)"
		  . " FROM shop.clients"),
	$before,
	'values survive the renames and the type change');
is($node->safe_psql('app', "SELECT pg_typeof(score) FROM shop.clients LIMIT 1"),
	'integer', 'score is an integer now');
is( $node->safe_psql('app',
		"SELECT count(*) FROM shop.clients WHERE status = 'active' AND token IS NOT NULL"),
	'50',
	'the NOT NULL columns are filled by their defaults');
is( $node->safe_psql('app',
		"SELECT string_agg(format('%s|%s|%s', id, client_id, amount), ',' ORDER BY id)"
		  . " FROM shop.orders"),
	$orders_before,
	'the orders keep their clients');
is( $node->safe_psql('app',
		"SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
		  . " WHERE e.extname = 'pgcrypto'"),
	'shop',
	'pgcrypto is installed in the schema');

($ret, undef, $stderr) =
  as_deployer("SELECT migrate_check(" . sq($dump) . ", 'shop')");
is($ret, 0, 'migrate_check(desired) passes after the upgrade') or diag($stderr);
($ret, $out, $stderr) = as_deployer(
	"SELECT count(*) FROM migrate_autogenerate('again', " . sq($dump)
	  . ", 'shop', register => false)");
is($out, '0', 'autogenerate finds nothing more to do');
unlike($stderr, qr/WARNING/, 'and warns about nothing');

# the downgrade gives the old names and the values back
($ret, undef, $stderr) =
  as_deployer("BEGIN;\n$down\nCOMMIT;", on_error_stop => 1);
is($ret, 0, 'the downgrade runs') or diag($stderr);
is( $node->safe_psql('app',
		"SELECT string_agg(format('%s|%s|%s|%s', id, name, email, score), ',' ORDER BY id)"
		  . " FROM shop.customers"),
	$before,
	'values survive the downgrade');
is( $node->safe_psql('app',
		"SELECT string_agg(format('%s|%s|%s', id, customer_id, amount), ',' ORDER BY id)"
		  . " FROM shop.orders"),
	$orders_before,
	'the orders keep their customers');
is($node->safe_psql('app', "SELECT count(*) FROM pg_extension WHERE extname = 'pgcrypto'"),
	'0', 'pgcrypto is gone again');

# a NOT NULL column without a default: refused, naming the column
(my $bad = $dump) =~ s/(    email text,\n)/$1    born date NOT NULL,\n/;
isnt($bad, $dump, 'a NOT NULL column without a default is planted in the dump');
($ret, undef, $stderr) = as_deployer(
	"SELECT * FROM migrate_autogenerate('bad', " . sq($bad)
	  . ", 'shop', register => false)");
isnt($ret, 0, 'autogenerate refuses it');
like($stderr,
	qr/cannot add column "clients\.born" as NOT NULL without a default/,
	'the error names the column');
like($stderr, qr/HINT:  Give the column a DEFAULT/, 'the hint says what to add');

# an error in the desired DDL names its line in the dump
my @lines = split /\n/, $dump, -1;
my ($lineno) = grep { $lines[$_] =~ /^    amount numeric/ } 0 .. $#lines;
(my $broken = $dump) =~ s/^    amount numeric\(10,2\) NOT NULL$/    amount nosuchtype NOT NULL/m;
($ret, undef, $stderr) = as_deployer(
	"SELECT * FROM migrate_autogenerate('broken', " . sq($broken)
	  . ", 'shop', register => false)");
like($stderr, qr/desired schema, line ${\($lineno + 1)}\b/,
	'an error names the line of the dump');

$node->stop;
done_testing();
