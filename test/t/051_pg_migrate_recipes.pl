# README's quick start and deploy recipes, run as written (outside any
# container) by a deploy role that is not a superuser: the quick start from
# files and from SQL (a redeploy of the SQL recipe is a no-op), a CI step, a
# backup before migrating that stops when the dump fails, dumps by the
# deploy role and by the database owner restored, the
# docker compose commands, an entrypoint honouring AUTO_MIGRATE, a Python
# lifespan hook, and recovering from a refused push with git.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('recipes');
$node->init;
$node->start;
# The recipes run as a deploy role, as in production: a member of
# migrate_deployer that may create in schema public, in a database owned by
# another role (app_owner) that is not a deployer.
$node->safe_psql('postgres', q{
CREATE ROLE deployer LOGIN;
CREATE ROLE app_owner LOGIN;
CREATE DATABASE app OWNER app_owner;
CREATE DATABASE sqlapp OWNER app_owner;
});
for my $db ('app', 'sqlapp')
{
	# README: what the deploy role creates, the database owner may read
	# (and so back up)
	$node->safe_psql($db, q{CREATE EXTENSION migrate; GRANT CREATE ON SCHEMA public TO deployer;
ALTER DEFAULT PRIVILEGES FOR ROLE deployer GRANT SELECT ON TABLES TO pg_database_owner;
ALTER DEFAULT PRIVILEGES FOR ROLE deployer GRANT SELECT ON SEQUENCES TO pg_database_owner;});
}
$node->safe_psql('postgres', 'GRANT migrate_deployer TO deployer');

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $url = 'postgresql://deployer@/app?host=' . $node->host . '&port=' . $node->port;
my $superuser = scalar(getpwuid($<));

# run a shell snippet in $tmp/app with DATABASE_URL set; (exit, out, err)
sub sh
{
	my ($script, %env) = @_;
	my ($out, $err) = ('', '');
	local %ENV = (%ENV, DATABASE_URL => $url, PGHOST => $node->host,
		PGPORT => $node->port, PGDATABASE => 'app', PGUSER => 'deployer', %env);
	IPC::Run::run([ 'bash', '-c', "set -e; cd '$tmp/app'; $script" ], '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

mkdir "$tmp/app";
my ($rc, $out, $err);

# ---- quick start, with files ----
($rc, $out, $err) = sh(q{
pg_migrate init
pg_migrate revision -m "create customers"
f=$(ls migrations/*_create_customers.sql)
sed -i 's/^-- migrate:upgrade$/&\nCREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);/; s/^-- migrate:downgrade$/&\nDROP TABLE customers;/' "$f"
pg_migrate upgrade
pg_migrate history
});
is($rc, 0, 'quick start with files') or diag($err);
like($out, qr/^Running upgrade  -> [0-9a-f]{12}, create customers\n<base> -> [0-9a-f]{12} \(head\) \(current\), create customers\n/m,
	'quick start: upgrade and history');

# ---- quick start, from SQL, deployed twice ----
open my $fh, '>', "$tmp/revisions.sql" or die;
print $fh <<'SQL';
SELECT migrate_revision('create customers',
  upgrade   => 'CREATE TABLE customers (id bigint PRIMARY KEY, name text NOT NULL);',
  downgrade => 'DROP TABLE customers;',
  revision  => '1a2b3c4d5e6f', down_revisions => '{}');
SELECT migrate_revision('create orders',
  upgrade   => $$CREATE TABLE orders (id bigint PRIMARY KEY,
                                      customer bigint REFERENCES customers);$$,
  downgrade => 'DROP TABLE orders;',
  revision  => '2b3c4d5e6f70', down_revisions => '{1a2b3c4d5e6f}');
SQL
close $fh;
for my $deploy (1, 2)
{
	($rc, $out, $err) = sh(qq{psql -X -d sqlapp -v ON_ERROR_STOP=1 -1 -f '$tmp/revisions.sql' -c "SELECT * FROM migrate_upgrade('heads')"});
	is($rc, 0, "quick start from SQL, deploy $deploy") or diag($err);
}
is($node->safe_psql('sqlapp', 'SELECT version_num FROM migrate.version'), '2b3c4d5e6f70', 'the redeploy is a no-op');

# ---- CI step, backup, docker compose commands (outside a container) ----
sh(q{pg_migrate revision -m "create orders" >/dev/null
f=$(ls migrations/*_create_orders.sql)
sed -i 's/^-- migrate:upgrade$/&\nCREATE TABLE orders (id bigint PRIMARY KEY, total numeric(12,2) NOT NULL DEFAULT 0);/; s/^-- migrate:downgrade$/&\nDROP TABLE orders;/' "$f"});
($rc, $out, $err) = sh(q{pg_migrate -d "$DATABASE_URL" check}, PGDATABASE => 'postgres');
is($rc, 4, 'CI: check exits 4 before the upgrade');
# the backup recipe, written to a file as README has it (sh() adds set -e
# around snippets, so run the file with sh to test the recipe's own)
open $fh, '>', "$tmp/app/backup.sh" or die;
print $fh <<'SH';
set -e
pg_dump -Fc -f "before-$(date +%Y%m%d%H%M%S).dump" "$DATABASE_URL"
pg_migrate -d "$DATABASE_URL" upgrade head    # pushes migrations/, then upgrades
pg_migrate -d "$DATABASE_URL" check           # 0: at head; 4: not
SH
close $fh;

# a dump that fails stops the recipe: nothing is upgraded without a backup
$node->safe_psql('postgres', 'CREATE ROLE no_backup LOGIN');
($rc, $out, $err) = sh(q{sh backup.sh}, PGDATABASE => 'postgres',
	DATABASE_URL => 'postgresql://no_backup@/app?host=' . $node->host . '&port=' . $node->port);
isnt($rc, 0, 'backup recipe: a failing pg_dump fails the recipe');
like($err, qr/pg_dump: error: .*permission denied/, 'pg_dump said why');
unlike($out, qr/Running upgrade/, 'and the upgrade did not run');
is($node->safe_psql('app', 'SELECT count(*) FROM migrate.version'), '1', 'the database is where it was');
unlink glob("$tmp/app/before-*.dump");

($rc, $out, $err) = sh(q{sh backup.sh && ls before-*.dump}, PGDATABASE => 'postgres');
is($rc, 0, 'CI step with a backup first, as the deploy role') or diag($err);
like($out, qr/Running upgrade [0-9a-f]{12} -> [0-9a-f]{12}, create orders\nNo new upgrade operations detected\.\nbefore-\d+\.dump\n/,
	'the backup is written, the upgrade runs, check passes');

# ---- backups by the deploy role and by the database owner, restored ----
$node->safe_psql('app', q{INSERT INTO orders VALUES (1, 9.5)});
my %dumps;
for my $role ('deployer', 'app_owner')
{
	($rc, $out, $err) = sh(qq{pg_dump -U $role -Fc -f '$tmp/$role.dump' app});
	is($rc, 0, "pg_dump by $role") or diag($err);
	ok(-s "$tmp/$role.dump", "the dump by $role is not empty");
	# README: restore as a superuser (CREATE EXTENSION migrate needs one)
	$node->safe_psql('postgres', "CREATE DATABASE restored_$role OWNER app_owner");
	($rc, $out, $err) = sh(qq{pg_restore -U '$superuser' --exit-on-error -d restored_$role '$tmp/$role.dump'});
	is($rc, 0, "pg_restore of the dump by $role") or diag($err);
	is($node->safe_psql("restored_$role", 'SELECT total FROM orders'), '9.50', "restored_$role has the data");
	($rc, $out, $err) = sh(q{pg_migrate current}, PGDATABASE => "restored_$role");
	like($out, qr/^[0-9a-f]{12} \(head\)$/, "restored_$role has the history: the deploy role sees it at head") or diag($err);
	($rc, $out, $err) = sh(q{pg_migrate -d "$PGDATABASE" check && pg_migrate -d "$PGDATABASE" upgrade head}, PGDATABASE => "restored_$role");
	is($rc, 0, "the deploy role checks and upgrades restored_$role") or diag($err);
	like($err, qr/Nothing to upgrade/, 'nothing is run again after the restore');
}

($rc, $out, $err) = sh(qq{pg_migrate upgrade head && pg_migrate -U '$superuser' -d app -D '$tmp/app/migrations' upgrade head});
is($rc, 0, 'the docker compose exec commands, outside a container') or diag($err);

# ---- entrypoint with AUTO_MIGRATE, and a Python lifespan hook ----
sh(q{pg_migrate revision -m "add email" >/dev/null
f=$(ls migrations/*_add_email.sql)
sed -i 's/^-- migrate:upgrade$/&\nALTER TABLE customers ADD COLUMN email text;/; s/^-- migrate:downgrade$/&\nALTER TABLE customers DROP COLUMN email;/' "$f"
cat > docker-entrypoint.sh <<'SH'
#!/bin/sh
# docker-entrypoint.sh
set -e
if [ "${AUTO_MIGRATE:-0}" = 1 ]; then
    pg_migrate upgrade head
fi
exec "$@"
SH
chmod +x docker-entrypoint.sh});
($rc, $out, $err) = sh(q{./docker-entrypoint.sh echo app started}, AUTO_MIGRATE => '0');
is($out, "app started\n", 'entrypoint without AUTO_MIGRATE starts the app only');
($rc, $out, $err) = sh(q{./docker-entrypoint.sh echo app started}, AUTO_MIGRATE => '1');
like($out, qr/Running upgrade .*, add email\napp started\n/, 'entrypoint with AUTO_MIGRATE=1 migrates, then starts the app');

SKIP:
{
	skip 'python3-psycopg2 is not installed', 2
	  unless system('python3 -c "import psycopg2" 2>/dev/null') == 0;
	sh(q{pg_migrate revision -m "add phone" >/dev/null
f=$(ls migrations/*_add_phone.sql)
sed -i 's/^-- migrate:upgrade$/&\nALTER TABLE customers ADD COLUMN phone text;/; s/^-- migrate:downgrade$/&\nALTER TABLE customers DROP COLUMN phone;/' "$f"
cat > lifespan.py <<'PY'
import os, subprocess, psycopg2

def migrate_at_start():
    if os.environ.get("AUTO_MIGRATE") == "1":
        subprocess.run(["pg_migrate", "upgrade", "head"], check=True)

def migrate_at_start_sql():
    if os.environ.get("AUTO_MIGRATE") == "1":
        with psycopg2.connect(os.environ["DATABASE_URL"]) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM migrate_upgrade('head')")

migrate_at_start()
migrate_at_start_sql()
PY});
	($rc, $out, $err) = sh(q{python3 lifespan.py}, AUTO_MIGRATE => '1');
	is($rc, 0, 'the Python lifespan hook') or diag($err);
	like($out, qr/Running upgrade .*, add phone/, 'the hook migrated through pg_migrate, then found nothing to do through SQL');
}

# ---- a refused push, recovered as README says ----
SKIP:
{
	skip 'git is not installed', 3 unless system('git --version >/dev/null 2>&1') == 0;
	($rc, $out, $err) = sh(q{
git init -q . && git add migrations && git -c user.email=ci@example.com -c user.name=ci commit -qm revisions
f=$(ls migrations/*_create_orders.sql)
sed -i 's/numeric(12,2)/numeric(14,2)/' "$f"
pg_migrate push || echo "exit $?"
git checkout -- migrations/
pg_migrate push
});
	is($rc, 0, 'the recovery runs') or diag($err);
	like($out, qr/^exit 5\nPushed \d+ files: 0 registered, 0 updated, \d+ unchanged\.$/m, 'push is refused (5), then passes after git checkout');
	like($err, qr/-CREATE TABLE orders \(id bigint PRIMARY KEY, total numeric\(12,2\) NOT NULL DEFAULT 0\);\n  \+CREATE TABLE orders \(id bigint PRIMARY KEY, total numeric\(14,2\) NOT NULL DEFAULT 0\);/,
		'the refusal shows the change');
}

$node->stop;
done_testing();
