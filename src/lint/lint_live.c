/*-------------------------------------------------------------------------
 *
 * lint_live.c
 *	  What only the server knows about a statement's relation: its size, its
 *	  row estimate, and the sessions holding locks it would queue behind.
 *
 * A rule says a statement rewrites a table; whether that is a millisecond
 * or an outage depends on the table.  These helpers read the size with
 * pg_relation_size()/pg_total_relation_size(), the row estimate from
 * pg_class.reltuples, and the granted locks of other sessions from
 * pg_locks joined with pg_stat_activity (read once per lint run).
 *
 * Sizes need an ACCESS SHARE lock on the relation.  The lint takes it only
 * if it is free at once (ConditionalLockRelationOid): waiting behind a
 * migration that holds ACCESS EXCLUSIVE would make the lint itself queue
 * ahead of the application's queries, the very thing it warns about.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/syscache.h"

#include "lint.h"
#include "migrate.h"

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

/*
 * Is there a validated CHECK (column IS NOT NULL) on the relation?  Then
 * SET NOT NULL uses it instead of scanning (PostgreSQL 12 and later).  The
 * test is on the constraint's text, as pg_get_constraintdef() prints it.
 */
bool
lint_live_has_not_null_check(Oid relid, const char *column)
{
	Oid			types[2] = {OIDOID, TEXTOID};
	Datum		values[2];
	bool		found;

	values[0] = ObjectIdGetDatum(relid);
	values[1] = CStringGetTextDatum(psprintf("CHECK ((%s IS NOT NULL))",
											 quote_identifier(column)));
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT 1 FROM pg_catalog.pg_constraint"
					 " WHERE conrelid OPERATOR(pg_catalog.=) $1"
					 " AND contype OPERATOR(pg_catalog.=) 'c' AND convalidated"
					 " AND pg_catalog.pg_get_constraintdef(oid) OPERATOR(pg_catalog.=) $2",
					 2, types, values, NULL);
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

static LOCKMODE
lock_mode_from_name(const char *name)
{
	for (LOCKMODE m = AccessShareLock; m <= AccessExclusiveLock; m++)
		if (strcmp(GetLockmodeName(DEFAULT_LOCKMETHOD, m), name) == 0)
			return m;
	return NoLock;
}

/* Other sessions' granted relation locks in this database, read once */
static void
load_holders(LintState *ls)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(MyDatabaseId)};

	ls->holders_loaded = true;
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT l.relation, l.pid, l.mode, a.state,"
					 " pg_catalog.date_trunc('second', pg_catalog.now() OPERATOR(pg_catalog.-) a.xact_start)::pg_catalog.text"
					 " FROM pg_catalog.pg_locks l"
					 " LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid"
					 " WHERE l.locktype OPERATOR(pg_catalog.=) 'relation'"
					 " AND l.database OPERATOR(pg_catalog.=) $1 AND l.granted"
					 " AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()"
					 " ORDER BY a.xact_start NULLS LAST, l.pid",
					 1, types, values, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		MemoryContext spicxt = MemoryContextSwitchTo(cxt);
		LintHolder *h = palloc0(sizeof(LintHolder));
		bool		isnull;

		h->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		h->pid = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		h->mode = lock_mode_from_name(SPI_getvalue(tup, desc, 3));
		h->state = SPI_getvalue(tup, desc, 4);
		h->age = SPI_getvalue(tup, desc, 5);
		ls->holders = lappend(ls->holders, h);
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
}

/*
 * Report the sessions holding a lock on rel that conflicts with lockmode:
 * the statement would wait for them, and while it waits every new query on
 * the relation waits behind it.
 */
void
lint_live_blockers(LintState *ls, LOCKMODE lockmode, const RangeVar *rel)
{
	Oid			relid = lint_live_relid(rel);
	LintHolder *first = NULL;
	int			more = 0;
	ListCell   *lc;

	if (!OidIsValid(relid) || lockmode == NoLock)
		return;
	if (!ls->holders_loaded)
		load_holders(ls);
	foreach(lc, ls->holders)
	{
		LintHolder *h = lfirst(lc);

		if (h->relid != relid || h->mode == NoLock ||
			!DoLockModesConflict(lockmode, h->mode))
			continue;
		if (first == NULL)
			first = h;
		else
			more++;
	}
	if (first == NULL)
		return;
	lint_report(ls, "blocked-by-transaction", LINT_WARNING, lockmode, rel, -1,
				psprintf("the statement's %s would wait for process %d (%s, transaction open for %s), which holds %s on %s%s; while it waits, every new query on the table queues behind it",
						 GetLockmodeName(DEFAULT_LOCKMETHOD, lockmode),
						 first->pid, first->state ? first->state : "state not visible",
						 first->age ? first->age : "an unknown time",
						 GetLockmodeName(DEFAULT_LOCKMETHOD, first->mode),
						 quote_qualified_identifier(rel->schemaname, rel->relname),
						 more > 0 ? psprintf(", and %d more session%s hold conflicting locks", more, more > 1 ? "s" : "") : ""),
				"Run the migration when that transaction has ended, or end it with pg_terminate_backend(); \"migrate.lock_timeout\" makes the runner give up and retry instead of queuing.");
}
