/*-------------------------------------------------------------------------
 *
 * runner.c
 *	  Migrations beyond one transaction: a commit per revision, background
 *	  jobs, non-transactional revisions, the dirty mark, lock retries.
 *
 * migrate_upgrade() runs a whole plan in the caller's transaction.  The
 * runs here commit after every step instead (Alembic's
 * transaction_per_migration), so a long chain keeps what it finished when
 * a later revision fails.  They are planned once, under a session-level
 * runner lock held for the whole run (the same lock migrate_upgrade() takes
 * for its transaction, so no two runners ever interleave); every step then
 * runs in a transaction of its own which writes the script's effect, the
 * version rows and the run log together.  The run's row in migrate.run is
 * committed first as 'running', and ends 'succeeded' or 'failed'; a
 * 'running' row found by a later runner (holding the lock, so nobody else
 * is running) belongs to a runner that died and is marked failed.
 *
 * Non-transactional revisions (registered with transactional => false) run
 * statement by statement at top level, each in a transaction of its own,
 * which only a background worker can do (a function or procedure is never
 * top level).  Before the first statement the database is marked dirty;
 * the mark is removed in the transaction that records the revision as
 * applied.  A revision that fails or is killed midway leaves the mark, and
 * every run refuses to start until migrate_resolve_dirty() clears it.
 *
 * A caller never waits on a worker while holding what the worker needs:
 * CALL migrate_upgrade_each() commits (dropping its snapshot and locks)
 * before it hands a plan with non-transactional revisions to a worker, and
 * migrate_wait() errors out, as the deadlock detector would, when the job's
 * worker is blocked by the waiting session.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "migrate.h"
#include "progress.h"
#include "runner.h"

PG_FUNCTION_INFO_V1(migrate_upgrade_each);
PG_FUNCTION_INFO_V1(migrate_downgrade_each);
PG_FUNCTION_INFO_V1(migrate_upgrade_async);
PG_FUNCTION_INFO_V1(migrate_wait);
PG_FUNCTION_INFO_V1(migrate_resolve_dirty);

int			migrate_lock_timeout = 5000;
int			migrate_lock_retries = 5;
int			migrate_lock_retry_delay = 200;

/* One planned step, copied out of the graph cache so it survives commits */
typedef struct PlannedStep
{
	MgStep		step;
	char	   *revision;
	bool		transactional;
} PlannedStep;

const char *
migrate_operation_name(MigrateOperation op)
{
	switch (op)
	{
		case MIGRATE_OP_UPGRADE:
			return "upgrade";
		case MIGRATE_OP_DOWNGRADE:
			return "downgrade";
		case MIGRATE_OP_STAMP:
			return "stamp";
	}
	return "?";
}

/* ---- catalog helpers ---- */

/* Does the catalog have the 1.1 objects (the database ran the update)? */
bool
migrate_catalog_is_1_1(void)
{
	Oid			nsp = get_namespace_oid("migrate", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("dirty", nsp));
}

/*
 * The run's locks, held at session level across its commits.  The lock
 * order everywhere is the graph lock before the runner lock, and code that
 * holds the runner lock never asks for the graph lock: so the run takes
 * the graph lock (shared: it only keeps registration from changing the
 * graph under the run) before the runner lock, and holds both to its end.
 * The graph and runner locks each step asks for at transaction level are
 * then already held by this backend and granted without waiting.
 */
static void
runner_lock_session(MigrateStepwise *sw)
{
	DirectFunctionCall2(pg_advisory_lock_shared_int4,
						Int32GetDatum(MIGRATE_LOCK_KEY1),
						Int32GetDatum(MIGRATE_LOCK_GRAPH));
	sw->graph_locked = true;
	DirectFunctionCall2(pg_advisory_lock_int4,
						Int32GetDatum(MIGRATE_LOCK_KEY1),
						Int32GetDatum(MIGRATE_LOCK_RUNNER));
	sw->session_locked = true;
}

static void
runner_unlock_session(MigrateStepwise *sw)
{
	if (sw->session_locked)
		DirectFunctionCall2(pg_advisory_unlock_int4,
							Int32GetDatum(MIGRATE_LOCK_KEY1),
							Int32GetDatum(MIGRATE_LOCK_RUNNER));
	sw->session_locked = false;
	if (sw->graph_locked)
		DirectFunctionCall2(pg_advisory_unlock_shared_int4,
							Int32GetDatum(MIGRATE_LOCK_KEY1),
							Int32GetDatum(MIGRATE_LOCK_GRAPH));
	sw->graph_locked = false;
}

/* The ids among the given ones that were registered transactional => false */
static List *
nontransactional_ids(List *ids)
{
	Oid			save_userid;
	int			save_sec;
	MemoryContext cxt = CurrentMemoryContext;
	List	   *result = NIL;

	if (ids == NIL || !migrate_catalog_is_1_1())
		return NIL;
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT id FROM migrate.revision"
					 " WHERE NOT transactional"
					 " AND id OPERATOR(pg_catalog.=) ANY ($1)",
					 1, (Oid[]) {TEXTARRAYOID},
					 (Datum[]) {migrate_list_to_text_array(ids)}, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
		result = lappend(result, MemoryContextStrdup(cxt, migrate_spi_text(i, 1)));
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return result;
}

static List *
plan_ids(const MgGraph *g, const MgPlan *plan)
{
	List	   *ids = NIL;

	for (int i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].rev >= 0)
			ids = lappend(ids, (char *) mg_graph_rev(g, plan->steps[i].rev)->id);
	return ids;
}

/*
 * migrate_upgrade() and friends run in the caller's transaction, where a
 * non-transactional revision cannot run: refuse before running anything.
 */
void
migrate_refuse_nontransactional(MigrateOperation op, const MgGraph *g,
								const MgPlan *plan)
{
	List	   *nontx;

	if (op == MIGRATE_OP_STAMP)
		return;
	nontx = nontransactional_ids(plan_ids(g, plan));
	if (nontx != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("revision \"%s\" cannot run inside a transaction block",
						(char *) linitial(nontx)),
				 errdetail("It was registered with transactional => false: its statements run one by one at top level, each in a transaction of its own."),
				 op == MIGRATE_OP_UPGRADE ?
				 errhint("Use CALL migrate_upgrade_each(...) or SELECT migrate_upgrade_async(...), which run such revisions in a background worker.") :
				 errhint("Use CALL migrate_downgrade_each(...), which runs such revisions in a background worker.")));
}

bool
migrate_plan_has_nontransactional(MigrateOperation op, const char *target)
{
	MigrateGraphCache *gc;
	MigrateVersions cur;
	MgPlan		plan = {0};

	migrate_lock_graph(false);
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	migrate_plan(op, gc->graph, cur, target, &plan);
	return nontransactional_ids(plan_ids(gc->graph, &plan)) != NIL;
}

/* Refuse to run while a non-transactional revision is unfinished */
void
migrate_dirty_check(void)
{
	Oid			save_userid;
	int			save_sec;

	if (!migrate_catalog_is_1_1())
		return;
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT revision, direction, statements_done::text,"
					 " statements::text, failed_statement::text,"
					 " coalesce(error, 'the runner exited')"
					 " FROM migrate.dirty", 0, NULL, NULL, NULL);
	if (SPI_processed > 0)
	{
		char	   *rev = migrate_spi_text(0, 1);

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("database is dirty: non-transactional revision \"%s\" did not finish",
						rev),
				 errdetail("Its %s script completed %s of %s statements, then stopped: %s.",
						   migrate_spi_text(0, 2), migrate_spi_text(0, 3),
						   migrate_spi_text(0, 4), migrate_spi_text(0, 6)),
				 errhint("Look at migrate.dirty, finish or undo the revision by hand, then run SELECT migrate_resolve_dirty('%s', applied => true) or migrate_resolve_dirty('%s', applied => false).",
						 rev, rev)));
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* ---- lock timeouts ---- */

/* Set lock_timeout for a migration statement (in the caller's GUC nest) */
void
migrate_set_lock_timeout(void)
{
	char		buf[32];

	if (migrate_lock_timeout <= 0)
		return;
	snprintf(buf, sizeof(buf), "%d", migrate_lock_timeout);
	(void) set_config_option("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

/*
 * Sleep before attempt number "attempt" (1 = the first retry): the base
 * delay doubled per attempt up to 30 s, plus up to half again at random, so
 * that several runners do not retry in step.  Interruptible.
 */
void
migrate_lock_backoff(int attempt)
{
	int64		delay = migrate_lock_retry_delay;
	TimestampTz until;

	for (int i = 1; i < attempt && delay < 30000; i++)
		delay *= 2;
	delay = Min(delay, 30000);
	delay += (int64) (pg_prng_double(&pg_global_prng_state) * delay / 2);
	until = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), delay);
	for (;;)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);

		if (left <= 0)
			break;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 left, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/* ---- the run log and the job table ---- */

/*
 * Record a failed run in the current transaction: update the run's row if
 * it was committed as running, else add one (a single-transaction run's own
 * row went away with its transaction).
 */
void
migrate_record_failed_run(int64 run_id, const char *operation,
						  const char *target, int steps, const char *error)
{
	Oid			save_userid;
	int			save_sec;
	char	   *caller = GetUserNameFromId(GetUserId(), false);
	const char *appname = GetConfigOption("application_name", true, false);
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	values[0] = Int64GetDatum(run_id);
	values[1] = Int32GetDatum(steps);
	values[2] = CStringGetTextDatum(error ? error : "");
	if (run_id > 0)
		migrate_spi_exec(SPI_OK_UPDATE,
						 "UPDATE migrate.run SET status = 'failed', steps = $2,"
						 " error = $3, finished_at = pg_catalog.clock_timestamp()"
						 " WHERE run_id OPERATOR(pg_catalog.=) $1",
						 3, (Oid[]) {INT8OID, INT4OID, TEXTOID}, values, NULL);
	else
	{
		values[0] = CStringGetTextDatum(operation);
		values[3] = target ? CStringGetTextDatum(target) : (Datum) 0;
		nulls[3] = target ? ' ' : 'n';
		values[4] = DirectFunctionCall1(namein, CStringGetDatum(caller));
		values[5] = appname ? CStringGetTextDatum(appname) : (Datum) 0;
		nulls[5] = appname ? ' ' : 'n';
		migrate_spi_exec(SPI_OK_INSERT,
						 "INSERT INTO migrate.run (operation, steps, error, target,"
						 " role_name, application_name, status, finished_at)"
						 " VALUES ($1, $2, $3, $4, $5, $6, 'failed',"
						 " pg_catalog.clock_timestamp())",
						 6, (Oid[]) {TEXTOID, INT4OID, TEXTOID, TEXTOID, NAMEOID, TEXTOID},
						 values, nulls);
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* A runner that finds 'running' rows while it holds the lock: they died */
static void
mark_abandoned_runs(void)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.run SET status = 'failed',"
					 " finished_at = pg_catalog.clock_timestamp(),"
					 " error = 'abandoned: the runner exited before the run finished'"
					 " WHERE status OPERATOR(pg_catalog.=) 'running'",
					 0, NULL, NULL, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

void
migrate_job_row_start(int64 job_id, const char *operation, const char *target,
					  TimestampTz submitted)
{
	Oid			save_userid;
	int			save_sec;
	char	   *caller = GetUserNameFromId(GetUserId(), false);

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_INSERT,
					 "INSERT INTO migrate.job (job_id, operation, target, state,"
					 " role_name, worker_pid, submitted_at, started_at)"
					 " VALUES ($1, $2, $3, 'running', $4, pg_catalog.pg_backend_pid(),"
					 " $5, pg_catalog.clock_timestamp())",
					 5, (Oid[]) {INT8OID, TEXTOID, TEXTOID, NAMEOID, TIMESTAMPTZOID},
					 (Datum[]) {Int64GetDatum(job_id), CStringGetTextDatum(operation),
					 CStringGetTextDatum(target),
					 DirectFunctionCall1(namein, CStringGetDatum(caller)),
					 TimestampTzGetDatum(submitted)}, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

static void
job_row_progress(int64 job_id, int steps_done, int steps_total, int64 run_id)
{
	Oid			save_userid;
	int			save_sec;

	if (job_id == 0)
		return;
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.job SET steps_done = $2,"
					 " steps_total = coalesce($3, steps_total),"
					 " run_id = coalesce($4, run_id)"
					 " WHERE job_id OPERATOR(pg_catalog.=) $1",
					 4, (Oid[]) {INT8OID, INT4OID, INT4OID, INT8OID},
					 (Datum[]) {Int64GetDatum(job_id), Int32GetDatum(steps_done),
					 Int32GetDatum(steps_total), Int64GetDatum(run_id)},
					 (char[]) {' ', ' ', steps_total < 0 ? 'n' : ' ',
					 run_id <= 0 ? 'n' : ' '});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

void
migrate_job_row_finish(int64 job_id, bool ok, int steps_done, const char *error)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.job SET state = $2, steps_done = $3,"
					 " error = $4, finished_at = pg_catalog.clock_timestamp()"
					 " WHERE job_id OPERATOR(pg_catalog.=) $1",
					 4, (Oid[]) {INT8OID, TEXTOID, INT4OID, TEXTOID},
					 (Datum[]) {Int64GetDatum(job_id),
					 CStringGetTextDatum(ok ? "succeeded" : "failed"),
					 Int32GetDatum(steps_done),
					 error ? CStringGetTextDatum(error) : (Datum) 0},
					 (char[]) {' ', ' ', ' ', error ? ' ' : 'n'});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* ---- the dirty mark ---- */

static void
dirty_mark(MigrateStepwise *sw, const PlannedStep *ps, int nstatements)
{
	Oid			save_userid;
	int			save_sec;
	const MgStep *s = &ps->step;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_INSERT,
					 "INSERT INTO migrate.dirty (revision, direction, statements,"
					 " from_rows, to_rows, remove_rows, add_rows, run_id, job_id)"
					 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
					 9, (Oid[]) {TEXTOID, TEXTOID, INT4OID, TEXTARRAYOID, TEXTARRAYOID,
					 TEXTARRAYOID, TEXTARRAYOID, INT8OID, INT8OID},
					 (Datum[]) {CStringGetTextDatum(ps->revision),
					 CStringGetTextDatum(s->upgrade ? "upgrade" : "downgrade"),
					 Int32GetDatum(nstatements),
					 migrate_cstrings_to_text_array(s->from, s->nfrom),
					 migrate_cstrings_to_text_array(s->to, s->nto),
					 migrate_cstrings_to_text_array(s->remove, s->nremove),
					 migrate_cstrings_to_text_array(s->add, s->nadd),
					 Int64GetDatum(sw->run_id), Int64GetDatum(sw->job_id)},
					 (char[]) {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
					 sw->job_id ? ' ' : 'n'});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

static void
dirty_update(int done, int failed, const char *failed_sql, const char *error)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.dirty SET statements_done = $1,"
					 " failed_statement = $2, failed_sql = $3, error = $4",
					 4, (Oid[]) {INT4OID, INT4OID, TEXTOID, TEXTOID},
					 (Datum[]) {Int32GetDatum(done), Int32GetDatum(failed),
					 failed_sql ? CStringGetTextDatum(failed_sql) : (Datum) 0,
					 error ? CStringGetTextDatum(error) : (Datum) 0},
					 (char[]) {' ', failed ? ' ' : 'n', failed_sql ? ' ' : 'n',
					 error ? ' ' : 'n'});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

static void
dirty_clear(void)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_DELETE, "DELETE FROM migrate.dirty", 0, NULL,
					 NULL, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* ---- the stepwise runner ---- */

static const char **
copy_strings(const char *const *items, int n)
{
	const char **copy = palloc(sizeof(char *) * Max(n, 1));

	for (int i = 0; i < n; i++)
		copy[i] = pstrdup(items[i]);
	return copy;
}

/* Commit and start the next transaction; see the file comment */
static void
next_transaction(MigrateStepwise *sw)
{
	if (sw->in_worker)
	{
		if (ActiveSnapshotSet())
			PopActiveSnapshot();
		CommitTransactionCommand();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
	}
	else
		SPI_commit();
}

/* The step with its revision index in the graph as it is now */
static MgStep
current_step(const PlannedStep *ps, const MgGraph **g)
{
	MigrateGraphCache *gc = migrate_graph_get();
	MgStep		s = ps->step;

	s.rev = mg_graph_lookup(gc->graph, ps->revision);
	if (s.rev < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", ps->revision),
				 errdetail("It was removed while the run was in progress.")));
	*g = gc->graph;
	return s;
}

static char *
stopped_detail(MigrateStepwise *sw, const PlannedStep *ps, int k)
{
	return psprintf("The %s stopped at revision \"%s\" (step %d of %d); %d step%s before it %s committed.",
					migrate_operation_name(sw->op), ps->revision, k, sw->nsteps,
					sw->done, sw->done == 1 ? "" : "s",
					sw->done == 1 ? "was" : "were");
}

/*
 * After a failed step: in a fresh or still-good transaction, record the
 * failure, commit it, end the run, and raise the error with where it
 * stopped.
 */
static void
fail_run(MigrateStepwise *sw, const PlannedStep *ps, int k, ErrorData *edata)
{
	char	   *msg = psprintf("revision %s (step %d of %d): %s", ps->revision,
							   k, sw->nsteps, edata->message);

	migrate_record_failed_run(sw->run_id, migrate_operation_name(sw->op),
							  sw->target, sw->done, msg);
	if (sw->job_id)
		migrate_job_row_finish(sw->job_id, false, sw->done, msg);
	next_transaction(sw);
	sw->failure_recorded = true;
	migrate_progress_end();
	runner_unlock_session(sw);
	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("%s", edata->message),
			 edata->detail ?
			 errdetail("%s %s", edata->detail, stopped_detail(sw, ps, k)) :
			 errdetail("%s", stopped_detail(sw, ps, k)),
			 edata->hint ? errhint("%s", edata->hint) : 0,
			 edata->context ? errcontext("%s", edata->context) : 0));
}

static void
run_transactional_step(MigrateStepwise *sw, const PlannedStep *ps, int k)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		const MgGraph *g;
		MgStep		s;

		migrate_lock_graph(false);
		migrate_lock_runner();
		s = current_step(ps, &g);
		(void) migrate_run_step(sw->op, sw->run_id, k, &s, g);
		job_row_progress(sw->job_id, k, -1, 0);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		fail_run(sw, ps, k, migrate_subxact_abort(oldcxt, oldowner));
	}
	PG_END_TRY();
}

/* Error context for a statement run at top level */
typedef struct TopLevelContext
{
	const char *which;
	const char *revision;
	const MigrateStatement *st;
} TopLevelContext;

static void
top_level_context(void *arg)
{
	TopLevelContext *c = arg;

	errcontext("%s of revision \"%s\", statement %d, line %d",
			   c->which, c->revision, c->st->number, c->st->line);
}

/*
 * A non-transactional revision, in a worker: each statement at top level in
 * a transaction of its own, lock timeouts retried statement by statement,
 * the dirty mark around the whole.
 */
static void
run_nontransactional_step(MigrateStepwise *sw, const PlannedStep *ps, int k,
						  MemoryContext runcxt)
{
	const char *which = ps->step.upgrade ? "upgrade" : "downgrade";
	MigrateRevisionRow *row;
	char	   *checksum;
	List	   *stmts;
	ListCell   *lc;
	volatile int done = 0;
	MemoryContext oldcxt;

	Assert(sw->in_worker);
	row = migrate_revision_fetch(ps->revision);
	if (row == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", ps->revision)));
	if (!ps->step.upgrade && row->downgrade == NULL && row->upgrade && row->upgrade[0])
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" has no downgrade script", row->id)));
	/*
	 * row lives in the transaction's memory, which the commits below free:
	 * what is needed after them is copied into the run's context now.
	 */
	oldcxt = MemoryContextSwitchTo(runcxt);
	stmts = migrate_script_split(ps->step.upgrade ? row->upgrade : row->downgrade,
								 ps->revision, which);
	checksum = pstrdup(row->checksum);
	MemoryContextSwitchTo(oldcxt);
	row = NULL;

	ereport(NOTICE,
			(errmsg("running non-transactional %s of revision %s, %d statement%s at top level",
					which, ps->revision, list_length(stmts),
					list_length(stmts) == 1 ? "" : "s")));
	dirty_mark(sw, ps, list_length(stmts));
	next_transaction(sw);

	foreach(lc, stmts)
	{
		MigrateStatement *st = lfirst(lc);
		volatile int attempt = 0;

		for (;;)
		{
			TopLevelContext tctx = {which, ps->revision, st};
			ErrorContextCallback errcb;

			PG_TRY();
			{
				/* a transaction of its own, with nothing else in it */
				PopActiveSnapshot();
				CommitTransactionCommand();
				StartTransactionCommand();
				migrate_progress_statement(st->number, st->sql);
				errcb.callback = top_level_context;
				errcb.arg = &tctx;
				errcb.previous = error_context_stack;
				error_context_stack = &errcb;
				migrate_execute_top_level(st->sql);
				error_context_stack = errcb.previous;
				CommitTransactionCommand();
				StartTransactionCommand();
				PushActiveSnapshot(GetTransactionSnapshot());
			}
			PG_CATCH();
			{
				ErrorData  *edata;

				MemoryContextSwitchTo(runcxt);
				HOLD_INTERRUPTS();
				edata = CopyErrorData();
				FlushErrorState();
				AbortOutOfAnyTransaction();
				RESUME_INTERRUPTS();
				StartTransactionCommand();
				PushActiveSnapshot(GetTransactionSnapshot());
				if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE &&
					attempt < migrate_lock_retries)
				{
					attempt++;
					ereport(LOG,
							(errmsg("migrate: statement %d of revision \"%s\" could not get its lock, retrying (attempt %d of %d)",
									st->number, ps->revision, attempt + 1,
									migrate_lock_retries + 1)));
					migrate_lock_backoff(attempt);
					continue;
				}
				if (edata->sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE)
				{
					edata->message = psprintf("could not acquire a lock for revision \"%s\" after %d attempts",
											  ps->revision, attempt + 1);
					edata->hint = pstrdup("Find the session holding the lock in pg_locks and pg_stat_activity, or raise \"migrate.lock_timeout\" or \"migrate.lock_retries\".");
				}
				dirty_update(done, st->number, st->sql, edata->message);
				fail_run(sw, ps, k, edata);
			}
			PG_END_TRY();
			break;
		}
		done++;
		dirty_update(done, 0, NULL, NULL);
		next_transaction(sw);
	}

	/* the version rows, the run log and the end of the dirty mark together */
	{
		const MgGraph *g;
		MgStep		s;

		migrate_lock_graph(false);
		migrate_lock_runner();
		s = current_step(ps, &g);
		migrate_record_step(sw->run_id, k, &s, ps->revision, checksum,
							false, GetCurrentTimestamp());
		dirty_clear();
		job_row_progress(sw->job_id, k, -1, 0);
	}
}

/*
 * Plan and run sw->op to sw->target, committing after every step.  In a
 * procedure the caller is connected to SPI in non-atomic mode; in a worker
 * a transaction with a snapshot is open.  Returns in a new transaction.
 */
void
migrate_stepwise_run(MigrateStepwise *sw)
{
	MemoryContext runcxt;
	MemoryContext oldcxt;
	MigrateGraphCache *gc;
	MigrateVersions cur;
	MgPlan		plan = {0};
	PlannedStep *steps;
	List	   *nontx;
	ListCell   *lc;

	runcxt = AllocSetContextCreate(TopMemoryContext, "migrate stepwise run",
								   ALLOCSET_DEFAULT_SIZES);
	PG_TRY();
	{
		runner_lock_session(sw);
		migrate_dirty_check();
		mark_abandoned_runs();
		migrate_lock_graph(false);
		gc = migrate_graph_get();
		cur = migrate_versions_read();
		migrate_plan(sw->op, gc->graph, cur, sw->target, &plan);
		nontx = nontransactional_ids(plan_ids(gc->graph, &plan));

		oldcxt = MemoryContextSwitchTo(runcxt);
		steps = palloc0(sizeof(PlannedStep) * Max(plan.nsteps, 1));
		for (int i = 0; i < plan.nsteps; i++)
		{
			const MgStep *s = &plan.steps[i];
			PlannedStep *ps = &steps[i];

			ps->step = *s;
			ps->step.remove = copy_strings(s->remove, s->nremove);
			ps->step.add = copy_strings(s->add, s->nadd);
			ps->step.from = copy_strings(s->from, s->nfrom);
			ps->step.to = copy_strings(s->to, s->nto);
			ps->revision = pstrdup(mg_graph_rev(gc->graph, s->rev)->id);
			ps->transactional = true;
			foreach(lc, nontx)
				if (strcmp(lfirst(lc), ps->revision) == 0)
					ps->transactional = false;
		}
		MemoryContextSwitchTo(oldcxt);
		for (int i = 0; i < plan.nsteps; i++)
			if (!steps[i].transactional && !sw->in_worker)
				elog(ERROR, "non-transactional revision outside a worker");

		sw->nsteps = plan.nsteps;
		sw->run_id = migrate_run_begin(migrate_operation_name(sw->op), sw->target);
		job_row_progress(sw->job_id, 0, sw->nsteps, sw->run_id);
		if (sw->job_slot >= 0)
			migrate_job_slot_update(sw->job_slot, sw->job_id, -1, 0, sw->nsteps, NULL);
		migrate_progress_begin(migrate_operation_name(sw->op), sw->nsteps,
							   sw->job_id);
		next_transaction(sw);

		for (int i = 0; i < sw->nsteps; i++)
		{
			CHECK_FOR_INTERRUPTS();
			migrate_progress_step(i + 1, steps[i].revision);
			if (steps[i].transactional)
				run_transactional_step(sw, &steps[i], i + 1);
			else
				run_nontransactional_step(sw, &steps[i], i + 1, runcxt);
			sw->done++;
			if (sw->job_slot >= 0)
				migrate_job_slot_update(sw->job_slot, sw->job_id, -1, sw->done,
										-1, NULL);
			next_transaction(sw);
		}

		migrate_run_finish(sw->run_id, sw->nsteps);
		if (sw->job_id)
			migrate_job_row_finish(sw->job_id, true, sw->done, NULL);
		next_transaction(sw);
		migrate_progress_end();
		runner_unlock_session(sw);
	}
	PG_CATCH();
	{
		runner_unlock_session(sw);
		MemoryContextDelete(runcxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextDelete(runcxt);
}

/* ---- SQL: procedures ---- */

static char *
target_arg(FunctionCallInfo fcinfo, int n)
{
	char	   *target;

	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("target must not be null"),
				 errhint("Use \"head\", \"heads\", \"base\", a revision identifier, a branch label or a relative target such as \"-1\".")));
	target = text_to_cstring(PG_GETARG_TEXT_PP(n));
	if (target[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target must not be empty")));
	if (strlen(target) >= MIGRATE_TARGET_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target is too long"),
				 errdetail("A target has at most %d bytes.", MIGRATE_TARGET_LEN - 1)));
	return target;
}

static void
require_shmem(const char *what)
{
	if (!migrate_shmem_available())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s requires migrate to be loaded via \"shared_preload_libraries\"",
						what),
				 errhint("Add migrate to \"shared_preload_libraries\" and restart the server.")));
}

static void
require_1_1(void)
{
	if (!migrate_catalog_is_1_1())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"migrate\" must be updated to version 1.1"),
				 errhint("Run ALTER EXTENSION migrate UPDATE.")));
}

static int64
next_job_id(void)
{
	Oid			save_userid;
	int			save_sec;
	int64		id;
	bool		isnull;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT pg_catalog.nextval('migrate.job_id_seq')",
					 0, NULL, NULL, NULL);
	id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									 SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return id;
}

/* Start a job in a dynamic worker; returns its job id and slot */
static int64
start_job(MigrateOperation op, const char *target, int *slot_out)
{
	int64		job_id;
	int			slot;

	require_shmem("a background migration");
	require_1_1();
	migrate_dirty_check();
	job_id = next_job_id();
	slot = migrate_job_slot_take(job_id, migrate_operation_name(op), target);
	if (slot < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("too many background migration jobs are in progress"),
				 errdetail("At most %d jobs can be queued or running at once.",
						   MIGRATE_JOB_SLOTS),
				 errhint("Wait for a job to finish with migrate_wait().")));
	if (!migrate_start_job_worker(job_id, slot))
	{
		migrate_job_slot_update(slot, job_id, MIGRATE_JOB_FAILED, -1, -1,
								"could not register background process");
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not register background process"),
				 errhint("You may need to increase \"%s\".",
						 "max_worker_processes")));
	}
	*slot_out = slot;
	return job_id;
}

/*
 * Wait for a job's slot to reach a final state, or the timeout (ms, -1 for
 * none).  Returns the state, or -1 if the slot went to another job.
 */
static int
wait_for_slot(int slot, int64 job_id, int64 timeout_ms)
{
	TimestampTz start = GetCurrentTimestamp();

	for (;;)
	{
		MigrateJobSlot j = migrate_job_slot_read(slot);

		if (j.job_id != job_id)
			return -1;
		if (j.state == MIGRATE_JOB_SUCCEEDED || j.state == MIGRATE_JOB_FAILED)
			return j.state;
		if (timeout_ms >= 0 &&
			TimestampDifferenceExceeds(start, GetCurrentTimestamp(), (int) Min(timeout_ms, INT_MAX)))
			return j.state;
		if (j.worker_pid != 0)
		{
			ArrayType  *blockers;
			Datum	   *elems;
			int			n;

			blockers = DatumGetArrayTypeP(DirectFunctionCall1(pg_blocking_pids,
															  Int32GetDatum(j.worker_pid)));
			deconstruct_array(blockers, INT4OID, 4, true, TYPALIGN_INT,
							  &elems, NULL, &n);
			for (int i = 0; i < n; i++)
				if (DatumGetInt32(elems[i]) == MyProcPid)
					ereport(ERROR,
							(errcode(ERRCODE_T_R_DEADLOCK_DETECTED),
							 errmsg("background migration job %lld is waiting for this session",
									(long long) job_id),
							 errdetail("The job's worker (PID %d) waits for a lock or a snapshot this transaction holds, while this session waits for the job.",
									   j.worker_pid),
							 errhint("Commit before waiting, and wait from a transaction of its own; a job running CREATE INDEX CONCURRENTLY also waits for the snapshot of the statement that waits for it, so poll migrate_jobs from separate transactions instead.")));
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 100, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

static void
check_nonatomic(FunctionCallInfo fcinfo, const char *name)
{
	if (fcinfo->context == NULL || !IsA(fcinfo->context, CallContext) ||
		((CallContext *) fcinfo->context)->atomic)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", name),
				 errdetail("It commits after every revision."),
				 errhint("Run CALL %s(...) on its own, outside BEGIN ... COMMIT and functions, or use migrate_upgrade() to run every revision in the caller's transaction.",
						 name)));
}

static Datum
run_each(FunctionCallInfo fcinfo, MigrateOperation op, const char *name)
{
	char	   *target;
	MigrateStepwise sw = {0};

	check_nonatomic(fcinfo, name);
	target = target_arg(fcinfo, 0);
	require_1_1();
	if (SPI_connect_ext(SPI_OPT_NONATOMIC) != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect_ext failed");

	if (migrate_plan_has_nontransactional(op, target))
	{
		int			slot;
		int64		job_id;
		int			state;

		/*
		 * Only a worker can run these.  Commit first: the wait below must hold
		 * no snapshot and no lock, since CREATE INDEX CONCURRENTLY in the
		 * worker waits for both.
		 */
		job_id = start_job(op, target, &slot);
		ereport(NOTICE,
				(errmsg("the plan has non-transactional revisions: running it in background job %lld",
						(long long) job_id)));
		SPI_commit();
		state = wait_for_slot(slot, job_id, -1);
		if (state != MIGRATE_JOB_SUCCEEDED)
		{
			MigrateJobSlot j = migrate_job_slot_read(slot);

			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("background migration job %lld failed: %s",
							(long long) job_id,
							j.job_id == job_id ? j.error : "see migrate_jobs"),
					 errdetail("Steps committed before the failure stay committed."),
					 errhint("The server log of the worker has the full error; migrate_jobs and migrate.run have it too.")));
		}
	}
	else
	{
		sw.op = op;
		sw.target = target;
		sw.job_slot = -1;
		sw.in_worker = false;
		migrate_stepwise_run(&sw);
	}
	SPI_finish();
	PG_RETURN_VOID();
}

Datum
migrate_upgrade_each(PG_FUNCTION_ARGS)
{
	return run_each(fcinfo, MIGRATE_OP_UPGRADE, "migrate_upgrade_each");
}

Datum
migrate_downgrade_each(PG_FUNCTION_ARGS)
{
	return run_each(fcinfo, MIGRATE_OP_DOWNGRADE, "migrate_downgrade_each");
}

/* ---- SQL: background jobs ---- */

Datum
migrate_upgrade_async(PG_FUNCTION_ARGS)
{
	char	   *target = target_arg(fcinfo, 0);
	int			slot;

	PG_RETURN_INT64(start_job(MIGRATE_OP_UPGRADE, target, &slot));
}

Datum
migrate_wait(PG_FUNCTION_ARGS)
{
	int64		job_id;
	int64		timeout_ms = -1;
	Oid			save_userid;
	int			save_sec;
	char	   *state = NULL;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"job\" must not be null")));
	job_id = PG_GETARG_INT64(0);
	if (!PG_ARGISNULL(1))
	{
		Interval   *iv = PG_GETARG_INTERVAL_P(1);
		int64		us = iv->time + (int64) iv->day * USECS_PER_DAY +
			(int64) iv->month * DAYS_PER_MONTH * USECS_PER_DAY;

		if (us < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"timeout\" must not be negative")));
		timeout_ms = us / 1000;
	}
	require_1_1();

	if (migrate_shmem_available())
	{
		int			slot = migrate_job_slot_find(job_id);

		if (slot >= 0)
		{
			int			st = wait_for_slot(slot, job_id, timeout_ms);

			if (st >= 0)
				PG_RETURN_TEXT_P(cstring_to_text(migrate_job_state_name(st)));
		}
	}

	/* shared memory has forgotten it: the table knows */
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT CASE WHEN state OPERATOR(pg_catalog.=) ANY"
					 " (ARRAY['queued', 'running']) THEN 'failed' ELSE state END"
					 " FROM migrate.job WHERE job_id OPERATOR(pg_catalog.=) $1",
					 1, (Oid[]) {INT8OID}, (Datum[]) {Int64GetDatum(job_id)},
					 NULL);
	if (SPI_processed == 1)
		state = MemoryContextStrdup(TopTransactionContext ? CurTransactionContext : CurrentMemoryContext,
									migrate_spi_text(0, 1));
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	if (state == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("background migration job %lld does not exist",
						(long long) job_id)));
	PG_RETURN_TEXT_P(cstring_to_text(state));
}

/* ---- SQL: the dirty mark ---- */

Datum
migrate_resolve_dirty(PG_FUNCTION_ARGS)
{
	char	   *revision;
	bool		applied;
	Oid			save_userid;
	int			save_sec;
	MgStep		s = {0};
	char	   *direction;
	const char **items;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments \"revision\" and \"applied\" must not be null")));
	revision = text_to_cstring(PG_GETARG_TEXT_PP(0));
	applied = PG_GETARG_BOOL(1);
	require_1_1();
	migrate_lock_graph(false);
	migrate_lock_runner();

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT revision, direction, from_rows, to_rows,"
					 " remove_rows, add_rows FROM migrate.dirty FOR UPDATE",
					 0, NULL, NULL, NULL);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("database is not dirty"),
				 errdetail("No non-transactional revision is unfinished.")));
	if (strcmp(migrate_spi_text(0, 1), revision) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the unfinished revision is \"%s\", not \"%s\"",
						migrate_spi_text(0, 1), revision)));
	direction = migrate_spi_text(0, 2);
	s.upgrade = strcmp(direction, "upgrade") == 0;
	s.nfrom = migrate_spi_text_array(0, 3, &items);
	s.from = items;
	s.nto = migrate_spi_text_array(0, 4, &items);
	s.to = items;
	s.nremove = migrate_spi_text_array(0, 5, &items);
	s.remove = items;
	s.nadd = migrate_spi_text_array(0, 6, &items);
	s.add = items;
	migrate_spi_exec(SPI_OK_DELETE, "DELETE FROM migrate.dirty", 0, NULL,
					 NULL, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);

	if (applied)
	{
		MigrateRevisionRow *row = migrate_revision_fetch(revision);
		int64		run_id;

		if (row == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("revision \"%s\" does not exist", revision)));
		s.rev = -1;
		run_id = migrate_run_begin(direction, revision);
		migrate_record_step(run_id, 1, &s, revision, row->checksum, false,
							GetCurrentTimestamp());
		migrate_run_finish(run_id, 1);
	}
	ereport(NOTICE,
			(errmsg("revision \"%s\" is no longer marked unfinished; %s",
					revision, applied ? "it is recorded as applied" :
					"the version rows are as before it")));
	PG_RETURN_VOID();
}
