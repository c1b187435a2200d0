/*-------------------------------------------------------------------------
 *
 * lint_measure.c
 *	  migrate_lint_measure(): run the pending plan for real, statement by
 *	  statement, record the locks each statement took and the relations
 *	  whose storage it rewrote, then roll everything back.
 *
 * The lint predicts; this measures, on a staging copy of production.  The
 * scripts run exactly as migrate_upgrade() runs them (as the calling user,
 * under migrate.lock_timeout, inside one subtransaction, serialized with
 * real runs by the runner lock), and before and after each statement the
 * backend's own relation locks are read from pg_locks (our pid only).  A
 * lock mode that appears is one the statement took.  Locks last until the
 * transaction ends, so a statement asking again for a lock an earlier
 * statement already holds shows no new lock: that is what really happens.
 * A relation whose relfilenode changed was rewritten: every relation's
 * relfilenode is read once before the run, and the relations the run locks
 * are re-read after each statement (nothing can rewrite a relation without
 * locking it).
 *
 * Layer: lint (src/lint/), above run/ (exec.c's plan, script.c's statement
 * hook) and catalog/; it calls no other lint file, and api/funcs.c calls
 * it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "compat.h"
#include "dirty.h"
#include "exec.h"
#include "lint.h"
#include "locks.h"
#include "script.h"

PG_FUNCTION_INFO_V1(migrate_lint_measure);

typedef struct MeasureRel
{
	Oid			relid;			/* hash key */
	Oid			relfilenode;	/* as last seen */
	LOCKMASK	held;			/* modes this backend holds */
	char	   *name;
} MeasureRel;

typedef struct MeasureCtx
{
	HTAB	   *rels;
	Tuplestorestate *out;
	TupleDesc	desc;
	const char *revision;
	int			statement;
	int			line;
	MemoryContext cxt;			/* survives the subtransaction */
	StringInfo	notice;			/* dry run: what this statement did */
} MeasureCtx;

/* relfilenode of every relation, before anything runs */
static void
snapshot_relations(MeasureCtx *mc)
{
	HASHCTL		ctl = {0};

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(MeasureRel);
	ctl.hcxt = mc->cxt;
	mc->rels = hash_create("migrate measured relations", 1024, &ctl,
						   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT c.oid, c.relfilenode,"
					 " pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname)"
					 " FROM pg_catalog.pg_class c"
					 " JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
					 " WHERE c.relfilenode OPERATOR(pg_catalog.<>) 0"
					 " AND n.nspname OPERATOR(pg_catalog.<>) ALL ("
					 "'{pg_catalog,information_schema,pg_toast}'::pg_catalog.name[])",
					 0, NULL, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Oid			relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc, 1, &isnull));
		MeasureRel *r = hash_search(mc->rels, &relid, HASH_ENTER, NULL);

		r->relfilenode = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[i],
														SPI_tuptable->tupdesc, 2, &isnull));
		r->held = 0;
		r->name = MemoryContextStrdup(mc->cxt,
									  SPI_getvalue(SPI_tuptable->vals[i],
												   SPI_tuptable->tupdesc, 3));
	}
	SPI_finish();
}

static void
put_row(MeasureCtx *mc, const char *name, LOCKMODE mode, bool rewritten)
{
	Datum		values[6];
	bool		nulls[6] = {0};

	if (mc->notice != NULL)
	{
		if (mc->notice->len > 0)
			appendStringInfoString(mc->notice, ", ");
		if (mode != NoLock)
			appendStringInfo(mc->notice, "%s on %s",
							 GetLockmodeName(DEFAULT_LOCKMETHOD, mode), name);
		if (mode != NoLock && rewritten)
			appendStringInfoString(mc->notice, " (rewritten)");
		else if (rewritten)
			appendStringInfo(mc->notice, "rewrote %s", name);
		return;
	}

	values[0] = CStringGetTextDatum(mc->revision);
	values[1] = Int32GetDatum(mc->statement);
	values[2] = Int32GetDatum(mc->line);
	values[3] = CStringGetTextDatum(name);
	nulls[4] = mode == NoLock;
	if (mode != NoLock)
		values[4] = CStringGetTextDatum(GetLockmodeName(DEFAULT_LOCKMETHOD, mode));
	values[5] = BoolGetDatum(rewritten);
	tuplestore_putvalues(mc->out, mc->desc, values, nulls);
}

/*
 * Our relation locks now, outside the system schemas (the catalog updates
 * of any DDL and our own queries lock those), compared with what we held.
 */
static void
record_statement(MeasureCtx *mc)
{
	Oid			types[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(MyDatabaseId)};

	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT l.relation, l.mode, c.relfilenode,"
					 " pg_catalog.quote_ident(n.nspname) OPERATOR(pg_catalog.||) '.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname)"
					 " FROM pg_catalog.pg_locks l"
					 " LEFT JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) l.relation"
					 " LEFT JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace"
					 " WHERE l.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid()"
					 " AND l.locktype OPERATOR(pg_catalog.=) 'relation'"
					 " AND l.database OPERATOR(pg_catalog.=) $1"
					 " AND (n.nspname IS NULL OR n.nspname OPERATOR(pg_catalog.<>) ALL ("
					 "'{pg_catalog,information_schema,pg_toast,migrate}'::pg_catalog.name[]))"
					 " ORDER BY 4, 2",
					 1, types, values, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull,
					nonode,
					found;
		Oid			relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		char	   *modename = SPI_getvalue(tup, desc, 2);
		Oid			node = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &nonode));
		char	   *name = SPI_getvalue(tup, desc, 4);
		MeasureRel *r = hash_search(mc->rels, &relid, HASH_ENTER, &found);
		LOCKMODE	mode = NoLock;
		bool		rewritten = false;

		if (!found)
		{
			r->relfilenode = nonode ? InvalidOid : node;
			r->held = 0;
			r->name = NULL;
		}
		if (name && r->name == NULL)
			r->name = MemoryContextStrdup(mc->cxt, name);
		if (r->name == NULL)
			continue;			/* a transient heap a rewrite made and dropped */
		for (LOCKMODE m = AccessShareLock; m <= AccessExclusiveLock; m++)
			if (strcmp(GetLockmodeName(DEFAULT_LOCKMETHOD, m), modename) == 0)
				mode = m;
		if (mode == NoLock || (r->held & LOCKBIT_ON(mode)))
			mode = NoLock;
		else
			r->held |= LOCKBIT_ON(mode);
		if (!nonode && node != r->relfilenode && OidIsValid(r->relfilenode))
			rewritten = true;
		if (!nonode)
			r->relfilenode = node;
		if ((mode != NoLock || rewritten) && mc->revision != NULL)
		{
			MemoryContext spicxt = MemoryContextSwitchTo(mc->cxt);

			/* a relation the statement dropped (or a rebuilt index's old self) */
			put_row(mc, nonode ? psprintf("%s (dropped)", r->name) : r->name,
					mode, rewritten);
			MemoryContextSwitchTo(spicxt);
		}
	}
	SPI_finish();
}

static void
measure_error_callback(void *arg)
{
	MeasureCtx *mc = arg;

	if (mc->statement > 0)
		errcontext("measure of revision \"%s\", statement %d, line %d",
				   migrate_clip(mc->revision), mc->statement, mc->line);
}

static int
line_at(const char *sql, int pos)
{
	int			line = 1;

	for (int i = 0; i < pos; i++)
		if (sql[i] == '\n')
			line++;
	return line;
}

/* Run one script statement by statement, recording each */
static void
measure_script(MeasureCtx *mc, const char *sql)
{
	List	   *raw;
	ListCell   *lc;
	int			number = 0;
	int			len;

	if (sql == NULL)
		return;
	len = strlen(sql);
	raw = migrate_raw_parser(sql);
	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			start = rs->stmt_location;
		int			stoplen = rs->stmt_len > 0 ? rs->stmt_len : len - start;
		char	   *text;
		int			rc;

		number++;
		CHECK_FOR_INTERRUPTS();
		/* registration let only a whole-script BEGIN ... COMMIT through */
		if (IsA(rs->stmt, TransactionStmt))
			continue;
		while (stoplen > 0 && (sql[start] == ' ' || sql[start] == '\n' ||
							   sql[start] == '\t' || sql[start] == '\r'))
		{
			start++;
			stoplen--;
		}
		text = pnstrdup(sql + start, stoplen);
		mc->statement = number;
		mc->line = line_at(sql, start);
		SPI_connect();
		rc = SPI_execute(text, false, 0);
		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("statement could not be run by migrate: %s",
							SPI_result_code_string(rc))));
		SPI_finish();
		record_statement(mc);
	}
	mc->statement = 0;
}

/*
 * The measured dry run: migrate_upgrade(..., dry_run => true) and
 * migrate_downgrade(..., dry_run => true) report, after each statement, the
 * relation locks it newly took and the relations whose storage it
 * rewrote, as a NOTICE.  The run itself rolls everything back.
 */
static MeasureCtx *dry_run_measure = NULL;

static void
dry_run_statement(const char *revision, int number, int line)
{
	MeasureCtx *mc = dry_run_measure;
	StringInfoData buf;

	initStringInfo(&buf);
	mc->notice = &buf;
	mc->revision = revision;
	record_statement(mc);
	mc->notice = NULL;
	ereport(NOTICE,
			(errmsg("dry run: revision \"%s\", statement %d, line %d: %s",
					migrate_clip(revision), number, line,
					buf.len > 0 ? buf.data : "no new relation lock, nothing rewritten")));
	pfree(buf.data);
}

void
migrate_measure_dry_run_begin(void)
{
	MeasureCtx *mc = palloc0(sizeof(MeasureCtx));

	mc->cxt = CurrentMemoryContext;
	snapshot_relations(mc);
	record_statement(mc);		/* what we already hold is not news */
	dry_run_measure = mc;
	migrate_statement_hook = dry_run_statement;
}

void
migrate_measure_dry_run_end(void)
{
	migrate_statement_hook = NULL;
	dry_run_measure = NULL;
}

/*
 * Run a revision's upgrade script as a run would: as the revision's owner
 * (migrate_script_role refuses a caller who is not a member of it), and,
 * when that is not the caller, as a security-restricted operation, so
 * that measuring grants nobody rights they do not hold.
 */
static void
measure_as_owner(MeasureCtx *mc, const MigrateRevisionRow *row)
{
	Oid			role = migrate_script_role(row, "upgrade");
	Oid			save_userid;
	int			save_sec;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	migrate_script_depth_enter();
	PG_TRY();
	{
		if (role != save_userid)
			SetUserIdAndSecContext(role,
								   save_sec | SECURITY_LOCAL_USERID_CHANGE |
								   SECURITY_RESTRICTED_OPERATION);
		measure_script(mc, row->upgrade);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
		migrate_script_depth_leave();
	}
	PG_END_TRY();
}

/*
 * migrate_lint_measure(target text DEFAULT 'heads'): what the pending
 * upgrade to target really locks and rewrites, statement by statement.
 * Nothing it runs is kept.
 */
Datum
migrate_lint_measure(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	ResourceOwner oldowner = CurrentResourceOwner;
	MeasureCtx	mc = {0};
	MigrateGraphCache *gc;
	MigrateVersions cur;
	MgPlan		plan = {0};
	const char **ids;
	MigrateRevisionRow **rows;
	ErrorContextCallback errcb;

	/* a script it measures must not measure again: it would recurse */
	migrate_refuse_nested_run("a lint measurement");
	migrate_init_srf(fcinfo, false);
	oldcxt = CurrentMemoryContext;
	mc.cxt = CurrentMemoryContext;
	mc.out = rsinfo->setResult;
	mc.desc = rsinfo->setDesc;

	/* as a run does: no registration or run may change the plan meanwhile */
	migrate_lock_graph(false);
	migrate_lock_runner();
	migrate_dirty_check();
	/* pinned: a script that registers a revision must not free it */
	gc = migrate_graph_pin();
	cur = migrate_versions_read();
	migrate_plan(MIGRATE_OP_UPGRADE, gc->graph, cur,
				 PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)),
				 &plan);
	migrate_refuse_nontransactional(MIGRATE_OP_UPGRADE, gc->graph, &plan);
	ids = palloc(sizeof(char *) * Max(plan.nsteps, 1));
	for (int i = 0; i < plan.nsteps; i++)
		ids[i] = mg_graph_rev(gc->graph, plan.steps[i].rev)->id;
	rows = migrate_revisions_fetch(ids, plan.nsteps);
	snapshot_relations(&mc);
	record_statement(&mc);		/* what we already hold is not news */

	errcb.callback = measure_error_callback;
	errcb.arg = &mc;
	errcb.previous = error_context_stack;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		int			nestlevel = NewGUCNestLevel();

		error_context_stack = &errcb;
		migrate_set_lock_timeout();
		for (int i = 0; i < plan.nsteps; i++)
		{
			if (rows[i] == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_OBJECT),
						 errmsg("revision \"%s\" does not exist",
								migrate_clip(ids[i]))));
			mc.revision = rows[i]->id;
			measure_as_owner(&mc, rows[i]);
		}
		error_context_stack = errcb.previous;
		AtEOXact_GUC(false, nestlevel);
	}
	PG_CATCH();
	{
		error_context_stack = errcb.previous;
		ReThrowError(migrate_subxact_abort(oldcxt, oldowner));
	}
	PG_END_TRY();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	migrate_graph_unpin(gc);
	return (Datum) 0;
}
