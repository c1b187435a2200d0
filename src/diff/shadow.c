/*-------------------------------------------------------------------------
 *
 * shadow.c
 *	  Turn a declarative "desired" schema, written as plain DDL, into a
 *	  DiffModel by running it in a throwaway shadow schema.
 *
 * The desired DDL is written for the target schema: names unqualified or
 * qualified with that schema, and function bodies that may name it too.
 * Rewriting parse trees cannot reach inside function bodies, which are
 * text, so the shadow takes the target's name instead: inside a
 * subtransaction the real schema is renamed away, an empty schema is
 * created under its name, the desired statements run there with
 * search_path set to it, the model is read, and the subtransaction is
 * rolled back.  Qualified and unqualified names, SQL-standard function
 * bodies and the dynamic SQL of function bodies all resolve to the shadow,
 * and the real schema is unreachable by name while the desired DDL runs.
 * Nothing survives the rollback, on success or on error.
 *
 * Every statement is parsed first: only statements that define schema
 * objects are accepted, and an object explicitly qualified with another
 * schema is refused, so the desired text cannot touch anything else.
 * pg_dump -s output is accepted as it is: what only sets up its session
 * (SET, set_config, the \restrict and \unrestrict lines of pg_dump 15.14
 * and later, CREATE SCHEMA of the schema itself, comments on extensions,
 * grants on the schema, default privileges) is skipped, and so are owners
 * unless they are compared.  CREATE EXTENSION is handled apart (see
 * run_extension).  Errors name the line of the desired text.
 *
 * The model is read into the caller's memory context before the rollback,
 * which frees everything the subtransaction allocated.
 *
 * Layer: diff (src/diff/): it calls diff_catalog.c and util/; diff.c calls
 * it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid_d.h"
#include "catalog/pg_type_d.h"
#include "commands/defrem.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "catalog.h"
#include "desired_names.h"
#include "diff.h"

typedef enum ShadowPhase
{
	SHADOW_SETUP,				/* positions: none */
	SHADOW_PARSE,				/* error positions: into the whole text */
	SHADOW_RUN					/* internal positions: into one statement */
} ShadowPhase;

typedef struct ShadowContext
{
	const char *desired;
	ShadowPhase phase;
	int			stmtno;
	int			stmt_location;	/* offset of the running statement */
} ShadowContext;

/* What to do with one statement of the desired schema. */
typedef enum ShadowAction
{
	SA_RUN,						/* run it in the shadow */
	SA_SKIP,					/* session set-up or ownership: ignore it */
	SA_EXTENSION				/* CREATE EXTENSION: see run_extension() */
} ShadowAction;

/* 1-based line of byte offset pos of text */
static int
line_of(const char *text, int pos)
{
	int			line = 1;
	int			i;

	for (i = 0; i < pos && text[i]; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

/*
 * Errors name the line of the desired DDL.  A cursor position would point
 * into the caller's SELECT, so it is turned into the line and cleared; an
 * error inside one statement keeps the statement as its internal query
 * (SPI puts it there) and the context names the line it is on.
 */
static void
shadow_error_callback(void *arg)
{
	ShadowContext *sc = (ShadowContext *) arg;
	int			pos;

	switch (sc->phase)
	{
		case SHADOW_PARSE:
			pos = geterrposition();
			if (pos > 0)
			{
				errposition(0);
				errcontext("desired schema, line %d",
						   line_of(sc->desired, pos - 1));
				return;
			}
			if (sc->stmtno > 0)
			{
				errcontext("desired schema, line %d",
						   line_of(sc->desired, sc->stmt_location));
				return;
			}
			break;
		case SHADOW_RUN:
			pos = getinternalerrposition();
			if (pos <= 0)
				pos = geterrposition();
			if (pos > 0)
				errcontext("desired schema, line %d",
						   line_of(sc->desired, sc->stmt_location) +
						   line_of(sc->desired + sc->stmt_location, pos - 1) - 1);
			else
				errcontext("desired schema, line %d",
						   line_of(sc->desired, sc->stmt_location));
			return;
		case SHADOW_SETUP:
			break;
	}
	errcontext("desired schema");
}

static void
check_qualifier(const char *nsp, const char *schema, int stmtno)
{
	if (nsp != NULL && strcmp(nsp, schema) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("statement %d of the desired schema names an object in schema \"%s\"",
						stmtno, nsp),
				 errdetail("The desired schema may only define objects of schema \"%s\".",
						   schema),
				 errhint("Qualify names with \"%s\" or leave them unqualified.",
						 schema)));
}

static void
check_rangevar(RangeVar *rv, const char *schema, int stmtno)
{
	if (rv)
		check_qualifier(rv->schemaname, schema, stmtno);
}

static void
check_namelist(List *names, const char *schema, int stmtno)
{
	if (list_length(names) >= 2)
		check_qualifier(strVal(list_nth(names, list_length(names) - 2)),
						schema, stmtno);
}

/* pg_dump's "SELECT pg_catalog.set_config('search_path', '', false);" */
static bool
is_set_config(SelectStmt *s)
{
	ResTarget  *rt;
	FuncCall   *fc;
	char	   *nsp = NULL;
	char	   *fn;

	if (s->op != SETOP_NONE || s->fromClause != NIL || s->whereClause ||
		s->valuesLists != NIL || list_length(s->targetList) != 1)
		return false;
	rt = linitial_node(ResTarget, s->targetList);
	if (!IsA(rt->val, FuncCall))
		return false;
	fc = (FuncCall *) rt->val;
	DeconstructQualifiedName(fc->funcname, &nsp, &fn);
	return strcmp(fn, "set_config") == 0 &&
		(nsp == NULL || strcmp(nsp, "pg_catalog") == 0);
}

/* ALTER TABLE ... OWNER TO, alone, as pg_dump writes it */
static bool
only_owner_change(AlterTableStmt *s)
{
	ListCell   *lc;

	foreach(lc, s->cmds)
		if (lfirst_node(AlterTableCmd, lc)->subtype != AT_ChangeOwner)
			return false;
	return s->cmds != NIL;
}

/*
 * Accept only statements that define objects of the schema, and ignore
 * what pg_dump writes around them (SET, set_config, CREATE SCHEMA of the
 * schema itself, comments on extensions, owners unless asked for).
 * Anything else (DML, DROP, transaction control, other schemas) is refused
 * before any statement runs.
 */
static ShadowAction
check_statement(Node *stmt, const char *schema, bool ownership, int stmtno)
{
	const char *what = NULL;

	switch (nodeTag(stmt))
	{
		case T_VariableSetStmt:
			/* session set-up: search_path is the shadow's, and so on */
			return SA_SKIP;
		case T_SelectStmt:
			if (is_set_config((SelectStmt *) stmt))
				return SA_SKIP;
			break;
		case T_CreateSchemaStmt:
			{
				CreateSchemaStmt *s = (CreateSchemaStmt *) stmt;

				if (s->schemaname && strcmp(s->schemaname, schema) == 0 &&
					s->schemaElts == NIL)
					return SA_SKIP;
				what = "CREATE SCHEMA of another schema";
				break;
			}
		case T_CreateExtensionStmt:
			return SA_EXTENSION;
		case T_AlterOwnerStmt:
			{
				AlterOwnerStmt *s = (AlterOwnerStmt *) stmt;

				if (s->objectType == OBJECT_SCHEMA ||
					s->objectType == OBJECT_EXTENSION || !ownership)
					return SA_SKIP;
				if (s->objectType == OBJECT_FUNCTION ||
					s->objectType == OBJECT_PROCEDURE ||
					s->objectType == OBJECT_ROUTINE)
				{
					check_namelist(castNode(ObjectWithArgs, s->object)->objname,
								   schema, stmtno);
					return SA_RUN;
				}
				if (s->objectType == OBJECT_TYPE ||
					s->objectType == OBJECT_DOMAIN)
				{
					check_namelist(castNode(List, s->object), schema, stmtno);
					return SA_RUN;
				}
				what = "ALTER ... OWNER TO on this kind of object";
				break;
			}
		case T_AlterDefaultPrivilegesStmt:
			/* a property of roles, not of the schema's objects */
			return SA_SKIP;
		case T_CreateStmt:
			{
				CreateStmt *s = (CreateStmt *) stmt;
				ListCell   *lc;

				check_rangevar(s->relation, schema, stmtno);
				foreach(lc, s->inhRelations)
					check_rangevar(lfirst(lc), schema, stmtno);
				return SA_RUN;
			}
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
				what = "CREATE INDEX CONCURRENTLY";
			else
			{
				check_rangevar(((IndexStmt *) stmt)->relation, schema, stmtno);
				return SA_RUN;
			}
			break;
		case T_ViewStmt:
			check_rangevar(((ViewStmt *) stmt)->view, schema, stmtno);
			return SA_RUN;
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *s = (CreateTableAsStmt *) stmt;

				if (s->objtype == OBJECT_MATVIEW)
				{
					check_rangevar(s->into->rel, schema, stmtno);
					return SA_RUN;
				}
				what = "CREATE TABLE AS";
				break;
			}
		case T_CreateSeqStmt:
			check_rangevar(((CreateSeqStmt *) stmt)->sequence, schema, stmtno);
			return SA_RUN;
		case T_AlterSeqStmt:
			check_rangevar(((AlterSeqStmt *) stmt)->sequence, schema, stmtno);
			return SA_RUN;
		case T_CreateFunctionStmt:
			check_namelist(((CreateFunctionStmt *) stmt)->funcname, schema, stmtno);
			return SA_RUN;
		case T_AlterFunctionStmt:
			check_namelist(((AlterFunctionStmt *) stmt)->func->objname, schema,
						   stmtno);
			return SA_RUN;
		case T_CreateTrigStmt:
			check_rangevar(((CreateTrigStmt *) stmt)->relation, schema, stmtno);
			return SA_RUN;
		case T_CreateEnumStmt:
			check_namelist(((CreateEnumStmt *) stmt)->typeName, schema, stmtno);
			return SA_RUN;
		case T_AlterEnumStmt:
			check_namelist(((AlterEnumStmt *) stmt)->typeName, schema, stmtno);
			return SA_RUN;
		case T_CreateDomainStmt:
			check_namelist(((CreateDomainStmt *) stmt)->domainname, schema, stmtno);
			return SA_RUN;
		case T_AlterDomainStmt:
			check_namelist(((AlterDomainStmt *) stmt)->typeName, schema, stmtno);
			return SA_RUN;
		case T_CompositeTypeStmt:
			check_rangevar(((CompositeTypeStmt *) stmt)->typevar, schema, stmtno);
			return SA_RUN;
		case T_CreatePolicyStmt:
			check_rangevar(((CreatePolicyStmt *) stmt)->table, schema, stmtno);
			return SA_RUN;
		case T_AlterPolicyStmt:
			check_rangevar(((AlterPolicyStmt *) stmt)->table, schema, stmtno);
			return SA_RUN;
		case T_AlterTableStmt:
			check_rangevar(((AlterTableStmt *) stmt)->relation, schema, stmtno);
			if (!ownership && only_owner_change((AlterTableStmt *) stmt))
				return SA_SKIP;
			return SA_RUN;
		case T_CommentStmt:
			{
				CommentStmt *s = (CommentStmt *) stmt;

				/* the extension's comment is its own; schemas are not diffed */
				if (s->objtype == OBJECT_EXTENSION ||
					s->objtype == OBJECT_SCHEMA)
					return SA_SKIP;
				return SA_RUN;
			}
		case T_GrantStmt:
			{
				GrantStmt  *s = (GrantStmt *) stmt;

				if (s->targtype == ACL_TARGET_OBJECT &&
					(s->objtype == OBJECT_TABLE ||
					 s->objtype == OBJECT_SEQUENCE ||
					 s->objtype == OBJECT_FUNCTION ||
					 s->objtype == OBJECT_PROCEDURE ||
					 s->objtype == OBJECT_ROUTINE ||
					 s->objtype == OBJECT_TYPE ||
					 s->objtype == OBJECT_DOMAIN))
					return SA_RUN;
				/* privileges on the schema itself are not diffed */
				if (s->targtype == ACL_TARGET_OBJECT &&
					s->objtype == OBJECT_SCHEMA)
					return SA_SKIP;
				what = "GRANT or REVOKE on this kind of object";
				break;
			}
		default:
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("statement %d of the desired schema is not a schema definition",
					stmtno),
			 what ? errdetail("%s is not allowed in a desired schema.", what) :
			 errdetail("Statements of type %s are not allowed in a desired schema.",
					   GetCommandTagName(CreateCommandTag(stmt))),
			 errhint("Write the desired schema as CREATE statements (and ALTER, COMMENT, GRANT on its objects) only.")));
	return SA_SKIP;				/* keep compiler quiet */
}

/*
 * pg_dump 15.14 and later open and close a dump with "\restrict KEY" and
 * "\unrestrict KEY", psql meta-commands the server cannot parse: blank
 * those lines (keeping offsets, hence line numbers).  Other lines starting
 * with a backslash are left to the parser, which reports them with their
 * line.
 */
static char *
strip_pg_dump_lines(const char *desired)
{
	char	   *text = pstrdup(desired);
	char	   *p = text;

	while (*p)
	{
		char	   *eol = strchr(p, '\n');
		char	   *end = eol ? eol : p + strlen(p);

		if ((strncmp(p, "\\restrict", 9) == 0 &&
			 (p[9] == ' ' || p + 9 == end || p[9] == '\r')) ||
			(strncmp(p, "\\unrestrict", 11) == 0 &&
			 (p[11] == ' ' || p + 11 == end || p[11] == '\r')))
			memset(p, ' ', end - p);
		if (!eol)
			break;
		p = eol + 1;
		CHECK_FOR_INTERRUPTS();
	}
	return text;
}

static void
spi_exec(const char *sql, int expected)
{
	int			ret = SPI_execute(sql, false, 0);

	if (ret != expected)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
}

/*
 * The shadow grants what the real schema grants, so the desired DDL can
 * hand objects to the roles that may own them there (ALTER ... OWNER TO
 * needs CREATE on the schema for the new owner).
 */
static void
copy_schema_privileges(const char *from, const char *to)
{
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	int			ret;
	uint64		i;
	List	   *grants = NIL;
	ListCell   *lc;

	values[0] = CStringGetTextDatum(from);
	ret = SPI_execute_with_args("SELECT CASE WHEN x.grantee OPERATOR(pg_catalog.=) 0 "
								"THEN 'PUBLIC' ELSE pg_catalog.quote_ident("
								"pg_catalog.pg_get_userbyid(x.grantee)) END, "
								"x.privilege_type, x.is_grantable "
								"FROM pg_catalog.pg_namespace n, "
								"pg_catalog.aclexplode(n.nspacl) x "
								"WHERE n.nspname OPERATOR(pg_catalog.=) $1 "
								"AND x.grantee OPERATOR(pg_catalog.<>) n.nspowner",
								1, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
		grants = lappend(grants,
						 psprintf("GRANT %s ON SCHEMA %s TO %s%s",
								  SPI_getvalue(SPI_tuptable->vals[i],
											   SPI_tuptable->tupdesc, 2),
								  quote_identifier(to),
								  SPI_getvalue(SPI_tuptable->vals[i],
											   SPI_tuptable->tupdesc, 1),
								  SPI_getvalue(SPI_tuptable->vals[i],
											   SPI_tuptable->tupdesc, 3)[0] == 't' ?
								  " WITH GRANT OPTION" : ""));
	foreach(lc, grants)
		spi_exec(lfirst(lc), SPI_OK_UTILITY);
}

/*
 * Move an extension the caller owns into the shadow.  The members of a
 * trusted extension belong to the bootstrap superuser, so its owner cannot
 * move them: this one statement (fixed text, no user code, undone by the
 * rollback of the shadow) runs as that superuser.
 */
static void
move_extension(const char *extname, const char *schema)
{
	Oid			save_userid;
	int			save_sec;

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		spi_exec(psprintf("ALTER EXTENSION %s SET SCHEMA %s",
						  quote_identifier(extname),
						  quote_identifier(schema)),
				 SPI_OK_UTILITY);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();
}

/*
 * CREATE EXTENSION in the desired schema.  The extension's objects must be
 * there for the statements that follow, and the model must say the
 * desired schema has the extension:
 *
 * - not installed: the statement runs, into the shadow;
 * - installed in the real schema (renamed away for now): moved into the
 *   shadow when it is relocatable and ours to move (undone by the
 *   rollback), else left where it is;
 * - installed in another schema, or created WITH SCHEMA another schema
 *   when it is there (plpgsql in pg_catalog): not this schema's business.
 *
 * Returns what the model records (name, the VERSION asked for or NULL for
 * any), allocated in mcxt, or NULL when the extension is not part of the
 * schema.  migrate itself is never part of a diff.
 */
static DiffObject *
run_extension(CreateExtensionStmt *s, const char *sql, const char *schema,
			  Oid realnsp, int stmtno, MemoryContext mcxt)
{
	const char *extschema = NULL;
	const char *version = NULL;
	bool		cascade = false;
	ListCell   *lc;
	Oid			argtypes[1] = {TEXTOID};
	Datum		values[1];
	int			ret;
	DiffObject *o;
	MemoryContext old;

	foreach(lc, s->options)
	{
		DefElem    *d = lfirst_node(DefElem, lc);

		if (strcmp(d->defname, "schema") == 0)
			extschema = defGetString(d);
		else if (strcmp(d->defname, "new_version") == 0)
			version = defGetString(d);
		else if (strcmp(d->defname, "cascade") == 0)
			cascade = defGetBoolean(d);
	}
	if (strcmp(s->extname, "migrate") == 0)
		return NULL;

	values[0] = CStringGetTextDatum(s->extname);
	ret = SPI_execute_with_args("SELECT e.extnamespace, e.extrelocatable, "
								"pg_catalog.pg_has_role(e.extowner, 'USAGE') "
								"FROM pg_catalog.pg_extension e "
								"WHERE e.extname OPERATOR(pg_catalog.=) $1",
								1, argtypes, values, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 1)
	{
		bool		isnull;
		Oid			nsp = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
														 SPI_tuptable->tupdesc,
														 1, &isnull));
		bool		relocatable = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
															 SPI_tuptable->tupdesc,
															 2, &isnull));
		bool		mine = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0],
													  SPI_tuptable->tupdesc,
													  3, &isnull));

		if (nsp != realnsp)
			return NULL;
		if (extschema)
			check_qualifier(extschema, schema, stmtno);
		if (relocatable && mine)
			move_extension(s->extname, schema);
	}
	else
	{
		if (extschema)
			check_qualifier(extschema, schema, stmtno);
		ret = SPI_execute(sql, false, 0);
		if (ret < 0)
			elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
	}

	old = MemoryContextSwitchTo(mcxt);
	o = palloc0(sizeof(DiffObject));
	o->kind = DK_EXTENSION;
	o->name = pstrdup(s->extname);
	o->key = o->name;
	o->subkind = 'e';
	o->def = version ? pstrdup(version) : NULL;
	o->options = cascade ? pstrdup("CASCADE") : NULL;
	MemoryContextSwitchTo(old);
	return o;
}

/*
 * Offset of the first token at or after loc: the parser's statement
 * location includes the comments and blank lines before it (pg_dump's
 * headers), which errors should neither show nor count.
 */
static int
skip_blanks(const char *text, int loc, int end)
{
	while (loc < end)
	{
		if (text[loc] == ' ' || text[loc] == '\t' || text[loc] == '\n' ||
			text[loc] == '\r' || text[loc] == '\f')
			loc++;
		else if (text[loc] == '-' && loc + 1 < end && text[loc + 1] == '-')
		{
			while (loc < end && text[loc] != '\n')
				loc++;
		}
		else
			break;
	}
	return loc;
}

/*
 * Put an empty shadow in the place of schema: rename the real one to away,
 * create the shadow under the real name with the real one's owner and
 * grants.  Renaming a schema takes its owner's rights, which a deploy role
 * usually lacks (public belongs to pg_database_owner): a member of
 * migrate_deployer who may CREATE in the schema gets these three fixed
 * statements run as the bootstrap superuser, as move_extension does.  They
 * run no user code, the desired DDL still runs as the caller with exactly
 * the rights the real schema gives, and the rollback of the shadow undoes
 * them.  Anyone else who does not own the schema is told who may.
 */
static void
make_shadow(const char *schema, const char *away, Oid realnsp)
{
	Oid			argtypes[1] = {OIDOID};
	Datum		values[1] = {ObjectIdGetDatum(realnsp)};
	bool		owns,
				deployer,
				may_create;
	char	   *owner;
	Oid			save_userid;
	int			save_sec;
	int			nestlevel;

	if (SPI_execute_with_args("SELECT pg_catalog.pg_has_role(n.nspowner, 'USAGE'), "
							  "pg_catalog.has_schema_privilege(n.oid, 'CREATE'), "
							  "pg_catalog.pg_get_userbyid(n.nspowner), "
							  "EXISTS (SELECT FROM pg_catalog.pg_roles r "
							  "WHERE r.rolname OPERATOR(pg_catalog.=) 'migrate_deployer' "
							  "AND pg_catalog.pg_has_role(r.oid, 'USAGE')) "
							  "FROM pg_catalog.pg_namespace n "
							  "WHERE n.oid OPERATOR(pg_catalog.=) $1",
							  1, argtypes, values, NULL, true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not read schema %u", realnsp);
	owns = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1)[0] == 't';
	may_create = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)[0] == 't';
	owner = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
	deployer = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4)[0] == 't';

	if (owns)
	{
		spi_exec(psprintf("ALTER SCHEMA %s RENAME TO %s",
						  quote_identifier(schema), quote_identifier(away)),
				 SPI_OK_UTILITY);
		spi_exec(psprintf("CREATE SCHEMA %s", quote_identifier(schema)),
				 SPI_OK_UTILITY);
		copy_schema_privileges(away, schema);
		return;
	}
	if (!deployer || !may_create)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to compare schema \"%s\" with a desired schema", schema),
				 errdetail("The desired schema is built in a shadow that takes the name of schema \"%s\" while the comparison runs.", schema),
				 errhint("Run the comparison as a member of role \"%s\", the owner of schema \"%s\", or as a member of role \"migrate_deployer\" with the CREATE privilege on it.",
						 owner, schema)));

	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	nestlevel = migrate_pin_settings();
	PG_TRY();
	{
		spi_exec(psprintf("ALTER SCHEMA %s RENAME TO %s",
						  quote_identifier(schema), quote_identifier(away)),
				 SPI_OK_UTILITY);
		spi_exec(psprintf("CREATE SCHEMA %s AUTHORIZATION %s",
						  quote_identifier(schema), quote_identifier(owner)),
				 SPI_OK_UTILITY);
		copy_schema_privileges(away, schema);
		migrate_unpin_settings(nestlevel);
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec);
	}
	PG_END_TRY();
}

/*
 * Run desired in a shadow of schema and return its model, allocated in
 * mcxt.  Leaves nothing behind.
 */
DiffModel *
shadow_read_desired(const char *desired, const char *schema,
					MemoryContext mcxt, bool ownership)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	List	   *stmts;
	ListCell   *lc;
	ShadowContext sc;
	ErrorContextCallback errcb;
	DiffModel  *model = NULL;
	ShadowAction *actions;
	char	   *text;
	Oid			realnsp;
	int			n = 0;

	realnsp = get_namespace_oid(schema, true);
	if (!OidIsValid(realnsp))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));

	text = strip_pg_dump_lines(desired);
	memset(&sc, 0, sizeof(sc));
	sc.desired = text;
	sc.phase = SHADOW_PARSE;
	errcb.callback = shadow_error_callback;
	errcb.arg = &sc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	stmts = raw_parser(text, RAW_PARSE_DEFAULT);
	actions = palloc(sizeof(ShadowAction) * Max(list_length(stmts), 1));
	foreach(lc, stmts)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);

		sc.stmtno = ++n;
		sc.stmt_location = skip_blanks(text, rs->stmt_location,
									   rs->stmt_len > 0 ?
									   rs->stmt_location + rs->stmt_len :
									   (int) strlen(text));
		actions[n - 1] = check_statement(rs->stmt, schema, ownership, n);
		if (actions[n - 1] == SA_RUN)
			migrate_desired_check_names(rs->stmt, schema, n);
		CHECK_FOR_INTERRUPTS();
	}
	sc.stmtno = 0;
	sc.phase = SHADOW_SETUP;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);

	PG_TRY();
	{
		char	   *away = psprintf("migrate_shadow_%d", MyProcPid);
		List	   *extensions = NIL;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		make_shadow(schema, away, realnsp);
		spi_exec(psprintf("SELECT pg_catalog.set_config('search_path', %s, true)",
						  quote_literal_cstr(psprintf("%s, pg_temp",
													  quote_identifier(schema)))),
				 SPI_OK_SELECT);
		/* as pg_restore does: bodies may name objects defined later */
		spi_exec("SELECT pg_catalog.set_config('check_function_bodies', 'off', true)",
				 SPI_OK_SELECT);
		n = 0;
		foreach(lc, stmts)
		{
			RawStmt    *rs = lfirst_node(RawStmt, lc);
			int			end = rs->stmt_len > 0 ?
				rs->stmt_location + rs->stmt_len : (int) strlen(text);
			int			start = skip_blanks(text, rs->stmt_location, end);
			char	   *sql;
			int			ret;

			sc.stmtno = ++n;
			if (actions[n - 1] == SA_SKIP)
				continue;
			sql = pnstrdup(text + start, end - start);
			sc.phase = SHADOW_RUN;
			sc.stmt_location = start;
			if (actions[n - 1] == SA_EXTENSION)
			{
				DiffObject *ext = run_extension((CreateExtensionStmt *) rs->stmt,
												sql, schema, realnsp, n, mcxt);

				if (ext)
				{
					MemoryContext old = MemoryContextSwitchTo(mcxt);

					extensions = lappend(extensions, ext);
					MemoryContextSwitchTo(old);
				}
			}
			else
			{
				ret = SPI_execute(sql, false, 0);
				if (ret < 0)
					elog(ERROR, "SPI_execute failed: %s",
						 SPI_result_code_string(ret));
			}
			sc.phase = SHADOW_SETUP;
			pfree(sql);
		}
		sc.stmtno = 0;
		SPI_finish();

		model = diff_read_schema(schema, mcxt);
		diff_replace_kind(model, DK_EXTENSION, extensions, mcxt);

		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = migrate_subxact_abort(oldcxt, oldowner);

		error_context_stack = errcb.previous;
		ReThrowError(edata);
	}
	PG_END_TRY();

	error_context_stack = errcb.previous;
	return model;
}
