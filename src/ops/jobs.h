/*-------------------------------------------------------------------------
 *
 * jobs.h
 *	  Background migration jobs: submission, the job's row, waiting
 *	  (jobs.c), and the job's worker (worker.c).
 *
 * Operations layer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_JOBS_H
#define MIGRATE_JOBS_H

#include "migrate.h"

/* jobs.c */
extern int64 migrate_job_start(MigrateOperation op, const char *target,
							   int *slot_out);
extern int	migrate_job_wait_slot(int slot, int64 job_id, int64 timeout_ms);
extern void migrate_job_row_start(int64 job_id, const char *operation,
								  const char *target, TimestampTz submitted,
								  bool worker);
extern void migrate_job_row_progress(int64 job_id, int steps_done,
									 int steps_total, int64 run_id);
extern void migrate_job_row_finish(int64 job_id, bool ok, int steps_done,
								   const char *error);

/* worker.c */
extern int	migrate_start_job_worker(int64 job_id, int slot);

#endif							/* MIGRATE_JOBS_H */
