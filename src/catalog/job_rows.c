/*-------------------------------------------------------------------------
 *
 * job_rows.c
 *	  The rows of migrate.job: a background job's state as the catalog
 *	  shows it.
 *
 * Written by the submitting transaction (jobs.c), by the job's worker when
 * it starts and ends (worker.c), and by the per-revision runner after each
 * step (runner.c), always as the extension's owner.
 *
 * Layer: catalog.  These lived in ops/jobs.c, which made runner.c and
 * worker.c call back into the file that starts their workers; here all
 * three call down.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "job_rows.h"

/*
 * The job's row: written 'queued' by the submitting transaction (so it
 * exists once the job may start, and not at all if the submission rolls
 * back), and set 'running' by the job's worker when it starts.
 */
void
migrate_job_row_start(int64 job_id, const char *operation, const char *target,
					  TimestampTz submitted, bool worker)
{
	Oid			save_userid;
	int			save_sec;
	char	   *caller = GetUserNameFromId(GetUserId(), false);

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_INSERT,
					 "INSERT INTO migrate.job AS j (job_id, operation, target, state,"
					 " role_name, worker_pid, submitted_at, started_at)"
					 " VALUES ($1, $2, $3, $6, $4,"
					 " CASE WHEN $7 THEN pg_catalog.pg_backend_pid() END,"
					 " $5, CASE WHEN $7 THEN pg_catalog.clock_timestamp() END)"
					 " ON CONFLICT (job_id) DO UPDATE SET state = EXCLUDED.state,"
					 " worker_pid = EXCLUDED.worker_pid, started_at = EXCLUDED.started_at",
					 7, (Oid[]) {INT8OID, TEXTOID, TEXTOID, NAMEOID, TIMESTAMPTZOID,
					 TEXTOID, BOOLOID},
					 (Datum[]) {Int64GetDatum(job_id), CStringGetTextDatum(operation),
					 CStringGetTextDatum(target),
					 DirectFunctionCall1(namein, CStringGetDatum(caller)),
					 TimestampTzGetDatum(submitted),
					 CStringGetTextDatum(worker ? "running" : "queued"),
					 BoolGetDatum(worker)}, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

void
migrate_job_row_progress(int64 job_id, int steps_done, int steps_total, int64 run_id)
{
	Oid			save_userid;
	int			save_sec;

	if (job_id == 0)
		return;
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.job SET steps_done = $2,"
					 " steps_total = coalesce($3, steps_total),"
					 " run_id = coalesce($4, run_id)"
					 " WHERE job_id OPERATOR(pg_catalog.=) $1",
					 4, (Oid[]) {INT8OID, INT4OID, INT4OID, INT8OID},
					 (Datum[]) {Int64GetDatum(job_id), Int32GetDatum(steps_done),
					 Int32GetDatum(steps_total), Int64GetDatum(run_id)},
					 (char[]) {' ', ' ', steps_total < 0 ? 'n' : ' ',
					 run_id <= 0 ? 'n' : ' '});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

void
migrate_job_row_finish(int64 job_id, bool ok, int steps_done, const char *error)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.job SET state = $2, steps_done = $3,"
					 " error = $4, finished_at = pg_catalog.clock_timestamp()"
					 " WHERE job_id OPERATOR(pg_catalog.=) $1",
					 4, (Oid[]) {INT8OID, TEXTOID, INT4OID, TEXTOID},
					 (Datum[]) {Int64GetDatum(job_id),
					 CStringGetTextDatum(ok ? "succeeded" : "failed"),
					 Int32GetDatum(steps_done),
					 error ? CStringGetTextDatum(error) : (Datum) 0},
					 (char[]) {' ', ' ', ' ', error ? ' ' : 'n'});
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}
