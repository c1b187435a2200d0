/*-------------------------------------------------------------------------
 *
 * migrate.h
 *	  Declarations shared by the backend modules of migrate: the per-layer
 *	  headers (catalog.h, script.h, register.h, exec.h, util.h) and the
 *	  operations' declarations.  The core files include only the headers
 *	  of the layers they use; files of the operations and SQL-callable
 *	  layers may include this one.
 *
 * Module map, bottom to top (each file reaches only downward; see the
 * "Layer:" line at the top of each file):
 *	util.c		subtransaction exit, bounded echoes, C-string lists (util.h)
 *	migrate.c	_PG_init, GUCs
 *	graph.c		the revision graph and Alembic's planning, pure (graph.h)
 *	target.c	Alembic's target grammar, pure
 *	catalog.c	reading and writing our tables; the per-backend graph cache
 *				(owner and lifetime of loaded graphs: migrate_graph_pin);
 *				the lock order; revision owners
 *	graphcache.c	the revision list shared between backends (DSA), when
 *				preloaded
 *	script.c	parsing revision scripts and running them statement by
 *				statement
 *	register.c	registering revisions and merges
 *	exec.c		running a plan: locks, steps, version rows, run log
 *	funcs.c		the SQL-callable functions, thin wrappers over the above
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
