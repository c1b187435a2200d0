/*-------------------------------------------------------------------------
 *
 * job_rows.h
 *	  The rows of migrate.job (job_rows.c).
 *
 * Layer: catalog.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_JOB_ROWS_H
#define MIGRATE_JOB_ROWS_H

#include "datatype/timestamp.h"

extern void migrate_job_row_start(int64 job_id, const char *operation,
								  const char *target, TimestampTz submitted,
								  bool worker);
extern void migrate_job_row_progress(int64 job_id, int steps_done,
									 int steps_total, int64 run_id);
extern void migrate_job_row_finish(int64 job_id, bool ok, int steps_done,
								   const char *error);

#endif							/* MIGRATE_JOB_ROWS_H */
