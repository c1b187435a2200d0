/*-------------------------------------------------------------------------
 *
 * dirty.c
 *	  The state a run checks before it starts: the 1.1 catalog, the dirty
 *	  mark, and runs and jobs orphaned by a runner that died.
 *
 * Layer: catalog (src/catalog/), below run/exec.c and ops/ (runner.c,
 * jobs.c), which both call migrate_dirty_check() before they run anything;
 * within catalog/ it calls catalog.c, locks.c and progress.c.
 *
 * Non-transactional revisions run statement by statement, each committed
 * on its own.  Before the first statement the database is marked dirty (a
 * row in migrate.dirty, committed); the mark is removed in the transaction
 * that records the revision as applied.  A revision that fails or is killed
 * midway leaves the mark, and every run refuses to start until
 * migrate_resolve_dirty() clears it.
 *
 * A per-revision run commits its row in migrate.run as 'running', and a
 * background job's worker commits its row in migrate.job as 'running'; a
 * runner or worker killed midway leaves them so.  A run is orphaned when
 * nobody holds the runner lock for it: such runs hold it (at session level)
 * from start to end, so whoever holds the runner lock and finds a 'running'
 * row other than its own run's knows its runner is gone.  A job is orphaned
 * when shared memory has no live slot for it (its worker exited, or the
 * server restarted).  The next runner, whatever its path, marks both
 * failed, as abandoned.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "dirty.h"
#include "locks.h"
#include "progress.h"

PG_FUNCTION_INFO_V1(migrate_resolve_dirty);

/* the run this backend has in progress, if any: not orphaned */
static int64 own_run_id = 0;

/* How the run log and the dirty mark name an operation */
const char *
migrate_operation_name(MigrateOperation op)
{
	switch (op)
	{
		case MIGRATE_OP_UPGRADE:
			return "upgrade";
		case MIGRATE_OP_DOWNGRADE:
			return "downgrade";
		case MIGRATE_OP_STAMP:
			return "stamp";
	}
	return "?";
}

/* Does the catalog have the 1.1 objects (the database ran the update)? */
bool
migrate_catalog_is_1_1(void)
{
	Oid			nsp = get_namespace_oid("migrate", true);

	return OidIsValid(nsp) && OidIsValid(get_relname_relid("dirty", nsp));
}


void
migrate_require_1_1(void)
{
	if (!migrate_catalog_is_1_1())
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"migrate\" must be updated to version 1.1"),
				 errhint("Run ALTER EXTENSION migrate UPDATE.")));
}

/* A per-revision run of this backend starts (run_id) or ends (0) */
void
migrate_dirty_own_run(int64 run_id)
{
	own_run_id = run_id;
}

/*
 * Is the job's worker alive (or about to start)?  If not, *error gets what
 * shared memory knows of its end (say, why the worker could not connect),
 * or NULL.
 */
static bool
job_alive(int64 job_id, char **error)
{
	int			slot;
	MigrateJobSlot j;

	*error = NULL;
	if (!migrate_shmem_available())
		return false;
	slot = migrate_job_slot_find(job_id);
	if (slot < 0)
		return false;
	j = migrate_job_slot_read(slot);
	if (j.job_id != job_id)
		return false;
	if (j.state == MIGRATE_JOB_QUEUED || j.state == MIGRATE_JOB_RUNNING)
		return true;
	if (j.error[0])
		*error = pstrdup(j.error);
	return false;
}

/* See the file comment */
static void
mark_orphans(void)
{
	Oid			save_userid;
	int			save_sec;
	List	   *dead_ids = NIL;
	List	   *dead_errors = NIL;

	/* a read-only caller (a dry run, say) changes nothing */
	if (XactReadOnly)
		return;
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	if (migrate_runner_lock_held())
		migrate_spi_exec(SPI_OK_UPDATE,
						 "UPDATE migrate.run SET status = 'failed',"
						 " finished_at = pg_catalog.clock_timestamp(),"
						 " error = 'abandoned: the runner exited before the run finished'"
						 " WHERE status OPERATOR(pg_catalog.=) 'running'"
						 " AND run_id OPERATOR(pg_catalog.<>) $1",
						 1, (Oid[]) {INT8OID},
						 (Datum[]) {Int64GetDatum(own_run_id)}, NULL);
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT job_id FROM migrate.job"
					 " WHERE state OPERATOR(pg_catalog.=) 'running'"
					 " OR state OPERATOR(pg_catalog.=) 'queued'",
					 0, NULL, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int64		job_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
														 SPI_tuptable->tupdesc,
														 1, &isnull));
		char	   *error;

		if (!job_alive(job_id, &error))
		{
			dead_ids = lappend(dead_ids, psprintf(INT64_FORMAT, job_id));
			dead_errors = lappend(dead_errors, error ? error :
								  pstrdup("abandoned: the worker exited before the job finished"));
		}
	}
	if (dead_ids != NIL)
		migrate_spi_exec(SPI_OK_UPDATE,
						 "UPDATE migrate.job j SET state = 'failed',"
						 " finished_at = pg_catalog.clock_timestamp(),"
						 " error = pg_catalog.concat(d.error,"
						 " ': ' OPERATOR(pg_catalog.||) j.error)"
						 " FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]),"
						 " pg_catalog.unnest($2)) AS d (job_id, error)"
						 " WHERE j.job_id OPERATOR(pg_catalog.=) d.job_id",
						 2, (Oid[]) {TEXTARRAYOID, TEXTARRAYOID},
						 (Datum[]) {migrate_list_to_text_array(dead_ids),
						 migrate_list_to_text_array(dead_errors)}, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/*
 * Before a run: mark what dead runners left running as abandoned, and
 * refuse to run while a non-transactional revision is unfinished.  Every
 * runner calls this once it holds the runner lock; job submission calls it
 * without.
 */
void
migrate_dirty_check(void)
{
	Oid			save_userid;
	int			save_sec;

	if (!migrate_catalog_is_1_1())
		return;
	mark_orphans();
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT revision, direction,"
					 " statements_done::pg_catalog.text,"
					 " statements::pg_catalog.text,"
					 " failed_statement::pg_catalog.text,"
					 " coalesce(error, 'the runner exited'::pg_catalog.text)"
					 " FROM migrate.dirty", 0, NULL, NULL, NULL);
	if (SPI_processed > 0)
	{
		char	   *rev = migrate_spi_text(0, 1);

		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("database is dirty: non-transactional revision \"%s\" did not finish",
						rev),
				 errdetail("Its %s script completed %s of %s statements, then stopped: %s.",
						   migrate_spi_text(0, 2), migrate_spi_text(0, 3),
						   migrate_spi_text(0, 4), migrate_spi_text(0, 6)),
				 errhint("Look at migrate.dirty, finish or undo the revision by hand, then run SELECT migrate_resolve_dirty('%s', applied => true) or migrate_resolve_dirty('%s', applied => false).",
						 rev, rev)));
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}


/*
 * Mark the database dirty before the first statement of a non-transactional
 * revision; committed on its own, so a crash midway leaves it.
 */
void
migrate_dirty_mark(const char *revision, const MgStep *s, int nstatements,
				   int64 run_id, int64 job_id)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_INSERT,
					 "INSERT INTO migrate.dirty (revision, direction, statements,"
					 " from_rows, to_rows, remove_rows, add_rows, run_id, job_id)"
					 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
					 9, (Oid[]) {TEXTOID, TEXTOID, INT4OID, TEXTARRAYOID, TEXTARRAYOID,
					 TEXTARRAYOID, TEXTARRAYOID, INT8OID, INT8OID},
					 (Datum[]) {CStringGetTextDatum(revision),
					 CStringGetTextDatum(s->upgrade ? "upgrade" : "downgrade"),
					 Int32GetDatum(nstatements),
					 migrate_cstrings_to_text_array(s->from, s->nfrom),
					 migrate_cstrings_to_text_array(s->to, s->nto),
					 migrate_cstrings_to_text_array(s->remove, s->nremove),
					 migrate_cstrings_to_text_array(s->add, s->nadd),
					 Int64GetDatum(run_id), Int64GetDatum(job_id)},
					 (char[]) {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ',
					 job_id ? ' ' : 'n'});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* How far the revision got, and why it stopped */
void
migrate_dirty_update(int done, int failed, const char *failed_sql, const char *error)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.dirty SET statements_done = $1,"
					 " failed_statement = $2, failed_sql = $3, error = $4",
					 4, (Oid[]) {INT4OID, INT4OID, TEXTOID, TEXTOID},
					 (Datum[]) {Int32GetDatum(done), Int32GetDatum(failed),
					 failed_sql ? CStringGetTextDatum(failed_sql) : (Datum) 0,
					 error ? CStringGetTextDatum(error) : (Datum) 0},
					 (char[]) {' ', failed ? ' ' : 'n', failed_sql ? ' ' : 'n',
					 error ? ' ' : 'n'});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* In the transaction that records the revision as applied */
void
migrate_dirty_clear(void)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_DELETE, "DELETE FROM migrate.dirty", 0, NULL,
					 NULL, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* ---- non-transactional revisions in a plan ---- */

/* The ids among the given ones that were registered transactional => false */
List *
migrate_nontransactional_ids(List *ids)
{
	Oid			save_userid;
	int			save_sec;
	MemoryContext cxt = CurrentMemoryContext;
	List	   *result = NIL;

	if (ids == NIL || !migrate_catalog_is_1_1())
		return NIL;
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT id FROM migrate.revision"
					 " WHERE NOT transactional"
					 " AND id OPERATOR(pg_catalog.=) ANY ($1)",
					 1, (Oid[]) {TEXTARRAYOID},
					 (Datum[]) {migrate_list_to_text_array(ids)}, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		/* the list too, not only its strings: SPI_finish frees SPI's memory */
		MemoryContext spicxt = MemoryContextSwitchTo(cxt);

		result = lappend(result, pstrdup(migrate_spi_text(i, 1)));
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return result;
}

List *
migrate_plan_ids(const MgGraph *g, const MgPlan *plan)
{
	List	   *ids = NIL;

	for (int i = 0; i < plan->nsteps; i++)
		if (plan->steps[i].rev >= 0)
			ids = lappend(ids, (char *) mg_graph_rev(g, plan->steps[i].rev)->id);
	return ids;
}

/*
 * migrate_upgrade() and friends run in the caller's transaction, where a
 * non-transactional revision cannot run: refuse before running anything.
 */
void
migrate_refuse_nontransactional(MigrateOperation op, const MgGraph *g,
								const MgPlan *plan)
{
	List	   *nontx;

	if (op == MIGRATE_OP_STAMP)
		return;
	nontx = migrate_nontransactional_ids(migrate_plan_ids(g, plan));
	if (nontx != NIL)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("revision \"%s\" cannot run inside a transaction block",
						(char *) linitial(nontx)),
				 errdetail("It was registered with transactional => false: its statements run one by one at top level, each in a transaction of its own."),
				 op == MIGRATE_OP_UPGRADE ?
				 errhint("Use CALL migrate_upgrade_each(...) or SELECT migrate_upgrade_async(...), which run such revisions in a background worker.") :
				 errhint("Use CALL migrate_downgrade_each(...), which runs such revisions in a background worker.")));
}

/* ---- SQL: the dirty mark ---- */

Datum
migrate_resolve_dirty(PG_FUNCTION_ARGS)
{
	char	   *revision;
	bool		applied;
	Oid			save_userid;
	int			save_sec;
	MgStep		s = {0};
	char	   *direction;
	const char **items;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arguments \"revision\" and \"applied\" must not be null")));
	revision = text_to_cstring(PG_GETARG_TEXT_PP(0));
	applied = PG_GETARG_BOOL(1);
	migrate_require_1_1();
	migrate_lock_graph(false);
	migrate_lock_runner();

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT revision, direction, from_rows, to_rows,"
					 " remove_rows, add_rows FROM migrate.dirty FOR UPDATE",
					 0, NULL, NULL, NULL);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("database is not dirty"),
				 errdetail("No non-transactional revision is unfinished.")));
	if (strcmp(migrate_spi_text(0, 1), revision) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the unfinished revision is \"%s\", not \"%s\"",
						migrate_spi_text(0, 1), revision)));
	direction = migrate_spi_text(0, 2);
	s.upgrade = strcmp(direction, "upgrade") == 0;
	s.nfrom = migrate_spi_text_array(0, 3, &items);
	s.from = items;
	s.nto = migrate_spi_text_array(0, 4, &items);
	s.to = items;
	s.nremove = migrate_spi_text_array(0, 5, &items);
	s.remove = items;
	s.nadd = migrate_spi_text_array(0, 6, &items);
	s.add = items;
	migrate_spi_exec(SPI_OK_DELETE, "DELETE FROM migrate.dirty", 0, NULL,
					 NULL, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);

	if (applied)
	{
		MigrateRevisionRow *row = migrate_revision_fetch(revision);
		int64		run_id;

		if (row == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("revision \"%s\" does not exist", revision)));
		s.rev = -1;
		run_id = migrate_run_begin(direction, revision);
		migrate_record_step(run_id, 1, &s, revision, row->checksum, false,
							GetCurrentTimestamp());
		migrate_run_finish(run_id, 1);
	}
	ereport(NOTICE,
			(errmsg("revision \"%s\" is no longer marked unfinished; %s",
					revision, applied ? "it is recorded as applied" :
					"the version rows are as before it")));
	PG_RETURN_VOID();
}
