/*-------------------------------------------------------------------------
 *
 * jobs.c
 *	  Background migration jobs: submission and waiting.
 *
 * Layer: ops (src/ops/), the top of it: it calls worker.c (to start a
 * job's worker) and runner.c (migrate_target_arg), and below, catalog/
 * (the job's row, job_rows.c; the job slots, progress.c).
 *
 * migrate_upgrade_async() and CALL migrate_upgrade_each() (for plans a
 * procedure cannot run) hand a plan to a dynamic background worker
 * (worker.c) that connects to the caller's database as the calling role
 * and runs the plan with a commit per step (runner.c).  A job starts when
 * the transaction that submitted it commits, and not at all if it rolls
 * back (see PendingJob below).  What the worker needs travels in a shared
 * memory job slot (progress.c); the worker writes the job's row in
 * migrate.job itself.  Submission refuses a role the worker could not
 * connect as, with the reason, rather than leave it to the worker's FATAL.
 *
 * A caller never waits on a worker while holding what the worker needs:
 * migrate_wait() errors out, as the deadlock detector would, when the
 * job's worker is blocked by the waiting session.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "catalog.h"
#include "dirty.h"
#include "job_rows.h"
#include "jobs.h"
#include "progress.h"
#include "runner.h"

PG_FUNCTION_INFO_V1(migrate_upgrade_async);
PG_FUNCTION_INFO_V1(migrate_wait);

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

/*
 * The worker connects as the submitting role: refuse now, with the reason,
 * what would make it fail to connect later (its FATAL would otherwise only
 * be in the server log).
 */
static void
check_can_connect(void)
{
	Oid			role = GetUserId();
	HeapTuple	tup;
	bool		canlogin;
	bool		allowconn;
	char	   *rolname;
	char	   *dbname = get_database_name(MyDatabaseId);

	tup = SearchSysCache1(AUTHOID, ObjectIdGetDatum(role));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for role %u", role);
	canlogin = ((Form_pg_authid) GETSTRUCT(tup))->rolcanlogin;
	rolname = pstrdup(NameStr(((Form_pg_authid) GETSTRUCT(tup))->rolname));
	ReleaseSysCache(tup);

	if (!canlogin)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot run a background migration job",
						rolname),
				 errdetail("The job's worker connects as the role that submits the job, and role \"%s\" is not permitted to log in.",
						   rolname),
				 errhint("Submit the job as a role with the LOGIN attribute.")));
	if (!DatumGetBool(DirectFunctionCall3(has_database_privilege_id_id,
										  ObjectIdGetDatum(role),
										  ObjectIdGetDatum(MyDatabaseId),
										  CStringGetTextDatum("CONNECT"))))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" cannot run a background migration job",
						rolname),
				 errdetail("The job's worker connects as the role that submits the job, and role \"%s\" has no CONNECT privilege on database \"%s\".",
						   rolname, dbname ? dbname : "?"),
				 errhint("Grant CONNECT on the database to the role, or submit the job as another role.")));
	tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(MyDatabaseId));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for database %u", MyDatabaseId);
	allowconn = ((Form_pg_database) GETSTRUCT(tup))->datallowconn;
	ReleaseSysCache(tup);
	if (!allowconn)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot run a background migration job in database \"%s\"",
						dbname ? dbname : "?"),
				 errdetail("The database does not allow connections (datallowconn is false)."),
				 errhint("Run ALTER DATABASE ... WITH ALLOW_CONNECTIONS true, or run the migration in this session.")));
}

/*
 * Jobs submitted by the open transaction.  They start at its commit, as
 * NOTIFY and pg_cron's jobs do: their worker is registered just before the
 * commit (so running out of worker slots is an error the submitter sees,
 * and the transaction rolls back), and is told to go once it has
 * committed; a rollback (of the transaction or of the subtransaction that
 * submitted them) cancels them, and nothing runs.
 */
typedef struct PendingJob
{
	int64		job_id;
	int			slot;
	SubTransactionId subxid;
	bool		registered;
} PendingJob;

static List *pending_jobs = NIL;	/* in TopMemoryContext */
static bool callbacks_registered = false;

static void
pending_end(int launch, SubTransactionId subxid)
{
	List	   *keep = NIL;
	ListCell   *lc;

	foreach(lc, pending_jobs)
	{
		PendingJob *pj = lfirst(lc);

		if (subxid != InvalidSubTransactionId && pj->subxid != subxid)
		{
			keep = lappend(keep, pj);
			continue;
		}
		if (migrate_shared != NULL)
			migrate_job_slot_launch(pj->slot, pj->job_id, launch);
		pfree(pj);
	}
	list_free(pending_jobs);
	if (keep != NIL)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);

		pending_jobs = list_copy(keep);
		MemoryContextSwitchTo(oldcxt);
		list_free(keep);
	}
	else
		pending_jobs = NIL;
}

static void
jobs_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (pending_jobs == NIL)
		return;
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			foreach(lc, pending_jobs)
			{
				PendingJob *pj = lfirst(lc);

				if (pj->registered)
					continue;
				if (!migrate_start_job_worker(pj->job_id, pj->slot))
					ereport(ERROR,
							(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
							 errmsg("could not register background process for background migration job %lld",
									(long long) pj->job_id),
							 errdetail("The job was not started and the transaction that submitted it is rolled back."),
							 errhint("You may need to increase \"%s\".",
									 "max_worker_processes")));
				pj->registered = true;
			}
			break;
		case XACT_EVENT_COMMIT:
			pending_end(MIGRATE_JOB_LAUNCH_GO, InvalidSubTransactionId);
			break;
		case XACT_EVENT_ABORT:
			pending_end(MIGRATE_JOB_LAUNCH_CANCELLED, InvalidSubTransactionId);
			break;
		case XACT_EVENT_PRE_PREPARE:
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("cannot PREPARE a transaction that has submitted background migration jobs")));
			break;
		default:
			break;
	}
}

static void
jobs_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	if (event == SUBXACT_EVENT_ABORT_SUB)
		pending_end(MIGRATE_JOB_LAUNCH_CANCELLED, mySubid);
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		foreach(lc, pending_jobs)
		{
			PendingJob *pj = lfirst(lc);

			if (pj->subxid == mySubid)
				pj->subxid = parentSubid;
		}
}

/*
 * Submit a job: it gets a job id and a shared memory slot now, and its
 * worker when the transaction commits.  Returns its job id and slot.
 */
int64
migrate_job_start(MigrateOperation op, const char *target, int *slot_out)
{
	int64		job_id;
	int			slot;
	PendingJob *pj;
	MemoryContext oldcxt;

	require_shmem("a background migration");
	migrate_require_1_1();
	check_can_connect();
	migrate_dirty_check();
	if (!callbacks_registered)
	{
		RegisterXactCallback(jobs_xact_callback, NULL);
		RegisterSubXactCallback(jobs_subxact_callback, NULL);
		callbacks_registered = true;
	}
	job_id = next_job_id();
	slot = migrate_job_slot_take(job_id, migrate_operation_name(op), target);
	if (slot < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("too many background migration jobs are in progress"),
				 errdetail("At most %d jobs can be queued or running at once.",
						   MIGRATE_JOB_SLOTS),
				 errhint("Wait for a job to finish with migrate_wait().")));
	/*
	 * 1.2's migrate_jobs reads a queued row's state from shared memory;
	 * 1.1's would show it queued forever, so there the worker writes the
	 * row, as before.
	 */
	if (OidIsValid(get_event_trigger_oid("migrate_protect_drop", true)))
		migrate_job_row_start(job_id, migrate_operation_name(op), target,
							  migrate_job_slot_read(slot).submitted_at, false);
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	pj = palloc0(sizeof(PendingJob));
	pj->job_id = job_id;
	pj->slot = slot;
	pj->subxid = GetCurrentSubTransactionId();
	pending_jobs = lappend(pending_jobs, pj);
	MemoryContextSwitchTo(oldcxt);
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
		if (j.launch == MIGRATE_JOB_LAUNCH_PENDING &&
			j.submitter_pid == MyProcPid)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("background migration job %lld has not started",
							(long long) job_id),
					 errdetail("A job starts when the transaction that submitted it commits."),
					 errhint("Commit, then wait for the job in a new transaction.")));
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

			if (st == MIGRATE_JOB_FAILED)
			{
				MigrateJobSlot j = migrate_job_slot_read(slot);

				if (j.job_id == job_id && j.error[0])
					ereport(NOTICE,
							(errmsg("the background migration job failed: %s",
									j.error)));
			}
			if (st >= 0)
				PG_RETURN_TEXT_P(cstring_to_text(migrate_job_state_name(st)));
		}
	}

	/* shared memory has forgotten it: the table knows */
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT CASE WHEN state OPERATOR(pg_catalog.=) 'queued'"
					 " OR state OPERATOR(pg_catalog.=) 'running'"
					 " THEN 'failed'::pg_catalog.text ELSE state END"
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
