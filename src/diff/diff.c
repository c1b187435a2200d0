/*-------------------------------------------------------------------------
 *
 * diff.c
 *	  Compare two schema models and emit the script that turns one into the
 *	  other; the SQL functions migrate_diff() and migrate_autogenerate().
 *
 * diff_models(from, to) matches objects by key (unqualified name, or
 * relation plus name for indexes, constraints, triggers and policies),
 * decides for each whether it stays, changes in place, is dropped, created,
 * or dropped and re-created, and writes the statements into phases whose
 * concatenation is in dependency order:
 *
 *	 disown sequences, drop views (reverse dependency order), triggers,
 *	 policies, foreign keys, constraints, indexes, replaced functions;
 *	 create or alter types, sequences, functions; drop and create tables,
 *	 alter columns; add constraints, indexes, foreign keys; own sequences;
 *	 create views (dependency order) and their indexes, triggers, policies,
 *	 flags, comments, grants; finally drop functions, sequences and types.
 *
 * The downgrade is the same function with the models swapped.  Renames are
 * never guessed: a renamed object is a drop and a create unless the desired
 * schema declares the rename (diff_rename.c), and a likely one is warned
 * about.  Destructive
 * changes (dropped tables and columns, type changes that may lose data,
 * re-created tables) are listed in a comment at the top of the script.
 *
 * Deparsed fragments in the models name objects of their own schema
 * unqualified, so each script starts by setting search_path to the target
 * schema (SET LOCAL: it ends with the transaction).
 *
 * Layer: diff (src/diff/), above lint/ (the generated script is linted:
 * migrate_lint_report); the top of diff/: it calls diff_catalog.c,
 * diff_rename.c and shadow.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "diff.h"
#include "lint.h"

#define DIFF_SAME		0
#define DIFF_NEW		1
#define DIFF_GONE		2
#define DIFF_CHANGED	3
#define DIFF_RECREATE	4

typedef enum Phase
{
	PH_RENAMES,
	PH_DISOWN,
	PH_DROP_VIEWS,
	PH_DROP_TRIGGERS,
	PH_DROP_POLICIES,
	PH_DROP_FKEYS,
	PH_DROP_CONSTRAINTS,
	PH_DROP_INDEXES,
	PH_DROP_FUNCS_EARLY,
	PH_EXTENSIONS,
	PH_TYPES,
	PH_SEQUENCES,
	PH_FUNCTIONS,
	PH_DROP_TABLES,
	PH_TABLES,
	PH_COLUMNS,
	PH_CONSTRAINTS,
	PH_INDEXES,
	PH_FKEYS,
	PH_OWNED,
	PH_VIEWS,
	PH_VIEW_INDEXES,
	PH_TRIGGERS,
	PH_POLICIES,
	PH_TABLE_FLAGS,
	PH_OWNERS,
	PH_COMMENTS,
	PH_GRANTS,
	PH_DROP_FUNCS,
	PH_DROP_SEQUENCES,
	PH_DROP_TYPES,
	PH_DROP_EXTENSIONS,
	PH_UNRENAMES,
	PH_N
} Phase;

typedef struct Emitter
{
	DiffModel  *from;
	DiffModel  *to;
	const char *qs;				/* quoted target schema */
	bool		ownership;		/* compare owners */
	bool		downgrade;		/* writing the downgrade script */
	bool		strict;			/* refuse a script known to fail on data */
	StringInfoData ph[PH_N];
	int			nstmts;
	List	   *changes;
	List	   *destructive;
} Emitter;

PG_FUNCTION_INFO_V1(migrate_diff);
PG_FUNCTION_INFO_V1(migrate_autogenerate);

static void require_arg(FunctionCallInfo fcinfo, int n, const char *name);

static bool
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void emit(Emitter *e, Phase p, const char *fmt,...) pg_attribute_printf(3, 4);

static void
emit(Emitter *e, Phase p, const char *fmt,...)
{
	StringInfo	buf = &e->ph[p];

	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(buf, needed);
	}
	appendStringInfoString(buf, ";\n");
	e->nstmts++;
}

static void change(Emitter *e, bool destructive, const char *fmt,...) pg_attribute_printf(3, 4);

static void
change(Emitter *e, bool destructive, const char *fmt,...)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (;;)
	{
		va_list		args;
		int			needed;

		va_start(args, fmt);
		needed = appendStringInfoVA(&buf, fmt, args);
		va_end(args);
		if (needed == 0)
			break;
		enlargeStringInfo(&buf, needed);
	}
	e->changes = lappend(e->changes, buf.data);
	if (destructive)
		e->destructive = lappend(e->destructive, buf.data);
}

/* schema-qualified, quoted name in the target */
static char *
qn(Emitter *e, const char *name)
{
	return psprintf("%s.%s", e->qs, quote_identifier(name));
}

static char *
literal(const char *s)
{
	return s ? quote_literal_cstr(s) : "NULL";
}

static DiffObject *
rel(DiffModel *m, const char *name)
{
	return diff_lookup(m, DK_RELATION, name);
}

static bool
is_view(DiffObject *o)
{
	return o->subkind == 'v' || o->subkind == 'm';
}

static bool
rel_goes(DiffObject *o)
{
	return o != NULL && (o->state == DIFF_GONE || o->state == DIFF_RECREATE);
}

static bool
rel_comes(DiffObject *o)
{
	return o != NULL && (o->state == DIFF_NEW || o->state == DIFF_RECREATE);
}

/*
 * Merge-join two sorted arrays of objects of one kind, calling fn on each
 * pair (either side may be NULL).
 */
typedef void (*pair_fn) (Emitter *e, DiffObject *f, DiffObject *t);

static void
merge(Emitter *e, DiffKind kind, pair_fn fn)
{
	int			i = 0,
				j = 0;
	int			nf = e->from->n[kind],
				nt = e->to->n[kind];

	while (i < nf || j < nt)
	{
		int			c;

		if (i >= nf)
			c = 1;
		else if (j >= nt)
			c = -1;
		else
			c = strcmp(e->from->v[kind][i]->key, e->to->v[kind][j]->key);
		if (c == 0)
			fn(e, e->from->v[kind][i++], e->to->v[kind][j++]);
		else if (c < 0)
			fn(e, e->from->v[kind][i++], NULL);
		else
			fn(e, NULL, e->to->v[kind][j++]);
	}
}

/* ---------- comments and grants, common to every kind ---------- */

/* split at commas outside double quotes, keeping every byte */
static List *
split_items(const char *s)
{
	List	   *items = NIL;
	StringInfoData buf;
	bool		inquote = false;

	initStringInfo(&buf);
	for (; *s; s++)
	{
		if (*s == '"')
			inquote = !inquote;
		if (*s == ',' && !inquote)
		{
			items = lappend(items, pstrdup(buf.data));
			resetStringInfo(&buf);
			while (s[1] == ' ')
				s++;
			continue;
		}
		appendStringInfoChar(&buf, *s);
	}
	if (buf.len > 0)
		items = lappend(items, buf.data);
	return items;
}

static char *
comment_target(Emitter *e, DiffObject *o)
{
	switch (o->kind)
	{
		case DK_TYPE:
			return psprintf("%s %s", o->subkind == 'd' ? "DOMAIN" : "TYPE",
							qn(e, o->name));
		case DK_SEQUENCE:
			return psprintf("SEQUENCE %s", qn(e, o->name));
		case DK_FUNCTION:
			return psprintf("%s %s(%s)",
							o->subkind == 'p' ? "PROCEDURE" : "FUNCTION",
							qn(e, o->name), o->args);
		case DK_RELATION:
			return psprintf("%s %s",
							o->subkind == 'v' ? "VIEW" :
							o->subkind == 'm' ? "MATERIALIZED VIEW" : "TABLE",
							qn(e, o->name));
		case DK_INDEX:
			return psprintf("INDEX %s", qn(e, o->name));
		case DK_CONSTRAINT:
			return psprintf("CONSTRAINT %s ON %s", quote_identifier(o->name),
							qn(e, o->table));
		case DK_TRIGGER:
			return psprintf("TRIGGER %s ON %s", quote_identifier(o->name),
							qn(e, o->table));
		case DK_POLICY:
			return psprintf("POLICY %s ON %s", quote_identifier(o->name),
							qn(e, o->table));
		default:
			elog(ERROR, "unexpected object kind %d", (int) o->kind);
	}
	return NULL;
}

/*
 * The comment of t (created when f is NULL or re-created when fresh).
 */
static void
diff_comment(Emitter *e, DiffObject *f, DiffObject *t, bool fresh)
{
	if (t == NULL)
		return;
	if (fresh || f == NULL)
	{
		if (t->comment)
			emit(e, PH_COMMENTS, "COMMENT ON %s IS %s", comment_target(e, t),
				 literal(t->comment));
		return;
	}
	if (!streq(f->comment, t->comment))
	{
		emit(e, PH_COMMENTS, "COMMENT ON %s IS %s", comment_target(e, t),
			 literal(t->comment));
		change(e, false, "comment on %s", comment_target(e, t));
	}
}

static char *
grant_target(Emitter *e, DiffObject *o)
{
	/* GRANT names views, materialized views and tables alike as TABLE */
	if (o->kind == DK_RELATION)
		return psprintf("TABLE %s", qn(e, o->name));
	return comment_target(e, o);
}

/* exploded ACL grouped per grantee, in order: "grantee" -> "privs" */
typedef struct AclEntry
{
	char	   *grantee;
	char	   *privs;
} AclEntry;

static List *
acl_entries(const char *acl)
{
	List	   *out = NIL;
	ListCell   *lc;
	AclEntry   *cur = NULL;

	if (acl == NULL)
		return NIL;
	foreach(lc, split_items(acl))
	{
		char	   *item = pstrdup(lfirst(lc));
		char	   *colon = strrchr(item, ':');

		*colon = '\0';
		if (cur == NULL || strcmp(cur->grantee, item) != 0)
		{
			cur = palloc0(sizeof(AclEntry));
			cur->grantee = item;
			cur->privs = pstrdup("");
			out = lappend(out, cur);
		}
		cur->privs = psprintf("%s%s%s", cur->privs, cur->privs[0] ? "," : "",
							  colon + 1);
	}
	return out;
}

static AclEntry *
acl_find(List *entries, const char *grantee)
{
	ListCell   *lc;

	foreach(lc, entries)
		if (strcmp(((AclEntry *) lfirst(lc))->grantee, grantee) == 0)
		return lfirst(lc);
	return NULL;
}

static void
grant_entry(Emitter *e, const char *target, AclEntry *a)
{
	StringInfoData plain,
				withopt;
	List	   *privs = split_items(a->privs);
	ListCell   *lc;

	initStringInfo(&plain);
	initStringInfo(&withopt);
	foreach(lc, privs)
	{
		char	   *priv = lfirst(lc);
		size_t		len = strlen(priv);
		StringInfo	b = &plain;

		if (len > 0 && priv[len - 1] == '*')
		{
			priv[len - 1] = '\0';
			b = &withopt;
		}
		appendStringInfo(b, "%s%s", b->len > 0 ? ", " : "", priv);
	}
	if (plain.len > 0)
		emit(e, PH_GRANTS, "GRANT %s ON %s TO %s", plain.data, target, a->grantee);
	if (withopt.len > 0)
		emit(e, PH_GRANTS, "GRANT %s ON %s TO %s WITH GRANT OPTION",
			 withopt.data, target, a->grantee);
}

/*
 * Privileges are compared as exploded ACLs in their stored order, because
 * the order of the grantees is what pg_dump reproduces.  Grantees that lose
 * or change privileges are revoked; when what is left is a prefix of the
 * desired ACL the rest is granted, in order; otherwise everything is
 * revoked and granted again in the desired order.
 */
static void
diff_acl(Emitter *e, DiffObject *f, DiffObject *t, bool fresh)
{
	const char *start;
	char	   *target;
	List	   *from,
			   *to,
			   *kept = NIL;
	ListCell   *lc;
	bool		prefix = true;
	int			i;

	if (t == NULL || t->acl == NULL)
		return;
	start = (fresh || f == NULL) ? t->defacl : f->acl;
	if (streq(start, t->acl))
		return;
	target = grant_target(e, t);
	if (!fresh && f != NULL)
		change(e, false, "privileges on %s", target);
	from = acl_entries(start);
	to = acl_entries(t->acl);

	foreach(lc, from)
	{
		AclEntry   *a = lfirst(lc);
		AclEntry   *b = acl_find(to, a->grantee);

		if (b && strcmp(a->privs, b->privs) == 0)
			kept = lappend(kept, a);
	}
	i = 0;
	foreach(lc, kept)
	{
		AclEntry   *a = lfirst(lc);

		if (i >= list_length(to) ||
			strcmp(((AclEntry *) list_nth(to, i))->grantee, a->grantee) != 0)
			prefix = false;
		i++;
	}
	foreach(lc, from)
	{
		AclEntry   *a = lfirst(lc);

		if (!prefix || !list_member_ptr(kept, a))
			emit(e, PH_GRANTS, "REVOKE ALL ON %s FROM %s", target, a->grantee);
	}
	for (i = prefix ? list_length(kept) : 0; i < list_length(to); i++)
		grant_entry(e, target, list_nth(to, i));
}

/*
 * Owners are compared only when asked for: a desired schema run in the
 * shadow is owned by whoever runs the diff, and a schema compared with
 * another one owned by someone else should not change hands by default.
 * Relations that are re-created get their owner again.
 */
static void
diff_owner(Emitter *e, DiffObject *f, DiffObject *t)
{
	if (!e->ownership || t == NULL || t->owner == NULL)
		return;
	if (f != NULL && streq(f->owner, t->owner) && !rel_comes(t))
		return;
	emit(e, PH_OWNERS, "ALTER %s OWNER TO %s", comment_target(e, t),
		 quote_identifier(t->owner));
	if (f != NULL && !streq(f->owner, t->owner))
		change(e, false, "owner of %s", comment_target(e, t));
}

/* ---------- extensions ---------- */

/* Does the server have an update path of extension name from one to two? */
static bool
extension_has_path(const char *name, const char *from, const char *to)
{
	Oid			argtypes[3] = {NAMEOID, TEXTOID, TEXTOID};
	Datum		values[3];
	bool		found;
	int			ret;

	values[0] = DirectFunctionCall1(namein, CStringGetDatum(name));
	values[1] = CStringGetTextDatum(from);
	values[2] = CStringGetTextDatum(to);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_extension_update_paths($1) p "
								"WHERE p.source OPERATOR(pg_catalog.=) $2 "
								"AND p.target OPERATOR(pg_catalog.=) $3 "
								"AND p.path IS NOT NULL",
								3, argtypes, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

/*
 * Extensions of the schema: created before anything that may use them,
 * dropped after everything that may.  A version is compared only when the
 * desired schema names one (CREATE EXTENSION ... VERSION).
 */
static void
diff_extension(Emitter *e, DiffObject *f, DiffObject *t)
{
	if (t == NULL)
	{
		emit(e, PH_DROP_EXTENSIONS, "DROP EXTENSION %s",
			 quote_identifier(f->name));
		change(e, true, "extension %s dropped", quote_identifier(f->name));
		return;
	}
	if (f == NULL)
	{
		emit(e, PH_EXTENSIONS, "CREATE EXTENSION %s WITH SCHEMA %s%s%s%s",
			 quote_identifier(t->name), e->qs,
			 t->def ? " VERSION " : "", t->def ? literal(t->def) : "",
			 t->options ? " CASCADE" : "");
		change(e, false, "extension %s created", quote_identifier(t->name));
		return;
	}
	if (f->def == NULL || t->def == NULL || strcmp(f->def, t->def) == 0)
		return;
	if (extension_has_path(f->name, f->def, t->def))
	{
		emit(e, PH_EXTENSIONS, "ALTER EXTENSION %s UPDATE TO %s",
			 quote_identifier(t->name), literal(t->def));
		change(e, false, "extension %s updated from version %s to %s",
			   quote_identifier(t->name), f->def, t->def);
	}
	else if (e->downgrade)
	{
		/* a script of its own, though it changes nothing */
		appendStringInfo(&e->ph[PH_EXTENSIONS],
						 "-- extension %s stays at version %s: the server has no update path to version %s\n",
						 quote_identifier(t->name), literal(f->def),
						 literal(t->def));
		e->nstmts++;
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("extension \"%s\" cannot be updated from version \"%s\" to \"%s\"",
						t->name, f->def, t->def),
				 errdetail("The server has no update path between these versions."),
				 errhint("Install that version of the extension on the server, or leave VERSION out of the desired schema.")));
}

/* ---------- types ---------- */

static bool
label_in(List *labels, const char *l)
{
	ListCell   *lc;

	foreach(lc, labels)
		if (strcmp(lfirst(lc), l) == 0)
		return true;
	return false;
}

/* f's labels appear in t in the same order */
static bool
labels_subsequence(List *f, List *t)
{
	ListCell   *lc;
	ListCell   *lt = list_head(t);

	foreach(lc, f)
	{
		while (lt != NULL && strcmp(lfirst(lt), lfirst(lc)) != 0)
			lt = lnext(t, lt);
		if (lt == NULL)
			return false;
		lt = lnext(t, lt);
	}
	return true;
}

static char *
enum_labels(List *labels)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, labels)
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "",
						 quote_literal_cstr(lfirst(lc)));
	return buf.data;
}

static char *
attr_list(List *columns)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, columns)
	{
		DiffColumn *c = lfirst(lc);

		appendStringInfo(&buf, "%s%s %s", buf.len > 0 ? ", " : "",
						 quote_identifier(c->name), c->type);
		if (c->collation)
			appendStringInfo(&buf, " COLLATE %s", c->collation);
	}
	return buf.data;
}

static DiffColumn *
find_column(List *columns, const char *name)
{
	ListCell   *lc;

	foreach(lc, columns)
	{
		DiffColumn *c = lfirst(lc);

		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

/* The object of a list (domain checks, say) with this name, or NULL */
static DiffObject *
find_named(List *objects, const char *name)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		DiffObject *o = lfirst(lc);

		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

static Phase
type_phase(DiffObject *o, bool drop)
{
	(void) drop;
	return drop ? PH_DROP_TYPES : PH_TYPES;
}

static void
create_type(Emitter *e, DiffObject *t)
{
	ListCell   *lc;

	if (t->subkind == 'e')
		emit(e, PH_TYPES, "CREATE TYPE %s AS ENUM (%s)", qn(e, t->name),
			 enum_labels(t->labels));
	else if (t->subkind == 'c')
		emit(e, PH_TYPES, "CREATE TYPE %s AS (%s)", qn(e, t->name),
			 attr_list(t->columns));
	else
	{
		StringInfoData buf;

		initStringInfo(&buf);
		appendStringInfo(&buf, "CREATE DOMAIN %s AS %s", qn(e, t->name), t->def);
		if (t->options)
			appendStringInfo(&buf, " DEFAULT %s", t->options);
		if (t->rls)
			appendStringInfoString(&buf, " NOT NULL");
		foreach(lc, t->checks)
		{
			DiffObject *c = lfirst(lc);

			appendStringInfo(&buf, " CONSTRAINT %s %s",
							 quote_identifier(c->name), c->def);
		}
		emit(e, PH_TYPES, "%s", buf.data);
	}
	foreach(lc, t->columns)
	{
		DiffColumn *c = lfirst(lc);

		if (c->comment)
			emit(e, PH_COMMENTS, "COMMENT ON COLUMN %s.%s IS %s",
				 qn(e, t->name), quote_identifier(c->name),
				 literal(c->comment));
	}
	foreach(lc, t->checks)
	{
		DiffObject *c = lfirst(lc);

		if (c->comment)
			emit(e, PH_COMMENTS, "COMMENT ON CONSTRAINT %s ON DOMAIN %s IS %s",
				 quote_identifier(c->name), qn(e, t->name),
				 literal(c->comment));
	}
}

static void
drop_type(Emitter *e, DiffObject *f)
{
	emit(e, type_phase(f, true), "DROP %s %s",
		 f->subkind == 'd' ? "DOMAIN" : "TYPE", qn(e, f->name));
}

/* is this column type the type named name, or an array of it */
static bool
column_uses_type(DiffColumn *c, const char *name)
{
	const char *q = quote_identifier(name);
	size_t		len = strlen(q);

	return strncmp(c->type, q, len) == 0 &&
		(c->type[len] == '\0' || c->type[len] == '[');
}

/*
 * An enum that loses or reorders labels cannot be altered in place: rename
 * it away, create the new one, convert every column that uses it through
 * text, and drop the old one.
 */
static void
recreate_enum(Emitter *e, DiffObject *f, DiffObject *t)
{
	char	   *oldname = psprintf("%s__migrate_old", t->name);
	int			i;

	emit(e, PH_TYPES, "ALTER TYPE %s RENAME TO %s", qn(e, f->name),
		 quote_identifier(oldname));
	create_type(e, t);
	for (i = 0; i < e->from->n[DK_RELATION]; i++)
	{
		DiffObject *r = e->from->v[DK_RELATION][i];
		DiffObject *rt;
		ListCell   *lc;

		if (r->subkind != 'r' && r->subkind != 'p')
			continue;
		if (r->state != DIFF_SAME && r->state != DIFF_CHANGED)
			continue;
		rt = rel(e->to, r->name);
		foreach(lc, r->columns)
		{
			DiffColumn *c = lfirst(lc);
			DiffColumn *ct;
			const char *def;

			if (c->inherited || !column_uses_type(c, f->name))
				continue;
			ct = rt ? find_column(rt->columns, c->name) : NULL;
			def = ct ? ct->def : c->def;
			if (c->def)
				emit(e, PH_TYPES, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT",
					 qn(e, r->name), quote_identifier(c->name));
			emit(e, PH_TYPES,
				 "ALTER TABLE %s ALTER COLUMN %s TYPE %s USING %s::text::%s",
				 qn(e, r->name), quote_identifier(c->name), c->type,
				 quote_identifier(c->name), c->type);
			if (c->def && def)
				emit(e, PH_TYPES, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
					 qn(e, r->name), quote_identifier(c->name), def);
			r->touched = true;
		}
	}
	/* late: tables being dropped may still use the old type */
	emit(e, PH_DROP_TYPES, "DROP TYPE %s", qn(e, oldname));
}

static void
diff_type(Emitter *e, DiffObject *f, DiffObject *t)
{
	bool		fresh = false;

	if (f && !t)
	{
		drop_type(e, f);
		change(e, false, "drop type %s", quote_identifier(f->name));
	}
	else if (!f && t)
	{
		create_type(e, t);
		change(e, false, "create type %s", quote_identifier(t->name));
		fresh = true;
	}
	else if (f->subkind != t->subkind ||
			 (t->subkind == 'd' && !streq(f->def, t->def)))
	{
		emit(e, PH_TYPES, "DROP %s %s", f->subkind == 'd' ? "DOMAIN" : "TYPE",
			 qn(e, f->name));
		create_type(e, t);
		change(e, true, "re-create type %s", quote_identifier(t->name));
		fresh = true;
	}
	else if (t->subkind == 'e')
	{
		if (labels_subsequence(f->labels, t->labels))
		{
			ListCell   *lc;
			const char *prev = NULL;

			foreach(lc, t->labels)
			{
				char	   *l = lfirst(lc);

				if (!label_in(f->labels, l))
				{
					if (prev)
						emit(e, PH_TYPES, "ALTER TYPE %s ADD VALUE %s AFTER %s",
							 qn(e, t->name), quote_literal_cstr(l),
							 quote_literal_cstr(prev));
					else if (f->labels != NIL)
						emit(e, PH_TYPES, "ALTER TYPE %s ADD VALUE %s BEFORE %s",
							 qn(e, t->name), quote_literal_cstr(l),
							 quote_literal_cstr(linitial(f->labels)));
					else
						emit(e, PH_TYPES, "ALTER TYPE %s ADD VALUE %s",
							 qn(e, t->name), quote_literal_cstr(l));
					change(e, false, "add value %s to type %s",
						   quote_literal_cstr(l), quote_identifier(t->name));
				}
				prev = l;
			}
		}
		else
		{
			recreate_enum(e, f, t);
			change(e, true, "re-create type %s (values removed or reordered)",
				   quote_identifier(t->name));
		}
	}
	else if (t->subkind == 'd')
	{
		ListCell   *lc;

		if (!streq(f->options, t->options))
		{
			if (t->options)
				emit(e, PH_TYPES, "ALTER DOMAIN %s SET DEFAULT %s",
					 qn(e, t->name), t->options);
			else
				emit(e, PH_TYPES, "ALTER DOMAIN %s DROP DEFAULT", qn(e, t->name));
			change(e, false, "default of domain %s", quote_identifier(t->name));
		}
		if (f->rls != t->rls)
		{
			emit(e, PH_TYPES, "ALTER DOMAIN %s %s NOT NULL", qn(e, t->name),
				 t->rls ? "SET" : "DROP");
			change(e, false, "not null of domain %s", quote_identifier(t->name));
		}
		foreach(lc, f->checks)
		{
			DiffObject *c = lfirst(lc);
			DiffObject *ct = find_named(t->checks, c->name);
			if (ct == NULL || !streq(ct->def, c->def))
			{
				emit(e, PH_TYPES, "ALTER DOMAIN %s DROP CONSTRAINT %s",
					 qn(e, t->name), quote_identifier(c->name));
				change(e, false, "drop constraint %s of domain %s",
					   quote_identifier(c->name), quote_identifier(t->name));
			}
			else if (!streq(ct->comment, c->comment))
				emit(e, PH_COMMENTS, "COMMENT ON CONSTRAINT %s ON DOMAIN %s IS %s",
					 quote_identifier(c->name), qn(e, t->name),
					 literal(ct->comment));
		}
		foreach(lc, t->checks)
		{
			DiffObject *c = lfirst(lc);
			DiffObject *cf = find_named(f->checks, c->name);
			if (cf == NULL || !streq(cf->def, c->def))
			{
				emit(e, PH_TYPES, "ALTER DOMAIN %s ADD CONSTRAINT %s %s",
					 qn(e, t->name), quote_identifier(c->name), c->def);
				if (c->comment)
					emit(e, PH_COMMENTS,
						 "COMMENT ON CONSTRAINT %s ON DOMAIN %s IS %s",
						 quote_identifier(c->name), qn(e, t->name),
						 literal(c->comment));
				change(e, false, "add constraint %s to domain %s",
					   quote_identifier(c->name), quote_identifier(t->name));
			}
		}
	}
	else if (t->subkind == 'c')
	{
		ListCell   *lc;

		foreach(lc, f->columns)
		{
			DiffColumn *c = lfirst(lc);

			if (find_column(t->columns, c->name) == NULL)
			{
				emit(e, PH_TYPES, "ALTER TYPE %s DROP ATTRIBUTE %s",
					 qn(e, t->name), quote_identifier(c->name));
				change(e, false, "drop attribute %s of type %s",
					   quote_identifier(c->name), quote_identifier(t->name));
			}
		}
		foreach(lc, t->columns)
		{
			DiffColumn *c = lfirst(lc);
			DiffColumn *cf = find_column(f->columns, c->name);

			if (cf == NULL)
			{
				emit(e, PH_TYPES, "ALTER TYPE %s ADD ATTRIBUTE %s %s%s%s",
					 qn(e, t->name), quote_identifier(c->name), c->type,
					 c->collation ? " COLLATE " : "",
					 c->collation ? c->collation : "");
				change(e, false, "add attribute %s to type %s",
					   quote_identifier(c->name), quote_identifier(t->name));
			}
			else if (!streq(cf->type, c->type) ||
					 !streq(cf->collation, c->collation))
			{
				emit(e, PH_TYPES, "ALTER TYPE %s ALTER ATTRIBUTE %s TYPE %s%s%s",
					 qn(e, t->name), quote_identifier(c->name), c->type,
					 c->collation ? " COLLATE " : "",
					 c->collation ? c->collation : "");
				change(e, false, "alter attribute %s of type %s",
					   quote_identifier(c->name), quote_identifier(t->name));
			}
			if (cf == NULL ? c->comment != NULL : !streq(cf->comment, c->comment))
				emit(e, PH_COMMENTS, "COMMENT ON COLUMN %s.%s IS %s",
					 qn(e, t->name), quote_identifier(c->name),
					 literal(c->comment));
		}
	}
	diff_comment(e, f, t, fresh);
	diff_acl(e, f, t, fresh);
}

/* ---------- sequences ---------- */

static bool
seq_owner_goes(Emitter *e, DiffObject *f)
{
	DiffObject *r;
	DiffColumn *c;

	if (f->owner_table == NULL)
		return false;
	r = rel(e->from, f->owner_table);
	if (r == NULL || rel_goes(r))
		return true;
	c = find_column(r->columns, f->owner_column);
	return c == NULL || c->dropped;
}

static void
own_sequence(Emitter *e, Phase p, DiffObject *t)
{
	if (t->owner_table)
		emit(e, p, "ALTER SEQUENCE %s OWNED BY %s.%s", qn(e, t->name),
			 qn(e, t->owner_table), quote_identifier(t->owner_column));
	else
		emit(e, p, "ALTER SEQUENCE %s OWNED BY NONE", qn(e, t->name));
}

static void
diff_sequence(Emitter *e, DiffObject *f, DiffObject *t)
{
	bool		fresh = false;

	if (f && !t)
	{
		/* a sequence owned by a dropped column goes with it */
		if (!seq_owner_goes(e, f))
			emit(e, PH_DROP_SEQUENCES, "DROP SEQUENCE %s", qn(e, f->name));
		change(e, false, "drop sequence %s", quote_identifier(f->name));
		return;
	}
	if (!f)
	{
		emit(e, PH_SEQUENCES, "CREATE SEQUENCE %s %s", qn(e, t->name), t->def);
		if (t->owner_table)
			own_sequence(e, PH_OWNED, t);
		change(e, false, "create sequence %s", quote_identifier(t->name));
		fresh = true;
	}
	else
	{
		if (!streq(f->def, t->def))
		{
			emit(e, PH_SEQUENCES, "ALTER SEQUENCE %s %s", qn(e, t->name), t->def);
			change(e, false, "alter sequence %s", quote_identifier(t->name));
		}

		/*
		 * Keep a sequence that must survive its owning column: disown it
		 * before anything is dropped, own it again at the end.
		 */
		if (f->owner_table &&
			(seq_owner_goes(e, f) || !streq(f->owner_table, t->owner_table) ||
			 !streq(f->owner_column, t->owner_column)))
			emit(e, PH_DISOWN, "ALTER SEQUENCE %s OWNED BY NONE", qn(e, f->name));
		if (t->owner_table &&
			(seq_owner_goes(e, f) || !streq(f->owner_table, t->owner_table) ||
			 !streq(f->owner_column, t->owner_column)))
			own_sequence(e, PH_OWNED, t);
		if (!streq(f->owner_table, t->owner_table) ||
			!streq(f->owner_column, t->owner_column))
			change(e, false, "owner of sequence %s", quote_identifier(t->name));
	}
	diff_comment(e, f, t, fresh);
	diff_acl(e, f, t, fresh);
}

/* ---------- functions ---------- */

static void
create_function(Emitter *e, DiffObject *t, bool replace)
{
	emit(e, PH_FUNCTIONS, "CREATE OR REPLACE %s %s%s",
		 t->subkind == 'p' ? "PROCEDURE" : "FUNCTION", qn(e, t->name), t->def);
}

static void
diff_function(Emitter *e, DiffObject *f, DiffObject *t)
{
	bool		fresh = false;

	if (f && !t)
	{
		emit(e, PH_DROP_FUNCS, "DROP %s %s(%s)",
			 f->subkind == 'p' ? "PROCEDURE" : "FUNCTION", qn(e, f->name), f->args);
		change(e, false, "drop function %s(%s)", quote_identifier(f->name), f->args);
		return;
	}
	if (!f)
	{
		create_function(e, t, false);
		change(e, false, "create function %s(%s)", quote_identifier(t->name), t->args);
		fresh = true;
	}
	else if (!streq(f->def, t->def))
	{
		if (f->subkind != t->subkind || !streq(f->result, t->result))
		{
			emit(e, PH_DROP_FUNCS_EARLY, "DROP %s %s(%s)",
				 f->subkind == 'p' ? "PROCEDURE" : "FUNCTION",
				 qn(e, f->name), f->args);
			fresh = true;
		}
		create_function(e, t, true);
		change(e, false, "replace function %s(%s)", quote_identifier(t->name), t->args);
	}
	diff_comment(e, f, t, fresh);
	diff_acl(e, f, t, fresh);
}

/* ---------- relations and columns ---------- */

/*
 * A type change that cannot lose data: integer widening, longer or
 * unlimited character types, numerics with more room.
 */
static bool
type_widens(const char *from, const char *to)
{
	static const char *const ints[] = {"smallint", "integer", "bigint", "numeric"};
	int			fi = -1,
				ti = -1,
				i;
	int			fn,
				tn,
				fs,
				ts;

	for (i = 0; i < 4; i++)
	{
		if (strcmp(from, ints[i]) == 0)
			fi = i;
		if (strcmp(to, ints[i]) == 0)
			ti = i;
	}
	if (fi >= 0 && ti >= 0)
		return ti >= fi;
	if (fi >= 0 && fi < 3 && strncmp(to, "numeric(", 8) == 0 &&
		sscanf(to, "numeric(%d,%d)", &tn, &ts) == 2)
		return tn - ts >= (fi == 0 ? 5 : fi == 1 ? 10 : 19);
	if (strcmp(from, "real") == 0 && strcmp(to, "double precision") == 0)
		return true;
	if (strcmp(to, "text") == 0 &&
		(strncmp(from, "character varying", 17) == 0 ||
		 strncmp(from, "character", 9) == 0))
		return true;
	if (strcmp(to, "character varying") == 0 &&
		strncmp(from, "character varying", 17) == 0)
		return true;
	if (sscanf(from, "character varying(%d)", &fn) == 1 &&
		sscanf(to, "character varying(%d)", &tn) == 1)
		return tn >= fn;
	if (sscanf(from, "numeric(%d,%d)", &fn, &fs) == 2)
	{
		if (strcmp(to, "numeric") == 0)
			return true;
		if (sscanf(to, "numeric(%d,%d)", &tn, &ts) == 2)
			return ts >= fs && tn - ts >= fn - fs;
	}
	if (strcmp(from, "timestamp without time zone") == 0 &&
		strcmp(to, "timestamp with time zone") == 0)
		return true;
	return false;
}

static void
column_def(StringInfo buf, DiffColumn *c)
{
	appendStringInfo(buf, "%s %s", quote_identifier(c->name), c->type);
	if (c->collation)
		appendStringInfo(buf, " COLLATE %s", c->collation);
	if (c->generated == 's')
		appendStringInfo(buf, " GENERATED ALWAYS AS (%s) STORED", c->def);
	else if (c->def)
		appendStringInfo(buf, " DEFAULT %s", c->def);
	if (c->notnull)
		appendStringInfoString(buf, " NOT NULL");
	if (c->identity)
		appendStringInfo(buf, " GENERATED %s AS IDENTITY (%s)",
						 c->identity == 'a' ? "ALWAYS" : "BY DEFAULT",
						 c->identity_opts ? c->identity_opts : "");
}

static void
create_relation(Emitter *e, DiffObject *t)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	if (is_view(t))
	{
		char	   *def = pstrdup(t->def);
		size_t		len = strlen(def);

		while (len > 0 && (def[len - 1] == ';' || def[len - 1] == ' ' ||
						   def[len - 1] == '\n'))
			def[--len] = '\0';
		appendStringInfo(&buf, "CREATE %s %s",
						 t->subkind == 'm' ? "MATERIALIZED VIEW" : "VIEW",
						 qn(e, t->name));
		if (t->options)
			appendStringInfo(&buf, " WITH (%s)", t->options);
		appendStringInfo(&buf, " AS\n%s", def);
		emit(e, PH_VIEWS, "%s", buf.data);
	}
	else if (t->parent)
	{
		appendStringInfo(&buf, "CREATE TABLE %s PARTITION OF %s %s",
						 qn(e, t->name), qn(e, t->parent), t->bound);
		if (t->partkey)
			appendStringInfo(&buf, " PARTITION BY %s", t->partkey);
		if (t->options)
			appendStringInfo(&buf, " WITH (%s)", t->options);
		emit(e, PH_TABLES, "%s", buf.data);
	}
	else
	{
		appendStringInfo(&buf, "CREATE TABLE %s (", qn(e, t->name));
		foreach(lc, t->columns)
		{
			appendStringInfoString(&buf, foreach_current_index(lc) > 0 ?
								   ",\n    " : "\n    ");
			column_def(&buf, lfirst(lc));
		}
		appendStringInfoString(&buf, t->columns ? "\n)" : ")");
		if (t->partkey)
			appendStringInfo(&buf, " PARTITION BY %s", t->partkey);
		if (t->options)
			appendStringInfo(&buf, " WITH (%s)", t->options);
		emit(e, PH_TABLES, "%s", buf.data);
	}
	foreach(lc, t->columns)
	{
		DiffColumn *c = lfirst(lc);

		if (c->comment)
			emit(e, PH_COMMENTS, "COMMENT ON COLUMN %s.%s IS %s",
				 qn(e, t->name), quote_identifier(c->name),
				 literal(c->comment));
	}
	if (t->rls)
		emit(e, PH_TABLE_FLAGS, "ALTER TABLE %s ENABLE ROW LEVEL SECURITY",
			 qn(e, t->name));
	if (t->rls_force)
		emit(e, PH_TABLE_FLAGS, "ALTER TABLE %s FORCE ROW LEVEL SECURITY",
			 qn(e, t->name));
	diff_comment(e, NULL, t, true);
	diff_acl(e, NULL, t, true);
}

/* Column changes of a table that stays. */
static void
diff_columns(Emitter *e, DiffObject *f, DiffObject *t)
{
	ListCell   *lc;
	char	   *tn = qn(e, t->name);

	foreach(lc, f->columns)
	{
		DiffColumn *c = lfirst(lc);
		DiffColumn *ct = find_column(t->columns, c->name);

		if (c->inherited)
			continue;
		if (ct == NULL || (ct->generated != c->generated) ||
			(c->generated && !streq(c->def, ct->def)))
		{
			emit(e, PH_COLUMNS, "ALTER TABLE %s DROP COLUMN %s", tn,
				 quote_identifier(c->name));
			change(e, true, "drop column %s.%s", quote_identifier(t->name),
				   quote_identifier(c->name));
			c->dropped = true;
			f->touched = true;
		}
	}
	foreach(lc, t->columns)
	{
		DiffColumn *c = lfirst(lc);
		DiffColumn *cf = find_column(f->columns, c->name);
		const char *cn = quote_identifier(c->name);
		bool		retype;

		if (c->inherited)
			continue;
		if (cf == NULL || cf->dropped)
		{
			StringInfoData buf;
			bool		fails = c->notnull && c->def == NULL &&
				!c->identity && !c->generated;

			/*
			 * NOT NULL without a default fails as soon as the table has a
			 * row.  An upgrade stops here: only the user knows the value.
			 * A downgrade (the column's values are gone anyway) adds it
			 * nullable and says so.
			 */
			if (fails && e->strict && !e->downgrade)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TABLE_DEFINITION),
						 errmsg("cannot add column \"%s.%s\" as NOT NULL without a default",
								t->name, c->name),
						 errdetail("The upgrade would fail on a table that has rows: they have no value for the new column."),
						 errhint("Give the column a DEFAULT in the desired schema, or add it without NOT NULL, fill it in a revision of your own, and add NOT NULL in the next one.")));
			if (fails && e->downgrade)
			{
				c->notnull = false;
				appendStringInfo(&e->ph[PH_COLUMNS],
								 "-- column %s.%s comes back without NOT NULL: its values are gone; fill it, then ALTER TABLE %s ALTER COLUMN %s SET NOT NULL\n",
								 quote_identifier(t->name), cn, tn, cn);
			}
			initStringInfo(&buf);
			column_def(&buf, c);
			if (fails && e->downgrade)
				c->notnull = true;
			emit(e, PH_COLUMNS, "ALTER TABLE %s ADD COLUMN %s", tn, buf.data);
			if (c->comment)
				emit(e, PH_COMMENTS, "COMMENT ON COLUMN %s.%s IS %s", tn, cn,
					 literal(c->comment));
			change(e, false, "add column %s.%s", quote_identifier(t->name), cn);
			continue;
		}
		if (cf->inherited)
			continue;
		retype = !streq(cf->type, c->type) || !streq(cf->collation, c->collation);
		if (cf->identity && (!c->identity ||
							 !streq(cf->identity_opts, c->identity_opts)))
			emit(e, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s DROP IDENTITY",
				 tn, cn);
		/*
		 * A new default replaces the old one: SET DEFAULT alone.  It is
		 * dropped first only when it goes, or when the type changes (the
		 * old default may not cast to the new type).
		 */
		if (cf->def && !c->generated &&
			(retype ? true : (c->def == NULL)))
			emit(e, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s DROP DEFAULT",
				 tn, cn);
		if (retype)
		{
			bool		narrows = !type_widens(cf->type, c->type);

			emit(e, PH_COLUMNS,
				 "ALTER TABLE %s ALTER COLUMN %s TYPE %s%s%s USING %s::%s",
				 tn, cn, c->type, c->collation ? " COLLATE " : "",
				 c->collation ? c->collation : "", cn, c->type);
			change(e, narrows, "alter column %s.%s type from %s to %s",
				   quote_identifier(t->name), cn, cf->type, c->type);
			f->touched = true;
		}
		if (c->notnull && !cf->notnull)
			emit(e, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET NOT NULL",
				 tn, cn);
		if (c->def && !c->generated && (retype || !streq(cf->def, c->def)))
			emit(e, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET DEFAULT %s",
				 tn, cn, c->def);
		if (c->identity && cf->identity && c->identity != cf->identity &&
			streq(cf->identity_opts, c->identity_opts))
			emit(e, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s SET GENERATED %s",
				 tn, cn, c->identity == 'a' ? "ALWAYS" : "BY DEFAULT");
		else if (c->identity && (!cf->identity ||
								 !streq(cf->identity_opts, c->identity_opts)))
			emit(e, PH_COLUMNS,
				 "ALTER TABLE %s ALTER COLUMN %s ADD GENERATED %s AS IDENTITY (%s)",
				 tn, cn, c->identity == 'a' ? "ALWAYS" : "BY DEFAULT",
				 c->identity_opts ? c->identity_opts : "");
		if (!c->notnull && cf->notnull)
			emit(e, PH_COLUMNS, "ALTER TABLE %s ALTER COLUMN %s DROP NOT NULL",
				 tn, cn);
		if (c->notnull != cf->notnull || !streq(cf->def, c->def) ||
			c->identity != cf->identity ||
			!streq(cf->identity_opts, c->identity_opts))
			change(e, false, "alter column %s.%s", quote_identifier(t->name), cn);
		if (!streq(cf->comment, c->comment))
		{
			emit(e, PH_COMMENTS, "COMMENT ON COLUMN %s.%s IS %s", tn, cn,
				 literal(c->comment));
			change(e, false, "comment on column %s.%s",
				   quote_identifier(t->name), cn);
		}
	}
}

/* reloptions "a=1, b=2" reset by name */
static char *
option_names(const char *options)
{
	StringInfoData buf;
	List	   *items;
	ListCell   *lc;

	initStringInfo(&buf);
	items = split_items(options);
	foreach(lc, items)
	{
		char	   *it = pstrdup(lfirst(lc));
		char	   *eq = strchr(it, '=');

		if (eq)
			*eq = '\0';
		appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", it);
	}
	return buf.data;
}

/* first pass: decide what happens to each relation */
static void
relation_state(Emitter *e, DiffObject *f, DiffObject *t)
{
	if (f && !t)
		f->state = DIFF_GONE;
	else if (!f && t)
		t->state = DIFF_NEW;
	else if (f->subkind != t->subkind ||
			 (is_view(t) && (!streq(f->def, t->def) ||
							 !streq(f->options, t->options))) ||
			 !streq(f->partkey, t->partkey) ||
			 !streq(f->parent, t->parent) || !streq(f->bound, t->bound))
		f->state = t->state = DIFF_RECREATE;
	else
		f->state = t->state = DIFF_SAME;
}

static void
relation_columns(Emitter *e, DiffObject *f, DiffObject *t)
{
	if (f && t && f->state == DIFF_SAME && !is_view(t))
		diff_columns(e, f, t);
}

static void
relation_emit(Emitter *e, DiffObject *f, DiffObject *t)
{
	if (f && rel_goes(f))
	{
		if (!is_view(f) && !f->implicit)
			emit(e, PH_DROP_TABLES, "DROP TABLE %s", qn(e, f->name));
		if (!is_view(f))
			change(e, true, "%s table %s",
				   t ? "re-create" : "drop", quote_identifier(f->name));
		else
			change(e, false, "%s view %s",
				   t ? "re-create" : "drop", quote_identifier(f->name));
	}
	if (t && rel_comes(t))
	{
		if (!is_view(t) && !t->parent)
			create_relation(e, t);
		if (!f)
			change(e, false, "create %s %s", is_view(t) ? "view" : "table",
				   quote_identifier(t->name));
		return;
	}
	if (f && t)
	{
		char	   *tn = qn(e, t->name);

		if (f->rls != t->rls)
		{
			emit(e, PH_TABLE_FLAGS, "ALTER TABLE %s %s ROW LEVEL SECURITY", tn,
				 t->rls ? "ENABLE" : "DISABLE");
			change(e, false, "row level security of %s", quote_identifier(t->name));
		}
		if (f->rls_force != t->rls_force)
		{
			emit(e, PH_TABLE_FLAGS, "ALTER TABLE %s %s ROW LEVEL SECURITY", tn,
				 t->rls_force ? "FORCE" : "NO FORCE");
			change(e, false, "forced row level security of %s",
				   quote_identifier(t->name));
		}
		if (!is_view(t) && !streq(f->options, t->options))
		{
			if (f->options)
				emit(e, PH_TABLE_FLAGS, "ALTER TABLE %s RESET (%s)", tn,
					 option_names(f->options));
			if (t->options)
				emit(e, PH_TABLE_FLAGS, "ALTER TABLE %s SET (%s)", tn, t->options);
			change(e, false, "storage parameters of %s", quote_identifier(t->name));
		}
		diff_comment(e, f, t, false);
		{
			ListCell   *lc;

			/* view column comments; table columns are diffed with them */
			if (is_view(t))
				foreach(lc, t->columns)
			{
				DiffColumn *c = lfirst(lc);
				DiffColumn *cf = find_column(f->columns, c->name);

				if (!streq(cf ? cf->comment : NULL, c->comment))
					emit(e, PH_COMMENTS, "COMMENT ON COLUMN %s.%s IS %s", tn,
						 quote_identifier(c->name), literal(c->comment));
			}
		}
		diff_acl(e, f, t, false);
	}
}

/* depth-first: views after what they read */
static void
view_visit(Emitter *e, DiffModel *m, DiffObject *o, List **order)
{
	ListCell   *lc;

	if (o->visited)
		return;
	o->visited = true;
	foreach(lc, o->deps)
	{
		DiffObject *d = rel(m, lfirst(lc));

		if (d && is_view(d))
			view_visit(e, m, d, order);
	}
	*order = lappend(*order, o);
}

static List *
view_order(Emitter *e, DiffModel *m)
{
	List	   *order = NIL;
	int			i;

	for (i = 0; i < m->n[DK_RELATION]; i++)
		m->v[DK_RELATION][i]->visited = false;
	for (i = 0; i < m->n[DK_RELATION]; i++)
		if (is_view(m->v[DK_RELATION][i]))
			view_visit(e, m, m->v[DK_RELATION][i], &order);
	return order;
}

static void
emit_views(Emitter *e)
{
	List	   *order;
	ListCell   *lc;
	bool		again = true;
	int			i;

	/* views that read a touched or replaced relation are re-created */
	while (again)
	{
		again = false;
		for (i = 0; i < e->from->n[DK_RELATION]; i++)
		{
			DiffObject *v = e->from->v[DK_RELATION][i];

			if (!is_view(v) || v->state != DIFF_SAME)
				continue;
			foreach(lc, v->deps)
			{
				DiffObject *d = rel(e->from, lfirst(lc));

				if (d && (d->touched || rel_goes(d)))
				{
					DiffObject *t = rel(e->to, v->name);

					v->state = DIFF_RECREATE;
					if (t)
						t->state = DIFF_RECREATE;
					again = true;
					break;
				}
			}
		}
	}

	order = view_order(e, e->from);
	for (i = list_length(order) - 1; i >= 0; i--)
	{
		DiffObject *v = list_nth(order, i);

		if (rel_goes(v))
			emit(e, PH_DROP_VIEWS, "DROP %s %s",
				 v->subkind == 'm' ? "MATERIALIZED VIEW" : "VIEW", qn(e, v->name));
	}
	order = view_order(e, e->to);
	foreach(lc, order)
	{
		DiffObject *v = lfirst(lc);

		if (rel_comes(v))
			create_relation(e, v);
	}
}

/* partitions: parents first */
static int
partition_depth(DiffModel *m, DiffObject *o)
{
	int			d = 0;

	while (o && o->parent && d < 100)
	{
		o = rel(m, o->parent);
		d++;
	}
	return d;
}

static void
emit_partitions(Emitter *e)
{
	int			depth,
				i,
				maxdepth = 0;

	for (i = 0; i < e->to->n[DK_RELATION]; i++)
		maxdepth = Max(maxdepth, partition_depth(e->to, e->to->v[DK_RELATION][i]));
	for (depth = 1; depth <= maxdepth; depth++)
		for (i = 0; i < e->to->n[DK_RELATION]; i++)
		{
			DiffObject *t = e->to->v[DK_RELATION][i];

			if (t->parent && rel_comes(t) && partition_depth(e->to, t) == depth)
				create_relation(e, t);
		}
}

/* ---------- indexes, constraints, triggers, policies ---------- */

static void
drop_sub(Emitter *e, DiffObject *f)
{
	switch (f->kind)
	{
		case DK_INDEX:
			emit(e, PH_DROP_INDEXES, "DROP INDEX %s", qn(e, f->name));
			break;
		case DK_CONSTRAINT:
			emit(e, f->subkind == 'f' ? PH_DROP_FKEYS : PH_DROP_CONSTRAINTS,
				 "ALTER TABLE %s DROP CONSTRAINT %s", qn(e, f->table),
				 quote_identifier(f->name));
			break;
		case DK_TRIGGER:
			emit(e, PH_DROP_TRIGGERS, "DROP TRIGGER %s ON %s",
				 quote_identifier(f->name), qn(e, f->table));
			break;
		case DK_POLICY:
			emit(e, PH_DROP_POLICIES, "DROP POLICY %s ON %s",
				 quote_identifier(f->name), qn(e, f->table));
			break;
		default:
			break;
	}
}

static void
create_sub(Emitter *e, DiffObject *t)
{
	DiffObject *r = rel(e->to, t->table);

	switch (t->kind)
	{
		case DK_INDEX:
			emit(e, r && is_view(r) ? PH_VIEW_INDEXES : PH_INDEXES, "%s", t->def);
			break;
		case DK_CONSTRAINT:
			emit(e, t->subkind == 'f' ? PH_FKEYS : PH_CONSTRAINTS,
				 "ALTER TABLE %s ADD CONSTRAINT %s %s", qn(e, t->table),
				 quote_identifier(t->name), t->def);
			break;
		case DK_TRIGGER:
			emit(e, PH_TRIGGERS, "%s", t->def);
			break;
		case DK_POLICY:
			emit(e, PH_POLICIES, "CREATE POLICY %s ON %s %s",
				 quote_identifier(t->name), qn(e, t->table), t->def);
			break;
		default:
			break;
	}
	diff_comment(e, NULL, t, true);
}

static const char *
sub_word(DiffObject *o)
{
	switch (o->kind)
	{
		case DK_INDEX:
			return "index";
		case DK_TRIGGER:
			return "trigger";
		case DK_POLICY:
			return "policy";
		default:
			return o->subkind == 'f' ? "foreign key" : "constraint";
	}
}

/*
 * The key a foreign key relies on (a primary key, a unique constraint or a
 * unique index of the referenced table), when it changes: the foreign key
 * must then be dropped before it and added again after, though its own
 * definition is unchanged.
 */
static DiffObject *
fk_key_changed(Emitter *e, DiffObject *fk)
{
	DiffObject *k;
	char	   *key;

	if (fk->refkey == NULL)
	{
		DiffObject *r = rel(e->from, fk->reftable);

		return r != NULL && r->keys_changed ? r : NULL;
	}
	key = diff_subkey(fk->reftable, fk->refkey);
	k = diff_lookup(e->from, DK_CONSTRAINT, key);
	if (k == NULL)
		k = diff_lookup(e->from, DK_INDEX, key);
	return k != NULL && k->keys_changed ? k : NULL;
}

/*
 * A sub-object is recreated regardless of its definition when something it
 * hangs on changes under it.
 */
static bool
sub_forced(Emitter *e, DiffObject *f)
{
	DiffObject *r;

	if (f->kind == DK_CONSTRAINT && f->subkind == 'f' && f->reftable)
	{
		r = rel(e->from, f->reftable);
		return r == NULL || rel_goes(r) || fk_key_changed(e, f) != NULL;
	}
	if (f->kind == DK_TRIGGER || f->kind == DK_POLICY)
	{
		r = rel(e->from, f->table);
		return r != NULL && r->touched;
	}
	return false;
}

static void
diff_sub(Emitter *e, DiffObject *f, DiffObject *t)
{
	DiffObject *pf = f ? rel(e->from, f->table) : NULL;
	DiffObject *pt = t ? rel(e->to, t->table) : NULL;
	bool		fgoes = f && (pf == NULL || rel_goes(pf));
	bool		tfresh = t && (pt == NULL || rel_comes(pt));

	/* foreign keys between dropped tables: drop them first */
	if (f && fgoes && f->kind == DK_CONSTRAINT && f->subkind == 'f' &&
		!streq(f->reftable, f->table) && pf && !pf->implicit)
		drop_sub(e, f);

	if (f && t && !fgoes && !tfresh)
	{
		if (streq(f->def, t->def) && !sub_forced(e, f))
		{
			diff_comment(e, f, t, false);
			return;
		}
		if (streq(f->def, t->def) && f->kind == DK_CONSTRAINT &&
			f->subkind == 'f' && fk_key_changed(e, f) != NULL)
		{
			DiffObject *k = fk_key_changed(e, f);

			appendStringInfo(&e->ph[PH_DROP_FKEYS],
							 "-- foreign key %s on %s is unchanged: it is dropped and added again because %s, which it relies on, is re-created\n",
							 quote_identifier(f->name),
							 quote_identifier(f->table),
							 k->kind == DK_RELATION ?
							 psprintf("a key of table %s", quote_identifier(k->name)) :
							 psprintf("%s %s on %s",
									  k->kind == DK_INDEX ? "unique index" : "key",
									  quote_identifier(k->name),
									  quote_identifier(k->table)));
		}
		drop_sub(e, f);
		create_sub(e, t);
		change(e, false, "replace %s %s on %s", sub_word(t),
			   quote_identifier(t->name), quote_identifier(t->table));
		return;
	}
	if (f && !fgoes)
	{
		drop_sub(e, f);
		change(e, false, "drop %s %s on %s", sub_word(f),
			   quote_identifier(f->name), quote_identifier(f->table));
	}
	if (t)
	{
		create_sub(e, t);
		if (!tfresh)
			change(e, false, "create %s %s on %s", sub_word(t),
				   quote_identifier(t->name), quote_identifier(t->table));
	}
}

/* keys foreign keys may rely on: primary keys, unique constraints, indexes */
static void
mark_keys(Emitter *e, DiffObject *f, DiffObject *t)
{
	DiffObject *pf;

	if (f == NULL)
		return;
	if (f->kind == DK_CONSTRAINT && f->subkind != 'p' && f->subkind != 'u')
		return;
	if (f->kind == DK_INDEX && strncmp(f->def, "CREATE UNIQUE", 13) != 0)
		return;
	if (t != NULL && streq(f->def, t->def))
		return;
	f->keys_changed = true;
	pf = rel(e->from, f->table);
	if (pf)
		pf->keys_changed = true;
}


static void
diff_sub_nonfk(Emitter *e, DiffObject *f, DiffObject *t)
{
	if ((f && f->subkind == 'f') || (t && t->subkind == 'f'))
		return;
	diff_sub(e, f, t);
}

static void
diff_sub_fk(Emitter *e, DiffObject *f, DiffObject *t)
{
	if ((f && f->subkind != 'f') || (t && t->subkind != 'f'))
	{
		/* a constraint that changes kind: handled by diff_sub_nonfk */
		if (f && t && (f->subkind == 'f') != (t->subkind == 'f'))
			return;
		if (!(f && f->subkind == 'f') && !(t && t->subkind == 'f'))
			return;
	}
	diff_sub(e, f, t);
}

/* ---------- the whole diff ---------- */

static void
reset_state(DiffModel *m)
{
	int			k,
				i;

	for (k = 0; k < DK_NKINDS; k++)
		for (i = 0; i < m->n[k]; i++)
		{
			DiffObject *o = m->v[k][i];
			ListCell   *lc;

			o->state = DIFF_SAME;
			o->implicit = o->touched = o->keys_changed = o->visited = false;
			foreach(lc, o->columns)
				((DiffColumn *) lfirst(lc))->dropped = false;
		}
}

static char *
diff_one(DiffModel *from, DiffModel *to, const char *target, bool ownership,
		 bool strict, bool downgrade, List *renames, List **changes,
		 List **destructive)
{
	Emitter		e;
	StringInfoData out;
	ListCell   *lc;
	bool		again = true;
	int			i;

	memset(&e, 0, sizeof(e));
	e.from = from;
	e.to = to;
	e.qs = quote_identifier(target);
	e.ownership = ownership;
	e.downgrade = downgrade;
	e.strict = strict;
	for (i = 0; i < PH_N; i++)
		initStringInfo(&e.ph[i]);
	reset_state(from);
	reset_state(to);

	/* declared renames: first in an upgrade, last (reversed) in a downgrade */
	foreach(lc, renames)
	{
		emit(&e, downgrade ? PH_UNRENAMES : PH_RENAMES, "%s",
			 (char *) lfirst(lc));
		change(&e, false, "%s", (char *) lfirst(lc));
	}
	merge(&e, DK_EXTENSION, diff_extension);
	merge(&e, DK_RELATION, relation_state);
	/* partitions of dropped or re-created tables go with them */
	while (again)
	{
		again = false;
		for (i = 0; i < from->n[DK_RELATION]; i++)
		{
			DiffObject *f = from->v[DK_RELATION][i];
			DiffObject *p = f->parent ? rel(from, f->parent) : NULL;

			if (p && rel_goes(p) && !f->implicit)
			{
				DiffObject *t = rel(to, f->name);

				f->implicit = true;
				if (f->state != DIFF_GONE)
				{
					f->state = DIFF_RECREATE;
					if (t)
						t->state = DIFF_RECREATE;
				}
				again = true;
			}
		}
	}
	merge(&e, DK_RELATION, relation_columns);
	merge(&e, DK_TYPE, diff_type);
	merge(&e, DK_SEQUENCE, diff_sequence);
	merge(&e, DK_FUNCTION, diff_function);
	emit_views(&e);
	merge(&e, DK_RELATION, relation_emit);
	emit_partitions(&e);
	merge(&e, DK_CONSTRAINT, mark_keys);
	merge(&e, DK_INDEX, mark_keys);
	merge(&e, DK_CONSTRAINT, diff_sub_nonfk);
	merge(&e, DK_INDEX, diff_sub);
	merge(&e, DK_CONSTRAINT, diff_sub_fk);
	merge(&e, DK_TRIGGER, diff_sub);
	merge(&e, DK_POLICY, diff_sub);
	merge(&e, DK_TYPE, diff_owner);
	merge(&e, DK_SEQUENCE, diff_owner);
	merge(&e, DK_FUNCTION, diff_owner);
	merge(&e, DK_RELATION, diff_owner);

	*changes = e.changes;
	*destructive = e.destructive;
	if (e.nstmts == 0)
		return NULL;

	initStringInfo(&out);
	appendStringInfo(&out, "-- generated by migrate: %d change%s\n",
					 list_length(e.changes), list_length(e.changes) == 1 ? "" : "s");
	if (e.destructive != NIL)
	{
		appendStringInfoString(&out, "-- DESTRUCTIVE CHANGES (data may be lost):\n");
		foreach(lc, e.destructive)
			appendStringInfo(&out, "--   %s\n", (char *) lfirst(lc));
	}
	/* pg_temp last: a session's temporary types never capture the script's */
	appendStringInfo(&out, "SET LOCAL search_path = %s, pg_temp;\n", e.qs);
	appendStringInfoString(&out, "SET LOCAL check_function_bodies = off;\n");
	for (i = 0; i < PH_N; i++)
		appendBinaryStringInfo(&out, e.ph[i].data, e.ph[i].len);
	return out.data;
}

DiffResult *
diff_models(DiffModel *from, DiffModel *to, const char *target,
			bool ownership, bool strict, List *renames_up,
			List *renames_down)
{
	DiffResult *r = palloc0(sizeof(DiffResult));
	List	   *dchanges,
			   *ddestructive;

	r->upgrade = diff_one(from, to, target, ownership, strict, false,
						  renames_up, &r->differences, &r->destructive);
	r->downgrade = diff_one(to, from, target, ownership, strict, true,
							renames_down, &dchanges, &ddestructive);
	r->nchanges = list_length(r->differences);
	return r;
}

/* ---------- SQL-callable functions ---------- */

/*
 * Diff schema (read now) against want, through the renames want declares.
 * generating: the scripts are meant to run, so warn about likely renames
 * that were not declared and refuse a script known to fail on data.
 */
static DiffResult *
diff_against(DiffModel *want, const char *schema, bool ownership,
			 bool generating)
{
	DiffModel  *cur = diff_read_schema(schema, CurrentMemoryContext);
	List	   *decls = diff_collect_renames(want);
	List	   *up = NIL,
			   *down = NIL;

	if (decls != NIL)
		cur = diff_apply_renames(cur, decls, schema, CurrentMemoryContext,
								 &up, &down);
	if (generating)
		diff_warn_likely_renames(cur, want);
	return diff_models(cur, want, schema, ownership, generating, up, down);
}

static char *
join_lines(List *l, const char *prefix)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, l)
		appendStringInfo(&buf, "%s%s%s", buf.len > 0 ? "\n" : "", prefix,
						 (char *) lfirst(lc));
	return buf.data;
}

static void
warn_destructive(DiffResult *r)
{
	if (r->destructive == NIL)
		return;
	ereport(WARNING,
			(errcode(ERRCODE_WARNING),
			 errmsg("upgrade script contains %d destructive change%s",
					list_length(r->destructive),
					list_length(r->destructive) == 1 ? "" : "s"),
			 errdetail("%s", join_lines(r->destructive, "")),
			 errhint("Review the script before applying it: data in these objects may be lost.")));
}

static void
require_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", name)));
}

/*
 * The optional last argument "ownership" of the 1.2 signatures; the 1.0
 * signatures (the same C functions under their old symbols) lack it.
 */
static bool
ownership_arg(FunctionCallInfo fcinfo, int n)
{
	if (PG_NARGS() <= n)
		return false;
	require_arg(fcinfo, n, "ownership");
	return PG_GETARG_BOOL(n);
}

PG_FUNCTION_INFO_V1(migrate_diff_1_2);

Datum
migrate_diff_1_2(PG_FUNCTION_ARGS)
{
	return migrate_diff(fcinfo);
}

Datum
migrate_diff(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *from_schema;
	char	   *to_schema;
	bool		ownership;
	DiffModel  *to;
	DiffResult *r;

	require_arg(fcinfo, 0, "from_schema");
	require_arg(fcinfo, 1, "to_schema");
	from_schema = text_to_cstring(PG_GETARG_TEXT_PP(0));
	to_schema = text_to_cstring(PG_GETARG_TEXT_PP(1));
	ownership = ownership_arg(fcinfo, 2);

	InitMaterializedSRF(fcinfo, 0);
	to = diff_read_schema(to_schema, CurrentMemoryContext);
	r = diff_against(to, from_schema, ownership, true);
	if (r->upgrade == NULL)
	{
		ereport(NOTICE,
				(errmsg("no changes in schema detected")));
		PG_RETURN_NULL();
	}
	warn_destructive(r);
	migrate_lint_report(r->upgrade);	/* lint.c */
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(r->upgrade);
		if (r->downgrade)
			values[1] = CStringGetTextDatum(r->downgrade);
		else
			nulls[1] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_NULL();
}

/*
 * Register through the core's migrate_revision(), as a user would.  The
 * extension's schema is looked up in pg_extension: get_extension_schema()
 * is only exported from PostgreSQL 16 on.
 */
static char *
register_revision(const char *message, const char *upgrade,
				  const char *downgrade)
{
	Oid			argtypes[3] = {TEXTOID, TEXTOID, TEXTOID};
	Datum		values[3];
	char		nulls[3] = {' ', ' ', ' '};
	char	   *nsp;
	char	   *result;
	MemoryContext caller = CurrentMemoryContext;
	int			ret;

	(void) get_extension_oid("migrate", false);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute("SELECT n.nspname FROM pg_catalog.pg_extension e "
					  "JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace "
					  "WHERE e.extname OPERATOR(pg_catalog.=) 'migrate'",
					  true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not find the schema of extension \"migrate\"");
	nsp = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	values[0] = CStringGetTextDatum(message);
	values[1] = CStringGetTextDatum(upgrade);
	if (downgrade)
		values[2] = CStringGetTextDatum(downgrade);
	else
		nulls[2] = 'n';
	ret = SPI_execute_with_args(psprintf("SELECT %s.migrate_revision(message => $1, "
										 "upgrade => $2, downgrade => $3)",
										 quote_identifier(nsp)),
								3, argtypes, values, nulls, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "migrate_revision() failed: %s", SPI_result_code_string(ret));
	{
		MemoryContext old = MemoryContextSwitchTo(caller);

		result = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return result;
}

PG_FUNCTION_INFO_V1(migrate_autogenerate_1_2);

Datum
migrate_autogenerate_1_2(PG_FUNCTION_ARGS)
{
	return migrate_autogenerate(fcinfo);
}

Datum
migrate_autogenerate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *message;
	char	   *desired;
	char	   *schema;
	bool		doregister;
	bool		ownership;
	DiffModel  *want;
	DiffResult *r;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	require_arg(fcinfo, 0, "message");
	require_arg(fcinfo, 1, "desired");
	require_arg(fcinfo, 2, "schema");
	require_arg(fcinfo, 3, "register");
	message = text_to_cstring(PG_GETARG_TEXT_PP(0));
	desired = text_to_cstring(PG_GETARG_TEXT_PP(1));
	schema = text_to_cstring(PG_GETARG_TEXT_PP(2));
	doregister = PG_GETARG_BOOL(3);
	ownership = ownership_arg(fcinfo, 4);

	InitMaterializedSRF(fcinfo, 0);
	want = shadow_read_desired(desired, schema, CurrentMemoryContext,
							   ownership);
	r = diff_against(want, schema, ownership, true);
	if (r->upgrade == NULL)
	{
		ereport(NOTICE,
				(errmsg("no changes in schema detected"),
				 errdetail("Schema \"%s\" already matches the desired schema; no revision was registered.",
						   schema)));
		PG_RETURN_NULL();
	}
	warn_destructive(r);
	migrate_lint_report(r->upgrade);	/* lint.c */
	if (doregister)
	{
		values[0] = CStringGetTextDatum(register_revision(message, r->upgrade,
														  r->downgrade));
	}
	else
		nulls[0] = true;
	values[1] = CStringGetTextDatum(r->upgrade);
	if (r->downgrade)
		values[2] = CStringGetTextDatum(r->downgrade);
	else
		nulls[2] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	PG_RETURN_NULL();
}

/*
 * For the core's migrate_check(desired, schema): the differences between
 * the schema and the desired DDL, one per line, or NULL when they agree.
 */
char *
migrate_diff_against_desired(const char *desired, const char *schema,
							 int *ndifferences)
{
	DiffModel  *want;
	DiffResult *r;

	want = shadow_read_desired(desired, schema, CurrentMemoryContext, false);
	r = diff_against(want, schema, false, false);
	*ndifferences = r->upgrade ? Max(list_length(r->differences), 1) : 0;
	if (r->upgrade == NULL)
		return NULL;
	if (r->differences == NIL)
		return pstrdup("the schema differs from the desired schema");
	return join_lines(r->differences, "");
}
