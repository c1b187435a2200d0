-- fixed, was known: runner-fail-run-uaf
-- A failing transactional step of a per-revision run (async job or
-- CALL migrate_upgrade_each) is reported by fail_run() in src/ops/runner.c,
-- which commits (next_transaction) and then ereports from the ErrorData that
-- lived in the committed transaction's memory: a use-after-free.  With a
-- long message the freed block is returned to the system and the migrate
-- worker dies of SIGSEGV on Debian's build; on an assert-enabled build
-- (CLOBBER_FREED_MEMORY) any failing step crashes it.  Stack (assert build):
--   strlen <- dopr <- errmsg <- fail_run (src/ops/runner.c:555)
--   <- run_transactional_step (runner.c:589) <- migrate_stepwise_run
--   <- migrate_job_worker_main (worker.c:269)
SELECT migrate_revision('boom', $r$SELECT 1; DO $$BEGIN RAISE EXCEPTION '%', pg_catalog.repeat('boom ', 100000) USING ERRCODE = '22023'; END$$$r$, NULL, 'ee0000000001', '{}')
;;
SELECT migrate_upgrade_async('heads')
;;
SELECT migrate_wait(max(job_id), '20 s') FROM migrate.job
