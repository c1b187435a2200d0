-- fixed: issue7-d7 (migrate_revision part, by the core merge)
-- statement_timeout: 1000
-- 100,000 down_revisions: the duplicate check is quadratic and never calls
-- CHECK_FOR_INTERRUPTS, so a 1 s statement_timeout fires after 10+ s.
SELECT migrate_revision('huge', 'SELECT 1', NULL, 'd7000000000a',
    ARRAY(SELECT pg_catalog.md5(i::pg_catalog.text) FROM pg_catalog.generate_series(1, 100000) i))
