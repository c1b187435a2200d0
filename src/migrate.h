/*-------------------------------------------------------------------------
 *
 * migrate.h
 *	  Declarations shared by the backend modules of migrate: the per-layer
 *	  headers (catalog.h, script.h, register.h, exec.h, util.h) and the
 *	  operations' declarations.  The core files include only the headers
 *	  of the layers they use; files of the operations and SQL-callable
 *	  layers may include this one.
 *
 * Module map: src/ is in folders by layer, bottom to top (each file uses
 * only its own layer and those below; within a layer the files use each
 * other without a cycle; test/layers checks both from the objects, and
 * the "Layer:" paragraph at the top of each file says where it sits):
 *	core/		the revision graph, Alembic's planning and target grammar,
 *				pure (graph.h, target.h); built standalone by test/graph
 *	util/		subtransaction exit, bounded echoes, C-string lists (util.h)
 *	catalog/	reading and writing our tables and the per-backend graph
 *				cache (catalog.c), graph errors as SQLSTATEs, the graph
 *				shared between backends, lock settings, shared progress
 *				and job slots, the dirty mark, failed-run records, job rows
 *	run/		one step: parsing and running a script (script.c), a plan
 *				in the caller's transaction (exec.c), a statement at top
 *				level (toplevel.c)
 *	lint/		lint rules, live lock checks, lock measurement
 *	diff/		schema models, diff and autogenerate, the shadow schema
 *	ops/		registration, per-revision runs, background jobs, workers
 *	api/		the SQL-callable wrappers (funcs.c, push.c, forget.c, ...);
 *				a module that does the work of a SQL function it defines
 *				keeps it (diff.c, lint.c, jobs.c, progress.c)
 *	migrate.c	_PG_init and the settings, the top
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_H
#define MIGRATE_H

#include "fmgr.h"
#include "nodes/pg_list.h"
#include "utils/elog.h"
#include "utils/palloc.h"
#include "utils/array.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "exec.h"
#include "graph.h"
#include "register.h"
#include "script.h"
#include "toplevel.h"
#include "util.h"

/* migrate.c */
extern void _PG_init(void);

/* progress.c: runs in flight, in shared memory */
extern void migrate_shmem_init(void);
extern bool migrate_shmem_available(void);
extern void migrate_progress_begin(const char *direction, int nsteps,
								   int64 job_id);
extern void migrate_progress_step(int step, const char *revision);
extern void migrate_progress_statement(int number, const char *sql);
extern const char *migrate_progress_activity(const char *sql);
extern void migrate_progress_end(void);

/* worker.c: the auto-upgrade launcher and background jobs */
extern bool migrate_auto_upgrade;
extern char *migrate_databases;
extern char *migrate_auto_upgrade_target;
extern char *migrate_role;
extern void migrate_register_launcher(void);

/* diff.c */
extern char *migrate_diff_against_desired(const char *desired,
										  const char *schema,
										  int *ndifferences);

#endif							/* MIGRATE_H */
