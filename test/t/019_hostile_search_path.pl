# A role whose search_path, set with ALTER ROLE ... IN DATABASE ... SET,
# puts a schema of shadows before pg_catalog (types, functions and operators
# named as the built-ins the extension's internal SQL uses) runs a
# background job, and is the AUTO_MIGRATE role: no shadow ever fires.  The
# revision scripts qualify their own names, so anything that fires comes
# from SQL the extension runs itself.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hostile');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'migrate'
max_worker_processes = 16
});
$node->start;

sub sq { return $node->safe_psql('postgres', $_[0]); }

sq(q{
CREATE EXTENSION migrate;
CREATE ROLE deployer LOGIN;
DO $$BEGIN
	IF pg_catalog.to_regrole('migrate_deployer') IS NOT NULL THEN
		EXECUTE 'GRANT migrate_deployer TO deployer';
	END IF;
END$$;
GRANT EXECUTE ON FUNCTION migrate_revision(text, text, text, text, text[], text[], text[], text, boolean, boolean),
	migrate_upgrade_async(text), migrate_wait(bigint, interval), migrate_upgrade(text, boolean)
	TO deployer;
GRANT SELECT ON migrate_jobs TO deployer;
GRANT CREATE ON SCHEMA public TO deployer;

CREATE TABLE public.fired (what pg_catalog.text, by_role pg_catalog.name);
GRANT INSERT, SELECT ON public.fired TO PUBLIC;

CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE FUNCTION evil.fire(what pg_catalog.text) RETURNS pg_catalog.bool
	LANGUAGE sql SET search_path = pg_catalog
	AS $$INSERT INTO public.fired VALUES (what, current_user) RETURNING true$$;
});

# functions: name, argument types, return type, the built-in to call
my @functions = (
	[ 'clock_timestamp', '', 'timestamptz' ],
	[ 'now', '', 'timestamptz' ],
	[ 'statement_timestamp', '', 'timestamptz' ],
	[ 'pg_backend_pid', '', 'int4' ],
	[ 'nextval', 'regclass', 'int8' ],
	[ 'currval', 'regclass', 'int8' ],
	[ 'lower', 'text', 'text' ],
	[ 'upper', 'text', 'text' ],
	[ 'length', 'text', 'int4' ],
	[ 'concat', 'text, text', 'text' ],
	[ 'format', 'text', 'text' ],
	[ 'quote_ident', 'text', 'text' ],
	[ 'textcat', 'text, text', 'text' ],
	[ 'array_length', 'anyarray, int4', 'int4' ],
	[ 'cardinality', 'anyarray', 'int4' ],
	[ 'unnest', 'anyarray', 'SETOF anyelement' ],
	[ 'pg_advisory_xact_lock', 'int4, int4', 'void' ],
	[ 'pg_advisory_xact_lock_shared', 'int4, int4', 'void' ],
	[ 'pg_advisory_lock', 'int4, int4', 'void' ],
	[ 'pg_try_advisory_xact_lock', 'int4, int4', 'bool' ],
	[ 'has_database_privilege', 'oid, oid, text', 'bool' ],
	[ 'pg_extension_config_dump', 'regclass, text', 'void' ],
	[ 'txid_current', '', 'int8' ],
	[ 'pg_current_xact_id', '', 'xid8' ],
);
for my $f (@functions)
{
	my ($name, $args, $ret) = @$f;
	my $i = 0;
	my $params = join(', ', map { 'a' . ++$i . " pg_catalog.$_" } grep { $_ ne '' } split /,\s*/, $args);
	$params =~ s/pg_catalog\.anyarray/anyarray/g;
	my $call = join(', ', map { "a$_" } 1 .. $i);
	my $rettype = $ret =~ /^SETOF/ ? $ret : "pg_catalog.$ret";
	my $body = $ret =~ /^SETOF/ ? "SELECT pg_catalog.$name($call) FROM (SELECT evil.fire('$name')) f"
		: "SELECT pg_catalog.$name($call) FROM (SELECT evil.fire('$name')) f";
	$body = "SELECT evil.fire('$name'); SELECT pg_catalog.$name($call)" if $ret eq 'void';
	sq("CREATE FUNCTION evil.$name($params) RETURNS $rettype LANGUAGE sql AS \$\$$body\$\$");
}

# operators on the types internal SQL compares
for my $t ('text', 'name', 'int4', 'int8', 'bool', 'timestamptz', 'oid')
{
	for my $op ([ '=', 'eq' ], [ '<>', 'ne' ], [ '<', 'lt' ], [ '>', 'gt' ])
	{
		my ($sym, $suffix) = @$op;
		sq(qq{
CREATE FUNCTION evil.op_${t}_$suffix(a pg_catalog.$t, b pg_catalog.$t) RETURNS pg_catalog.bool
	LANGUAGE sql AS \$\$SELECT a OPERATOR(pg_catalog.$sym) b FROM (SELECT evil.fire('$t $sym')) f\$\$;
CREATE OPERATOR evil.$sym (LEFTARG = pg_catalog.$t, RIGHTARG = pg_catalog.$t, FUNCTION = evil.op_${t}_$suffix);
});
	}
}
sq(q{
CREATE FUNCTION evil.op_textcat(a pg_catalog.text, b pg_catalog.text) RETURNS pg_catalog.text
	LANGUAGE sql AS $$SELECT pg_catalog.textcat(a, b) FROM (SELECT evil.fire('text ||')) f$$;
CREATE OPERATOR evil.|| (LEFTARG = pg_catalog.text, RIGHTARG = pg_catalog.text, FUNCTION = evil.op_textcat);
});

# types last, so that the set-up above does not resolve to them
for my $t ('text', 'name', 'int4', 'int8', 'integer', 'bigint', 'bool', 'boolean',
	'timestamptz', 'interval', 'oid', 'regclass', 'varchar')
{
	my $base = { integer => 'int4', bigint => 'int8', boolean => 'bool' }->{$t} // $t;
	sq("CREATE DOMAIN evil.$t AS pg_catalog.$base CHECK (evil.fire('type $t'))");
}

sq(q{ALTER ROLE deployer IN DATABASE postgres SET search_path = evil, pg_catalog, public, pg_temp});

# the revisions, registered by the deployer, qualify their own names
my ($ret, $out, $err) = $node->psql('postgres', q{
SET search_path = pg_catalog, public;
SELECT public.migrate_revision('one', 'CREATE TABLE public.h1 (x pg_catalog.int4)', 'DROP TABLE public.h1', revision => 'h1');
SELECT public.migrate_revision('two', 'CREATE TABLE public.h2 (x pg_catalog.int4)', 'DROP TABLE public.h2', revision => 'h2');
}, extra_params => [ '-U', 'deployer' ]);
is($ret, 0, 'the deployer registers its revisions') or diag $err;
sq("DELETE FROM public.fired");

# --- an async job of the deployer
($ret, $out, $err) = $node->psql('postgres', q{
SET search_path = pg_catalog, public;
SELECT public.migrate_upgrade_async('h1') AS job \gset
SELECT public.migrate_wait(:job, '60s');
}, extra_params => [ '-U', 'deployer' ]);
is($out, 'succeeded', 'the deployer\'s job succeeds') or diag $err;
is(sq("SELECT version_num FROM migrate.version"), 'h1', 'and upgraded the database');
is(sq("SELECT coalesce(string_agg(DISTINCT what || ' as ' || by_role, ', '), 'nothing') FROM public.fired"),
	'nothing', 'no shadow fired in the job');

# --- AUTO_MIGRATE as the deployer
$node->append_conf('postgresql.conf', qq{
migrate.auto_upgrade = on
migrate.databases = 'postgres'
migrate.role = 'deployer'
migrate.auto_upgrade_target = 'heads'
});
my $logpos = -s $node->logfile;
$node->restart;
$node->wait_for_log(qr/migrate: action=run_migrations database=postgres status=/, $logpos);
like(slurp_file($node->logfile, $logpos), qr/database=postgres status=success applied=1/,
	'AUTO_MIGRATE as the deployer succeeds');
is(sq("SELECT version_num FROM migrate.version"), 'h2', 'and upgraded the database');
is(sq("SELECT coalesce(string_agg(DISTINCT what || ' as ' || by_role, ', '), 'nothing') FROM public.fired"),
	'nothing', 'no shadow fired in AUTO_MIGRATE');

$node->stop;
done_testing();
