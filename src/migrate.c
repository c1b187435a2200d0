/*-------------------------------------------------------------------------
 *
 * migrate.c
 *	  Module entry point of migrate: _PG_init and the settings.
 *
 * migrate does inside PostgreSQL what Alembic does from a Python process:
 * a catalog of revisions in tables, and SQL functions that plan a path
 * through the revision graph and run each revision's script through SPI.
 * This file defines the settings (their variables live with the module
 * that reads them), reserves the "migrate" prefix, and when preloaded sets
 * up shared memory and registers the launcher.
 *
 * Layer: top (src/migrate.c): it calls into every layer and nothing calls
 * it.  Module map: src/ is in folders by layer, bottom to top; each file
 * uses and includes only its own layer and those below, the files of a
 * layer use each other without a cycle, and the "Layer:" paragraph at the
 * top of each file says where it sits (README, "Architecture"; test/layers
 * checks all of it, calls from the objects' symbols and #include lines
 * from the sources):
 *	core/		the revision graph, Alembic's planning and target grammar,
 *				pure (graph.h, target.h); built standalone by test/graph
 *	util/		subtransaction exit, bounded echoes, C-string lists (util.h),
 *				the PostgreSQL version shims (compat.h)
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
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "compat.h"
#include "dropguard.h"
#include "graphcache.h"
#include "jobs.h"
#include "lint.h"
#include "locks.h"
#include "progress.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

void
_PG_init(void)
{
	/* session-level settings: any backend that loads us */
	DefineCustomIntVariable("migrate.lock_timeout",
							"Sets the lock_timeout every migration statement runs with",
							"A statement that cannot get its lock in time is rolled back and retried after a backoff instead of queuing ahead of other sessions' queries. 0 leaves lock_timeout alone.",
							&migrate_lock_timeout, 5000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("migrate.lock_retries",
							"Sets how many times a revision that could not get a lock is retried",
							NULL, &migrate_lock_retries, 5, 0, 1000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("migrate.lock_retry_delay",
							"Sets the first delay before retrying a revision that could not get a lock",
							"The delay doubles with every retry, up to 30 seconds, plus up to half again at random.",
							&migrate_lock_retry_delay, 200, 1, 30000,
							PGC_USERSET, GUC_UNIT_MS, NULL, NULL, NULL);
	migrate_lint_init();		/* migrate.lint_*, see lint.c */
	migrate_dropguard_init();	/* migrate.allow_drop, see dropguard.c */

	if (!process_shared_preload_libraries_in_progress || IsBinaryUpgrade)
	{
		migrate_reserve_guc_prefix("migrate");
		return;
	}

	DefineCustomBoolVariable("migrate.auto_upgrade",
							 "Upgrades the databases in migrate.databases at server start",
							 NULL, &migrate_auto_upgrade, false,
							 PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("migrate.databases",
							   "Sets the databases upgraded at server start",
							   "A comma-separated list of database names.",
							   &migrate_databases, "",
							   PGC_SIGHUP, GUC_LIST_INPUT | GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("migrate.auto_upgrade_target",
							   "Sets the target of the upgrade at server start",
							   NULL, &migrate_auto_upgrade_target, "heads",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);
	DefineCustomStringVariable("migrate.role",
							   "Sets the role the upgrade at server start runs as",
							   "Revision scripts run with this role's privileges; avoid a superuser.",
							   &migrate_role, "",
							   PGC_SIGHUP, GUC_SUPERUSER_ONLY, NULL, NULL, NULL);

	DefineCustomIntVariable("migrate.graph_cache_size",
							"Sets the shared memory for revision graphs shared between sessions",
							"A session that reads a graph generation another session has already read copies it from here instead of reading every revision. 0 turns the shared cache off.",
							&migrate_graph_cache_size, 256, 0, 1024 * 1024,
							PGC_POSTMASTER, GUC_UNIT_MB, NULL, NULL, NULL);

	migrate_shmem_init();
	migrate_graphcache_shmem_init();
	migrate_register_launcher();
	migrate_reserve_guc_prefix("migrate");
}
