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

$node->stop;
done_testing();
