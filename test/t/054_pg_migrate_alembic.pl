# pg_migrate import --from alembic, and SQLAlchemy models as the desired
# schema of revision --autogenerate: what an Alembic team needs to switch.
#
# An Alembic project made by Debian's python3-alembic ("alembic init"), with
# a branch and its merge, a second base with a branch label and a
# depends_on, type-annotated and plain assignments, and a data migration, is
# imported; the imported files upgrade, downgrade to base and upgrade again
# to the same schema (pg_dump -s) and rows as Alembic's own
# "alembic upgrade heads" on another database.  Broken modules (syntax,
# missing parent, cycle) are named by file and line and nothing is written.
# Then SQLAlchemy 1.4 models (enum, foreign key, index, sequence, server
# defaults) go through contrib/sqlalchemy_ddl.py into a revision that
# upgrades to a schema "check --desired" finds no drift in.
use strict;
use warnings;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Path qw(make_path remove_tree);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $root = abs_path(dirname(__FILE__) . '/../..');
my $ddl_script = "$root/contrib/sqlalchemy_ddl.py";

if (system('python3 -c "import alembic, sqlalchemy, psycopg2" >/dev/null 2>&1') != 0)
{
	plan skip_all => 'python3 cannot import alembic, sqlalchemy and psycopg2 (Debian: python3-alembic python3-sqlalchemy python3-psycopg2)';
}

my $node = PostgreSQL::Test::Cluster->new('alembic');
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

sub read_file_text
{
	my $path = shift;
	open my $fh, '<', $path or die "$path: $!";
	local $/;
	my $t = <$fh>;
	close $fh;
	return $t;
}

# run a command with the cluster's connection settings; (exit code, out, err)
sub run_env
{
	my ($env, $cwd, @cmd) = @_;
	my ($out, $err) = ('', '');
	local %ENV = (%ENV, PGHOST => $node->host, PGPORT => $node->port, %$env);
	delete $ENV{DATABASE_URL};
	IPC::Run::run(\@cmd, '>', \$out, '2>', \$err, init => sub { chdir $cwd or die "$cwd: $!" });
	return ($? >> 8, $out, $err);
}

sub pgm
{
	my ($db, $dir, @args) = @_;
	return run_env({ PGDATABASE => $db }, $tmp, 'pg_migrate', '-D', $dir, @args);
}

sub files_in
{
	my $d = shift;
	my @l = sort map { s{.*/}{}r } glob("$d/*.sql");
	return wantarray ? @l : scalar @l;
}

# the user schema as pg_dump sees it, without Alembic's version table
sub schema_dump
{
	my $db = shift;
	my ($rc, $out, $err) = run_env({}, $tmp, 'pg_dump', '-s', '-n', 'public', '-T', 'public.alembic_version', $db);
	die "pg_dump $db: $err" if $rc;
	return join("\n", grep { !/^--/ && !/^SET / && !/^SELECT pg_catalog.set_config/ && !/^\\(un)?restrict / } split /\n/, $out);
}

my %modules = (
	'1a2b3c4d5e6f_create_users.py' => <<'PY',
"""create users

Revision ID: 1a2b3c4d5e6f
Revises:
Create Date: 2024-01-05 09:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = '1a2b3c4d5e6f'
down_revision: Union[str, None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    status = sa.Enum("active", "banned", name="user_status")
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("status", status, nullable=False, server_default="active"),
        sa.Column("created", sa.DateTime, server_default=sa.text("now()")),
    )
    op.create_index("users_email_idx", "users", ["email"], unique=True)


def downgrade() -> None:
    op.drop_index("users_email_idx", table_name="users")
    op.drop_table("users")
    sa.Enum(name="user_status").drop(op.get_bind(), checkfirst=False)
PY
	'2b3c4d5e6f70_create_posts.py' => <<'PY',
"""create posts

Revision ID: 2b3c4d5e6f70
Revises: 1a2b3c4d5e6f
"""
from alembic import op
import sqlalchemy as sa

revision = "2b3c4d5e6f70"
down_revision = "1a2b3c4d5e6f"  # the users table
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "posts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("author", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE")),
        sa.Column("body", sa.Text),
    )


def downgrade():
    op.drop_table("posts")
PY
	'3c4d5e6f7081_add_user_name.py' => <<'PY',
'''add user name'''
from alembic import op
import sqlalchemy as sa

revision = '3c4d5e6f7081'
down_revision = '1a2b3c4d5e6f'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("name", sa.String(100)))


def downgrade():
    op.drop_column("users", "name")
PY
	'4d5e6f708192_merge.py' => <<'PY',
"""merge posts and names

Revision ID: 4d5e6f708192
Revises: 2b3c4d5e6f70, 3c4d5e6f7081
"""
revision = "4d5e6f708192"
down_revision = ("2b3c4d5e6f70",
                 "3c4d5e6f7081")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
PY
	'5e6f708192a3_audit_log.py' => <<'PY',
"""audit log"""
from alembic import op
import sqlalchemy as sa

revision = "5e6f708192a3"
down_revision = None
branch_labels = ("audit",)
depends_on = ["2b3c4d5e6f70"]


def upgrade():
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("post", sa.Integer, sa.ForeignKey("posts.id")),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.execute("CREATE SEQUENCE audit_batch_seq")


def downgrade():
    op.execute("DROP SEQUENCE audit_batch_seq")
    op.drop_table("audit_log")
PY
	'6f708192a3b4_roles.py' => <<'PY',
"""roles, with their rows"""
from alembic import op, context
import sqlalchemy as sa

revision = "6f708192a3b4"
down_revision = "4d5e6f708192"
branch_labels = None
depends_on = None

ROLES = ["admin", "editor", "reader"]


def upgrade():
    roles = op.create_table(
        "roles",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(50), nullable=False),
    )
    op.bulk_insert(roles, [{"id": i + 1, "name": n} for i, n in enumerate(ROLES)])
    if context.is_offline_mode():
        op.execute("UPDATE users SET name = split_part(email, '@', 1) WHERE name IS NULL")
    else:
        conn = op.get_bind()
        for uid, email in conn.execute(sa.text("SELECT id, email FROM users WHERE name IS NULL")).fetchall():
            conn.execute(sa.text("UPDATE users SET name = :n WHERE id = :i"), {"n": email.split("@")[0], "i": uid})


def downgrade():
    op.drop_table("roles")
PY
);

# ---- an Alembic project, as "alembic init" writes it ----
my $proj = "$tmp/shop";
make_path($proj);
my ($rc, $out, $err) = run_env({}, $proj, 'python3', '-m', 'alembic', 'init', 'alembic');
is($rc, 0, 'alembic init') or diag($err);
my $url = sprintf('postgresql:///alembic_ref?host=%s&port=%d', $node->host, $node->port);
my $ini = read_file_text("$proj/alembic.ini");
$ini =~ s{^sqlalchemy\.url = .*$}{sqlalchemy.url = $url}m or die 'no sqlalchemy.url in alembic.ini';
write_file_text("$proj/alembic.ini", $ini);
write_file_text("$proj/alembic/versions/$_", $modules{$_}) for keys %modules;

# ---- Alembic's own run, the reference ----
$node->safe_psql('postgres', 'CREATE DATABASE alembic_ref');
($rc, $out, $err) = run_env({}, $proj, 'python3', '-m', 'alembic', 'upgrade', 'heads');
is($rc, 0, 'alembic upgrade heads (online, the reference)') or diag($err);
my $ref = schema_dump('alembic_ref');
like($ref, qr/CREATE TABLE public\.audit_log/, 'the reference has the second base');
my $ref_roles = $node->safe_psql('alembic_ref', 'SELECT id, name FROM roles ORDER BY id');

# ---- import ----
my $mig = "$tmp/migrations";
make_path($mig);
my @alembic_before = sort glob("$proj/alembic/versions/*");
($rc, $out, $err) = pgm('postgres', $mig, 'import', '--from', 'alembic', $proj);
is($rc, 0, 'import --from alembic PROJECT') or diag($err);
like($out, qr/^Imported 6 revisions from \Q$proj\E\/alembic\/versions; 2 flagged for review\.$/m, 'six revisions, two flagged');
is_deeply([ files_in($mig) ], [
	'1a2b3c4d5e6f_create_users.sql', '2b3c4d5e6f70_create_posts.sql',
	'3c4d5e6f7081_add_user_name.sql', '4d5e6f708192_merge_posts_and_names.sql',
	'5e6f708192a3_audit_log.sql', '6f708192a3b4_roles_with_their_rows.sql' ],
	'one file per module, named by id and message');
is_deeply([ sort glob("$proj/alembic/versions/*") ], \@alembic_before, 'nothing written into the Alembic project (no __pycache__)');
like($err, qr/6f708192a3b4_roles\.py: revision 6f708192a3b4 moves data through Python \(bulk_insert at line 19, is_offline_mode at line 20, get_bind at line 23, fetchall at line 24\)/,
	'the data migration is flagged in the output, with its lines');

my $merge = read_file_text("$mig/4d5e6f708192_merge_posts_and_names.sql");
like($merge, qr/^-- Revises: 2b3c4d5e6f70, 3c4d5e6f7081$/m, 'a tuple down_revision over two lines is a merge');
like($merge, qr/-- migrate:upgrade\n\n-- migrate:downgrade\n\z/, 'the merge has no SQL, and no version-table statements');
my $audit = read_file_text("$mig/5e6f708192a3_audit_log.sql");
like($audit, qr/^-- Revises: base\n-- Branch labels: audit\n-- Depends on: 2b3c4d5e6f70$/m, 'branch label and depends_on kept');
like($audit, qr/^-- migrate:upgrade\nCREATE TABLE audit_log \(\n    id BIGINT GENERATED BY DEFAULT AS IDENTITY,\n/m,
	'the SQL is Alembic\'s, without trailing spaces');
unlike($audit, qr/BEGIN;|COMMIT;|alembic_version|CREATE TABLE posts/, 'no transaction control, version table or other steps');
my $users = read_file_text("$mig/1a2b3c4d5e6f_create_users.sql");
like($users, qr/^-- Message: create users\n-- Revision ID: 1a2b3c4d5e6f\n-- Revises: base\n-- Create Date: 2024-01-05 09:30:00.000000$/m,
	'annotated assignments and the docstring\'s message and date');
my $roles = read_file_text("$mig/6f708192a3b4_roles_with_their_rows.sql");
like($roles, qr/\A-- Imported from Alembic revision module 6f708192a3b4_roles\.py\n-- CHECK moves data through Python/, 'the data migration is flagged in the file header');
like($roles, qr/INSERT INTO roles \(id, name\) VALUES \(3, 'reader'\);/, 'bulk_insert rows as offline mode rendered them');

# ---- the imported files against the reference ----
$node->safe_psql('postgres', 'CREATE DATABASE imported');
$node->safe_psql('imported', 'CREATE EXTENSION migrate');
my $empty = schema_dump('imported');
($rc, $out, $err) = pgm('imported', $mig, 'upgrade', 'heads');
is($rc, 0, 'upgrade heads') or diag($err);
is(schema_dump('imported'), $ref, 'the same schema as alembic upgrade heads');
is($node->safe_psql('imported', 'SELECT id, name FROM roles ORDER BY id'), $ref_roles, 'the same rows');
($rc, $out, $err) = pgm('imported', $mig, 'downgrade', 'base');
is($rc, 0, 'downgrade base') or diag($err);
is(schema_dump('imported'), $empty, 'down to base: nothing of the schema is left');
($rc, $out, $err) = pgm('imported', $mig, 'upgrade', 'heads');
is($rc, 0, 'upgrade heads again') or diag($err);
is(schema_dump('imported'), $ref, 'and the same schema again');

# ---- adopt: the reference database switches without re-running anything ----
$node->safe_psql('alembic_ref', 'CREATE EXTENSION migrate');
($rc, $out, $err) = pgm('alembic_ref', $mig, 'adopt', '--from', 'alembic');
is($rc, 0, 'adopt --from alembic') or diag($err);
like($out, qr/the database is at 5e6f708192a3 6f708192a3b4\./, 'at both of Alembic\'s heads');
($rc, $out, $err) = pgm('alembic_ref', $mig, 'check');
is($rc, 0, 'check: nothing pending after adopt') or diag($err);

# ---- the versions directory with --alembic-config; --alembic ----
my $mig2 = "$tmp/migrations2";
make_path($mig2);
($rc, $out, $err) = pgm('postgres', $mig2, 'import', '--from', 'alembic', '--alembic', 'python3 -m alembic',
	'--alembic-config', "$proj/alembic.ini", '-q', "$proj/alembic/versions");
is($rc, 0, 'import of the versions directory with --alembic-config and --alembic') or diag($err);
is(scalar(files_in($mig2)), 6, 'the same six files');
remove_tree($mig2);
make_path($mig2);
($rc, $out, $err) = pgm('postgres', $mig2, 'import', '--from', 'alembic', "$proj/alembic/versions");
is($rc, 2, 'a versions directory without its config is refused');
like($err, qr/holds no alembic\.ini\nHINT:  .*--alembic-config/, 'and says what to give');

# ---- without Alembic: a clear error, nothing written ----
make_path("$tmp/noalembic");
write_file_text("$tmp/noalembic/python3", "#!/bin/sh\nexit 1\n");
chmod 0755, "$tmp/noalembic/python3";
my ($pgm_path) = grep { -x } map { "$_/pg_migrate" } split /:/, $ENV{PATH};
($rc, $out, $err) = run_env({ PATH => "$tmp/noalembic:/bin" }, $tmp, $pgm_path, '-D', $mig2, 'import', '--from', 'alembic', $proj);
is($rc, 1, 'no Alembic installed: exit 1');
like($err, qr/Alembic is not installed.*\nDETAIL:  .*\nHINT:  Install it \(Debian: python3-alembic\)/, 'and says how to get it');
is(scalar(files_in($mig2)), 0, 'nothing written');
($rc, $out, $err) = pgm('postgres', $mig2, 'import', '--from', 'alembic', '--alembic', "$tmp/noalembic/python3", $proj);
is($rc, 1, 'an --alembic command that does not run: exit 1');
like($err, qr/could not run Alembic as/, 'and says so');

# ---- a step offline mode cannot render: imported as a script that stops ----
my $proj3 = "$tmp/datamig";
make_path("$proj3/alembic/versions");
copy("$proj/alembic.ini", "$proj3/alembic.ini") or die;
copy("$proj/alembic/script.py.mako", "$proj3/alembic/script.py.mako") or die;
# a version table of another name (env.py's context.configure)
my $env = read_file_text("$proj/alembic/env.py");
$env =~ s/target_metadata=target_metadata/target_metadata=target_metadata, version_table="shop_version"/g == 2 or die 'env.py';
write_file_text("$proj3/alembic/env.py", $env);
write_file_text("$proj3/alembic/versions/bb02_items.py", <<'PY');
from alembic import op
import sqlalchemy as sa

revision = "bb0200000002"
down_revision = "aa0100000001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("items", sa.Column("id", sa.Integer, primary_key=True))


def downgrade():
    op.drop_table("items")
PY
write_file_text("$proj3/alembic/versions/aa01_backfill.py", <<'PY');
"""backfill through Python"""
from alembic import op
import sqlalchemy as sa

revision = "aa0100000001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("counters", sa.Column("n", sa.Integer))
    conn = op.get_bind()
    for (i,) in conn.execute(sa.text("SELECT 1")).fetchall():
        conn.execute(sa.text("SELECT :i"), {"i": i})


def downgrade():
    pass
PY
write_file_text("$proj3/alembic/versions/cc03_index.py", <<'PY');
from alembic import op

revision = "cc0300000003"
down_revision = "bb0200000002"
branch_labels = None
depends_on = None


def upgrade():
    with op.get_context().autocommit_block():
        op.create_index("items_id_idx", "items", ["id"], postgresql_concurrently=True)


def downgrade():
    op.drop_index("items_id_idx")
PY
my $mig3 = "$tmp/migrations3";
make_path($mig3);
($rc, $out, $err) = pgm('postgres', $mig3, 'import', '--from', 'alembic', $proj3);
is($rc, 0, 'a module offline mode cannot run still imports');
like($err, qr/could not render the upgrade of revision aa0100000001: AttributeError: 'NoneType' object has no attribute 'fetchall'/, 'with Alembic\'s reason');
my $bf = read_file_text("$mig3/aa0100000001_backfill_through_python.sql");
like($bf, qr/^-- CHECK Alembic's offline mode could not render its upgrade\.$/m, 'flagged in the header');
like($bf, qr/^-- What offline mode rendered before it failed:\n--   CREATE TABLE counters \(\n--       n INTEGER\n--   \);\n--\n--   SELECT 1;\nDO /m,
	'what was rendered before the failure, commented out');
is(read_file_text("$mig3/bb0200000002_bb02_items.sql"), q{-- Imported from Alembic revision module bb02_items.py
-- Message: bb02_items
-- Revision ID: bb0200000002
-- Revises: aa0100000001

-- migrate:upgrade
CREATE TABLE items (
    id SERIAL NOT NULL,
    PRIMARY KEY (id)
);

-- migrate:downgrade
DROP TABLE items;
}, 'a version table of another name is left out too');
like(read_file_text("$mig3/cc0300000003_cc03_index.sql"),
	qr/^-- Transactional: no\n\n-- migrate:upgrade\nCREATE INDEX CONCURRENTLY items_id_idx ON items \(id\);\n\n-- migrate:downgrade\nDROP INDEX items_id_idx;\n\z/m,
	'an autocommit_block makes a non-transactional revision');
$node->safe_psql('postgres', 'CREATE DATABASE datamig');
$node->safe_psql('datamig', 'CREATE EXTENSION migrate');
($rc, $out, $err) = pgm('datamig', $mig3, 'upgrade', 'aa0100000001');
isnt($rc, 0, 'its upgrade stops instead of doing nothing');
like($err, qr/the upgrade of revision aa0100000001 was not imported/, 'with the reason');

# ---- broken modules: file and line, exit 6, nothing written ----
my @broken = (
	[ 'syntax', 'cc01_x.py', qq{revision = "cc01"\ndown_revision = None\nbranch_labels = None\ndepends_on = ('cc00',\n}, qr/cc01_x\.py:4: cannot read the value of "depends_on"/ ],
	[ 'unterminated', 'cc01_x.py', qq{revision = "cc01\ndown_revision = None\n}, qr/cc01_x\.py:1: unterminated string literal/ ],
	[ 'not a literal', 'cc01_x.py', qq{import os\nrevision = os.environ["REV"]\ndown_revision = None\n}, qr/cc01_x\.py:2: cannot read the value of "revision"/ ],
	[ 'no revision', 'cc01_x.py', qq{"""only a docstring\n\nrevision = 'cc01'\n"""\ndown_revision = None\n}, qr/cc01_x\.py:1: no "revision = \.\.\." assignment/ ],
	[ 'missing parent', 'cc01_x.py', qq{revision = "cc01"\n# a comment\ndown_revision: str = 'cc00'\n}, qr/cc01_x\.py:3: down revision "cc00" of revision "cc01" is not defined by any file in / ],
	[ 'cycle', 'cc01_x.py', qq{revision = "cc01"\ndown_revision = "cc02"\n}, qr/cc0[12]_[xy]\.py:2: revisions form a cycle: cc0[12] -> cc0[12] -> cc0[12]/,
		'cc02_y.py', qq{revision = "cc02"\ndown_revision = ("cc01",)\n} ],
	[ 'duplicate', 'cc01_x.py', qq{revision = "cc01"\ndown_revision = None\n}, qr/cc01_z\.py:1: revision "cc01" is already defined in .*cc01_x\.py/,
		'cc01_z.py', qq{revision = 'cc01'\ndown_revision = None\n} ],
);
for my $b (@broken)
{
	my ($what, @rest) = @$b;
	my $re = splice(@rest, 2, 1);
	my $p = "$tmp/broken";
	remove_tree($p, $mig2);
	make_path("$p/alembic/versions", $mig2);
	copy("$proj/alembic.ini", "$p/alembic.ini") or die;
	copy("$proj/alembic/env.py", "$p/alembic/env.py") or die;
	while (my ($f, $text) = splice(@rest, 0, 2))
	{
		write_file_text("$p/alembic/versions/$f", $text);
	}
	($rc, $out, $err) = pgm('postgres', $mig2, 'import', '--from', 'alembic', $p);
	is($rc, 6, "broken ($what): exit 6");
	like($err, $re, "broken ($what): named by file and line");
	is(scalar(files_in($mig2)), 0, "broken ($what): nothing written");
}

# ---- SQLAlchemy models as the desired schema ----
make_path("$tmp/app/app");
write_file_text("$tmp/app/app/__init__.py", '');
write_file_text("$tmp/app/app/models.py", <<'PY');
import enum
import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


class Status(enum.Enum):
    active = "active"
    banned = "banned"


order_no = sa.Sequence("order_no_seq", start=1000)


class Customer(Base):
    __tablename__ = "customers"
    id = sa.Column(sa.Integer, primary_key=True)
    email = sa.Column(sa.String(200), nullable=False, unique=True)
    status = sa.Column(sa.Enum(Status, name="customer_status"), nullable=False, server_default="active")
    created = sa.Column(sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


class Order(Base):
    __tablename__ = "orders"
    id = sa.Column(sa.Integer, primary_key=True)
    number = sa.Column(sa.Integer, order_no, server_default=order_no.next_value(), nullable=False)
    customer_id = sa.Column(sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True)
    total = sa.Column(sa.Numeric(12, 2), nullable=False, server_default="0")
    note = sa.Column(sa.Text)
    customer = relationship(Customer)
    __table_args__ = (sa.CheckConstraint("total >= 0", name="orders_total_positive"),
                      sa.Index("orders_customer_total_idx", "customer_id", "total"))
PY
$node->safe_psql('postgres', 'CREATE DATABASE models');
$node->safe_psql('models', 'CREATE EXTENSION migrate');
my $mig4 = "$tmp/migrations4";
make_path($mig4);
($rc, $out, $err) = run_env({ PGDATABASE => 'models' }, "$tmp/app", 'python3', $ddl_script, 'app.models:Base');
is($rc, 0, 'sqlalchemy_ddl.py prints the models\' DDL') or diag($err);
like($out, qr/CREATE TYPE customer_status AS ENUM \('active', 'banned'\);\n\nCREATE TABLE customers .*CREATE SEQUENCE order_no_seq START WITH 1000;\n\nCREATE TABLE orders .*CREATE INDEX ix_orders_customer_id ON orders \(customer_id\);/s,
	'enum, table, sequence, table with its foreign key, indexes: in dependency order');
($rc, $out, $err) = run_env({ PGDATABASE => 'models' }, "$tmp/app", 'bash', '-c',
	"pg_migrate -D $mig4 revision --autogenerate -m 'models' --rev-id ab0000000001 --desired <(python3 $ddl_script app.models:Base)");
is($rc, 0, 'revision --autogenerate --desired <(sqlalchemy_ddl.py ...)') or diag($err);
my $gen = read_file_text("$mig4/ab0000000001_models.sql");
like($gen, qr/CREATE TYPE/, 'the revision creates the enum');
($rc, $out, $err) = run_env({ PGDATABASE => 'models' }, "$tmp/app", 'pg_migrate', '-D', $mig4, 'upgrade');
is($rc, 0, 'the generated revision upgrades') or diag($err);
is($node->safe_psql('models', q{INSERT INTO customers (email) VALUES ('a@example.com');
INSERT INTO orders (customer_id) SELECT id FROM customers;
SELECT c.status || ' ' || o.number || ' ' || o.total FROM customers c JOIN orders o ON o.customer_id = c.id}),
	'active 1000 0.00', 'server defaults, enum and sequence work');
($rc, $out, $err) = run_env({ PGDATABASE => 'models' }, "$tmp/app", 'bash', '-c',
	"pg_migrate -D $mig4 check --desired <(python3 $ddl_script app.models:Base)");
is($rc, 0, 'check --desired: no drift from the models') or diag("$out$err");
like($out, qr/No new upgrade operations detected\./, 'and says so');
# a model change is drift
my $models = read_file_text("$tmp/app/app/models.py");
$models =~ s/(    note = sa\.Column\(sa\.Text\)\n)/$1    shipped = sa.Column(sa.Boolean, nullable=False, server_default=sa.false())\n/ or die;
write_file_text("$tmp/app/app/models.py", $models);
($rc, $out, $err) = run_env({ PGDATABASE => 'models' }, "$tmp/app", 'bash', '-c',
	"pg_migrate -D $mig4 check --desired <(python3 $ddl_script app.models:Base)");
is($rc, 4, 'check --desired: a new model column is drift (exit 4)') or diag("$out$err");
($rc, $out, $err) = run_env({}, "$tmp/app", 'python3', $ddl_script, 'app.models:Nothing');
is($rc, 1, 'sqlalchemy_ddl.py: a name the module lacks is an error');
like($err, qr/module "app\.models" has no attribute "Nothing"/, 'naming it');

$node->stop;
done_testing();
