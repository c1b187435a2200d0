-- test/privileges_table.sql: README's "Who may call what" table, printed
-- from the catalog of a live install (psql -X -At; test/privileges_table
-- runs it).  Every function, procedure, view and table that is a member of
-- the extension, by who may use it: PUBLIC, then migrate_deployer (beyond
-- what PUBLIC may), then the rest, which only the extension owner and
-- superusers may; and a line for the database's owner, who need not be a
-- deployer (pg_database_owner: what it may beyond PUBLIC).  Overloads that differ are listed with their arguments.
-- t/023_readme_privileges.pl fails when README's table is not this output.
-- Names outside the extension's schema (schema migrate) are qualified; a
-- role may use an object only with USAGE on its schema too.
WITH ext AS (
	SELECT e.oid, e.extnamespace FROM pg_catalog.pg_extension e
	 WHERE e.extname = 'migrate'
), members AS (
	SELECT d.classid, d.objid, ext.extnamespace
	  FROM pg_catalog.pg_depend d JOIN ext ON ext.oid = d.refobjid
	 WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
	   AND d.deptype = 'e'
), objs AS (
	SELECT true AS func,
		   CASE WHEN p.pronamespace = m.extnamespace THEN '' ELSE n.nspname || '.' END
		   || p.proname AS name,
		   '(' || pg_catalog.pg_get_function_identity_arguments(p.oid) || ')' AS args,
		   pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE')
		   AND pg_catalog.has_schema_privilege('public', n.oid, 'USAGE') AS pub,
		   pg_catalog.has_function_privilege('migrate_deployer', p.oid, 'EXECUTE')
		   AND pg_catalog.has_schema_privilege('migrate_deployer', n.oid, 'USAGE') AS dep,
		   pg_catalog.has_function_privilege('pg_database_owner', p.oid, 'EXECUTE')
		   AND pg_catalog.has_schema_privilege('pg_database_owner', n.oid, 'USAGE') AS dbo,
		   false AS pub_w, false AS dep_w
	  FROM members m JOIN pg_catalog.pg_proc p ON p.oid = m.objid
	  JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
	 WHERE m.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
	UNION ALL
	SELECT false,
		   CASE WHEN c.relnamespace = m.extnamespace THEN '' ELSE n.nspname || '.' END
		   || c.relname, '',
		   pg_catalog.has_table_privilege('public', c.oid, 'SELECT')
		   AND pg_catalog.has_schema_privilege('public', n.oid, 'USAGE'),
		   pg_catalog.has_table_privilege('migrate_deployer', c.oid, 'SELECT')
		   AND pg_catalog.has_schema_privilege('migrate_deployer', n.oid, 'USAGE'),
		   pg_catalog.has_table_privilege('pg_database_owner', c.oid, 'SELECT')
		   AND pg_catalog.has_schema_privilege('pg_database_owner', n.oid, 'USAGE'),
		   pg_catalog.has_table_privilege('public', c.oid, 'INSERT, UPDATE, DELETE')
		   AND pg_catalog.has_schema_privilege('public', n.oid, 'USAGE'),
		   pg_catalog.has_table_privilege('migrate_deployer', c.oid, 'INSERT, UPDATE, DELETE')
		   AND pg_catalog.has_schema_privilege('migrate_deployer', n.oid, 'USAGE')
	  FROM members m JOIN pg_catalog.pg_class c ON c.oid = m.objid
	  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
	 WHERE m.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
	   AND c.relkind IN ('r', 'v', 'S')
), classified AS (
	SELECT o.func, o.name, o.args,
		   CASE WHEN o.pub THEN 1 WHEN o.dep THEN 2 ELSE 3 END AS who,
		   CASE WHEN o.func THEN 'execute'
				WHEN (o.pub AND o.pub_w) OR (NOT o.pub AND o.dep AND o.dep_w)
					 OR NOT (o.pub OR o.dep) THEN 'read and write'
				ELSE 'read' END AS verb
	  FROM objs o
), dbo_line AS (
	-- the database's owner is not a deployer: what it may beyond PUBLIC
	SELECT string_agg(CASE WHEN o.func THEN 'execute ' ELSE 'read ' END
					  || '`' || o.name || '`', ', ' ORDER BY o.func DESC, o.name) AS may
	  FROM (SELECT DISTINCT func, name FROM objs WHERE dbo AND NOT pub) o
), groups AS (
	-- a name stands for all its overloads when they agree
	SELECT DISTINCT verb, who,
		   CASE WHEN count(*) OVER (PARTITION BY func, name, who, verb)
					 = count(*) OVER (PARTITION BY func, name)
				THEN name ELSE name || args END AS label
	  FROM classified
), lines AS (
	SELECT who, string_agg(verb || ' ' || items, '; ' ORDER BY verb) AS may
	  FROM (SELECT who, verb,
				   string_agg('`' || label || '`', ', ' ORDER BY label) AS items
			  FROM groups GROUP BY who, verb) g
	 GROUP BY who
)
SELECT line FROM (
	SELECT 0 AS ord, '| who | may |' AS line
	UNION ALL SELECT 1, '|---|---|'
	UNION ALL
	SELECT 1 + w.who,
		   '| ' || CASE w.who WHEN 1 THEN 'PUBLIC'
							  WHEN 2 THEN '`migrate_deployer`'
							  ELSE 'extension owner and superusers' END
		   || ' | ' || CASE w.who WHEN 1 THEN coalesce(l.may, 'nothing')
								  WHEN 2 THEN 'what PUBLIC may, and ' || coalesce(l.may, 'nothing more')
								  ELSE 'everything: all of the above, and ' || coalesce(l.may, 'nothing more')
 END
		   || ' |'
	  FROM (VALUES (1), (2), (3)) w(who) LEFT JOIN lines l ON l.who = w.who
	UNION ALL
	SELECT 3, '| the database''s owner (`pg_database_owner`) | what PUBLIC may, and '
			  || coalesce(d.may, 'nothing more') || ' |'
	  FROM dbo_line d
) t ORDER BY ord;
