/*-------------------------------------------------------------------------
 *
 * jobs.h
 *	  Background migration jobs: submission and waiting (jobs.c), and the
 *	  job's worker (worker.c).
 *
 * Layer: ops (src/ops/); the job's row is catalog/job_rows.h, included
 * here.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_JOBS_H
#define MIGRATE_JOBS_H

#include "migrate.h"
#include "job_rows.h"

/* jobs.c */
extern int64 migrate_job_start(MigrateOperation op, const char *target,
							   int *slot_out);
extern int	migrate_job_wait_slot(int slot, int64 job_id, int64 timeout_ms);

/* worker.c */
extern int	migrate_start_job_worker(int64 job_id, int slot);

#endif							/* MIGRATE_JOBS_H */
