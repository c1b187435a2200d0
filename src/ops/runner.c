/*-------------------------------------------------------------------------
 *
 * runner.c
 *	  Runs that commit after every revision: the engine shared by the
 *	  procedures (each.c), background jobs and AUTO_MIGRATE (worker.c).
 *
 * Layer: ops (src/ops/: registration, per-revision runs, jobs, workers),
 * above run/ (exec.c, which runs one step; toplevel.c, a statement at top
 * level) and catalog/ (job_rows.c among them).  It calls no other file of
 * ops/; worker.c, jobs.c and api/each.c call it.
 *
 * migrate_upgrade() runs a whole plan in the caller's transaction.  The
 * runs here commit after every step instead (Alembic's
 * transaction_per_migration), so a long chain keeps what it finished when
 * a later revision fails.  They are planned once, under the graph lock
 * (shared) and the runner lock, both taken at session level in that order
 * and held for the whole run (the runner lock is the one migrate_upgrade()
 * takes for its transaction, so no two runners ever interleave; the graph
 * lock keeps registration from changing the graph under the run).  Every
 * step then runs in a transaction of its own which writes the script's
 * effect, the version rows and the run log together.  The run's row in
 * migrate.run is committed first as 'running', and ends 'succeeded' or
 * 'failed'; a 'running' row a later runner finds belongs to a runner that
 * died and is marked abandoned (dirty.c).
 *
 * Non-transactional revisions (registered with transactional => false) run
 * statement by statement at top level, each in a transaction of its own,
 * which only a background worker can do (a function or procedure is never
 * top level), under the dirty mark (dirty.c).
 *
 * The plan is copied out of the graph cache into the run's own memory
 * context (under TopMemoryContext), which lives until the run ends: the
 * commits free everything of the transactions in between.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "dirty.h"
#include "exec.h"
#include "failrec.h"
#include "job_rows.h"
#include "jobs.h"
#include "locks.h"
#include "progress.h"
#include "runner.h"
#include "script.h"
#include "toplevel.h"

/* One planned step, copied out of the graph cache so it survives commits */
typedef struct PlannedStep
{
	MgStep		step;
	char	   *revision;
	bool		transactional;
} PlannedStep;

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
	migrate_dirty_own_run(0);
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

/* ---- planning ---- */

/* A target argument, checked as every entry point checks it */
char *
migrate_target_arg(FunctionCallInfo fcinfo, int n)
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
	return migrate_nontransactional_ids(migrate_plan_ids(gc->graph, &plan)) != NIL;
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
	char	   *msg;
	ErrorData  *e;
	MemoryContext oldcxt;

	/*
	 * edata may live in the failed step's transaction, which the commit
	 * below frees: the error raised after it is built from a copy in the
	 * run's memory.
	 */
	oldcxt = MemoryContextSwitchTo(sw->runcxt);
	e = palloc0(sizeof(ErrorData));
	e->sqlerrcode = edata->sqlerrcode;
	e->message = pstrdup(edata->message ? edata->message : "");
	e->detail = edata->detail ? pstrdup(edata->detail) : NULL;
	e->hint = edata->hint ? pstrdup(edata->hint) : NULL;
	e->context = edata->context ? pstrdup(edata->context) : NULL;
	MemoryContextSwitchTo(oldcxt);
	edata = e;

	msg = psprintf("revision %s (step %d of %d): %s", ps->revision,
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
		migrate_job_row_progress(sw->job_id, k, -1, 0);
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
	migrate_dirty_mark(ps->revision, &ps->step, list_length(stmts),
					   sw->run_id, sw->job_id);
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
				migrate_dirty_update(done, st->number, st->sql, edata->message);
				fail_run(sw, ps, k, edata);
			}
			PG_END_TRY();
			break;
		}
		done++;
		migrate_dirty_update(done, 0, NULL, NULL);
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
		migrate_dirty_clear();
		migrate_job_row_progress(sw->job_id, k, -1, 0);
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
	sw->runcxt = runcxt;
	PG_TRY();
	{
		runner_lock_session(sw);
		migrate_dirty_check();
		migrate_lock_graph(false);
		gc = migrate_graph_get();
		cur = migrate_versions_read();
		migrate_plan(sw->op, gc->graph, cur, sw->target, &plan);
		nontx = migrate_nontransactional_ids(migrate_plan_ids(gc->graph, &plan));

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
		migrate_dirty_own_run(sw->run_id);
		migrate_job_row_progress(sw->job_id, 0, sw->nsteps, sw->run_id);
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
		sw->runcxt = NULL;
		MemoryContextDelete(runcxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	sw->runcxt = NULL;
	MemoryContextDelete(runcxt);
}

