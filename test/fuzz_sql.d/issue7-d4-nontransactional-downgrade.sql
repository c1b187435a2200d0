-- fixed, was known: issue7-d4
-- Downgrading, with CALL migrate_downgrade_each, a non-transactional
-- revision whose downgrade script is a CREATE INDEX CONCURRENTLY: the
-- migrate worker dies of SIGSEGV in main of 2026-11-29 (18056e0), found by
-- the fuzzer (seed 22, which also got XX000 "non-transactional revision
-- outside a worker" from a neighbouring sequence).  Stack (Debian build):
--   strlen <- cstring_to_text <- migrate_record_step (checksum freed)
--   <- run_nontransactional_step (src/ops/runner.c:724) <- migrate_stepwise_run
--   (runner.c:800) <- migrate_job_worker_main (worker.c:269)
-- Issue 7 defect 4: the step's row (and its checksum) is read after the
-- commit that freed it.
CREATE TABLE nt_t (id int)
;;
SELECT migrate_revision('nt', '', 'CREATE INDEX CONCURRENTLY IF NOT EXISTS nt_i ON nt_t (id)', 'ab0000000001', '{}', ARRAY['x6'], transactional => false)
;;
CALL migrate_upgrade_each('heads')
;;
CALL migrate_downgrade_each('x6@base')
