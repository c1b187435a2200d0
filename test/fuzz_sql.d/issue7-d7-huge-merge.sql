-- fixed, was known: issue7-d7
-- statement_timeout: 500
-- migrate_merge with 100,000 revisions ignores a 500 ms statement_timeout
-- for 30+ s (found by the fuzzer, seed 23, in main of 2026-11-29 after the
-- core merge, which fixed the same for migrate_revision's arrays).
SELECT migrate_revision('a', 'SELECT 1', NULL, 'd7000000001a', '{}')
;;
SELECT migrate_merge(ARRAY(SELECT pg_catalog.md5(i::pg_catalog.text) FROM pg_catalog.generate_series(1, 100000) i), 'm')
