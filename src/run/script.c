/*-------------------------------------------------------------------------
 *
 * script.c
 *	  Parsing revision scripts and running them statement by statement.
 *
 * A script is split with the server's own raw parser, so it is cut exactly
 * where psql would cut it: dollar quotes, DO blocks, comments and string
 * literals need no special handling.  Scripts are parsed at registration,
 * which rejects syntax errors, transaction control and statements that
 * refuse a transaction block before anything is stored.  A script wrapped
 * whole in BEGIN; ... COMMIT; (common in files written for psql) is
 * accepted and run without its wrapper, since the migration's transaction
 * already gives it the atomicity the wrapper asked for.
 *
 * At run time each statement runs through SPI as the calling user, with an
 * error context naming revision, statement and line, and inside its own
 * GUC nest level, so that a SET in a revision is scoped to that revision as
 * a function's SET clause is scoped to the function.
 *
 * Layer: run (src/run/: one step), above catalog/ (catalog.c: the owner
 * check of non-transactional revisions; progress.c, through progress.h).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "commands/defrem.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "pgstat.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/guc.h"
#include "utils/builtins.h"

#include "catalog.h"
#include "compat.h"
#include "progress.h"
#include "script.h"

/* One statement of a script */
typedef struct ScriptStatement
{
	char	   *sql;			/* its text, without the terminating ';' */
	int			number;			/* 1-based, counting the wrapper if any */
	int			line;			/* 1-based line where it starts */
	Node	   *parsetree;
} ScriptStatement;

typedef struct ParsedScript
{
	int			nstmts;
	ScriptStatement *stmts;
	bool		wrapped;		/* first is BEGIN and last is COMMIT */
} ParsedScript;

migrate_statement_hook_type migrate_statement_hook = NULL;

/* What error context callbacks need to know */
typedef struct ScriptErrorContext
{
	const char *revision;
	const char *which;			/* "upgrade" or "downgrade" */
	const ScriptStatement *stmt;
	const char *source;			/* the text errors' positions refer to */
} ScriptErrorContext;

/*
 * Report positions inside the script, not inside the caller's query: move
 * the cursor position to an internal position on the statement text, as
 * PL/pgSQL does for errors in its function bodies.
 */
static void
script_error_callback(void *arg)
{
	ScriptErrorContext *ctx = (ScriptErrorContext *) arg;
	int			pos = geterrposition();

	if (pos > 0 && ctx->source)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(ctx->source);
	}
	if (ctx->stmt)
		errcontext("%s of revision \"%s\", statement %d, line %d",
				   ctx->which, ctx->revision, ctx->stmt->number,
				   ctx->stmt->line);
	else
		errcontext("%s script of revision \"%s\"", ctx->which, ctx->revision);
}

static int
line_of(const char *sql, int offset)
{
	int			line = 1;

	for (int i = 0; i < offset && sql[i]; i++)
		if (sql[i] == '\n')
			line++;
	return line;
}

static bool
is_transaction_kind(Node *n, TransactionStmtKind kind)
{
	return IsA(n, TransactionStmt) && ((TransactionStmt *) n)->kind == kind;
}

static ParsedScript *
parse_script(const char *sql, const char *revision, const char *which)
{
	ScriptErrorContext ectx = {revision, which, NULL, sql};
	ErrorContextCallback errcb;
	List	   *raw;
	ListCell   *lc;
	ParsedScript *ps = palloc0(sizeof(ParsedScript));
	int			i = 0;

	errcb.callback = script_error_callback;
	errcb.arg = &ectx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	raw = migrate_raw_parser(sql);
	error_context_stack = errcb.previous;

	ps->nstmts = list_length(raw);
	ps->stmts = palloc0(sizeof(ScriptStatement) * Max(ps->nstmts, 1));
	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			start = rs->stmt_location;
		int			len = rs->stmt_len > 0 ? rs->stmt_len :
			(int) strlen(sql) - start;
		ScriptStatement *st = &ps->stmts[i];

		/* a statement's text starts after the previous ';': skip blanks */
		while (len > 0 && isspace((unsigned char) sql[start]))
		{
			start++;
			len--;
		}
		st->sql = pnstrdup(sql + start, len);
		st->number = i + 1;
		st->line = line_of(sql, start);
		st->parsetree = rs->stmt;
		i++;
	}
	ps->wrapped = ps->nstmts >= 2 &&
		(is_transaction_kind(ps->stmts[0].parsetree, TRANS_STMT_BEGIN) ||
		 is_transaction_kind(ps->stmts[0].parsetree, TRANS_STMT_START)) &&
		is_transaction_kind(ps->stmts[ps->nstmts - 1].parsetree,
							TRANS_STMT_COMMIT);
	return ps;
}

/*
 * The name of a statement that refuses to run inside a transaction block,
 * or NULL.  These are the statements that call PreventInTransactionBlock.
 */
static const char *
nontransactional_statement(Node *n)
{
	switch (nodeTag(n))
	{
		case T_VacuumStmt:
			return ((VacuumStmt *) n)->is_vacuumcmd ? "VACUUM" : NULL;
		case T_IndexStmt:
			return ((IndexStmt *) n)->concurrent ? "CREATE INDEX CONCURRENTLY" : NULL;
		case T_DropStmt:
			return ((DropStmt *) n)->concurrent ? "DROP INDEX CONCURRENTLY" : NULL;
		case T_ReindexStmt:
			{
				ListCell   *lc;

				foreach(lc, ((ReindexStmt *) n)->params)
				{
					DefElem    *opt = lfirst_node(DefElem, lc);

					if (strcmp(opt->defname, "concurrently") == 0 &&
						defGetBoolean(opt))
						return "REINDEX CONCURRENTLY";
				}
				return ((ReindexStmt *) n)->kind == REINDEX_OBJECT_SYSTEM ||
					((ReindexStmt *) n)->kind == REINDEX_OBJECT_DATABASE ?
					"REINDEX DATABASE" : NULL;
			}
		case T_CreatedbStmt:
			return "CREATE DATABASE";
		case T_DropdbStmt:
			return "DROP DATABASE";
		case T_AlterSystemStmt:
			return "ALTER SYSTEM";
		case T_CreateTableSpaceStmt:
			return "CREATE TABLESPACE";
		case T_DropTableSpaceStmt:
			return "DROP TABLESPACE";
		case T_ClusterStmt:
			return ((ClusterStmt *) n)->relation == NULL ? "CLUSTER" : NULL;
		case T_CreateSubscriptionStmt:
			return "CREATE SUBSCRIPTION";
		case T_DropSubscriptionStmt:
			return "DROP SUBSCRIPTION";
		default:
			return NULL;
	}
}

static bool
is_copy_via_client(Node *n)
{
	return IsA(n, CopyStmt) && ((CopyStmt *) n)->filename == NULL &&
		!((CopyStmt *) n)->is_program;
}

/* Reject what cannot run inside the migration's transaction */
static void
check_statement(const ScriptStatement *st, bool wrapper, const char *revision,
				const char *which, bool transactional)
{
	const char *name;

	if (IsA(st->parsetree, TransactionStmt) && !transactional)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("transaction control statements are not allowed in non-transactional revisions"),
				 errdetail("Statement %d (line %d) of the %s script of revision \"%s\" is %s.",
						   st->number, st->line, which, revision,
						   CreateCommandName(st->parsetree)),
				 errhint("Each statement of a non-transactional revision runs in a transaction of its own; remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT.")));
	if (IsA(st->parsetree, TransactionStmt) && !wrapper)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_TERMINATION),
				 errmsg("transaction control statements are not allowed in revision scripts"),
				 errdetail("Statement %d (line %d) of the %s script of revision \"%s\" is %s.",
						   st->number, st->line, which, revision,
						   CreateCommandName(st->parsetree)),
				 errhint("Every revision runs inside the migration's transaction; remove BEGIN, COMMIT, ROLLBACK and SAVEPOINT. A script wrapped whole in BEGIN; ... COMMIT; is accepted.")));
	name = nontransactional_statement(st->parsetree);
	if (name && transactional)
		ereport(ERROR,
				(errcode(ERRCODE_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s cannot run inside a transaction block", name),
				 errdetail("Statement %d (line %d) of the %s script of revision \"%s\" must run at top level.",
						   st->number, st->line, which, revision),
				 errhint("Put it in a revision of its own registered with transactional => false; such revisions run statement by statement at top level.")));
	if (is_copy_via_client(st->parsetree))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("COPY to or from the client is not supported in revision scripts"),
				 errdetail("Statement %d (line %d) of the %s script of revision \"%s\" is COPY %s.",
						   st->number, st->line, which, revision,
						   ((CopyStmt *) st->parsetree)->is_from ? "FROM STDIN" : "TO STDOUT"),
				 errhint("Use INSERT statements, or COPY from a file on the server.")));
}

/*
 * Validate a script at registration: it must parse, and hold nothing that
 * cannot run inside the migration's transaction.  NULL and empty scripts
 * are valid no-ops.
 */
void
migrate_script_validate(const char *sql, const char *revision,
						const char *which, bool transactional)
{
	ParsedScript *ps;

	if (sql == NULL)
		return;
	ps = parse_script(sql, revision, which);
	for (int i = 0; i < ps->nstmts; i++)
	{
		bool		wrapper = ps->wrapped && (i == 0 || i == ps->nstmts - 1);

		check_statement(&ps->stmts[i], wrapper, revision, which,
						transactional);
	}
}

/*
 * Statements run at top level by a worker run as the role running the
 * migration, each in a transaction of its own, so they cannot switch to the
 * revision's owner as a transactional script does (exec.c): the runner
 * must be the owner itself.  A runner who is not even a member is refused
 * as for any script (migrate_script_role).
 */
static void
check_top_level_role(const char *revision, const char *which)
{
	MigrateRevisionRow *row;
	Oid			role;

	if (!migrate_catalog_has_owners())
		return;
	row = migrate_revision_fetch(revision);
	if (row == NULL)
		return;
	role = migrate_script_role(row, which);
	if (role != GetUserId())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("non-transactional revision \"%s\" must be run by its owner",
						revision),
				 errdetail("Its statements run at top level as the role running the migration, role \"%s\", and the revision belongs to role \"%s\".",
						   GetUserNameFromId(GetUserId(), false), row->owner),
				 errhint("Run the migration as role \"%s\".", row->owner)));
}

/*
 * The statements of a non-transactional revision's script, validated, for
 * a runner that executes each at top level in a transaction of its own.
 * Returns a List of MigrateStatement.
 */
List *
migrate_script_split(const char *sql, const char *revision, const char *which)
{
	ParsedScript *ps;
	List	   *result = NIL;

	if (sql == NULL)
		return NIL;
	ps = parse_script(sql, revision, which);
	if (ps->nstmts > 0)
		check_top_level_role(revision, which);
	for (int i = 0; i < ps->nstmts; i++)
	{
		MigrateStatement *ms = palloc0(sizeof(MigrateStatement));

		check_statement(&ps->stmts[i], false, revision, which, false);
		ms->sql = ps->stmts[i].sql;
		ms->number = ps->stmts[i].number;
		ms->line = ps->stmts[i].line;
		result = lappend(result, ms);
	}
	return result;
}

/*
 * Run one statement through SPI.  debug_query_string points at the
 * statement's text while it runs, so that log lines and error reports show
 * it; it is put back whatever happens, since after an error the text is
 * freed with the run's memory and the next error report (an outer
 * exception block may catch this one) would read it.
 */
static void
run_statement(const ScriptStatement *st)
{
	const char *save_debug_query = debug_query_string;

	PG_TRY();
	{
		int			rc;

		debug_query_string = st->sql;
		migrate_progress_statement(st->number, st->sql);
		pgstat_report_activity(STATE_RUNNING,
							   migrate_progress_activity(st->sql));
		rc = SPI_execute(st->sql, false, 0);
		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("statement could not be run by migrate: %s",
							SPI_result_code_string(rc))));
	}
	PG_FINALLY();
	{
		debug_query_string = save_debug_query;
	}
	PG_END_TRY();
	pgstat_report_activity(STATE_RUNNING, save_debug_query);
}

/*
 * Run a script as the calling user.  Errors keep their SQLSTATE and gain a
 * context line naming the revision and the statement.
 */
void
migrate_script_run(const char *sql, const char *revision, const char *which)
{
	ParsedScript *ps;
	ScriptErrorContext ectx = {revision, which, NULL, NULL};
	ErrorContextCallback errcb;
	int			nestlevel;

	if (sql == NULL)
		return;
	ps = parse_script(sql, revision, which);

	errcb.callback = script_error_callback;
	errcb.arg = &ectx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	nestlevel = NewGUCNestLevel();
	SPI_connect();
	for (int i = 0; i < ps->nstmts; i++)
	{
		const ScriptStatement *st = &ps->stmts[i];

		CHECK_FOR_INTERRUPTS();
		if (ps->wrapped && (i == 0 || i == ps->nstmts - 1))
			continue;
		check_statement(st, false, revision, which, true);
		ectx.stmt = st;
		ectx.source = st->sql;
		run_statement(st);
		if (migrate_statement_hook)
			migrate_statement_hook(revision, st->number, st->line);
	}
	SPI_finish();

	/*
	 * Undo every SET the script made, plain SET included: "commit" semantics
	 * would keep plain SETs past the revision (as they outlive a function
	 * with a SET clause), and a revision must not change the session.
	 */
	AtEOXact_GUC(false, nestlevel);

	error_context_stack = errcb.previous;
}

/*
 * A script as it would be written to an offline SQL file: its statements,
 * without a BEGIN/COMMIT wrapper, each ending with a semicolon.
 */
char *
migrate_script_offline(const char *sql, const char *revision, const char *which)
{
	ParsedScript *ps;
	StringInfoData buf;

	initStringInfo(&buf);
	if (sql == NULL)
		return buf.data;
	ps = parse_script(sql, revision, which);
	for (int i = 0; i < ps->nstmts; i++)
	{
		if (ps->wrapped && (i == 0 || i == ps->nstmts - 1))
			continue;
		appendStringInfo(&buf, "%s;\n\n", ps->stmts[i].sql);
	}
	return buf.data;
}
