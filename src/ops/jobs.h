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

#include "catalog.h"
#include "job_rows.h"

/* jobs.c */
extern int64 migrate_job_start(MigrateOperation op, const char *target,
							   int *slot_out);
extern int	migrate_job_wait_slot(int slot, int64 job_id, int64 timeout_ms);

/* worker.c: the job's worker, and the auto-upgrade launcher */
extern int	migrate_start_job_worker(int64 job_id, int slot);
extern bool migrate_auto_upgrade;
extern char *migrate_databases;
extern char *migrate_auto_upgrade_target;
extern char *migrate_role;
extern void migrate_register_launcher(void);

#endif							/* MIGRATE_JOBS_H */
