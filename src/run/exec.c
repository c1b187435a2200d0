/*-------------------------------------------------------------------------
 *
 * exec.c
 *	  Running a plan: locks, steps, version rows and the run log.
 *
 * One call of migrate_upgrade() (or downgrade, or stamp) is one unit of
 * work inside the caller's transaction: the scripts, the version rows and
 * the run log commit or roll back together, so a failing script leaves
 * nothing of the run behind.  Runners serialize on an advisory lock taken
 * before the version rows are read, and then update one row that every
 * runner updates, so a runner whose snapshot predates another's commit
 * (REPEATABLE READ, SERIALIZABLE) gets a serialization failure instead of
 * applying a revision twice.  A dry run does everything inside a
 * subtransaction and rolls it back.
 *
 * The offline mode builds the text a run would execute without running it,
 * as Alembic's --sql does.
 *
 * Layer: run (src/run/: one step), above catalog/ (catalog.c; the lock
 * retry settings and backoff, locks.c; the dirty mark, dirty.c; the
 * failed-run capture, failrec.c), core/ and script.c; below ops/
 * (runner.c, worker.c), lint/ and api/.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "catalog.h"
#include "dirty.h"
#include "exec.h"
#include "failrec.h"
#include "locks.h"
#include "progress.h"
#include "script.h"

static void
check_target(const char *target)
{
	if (target == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("target must not be null"),
				 errhint("Use \"head\", \"heads\", \"base\", a revision identifier, a branch label or a relative target such as \"-1\".")));
	if (target[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("target must not be empty"),
				 errhint("Use \"head\", \"heads\", \"base\", a revision identifier, a branch label or a relative target such as \"-1\".")));
	migrate_check_symbol(target, "target");
}

static void
plan_operation(MigrateOperation op, const MgGraph *g, MigrateVersions cur,
			   const char *target, bool purge, MgPlan *plan)
{
	MgError		err = {0};
	bool		ok = false;

	switch (op)
	{
		case MIGRATE_OP_UPGRADE:
			ok = mg_plan_upgrade(g, cur.ids, cur.n, target, plan, &err);
			break;
		case MIGRATE_OP_DOWNGRADE:
			ok = mg_plan_downgrade(g, cur.ids, cur.n, target, plan, &err);
			break;
		case MIGRATE_OP_STAMP:
			ok = mg_plan_stamp(g, cur.ids, cur.n, target, purge, plan, &err);
			break;
	}
	if (!ok)
		migrate_raise_graph_error(&err);
}

static char *
join_ids(const char *const *ids, int n)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < n; i++)
		appendStringInfo(&buf, "%s%s", i ? ", " : "", ids[i]);
	return buf.data;
}

/*
 * The script a step runs.  Going down through a revision that has no
 * downgrade script is an error, unless its upgrade did nothing either.
 */
static const char *
step_script(const MgStep *s, const MigrateRevisionRow *row)
{
	if (s->upgrade)
		return row->upgrade;
	if (row->downgrade == NULL && row->upgrade != NULL && row->upgrade[0])
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("revision \"%s\" has no downgrade script", row->id),
				 errhint("Register the revision again with a downgrade script; an empty string declares that nothing needs undoing.")));
	return row->downgrade;
}

static MigrateRevisionRow *
fetch_row(const char *id)
{
	MigrateRevisionRow *row = migrate_revision_fetch(id);

	if (row == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("revision \"%s\" does not exist", id)));
	return row;
}

/*
 * The revision a step is about.  A stamp step may have none of its own (a
 * stamp down to base only deletes rows): name it by the rows it touches.
 */
static const char *
step_revision_id(const MgStep *s, const MgGraph *g)
{
	if (s->rev >= 0)
		return mg_graph_rev(g, s->rev)->id;
	if (s->nto > 0)
		return s->to[0];
	if (s->nfrom > 0)
		return s->from[0];
	elog(ERROR, "stamp step names no revision");
	return NULL;
}

/* The rows of a segment's revisions, fetched in one query */
static MigrateRevisionRow **
fetch_rows(const MgStep *steps, int nsteps, const MgGraph *g)
{
	const char **ids = palloc(sizeof(char *) * Max(nsteps, 1));
	MigrateRevisionRow **rows;

	for (int i = 0; i < nsteps; i++)
		ids[i] = step_revision_id(&steps[i], g);
	rows = migrate_revisions_fetch(ids, nsteps);
	for (int i = 0; i < nsteps; i++)
		if (rows[i] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("revision \"%s\" does not exist", ids[i])));
	return rows;
}

/*
 * How many revision scripts this backend is running, one inside the other.
 * A script may read the graph (migrate_heads, migrate_current...) and
 * register revisions, but not start another run: it would plan against
 * version rows that do not yet record the step it is part of, and run that
 * step again, recursively.
 */
static int	script_depth = 0;

void
migrate_refuse_nested_run(const char *what)
{
	if (script_depth > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot run %s from inside a revision script", what),
				 errdetail("A migration run is in progress in this session and its current step has not been recorded yet."),
				 errhint("Revision scripts may read the revision graph and register revisions; run migrations from outside them.")));
}

/*
 * A script run by another path than a step (migrate_lint_measure's) counts
 * as one too: a run or a measurement it starts would plan against the same
 * version rows and run that script again, recursively.
 */
void
migrate_script_depth_enter(void)
{
	script_depth++;
}

void
migrate_script_depth_leave(void)
{
	Assert(script_depth > 0);
	script_depth--;
}

/*
 * Objects in this session's temporary schema (0 when it has none).  The
 * server refuses temporary objects in a security-restricted operation only
 * when the temporary schema does not exist yet (before 15.20, only tables);
 * counting before and after a script run for another role catches the rest.
 */
static int64
temp_object_count(void)
{
	int64		n;
	bool		isnull;
	Oid			temp_nsp;
	Oid			temp_toast_nsp;

	GetTempNamespaceState(&temp_nsp, &temp_toast_nsp);
	if (!OidIsValid(temp_nsp))
		return 0;
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT (SELECT pg_catalog.count(*) FROM pg_catalog.pg_class"
					 "  WHERE relnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())"
					 " OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_type"
					 "  WHERE typnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())"
					 " OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_proc"
					 "  WHERE pronamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())"
					 " OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_operator"
					 "  WHERE oprnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())"
					 " OPERATOR(pg_catalog.+) (SELECT pg_catalog.count(*) FROM pg_catalog.pg_collation"
					 "  WHERE collnamespace OPERATOR(pg_catalog.=) pg_catalog.pg_my_temp_schema())",
					 0, NULL, NULL, NULL);
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	return n;
}

/* Run a step's script as role, counting scripts in progress */
static void
run_script_counted(const char *script, const char *id, const char *which,
				   Oid role)
{
	Oid			save_userid;
	int			save_sec;
	volatile int64 temp_before = 0;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	if (role != save_userid)
		temp_before = temp_object_count();
	script_depth++;
	PG_TRY();
	{
		/*
		 * Run by someone else than its owner, a script is a
		 * security-restricted operation, as VACUUM runs a table owner's
		 * index functions: besides SET ROLE and SET SESSION AUTHORIZATION,
		 * it may not leave temporary objects, prepared statements or held
		 * cursors behind, which the runner's session could run with the
		 * runner's rights later (a pg_temp.text domain would do).
		 */
		if (role != save_userid)
			SetUserIdAndSecContext(role,
								   save_sec | SECURITY_LOCAL_USERID_CHANGE |
								   SECURITY_RESTRICTED_OPERATION);
		migrate_script_run(script, id, which);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
		script_depth--;
	}
	PG_END_TRY();
	if (role != save_userid && temp_object_count() > temp_before)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s script of revision \"%s\" created objects in the temporary schema of the session running it",
						which, migrate_clip(id)),
				 errdetail("The script ran as its owner for another role; temporary objects it leaves would capture names in that role's later statements."),
				 errhint("Create permanent objects, or run the migration as the revision's owner.")));
}

/* Run one step; returns what migrate_upgrade() reports for it */
static MigrateStepResult *
run_step_once(MigrateOperation op, int64 run_id, int stepno, const MgStep *s,
			  MigrateRevisionRow *row)
{
	MigrateStepResult *res = palloc0(sizeof(MigrateStepResult));
	TimestampTz started = GetCurrentTimestamp();
	const char *kind = op == MIGRATE_OP_STAMP ? "stamp" :
		s->upgrade ? "upgrade" : "downgrade";
	Interval   *elapsed;

	ereport(NOTICE,
			(errmsg("running %s %s -> %s, %s", kind,
					join_ids(s->from, s->nfrom), join_ids(s->to, s->nto),
					row->message ? row->message : "")));
	if (op != MIGRATE_OP_STAMP)
	{
		const char *script = step_script(s, row);
		const char *which = s->upgrade ? "upgrade" : "downgrade";

		/* a script that runs nothing needs nobody's rights */
		if (script != NULL && script[0] != '\0')
			run_script_counted(script, row->id, which,
							   migrate_script_role(row, which));
	}
	migrate_record_step(run_id, stepno, s, row->id, row->checksum,
						op == MIGRATE_OP_STAMP, started);

	elapsed = DatumGetIntervalP(DirectFunctionCall2(timestamp_mi,
													TimestampTzGetDatum(GetCurrentTimestamp()),
													TimestampTzGetDatum(started)));
	res->step = stepno;
	res->upgrade = s->upgrade;
	res->revision = row->id;
	res->down_revisions = row->down_revisions;
	res->message = row->message;
	res->duration = *elapsed;
	return res;
}

/*
 * How many revisions share one subtransaction.  Ending a subtransaction
 * walks this backend's whole local lock table once it has taken more than
 * a handful of locks, and a long chain of DDL holds thousands: a
 * subtransaction per revision made a 10,000-revision upgrade quadratic.
 */
#define MIGRATE_STEPS_PER_SUBXACT	32

/*
 * Run steps under migrate.lock_timeout, inside one subtransaction, so that
 * steps that cannot get a lock in time are rolled back whole and retried,
 * from the first of them, after a backoff instead of queuing ahead of the
 * application's queries (which would queue behind them).  See runner.c for
 * the settings.  stepno is the number of the first step.
 */
static List *
run_steps(MigrateOperation op, int64 run_id, int stepno, const MgStep *steps,
		  int nsteps, const MgGraph *g)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile int attempt = 0;
	MigrateRevisionRow **volatile rows = fetch_rows(steps, nsteps, g);

	if (op == MIGRATE_OP_STAMP)
	{
		List	   *results = NIL;

		for (int i = 0; i < nsteps; i++)
			results = lappend(results, run_step_once(op, run_id, stepno + i,
													 &steps[i], rows[i]));
		return results;
	}
	for (;;)
	{
		List	   *volatile results = NIL;
		volatile bool done = false;
		volatile int failed_at = 0;
		ErrorData  *volatile edata = NULL;

		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(oldcxt);
		PG_TRY();
		{
			int			nestlevel = NewGUCNestLevel();

			migrate_set_lock_timeout();
			for (int i = 0; i < nsteps; i++)
			{
				failed_at = i;
				migrate_progress_step(stepno + i,
									  step_revision_id(&steps[i], g));
				results = lappend(results,
								  run_step_once(op, run_id, stepno + i,
												&steps[i], rows[i]));
			}
			AtEOXact_GUC(true, nestlevel);
			ReleaseCurrentSubTransaction();
			MemoryContextSwitchTo(oldcxt);
			CurrentResourceOwner = oldowner;
			done = true;
		}
		PG_CATCH();
		{
			edata = migrate_subxact_abort(oldcxt, oldowner);
		}
		PG_END_TRY();
		if (done)
			return results;
		if (edata->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE)
			ReThrowError(edata);
		if (attempt >= migrate_lock_retries)
			ereport(ERROR,
					(errcode(ERRCODE_LOCK_NOT_AVAILABLE),
					 errmsg("could not acquire a lock for revision \"%s\" after %d attempts",
							step_revision_id(&steps[failed_at], g), attempt + 1),
					 errdetail("Each attempt gave up after \"%s\" (%d ms): %s.",
							   "migrate.lock_timeout", migrate_lock_timeout,
							   edata->message),
					 errhint("Find the session holding the lock in pg_locks and pg_stat_activity, or raise \"migrate.lock_timeout\" or \"migrate.lock_retries\"."),
					 edata->context ? errcontext("%s", edata->context) : 0));
		attempt++;
		ereport(NOTICE,
				(errmsg("revision \"%s\" could not get a lock within %d ms, retrying (attempt %d of %d)",
						step_revision_id(&steps[failed_at], g),
						migrate_lock_timeout, attempt + 1,
						migrate_lock_retries + 1),
				 failed_at > 0 ?
				 errdetail("The %d revisions run before it in the same subtransaction run again too.",
						   failed_at) : 0));
		migrate_lock_backoff(attempt);
	}
}

/* For runs that commit per step (runner.c) */
MigrateStepResult *
migrate_run_step(MigrateOperation op, int64 run_id, int stepno,
				 const MgStep *s, const MgGraph *g)
{
	MigrateGraphCache *gc = migrate_graph_pin();
	MigrateStepResult *res;

	/* the caller took g from migrate_graph_get() just now */
	if (gc->graph != g)
		elog(ERROR, "revision graph changed between planning a step and running it");
	res = linitial(run_steps(op, run_id, stepno, s, 1, g));
	migrate_graph_unpin(gc);
	return res;
}

void
migrate_plan(MigrateOperation op, const MgGraph *g, MigrateVersions cur,
			 const char *target, MgPlan *plan)
{
	check_target(target);
	plan_operation(op, g, cur, target, false, plan);
}

static List *
run_plan(MigrateOperation op, const char *target, MigrateGraphCache *gc,
		 const MgPlan *plan)
{
	int64		run_id = migrate_run_begin(migrate_operation_name(op), target);
	List	   *results = NIL;

	migrate_failure_prepare(migrate_operation_name(op), target);

	migrate_progress_begin(migrate_operation_name(op), plan->nsteps, 0);
	for (int i = 0; i < plan->nsteps; i += MIGRATE_STEPS_PER_SUBXACT)
		results = list_concat(results,
							  run_steps(op, run_id, i + 1, &plan->steps[i],
										Min(MIGRATE_STEPS_PER_SUBXACT,
											plan->nsteps - i),
										gc->graph));
	if (op == MIGRATE_OP_STAMP)
		migrate_applied_prune(gc, plan->heads, plan->nheads);
	migrate_run_finish(run_id, plan->nsteps);
	migrate_progress_end();
	return results;
}

/*
 * Plan and run an operation inside the current transaction.  Returns a list
 * of MigrateStepResult; final_versions, if given, receives the version rows
 * after the run.
 */
List *
migrate_execute(MigrateOperation op, const char *target, bool purge,
				bool dry_run, MigrateVersions *final_versions)
{
	MigrateGraphCache *gc;
	MigrateVersions cur;
	MgPlan		plan = {0};
	List	   *results;

	migrate_failure_forget();
	migrate_refuse_nested_run(migrate_operation_name(op));
	check_target(target);
	migrate_lock_graph(false);
	migrate_lock_runner();
	migrate_dirty_check();
	/* pinned: the scripts may register revisions and read the graph again */
	gc = migrate_graph_pin();
	cur = migrate_versions_read();
	if (purge)
	{
		/*
		 * Alembic's stamp --purge empties the version table first, whatever
		 * it holds (rows naming unknown revisions included), then stamps
		 * from nothing.
		 */
		migrate_versions_purge();
		cur.n = 0;
	}
	plan_operation(op, gc->graph, cur, target, false, &plan);
	/* before running anything: this transaction cannot run them */
	migrate_refuse_nontransactional(op, gc->graph, &plan);

	if (!dry_run)
		results = run_plan(op, target, gc, &plan);
	else
	{
		MemoryContext oldcxt = CurrentMemoryContext;
		ResourceOwner oldowner = CurrentResourceOwner;

		/*
		 * Everything is undone; only the report survives.  An error must
		 * leave through the subtransaction too, or the caller's transaction
		 * would be left inside an aborted subtransaction (PL/pgSQL's
		 * exception blocks do the same dance).
		 */
		BeginInternalSubTransaction(NULL);
		MemoryContextSwitchTo(oldcxt);
		PG_TRY();
		{
			results = run_plan(op, target, gc, &plan);
		}
		PG_CATCH();
		{
			ReThrowError(migrate_subxact_abort(oldcxt, oldowner));
		}
		PG_END_TRY();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}

	migrate_graph_unpin(gc);
	if (final_versions)
		*final_versions = migrate_versions_read();
	return results;
}

/* ---- offline SQL ---- */

static void
append_literal(StringInfo buf, const char *s)
{
	appendStringInfoString(buf, quote_literal_cstr(s));
}

/* The version-table statements for one step, as Alembic's offline mode */
static void
append_version_sql(StringInfo buf, const MgStep *s)
{
	int			i = 0;

	/* one row replaced by another reads best as an UPDATE */
	for (; i < s->nremove && i < s->nadd; i++)
	{
		appendStringInfoString(buf, "UPDATE migrate.version SET version_num = ");
		append_literal(buf, s->add[i]);
		appendStringInfoString(buf, " WHERE version_num = ");
		append_literal(buf, s->remove[i]);
		appendStringInfoString(buf, ";\n\n");
	}
	for (int j = i; j < s->nremove; j++)
	{
		appendStringInfoString(buf, "DELETE FROM migrate.version WHERE version_num = ");
		append_literal(buf, s->remove[j]);
		appendStringInfoString(buf, ";\n\n");
	}
	for (int j = i; j < s->nadd; j++)
	{
		appendStringInfoString(buf, "INSERT INTO migrate.version (version_num) VALUES (");
		append_literal(buf, s->add[j]);
		appendStringInfoString(buf, ");\n\n");
	}
}

/*
 * The whole script a run would execute, version-table updates included,
 * in one transaction: what alembic upgrade --sql prints.  It plans against
 * the database's current version rows.
 */
char *
migrate_offline_sql(MigrateOperation op, const char *target)
{
	MigrateGraphCache *gc;
	MigrateVersions cur;
	MgPlan		plan = {0};
	StringInfoData buf;

	check_target(target);
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	plan_operation(op, gc->graph, cur, target, false, &plan);

	initStringInfo(&buf);
	appendStringInfoString(&buf, "BEGIN;\n\n");
	for (int i = 0; i < plan.nsteps; i++)
	{
		const MgStep *s = &plan.steps[i];
		MigrateRevisionRow *row = fetch_row(mg_graph_rev(gc->graph, s->rev)->id);
		const char *sql = step_script(s, row);

		appendStringInfo(&buf, "-- Running %s %s -> %s\n\n",
						 s->upgrade ? "upgrade" : "downgrade",
						 join_ids(s->from, s->nfrom), join_ids(s->to, s->nto));
		appendStringInfoString(&buf, migrate_script_offline(sql, row->id,
															s->upgrade ? "upgrade" : "downgrade"));
		append_version_sql(&buf, s);
	}
	appendStringInfoString(&buf, "COMMIT;\n");
	return buf.data;
}

/* ---- check ---- */

/*
 * The state part of migrate_check(): the graph is consistent (loading it
 * validates it), every version row names a registered revision, nothing is
 * pending, and no applied revision's script changed since it ran.
 */
void
migrate_check_state(void)
{
	MigrateGraphCache *gc = migrate_graph_get();
	MigrateVersions cur = migrate_versions_read();
	MgPlan		plan = {0};
	MgError		err = {0};
	Oid			save_userid;
	int			save_sec;

	if (!mg_plan_upgrade(gc->graph, cur.ids, cur.n, "heads", &plan, &err))
		migrate_raise_graph_error(&err);
	if (plan.nsteps > 0)
	{
		StringInfoData buf;

		initStringInfo(&buf);
		for (int i = 0; i < plan.nsteps && i < 10; i++)
			appendStringInfo(&buf, "%s%s", i ? ", " : "",
							 mg_graph_rev(gc->graph, plan.steps[i].rev)->id);
		if (plan.nsteps > 10)
			appendStringInfoString(&buf, ", ...");
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("database is not up to date"),
				 errdetail_plural("%d revision is pending: %s.",
								  "%d revisions are pending: %s.",
								  plan.nsteps, plan.nsteps, buf.data),
				 errhint("Run SELECT migrate_upgrade('heads').")));
	}

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT a.revision, a.checksum, r.checksum"
					 " FROM migrate.applied a JOIN migrate.revision r"
					 " ON r.id OPERATOR(pg_catalog.=) a.revision"
					 " WHERE a.checksum OPERATOR(pg_catalog.<>) r.checksum"
					 " ORDER BY r.registered LIMIT 1", 0, NULL, NULL, NULL);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("applied revision \"%s\" has changed since it ran",
						migrate_spi_text(0, 1)),
				 errdetail("It ran with checksum %s; the registered revision has checksum %s.",
						   migrate_spi_text(0, 2), migrate_spi_text(0, 3)),
				 errhint("Restore the revision as it was applied, and put the change in a new revision.")));
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}
