-- fixed: issue7-d5 (by the core merge)
-- Replacing an unapplied revision while passing down_revisions: replace_revision
-- calls list_concat_unique on lists of C strings, and equal() on a
-- non-Node raises XX000 "unrecognized node type" (src/ops/register.c).
SELECT migrate_revision('a', 'SELECT 1', NULL, 'd5000000000a', '{}')
;;
SELECT migrate_revision('b', 'SELECT 1', NULL, 'd5000000000b', ARRAY['d5000000000a'])
;;
SELECT migrate_revision('b changed', 'SELECT 2', NULL, 'd5000000000b', ARRAY['d5000000000a'])
