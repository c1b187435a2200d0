/*-------------------------------------------------------------------------
 *
 * lint_report.c
 *	  Recording lint findings: suppression, the size of the live relation a
 *	  finding is on, migrate.lint_small_table; and the small helpers on
 *	  names and types every rule uses.
 *
 * A rule says a statement rewrites a table; whether that is a millisecond
 * or an outage depends on the table, so each finding on an existing
 * relation carries its size (pg_relation_size()/pg_total_relation_size())
 * and row estimate (pg_class.reltuples).  Sizes need an ACCESS SHARE lock
 * on the relation, which the lint takes only if it is free at once
 * (ConditionalLockRelationOid): waiting behind a migration that holds
 * ACCESS EXCLUSIVE would make the lint itself queue ahead of the
 * application's queries, the very thing it warns about.
 *
 * Layer: lint, the bottom of it: the rules (lint_rules.c, lint_alter.c)
 * and the live lock checks (lint_live.c) call it and it calls none of
 * them.  These functions were in lint_rules.c and lint_live.c, which made
 * the lint files call each other in a loop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "storage/lmgr.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/syscache.h"

#include "lint.h"

int			migrate_lint_small_table = 0;

const char *
lint_relname(const RangeVar *rel)
{
	if (rel == NULL)
		return NULL;
	return quote_qualified_identifier(rel->schemaname, rel->relname);
}

bool
lint_name_matches(const LintName *n, const char *schema, const char *name)
{
	if (strcmp(n->name, name) != 0)
		return false;
	return n->schema == NULL || schema == NULL || strcmp(n->schema, schema) == 0;
}

bool
lint_created_in_plan(LintState *ls, const RangeVar *rel)
{
	ListCell   *lc;

	if (rel == NULL)
		return false;
	foreach(lc, ls->created)
		if (lint_name_matches(lfirst(lc), rel->schemaname, rel->relname))
			return true;
	return false;
}

static bool
ignored(List *ignores, const char *rule)
{
	ListCell   *lc;

	foreach(lc, ignores)
	{
		const char *r = lfirst(lc);

		if (strcmp(r, "*") == 0 || strcmp(r, rule) == 0)
			return true;
	}
	return false;
}

/*
 * Rules whose harm grows with the table: the lock lasts as long as the scan,
 * rewrite or build.  Renames, drops, key types and lock queues do not shrink
 * with the table.
 */
static bool
size_bound(const char *rule)
{
	static const char *const rules[] = {
		"adding-field-with-volatile-default", "changing-column-type",
		"varchar-narrowing", "adding-foreign-key-constraint",
		"constraint-missing-not-valid", "setting-not-null",
		"require-concurrent-index-creation", "adding-unique-constraint",
		"vacuum-full", "cluster", "reindex-without-concurrently",
		"constraint-validated-in-same-transaction"
	};

	for (int i = 0; i < lengthof(rules); i++)
		if (strcmp(rules[i], rule) == 0)
			return true;
	return false;
}

/*
 * Record one finding, unless a comment suppresses it.  A finding on a live
 * relation says how big it is: that is what turns a rule into a decision.
 * may_shrink: the lock lasts as long as the work on rel, so a small rel
 * makes it short (migrate.lint_small_table).
 */
static void
record_finding(LintState *ls, const char *rule, LintSeverity sev,
			   LOCKMODE lockmode, const RangeVar *rel, int rewrites,
			   const char *message, const char *hint, bool may_shrink)
{
	LintFinding *f;

	if (ignored(ls->ignores, rule) || ignored(ls->file_ignores, rule))
		return;
	f = palloc0(sizeof(LintFinding));
	f->revision = ls->revision;
	f->statement = ls->statement;
	f->line = ls->line;
	f->rule = rule;
	f->severity = sev;
	f->lockmode = lockmode;
	f->relation = (char *) lint_relname(rel);
	f->created_in_plan = lint_created_in_plan(ls, rel);
	f->relid = (rel && !f->created_in_plan) ? lint_live_relid(rel) : InvalidOid;
	f->rewrites = rewrites;
	lint_live_sizes(f->relid, &f->have_size, &f->size, &f->total,
					&f->have_rows, &f->rows);
	if (may_shrink && f->have_size &&
		f->total < (int64) migrate_lint_small_table * 1024 &&
		f->severity > LINT_INFO && size_bound(rule))
	{
		/* a long lock on a tiny table is a short one */
		f->severity = LINT_INFO;
		f->message = psprintf("%s (%s: %s, under \"migrate.lint_small_table\")",
							  message, f->relation, lint_live_summary(f));
	}
	else if (OidIsValid(f->relid))
		f->message = psprintf("%s (%s: %s)", message, f->relation,
							  lint_live_summary(f));
	else
		f->message = pstrdup(message);
	f->hint = hint ? pstrdup(hint) : NULL;
	ls->findings = lappend(ls->findings, f);
}

void
lint_report(LintState *ls, const char *rule, LintSeverity sev,
			LOCKMODE lockmode, const RangeVar *rel, int rewrites,
			const char *message, const char *hint)
{
	record_finding(ls, rule, sev, lockmode, rel, rewrites, message, hint,
				   true);
}

/*
 * A finding about a lock on rel that lasts as long as work on another
 * relation: rel's own size does not make it short.
 */
void
lint_report_held(LintState *ls, const char *rule, LintSeverity sev,
				 LOCKMODE lockmode, const RangeVar *rel, const char *message,
				 const char *hint)
{
	record_finding(ls, rule, sev, lockmode, rel, 0, message, hint, false);
}

/* "statement 3", or "revision \"r1\", statement 3" for another revision */
char *
lint_where(LintState *ls, const char *revision, int statement)
{
	if (revision == NULL ||
		(ls->revision && strcmp(revision, ls->revision) == 0))
		return psprintf("statement %d", statement);
	return psprintf("revision \"%s\", statement %d", revision, statement);
}

Oid
lint_live_relid(const RangeVar *rel)
{
	if (rel == NULL)
		return InvalidOid;
	return RangeVarGetRelid(rel, NoLock, true);
}

/*
 * The relation's sizes and row estimate.  have_size is false when another
 * session holds a lock that keeps us from reading them without waiting;
 * have_rows is false when the relation has never been analyzed.
 */
void
lint_live_sizes(Oid relid, bool *have_size, int64 *size, int64 *total,
				bool *have_rows, int64 *rows)
{
	HeapTuple	tup;

	*have_size = false;
	*have_rows = false;
	if (!OidIsValid(relid) ||
		!ConditionalLockRelationOid(relid, AccessShareLock))
		return;
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return;					/* dropped before we locked it */
	if (((Form_pg_class) GETSTRUCT(tup))->reltuples >= 0)
	{
		*have_rows = true;
		*rows = (int64) ((Form_pg_class) GETSTRUCT(tup))->reltuples;
	}
	ReleaseSysCache(tup);
	*size = DatumGetInt64(DirectFunctionCall2(pg_relation_size,
											  ObjectIdGetDatum(relid),
											  CStringGetTextDatum("main")));
	*total = DatumGetInt64(DirectFunctionCall1(pg_total_relation_size,
											   ObjectIdGetDatum(relid)));
	*have_size = true;
}

static char *
rows_text(int64 rows)
{
	if (rows < 10000)
		return psprintf(INT64_FORMAT " rows", rows);
	if (rows < 10000000)
		return psprintf("%.0f k rows", rows / 1e3);
	if (rows < INT64CONST(10000000000))
		return psprintf("%.0f M rows", rows / 1e6);
	return psprintf("%.1f G rows", rows / 1e9);
}

/* "48 GB, about 310 M rows", for messages */
char *
lint_live_summary(const LintFinding *f)
{
	char	   *sz;

	if (!f->have_size)
		return pstrdup("size not known: another session holds or awaits an ACCESS EXCLUSIVE lock on it");
	sz = text_to_cstring(DatumGetTextPP(DirectFunctionCall1(pg_size_pretty,
															Int64GetDatum(f->total))));
	if (!f->have_rows)
		return psprintf("%s, never analyzed", sz);
	return psprintf("%s, about %s", sz, rows_text(f->rows));
}

/* ---- types ---- */

const char *
lint_type_last_name(const TypeName *tn)
{
	if (tn == NULL || tn->names == NIL)
		return "";
	return strVal(llast(tn->names));
}

/* The SQL name of a 2- or 4-byte integer type, or NULL */
const char *
lint_small_int_type(const TypeName *tn)
{
	const char *n = lint_type_last_name(tn);

	if (tn == NULL || tn->arrayBounds != NIL)
		return NULL;
	if (strcmp(n, "int4") == 0 || strcmp(n, "integer") == 0 ||
		strcmp(n, "int") == 0)
		return "integer";
	if (strcmp(n, "int2") == 0 || strcmp(n, "smallint") == 0)
		return "smallint";
	if (list_length(tn->names) == 1 &&
		(strcmp(n, "serial") == 0 || strcmp(n, "serial4") == 0))
		return "serial";
	if (list_length(tn->names) == 1 &&
		(strcmp(n, "smallserial") == 0 || strcmp(n, "serial2") == 0))
		return "smallserial";
	return NULL;
}

void
lint_report_int_pk(LintState *ls, const RangeVar *rel, const char *col,
			  const char *type)
{
	lint_report(ls, "int-primary-key", LINT_WARNING, NoLock, rel, 0,
				psprintf("primary key column \"%s\" of %s is %s: it runs out of values, and widening it later rewrites the table and every table referencing it",
						 col, lint_relname(rel), type),
				"Use bigint, or bigint GENERATED ALWAYS AS IDENTITY instead of serial.");
}

/* A lock mode as LOCK TABLE spells it: "SHARE ROW EXCLUSIVE" */
const char *
lint_lock_sql_name(LOCKMODE mode)
{
	static const char *const names[] = {
		"", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE",
		"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE",
		"EXCLUSIVE", "ACCESS EXCLUSIVE"
	};

	return mode > 0 && mode < lengthof(names) ? names[mode] : "";
}
