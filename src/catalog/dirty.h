/*-------------------------------------------------------------------------
 *
 * dirty.h
 *	  The state a run checks before it starts: the 1.1 catalog, the dirty
 *	  mark of an unfinished non-transactional revision, non-transactional
 *	  revisions in a plan, and runs and jobs orphaned by a runner that
 *	  died.
 *
 * Layer: catalog (src/catalog/): used by run/exec.c and ops/ (runner.c,
 * jobs.c); reaches only down.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_DIRTY_H
#define MIGRATE_DIRTY_H

#include "catalog.h"

extern const char *migrate_operation_name(MigrateOperation op);
extern bool migrate_catalog_is_1_1(void);
extern void migrate_require_1_1(void);
extern void migrate_dirty_check(void);
extern void migrate_dirty_own_run(int64 run_id);
extern void migrate_dirty_mark(const char *revision, const MgStep *s,
							   int nstatements, int64 run_id, int64 job_id);
extern void migrate_dirty_update(int done, int failed, const char *failed_sql,
								 const char *error);
extern void migrate_dirty_clear(void);
extern List *migrate_plan_ids(const MgGraph *g, const MgPlan *plan);
extern List *migrate_nontransactional_ids(List *ids);
extern void migrate_refuse_nontransactional(MigrateOperation op,
											const MgGraph *g,
											const MgPlan *plan);

#endif							/* MIGRATE_DIRTY_H */
