-- fixed, was known: issue7-d3
-- An async job runs a revision whose script calls migrate_upgrade itself:
-- the nested run replaces the graph the job's own run is still reading and
-- the migrate worker dies of SIGSEGV (found by the fuzzer, seed 13, in main
-- of 2026-11-29; the worker was running statement 1, the nested call).
SELECT migrate_revision('a', 'SELECT 1', NULL, 'd3000000000a', '{}')
;;
SELECT migrate_revision('nested', $$SELECT * FROM migrate_upgrade('heads')$$, NULL, 'd3000000000b', ARRAY['d3000000000a'])
;;
SELECT migrate_revision('c', 'SELECT 1', NULL, 'd3000000000c', ARRAY['d3000000000b'])
;;
SELECT migrate_upgrade_async('heads')
;;
SELECT migrate_wait(max(job_id), '20 s') FROM migrate.job
