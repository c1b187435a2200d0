/*-------------------------------------------------------------------------
 *
 * progress.c
 *	  Runs in flight and background jobs, in shared memory.
 *
 * Layer: catalog (src/catalog/; shared state below run/): the executor and
 * scripts report progress here, ops/ keeps its job slots here; it calls
 * nothing of ours.
 *
 * A migration's own rows in our tables are invisible to other sessions
 * until it commits, so what is running now lives in shared memory: one
 * progress slot per running migration (backend pid, database, direction,
 * step k of N, revision, statement), shown by migrate_progress, and one job
 * slot per background job, which carries what the job's worker needs (a
 * dynamic worker cannot see its caller's uncommitted rows) and its state
 * until and after the worker writes the job's row.
 *
 * Shared memory is only there when migrate is in shared_preload_libraries.
 * Without it, progress reporting does nothing, migrate_progress is empty,
 * and background jobs refuse to start with a hint to preload.
 *
 * A progress slot is released when the run ends, when the transaction that
 * holds it aborts (a failed migrate_upgrade), and at backend exit; a crash
 * reinitializes shared memory.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "catalog.h"
#include "compat.h"
#include "progress.h"

PG_FUNCTION_INFO_V1(migrate_job_slots);
PG_FUNCTION_INFO_V1(migrate_progress_slots);

MigrateShared *migrate_shared = NULL;

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif

/* this backend's progress slot, or -1 */
static int	my_slot = -1;
static bool callbacks_registered = false;
static char activity_buf[MIGRATE_STMT_LEN + 200];

static Size
shared_size(void)
{
	return sizeof(MigrateShared);
}

static void
shmem_request(void)
{
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(shared_size());
	RequestNamedLWLockTranche("migrate", 1);
}

static void
shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	migrate_shared = ShmemInitStruct("migrate", shared_size(), &found);
	if (!found)
	{
		memset(migrate_shared, 0, shared_size());
		migrate_shared->lock = &(GetNamedLWLockTranche("migrate"))->lock;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* From _PG_init, when preloaded */
void
migrate_shmem_init(void)
{
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = shmem_request;
#else
	shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = shmem_startup;
}

bool
migrate_shmem_available(void)
{
	return migrate_shared != NULL;
}

/* ---- progress ---- */

static void
release_slot(void)
{
	if (my_slot < 0 || migrate_shared == NULL)
		return;
	LWLockAcquire(migrate_shared->lock, LW_EXCLUSIVE);
	memset(&migrate_shared->progress[my_slot], 0, sizeof(MigrateProgressSlot));
	LWLockRelease(migrate_shared->lock);
	my_slot = -1;
}

static void
progress_xact_callback(XactEvent event, void *arg)
{
	/* a run that fails aborts its transaction; commits are ended explicitly */
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		release_slot();
}

static void
progress_exit_callback(int code, Datum arg)
{
	release_slot();
}

void
migrate_progress_begin(const char *direction, int nsteps, int64 job_id)
{
	MigrateProgressSlot *slot = NULL;

	if (migrate_shared == NULL)
		return;
	if (!callbacks_registered)
	{
		RegisterXactCallback(progress_xact_callback, NULL);
		before_shmem_exit(progress_exit_callback, (Datum) 0);
		callbacks_registered = true;
	}
	release_slot();
	LWLockAcquire(migrate_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < MIGRATE_PROGRESS_SLOTS; i++)
		if (migrate_shared->progress[i].pid == 0)
		{
			slot = &migrate_shared->progress[i];
			my_slot = i;
			break;
		}
	if (slot)
	{
		slot->pid = MyProcPid;
		slot->dboid = MyDatabaseId;
		slot->roleoid = GetUserId();
		slot->job_id = job_id;
		strlcpy(slot->direction, direction, sizeof(slot->direction));
		slot->nsteps = nsteps;
		slot->started_at = GetCurrentTimestamp();
		slot->step_started_at = slot->started_at;
	}
	LWLockRelease(migrate_shared->lock);
	/* all slots taken: the run goes on, unseen */
}

void
migrate_progress_step(int step, const char *revision)
{
	MigrateProgressSlot *slot;

	if (migrate_shared == NULL || my_slot < 0)
		return;
	slot = &migrate_shared->progress[my_slot];
	LWLockAcquire(migrate_shared->lock, LW_EXCLUSIVE);
	slot->step = step;
	strlcpy(slot->revision, revision ? revision : "", sizeof(slot->revision));
	slot->statement = 0;
	slot->stmt[0] = '\0';
	slot->step_started_at = GetCurrentTimestamp();
	LWLockRelease(migrate_shared->lock);
}

void
migrate_progress_statement(int number, const char *sql)
{
	MigrateProgressSlot *slot;

	if (migrate_shared == NULL || my_slot < 0)
		return;
	slot = &migrate_shared->progress[my_slot];
	LWLockAcquire(migrate_shared->lock, LW_EXCLUSIVE);
	slot->statement = number;
	strlcpy(slot->stmt, sql ? sql : "", sizeof(slot->stmt));
	LWLockRelease(migrate_shared->lock);
}

/*
 * What pg_stat_activity shows for a statement of a revision: the statement
 * behind a comment naming the revision and the step.
 */
const char *
migrate_progress_activity(const char *sql)
{
	MigrateProgressSlot *slot;

	if (migrate_shared == NULL || my_slot < 0)
		return sql;
	slot = &migrate_shared->progress[my_slot];
	snprintf(activity_buf, sizeof(activity_buf),
			 "/* migrate: %s revision %s, step %d of %d, statement %d */ %s",
			 slot->direction, slot->revision, slot->step, slot->nsteps,
			 slot->statement, sql);
	return activity_buf;
}

void
migrate_progress_end(void)
{
	release_slot();
}

/* ---- job slots ---- */

/*
 * Take a free job slot (never used, or holding a finished job) for a new
 * job; returns its index, or -1 when all hold live jobs.
 */
int
migrate_job_slot_take(int64 job_id, const char *operation, const char *target)
{
	int			idx = -1;
	TimestampTz oldest = 0;

	LWLockAcquire(migrate_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < MIGRATE_JOB_SLOTS; i++)
	{
		MigrateJobSlot *j = &migrate_shared->jobs[i];

		if (j->job_id == 0)
		{
			idx = i;
			break;
		}
		if ((j->state == MIGRATE_JOB_SUCCEEDED || j->state == MIGRATE_JOB_FAILED) &&
			(idx < 0 || j->finished_at < oldest))
		{
			idx = i;
			oldest = j->finished_at;
		}
	}
	if (idx >= 0)
	{
		MigrateJobSlot *j = &migrate_shared->jobs[idx];

		memset(j, 0, sizeof(MigrateJobSlot));
		j->job_id = job_id;
		j->dboid = MyDatabaseId;
		j->roleoid = GetUserId();
		j->state = MIGRATE_JOB_QUEUED;
		j->submitter_pid = MyProcPid;
		j->submitted_at = GetCurrentTimestamp();
		strlcpy(j->operation, operation, sizeof(j->operation));
		strlcpy(j->target, target, sizeof(j->target));
	}
	LWLockRelease(migrate_shared->lock);
	return idx;
}

/* Find a job's slot in this database; -1 if shared memory no longer has it */
int
migrate_job_slot_find(int64 job_id)
{
	int			idx = -1;

	LWLockAcquire(migrate_shared->lock, LW_SHARED);
	for (int i = 0; i < MIGRATE_JOB_SLOTS; i++)
		if (migrate_shared->jobs[i].job_id == job_id &&
			migrate_shared->jobs[i].dboid == MyDatabaseId)
		{
			idx = i;
			break;
		}
	LWLockRelease(migrate_shared->lock);
	return idx;
}

void
migrate_job_slot_update(int idx, int64 job_id, int state, int steps_done,
						int steps_total, const char *error)
{
	MigrateJobSlot *j = &migrate_shared->jobs[idx];

	LWLockAcquire(migrate_shared->lock, LW_EXCLUSIVE);
	if (j->job_id == job_id)
	{
		if (state >= 0)
			j->state = state;
		if (steps_done >= 0)
			j->steps_done = steps_done;
		if (steps_total >= 0)
			j->steps_total = steps_total;
		if (error)
			strlcpy(j->error, error, sizeof(j->error));
		if (state == MIGRATE_JOB_RUNNING)
			j->worker_pid = MyProcPid;
		if (state == MIGRATE_JOB_SUCCEEDED || state == MIGRATE_JOB_FAILED)
			j->finished_at = GetCurrentTimestamp();
	}
	LWLockRelease(migrate_shared->lock);
}

/*
 * The submitting transaction committed (GO) or rolled back (CANCELLED: the
 * job ends failed without running).
 */
void
migrate_job_slot_launch(int idx, int64 job_id, int launch)
{
	MigrateJobSlot *j = &migrate_shared->jobs[idx];

	LWLockAcquire(migrate_shared->lock, LW_EXCLUSIVE);
	if (j->job_id == job_id && j->launch == MIGRATE_JOB_LAUNCH_PENDING)
	{
		j->launch = launch;
		if (launch == MIGRATE_JOB_LAUNCH_CANCELLED)
		{
			j->state = MIGRATE_JOB_FAILED;
			j->finished_at = GetCurrentTimestamp();
			strlcpy(j->error, "not started: the transaction that submitted the job rolled back",
					sizeof(j->error));
		}
	}
	LWLockRelease(migrate_shared->lock);
}

/* A copy of a slot, taken under the lock */
MigrateJobSlot
migrate_job_slot_read(int idx)
{
	MigrateJobSlot copy;

	LWLockAcquire(migrate_shared->lock, LW_SHARED);
	copy = migrate_shared->jobs[idx];
	LWLockRelease(migrate_shared->lock);
	return copy;
}

const char *
migrate_job_state_name(int state)
{
	switch (state)
	{
		case MIGRATE_JOB_QUEUED:
			return "queued";
		case MIGRATE_JOB_RUNNING:
			return "running";
		case MIGRATE_JOB_SUCCEEDED:
			return "succeeded";
		case MIGRATE_JOB_FAILED:
			return "failed";
	}
	return "failed";
}

/* ---- SQL ---- */

Datum
migrate_job_slots(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrateJobSlot *copy;

	migrate_init_srf(fcinfo, false);
	if (migrate_shared == NULL)
		return (Datum) 0;
	copy = palloc(sizeof(migrate_shared->jobs));
	LWLockAcquire(migrate_shared->lock, LW_SHARED);
	memcpy(copy, migrate_shared->jobs, sizeof(migrate_shared->jobs));
	LWLockRelease(migrate_shared->lock);
	for (int i = 0; i < MIGRATE_JOB_SLOTS; i++)
	{
		MigrateJobSlot *j = &copy[i];
		Datum		values[10];
		bool		nulls[10] = {0};
		char	   *role;

		if (j->job_id == 0 || j->dboid != MyDatabaseId)
			continue;
		values[0] = Int64GetDatum(j->job_id);
		values[1] = CStringGetTextDatum(j->operation);
		values[2] = CStringGetTextDatum(j->target);
		values[3] = CStringGetTextDatum(migrate_job_state_name(j->state));
		values[4] = Int32GetDatum(j->steps_done);
		values[5] = Int32GetDatum(j->steps_total);
		nulls[5] = j->steps_total == 0 && j->state == MIGRATE_JOB_QUEUED;
		role = GetUserNameFromId(j->roleoid, true);
		values[6] = DirectFunctionCall1(namein, CStringGetDatum(role ? role : "?"));
		values[7] = Int32GetDatum(j->worker_pid);
		nulls[7] = j->worker_pid == 0;
		values[8] = TimestampTzGetDatum(j->submitted_at);
		values[9] = CStringGetTextDatum(j->error);
		nulls[9] = j->error[0] == '\0';
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

Datum
migrate_progress_slots(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MigrateProgressSlot *copy;

	migrate_init_srf(fcinfo, false);
	if (migrate_shared == NULL)
		return (Datum) 0;
	copy = palloc(sizeof(migrate_shared->progress));
	LWLockAcquire(migrate_shared->lock, LW_SHARED);
	memcpy(copy, migrate_shared->progress, sizeof(migrate_shared->progress));
	LWLockRelease(migrate_shared->lock);
	for (int i = 0; i < MIGRATE_PROGRESS_SLOTS; i++)
	{
		MigrateProgressSlot *p = &copy[i];
		Datum		values[11];
		bool		nulls[11] = {0};
		char	   *dbname;
		bool		show_text;

		/*
		 * Only this database's runs, and their statements only to the
		 * role running them and to pg_read_all_stats, as pg_stat_activity
		 * shows queries.
		 */
		if (p->pid == 0 || p->dboid != MyDatabaseId)
			continue;
		show_text = has_privs_of_role(GetUserId(), p->roleoid) ||
			has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
		values[0] = Int32GetDatum(p->pid);
		dbname = get_database_name(p->dboid);
		values[1] = DirectFunctionCall1(namein, CStringGetDatum(dbname ? dbname : "?"));
		values[2] = CStringGetTextDatum(p->direction);
		values[3] = Int32GetDatum(p->step);
		values[4] = Int32GetDatum(p->nsteps);
		values[5] = CStringGetTextDatum(p->revision);
		nulls[5] = p->revision[0] == '\0';
		values[6] = Int32GetDatum(p->statement);
		nulls[6] = p->statement == 0;
		values[7] = CStringGetTextDatum(show_text ? p->stmt :
										"<insufficient privilege>");
		nulls[7] = p->stmt[0] == '\0';
		values[8] = Int64GetDatum(p->job_id);
		nulls[8] = p->job_id == 0;
		values[9] = TimestampTzGetDatum(p->started_at);
		values[10] = TimestampTzGetDatum(p->step_started_at);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
