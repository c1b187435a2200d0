/*-------------------------------------------------------------------------
 *
 * migrate.h
 *	  Declarations shared by the backend modules of migrate.
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

#include "graph.h"
#include "util.h"

/* Advisory lock keys (two-int4 form): first key spells "migr" */
#define MIGRATE_LOCK_KEY1		0x6d696772
#define MIGRATE_LOCK_RUNNER		1	/* held by anything writing version rows */
#define MIGRATE_LOCK_GRAPH		2	/* exclusive: registration; shared: runs */

/* Limits on what users hand us, so nothing grows without bound */
#define MIGRATE_MAX_ID_LEN		255

/*
 * One registered revision's descriptive columns, aligned by index with the
 * graph built from them.  Scripts are not cached: they are fetched per step.
 */
typedef struct MigrateRevInfo
{
	char	   *message;
	char	   *checksum;
	TimestampTz created_at;
} MigrateRevInfo;

/* The graph as this backend last loaded it; see catalog.c */
typedef struct MigrateGraphCache
{
	int64		generation;
	Oid			revision_relid; /* catches DROP/CREATE EXTENSION */
	MgGraph    *graph;
	MigrateRevInfo *info;
	Datum	   *id_texts;		/* ids as text datums, built on first need */
	MemoryContext cxt;
	int			pins;			/* runs reading it; see migrate_graph_pin */
	bool		orphaned;		/* replaced while pinned: freed at unpin */
} MigrateGraphCache;

/* One version row list, as read from migrate.version */
typedef struct MigrateVersions
{
	int			n;
	const char **ids;
} MigrateVersions;

/* A revision's full row, for show and for running its script */
typedef struct MigrateRevisionRow
{
	char	   *id;
	List	   *down_revisions;	/* of char * */
	List	   *branch_labels;
	List	   *depends_on;
	char	   *message;
	char	   *upgrade;
	char	   *downgrade;
	char	   *checksum;
	TimestampTz created_at;
	char	   *created_by;
	char	   *owner;			/* NULL before 1.2: no owners yet */
} MigrateRevisionRow;

/* migrate.c */
extern void _PG_init(void);
extern void migrate_raise_graph_error(const MgError *err);

/* catalog.c */
extern void migrate_spi_exec(int expected, const char *sql, int nargs,
							 Oid *types, Datum *values, const char *nulls);
extern char *migrate_spi_text(int row, int col);
extern void migrate_check_symbol(const char *symbol, const char *what);
extern int	migrate_spi_text_array(int row, int col, const char ***out);
/* what every statement run with the extension owner's rights resolves in */
#define MIGRATE_SAFE_SEARCH_PATH "pg_catalog, pg_temp"
extern int	migrate_pin_settings(void);
extern void migrate_unpin_settings(int nestlevel);
extern void migrate_catalog_enter(Oid *save_userid, int *save_sec);
extern void migrate_catalog_leave(Oid save_userid, int save_sec);
extern MigrateGraphCache *migrate_graph_get(void);
extern void migrate_graph_invalidate(void);
extern void migrate_graph_bump_generation(void);
extern bool migrate_graph_changed_in_this_xact(void);
extern MigrateGraphCache *migrate_graph_pin(void);
extern void migrate_graph_unpin(MigrateGraphCache *gc);
extern MigrateVersions migrate_versions_read(void);
extern void migrate_versions_purge(void);
extern bool migrate_catalog_has_owners(void);
extern bool migrate_catalog_has_transactional(void);
extern void migrate_check_may_change(const char *id, const char *owner,
									 Oid caller);
extern MigrateRevisionRow *migrate_revision_fetch(const char *id);
extern MigrateRevisionRow **migrate_revisions_fetch(const char *const *ids,
													 int n);
extern TimestampTz *migrate_applied_times(MigrateGraphCache *gc);
extern void migrate_lock_graph(bool exclusive);
extern void migrate_lock_runner(void);
extern int64 migrate_run_begin(const char *operation, const char *target);
extern void migrate_run_finish(int64 run_id, int nsteps);
extern void migrate_record_step(int64 run_id, int stepno, const MgStep *s,
								const char *id, const char *checksum,
								bool stamp, TimestampTz started);
extern void migrate_applied_prune(MigrateGraphCache *gc,
								  const char *const *versions, int nversions);
extern char *migrate_checksum(List *down_revisions, List *branch_labels,
							  List *depends_on, const char *upgrade,
							  bool transactional);

/* register.c */
extern char *migrate_register(const char *message, const char *upgrade,
							  const char *downgrade, const char *revision,
							  List *down_revisions, bool down_given,
							  List *branch_labels, List *depends_on,
							  const char *head, bool splice,
							  bool transactional);
extern char *migrate_register_merge(List *revisions, const char *message,
									List *branch_labels,
									const char *revision);

/* script.c */
typedef struct MigrateStatement
{
	char	   *sql;
	int			number;			/* 1-based */
	int			line;			/* 1-based line where it starts */
} MigrateStatement;

extern void migrate_script_validate(const char *sql, const char *revision,
									const char *which, bool transactional);
extern List *migrate_script_split(const char *sql, const char *revision,
								  const char *which);
extern void migrate_script_run(const char *sql, const char *revision,
							   const char *which);
extern char *migrate_script_offline(const char *sql, const char *revision,
									 const char *which);

/* exec.c */
typedef struct MigrateStepResult
{
	int			step;
	bool		upgrade;
	const char *revision;
	List	   *down_revisions;
	const char *message;
	Interval	duration;
} MigrateStepResult;

typedef enum MigrateOperation
{
	MIGRATE_OP_UPGRADE,
	MIGRATE_OP_DOWNGRADE,
	MIGRATE_OP_STAMP
} MigrateOperation;

extern List *migrate_execute(MigrateOperation op, const char *target,
							 bool purge, bool dry_run,
							 MigrateVersions *final_versions);
extern char *migrate_offline_sql(MigrateOperation op, const char *target);
extern void migrate_check_state(void);
extern void migrate_refuse_nested_run(const char *what);
extern Oid	migrate_script_role(const MigrateRevisionRow *row,
								const char *which);

/* exec.c, for runs that commit per step (runner.c) */
extern void migrate_plan(MigrateOperation op, const MgGraph *g,
						 MigrateVersions cur, const char *target,
						 MgPlan *plan);
extern MigrateStepResult *migrate_run_step(MigrateOperation op, int64 run_id,
										   int stepno, const MgStep *s,
										   const MgGraph *g);

/* runner.c: runs beyond one transaction, non-transactional revisions */
extern int	migrate_lock_timeout;
extern int	migrate_lock_retries;
extern int	migrate_lock_retry_delay;
extern bool migrate_catalog_is_1_1(void);
extern void migrate_dirty_check(void);
extern void migrate_refuse_nontransactional(MigrateOperation op,
											const MgGraph *g,
											const MgPlan *plan);
extern void migrate_lock_backoff(int attempt);
extern void migrate_set_lock_timeout(void);
extern void migrate_record_failed_run(int64 run_id, const char *operation,
									  const char *target, int steps,
									  const char *error);

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
extern void migrate_execute_top_level(const char *sql);

/* diff.c */
extern char *migrate_diff_against_desired(const char *desired,
										  const char *schema,
										  int *ndifferences);

/* helpers */
extern List *migrate_text_array_to_list(ArrayType *arr, const char *argname);
extern Datum migrate_list_to_text_array(List *list);
extern Datum migrate_cstrings_to_text_array(const char *const *items, int n);

#endif							/* MIGRATE_H */
