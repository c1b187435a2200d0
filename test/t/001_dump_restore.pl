# pg_dump and pg_restore carry the catalog: revisions, version rows, applied
# times and the run log survive, and the restored database is at the same
# version with nothing pending.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
CREATE EXTENSION migrate;
SELECT migrate_revision('customers', 'CREATE TABLE customers (id int PRIMARY KEY);', 'DROP TABLE customers;', revision => 'a1');
SELECT migrate_revision('orders', 'CREATE TABLE orders (id int PRIMARY KEY);', 'DROP TABLE orders;', revision => 'b2');
SELECT migrate_revision('billing', 'CREATE TABLE invoices (id int);', 'DROP TABLE invoices;', revision => 'c3', down_revisions => '{a1}', branch_labels => '{billing}');
SELECT count(*) FROM migrate_upgrade('b2');
});

my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-d', $node->connstr('src'), '-f', $dump ], 'pg_dump of a migrated database');
$node->safe_psql('postgres', 'CREATE DATABASE dst');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('dst'), $dump ], 'pg_restore into a fresh database');

my $q = q{SELECT string_agg(revision || ':' || is_current || ':' || applied, ' ' ORDER BY revision) FROM migrate_history()};
is($node->safe_psql('dst', $q), $node->safe_psql('src', $q), 'history and current version survive');
is($node->safe_psql('dst', 'SELECT count(*) FROM migrate.run'), '1', 'run log survives');
is($node->safe_psql('dst', "SELECT count(*) FROM migrate.applied WHERE applied_at IS NOT NULL"), '2', 'applied times survive');

# registration order survives, so the next registration still sorts after
$node->safe_psql('dst', "SELECT migrate_revision('more', 'SELECT 1;', '', revision => 'd4', down_revisions => '{b2}')");
is($node->safe_psql('dst', "SELECT string_agg(id, ',' ORDER BY registered) FROM migrate.revision"),
   'a1,b2,c3,d4', 'registration order continues after restore');

# the restored database upgrades from where it was
is($node->safe_psql('dst', "SELECT string_agg(revision, ',' ORDER BY step) FROM migrate_upgrade('heads')"),
   'd4,c3', 'restored database applies only what is pending');
is($node->safe_psql('dst', 'SELECT count(*) FROM migrate_upgrade(\'heads\')'), '0', 'then nothing is pending');

# --- DROP EXTENSION migrate keeps the history unless told otherwise
$node->safe_psql('dst', "ALTER EXTENSION migrate UPDATE");
my ($ret, $out, $err) = $node->psql('dst', "\\set VERBOSITY verbose\nDROP EXTENSION migrate");
like($err, qr/2BP01: cannot drop extension "migrate" while its catalog holds the history of this database/,
	'DROP EXTENSION migrate is refused while there is history');
like($err, qr/pg_dump --data-only --table='migrate\.\*'.*migrate\.allow_drop = on/,
	'the hint names the dump and the setting');
($ret, $out, $err) = $node->psql('dst', "DROP SCHEMA public CASCADE");
like($err, qr/cannot drop extension "migrate"/, 'so is DROP SCHEMA ... CASCADE of its schema');
is($node->safe_psql('dst', "SELECT count(*) FROM pg_extension WHERE extname = 'migrate'"), '1',
	'the extension is still there');

# the documented way: dump the catalog tables, allow the drop, re-create,
# load the dump; the history is back and the next upgrade runs only what
# is pending
my $hist = $node->basedir . '/history.sql';
$node->command_ok([ 'pg_dump', '--data-only', '--table=migrate.*', '-d', $node->connstr('dst'), '-f', $hist ],
	'pg_dump of the catalog tables');
$node->safe_psql('dst', "SET migrate.allow_drop = on; DROP EXTENSION migrate");
is($node->safe_psql('dst', "SELECT count(*) FROM pg_extension WHERE extname = 'migrate'"), '0',
	'with migrate.allow_drop on, the drop goes through');
$node->safe_psql('dst', "CREATE EXTENSION migrate");
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $node->connstr('dst'), '-f', $hist ],
	'the dump loads into the new extension');
is($node->safe_psql('dst', "SELECT count(*) FROM migrate.revision"), '4', 'the revisions are back');
is($node->safe_psql('dst', "SELECT string_agg(version_num, ',' ORDER BY version_num) FROM migrate.version"), 'c3,d4',
	'the version rows are back');
$node->safe_psql('dst', "SELECT migrate_revision('after', 'CREATE TABLE after_restore (id int);', '', revision => 'e5', down_revisions => '{d4}')");
is($node->safe_psql('dst', "SELECT string_agg(revision, ',' ORDER BY step) FROM migrate_upgrade('heads')"),
	'e5', 'the next upgrade runs only the new revision');

$node->stop;
done_testing();
