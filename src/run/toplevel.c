/*-------------------------------------------------------------------------
 *
 * toplevel.c
 *	  Running one statement at top level (pg_cron's ExecuteSqlString).
 *
 * Statements that refuse a transaction block (CREATE INDEX CONCURRENTLY,
 * VACUUM) run in a background worker, one per worker transaction, through
 * the portal machinery the way a client's simple query does, so that they
 * count as top level.
 *
 * Layer: run (one step), beside exec.c and script.c.  The per-revision
 * runner (ops/runner.c) calls it for the statements of non-transactional
 * revisions; it lived in ops/worker.c, which calls the runner, so the
 * runner and the worker called each other.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/memutils.h"
#include "utils/ps_status.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "compat.h"
#include "progress.h"
#include "toplevel.h"

/*
 * Run one statement at top level in the current transaction, which must
 * hold nothing else: CREATE INDEX CONCURRENTLY and friends check that they
 * are not in a transaction block, and a worker's StartTransactionCommand()
 * is not one.
 */
void
migrate_execute_top_level(const char *sql)
{
	List	   *raw;
	RawStmt    *parsetree;
	CommandTag	tag;
	List	   *querytrees;
	List	   *plantrees;
	Portal		portal;
	DestReceiver *receiver;
	QueryCompletion qc;
	bool		snapshot_set = false;
	int16		format = 0;
	const char *save_debug = debug_query_string;
	MemoryContext parsecxt;
	MemoryContext oldcxt;

	/*
	 * CREATE INDEX CONCURRENTLY and VACUUM commit the transaction they start
	 * in, which would free parse and plan trees allocated there: keep them
	 * in a context of their own, as pg_cron does.
	 */
	parsecxt = AllocSetContextCreate(TopMemoryContext, "migrate top-level statement",
									 ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(parsecxt);
	sql = pstrdup(sql);
	debug_query_string = sql;
	pgstat_report_activity(STATE_RUNNING, migrate_progress_activity(sql));
	raw = pg_parse_query(sql);
	if (list_length(raw) != 1)
		elog(ERROR, "expected exactly one statement, got %d", list_length(raw));
	parsetree = linitial_node(RawStmt, raw);
	tag = CreateCommandTag(parsetree->stmt);
	set_ps_display(GetCommandTagName(tag));

	if (analyze_requires_snapshot(parsetree))
	{
		PushActiveSnapshot(GetTransactionSnapshot());
		snapshot_set = true;
	}
	querytrees = pg_analyze_and_rewrite_fixedparams(parsetree, sql, NULL, 0, NULL);
	plantrees = pg_plan_queries(querytrees, sql, CURSOR_OPT_PARALLEL_OK, NULL);
	if (snapshot_set)
		PopActiveSnapshot();

	portal = CreatePortal("migrate", true, true);
	portal->visible = false;
	PortalDefineQuery(portal, NULL, sql, tag, plantrees, NULL);
	PortalStart(portal, NULL, 0, InvalidSnapshot);
	PortalSetResultFormat(portal, 1, &format);
	receiver = CreateDestReceiver(DestNone);
	(void) PortalRun(portal, FETCH_ALL, true, true, receiver, receiver, &qc);
	receiver->rDestroy(receiver);
	PortalDrop(portal, false);

	set_ps_display("idle");
	debug_query_string = save_debug;
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextSwitchTo(oldcxt);
	MemoryContextDelete(parsecxt);
}
