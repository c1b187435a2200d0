-- fixed, was known: runner-fail-run-uaf
-- The async job is submitted and waited for in two statements (a job starts
-- when the transaction that submitted it commits).  Its second step fails
-- with "stack depth limit exceeded" in its second statement: fail_run()
-- raised that error from ErrorData freed by the commit that recorded the
-- failure, and the migrate worker died of SIGSEGV (main of 2026-11-29,
-- cf79cc9; fixed on branch fix, TAP 021_failed_step_error).
SELECT migrate_revision('a', 'SELECT 1', NULL, 'ff000000000a', '{}')
;;
SELECT migrate_revision('deep', 'SELECT pg_catalog.pg_sleep(0.2);
SELECT ' || pg_catalog.repeat('1+', 19999) || '1;
SELECT 2', NULL, 'ff000000000b', ARRAY['ff000000000a'])
;;
SELECT migrate_upgrade_async('heads')
;;
SELECT migrate_wait(max(job_id), '20 s') FROM migrate.job
