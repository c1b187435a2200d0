/*-------------------------------------------------------------------------
 *
 * failrec.h
 *	  Recording failed runs in the run log: in the current transaction, or
 *	  from a background worker when the caller's transaction aborts.
 *
 * Layer: catalog (src/catalog/): used by run/exec.c and ops/ (runner.c,
 * worker.c); reaches only down.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_FAILREC_H
#define MIGRATE_FAILREC_H

extern void migrate_record_failed_run(int64 run_id, const char *operation,
									  const char *target, int steps,
									  const char *error);
extern void migrate_failure_prepare(const char *operation, const char *target);
extern void migrate_failure_forget(void);
extern void migrate_record_failure_in_background(void);

#endif							/* MIGRATE_FAILREC_H */
