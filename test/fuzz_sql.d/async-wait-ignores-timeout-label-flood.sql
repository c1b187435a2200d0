-- fixed, was known: async-wait-ignores-timeout
-- statement_timeout: 3000
-- A revision with 100,000 branch labels: building the graph deduplicated
-- the labels each descendant inherits by a scan per label, quadratic pure
-- C code without CHECK_FOR_INTERRUPTS.  Every reader that loads the graph
-- (migrate_heads, migrate_current, the registration itself, the job
-- worker) ran for 30-200 s and its statement_timeout fired only at the
-- next SPI query, "SELECT version_num FROM migrate.version": what looked
-- like readers waiting behind a running async job (the job's worker was
-- in the same loop).  Fixed on branch fix (regress label_flood).
SELECT migrate_revision('a', 'SELECT 1', NULL, 'fe000000000a', '{}')
;;
SELECT migrate_revision('b', 'SELECT 1', NULL, 'fe000000000b', '{}')
;;
SELECT migrate_revision('labels', 'SELECT 1', NULL, 'fe000000000c', ARRAY['fe000000000a', 'fe000000000b'], ARRAY(SELECT 'lab' || i FROM pg_catalog.generate_series(1, 100000) i))
;;
SELECT migrate_upgrade_async('heads')
;;
SELECT * FROM migrate_heads()
;;
SELECT * FROM migrate_current()
;;
SELECT migrate_wait(max(job_id), '20 s') FROM migrate.job
