/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  Catalog access: our tables, the loaded revision graph and who owns it,
 *	  the lock order, revision owners (catalog.c).
 *
 * Layer: catalog (src/catalog/), above core/ and util/.  Includes nothing
 * above it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_CATALOG_H
#define MIGRATE_CATALOG_H

#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/palloc.h"
#include "utils/timestamp.h"

#include "graph.h"
#include "util.h"

/* Advisory lock keys (two-int4 form): first key spells "migr" */
#define MIGRATE_LOCK_KEY1		0x6d696772
#define MIGRATE_LOCK_RUNNER		1	/* held by anything writing version rows */
#define MIGRATE_LOCK_GRAPH		2	/* exclusive: registration; shared: runs */

/* Limits on what users hand us, so nothing grows without bound */
#define MIGRATE_MAX_ID_LEN		255

/* What a run does: recorded in the run log and the dirty mark */
typedef enum MigrateOperation
{
	MIGRATE_OP_UPGRADE,
	MIGRATE_OP_DOWNGRADE,
	MIGRATE_OP_STAMP
} MigrateOperation;

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

/* graph_error.c: graph errors as SQLSTATEs, just above the pure graph core */
extern void migrate_raise_graph_error(const MgError *err);

/* catalog.c */
extern void migrate_spi_exec(int expected, const char *sql, int nargs,
							 Oid *types, Datum *values, const char *nulls);
extern void migrate_spi_exec_indexed(int expected, const char *sql, int nargs,
									 Oid *types, Datum *values,
									 const char *nulls);
extern void migrate_spi_exec_once(int expected, const char *sql, int nargs,
								  Oid *types, Datum *values,
								  const char *nulls);
extern char *migrate_spi_text(int row, int col);
extern void migrate_check_symbol(const char *symbol, const char *what);
extern int	migrate_spi_text_array(int row, int col, const char ***out);
extern List *migrate_spi_text_list(int row, int col);
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
extern Oid	migrate_script_role(const MigrateRevisionRow *row,
								const char *which);
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

/* helpers */
extern List *migrate_text_array_to_list(ArrayType *arr, const char *argname);
extern Datum migrate_list_to_text_array(List *list);
extern Datum migrate_cstrings_to_text_array(const char *const *items, int n);

#endif							/* MIGRATE_CATALOG_H */
