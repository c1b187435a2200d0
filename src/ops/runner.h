/*-------------------------------------------------------------------------
 *
 * runner.h
 *	  Runs that commit after every step (runner.c), shared by the
 *	  procedures (each.c), background jobs (jobs.c) and the workers
 *	  (worker.c).
 *
 * Layer: ops (src/ops/).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_RUNNER_H
#define MIGRATE_RUNNER_H

#include "catalog.h"
#include "dirty.h"
#include "failrec.h"

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
	MemoryContext runcxt;		/* the run's memory, which outlives commits */
} MigrateStepwise;

extern void migrate_stepwise_run(MigrateStepwise *sw);
extern bool migrate_plan_has_nontransactional(MigrateOperation op,
											  const char *target);
extern char *migrate_target_arg(FunctionCallInfo fcinfo, int n);

#endif							/* MIGRATE_RUNNER_H */
