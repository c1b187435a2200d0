/*-------------------------------------------------------------------------
 *
 * lint_live.c
 *	  What only the server knows about a statement's locks: the sessions
 *	  holding locks it would queue behind, whether it runs under a
 *	  lock_timeout, and whether a validated NOT NULL check spares a scan.
 *
 * The granted locks of other sessions come from pg_locks joined with
 * pg_stat_activity, read once per lint run; autovacuum
 * workers, which yield, left out.  (The sizes and row estimates
 * a finding carries are read where findings are recorded, lint_report.c.)
 *
 * Layer: lint, above lint_report.c (it records its findings there) and
 * below the rules (lint_rules.c, lint_alter.c), which call it.
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

#include "catalog.h"
#include "lint.h"
#include "locks.h"

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

/*
 * Other sessions' granted relation locks in this database, read once.
 * Autovacuum workers are left out: the deadlock detector cancels one whose
 * lock blocks another request (ProcSleep() after deadlock_timeout), so a
 * statement queues behind it for about a second, not for the vacuum.  One
 * that prevents wraparound is not cancelled and stays in (its query says
 * so; a caller who may not read it sees "<insufficient privilege>" and the
 * worker is taken to yield).
 */
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
					 " AND NOT COALESCE(a.backend_type OPERATOR(pg_catalog.=) 'autovacuum worker'"
					 " AND a.query OPERATOR(pg_catalog.!~~) '%(to prevent wraparound)', false)"
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

/*
 * Checks every statement that locks an existing relation gets: is it run
 * under a lock_timeout, and is someone holding a lock it would wait for.
 */
void
lint_lock_checks(LintState *ls, LOCKMODE lockmode, const RangeVar *rel)
{
	if (rel == NULL || lockmode == NoLock || lint_created_in_plan(ls, rel))
		return;
	if (lockmode == AccessExclusiveLock && migrate_lock_timeout <= 0 &&
		!ls->lock_timeout_set && !ls->lock_timeout_reported)
	{
		lint_report(ls, "missing-lock-timeout", LINT_WARNING, lockmode, rel, -1,
					psprintf("statement waits for an ACCESS EXCLUSIVE lock on %s without a lock_timeout: while it waits, every query on the table queues behind it",
							 lint_relname(rel)),
					"Set \"migrate.lock_timeout\" (the runner then gives up and retries), or begin the script with SET lock_timeout = '5s'.");
		ls->lock_timeout_reported = true;
	}
	if (!ls->skip_live_locks)
		lint_live_blockers(ls, lockmode, rel);
}
