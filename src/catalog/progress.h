/*-------------------------------------------------------------------------
 *
 * progress.h
 *	  Shared memory of migrate: progress slots and background job slots.
 *
 * Layer: catalog (src/catalog/).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_PROGRESS_H
#define MIGRATE_PROGRESS_H

#include "storage/lwlock.h"
#include "utils/timestamp.h"

#define MIGRATE_PROGRESS_SLOTS	32
#define MIGRATE_JOB_SLOTS		16
#define MIGRATE_REV_LEN			256	/* MIGRATE_MAX_ID_LEN + 1 */
#define MIGRATE_TARGET_LEN		512
#define MIGRATE_STMT_LEN		1024
#define MIGRATE_ERROR_LEN		1024

typedef struct MigrateProgressSlot
{
	int			pid;			/* 0: free */
	Oid			dboid;
	Oid			roleoid;		/* who runs it: may see its statement */
	int64		job_id;			/* 0: not a background job */
	char		direction[16];
	int			step;
	int			nsteps;
	int			statement;
	TimestampTz started_at;
	TimestampTz step_started_at;
	char		revision[MIGRATE_REV_LEN];
	char		stmt[MIGRATE_STMT_LEN];
} MigrateProgressSlot;

#define MIGRATE_JOB_QUEUED		0
#define MIGRATE_JOB_RUNNING		1
#define MIGRATE_JOB_SUCCEEDED	2
#define MIGRATE_JOB_FAILED		3

/*
 * A job is submitted in a transaction and launched when that transaction
 * commits; its worker, registered just before the commit, waits for GO.
 */
#define MIGRATE_JOB_LAUNCH_PENDING		0
#define MIGRATE_JOB_LAUNCH_GO			1
#define MIGRATE_JOB_LAUNCH_CANCELLED	2

typedef struct MigrateJobSlot
{
	int64		job_id;			/* 0: never used */
	Oid			dboid;
	Oid			roleoid;
	int			state;
	int			launch;			/* MIGRATE_JOB_LAUNCH_* */
	int			submitter_pid;
	int			worker_pid;
	int			steps_done;
	int			steps_total;
	TimestampTz submitted_at;
	TimestampTz finished_at;
	char		operation[16];
	char		target[MIGRATE_TARGET_LEN];
	char		error[MIGRATE_ERROR_LEN];
} MigrateJobSlot;

typedef struct MigrateShared
{
	LWLock	   *lock;
	MigrateProgressSlot progress[MIGRATE_PROGRESS_SLOTS];
	MigrateJobSlot jobs[MIGRATE_JOB_SLOTS];
} MigrateShared;

extern MigrateShared *migrate_shared;

extern int	migrate_job_slot_take(int64 job_id, const char *operation,
								  const char *target);
extern int	migrate_job_slot_find(int64 job_id);
extern void migrate_job_slot_update(int idx, int64 job_id, int state,
									int steps_done, int steps_total,
									const char *error);
extern void migrate_job_slot_launch(int idx, int64 job_id, int launch);
extern MigrateJobSlot migrate_job_slot_read(int idx);
extern const char *migrate_job_state_name(int state);

/* runs in flight, in shared memory */
extern void migrate_shmem_init(void);
extern bool migrate_shmem_available(void);
extern void migrate_progress_begin(const char *direction, int nsteps,
								   int64 job_id);
extern void migrate_progress_step(int step, const char *revision);
extern void migrate_progress_statement(int number, const char *sql);
extern const char *migrate_progress_activity(const char *sql);
extern void migrate_progress_end(void);

#endif							/* MIGRATE_PROGRESS_H */
