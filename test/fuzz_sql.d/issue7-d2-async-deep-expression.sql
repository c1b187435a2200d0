-- known: issue7-d2
-- An async job whose statement fails with "stack depth limit exceeded"
-- (a 20,000-term expression): the worker's error report reads a freed
-- debug_query_string.  The migrate worker died of SIGSEGV in main of
-- 2026-11-29 (found by the fuzzer, seed 2).
SELECT migrate_revision('deep', 'SELECT ' || pg_catalog.repeat('1+', 20000) || '1', NULL, 'd2000000001a', '{}')
;;
SELECT migrate_wait(migrate_upgrade_async('heads'), '5 s')
