/*-------------------------------------------------------------------------
 *
 * each.c
 *	  CALL migrate_upgrade_each() and CALL migrate_downgrade_each(): runs
 *	  that commit after every revision, from a procedure.
 *
 * Layer: api (src/api/: SQL-callable), above ops/ (runner.c, jobs.c) and
 * catalog/.
 *
 * A procedure called at top level may commit (SPI in non-atomic mode), so
 * these run the plan with runner.c's per-step commits in the caller's own
 * backend.  A plan with non-transactional revisions needs statements at top
 * level, which only a background worker has: the procedure commits
 * (dropping its snapshot and locks, which CREATE INDEX CONCURRENTLY in the
 * worker would wait for) and hands the plan to a background job
 * (jobs.c), then waits for it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "dirty.h"
#include "jobs.h"
#include "progress.h"
#include "runner.h"

PG_FUNCTION_INFO_V1(migrate_upgrade_each);
PG_FUNCTION_INFO_V1(migrate_downgrade_each);

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
	target = migrate_target_arg(fcinfo, 0);
	migrate_require_1_1();
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
		job_id = migrate_job_start(op, target, &slot);
		ereport(NOTICE,
				(errmsg("the plan has non-transactional revisions: running it in background job %lld",
						(long long) job_id)));
		SPI_commit();
		state = migrate_job_wait_slot(slot, job_id, -1);
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
