-- statement_timeout: 1000
-- After ALTER TYPE ... ADD VALUE, the lint checks every later INSERT ...
-- VALUES for a use of the new value (enum-value-used-in-same-transaction).
-- Fixed: the columns are listed once per statement (insert_columns() in
-- src/lint/lint_enum.c).  Before, for an INSERT without a column list, insert_uses()
-- calls insert_column(relid, i) for every value of every row, and
-- insert_column() walks pg_attribute by syscache from attnum 1 up to i:
-- rows * columns^2 / 2 lookups, and no CHECK_FOR_INTERRUPTS anywhere in
-- the statement's check.  300 rows of a 1600-column table are 384 million
-- lookups: about 25 s on a small machine before the lint loop's next
-- CHECK_FOR_INTERRUPTS sees the 1 s statement_timeout (100 rows: 8.5 s).
-- The plain INSERT needs no new value in it: the scan happens for any
-- value while the added value is pending.
CREATE TYPE fuzz_mood AS ENUM ('sad', 'ok')
;;
DO $$BEGIN
  EXECUTE 'CREATE TABLE wide_q (' || (SELECT pg_catalog.string_agg('c' || i || ' fuzz_mood', ', ')
                                     FROM pg_catalog.generate_series(1, 1600) i) || ')';
END$$
;;
SELECT count(*) FROM migrate_lint_sql('ALTER TYPE fuzz_mood ADD VALUE ''v''; INSERT INTO wide_q VALUES '
  || (SELECT pg_catalog.string_agg('(' || (SELECT pg_catalog.string_agg('''ok''', ',')
                                           FROM pg_catalog.generate_series(1, 1600)) || ')', ',')
      FROM pg_catalog.generate_series(1, 300)))
