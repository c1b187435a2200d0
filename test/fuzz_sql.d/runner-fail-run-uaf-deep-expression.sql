-- fixed, was known: runner-fail-run-uaf
-- An async job whose statement fails with "stack depth limit exceeded"
-- (a 20,000-term expression): the migrate worker died of SIGSEGV in main of
-- 2026-11-29 (found by the fuzzer, seed 2).  Issue 7 lists this shape under
-- defect 2, but the stack on an assert-enabled build is fail_run()
-- (src/ops/runner.c:555) reading the freed ErrorData, as in
-- runner-fail-run-uaf.sql.
SELECT migrate_revision('deep', 'SELECT ' || pg_catalog.repeat('1+', 20000) || '1', NULL, 'd2000000001a', '{}')
;;
SELECT migrate_upgrade_async('heads')
;;
SELECT migrate_wait(max(job_id), '20 s') FROM migrate.job
