/*-------------------------------------------------------------------------
 *
 * exec.h
 *	  Running a plan, one step at a time (exec.c).
 *
 * Layer: run (src/run/), above catalog/ and script.c; below ops/, lint/
 * and api/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_EXEC_H
#define MIGRATE_EXEC_H

#include "catalog.h"

typedef struct MigrateStepResult
{
	int			step;
	bool		upgrade;
	const char *revision;
	List	   *down_revisions;
	const char *message;
	Interval	duration;
} MigrateStepResult;

extern List *migrate_execute(MigrateOperation op, const char *target,
							 bool purge, bool dry_run,
							 MigrateVersions *final_versions);
extern char *migrate_offline_sql(MigrateOperation op, const char *target);
extern void migrate_check_state(void);
extern void migrate_refuse_nested_run(const char *what);
extern void migrate_script_depth_enter(void);
extern void migrate_script_depth_leave(void);

/* exec.c, for runs that commit per step (runner.c) */
extern void migrate_plan(MigrateOperation op, const MgGraph *g,
						 MigrateVersions cur, const char *target,
						 MgPlan *plan);
extern MigrateStepResult *migrate_run_step(MigrateOperation op, int64 run_id,
										   int stepno, const MgStep *s,
										   const MgGraph *g);

#endif							/* MIGRATE_EXEC_H */
