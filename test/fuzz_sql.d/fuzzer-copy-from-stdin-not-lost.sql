-- A fuzzer defect, not the extension's: psycopg2 refuses COPY ... FROM STDIN
-- on its own ("can't execute COPY FROM: use the copy_from() method instead",
-- no SQLSTATE), and fuzz_sql reported that as a lost connection (CI run of
-- seed 622643239).  It now counts as SQLSTATE "client" and reconnects,
-- since the connection may be left in COPY mode.
CREATE TABLE cpy (a int)
;;
COPY cpy FROM STDIN
;;
SELECT count(*) FROM cpy
