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
 *
 * The model is read into the caller's memory context before the rollback,
 * which frees everything the subtransaction allocated.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/resowner.h"

#include "diff.h"
#include "migrate.h"

typedef struct ShadowContext
{
	int			stmtno;
} ShadowContext;

static void
shadow_error_callback(void *arg)
{
	ShadowContext *sc = (ShadowContext *) arg;

	if (sc->stmtno > 0)
		errcontext("desired schema, statement %d", sc->stmtno);
	else
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

/*
 * Accept only statements that define objects of the schema.  Anything else
 * (DML, DROP, SET, transaction control, other schemas) is refused before
 * any statement runs.
 */
static void
check_statement(Node *stmt, const char *schema, int stmtno)
{
	const char *what = NULL;

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			{
				CreateStmt *s = (CreateStmt *) stmt;
				ListCell   *lc;

				check_rangevar(s->relation, schema, stmtno);
				foreach(lc, s->inhRelations)
					check_rangevar(lfirst(lc), schema, stmtno);
				return;
			}
		case T_IndexStmt:
			if (((IndexStmt *) stmt)->concurrent)
				what = "CREATE INDEX CONCURRENTLY";
			else
			{
				check_rangevar(((IndexStmt *) stmt)->relation, schema, stmtno);
				return;
			}
			break;
		case T_ViewStmt:
			check_rangevar(((ViewStmt *) stmt)->view, schema, stmtno);
			return;
		case T_CreateTableAsStmt:
			{
				CreateTableAsStmt *s = (CreateTableAsStmt *) stmt;

				if (s->objtype == OBJECT_MATVIEW)
				{
					check_rangevar(s->into->rel, schema, stmtno);
					return;
				}
				what = "CREATE TABLE AS";
				break;
			}
		case T_CreateSeqStmt:
			check_rangevar(((CreateSeqStmt *) stmt)->sequence, schema, stmtno);
			return;
		case T_AlterSeqStmt:
			check_rangevar(((AlterSeqStmt *) stmt)->sequence, schema, stmtno);
			return;
		case T_CreateFunctionStmt:
			check_namelist(((CreateFunctionStmt *) stmt)->funcname, schema, stmtno);
			return;
		case T_AlterFunctionStmt:
			check_namelist(((AlterFunctionStmt *) stmt)->func->objname, schema,
						   stmtno);
			return;
		case T_CreateTrigStmt:
			check_rangevar(((CreateTrigStmt *) stmt)->relation, schema, stmtno);
			return;
		case T_CreateEnumStmt:
			check_namelist(((CreateEnumStmt *) stmt)->typeName, schema, stmtno);
			return;
		case T_AlterEnumStmt:
			check_namelist(((AlterEnumStmt *) stmt)->typeName, schema, stmtno);
			return;
		case T_CreateDomainStmt:
			check_namelist(((CreateDomainStmt *) stmt)->domainname, schema, stmtno);
			return;
		case T_AlterDomainStmt:
			check_namelist(((AlterDomainStmt *) stmt)->typeName, schema, stmtno);
			return;
		case T_CompositeTypeStmt:
			check_rangevar(((CompositeTypeStmt *) stmt)->typevar, schema, stmtno);
			return;
		case T_CreatePolicyStmt:
			check_rangevar(((CreatePolicyStmt *) stmt)->table, schema, stmtno);
			return;
		case T_AlterPolicyStmt:
			check_rangevar(((AlterPolicyStmt *) stmt)->table, schema, stmtno);
			return;
		case T_AlterTableStmt:
			check_rangevar(((AlterTableStmt *) stmt)->relation, schema, stmtno);
			return;
		case T_CommentStmt:
			return;
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
					return;
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
}

static void
spi_exec(const char *sql, int expected)
{
	int			ret = SPI_execute(sql, false, 0);

	if (ret != expected)
		elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
}

/*
 * Run desired in a shadow of schema and return its model, allocated in
 * mcxt.  Leaves nothing behind.
 */
DiffModel *
shadow_read_desired(const char *desired, const char *schema,
					MemoryContext mcxt)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	List	   *stmts;
	ListCell   *lc;
	ShadowContext sc;
	ErrorContextCallback errcb;
	DiffModel  *model = NULL;
	int			n = 0;

	if (!OidIsValid(get_namespace_oid(schema, true)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_SCHEMA),
				 errmsg("schema \"%s\" does not exist", schema)));

	sc.stmtno = 0;
	errcb.callback = shadow_error_callback;
	errcb.arg = &sc;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	stmts = raw_parser(desired, RAW_PARSE_DEFAULT);
	foreach(lc, stmts)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);

		sc.stmtno = ++n;
		check_statement(rs->stmt, schema, n);
	}
	sc.stmtno = 0;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);

	PG_TRY();
	{
		char	   *away = psprintf("migrate_shadow_%d", MyProcPid);

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		spi_exec(psprintf("ALTER SCHEMA %s RENAME TO %s",
						  quote_identifier(schema), quote_identifier(away)),
				 SPI_OK_UTILITY);
		spi_exec(psprintf("CREATE SCHEMA %s", quote_identifier(schema)),
				 SPI_OK_UTILITY);
		spi_exec(psprintf("SELECT pg_catalog.set_config('search_path', %s, true)",
						  quote_literal_cstr(quote_identifier(schema))),
				 SPI_OK_SELECT);
		n = 0;
		foreach(lc, stmts)
		{
			RawStmt    *rs = lfirst_node(RawStmt, lc);
			int			len = rs->stmt_len > 0 ? rs->stmt_len :
				(int) strlen(desired) - rs->stmt_location;
			char	   *sql = pnstrdup(desired + rs->stmt_location, len);
			int			ret;

			sc.stmtno = ++n;
			ret = SPI_execute(sql, false, 0);
			if (ret < 0)
				elog(ERROR, "SPI_execute failed: %s", SPI_result_code_string(ret));
		}
		sc.stmtno = 0;
		SPI_finish();

		model = diff_read_schema(schema, mcxt);

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
