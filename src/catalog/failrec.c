/*-------------------------------------------------------------------------
 *
 * failrec.c
 *	  Recording failed runs: in the current transaction, and runs that
 *	  failed inside their caller's transaction.
 *
 * Layer: catalog (src/catalog/): run/exec.c and ops/ (runner.c, worker.c)
 * call it; within catalog/ it calls catalog.c only.
 *
 * SELECT migrate_upgrade() is one unit with its caller's transaction: when a
 * script fails, everything the run wrote rolls back, its rows in
 * migrate.run and migrate.run_step included.  Yet the run log is where a
 * failed scheduled run (pg_cron, say) should be found.  So the failing
 * backend, still in its PG_CATCH and before its transaction aborts, copies
 * what it knows of the failure into a dynamic shared memory segment and
 * starts a short-lived background worker, which records the failed run in
 * a transaction of its own.  This needs no shared_preload_libraries; it is
 * best effort: with no worker slot or DSM segment free the failure is only
 * reported to the caller and the server log, as before.
 *
 * Nothing here touches the catalog while the error is pending (buffer or
 * other locks may still be held until the transaction aborts): everything
 * but the error itself is captured when the run starts.  The worker records
 * only into the incarnation of the extension the run used (by the OID of
 * migrate.run), and gives up on a lock after a short lock_timeout rather
 * than deadlock with, say, a DROP EXTENSION right after the failure.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "failrec.h"

PGDLLEXPORT void migrate_failure_worker_main(Datum main_arg);

/* What the worker records; fixed size, so it travels as one DSM segment */
typedef struct FailureRecord
{
	Oid			dboid;
	Oid			run_relid;		/* migrate.run when the run started */
	int			backend_pid;
	TimestampTz started_at;
	char		operation[16];
	char		role_name[NAMEDATALEN];
	char		application_name[NAMEDATALEN];
	char		target[512];
	char		error[2048];
} FailureRecord;

/* The error and its context on one line, for migrate.run.error */
static void
describe_error(const ErrorData *edata, char *buf, size_t size)
{
	StringInfoData s;

	initStringInfo(&s);
	appendStringInfoString(&s, edata->message ? edata->message : "unknown error");
	if (edata->context)
	{
		appendStringInfoString(&s, " (");
		for (const char *p = edata->context; *p; p++)
		{
			if (*p == '\n')
				appendStringInfoString(&s, "; ");
			else
				appendStringInfoChar(&s, *p);
		}
		appendStringInfoChar(&s, ')');
	}
	/* cut at a character boundary */
	strlcpy(buf, s.data, pg_mbcliplen(s.data, s.len, size - 1) + 1);
}

/* The run now starting, should it fail; see migrate_failure_prepare() */
static FailureRecord pending;
static bool pending_valid = false;

/*
 * Capture, while the transaction is healthy, all a failure record needs but
 * the error: called when a run starts.
 */
void
migrate_failure_prepare(const char *operation, const char *target)
{
	const char *appname = GetConfigOption("application_name", true, false);
	Oid			nsp = get_namespace_oid("migrate", true);

	memset(&pending, 0, sizeof(FailureRecord));
	pending.dboid = MyDatabaseId;
	pending.run_relid = OidIsValid(nsp) ? get_relname_relid("run", nsp) : InvalidOid;
	pending.backend_pid = MyProcPid;
	pending.started_at = GetCurrentTimestamp();
	strlcpy(pending.operation, operation, sizeof(pending.operation));
	strlcpy(pending.role_name, GetUserNameFromId(GetOuterUserId(), false),
			sizeof(pending.role_name));
	if (appname)
		strlcpy(pending.application_name, appname,
				pg_mbcliplen(appname, strlen(appname), NAMEDATALEN - 1) + 1);
	if (target)
		strlcpy(pending.target, target,
				pg_mbcliplen(target, strlen(target), sizeof(pending.target) - 1) + 1);
	pending_valid = true;
}

/* No run is starting (or the last one is over) */
void
migrate_failure_forget(void)
{
	pending_valid = false;
}

static void
start_failure_worker(const FailureRecord *rec)
{
	dsm_segment *seg;
	dsm_handle	handle;
	BackgroundWorker worker;

	seg = dsm_create(sizeof(FailureRecord), DSM_CREATE_NULL_IF_MAXSEGMENTS);
	if (seg == NULL)
		return;
	memcpy(dsm_segment_address(seg), rec, sizeof(FailureRecord));
	handle = dsm_segment_handle(seg);
	/* outlive this backend's mapping; the worker unpins it */
	dsm_pin_segment(seg);

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strcpy(worker.bgw_library_name, "migrate");
	strcpy(worker.bgw_function_name, "migrate_failure_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "migrate run-log writer for PID %d",
			 MyProcPid);
	strcpy(worker.bgw_type, "migrate worker");
	worker.bgw_main_arg = UInt32GetDatum(handle);
	worker.bgw_notify_pid = 0;
	if (!RegisterDynamicBackgroundWorker(&worker, NULL))
		dsm_unpin_segment(handle);
	dsm_detach(seg);
}

/*
 * Called from a PG_CATCH block while the caller's error is current, after a
 * run started (migrate_failure_prepare).  It never replaces that error:
 * whatever goes wrong here is dropped and the original error is re-thrown.
 */
void
migrate_record_failure_in_background(void)
{
	MemoryContext oldcxt;
	ErrorData  *edata;

	if (!pending_valid)
		return;
	pending_valid = false;
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	edata = CopyErrorData();
	PG_TRY();
	{
		describe_error(edata, pending.error, sizeof(pending.error));
		start_failure_worker(&pending);
	}
	PG_CATCH();
	{
		/* forget our own trouble, restore the caller's error */
		FlushErrorState();
		MemoryContextSwitchTo(TopMemoryContext);
		ReThrowError(edata);
	}
	PG_END_TRY();
	FreeErrorData(edata);
	MemoryContextSwitchTo(oldcxt);
}

/* ---- the worker ---- */

static void
insert_failed_run(const FailureRecord *rec)
{
	Datum		values[8];
	char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = CStringGetTextDatum(rec->operation);
	values[1] = CStringGetTextDatum(rec->target);
	nulls[1] = rec->target[0] ? ' ' : 'n';
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(rec->role_name));
	values[3] = CStringGetTextDatum(rec->application_name);
	nulls[3] = rec->application_name[0] ? ' ' : 'n';
	values[4] = Int32GetDatum(rec->backend_pid);
	values[5] = TimestampTzGetDatum(rec->started_at);
	values[6] = CStringGetTextDatum(rec->error);
	values[7] = (Datum) 0;
	migrate_spi_exec(SPI_OK_INSERT,
					 "INSERT INTO migrate.run (operation, target, status, steps,"
					 " role_name, application_name, backend_pid, started_at,"
					 " finished_at, error) VALUES ($1, $2, 'failed', 0, $3, $4,"
					 " $5, $6, pg_catalog.clock_timestamp(), $7)",
					 7, (Oid[]) {TEXTOID, TEXTOID, NAMEOID, TEXTOID, INT4OID,
					 TIMESTAMPTZOID, TEXTOID}, values, nulls);
}

/* migrate.run of the extension as it is now, or InvalidOid */
static Oid
run_log_relid(void)
{
	Oid			nsp;

	if (!OidIsValid(get_extension_oid("migrate", true)))
		return InvalidOid;
	nsp = get_namespace_oid("migrate", true);
	return OidIsValid(nsp) ? get_relname_relid("run", nsp) : InvalidOid;
}

void
migrate_failure_worker_main(Datum main_arg)
{
	dsm_handle	handle = DatumGetUInt32(main_arg);
	dsm_segment *seg;
	FailureRecord rec;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	seg = dsm_attach(handle);
	if (seg == NULL)
		proc_exit(0);
	memcpy(&rec, dsm_segment_address(seg), sizeof(FailureRecord));
	dsm_unpin_segment(handle);
	dsm_detach(seg);

	/* as the bootstrap superuser: the record names the role that failed */
	BackgroundWorkerInitializeConnectionByOid(rec.dboid, InvalidOid, 0);
	pgstat_report_appname("migrate run-log writer");

	/* yield to anyone holding our tables (DROP EXTENSION) within 100 ms */
	SetConfigOption("lock_timeout", "100", PGC_USERSET, PGC_S_SESSION);
	/*
	 * As a superuser, immune to ALTER DATABASE/ROLE ... SET search_path: only
	 * pg_catalog, then the (empty) temporary schema.
	 */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_USERSET,
					PGC_S_SESSION);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PushActiveSnapshot(GetTransactionSnapshot());
	if (OidIsValid(rec.run_relid) && run_log_relid() == rec.run_relid)
	{
		SPI_connect();
		insert_failed_run(&rec);
		SPI_finish();
	}
	PopActiveSnapshot();
	CommitTransactionCommand();
	proc_exit(0);
}

/*
 * Record a failed run in the current transaction: update the run's row if
 * it was committed as running, else add one (a single-transaction run's own
 * row went away with its transaction).
 */
void
migrate_record_failed_run(int64 run_id, const char *operation,
						  const char *target, int steps, const char *error)
{
	Oid			save_userid;
	int			save_sec;
	char	   *caller = GetUserNameFromId(GetUserId(), false);
	const char *appname = GetConfigOption("application_name", true, false);
	Datum		values[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	values[0] = Int64GetDatum(run_id);
	values[1] = Int32GetDatum(steps);
	values[2] = CStringGetTextDatum(error ? error : "");
	if (run_id > 0)
		migrate_spi_exec(SPI_OK_UPDATE,
						 "UPDATE migrate.run SET status = 'failed', steps = $2,"
						 " error = $3, finished_at = pg_catalog.clock_timestamp()"
						 " WHERE run_id OPERATOR(pg_catalog.=) $1",
						 3, (Oid[]) {INT8OID, INT4OID, TEXTOID}, values, NULL);
	else
	{
		values[0] = CStringGetTextDatum(operation);
		values[3] = target ? CStringGetTextDatum(target) : (Datum) 0;
		nulls[3] = target ? ' ' : 'n';
		values[4] = DirectFunctionCall1(namein, CStringGetDatum(caller));
		values[5] = appname ? CStringGetTextDatum(appname) : (Datum) 0;
		nulls[5] = appname ? ' ' : 'n';
		migrate_spi_exec(SPI_OK_INSERT,
						 "INSERT INTO migrate.run (operation, steps, error, target,"
						 " role_name, application_name, status, finished_at)"
						 " VALUES ($1, $2, $3, $4, $5, $6, 'failed',"
						 " pg_catalog.clock_timestamp())",
						 6, (Oid[]) {TEXTOID, INT4OID, TEXTOID, TEXTOID, NAMEOID, TEXTOID},
						 values, nulls);
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}
