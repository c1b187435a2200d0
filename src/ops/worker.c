/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  Background workers of migrate: AUTO_MIGRATE at server start, and
 *	  background jobs.
 *
 * With migrate in shared_preload_libraries a launcher starts once recovery
 * has finished (never on a standby).  When migrate.auto_upgrade is on it
 * starts, one after the other, a dynamic worker per database listed in
 * migrate.databases (autoprewarm's leader and per-database workers), which
 * connects as migrate.role and upgrades the database to
 * migrate.auto_upgrade_target.  Each database gets one structured log line,
 * after the seed's "action=run_migrations status=success":
 *
 *	migrate: action=run_migrations database=app status=success applied=3 duration_ms=41
 *
 * A plan of transactional revisions runs in one transaction, so a failure
 * leaves nothing half-applied; the failure is logged, recorded in the run
 * log in a fresh transaction, and the server stays up.  A plan with
 * non-transactional revisions runs step by step as a background job would.
 *
 * Background jobs (migrate_upgrade_async(), and CALL migrate_upgrade_each()
 * for plans a procedure cannot run) each get a dynamic worker that connects
 * to the caller's database as the calling role, takes what to do from its
 * shared memory job slot, writes the job's row itself, and runs the plan
 * with a commit per step; statements of non-transactional revisions run at
 * top level with pg_cron's ExecuteSqlString pattern.  The worker is
 * registered just before the submitting transaction commits and waits,
 * before it connects, until the commit tells it to go (jobs.c).  A FATAL
 * error while it connects is kept as the job's error.
 *
 * Operations layer.
 *
 * Errors end a worker through autovacuum's PG_CATCH sequence, after which
 * the failure is recorded in a fresh transaction.
 *
 * Layer: ops (src/ops/), above runner.c (it runs plans with it) and below
 * jobs.c (which starts job workers); it calls run/exec.c and catalog/ too.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/ps_status.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "catalog.h"
#include "dirty.h"
#include "exec.h"
#include "failrec.h"
#include "job_rows.h"
#include "jobs.h"
#include "locks.h"
#include "progress.h"
#include "runner.h"

PGDLLEXPORT void migrate_launcher_main(Datum main_arg);
PGDLLEXPORT void migrate_auto_worker_main(Datum main_arg);
PGDLLEXPORT void migrate_job_worker_main(Datum main_arg);

bool		migrate_auto_upgrade = false;
char	   *migrate_databases = NULL;
char	   *migrate_auto_upgrade_target = NULL;
char	   *migrate_role = NULL;

/* ---- registration ---- */

void
migrate_register_launcher(void)
{
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strcpy(worker.bgw_library_name, "migrate");
	strcpy(worker.bgw_function_name, "migrate_launcher_main");
	strcpy(worker.bgw_name, "migrate launcher");
	strcpy(worker.bgw_type, "migrate launcher");
	RegisterBackgroundWorker(&worker);
}

/* ---- background jobs ---- */

/* Returns false if no worker slot was free */
int
migrate_start_job_worker(int64 job_id, int slot)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	strcpy(worker.bgw_library_name, "migrate");
	strcpy(worker.bgw_function_name, "migrate_job_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "migrate job %lld", (long long) job_id);
	strcpy(worker.bgw_type, "migrate worker");
	worker.bgw_main_arg = Int32GetDatum(slot);
	memcpy(worker.bgw_extra, &job_id, sizeof(job_id));
	worker.bgw_notify_pid = 0;
	return RegisterDynamicBackgroundWorker(&worker, &handle);
}

static int	job_slot = -1;
static int64 job_id = 0;

/*
 * A FATAL error while the worker connects (the role may not log in, the
 * database refuses connections) ends the process before any PG_CATCH: this
 * hook keeps its message, so that the job's slot says why, not only the
 * server log.
 */
static emit_log_hook_type prev_emit_log_hook = NULL;
static char startup_error[MIGRATE_ERROR_LEN];

static void
job_startup_log_hook(ErrorData *edata)
{
	if (edata->elevel >= FATAL && startup_error[0] == '\0' && edata->message)
		snprintf(startup_error, sizeof(startup_error),
				 "the worker could not start: %s", edata->message);
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* At worker exit: a job still marked live in shared memory failed */
static void
job_exit_callback(int code, Datum arg)
{
	MigrateJobSlot j;

	if (job_slot < 0)
		return;
	j = migrate_job_slot_read(job_slot);
	if (j.job_id == job_id &&
		(j.state == MIGRATE_JOB_QUEUED || j.state == MIGRATE_JOB_RUNNING))
		migrate_job_slot_update(job_slot, job_id, MIGRATE_JOB_FAILED, -1, -1,
								startup_error[0] ? startup_error :
								"the worker exited before the job finished");
	migrate_progress_end();
}

/*
 * The worker is registered just before the submitting transaction commits:
 * wait until it has (GO), or has rolled back (CANCELLED: exit, nothing
 * runs).  Returns false to exit.
 */
static bool
wait_for_launch(void)
{
	for (;;)
	{
		MigrateJobSlot j = migrate_job_slot_read(job_slot);

		if (j.job_id != job_id || j.launch == MIGRATE_JOB_LAUNCH_CANCELLED)
			return false;
		if (j.launch == MIGRATE_JOB_LAUNCH_GO)
			return true;
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

static void
set_session_settings(const char *appname)
{
	char		buf[32];

	SetConfigOption("application_name", appname, PGC_USERSET, PGC_S_SESSION);
	pgstat_report_appname(appname);
	if (migrate_lock_timeout > 0)
	{
		snprintf(buf, sizeof(buf), "%d", migrate_lock_timeout);
		SetConfigOption("lock_timeout", buf, PGC_USERSET, PGC_S_SESSION);
	}
}

void
migrate_job_worker_main(Datum main_arg)
{
	MigrateJobSlot j;
	MigrateStepwise sw = {0};
	char		appname[64];

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	job_slot = DatumGetInt32(main_arg);
	memcpy(&job_id, MyBgworkerEntry->bgw_extra, sizeof(job_id));
	if (migrate_shared == NULL || job_slot < 0 || job_slot >= MIGRATE_JOB_SLOTS)
		proc_exit(1);
	j = migrate_job_slot_read(job_slot);
	if (j.job_id != job_id)
		proc_exit(1);
	before_shmem_exit(job_exit_callback, (Datum) 0);
	if (!wait_for_launch())
		proc_exit(0);

	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = job_startup_log_hook;
	BackgroundWorkerInitializeConnectionByOid(j.dboid, j.roleoid, 0);
	emit_log_hook = prev_emit_log_hook;
	snprintf(appname, sizeof(appname), "migrate job %lld", (long long) job_id);
	set_session_settings(appname);

	sw.op = strcmp(j.operation, "downgrade") == 0 ?
		MIGRATE_OP_DOWNGRADE : MIGRATE_OP_UPGRADE;
	sw.target = pstrdup(j.target);
	sw.job_id = job_id;
	sw.job_slot = job_slot;
	sw.in_worker = true;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		migrate_job_row_start(job_id, j.operation, j.target, j.submitted_at,
							  true);
		PopActiveSnapshot();
		CommitTransactionCommand();
		migrate_job_slot_update(job_slot, job_id, MIGRATE_JOB_RUNNING, 0, -1, NULL);

		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		migrate_stepwise_run(&sw);
		PopActiveSnapshot();
		CommitTransactionCommand();
		migrate_job_slot_update(job_slot, job_id, MIGRATE_JOB_SUCCEEDED,
								sw.done, -1, NULL);
		ereport(LOG,
				(errmsg("migrate: action=run_migrations job=%lld status=success applied=%d",
						(long long) job_id, sw.done)));
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		MemoryContext cxt = TopMemoryContext;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		EmitErrorReport();
		AbortOutOfAnyTransaction();
		FlushErrorState();
		RESUME_INTERRUPTS();

		if (!sw.failure_recorded)
		{
			/* a fresh transaction for the record */
			PG_TRY();
			{
				StartTransactionCommand();
				PushActiveSnapshot(GetTransactionSnapshot());
				migrate_record_failed_run(sw.run_id, migrate_operation_name(sw.op),
										  sw.target, sw.done, edata->message);
				migrate_job_row_finish(job_id, false, sw.done, edata->message);
				PopActiveSnapshot();
				CommitTransactionCommand();
			}
			PG_CATCH();
			{
				EmitErrorReport();
				AbortOutOfAnyTransaction();
				FlushErrorState();
			}
			PG_END_TRY();
		}
		migrate_job_slot_update(job_slot, job_id, MIGRATE_JOB_FAILED, sw.done,
								-1, edata->message);
		ereport(LOG,
				(errmsg("migrate: action=run_migrations job=%lld status=failed applied=%d error=\"%s\"",
						(long long) job_id, sw.done, edata->message)));
	}
	PG_END_TRY();
	proc_exit(0);
}

/* ---- AUTO_MIGRATE ---- */

static void
log_line(const char *database, const char *status, const char *rest)
{
	ereport(LOG,
			(errmsg("migrate: action=run_migrations%s%s status=%s%s%s",
					database ? " database=" : "", database ? database : "",
					status, rest ? " " : "", rest ? rest : "")));
}

static char *
quoted(const char *s)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoChar(&buf, '"');
	for (const char *p = s; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			appendStringInfoChar(&buf, '\\');
		appendStringInfoChar(&buf, *p == '\n' ? ' ' : *p);
	}
	appendStringInfoChar(&buf, '"');
	return buf.data;
}

/*
 * Does a database of this name exist?  pg_database is a shared catalog, so
 * the launcher, connected to no database, can scan it as autovacuum's
 * launcher does in get_database_list().
 */
static bool
database_exists(const char *dbname)
{
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	bool		found = false;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);

		if (strcmp(NameStr(db->datname), dbname) == 0)
		{
			found = true;
			break;
		}
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
	return found;
}

void
migrate_launcher_main(Datum main_arg)
{
	List	   *names;
	ListCell   *lc;
	char	   *rawnames;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	if (!migrate_auto_upgrade)
	{
		log_line(NULL, "skipped", "reason=\"migrate.auto_upgrade is off\"");
		proc_exit(0);
	}
	if (RecoveryInProgress())
	{
		log_line(NULL, "skipped", "reason=\"server is in recovery\"");
		proc_exit(0);
	}
	/*
	 * The launcher connects to no database (it reads only the shared
	 * pg_database); each per-database worker connects by name as
	 * migrate.role.
	 */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	rawnames = pstrdup(migrate_databases ? migrate_databases : "");
	if (!SplitIdentifierString(rawnames, ',', &names))
	{
		log_line(NULL, "failed", "error=\"invalid list syntax in migrate.databases\"");
		proc_exit(0);
	}
	if (names == NIL)
		log_line(NULL, "skipped", "reason=\"migrate.databases is empty\"");

	foreach(lc, names)
	{
		const char *dbname = lfirst(lc);
		BackgroundWorker worker;
		BackgroundWorkerHandle *handle;
		pid_t		pid;

		CHECK_FOR_INTERRUPTS();
		if (!(migrate_role && migrate_role[0]))
		{
			log_line(dbname, "failed", "error=\"migrate.role is not set\"");
			continue;
		}
		if (strlen(dbname) >= NAMEDATALEN || !database_exists(dbname))
		{
			log_line(dbname, "skipped", "reason=\"database does not exist\"");
			continue;
		}

		memset(&worker, 0, sizeof(worker));
		worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
		worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
		worker.bgw_restart_time = BGW_NEVER_RESTART;
		strcpy(worker.bgw_library_name, "migrate");
		strcpy(worker.bgw_function_name, "migrate_auto_worker_main");
		snprintf(worker.bgw_name, BGW_MAXLEN, "migrate auto-upgrade %s", dbname);
		strcpy(worker.bgw_type, "migrate worker");
		strlcpy(worker.bgw_extra, dbname, NAMEDATALEN);
		worker.bgw_notify_pid = MyProcPid;
		if (!RegisterDynamicBackgroundWorker(&worker, &handle))
		{
			log_line(dbname, "failed",
					 "error=\"could not register background process\" hint=\"You may need to increase max_worker_processes.\"");
			continue;
		}
		if (WaitForBackgroundWorkerStartup(handle, &pid) != BGWH_STARTED)
		{
			log_line(dbname, "failed", "error=\"could not start background process\"");
			continue;
		}
		(void) WaitForBackgroundWorkerShutdown(handle);
	}
	proc_exit(0);
}

/*
 * The auto-upgrade of a plan with non-transactional revisions, a step per
 * transaction; *applied and *run_id say how far it got even when it fails
 * (run_id -1: the failure is recorded already).
 */
static void
auto_upgrade_stepwise(const char *target, volatile int *applied,
					  volatile int64 *run_id)
{
	MigrateStepwise sw = {0};

	sw.op = MIGRATE_OP_UPGRADE;
	sw.target = target;
	sw.job_slot = -1;
	sw.in_worker = true;
	/* PG_CATCH, not PG_FINALLY: gcc -O1 -Wclobbered flags the latter here */
	PG_TRY();
	{
		migrate_stepwise_run(&sw);
	}
	PG_CATCH();
	{
		*applied = sw.done;
		*run_id = sw.failure_recorded ? -1 : sw.run_id;
		PG_RE_THROW();
	}
	PG_END_TRY();
	*applied = sw.done;
	*run_id = sw.failure_recorded ? -1 : sw.run_id;
}

void
migrate_auto_worker_main(Datum main_arg)
{
	char		dbname[NAMEDATALEN];
	const char *target;
	TimestampTz start;
	volatile int applied = 0;
	volatile int64 run_id = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	strlcpy(dbname, MyBgworkerEntry->bgw_extra, NAMEDATALEN);
	BackgroundWorkerInitializeConnection(dbname, migrate_role, 0);
	set_session_settings("migrate auto-upgrade");
	target = migrate_auto_upgrade_target && migrate_auto_upgrade_target[0] ?
		migrate_auto_upgrade_target : "heads";
	start = GetCurrentTimestamp();

	StartTransactionCommand();
	if (!OidIsValid(get_extension_oid("migrate", true)))
	{
		CommitTransactionCommand();
		log_line(dbname, "skipped", "reason=\"extension migrate is not installed\"");
		proc_exit(0);
	}
	CommitTransactionCommand();

	PG_TRY();
	{
		bool		stepwise;

		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		pgstat_report_activity(STATE_RUNNING, "migrate auto-upgrade");
		stepwise = migrate_plan_has_nontransactional(MIGRATE_OP_UPGRADE, target);
		if (!stepwise)
		{
			/* one transaction: all or nothing */
			List	   *results = migrate_execute(MIGRATE_OP_UPGRADE, target,
												  false, false, NULL);

			applied = list_length(results);
		}
		else
			auto_upgrade_stepwise(target, &applied, &run_id);
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
		log_line(dbname, "success",
				 psprintf("applied=%d duration_ms=%ld", applied,
						  TimestampDifferenceMilliseconds(start, GetCurrentTimestamp())));
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(TopMemoryContext);
		edata = CopyErrorData();
		EmitErrorReport();
		AbortOutOfAnyTransaction();
		FlushErrorState();
		RESUME_INTERRUPTS();

		if (run_id >= 0)
		{
			PG_TRY();
			{
				StartTransactionCommand();
				PushActiveSnapshot(GetTransactionSnapshot());
				migrate_record_failed_run(run_id, "upgrade", target, applied,
										  edata->message);
				PopActiveSnapshot();
				CommitTransactionCommand();
			}
			PG_CATCH();
			{
				EmitErrorReport();
				AbortOutOfAnyTransaction();
				FlushErrorState();
			}
			PG_END_TRY();
		}
		log_line(dbname, "failed",
				 psprintf("applied=%d duration_ms=%ld error=%s", applied,
						  TimestampDifferenceMilliseconds(start, GetCurrentTimestamp()),
						  quoted(edata->message)));
	}
	PG_END_TRY();
	proc_exit(0);
}
