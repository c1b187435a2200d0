/*-------------------------------------------------------------------------
 *
 * diff_catalog.c
 *	  Read one schema from the system catalogs into a DiffModel.
 *
 * The model is what the diff compares: every object of the schema keyed by
 * its unqualified name, with its definition as the server deparses it.  The
 * reading is set-based, one SPI query per object kind for the whole schema
 * (never one per object), so a schema of thousands of tables is read in a
 * few tens of milliseconds.
 *
 * While reading, search_path holds only the schema (pg_catalog is then
 * searched first, implicitly, and pg_temp last, explicitly, so a session's
 * temporary types neither capture a cast nor change how a type prints), so
 * the deparse functions (pg_get_viewdef, pg_get_indexdef with pretty
 * flags, format_type, pg_get_expr, ...) print
 * objects of the schema unqualified: two schemas with different names but
 * the same contents yield equal models.  The generated scripts set the same
 * search_path before they run, so the fragments resolve to the target.
 *
 * Objects that belong to an extension are left out: when an extension lives
 * in the schema (perhaps migrate itself), its objects are not the
 * application's schema and must never be dropped by a diff.
 *
 * The model is allocated in the memory context the caller passes, so it
 * survives SPI_finish and, for the shadow schema, the rollback of the
 * subtransaction it was read in.
 *
 * Layer: diff (src/diff/), the bottom of it: it calls nothing of ours.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>

#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "diff.h"

/* shorthand for "this catalog row is not an extension member" */
#define NOT_EXT(classname, oidexpr) \
	" NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e" \
	" WHERE e.classid = '" classname "'::pg_catalog.regclass" \
	" AND e.objid = " oidexpr " AND e.deptype = 'e') "

/*
 * Exploded ACL, normalised so a NULL ACL reads as its default.  The owner's
 * own entries are left out: they come with ownership (and move with ALTER
 * ... OWNER TO), so a schema owned by another role than the shadow's
 * creator compares equal, and no script ever revokes an owner's rights.
 * An empty ACL reads as ''.
 */
#define ACL_EXPR(aclcol, kind, owner) \
	"COALESCE((SELECT pg_catalog.string_agg(CASE WHEN x.grantee" \
	" OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'" \
	" ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) END" \
	" OPERATOR(pg_catalog.||) ':' OPERATOR(pg_catalog.||) x.privilege_type" \
	" OPERATOR(pg_catalog.||) CASE WHEN x.is_grantable THEN '*'" \
	" ELSE '' END, ',' ORDER BY x.n)" \
	" FROM pg_catalog.aclexplode(COALESCE(" aclcol ", pg_catalog.acldefault(" \
	kind ", " owner "))) WITH ORDINALITY AS x(grantor, grantee," \
	" privilege_type, is_grantable, n)" \
	" WHERE x.grantee OPERATOR(pg_catalog.<>) " owner "), '')"

/* the owner's name */
#define OWNER_EXPR(owner) \
	"pg_catalog.pg_get_userbyid(" owner ")"

typedef struct Reader
{
	DiffModel  *m;
	MemoryContext mcxt;
	Oid			nspoid;
	List	   *lists[DK_NKINDS];
} Reader;

char *
diff_subkey(const char *table, const char *name)
{
	return psprintf("%s\x01%s", table, name);
}

static int
obj_cmp(const void *a, const void *b)
{
	const DiffObject *oa = *(DiffObject *const *) a;
	const DiffObject *ob = *(DiffObject *const *) b;

	return strcmp(oa->key, ob->key);
}

DiffObject *
diff_lookup(DiffModel *m, DiffKind kind, const char *key)
{
	int			lo = 0,
				hi = m->n[kind] - 1;

	if (key == NULL)
		return NULL;
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = strcmp(m->v[kind][mid]->key, key);

		if (c == 0)
			return m->v[kind][mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

/* Run one catalog query; result rows stay in SPI_tuptable. */
static uint64
query(Reader *r, const char *sql)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1];
	int			ret;

	values[0] = ObjectIdGetDatum(r->nspoid);
	ret = SPI_execute_with_args(sql, 1, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "catalog query failed: %s", SPI_result_code_string(ret));
	return SPI_processed;
}

/* Column i (1-based) of row n as a string in the model's context, or NULL. */
static char *
val(uint64 n, int i)
{
	return SPI_getvalue(SPI_tuptable->vals[n], SPI_tuptable->tupdesc, i);
}

static bool
boolval(uint64 n, int i)
{
	char	   *s = val(n, i);

	return s != NULL && s[0] == 't';
}

static DiffObject *
new_obj(Reader *r, DiffKind kind, const char *table, const char *name)
{
	DiffObject *o = palloc0(sizeof(DiffObject));

	o->kind = kind;
	o->name = pstrdup(name);
	o->table = table ? pstrdup(table) : NULL;
	o->key = table ? diff_subkey(table, name) : o->name;
	r->lists[kind] = lappend(r->lists[kind], o);
	return o;
}

static void
finish_kind(Reader *r, DiffKind kind)
{
	List	   *l = r->lists[kind];
	int			n = list_length(l);
	int			i = 0;
	ListCell   *lc;

	r->m->n[kind] = n;
	r->m->v[kind] = MemoryContextAlloc(r->mcxt,
									   sizeof(DiffObject *) * Max(n, 1));
	foreach(lc, l)
		r->m->v[kind][i++] = lfirst(lc);
	qsort(r->m->v[kind], n, sizeof(DiffObject *), obj_cmp);
}

/*
 * Extensions installed in the schema, with their version.  migrate itself
 * is never part of a diff: no script should drop the tool running it.
 */
static void
read_extensions(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT e.extname, e.extversion FROM pg_catalog.pg_extension e "
			  "WHERE e.extnamespace OPERATOR(pg_catalog.=) $1 "
			  "AND e.extname OPERATOR(pg_catalog.<>) 'migrate'");
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_EXTENSION, NULL, val(i, 1));

		o->subkind = 'e';
		o->def = val(i, 2);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_EXTENSION);
}

/*
 * Replace the objects of one kind (the shadow's extensions are what the
 * desired DDL asked for, not what the shadow holds).
 */
void
diff_replace_kind(DiffModel *m, DiffKind kind, List *objects,
				  MemoryContext mcxt)
{
	int			n = list_length(objects);
	int			i = 0;
	ListCell   *lc;

	m->n[kind] = n;
	m->v[kind] = MemoryContextAlloc(mcxt, sizeof(DiffObject *) * Max(n, 1));
	foreach(lc, objects)
		m->v[kind][i++] = lfirst(lc);
	qsort(m->v[kind], n, sizeof(DiffObject *), obj_cmp);
}

static void
read_types(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT t.typname, t.typtype, "
			  "pg_catalog.obj_description(t.oid, 'pg_type'), "
			  ACL_EXPR("t.typacl", "'T'", "t.typowner") ", "
			  "CASE WHEN t.typtype = 'd' THEN "
			  " pg_catalog.format_type(t.typbasetype, t.typtypmod) END, "
			  "t.typnotnull, pg_catalog.pg_get_expr(t.typdefaultbin, 0), "
			  "CASE WHEN t.typtype = 'd' AND t.typcollation <> "
			  " (SELECT b.typcollation FROM pg_catalog.pg_type b "
			  "  WHERE b.oid = t.typbasetype) "
			  " THEN t.typcollation::pg_catalog.regcollation::pg_catalog.text END, "
			  ACL_EXPR("NULL::pg_catalog.aclitem[]", "'T'", "t.typowner") ", "
			  OWNER_EXPR("t.typowner") " "
			  "FROM pg_catalog.pg_type t "
			  "WHERE t.typnamespace = $1 AND (t.typtype IN ('e', 'd') "
			  " OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM "
			  "  pg_catalog.pg_class c WHERE c.oid = t.typrelid "
			  "  AND c.relkind = 'c'))) AND "
			  NOT_EXT("pg_catalog.pg_type", "t.oid"));
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_TYPE, NULL, val(i, 1));
		StringInfoData buf;

		o->subkind = val(i, 2)[0];
		o->comment = val(i, 3);
		o->acl = val(i, 4);
		o->defacl = val(i, 9);
		o->owner = val(i, 10);
		if (o->subkind == 'd')
		{
			char	   *def = val(i, 7);
			char	   *coll = val(i, 8);

			initStringInfo(&buf);
			appendStringInfoString(&buf, val(i, 5));
			if (coll)
				appendStringInfo(&buf, " COLLATE %s", coll);
			o->def = buf.data;	/* base type: cannot change in place */
			o->options = def;	/* default */
			o->rls = boolval(i, 6); /* NOT NULL */
		}
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_TYPE);

	/* enum labels, in order */
	n = query(r,
			  "SELECT t.typname, e.enumlabel FROM pg_catalog.pg_enum e "
			  "JOIN pg_catalog.pg_type t ON t.oid = e.enumtypid "
			  "WHERE t.typnamespace = $1 "
			  "ORDER BY t.typname, e.enumsortorder");
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = diff_lookup(r->m, DK_TYPE, val(i, 1));

		if (o)
			o->labels = lappend(o->labels, val(i, 2));
	}
	MemoryContextSwitchTo(old);

	/* domain constraints */
	n = query(r,
			  "SELECT t.typname, c.conname, "
			  "pg_catalog.pg_get_constraintdef(c.oid, true), "
			  "pg_catalog.obj_description(c.oid, 'pg_constraint') "
			  "FROM pg_catalog.pg_constraint c "
			  "JOIN pg_catalog.pg_type t ON t.oid = c.contypid "
			  "WHERE t.typnamespace = $1 ORDER BY 1, 2");
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = diff_lookup(r->m, DK_TYPE, val(i, 1));
		DiffObject *c;

		if (!o)
			continue;
		c = palloc0(sizeof(DiffObject));
		c->kind = DK_CONSTRAINT;
		c->name = val(i, 2);
		c->key = c->name;
		c->table = o->name;
		c->def = val(i, 3);
		c->comment = val(i, 4);
		o->checks = lappend(o->checks, c);
	}
	MemoryContextSwitchTo(old);
}

static void
read_sequences(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT c.relname, "
			  "'AS ' || pg_catalog.format_type(s.seqtypid, NULL) "
			  " || ' INCREMENT BY ' || s.seqincrement "
			  " || ' MINVALUE ' || s.seqmin || ' MAXVALUE ' || s.seqmax "
			  " || ' START WITH ' || s.seqstart || ' CACHE ' || s.seqcache "
			  " || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END, "
			  "pg_catalog.obj_description(c.oid, 'pg_class'), "
			  ACL_EXPR("c.relacl", "'s'", "c.relowner") ", "
			  "(SELECT t.relname FROM pg_catalog.pg_depend d "
			  " JOIN pg_catalog.pg_class t ON t.oid = d.refobjid "
			  " JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid "
			  "  AND a.attnum = d.refobjsubid "
			  " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND d.objid = c.oid AND d.refclassid = "
			  " 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND d.deptype = 'a' AND d.refobjsubid > 0 "
			  " AND t.relnamespace = $1), "
			  "(SELECT a.attname FROM pg_catalog.pg_depend d "
			  " JOIN pg_catalog.pg_attribute a ON a.attrelid = d.refobjid "
			  "  AND a.attnum = d.refobjsubid "
			  " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND d.objid = c.oid AND d.refclassid = "
			  " 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND d.deptype = 'a' AND d.refobjsubid > 0), "
			  ACL_EXPR("NULL::pg_catalog.aclitem[]", "'s'", "c.relowner") ", "
			  OWNER_EXPR("c.relowner") " "
			  "FROM pg_catalog.pg_class c "
			  "JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid "
			  "WHERE c.relnamespace = $1 AND c.relkind = 'S' AND "
			  NOT_EXT("pg_catalog.pg_class", "c.oid")
			  "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
			  " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND d.objid = c.oid AND d.deptype = 'i')");
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_SEQUENCE, NULL, val(i, 1));

		o->subkind = 'S';
		o->def = val(i, 2);
		o->comment = val(i, 3);
		o->acl = val(i, 4);
		o->owner_table = val(i, 5);
		o->owner_column = o->owner_table ? val(i, 6) : NULL;
		o->defacl = val(i, 7);
		o->owner = val(i, 8);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_SEQUENCE);
}

static void
read_functions(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT p.proname, "
			  "pg_catalog.pg_get_function_identity_arguments(p.oid), "
			  "p.prokind, pg_catalog.pg_get_functiondef(p.oid), "
			  "pg_catalog.pg_get_function_result(p.oid), "
			  "pg_catalog.obj_description(p.oid, 'pg_proc'), "
			  ACL_EXPR("p.proacl", "'f'", "p.proowner") ", "
			  ACL_EXPR("NULL::pg_catalog.aclitem[]", "'f'", "p.proowner") ", "
			  OWNER_EXPR("p.proowner") " "
			  "FROM pg_catalog.pg_proc p "
			  "WHERE p.pronamespace = $1 AND p.prokind IN ('f', 'p') AND "
			  NOT_EXT("pg_catalog.pg_proc", "p.oid"));
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		char	   *name = val(i, 1);
		char	   *args = val(i, 2);
		char	   *fdef = val(i, 4);
		DiffObject *o = new_obj(r, DK_FUNCTION, NULL,
								psprintf("%s(%s)", name, args));
		char	   *prefix;

		o->name = name;
		o->args = args;
		o->subkind = val(i, 3)[0];
		o->result = val(i, 5);
		o->comment = val(i, 6);
		o->acl = val(i, 7);
		o->defacl = val(i, 8);
		o->owner = val(i, 9);

		/*
		 * pg_get_functiondef always qualifies the function's own name; keep
		 * what follows it, so definitions compare across schemas and the
		 * emitter can put the target's name in front.
		 */
		prefix = psprintf("CREATE OR REPLACE %s %s(",
						  o->subkind == 'p' ? "PROCEDURE" : "FUNCTION",
						  quote_qualified_identifier(r->m->schema, name));
		if (strncmp(fdef, prefix, strlen(prefix)) == 0)
			o->def = fdef + strlen(prefix) - 1;
		else
			elog(ERROR, "unexpected definition of function \"%s\"", name);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_FUNCTION);
}

static void
read_relations(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT c.relname, c.relkind, c.relrowsecurity, "
			  "c.relforcerowsecurity, "
			  "pg_catalog.obj_description(c.oid, 'pg_class'), "
			  ACL_EXPR("c.relacl", "'r'", "c.relowner") ", "
			  "CASE WHEN c.relkind IN ('v', 'm') THEN "
			  " pg_catalog.pg_get_viewdef(c.oid, true) END, "
			  "CASE WHEN c.relispartition THEN "
			  " pg_catalog.pg_get_expr(c.relpartbound, c.oid) END, "
			  "CASE WHEN c.relkind = 'p' THEN "
			  " pg_catalog.pg_get_partkeydef(c.oid) END, "
			  "CASE WHEN c.relispartition THEN (SELECT p.relname "
			  " FROM pg_catalog.pg_inherits h JOIN pg_catalog.pg_class p "
			  " ON p.oid = h.inhparent WHERE h.inhrelid = c.oid) END, "
			  "pg_catalog.array_to_string(c.reloptions, ', '), "
			  ACL_EXPR("NULL::pg_catalog.aclitem[]", "'r'", "c.relowner") ", "
			  OWNER_EXPR("c.relowner") " "
			  "FROM pg_catalog.pg_class c "
			  "WHERE c.relnamespace = $1 AND c.relkind IN ('r', 'p', 'v', 'm') "
			  "AND " NOT_EXT("pg_catalog.pg_class", "c.oid"));
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_RELATION, NULL, val(i, 1));

		o->subkind = val(i, 2)[0];
		o->rls = boolval(i, 3);
		o->rls_force = boolval(i, 4);
		o->comment = val(i, 5);
		o->acl = val(i, 6);
		o->def = val(i, 7);
		o->bound = val(i, 8);
		o->partkey = val(i, 9);
		o->parent = val(i, 10);
		o->options = val(i, 11);
		if (o->options && o->options[0] == '\0')
			o->options = NULL;
		o->defacl = val(i, 12);
		o->owner = val(i, 13);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_RELATION);

	/* columns of relations and attributes of composite types */
	n = query(r,
			  "SELECT c.relname, a.attname, "
			  "pg_catalog.format_type(a.atttypid, a.atttypmod), "
			  "CASE WHEN a.attcollation <> t.typcollation "
			  " THEN a.attcollation::pg_catalog.regcollation::pg_catalog.text END, "
			  "a.attnotnull, pg_catalog.pg_get_expr(d.adbin, d.adrelid), "
			  "a.attidentity, a.attgenerated, "
			  "pg_catalog.col_description(c.oid, a.attnum), "
			  "(a.attinhcount > 0 AND NOT a.attislocal), "
			  "CASE WHEN a.attidentity <> '' THEN (SELECT "
			  " 'START WITH ' || s.seqstart || ' INCREMENT BY ' "
			  " || s.seqincrement || ' MINVALUE ' || s.seqmin "
			  " || ' MAXVALUE ' || s.seqmax || ' CACHE ' || s.seqcache "
			  " || CASE WHEN s.seqcycle THEN ' CYCLE' ELSE ' NO CYCLE' END "
			  " FROM pg_catalog.pg_depend x JOIN pg_catalog.pg_sequence s "
			  " ON s.seqrelid = x.objid "
			  " WHERE x.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND x.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND x.refobjid = c.oid AND x.refobjsubid = a.attnum "
			  " AND x.deptype = 'i') END, "
			  "c.relkind "
			  "FROM pg_catalog.pg_attribute a "
			  "JOIN pg_catalog.pg_class c ON c.oid = a.attrelid "
			  "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
			  "LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid "
			  " AND d.adnum = a.attnum "
			  "WHERE c.relnamespace = $1 "
			  "AND c.relkind IN ('r', 'p', 'v', 'm', 'c') "
			  "AND a.attnum > 0 AND NOT a.attisdropped "
			  "ORDER BY c.relname, a.attnum");
	old = MemoryContextSwitchTo(r->mcxt);
	{
		DiffObject *cur = NULL;
		char	   *curname = NULL;

		for (i = 0; i < n; i++)
		{
			char	   *relname = val(i, 1);
			DiffColumn *col;
			char	   *s;

			if (curname == NULL || strcmp(curname, relname) != 0)
			{
				curname = relname;
				cur = diff_lookup(r->m, val(i, 12)[0] == 'c' ? DK_TYPE :
								  DK_RELATION, relname);
			}
			if (cur == NULL)
				continue;
			col = palloc0(sizeof(DiffColumn));
			col->name = val(i, 2);
			col->type = val(i, 3);
			col->collation = val(i, 4);
			col->notnull = boolval(i, 5);
			col->def = val(i, 6);
			s = val(i, 7);
			col->identity = s ? s[0] : '\0';
			s = val(i, 8);
			col->generated = s ? s[0] : '\0';
			col->comment = val(i, 9);
			col->inherited = boolval(i, 10);
			col->identity_opts = val(i, 11);
			cur->columns = lappend(cur->columns, col);
		}
	}
	MemoryContextSwitchTo(old);

	/* what views and materialized views read, within the schema */
	n = query(r,
			  "SELECT DISTINCT v.relname, "
			  "c.relname FROM pg_catalog.pg_rewrite w "
			  "JOIN pg_catalog.pg_class v ON v.oid = w.ev_class "
			  "JOIN pg_catalog.pg_depend d ON d.objid = w.oid "
			  " AND d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass "
			  " AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass "
			  "JOIN pg_catalog.pg_class c ON c.oid = d.refobjid "
			  "WHERE v.relnamespace = $1 AND c.relnamespace = $1 "
			  "AND c.oid <> v.oid AND v.relkind IN ('v', 'm')");
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = diff_lookup(r->m, DK_RELATION, val(i, 1));

		if (o)
			o->deps = lappend(o->deps, val(i, 2));
	}
	MemoryContextSwitchTo(old);
}

static void
read_indexes(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT t.relname, i.relname, "
			  "pg_catalog.pg_get_indexdef(i.oid, 0, true), "
			  "pg_catalog.obj_description(i.oid, 'pg_class') "
			  "FROM pg_catalog.pg_index x "
			  "JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid "
			  "JOIN pg_catalog.pg_class t ON t.oid = x.indrelid "
			  "WHERE t.relnamespace = $1 AND NOT i.relispartition "
			  "AND t.relkind IN ('r', 'p', 'm') AND "
			  NOT_EXT("pg_catalog.pg_class", "t.oid")
			  "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d "
			  " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass "
			  " AND d.objid = i.oid AND d.refclassid = "
			  " 'pg_catalog.pg_constraint'::pg_catalog.regclass "
			  " AND d.deptype = 'i')");
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_INDEX, val(i, 1), val(i, 2));
		char	   *only;

		o->def = val(i, 3);

		/*
		 * An index of a partitioned table deparses as "ON ONLY t"; created
		 * that way it would not cascade to the partitions.
		 */
		only = strstr(o->def, " ON ONLY ");
		if (only)
			memmove(only + 3, only + 8, strlen(only + 8) + 1);
		o->comment = val(i, 4);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_INDEX);
}

/*
 * A constraint trigger (contype 't') is left to read_triggers_policies():
 * its pg_get_constraintdef() is "TRIGGER", which ALTER TABLE ... ADD
 * CONSTRAINT does not accept, and CREATE CONSTRAINT TRIGGER, which
 * pg_get_triggerdef() prints, creates the constraint with the trigger.
 */
static void
read_constraints(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT t.relname, c.conname, c.contype, "
			  "pg_catalog.pg_get_constraintdef(c.oid, true), "
			  "pg_catalog.obj_description(c.oid, 'pg_constraint'), "
			  "CASE WHEN c.contype = 'f' THEN (SELECT f.relname FROM "
			  " pg_catalog.pg_class f WHERE f.oid = c.confrelid) END, "
			  "CASE WHEN c.contype = 'f' THEN (SELECT k.relname FROM "
			  " pg_catalog.pg_class k WHERE k.oid = c.conindid) END "
			  "FROM pg_catalog.pg_constraint c "
			  "JOIN pg_catalog.pg_class t ON t.oid = c.conrelid "
			  "WHERE t.relnamespace = $1 AND c.conparentid = 0 "
			  "AND c.conislocal AND t.relkind IN ('r', 'p') "
			  "AND c.contype <> 't' AND "
			  NOT_EXT("pg_catalog.pg_class", "t.oid"));
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_CONSTRAINT, val(i, 1), val(i, 2));

		o->subkind = val(i, 3)[0];
		o->def = val(i, 4);
		o->comment = val(i, 5);
		o->reftable = val(i, 6);
		o->refkey = val(i, 7);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_CONSTRAINT);
}

static void
read_triggers_policies(Reader *r)
{
	uint64		n,
				i;
	MemoryContext old;

	n = query(r,
			  "SELECT c.relname, t.tgname, "
			  "pg_catalog.pg_get_triggerdef(t.oid, true), "
			  "pg_catalog.obj_description(t.oid, 'pg_trigger') "
			  "FROM pg_catalog.pg_trigger t "
			  "JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
			  "WHERE c.relnamespace = $1 AND NOT t.tgisinternal "
			  "AND t.tgparentid = 0 AND "
			  NOT_EXT("pg_catalog.pg_class", "c.oid"));
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_TRIGGER, val(i, 1), val(i, 2));

		o->def = val(i, 3);
		o->comment = val(i, 4);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_TRIGGER);

	n = query(r,
			  "SELECT c.relname, p.polname, "
			  "'AS ' || CASE WHEN p.polpermissive THEN 'PERMISSIVE' "
			  " ELSE 'RESTRICTIVE' END || ' FOR ' || CASE p.polcmd "
			  " WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' "
			  " WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END "
			  " || ' TO ' || CASE WHEN p.polroles = '{0}' THEN 'PUBLIC' ELSE "
			  " (SELECT pg_catalog.string_agg(pg_catalog.quote_ident("
			  "  pg_catalog.pg_get_userbyid(a.r)), ', ' "
			  "  ORDER BY pg_catalog.pg_get_userbyid(a.r)) "
			  "  FROM pg_catalog.unnest(p.polroles) AS a(r)) END "
			  " || COALESCE(' USING (' || "
			  "  pg_catalog.pg_get_expr(p.polqual, p.polrelid) || ')', '') "
			  " || COALESCE(' WITH CHECK (' || "
			  "  pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''), "
			  "pg_catalog.obj_description(p.oid, 'pg_policy') "
			  "FROM pg_catalog.pg_policy p "
			  "JOIN pg_catalog.pg_class c ON c.oid = p.polrelid "
			  "WHERE c.relnamespace = $1 AND "
			  NOT_EXT("pg_catalog.pg_class", "c.oid"));
	old = MemoryContextSwitchTo(r->mcxt);
	for (i = 0; i < n; i++)
	{
		DiffObject *o = new_obj(r, DK_POLICY, val(i, 1), val(i, 2));

		o->def = val(i, 3);
		o->comment = val(i, 4);
	}
	MemoryContextSwitchTo(old);
	finish_kind(r, DK_POLICY);
}

/*
 * Read the schema into a model allocated in mcxt.  Errors with
 * ERRCODE_UNDEFINED_SCHEMA when the schema does not exist.
 */
DiffModel *
diff_read_schema(const char *schema, MemoryContext mcxt)
{
	Reader		r;
	int			save_nestlevel;

	memset(&r, 0, sizeof(r));
	r.nspoid = get_namespace_oid(schema, true);
	if (!OidIsValid(r.nspoid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));
	r.mcxt = mcxt;
	r.m = MemoryContextAllocZero(mcxt, sizeof(DiffModel));
	r.m->schema = MemoryContextStrdup(mcxt, schema);

	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path",
							 psprintf("%s, pg_temp", quote_identifier(schema)),
							 PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	read_extensions(&r);
	read_types(&r);
	read_sequences(&r);
	read_functions(&r);
	read_relations(&r);
	read_indexes(&r);
	read_constraints(&r);
	read_triggers_policies(&r);
	SPI_finish();

	AtEOXact_GUC(true, save_nestlevel);
	return r.m;
}
