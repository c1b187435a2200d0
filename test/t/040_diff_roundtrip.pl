# Round-trip property of migrate_diff(): for many pairs of schemas (cur,
# want), applying the upgrade to cur yields a schema whose
# pg_dump --schema-only is identical to that of want, and applying the
# downgrade then brings back the dump of the original cur.  A pair whose
# upgrade would add a NOT NULL column without a default is refused (the
# script would fail on rows); a downgrade that re-adds such a column adds
# it nullable and says which SET NOT NULL finishes it, which is run here.
#
# Pairs come from a seeded random generator (deterministic across runs) and
# from hand-written schemas modelled on a blog, a shop and a multi-tenant
# SaaS.  The dump of want is taken in a second database where the desired
# DDL is created under the same schema name, so the dumps compare verbatim.
#
# MIGRATE_DIFF_PAIRS sets the number of random pairs (default 120),
# MIGRATE_DIFF_SEED the seed, MIGRATE_DIFF_EXT the extension name.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $npairs = $ENV{MIGRATE_DIFF_PAIRS} // 120;
my $seed = $ENV{MIGRATE_DIFF_SEED} // 20240611;
my $ext = $ENV{MIGRATE_DIFF_EXT} // 'migrate';

my $node = PostgreSQL::Test::Cluster->new('diff');
$node->init;
$node->append_conf('postgresql.conf', "fsync = off\nlog_min_messages = fatal\n");
$node->start;
$node->safe_psql('postgres',
	"CREATE ROLE app_reader; CREATE ROLE app_writer; CREATE ROLE app_admin;"
	  . " CREATE DATABASE work; CREATE DATABASE ref;");
$node->safe_psql('work', "CREATE SCHEMA ext; CREATE EXTENSION $ext SCHEMA ext;");

# ---------- deterministic random numbers (an LCG, same on every platform)

my $state = $seed;
sub rnd
{
	my ($n) = @_;
	$state = ($state * 1103515245 + 12345) % 2147483648;
	return int(($state / 2147483648) * $n);
}
sub pick { my @a = @_; return $a[ rnd(scalar @a) ]; }
sub chance { my ($p) = @_; return rnd(1000) < $p * 1000; }

# ---------- schema model and rendering

my @coltypes = ('integer', 'bigint', 'text', 'varchar(20)', 'varchar(40)',
	'numeric(10,2)', 'boolean', 'date', 'timestamptz', 'jsonb', 'uuid',
	'smallint', 'text[]');

sub default_for
{
	my ($type) = @_;
	return pick('0', '42') if $type =~ /int|numeric/;
	return pick("'x'", "''") if $type =~ /text$|varchar/;
	return pick('true', 'false') if $type eq 'boolean';
	return 'now()' if $type eq 'timestamptz';
	return 'CURRENT_DATE' if $type eq 'date';
	return "'{}'::jsonb" if $type eq 'jsonb';
	return undef;
}

sub gen_schema
{
	my ($p) = @_;
	$p //= 't';
	my %s = (tables => [], enums => [], domains => [], views => [],
		seqs => [], funcs => [], parts => []);
	my $ne = rnd(3);
	for my $i (1 .. $ne)
	{
		push @{ $s{enums} }, { name => "en$i",
			labels => [ map { "v$_" } 1 .. 2 + rnd(3) ] };
	}
	if (chance(0.5))
	{
		push @{ $s{domains} }, { name => 'posint', base => 'integer',
			check => 'VALUE > ' . rnd(3), notnull => chance(0.3) };
	}
	push @{ $s{seqs} }, { name => 'counter_seq', inc => 1 + rnd(3) }
	  if chance(0.4);
	push @{ $s{funcs} }, { name => 'touch', body => 'NEW.' . 'c1 := NEW.c1; RETURN NEW;' }
	  if chance(0.6);
	push @{ $s{funcs} }, { name => 'add1', sql => 'SELECT $1 + ' . (1 + rnd(3)) }
	  if chance(0.4);
	my $nt = 1 + rnd(4);
	for my $i (1 .. $nt)
	{
		my $t = { name => "$p$i", cols => [], idx => [], checks => [], fks => [],
			uniques => [], policies => [], triggers => [], grants => [] };
		push @{ $t->{cols} }, { name => 'id', type => pick('integer', 'bigint'),
			notnull => 1, identity => chance(0.3) ? pick('a', 'd') : undef };
		my $nc = 1 + rnd(5);
		for my $c (1 .. $nc)
		{
			my $type = pick(@coltypes, (map { $_->{name} } @{ $s{enums} }),
				(map { $_->{name} } @{ $s{domains} }));
			push @{ $t->{cols} }, { name => "c$c", type => $type,
				notnull => chance(0.3),
				default => chance(0.3) ? default_for($type) : undef };
		}
		$t->{pk} = 1;
		push @{ $t->{idx} }, { name => "t${i}_c1_idx", cols => 'c1',
			unique => chance(0.2), where => chance(0.2) ? 'c1 IS NOT NULL' : undef }
		  if chance(0.6);
		push @{ $t->{checks} }, { name => "t${i}_id_chk", expr => 'id > ' . rnd(2) }
		  if chance(0.4);
		if ($i > 1 && chance(0.5))
		{
			push @{ $t->{cols} }, { name => 'parent_id',
				type => $s{tables}[0]{cols}[0]{type} };
			push @{ $t->{fks} }, { name => "t${i}_parent_fk", col => 'parent_id',
				ref => "${p}1", ondelete => pick('NO ACTION', 'CASCADE', 'SET NULL'),
				deferrable => chance(0.2) };
		}
		$t->{comment} = "table $i" if chance(0.3);
		$t->{colcomment} = "first column" if chance(0.2);
		$t->{rls} = chance(0.2);
		push @{ $t->{policies} }, { name => "t${i}_pol",
			using => 'id > ' . rnd(5), roles => pick('PUBLIC', 'app_reader') }
		  if chance(0.25);
		push @{ $t->{grants} }, pick('SELECT', 'SELECT, INSERT', 'ALL')
		  . ' TO app_reader' if chance(0.3);
		push @{ $t->{grants} }, 'UPDATE TO app_writer' if chance(0.2);
		push @{ $t->{triggers} }, { name => "t${i}_trg",
			when => pick('BEFORE INSERT', 'BEFORE UPDATE', 'BEFORE INSERT OR UPDATE') }
		  if @{ $s{funcs} } && $s{funcs}[0]{name} eq 'touch' && chance(0.4)
		  && $t->{cols}[1]{type} !~ /\[\]/;
		push @{ $s{tables} }, $t;
	}
	if (chance(0.5))
	{
		my $t = $s{tables}[ rnd(scalar @{ $s{tables} }) ];
		push @{ $s{views} }, { name => 'v1', mat => 0,
			sql => "SELECT id, c1 FROM $t->{name}" . (chance(0.5) ? ' WHERE id > 0' : '') };
		push @{ $s{views} }, { name => 'v2', mat => 0,
			sql => 'SELECT count(*) AS n FROM v1' } if chance(0.4);
	}
	if (chance(0.3))
	{
		my $t = $s{tables}[0];
		push @{ $s{views} }, { name => 'mv1', mat => 1,
			sql => "SELECT id FROM $t->{name}", index => chance(0.5) };
	}
	if (chance(0.3))
	{
		$s{parts} = [ { name => 'ev', key => 'RANGE (at)',
			children => [ map { { name => "ev_$_",
				bound => "FOR VALUES FROM ('202$_-01-01') TO ('202$_-12-31')" } } 1 .. 1 + rnd(3) ],
			index => chance(0.5) } ];
	}
	return \%s;
}

sub clone { my ($x) = @_; return eval(Data::Dumper->new([$x])->Terse(1)->Indent(0)->Dump); }
use Data::Dumper;

# Mutations keep column order compatible with ALTER TABLE ... ADD COLUMN
# (new columns at the end): pg_dump shows attribute order.
sub mutate
{
	my ($s) = @_;
	my $w = clone($s);
	my $n = 1 + rnd(4);
	for (1 .. $n)
	{
		my $m = rnd(22);
		my @tables = @{ $w->{tables} };
		my $t = $tables[ rnd(scalar @tables) ];
		if ($m == 0)
		{
			push @{ $w->{tables} }, { name => 'tnew' . rnd(100), cols => [
				{ name => 'id', type => 'integer', notnull => 1 },
				{ name => 'label', type => 'text', default => "'n'" } ],
				pk => 1, idx => [], checks => [], fks => [], uniques => [],
				policies => [], triggers => [], grants => [] }
			  unless grep { $_->{name} =~ /^tnew/ } @tables;
		}
		elsif ($m == 1 && @tables > 1)
		{
			my $victim = $tables[-1];
			next if grep { $_->{sql} =~ /\b$victim->{name}\b/ } @{ $w->{views} };
			pop @{ $w->{tables} };
		}
		elsif ($m == 2)
		{
			push @{ $t->{cols} }, { name => 'added' . rnd(10), type => pick(@coltypes),
				default => chance(0.5) ? undef : undef }
			  unless grep { $_->{name} =~ /^added/ } @{ $t->{cols} };
		}
		elsif ($m == 3 && @{ $t->{cols} } > 2)
		{
			my $c = $t->{cols}[-1];
			next if $c->{name} eq 'parent_id' || $c->{name} eq 'c1';
			pop @{ $t->{cols} };
		}
		elsif ($m == 4)
		{
			my $c = $t->{cols}[ 1 + rnd(scalar(@{ $t->{cols} }) - 1) ] or next;
			next if $c->{name} eq 'parent_id' || $c->{name} eq 'c1';
			my %widen = ('integer' => 'bigint', 'smallint' => 'integer',
				'varchar(20)' => 'varchar(40)', 'varchar(40)' => 'text',
				'text' => 'varchar(40)', 'bigint' => 'numeric(30,0)');
			next unless $widen{ $c->{type} };
			$c->{type} = $widen{ $c->{type} };
			$c->{default} = undef;
		}
		elsif ($m == 5)
		{
			my $c = $t->{cols}[ 1 + rnd(scalar(@{ $t->{cols} }) - 1) ] or next;
			$c->{notnull} = !$c->{notnull};
		}
		elsif ($m == 6)
		{
			my $c = $t->{cols}[ 1 + rnd(scalar(@{ $t->{cols} }) - 1) ] or next;
			$c->{default} = $c->{default} ? undef : default_for($c->{type});
		}
		elsif ($m == 7)
		{
			if (@{ $t->{idx} }) { $t->{idx}[0]{where} = $t->{idx}[0]{where} ? undef : 'id > 0'; }
			else { push @{ $t->{idx} }, { name => "$t->{name}_x_idx", cols => 'id, c1',
				method => chance(0.5) ? 'hash' : undef }; }
			$t->{idx}[0]{cols} = 'id' if $t->{idx}[0]{method};
		}
		elsif ($m == 8)
		{
			if (@{ $t->{checks} }) { shift @{ $t->{checks} }; }
			else { push @{ $t->{checks} }, { name => "$t->{name}_new_chk", expr => 'id <> 13' }; }
		}
		elsif ($m == 9 && @{ $t->{fks} })
		{
			$t->{fks}[0]{ondelete} = pick('RESTRICT', 'CASCADE', 'SET NULL');
			$t->{fks}[0]{deferrable} = !$t->{fks}[0]{deferrable};
		}
		elsif ($m == 10 && @{ $w->{enums} })
		{
			my $e = $w->{enums}[0];
			splice @{ $e->{labels} }, rnd(scalar @{ $e->{labels} } + 1), 0, 'n' . rnd(50)
			  unless grep { /^n/ } @{ $e->{labels} };
		}
		elsif ($m == 11)
		{
			$t->{comment} = $t->{comment} ? undef : "changed comment";
		}
		elsif ($m == 12)
		{
			$t->{grants} = @{ $t->{grants} } ? [] : ['SELECT TO app_reader', 'INSERT TO app_writer'];
		}
		elsif ($m == 13)
		{
			$t->{rls} = !$t->{rls};
			$t->{force} = chance(0.5) if $t->{rls};
		}
		elsif ($m == 14)
		{
			if (@{ $t->{policies} }) { $t->{policies}[0]{using} = 'id < 1000'; }
			else { push @{ $t->{policies} }, { name => "$t->{name}_p2", using => 'true',
				roles => 'app_writer', cmd => 'UPDATE' }; }
		}
		elsif ($m == 15 && @{ $w->{views} })
		{
			my $v = $w->{views}[0];
			$v->{sql} .= ($v->{sql} =~ /WHERE/ ? ' AND' : ' WHERE') . ' id < 1000000';
		}
		elsif ($m == 16)
		{
			if (@{ $w->{funcs} }) { $w->{funcs}[-1]{changed} = 1; }
			else { push @{ $w->{funcs} }, { name => 'add1', sql => 'SELECT $1 + 7' }; }
		}
		elsif ($m == 17 && @{ $w->{domains} })
		{
			$w->{domains}[0]{check} = 'VALUE >= 0 AND VALUE < 1000000';
		}
		elsif ($m == 18)
		{
			if (@{ $w->{parts} }) { push @{ $w->{parts}[0]{children} },
				{ name => 'ev_default', bound => 'DEFAULT' }
				  unless grep { $_->{name} eq 'ev_default' } @{ $w->{parts}[0]{children} }; }
			else { $w->{parts} = [ { name => 'ev', key => 'RANGE (at)', children => [
				{ name => 'ev_1', bound => "FOR VALUES FROM ('2021-01-01') TO ('2021-12-31')" } ] } ]; }
		}
		elsif ($m == 19)
		{
			if (@{ $w->{seqs} }) { $w->{seqs}[0]{inc} = 10; }
			else { push @{ $w->{seqs} }, { name => 'counter_seq', inc => 5 }; }
		}
		elsif ($m == 20)
		{
			push @{ $w->{enums} }, { name => 'status', labels => ['on', 'off'] }
			  unless grep { $_->{name} eq 'status' } @{ $w->{enums} };
		}
		elsif ($m == 21)
		{
			$t->{colcomment} = $t->{colcomment} ? undef : 'col comment';
		}
	}
	return $w;
}

sub render
{
	my ($s) = @_;
	my @sql;
	push @sql, "CREATE TYPE $_->{name} AS ENUM ("
	  . join(', ', map { "'$_'" } @{ $_->{labels} }) . ')' for @{ $s->{enums} };
	for my $d (@{ $s->{domains} })
	{
		push @sql, "CREATE DOMAIN $d->{name} AS $d->{base}"
		  . ($d->{notnull} ? ' NOT NULL' : '')
		  . " CONSTRAINT $d->{name}_check CHECK ($d->{check})";
	}
	push @sql, "CREATE SEQUENCE $_->{name} INCREMENT BY $_->{inc}" for @{ $s->{seqs} };
	for my $f (@{ $s->{funcs} })
	{
		if ($f->{sql})
		{
			push @sql, "CREATE FUNCTION $f->{name}(integer) RETURNS integer"
			  . " LANGUAGE sql IMMUTABLE AS \$\$$f->{sql}" . ($f->{changed} ? ' + 100' : '') . "\$\$";
		}
		else
		{
			push @sql, "CREATE FUNCTION $f->{name}() RETURNS trigger LANGUAGE plpgsql AS"
			  . " \$\$BEGIN " . ($f->{changed} ? 'NULL; ' : '') . "RETURN NEW; END\$\$";
		}
	}
	for my $t (@{ $s->{tables} })
	{
		my @cols;
		for my $c (@{ $t->{cols} })
		{
			my $d = "$c->{name} $c->{type}";
			$d .= " DEFAULT $c->{default}" if defined $c->{default};
			$d .= ' NOT NULL' if $c->{notnull} || $c->{identity};
			$d .= ' GENERATED ' . ($c->{identity} eq 'a' ? 'ALWAYS' : 'BY DEFAULT')
			  . ' AS IDENTITY' if $c->{identity};
			push @cols, $d;
		}
		push @cols, "CONSTRAINT $t->{name}_pkey PRIMARY KEY (id)" if $t->{pk};
		push @cols, "CONSTRAINT $_->{name} CHECK ($_->{expr})" for @{ $t->{checks} };
		push @sql, "CREATE TABLE $t->{name} (" . join(', ', @cols) . ')';
		for my $i (@{ $t->{idx} })
		{
			push @sql, 'CREATE ' . ($i->{unique} ? 'UNIQUE ' : '') . "INDEX $i->{name} ON $t->{name}"
			  . ($i->{method} ? " USING $i->{method}" : '') . " ($i->{cols})"
			  . ($i->{where} ? " WHERE $i->{where}" : '');
		}
		push @sql, "COMMENT ON TABLE $t->{name} IS '$t->{comment}'" if $t->{comment};
		push @sql, "COMMENT ON COLUMN $t->{name}.id IS '$t->{colcomment}'" if $t->{colcomment};
		push @sql, "ALTER TABLE $t->{name} ENABLE ROW LEVEL SECURITY" if $t->{rls};
		push @sql, "ALTER TABLE $t->{name} FORCE ROW LEVEL SECURITY" if $t->{rls} && $t->{force};
		for my $p (@{ $t->{policies} })
		{
			push @sql, "CREATE POLICY $p->{name} ON $t->{name}"
			  . ($p->{cmd} ? " FOR $p->{cmd}" : '') . " TO $p->{roles} USING ($p->{using})";
		}
		push @sql, "GRANT $_" =~ s/ TO / ON $t->{name} TO /r for @{ $t->{grants} };
		push @sql, "CREATE TRIGGER $_->{name} $_->{when} ON $t->{name} FOR EACH ROW EXECUTE FUNCTION touch()"
		  for @{ $t->{triggers} };
	}
	for my $t (@{ $s->{tables} })
	{
		for my $f (@{ $t->{fks} })
		{
			push @sql, "ALTER TABLE $t->{name} ADD CONSTRAINT $f->{name} FOREIGN KEY ($f->{col})"
			  . " REFERENCES $f->{ref}(id) ON DELETE $f->{ondelete}"
			  . ($f->{deferrable} ? ' DEFERRABLE INITIALLY DEFERRED' : '');
		}
	}
	for my $p (@{ $s->{parts} })
	{
		push @sql, "CREATE TABLE $p->{name} (id bigint NOT NULL, at date NOT NULL, payload text)"
		  . " PARTITION BY $p->{key}";
		push @sql, "CREATE TABLE $_->{name} PARTITION OF $p->{name} $_->{bound}"
		  for @{ $p->{children} };
		push @sql, "CREATE INDEX $p->{name}_at_idx ON $p->{name} (at)" if $p->{index};
	}
	for my $v (@{ $s->{views} })
	{
		push @sql, 'CREATE ' . ($v->{mat} ? 'MATERIALIZED ' : '') . "VIEW $v->{name} AS $v->{sql}";
		push @sql, "CREATE INDEX $v->{name}_idx ON $v->{name} (id)" if $v->{index};
	}
	return join(";\n", @sql) . ";\n";
}

# ---------- the property

sub dump_schema
{
	my ($db, $schema) = @_;
	my ($out, $err);
	IPC::Run::run([ 'pg_dump', '--schema-only', '-n', $schema, '-d',
		$node->connstr($db) ], '>', \$out, '2>', \$err)
	  or die "pg_dump failed: $err";
	$out =~ s/^--.*\n//mg;
	$out =~ s/^\\(un)?restrict .*\n//mg;
	return $out;
}

sub sq { my ($s) = @_; $s =~ s/'/''/g; return "'$s'"; }

my ($checked, $passed) = (0, 0);

sub check_pair
{
	my ($label, $cur, $want) = @_;
	$checked++;
	$node->safe_psql('work', "DROP SCHEMA IF EXISTS s CASCADE; DROP SCHEMA IF EXISTS w CASCADE;"
		  . " CREATE SCHEMA s; CREATE SCHEMA w;");
	$node->safe_psql('ref', "DROP SCHEMA IF EXISTS s CASCADE; CREATE SCHEMA s;");
	$node->safe_psql('work', "SET search_path = s;\n$cur");
	$node->safe_psql('work', "SET search_path = w;\n$want");
	$node->safe_psql('ref', "SET search_path = s;\n$want");
	my $orig = dump_schema('work', 's');
	my $target = dump_schema('ref', 's');
	my ($ret, $out, $err) = $node->psql('work',
		"SELECT upgrade, downgrade FROM ext.migrate_diff('s', 'w')",
		extra_params => [ '-A', '-t', '-R', "\x1e", '-F', "\x1f" ]);
	if ($ret != 0)
	{
		# a NOT NULL column without a default cannot be added to a table
		# that may have rows: refusing is the right answer
		if ($err =~ /cannot add column "[^"]+" as NOT NULL without a default/)
		{
			pass("$label: refused a NOT NULL column without a default");
			$passed++;
			return;
		}
		fail("$label: migrate_diff failed: $err");
		return;
	}
	my ($up, $down) = split /\x1f/, $out, 2;
	$up //= '';
	$down //= '';
	if ($orig eq $target)
	{
		ok($up eq '', "$label: identical schemas give an empty diff");
		$passed++ if $up eq '';
		return;
	}
	($ret, undef, $err) = $node->psql('work', "BEGIN;\n$up\nCOMMIT;",
		on_error_stop => 1);
	if ($ret != 0)
	{
		fail("$label: upgrade failed: $err");
		diag("cur:\n$cur\nwant:\n$want\nupgrade:\n$up");
		return;
	}
	my $after = dump_schema('work', 's');
	if ($after ne $target)
	{
		fail("$label: upgraded schema differs from desired");
		diag("cur:\n$cur\nwant:\n$want\nupgrade:\n$up");
		diag(join "\n", difflines($target, $after));
		return;
	}
	($ret, undef, $err) = $node->psql('work', "BEGIN;\n$down\nCOMMIT;",
		on_error_stop => 1);
	if ($ret != 0)
	{
		fail("$label: downgrade failed: $err");
		diag("cur:\n$cur\nwant:\n$want\ndowngrade:\n$down");
		return;
	}
	# a dropped NOT NULL column without a default comes back nullable, and
	# the downgrade says how to finish; the tables here are empty, so do it
	my @finish = $down =~ /^-- column \S+ comes back without NOT NULL: .*?, then (ALTER TABLE .*)$/mg;
	$node->safe_psql('work', join(";\n", @finish)) if @finish;
	my $back = dump_schema('work', 's');
	if ($back ne $orig)
	{
		fail("$label: downgraded schema differs from original");
		diag("cur:\n$cur\nwant:\n$want\ndowngrade:\n$down");
		diag(join "\n", difflines($orig, $back));
		return;
	}
	pass("$label: upgrade and downgrade round-trip");
	$passed++;
}

sub difflines
{
	my ($a, $b) = @_;
	my @a = split /\n/, $a;
	my @b = split /\n/, $b;
	my %b = map { $_ => 1 } @b;
	my %a = map { $_ => 1 } @a;
	return ((map { "- $_" } grep { !$b{$_} } @a), (map { "+ $_" } grep { !$a{$_} } @b));
}

# ---------- hand-written pairs modelled on real applications

my $blog1 = <<'EOF';
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name varchar(50));
CREATE TABLE posts (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES users(id), title text NOT NULL, body text, published boolean DEFAULT false);
CREATE INDEX posts_author_idx ON posts (author_id);
CREATE VIEW published_posts AS SELECT id, title FROM posts WHERE published;
EOF
my $blog2 = <<'EOF';
CREATE TYPE post_status AS ENUM ('draft', 'published', 'archived');
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE, name varchar(100), bio text);
CREATE TABLE posts (id bigserial PRIMARY KEY, author_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE, title text NOT NULL, body text, published boolean DEFAULT true, status post_status NOT NULL DEFAULT 'draft', slug text);
CREATE UNIQUE INDEX posts_slug_idx ON posts (lower(slug)) WHERE slug IS NOT NULL;
CREATE INDEX posts_author_idx ON posts (author_id) INCLUDE (title);
CREATE TABLE tags (id serial PRIMARY KEY, name text NOT NULL);
CREATE TABLE post_tags (post_id bigint REFERENCES posts(id) ON DELETE CASCADE, tag_id int REFERENCES tags(id), PRIMARY KEY (post_id, tag_id));
CREATE VIEW published_posts AS SELECT id, title, slug FROM posts WHERE status = 'published';
CREATE VIEW post_counts AS SELECT author_id, count(*) AS n FROM published_posts p JOIN posts USING (id) GROUP BY author_id;
COMMENT ON TABLE posts IS 'blog posts';
COMMENT ON COLUMN posts.slug IS 'URL slug';
EOF
my $shop1 = <<'EOF';
CREATE DOMAIN money_amount AS numeric(12,2) CHECK (VALUE >= 0);
CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE products (id serial PRIMARY KEY, sku text NOT NULL UNIQUE, price money_amount NOT NULL, stock integer NOT NULL DEFAULT 0 CHECK (stock >= 0));
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id), total money_amount);
CREATE TABLE order_lines (order_id bigint REFERENCES orders(id), product_id int REFERENCES products(id), qty int NOT NULL, PRIMARY KEY (order_id, product_id));
CREATE FUNCTION order_total(bigint) RETURNS numeric LANGUAGE sql STABLE AS $$SELECT sum(l.qty * p.price) FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1$$;
CREATE MATERIALIZED VIEW product_sales AS SELECT product_id, sum(qty) AS sold FROM order_lines GROUP BY product_id;
GRANT SELECT ON products TO app_reader;
EOF
my $shop2 = <<'EOF';
CREATE DOMAIN money_amount AS numeric(12,2) CHECK (VALUE >= 0) CHECK (VALUE < 1000000);
CREATE TYPE order_state AS ENUM ('new', 'paid', 'shipped');
CREATE TABLE customers (id serial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), vip boolean NOT NULL DEFAULT false);
CREATE UNIQUE INDEX customers_email_idx ON customers (lower(email));
CREATE TABLE products (id serial PRIMARY KEY, sku text NOT NULL UNIQUE, price money_amount NOT NULL, stock bigint NOT NULL DEFAULT 0 CHECK (stock >= 0), name text);
CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id int NOT NULL REFERENCES customers(id) ON DELETE RESTRICT DEFERRABLE, total money_amount, state order_state NOT NULL DEFAULT 'new');
CREATE TABLE order_lines (order_id bigint REFERENCES orders(id) ON DELETE CASCADE, product_id int REFERENCES products(id), qty int NOT NULL CHECK (qty > 0), PRIMARY KEY (order_id, product_id));
CREATE FUNCTION order_total(bigint) RETURNS numeric LANGUAGE sql STABLE AS $$SELECT coalesce(sum(l.qty * p.price), 0) FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1$$;
CREATE MATERIALIZED VIEW product_sales AS SELECT product_id, sum(qty) AS sold, count(*) AS orders FROM order_lines GROUP BY product_id;
CREATE UNIQUE INDEX product_sales_idx ON product_sales (product_id);
GRANT SELECT ON products TO app_reader;
GRANT SELECT, INSERT, UPDATE ON orders TO app_writer;
EOF
my $saas1 = <<'EOF';
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE projects (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id), name text NOT NULL);
CREATE TABLE events (tenant_id uuid NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON projects USING (tenant_id = current_setting('app.tenant')::uuid);
EOF
my $saas2 = <<'EOF';
CREATE TABLE tenants (id uuid PRIMARY KEY, name text NOT NULL, plan text NOT NULL DEFAULT 'free');
CREATE TABLE projects (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE, name text NOT NULL, archived boolean NOT NULL DEFAULT false);
CREATE UNIQUE INDEX projects_tenant_name ON projects (tenant_id, name);
CREATE TABLE events (tenant_id uuid NOT NULL, at date NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE events_2023 PARTITION OF events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE INDEX events_tenant_idx ON events (tenant_id, at);
ALTER TABLE projects ENABLE ROW LEVEL SECURITY;
ALTER TABLE projects FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON projects AS PERMISSIVE FOR ALL TO app_reader, app_writer USING (tenant_id = current_setting('app.tenant')::uuid) WITH CHECK (tenant_id = current_setting('app.tenant')::uuid);
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE FUNCTION set_updated() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER projects_upd BEFORE UPDATE ON projects FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION set_updated();
COMMENT ON POLICY tenant_isolation ON projects IS 'one tenant at a time';
GRANT SELECT ON ALL TABLES IN SCHEMA s TO app_reader;
EOF
$saas2 =~ s/GRANT SELECT ON ALL TABLES IN SCHEMA s TO app_reader;/GRANT SELECT ON tenants, projects TO app_reader;/;

check_pair('blog', $blog1, $blog2);
check_pair('shop', $shop1, $shop2);
check_pair('saas', $saas1, $saas2);
check_pair('blog from empty', '', $blog2);
check_pair('shop to empty', $shop2, '');

# ---------- random pairs

for my $i (1 .. $npairs)
{
	my $s = gen_schema();
	my $w = chance(0.1) ? gen_schema('x') : mutate($s);
	check_pair("random pair $i", render($s), render($w));
}

note("pairs checked: $checked, round-trips passed: $passed");
$node->stop;
done_testing();
