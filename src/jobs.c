/*-------------------------------------------------------------------------
 *
 * jobs.c
 *	  Background migration jobs: submission, the job's row, waiting.
 *
 * Operations layer (per-revision runs, jobs, workers), above the one-step
 * executor and the catalog.
 *
 * migrate_upgrade_async() and CALL migrate_upgrade_each() (for plans a
 * procedure cannot run) hand a plan to a dynamic background worker
 * (worker.c) that connects to the caller's database as the calling role
 * and runs the plan with a commit per step (runner.c).  What the worker
 * needs travels in a shared memory job slot (progress.c): the caller's
 * transaction may not have committed, so nothing is passed through tables;
 * the worker writes the job's row in migrate.job itself.
 *
 * A caller never waits on a worker while holding what the worker needs:
 * migrate_wait() errors out, as the deadlock detector would, when the
 * job's worker is blocked by the waiting session.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "migrate.h"
#include "dirty.h"
#include "jobs.h"
#include "progress.h"
#include "runner.h"

PG_FUNCTION_INFO_V1(migrate_upgrade_async);
PG_FUNCTION_INFO_V1(migrate_wait);

/* ---- the job's row ---- */

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

void
migrate_job_row_progress(int64 job_id, int steps_done, int steps_total, int64 run_id)
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

/* ---- submission and waiting ---- */

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
int64
migrate_job_start(MigrateOperation op, const char *target, int *slot_out)
{
	int64		job_id;
	int			slot;

	require_shmem("a background migration");
	migrate_require_1_1();
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
int
migrate_job_wait_slot(int slot, int64 job_id, int64 timeout_ms)
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

/* ---- SQL ---- */

Datum
migrate_upgrade_async(PG_FUNCTION_ARGS)
{
	char	   *target = migrate_target_arg(fcinfo, 0);
	int			slot;

	PG_RETURN_INT64(migrate_job_start(MIGRATE_OP_UPGRADE, target, &slot));
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
	migrate_require_1_1();

	if (migrate_shmem_available())
	{
		int			slot = migrate_job_slot_find(job_id);

		if (slot >= 0)
		{
			int			st = migrate_job_wait_slot(slot, job_id, timeout_ms);

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
