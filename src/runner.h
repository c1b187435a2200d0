/*-------------------------------------------------------------------------
 *
 * runner.h
 *	  Runs that commit after every step, shared by the procedures
 *	  (runner.c) and the background workers (worker.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_RUNNER_H
#define MIGRATE_RUNNER_H

#include "migrate.h"

typedef struct MigrateStepwise
{
	MigrateOperation op;
	const char *target;
	int64		job_id;			/* 0: not a background job */
	int			job_slot;		/* -1: none */
	bool		in_worker;		/* may run statements at top level */
	/* filled in while it runs */
	int64		run_id;
	int			nsteps;
	int			done;
	bool		failure_recorded;
	bool		session_locked;	/* the runner lock, at session level */
	bool		graph_locked;	/* the graph lock (shared), likewise */
} MigrateStepwise;

extern void migrate_stepwise_run(MigrateStepwise *sw);
extern bool migrate_plan_has_nontransactional(MigrateOperation op,
											  const char *target);
extern void migrate_job_row_start(int64 job_id, const char *operation,
								  const char *target, TimestampTz submitted);
extern void migrate_job_row_finish(int64 job_id, bool ok, int steps_done,
								   const char *error);
extern const char *migrate_operation_name(MigrateOperation op);

/* worker.c */
extern int	migrate_start_job_worker(int64 job_id, int slot);

/* failrec.c */
extern void migrate_failure_prepare(const char *operation, const char *target);
extern void migrate_failure_forget(void);
extern void migrate_record_failure_in_background(void);

#endif							/* MIGRATE_RUNNER_H */
