/*-------------------------------------------------------------------------
 *
 * lint.c
 *	  migrate_lint() and migrate_lint_sql(): what each statement of a
 *	  pending migration will lock, rewrite and block, before it runs.
 *
 * migrate_lint() walks the plan migrate_upgrade() would run, revision by
 * revision and statement by statement, carrying what earlier statements
 * created (a table created earlier in the plan has no readers to block);
 * migrate_lint_sql() does the same for one script not yet registered, so CI
 * can lint a file before it is pushed.  Scripts are split with the server's
 * raw parser, as script.c splits them to run them.
 *
 * Suppression lives in the script, as squawk's does: a comment
 *	-- migrate-lint: ignore rule-a, rule-b
 * in the comments just before a statement silences those rules for it
 * (no names: every rule), and
 *	-- migrate-lint: ignore-file rule-a
 * anywhere between statements silences them for the whole script.
 *
 * migrate.lint_fail_on turns findings into a registration gate:
 * migrate_lint_enforce() is called by migrate_revision() on the upgrade
 * script.
 *
 * Layer: lint (src/lint/), above run/ (exec.c: the plan it walks) and
 * catalog/; the top of lint/: it calls lint_rules.c and lint_report.c.
 * ops/register.c (the gate), diff/diff.c and api/ call it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "catalog.h"
#include "compat.h"
#include "dirty.h"
#include "exec.h"
#include "lint.h"

PG_FUNCTION_INFO_V1(migrate_lint);
PG_FUNCTION_INFO_V1(migrate_lint_sql);

/* migrate.lint_fail_on: the lowest severity that refuses a registration */
static int	migrate_lint_fail_on = -1;

/*
 * migrate.lint_small_table (kB): below it, size-bound findings are info.
 * The variable is in lint_report.c, which reads it.
 */

/*
 * migrate.lint_transaction: how the linted plan will commit.  "plan" is
 * migrate_upgrade(), the whole plan in one transaction; "revision" is CALL
 * migrate_upgrade_each(), a commit after each revision.
 */
#define LINT_TXN_PLAN 0
#define LINT_TXN_REVISION 1
static int	migrate_lint_transaction = LINT_TXN_PLAN;

static const struct config_enum_entry transaction_options[] = {
	{"plan", LINT_TXN_PLAN, false},
	{"revision", LINT_TXN_REVISION, false},
	{NULL, 0, false}
};

static const struct config_enum_entry fail_on_options[] = {
	{"off", -1, false},
	{"error", LINT_ERROR, false},
	{"warning", LINT_WARNING, false},
	{"info", LINT_INFO, false},
	{NULL, 0, false}
};

void
migrate_lint_init(void)
{
	DefineCustomEnumVariable("migrate.lint_fail_on",
							 "Sets the lint severity that makes migrate_revision() refuse an upgrade script",
							 "off registers every script; error refuses scripts with error findings; warning also those with warnings.",
							 &migrate_lint_fail_on, -1, fail_on_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("migrate.lint_small_table",
							"Sets the size below which a table's scans, rewrites and index builds are only reported as info",
							"Applies to rules whose lock lasts as long as the work on the table; 0 turns it off.",
							&migrate_lint_small_table, 0, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomEnumVariable("migrate.lint_transaction",
							 "Sets how migrate_lint() expects the plan to commit",
							 "plan: in one transaction, as migrate_upgrade() runs it; revision: after each revision, as CALL migrate_upgrade_each() runs it.",
							 &migrate_lint_transaction, LINT_TXN_PLAN,
							 transaction_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
}

/*
 * The transaction of the statements linted so far commits: the locks it
 * held end, and the enum values it added become usable.
 */
void
lint_transaction_end(LintState *ls)
{
	ls->not_valid = NIL;
	ls->enum_values = NIL;
}

const char *
migrate_lint_severity_name(LintSeverity s)
{
	switch (s)
	{
		case LINT_ERROR:
			return "error";
		case LINT_WARNING:
			return "warning";
		case LINT_INFO:
			break;
	}
	return "info";
}

/* ---- splitting and suppression comments ---- */

/* Rule names after "ignore" or "ignore-file", up to the end of the comment */
static List *
parse_rule_list(const char *s, const char *end)
{
	List	   *rules = NIL;

	while (s < end)
	{
		const char *w;

		while (s < end && (isspace((unsigned char) *s) || *s == ','))
			s++;
		w = s;
		while (s < end && (isalnum((unsigned char) *s) || *s == '-' || *s == '_'))
			s++;
		if (s == w)
			break;
		rules = lappend(rules, pnstrdup(w, s - w));
	}
	return rules ? rules : list_make1(pstrdup("*"));
}

static void
parse_directive(const char *text, const char *end, List **stmt_ignores,
				List **file_ignores)
{
	static const char marker[] = "migrate-lint:";
	const char *p = text;

	while (p + sizeof(marker) - 1 <= end &&
		   strncmp(p, marker, sizeof(marker) - 1) != 0)
		p++;
	if (p + sizeof(marker) - 1 > end)
		return;
	p += sizeof(marker) - 1;
	while (p < end && isspace((unsigned char) *p))
		p++;
	if (end - p >= 11 && strncmp(p, "ignore-file", 11) == 0)
		*file_ignores = list_concat(*file_ignores,
									parse_rule_list(p + 11, end));
	else if (end - p >= 6 && strncmp(p, "ignore", 6) == 0 &&
			 (end - p == 6 || !isalnum((unsigned char) p[6])))
		*stmt_ignores = list_concat(*stmt_ignores,
									parse_rule_list(p + 6, end));
}

/*
 * Skip blanks and comments from sql[pos], reading the directives in the
 * comments; return where the statement's first token starts.
 */
static int
skip_comments(const char *sql, int pos, int limit, List **stmt_ignores,
			  List **file_ignores)
{
	while (pos < limit)
	{
		if (isspace((unsigned char) sql[pos]))
			pos++;
		else if (sql[pos] == '-' && pos + 1 < limit && sql[pos + 1] == '-')
		{
			int			start = pos;

			while (pos < limit && sql[pos] != '\n')
				pos++;
			parse_directive(sql + start, sql + pos, stmt_ignores, file_ignores);
		}
		else if (sql[pos] == '/' && pos + 1 < limit && sql[pos + 1] == '*')
		{
			int			start = pos;
			int			depth = 0;

			do
			{
				if (sql[pos] == '/' && pos + 1 < limit && sql[pos + 1] == '*')
				{
					depth++;
					pos += 2;
				}
				else if (sql[pos] == '*' && pos + 1 < limit && sql[pos + 1] == '/')
				{
					depth--;
					pos += 2;
				}
				else
					pos++;
			} while (depth > 0 && pos < limit);
			parse_directive(sql + start, sql + pos, stmt_ignores, file_ignores);
		}
		else
			break;
	}
	return pos;
}

typedef struct LintStmt
{
	Node	   *tree;
	int			number;
	int			line;
	List	   *ignores;
} LintStmt;

typedef struct LintErrorContext
{
	const char *revision;
	const LintStmt *stmt;
	const char *source;			/* the text errors' positions refer to */
} LintErrorContext;

static void
lint_error_callback(void *arg)
{
	LintErrorContext *ctx = arg;
	int			pos = geterrposition();

	/* a syntax error points into the script, not into the caller's query */
	if (pos > 0 && ctx->source)
	{
		errposition(0);
		internalerrposition(pos);
		internalerrquery(ctx->source);
	}
	if (ctx->stmt)
		errcontext("lint of %s%s%sstatement %d, line %d",
				   ctx->revision ? "revision \"" : "",
				   ctx->revision ? migrate_clip(ctx->revision) : "",
				   ctx->revision ? "\", " : "",
				   ctx->stmt->number, ctx->stmt->line);
	else if (ctx->revision)
		errcontext("lint of revision \"%s\"", migrate_clip(ctx->revision));
}

/*
 * Lint one script, appending to ls->findings.  Statements are numbered as
 * migrate's error context numbers them; lines are those of each statement's
 * first keyword, after its leading comments.
 */
void
migrate_lint_script(LintState *ls, const char *sql, const char *revision)
{
	LintErrorContext ectx = {revision, NULL, sql};
	ErrorContextCallback errcb;
	List	   *raw;
	ListCell   *lc;
	LintStmt   *stmts;
	int			n = 0;
	int			line = 1;
	int			lined = 0;		/* sql[0..lined) has line - 1 newlines */
	int			end = 0;
	int			len;
	int			nestlevel;

	if (sql == NULL)
		return;
	len = strlen(sql);
	errcb.callback = lint_error_callback;
	errcb.arg = &ectx;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;

	raw = migrate_raw_parser(sql);
	ectx.source = NULL;
	ls->revision = revision;
	ls->file_ignores = NIL;
	ls->lock_timeout_set = false;
	ls->lock_timeout_reported = false;

	/* first pass: positions and comments, so ignore-file covers all */
	stmts = palloc0(sizeof(LintStmt) * Max(list_length(raw), 1));
	foreach(lc, raw)
	{
		RawStmt    *rs = lfirst_node(RawStmt, lc);
		int			start = rs->stmt_location;
		int			stop = rs->stmt_len > 0 ? start + rs->stmt_len : len;
		LintStmt   *st = &stmts[n];
		int			kw;

		kw = skip_comments(sql, start, stop, &st->ignores, &ls->file_ignores);
		for (; lined < kw; lined++)
			if (sql[lined] == '\n')
				line++;
		st->tree = rs->stmt;
		st->number = ++n;
		st->line = line;
		end = stop;
	}
	/* comments after the last statement can only speak for the file */
	{
		List	   *dummy = NIL;

		while (end < len && sql[end] != '-' && sql[end] != '/')
			end++;
		(void) skip_comments(sql, end, len, &dummy, &ls->file_ignores);
	}

	/* a SET in the script lasts to its end, as it does when it runs */
	nestlevel = NewGUCNestLevel();
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		ectx.stmt = &stmts[i];
		ls->statement = stmts[i].number;
		ls->line = stmts[i].line;
		ls->ignores = stmts[i].ignores;
		lint_statement(ls, stmts[i].tree);
		if (ls->statement_commits)
			lint_transaction_end(ls);
	}
	AtEOXact_GUC(false, nestlevel);
	ls->ignores = NIL;
	error_context_stack = errcb.previous;
}

/* ---- the registration gate ---- */

/*
 * Refuse a new or changed script with a finding at or above
 * migrate.lint_fail_on.  The
 * script is linted on its own, against the live database, but without the
 * locks other sessions hold right now: a gate must not depend on what
 * happens to be running.
 */
void
migrate_lint_enforce(const char *sql, const char *revision)
{
	LintState	ls = {0};
	ListCell   *lc;
	MigrateRevisionRow *existing;

	if (migrate_lint_fail_on < 0 || sql == NULL)
		return;

	/*
	 * Pushing the same script again (a deploy that syncs every file) is not
	 * a new script: it was judged when it was registered, or predates the
	 * gate.
	 */
	existing = migrate_revision_fetch(revision);
	if (existing && existing->upgrade && strcmp(existing->upgrade, sql) == 0)
		return;
	ls.skip_live_locks = true;
	migrate_lint_script(&ls, sql, revision);
	foreach(lc, ls.findings)
	{
		LintFinding *f = lfirst(lc);

		if ((int) f->severity < migrate_lint_fail_on)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("upgrade script of revision \"%s\" fails lint rule \"%s\"",
						migrate_clip(revision), f->rule),
				 errdetail("Statement %d, line %d (%s): %s.", f->statement,
						   f->line, migrate_lint_severity_name(f->severity),
						   f->message),
				 errhint("%s To accept it, put \"-- migrate-lint: ignore %s\" before the statement, or set \"%s\" to a higher level.",
						 f->hint ? f->hint : "", f->rule,
						 "migrate.lint_fail_on")));
	}
}

/*
 * Show the findings of a script migrate generated (migrate_diff,
 * migrate_autogenerate) with it, so whoever generates a revision sees what
 * it will lock and rewrite before registering or running it: one WARNING
 * listing every finding, line by line (a NOTICE when all are infos).
 */
void
migrate_lint_report(const char *sql)
{
	LintState	ls = {0};
	ListCell   *lc;
	StringInfoData buf;
	bool		serious = false;

	if (sql == NULL)
		return;
	migrate_lint_script(&ls, sql, NULL);
	if (ls.findings == NIL)
		return;
	initStringInfo(&buf);
	foreach(lc, ls.findings)
	{
		LintFinding *f = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		serious |= f->severity != LINT_INFO;
		appendStringInfo(&buf, "%sline %d: %s: %s: %s",
						 buf.len > 0 ? "\n" : "", f->line,
						 migrate_lint_severity_name(f->severity), f->rule,
						 f->message);
	}
	ereport(serious ? WARNING : NOTICE,
			(errmsg("generated upgrade script has %d lint finding%s",
					list_length(ls.findings),
					list_length(ls.findings) == 1 ? "" : "s"),
			 errdetail_internal("%s", buf.data),
			 errhint("SELECT * FROM migrate_lint_sql(script) shows each finding with its safe alternative; edit the script, or put \"-- migrate-lint: ignore RULE\" before a statement to accept it.")));
	pfree(buf.data);
}

/* ---- SQL functions ---- */

#define LINT_COLS 14

static void
put_findings(FunctionCallInfo fcinfo, List *findings)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ListCell   *lc;

	foreach(lc, findings)
	{
		LintFinding *f = lfirst(lc);
		Datum		values[LINT_COLS];
		bool		nulls[LINT_COLS] = {0};
		nulls[0] = f->revision == NULL;
		if (f->revision)
			values[0] = CStringGetTextDatum(f->revision);
		values[1] = Int32GetDatum(f->statement);
		values[2] = Int32GetDatum(f->line);
		values[3] = CStringGetTextDatum(f->rule);
		values[4] = CStringGetTextDatum(migrate_lint_severity_name(f->severity));
		nulls[5] = f->lockmode == NoLock;
		if (f->lockmode != NoLock)
			values[5] = CStringGetTextDatum(GetLockmodeName(DEFAULT_LOCKMETHOD,
															f->lockmode));
		nulls[6] = f->relation == NULL;
		if (f->relation)
			values[6] = CStringGetTextDatum(f->relation);
		nulls[7] = nulls[8] = !f->have_size;
		values[7] = Int64GetDatum(f->size);
		values[8] = Int64GetDatum(f->total);
		nulls[9] = !f->have_rows;
		values[9] = Int64GetDatum(f->rows);
		nulls[10] = f->rewrites < 0;
		values[10] = BoolGetDatum(f->rewrites > 0);
		values[11] = BoolGetDatum(f->created_in_plan);
		values[12] = CStringGetTextDatum(f->message);
		nulls[13] = f->hint == NULL;
		if (f->hint)
			values[13] = CStringGetTextDatum(f->hint);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
}

/* migrate_lint_sql(script text): findings of one script */
Datum
migrate_lint_sql(PG_FUNCTION_ARGS)
{
	LintState	ls = {0};

	migrate_init_srf(fcinfo, false);
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("script must not be null")));
	migrate_lint_script(&ls, text_to_cstring(PG_GETARG_TEXT_PP(0)), NULL);
	put_findings(fcinfo, ls.findings);
	return (Datum) 0;
}

/*
 * migrate_lint(target text DEFAULT 'heads'): findings of the pending
 * upgrade plan, in the order migrate_upgrade(target) would run it.
 */
Datum
migrate_lint(PG_FUNCTION_ARGS)
{
	LintState	ls = {0};
	MigrateGraphCache *gc;
	MigrateVersions cur;
	MgPlan		plan = {0};
	const char **ids;
	MigrateRevisionRow **rows;
	List	   *nontx;
	bool		per_revision;

	migrate_init_srf(fcinfo, false);
	gc = migrate_graph_get();
	cur = migrate_versions_read();
	migrate_plan(MIGRATE_OP_UPGRADE, gc->graph, cur,
				 PG_ARGISNULL(0) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(0)),
				 &plan);
	ids = palloc(sizeof(char *) * Max(plan.nsteps, 1));
	for (int i = 0; i < plan.nsteps; i++)
		ids[i] = mg_graph_rev(gc->graph, plan.steps[i].rev)->id;
	rows = migrate_revisions_fetch(ids, plan.nsteps);

	/*
	 * migrate_upgrade() refuses a plan with a non-transactional revision:
	 * such a plan runs per revision, and that revision's statements each in
	 * a transaction of their own.
	 */
	nontx = migrate_nontransactional_ids(migrate_plan_ids(gc->graph, &plan));
	per_revision = migrate_lint_transaction == LINT_TXN_REVISION || nontx != NIL;
	for (int i = 0; i < plan.nsteps; i++)
	{
		ListCell   *lc;

		if (rows[i] == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("revision \"%s\" does not exist",
							migrate_clip(ids[i]))));
		ls.statement_commits = false;
		foreach(lc, nontx)
			if (strcmp(lfirst(lc), rows[i]->id) == 0)
				ls.statement_commits = true;
		migrate_lint_script(&ls, rows[i]->upgrade, rows[i]->id);
		if (per_revision)
			lint_transaction_end(&ls);
	}
	put_findings(fcinfo, ls.findings);
	return (Datum) 0;
}
