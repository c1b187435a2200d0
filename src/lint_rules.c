/*-------------------------------------------------------------------------
 *
 * lint_rules.c
 *	  The lint rules: one raw parse tree in, findings out.
 *
 * Text linters guess what a statement locks and whether it rewrites; here
 * the server answers.  The lock an ALTER TABLE takes comes from
 * AlterTableGetLockLevel(), the function ALTER TABLE itself calls on the
 * same raw commands, so it cannot drift from the server.  Other statements
 * take a fixed lock that their implementation hard-codes (DefineIndex,
 * RemoveRelations, RenameRelation, cluster_rel): those few are listed in
 * statement_lock() below, with where each comes from.  Whether a type change
 * rewrites comes from the live column type and IsBinaryCoercible(); whether
 * a default is volatile from pg_proc.
 *
 * Most findings do not apply to a relation created earlier in the same
 * plan or script: nobody else can be using it yet.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "lint.h"
#include "migrate.h"

static const char *
relname_of(const RangeVar *rel)
{
	if (rel == NULL)
		return NULL;
	return quote_qualified_identifier(rel->schemaname, rel->relname);
}

static bool
name_matches(const LintName *n, const char *schema, const char *name)
{
	if (strcmp(n->name, name) != 0)
		return false;
	return n->schema == NULL || schema == NULL || strcmp(n->schema, schema) == 0;
}

bool
lint_created_in_plan(LintState *ls, const RangeVar *rel)
{
	ListCell   *lc;

	if (rel == NULL)
		return false;
	foreach(lc, ls->created)
		if (name_matches(lfirst(lc), rel->schemaname, rel->relname))
			return true;
	return false;
}

static void
remember_created(LintState *ls, const char *schema, const char *name)
{
	LintName   *n = palloc0(sizeof(LintName));

	n->schema = schema ? pstrdup(schema) : NULL;
	n->name = pstrdup(name);
	ls->created = lappend(ls->created, n);
}

static bool
ignored(List *ignores, const char *rule)
{
	ListCell   *lc;

	foreach(lc, ignores)
	{
		const char *r = lfirst(lc);

		if (strcmp(r, "*") == 0 || strcmp(r, rule) == 0)
			return true;
	}
	return false;
}

/*
 * Rules whose harm grows with the table: the lock lasts as long as the scan,
 * rewrite or build.  Renames, drops, key types and lock queues do not shrink
 * with the table.
 */
static bool
size_bound(const char *rule)
{
	static const char *const rules[] = {
		"adding-field-with-volatile-default", "changing-column-type",
		"varchar-narrowing", "adding-foreign-key-constraint",
		"constraint-missing-not-valid", "setting-not-null",
		"require-concurrent-index-creation", "adding-unique-constraint",
		"vacuum-full", "cluster"
	};

	for (int i = 0; i < lengthof(rules); i++)
		if (strcmp(rules[i], rule) == 0)
			return true;
	return false;
}

/*
 * Record one finding, unless a comment suppresses it.  A finding on a live
 * relation says how big it is: that is what turns a rule into a decision.
 */
void
lint_report(LintState *ls, const char *rule, LintSeverity sev,
			LOCKMODE lockmode, const RangeVar *rel, int rewrites,
			const char *message, const char *hint)
{
	LintFinding *f;

	if (ignored(ls->ignores, rule) || ignored(ls->file_ignores, rule))
		return;
	f = palloc0(sizeof(LintFinding));
	f->revision = ls->revision;
	f->statement = ls->statement;
	f->line = ls->line;
	f->rule = rule;
	f->severity = sev;
	f->lockmode = lockmode;
	f->relation = (char *) relname_of(rel);
	f->created_in_plan = lint_created_in_plan(ls, rel);
	f->relid = (rel && !f->created_in_plan) ? lint_live_relid(rel) : InvalidOid;
	f->rewrites = rewrites;
	lint_live_sizes(f->relid, &f->have_size, &f->size, &f->total,
					&f->have_rows, &f->rows);
	if (f->have_size && f->total < (int64) migrate_lint_small_table * 1024 &&
		f->severity > LINT_INFO && size_bound(rule))
	{
		/* a long lock on a tiny table is a short one */
		f->severity = LINT_INFO;
		f->message = psprintf("%s (%s: %s, under \"migrate.lint_small_table\")",
							  message, f->relation, lint_live_summary(f));
	}
	else if (OidIsValid(f->relid))
		f->message = psprintf("%s (%s: %s)", message, f->relation,
							  lint_live_summary(f));
	else
		f->message = pstrdup(message);
	f->hint = hint ? pstrdup(hint) : NULL;
	ls->findings = lappend(ls->findings, f);
}

/*
 * Checks every statement that locks an existing relation gets: is it run
 * under a lock_timeout, and is someone holding a lock it would wait for.
 */
static void
lock_checks(LintState *ls, LOCKMODE lockmode, const RangeVar *rel)
{
	if (rel == NULL || lockmode == NoLock || lint_created_in_plan(ls, rel))
		return;
	if (lockmode == AccessExclusiveLock && migrate_lock_timeout <= 0 &&
		!ls->lock_timeout_set && !ls->lock_timeout_reported)
	{
		lint_report(ls, "missing-lock-timeout", LINT_WARNING, lockmode, rel, -1,
					psprintf("statement waits for an ACCESS EXCLUSIVE lock on %s without a lock_timeout: while it waits, every query on the table queues behind it",
							 relname_of(rel)),
					"Set \"migrate.lock_timeout\" (the runner then gives up and retries), or begin the script with SET lock_timeout = '5s'.");
		ls->lock_timeout_reported = true;
	}
	if (!ls->skip_live_locks)
		lint_live_blockers(ls, lockmode, rel);
}

/* ---- types ---- */

static const char *
type_last_name(const TypeName *tn)
{
	if (tn == NULL || tn->names == NIL)
		return "";
	return strVal(llast(tn->names));
}

static bool
is_serial_type(const TypeName *tn)
{
	const char *n = type_last_name(tn);

	return list_length(tn->names) == 1 &&
		(strcmp(n, "serial") == 0 || strcmp(n, "serial4") == 0 ||
		 strcmp(n, "bigserial") == 0 || strcmp(n, "serial8") == 0 ||
		 strcmp(n, "smallserial") == 0 || strcmp(n, "serial2") == 0);
}

/* The SQL name of a 2- or 4-byte integer type, or NULL */
static const char *
small_int_type(const TypeName *tn)
{
	const char *n = type_last_name(tn);

	if (tn == NULL || tn->arrayBounds != NIL)
		return NULL;
	if (strcmp(n, "int4") == 0 || strcmp(n, "integer") == 0 ||
		strcmp(n, "int") == 0)
		return "integer";
	if (strcmp(n, "int2") == 0 || strcmp(n, "smallint") == 0)
		return "smallint";
	if (list_length(tn->names) == 1 &&
		(strcmp(n, "serial") == 0 || strcmp(n, "serial4") == 0))
		return "serial";
	if (list_length(tn->names) == 1 &&
		(strcmp(n, "smallserial") == 0 || strcmp(n, "serial2") == 0))
		return "smallserial";
	return NULL;
}

static const char *
small_int_oid(Oid type)
{
	if (type == INT4OID)
		return "integer";
	if (type == INT2OID)
		return "smallint";
	return NULL;
}

static void
report_int_pk(LintState *ls, const RangeVar *rel, const char *col,
			  const char *type)
{
	lint_report(ls, "int-primary-key", LINT_WARNING, NoLock, rel, 0,
				psprintf("primary key column \"%s\" of %s is %s: it runs out of values, and widening it later rewrites the table and every table referencing it",
						 col, relname_of(rel), type),
				"Use bigint, or bigint GENERATED ALWAYS AS IDENTITY instead of serial.");
}

/* ---- volatility of a default ---- */

typedef struct VolatileSearch
{
	const char *volatile_func;	/* a volatile function it calls */
	const char *unknown_func;	/* a function pg_proc does not have (yet) */
} VolatileSearch;

/*
 * Conservative: a call is volatile if any function of that name visible on
 * the search path is volatile, since the raw tree does not say which
 * overload it will resolve to.
 */
static bool
volatile_walker(Node *node, VolatileSearch *vs)
{
	if (node == NULL)
		return false;
	if (IsA(node, FuncCall))
	{
		FuncCall   *fc = (FuncCall *) node;
		FuncCandidateList c = FuncnameGetCandidates(fc->funcname, -1, NIL,
													false, false, false, true);

		if (c == NULL && vs->unknown_func == NULL)
			vs->unknown_func = NameListToString(fc->funcname);
		for (; c; c = c->next)
			if (func_volatile(c->oid) == PROVOLATILE_VOLATILE)
			{
				vs->volatile_func = NameListToString(fc->funcname);
				return true;
			}
	}
	return raw_expression_tree_walker(node, volatile_walker, (void *) vs);
}

/* ---- ALTER TABLE ---- */

static void
lint_add_column(LintState *ls, const RangeVar *rel, bool newrel,
				LOCKMODE lockmode, ColumnDef *cd)
{
	Constraint *def = NULL;
	bool		notnull = cd->is_not_null;
	bool		identity = false;
	bool		generated = false;
	bool		unique = false;
	bool		pk = false;
	bool		check = false;
	RangeVar   *references = NULL;
	const char *why = NULL;
	int			rewrites = 1;
	ListCell   *lc;

	foreach(lc, cd->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		switch (c->contype)
		{
			case CONSTR_DEFAULT:
				def = c;
				break;
			case CONSTR_NOTNULL:
				notnull = true;
				break;
			case CONSTR_IDENTITY:
				identity = true;
				break;
			case CONSTR_GENERATED:
				generated = true;
				break;
			case CONSTR_PRIMARY:
				pk = true;
				break;
			case CONSTR_UNIQUE:
				unique = true;
				break;
			case CONSTR_CHECK:
				check = true;
				break;
			case CONSTR_FOREIGN:
				references = c->pktable;
				break;
			default:
				break;
		}
	}
	if (pk && small_int_type(cd->typeName))
		report_int_pk(ls, rel, cd->colname, small_int_type(cd->typeName));
	if (newrel)
		return;

	if (is_serial_type(cd->typeName))
		why = psprintf("adding serial column \"%s\" fills every row from a sequence", cd->colname);
	else if (identity)
		why = psprintf("adding identity column \"%s\" fills every row from a sequence", cd->colname);
	else if (generated)
		why = psprintf("adding stored generated column \"%s\" computes it for every row", cd->colname);
	else if (def)
	{
		VolatileSearch vs = {0};

		(void) volatile_walker(def->raw_expr, &vs);
		if (vs.volatile_func)
			why = psprintf("adding column \"%s\" with a default calling volatile function %s() evaluates it for every row",
						   cd->colname, vs.volatile_func);
		else if (vs.unknown_func)
		{
			why = psprintf("adding column \"%s\" with a default calling %s(), which does not exist yet: if it is volatile, every row is rewritten",
						   cd->colname, vs.unknown_func);
			rewrites = -1;
		}
	}
	if (why)
		lint_report(ls, "adding-field-with-volatile-default",
					rewrites == 1 ? LINT_ERROR : LINT_WARNING, lockmode, rel,
					rewrites,
					psprintf("%s: rewrites %s under an ACCESS EXCLUSIVE lock",
							 why, relname_of(rel)),
					"Add the column without a default or with a constant one (no rewrite since PostgreSQL 11), backfill it in batches, then SET DEFAULT for new rows.");
	else if (notnull && def == NULL)
		lint_report(ls, "adding-required-field", LINT_ERROR, lockmode, rel, 0,
					psprintf("adding NOT NULL column \"%s\" without a default fails if %s has any row",
							 cd->colname, relname_of(rel)),
					"Add it with a constant DEFAULT, or add it nullable, backfill it, and set NOT NULL the safe way.");
	if (pk || unique)
		lint_report(ls, "adding-unique-constraint", LINT_ERROR, lockmode, rel, 0,
					psprintf("adding column \"%s\" with %s builds its index while holding an ACCESS EXCLUSIVE lock on %s",
							 cd->colname, pk ? "PRIMARY KEY" : "UNIQUE",
							 relname_of(rel)),
					"Add the column, CREATE UNIQUE INDEX CONCURRENTLY in a non-transactional revision, then ADD CONSTRAINT ... USING INDEX.");

	/* a constraint declared with the column cannot be NOT VALID */
	if (check)
		lint_report(ls, "constraint-missing-not-valid", LINT_ERROR, lockmode,
					rel, 0,
					psprintf("adding column \"%s\" with a CHECK constraint scans all of %s under an ACCESS EXCLUSIVE lock",
							 cd->colname, relname_of(rel)),
					"Add the column without it, then ADD CONSTRAINT ... CHECK (...) NOT VALID and VALIDATE CONSTRAINT in a later statement.");
	if (references)
	{
		lint_report(ls, "adding-foreign-key-constraint", LINT_ERROR, lockmode,
					rel, 0,
					psprintf("adding column \"%s\" with REFERENCES validates every row of %s while holding a SHARE ROW EXCLUSIVE lock on %s",
							 cd->colname, relname_of(rel), relname_of(references)),
					"Add the column without it, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE CONSTRAINT in a later statement.");
		lock_checks(ls, ShareRowExclusiveLock, references);
	}
}

/*
 * Does changing a column from (oldtype, oldmod) to (newtype, newmod) rewrite
 * the table?  1 yes, 0 no, -1 not known.  This follows
 * ATColumnChangeRequiresRewrite(): binary-coercible changes and widened
 * length limits keep the storage.
 */
static int
type_change_rewrites(Oid oldtype, int32 oldmod, Oid newtype, int32 newmod,
					 bool using)
{
	if (!OidIsValid(oldtype) || !OidIsValid(newtype))
		return -1;
	if (using)
		return 1;
	if (oldtype == newtype)
	{
		if (newmod == oldmod || newmod < 0)
			return 0;
		if (newtype == VARCHAROID || newtype == VARBITOID)
			return oldmod >= 0 && newmod >= oldmod ? 0 : 1;
		if (newtype == NUMERICOID && oldmod >= 0)
			/* same scale, no less precision: no rewrite */
			return ((newmod - VARHDRSZ) & 0xffff) == ((oldmod - VARHDRSZ) & 0xffff) &&
				newmod >= oldmod ? 0 : 1;
		return -1;
	}
	if (IsBinaryCoercible(oldtype, newtype) && newmod < 0)
		return 0;
	return 1;
}

static void
lint_alter_type(LintState *ls, const RangeVar *rel, LOCKMODE lockmode,
				const char *colname, ColumnDef *cd)
{
	Oid			relid = lint_live_relid(rel);
	Oid			oldtype = InvalidOid;
	int32		oldmod = -1;
	Oid			newtype = InvalidOid;
	int32		newmod = -1;
	Type		t;
	int			rewrites;
	bool		narrowing;

	if (OidIsValid(relid))
	{
		AttrNumber	att = get_attnum(relid, colname);
		Oid			coll;

		if (att != InvalidAttrNumber)
			get_atttypetypmodcoll(relid, att, &oldtype, &oldmod, &coll);
	}
	t = LookupTypeName(NULL, cd->typeName, &newmod, true);
	if (t)
	{
		newtype = typeTypeId(t);
		ReleaseSysCache(t);
	}
	rewrites = type_change_rewrites(oldtype, oldmod, newtype, newmod,
									cd->raw_default != NULL);
	if (rewrites == 0)
		return;

	/* a new or tighter limit on text: every row is checked and rewritten */
	narrowing = OidIsValid(oldtype) &&
		(newtype == VARCHAROID || newtype == BPCHAROID) && newmod >= 0 &&
		(oldtype == TEXTOID ||
		 ((oldtype == VARCHAROID || oldtype == BPCHAROID) &&
		  (oldmod < 0 || newmod < oldmod)));
	if (narrowing)
		lint_report(ls, "varchar-narrowing", LINT_ERROR, lockmode, rel, 1,
					psprintf("changing column \"%s\" to %s adds or tightens a length limit: checks and rewrites all of %s under an ACCESS EXCLUSIVE lock",
							 colname, format_type_with_typemod(newtype, newmod),
							 relname_of(rel)),
					"Keep text and add CHECK (length(col) <= n) NOT VALID, then VALIDATE CONSTRAINT; widening a varchar never rewrites.");
	else if (rewrites == 1)
		lint_report(ls, "changing-column-type", LINT_ERROR, lockmode, rel, 1,
					psprintf("changing column \"%s\" from %s to %s rewrites %s and rebuilds its indexes under an ACCESS EXCLUSIVE lock",
							 colname, format_type_with_typemod(oldtype, oldmod),
							 OidIsValid(newtype) ? format_type_with_typemod(newtype, newmod) :
							 TypeNameToString(cd->typeName),
							 relname_of(rel)),
					"Add a new column of the new type, backfill it in batches, switch the application to it, then drop the old one.");
	else
		lint_report(ls, "changing-column-type", LINT_WARNING, lockmode, rel, -1,
					psprintf("changing column \"%s\" to %s rewrites %s unless the change is binary-coercible, which cannot be told here: %s",
							 colname, TypeNameToString(cd->typeName),
							 relname_of(rel),
							 !OidIsValid(relid) ? "the table does not exist in this database" :
							 !OidIsValid(oldtype) ? "the column does not exist in this database" :
							 !OidIsValid(newtype) ? "the new type does not exist in this database" :
							 "the type modifier changes"),
					"Lint against a copy of the target database to know, or add a new column, backfill it and switch over.");
}

/* Is expr "col IS NOT NULL"?  Then the column's name, else NULL. */
static char *
not_null_check_column(Node *expr)
{
	NullTest   *nt;
	ColumnRef  *cr;

	if (expr == NULL || !IsA(expr, NullTest))
		return NULL;
	nt = (NullTest *) expr;
	if (nt->nulltesttype != IS_NOT_NULL || !IsA(nt->arg, ColumnRef))
		return NULL;
	cr = (ColumnRef *) nt->arg;
	if (list_length(cr->fields) != 1 || !IsA(linitial(cr->fields), String))
		return NULL;
	return strVal(linitial(cr->fields));
}

static void
lint_add_constraint(LintState *ls, const RangeVar *rel, bool newrel,
					LOCKMODE lockmode, Constraint *c)
{
	char	   *col;

	switch (c->contype)
	{
		case CONSTR_FOREIGN:
			if (!newrel && !c->skip_validation)
				lint_report(ls, "adding-foreign-key-constraint", LINT_ERROR,
							lockmode, rel, 0,
							psprintf("adding a foreign key validates every row of %s while holding SHARE ROW EXCLUSIVE locks on it and on %s, blocking their writes",
									 relname_of(rel), relname_of(c->pktable)),
							"Add it with NOT VALID, then VALIDATE CONSTRAINT in a later statement: validation takes a SHARE UPDATE EXCLUSIVE lock, which does not block reads or writes.");
			if (!newrel)
				lock_checks(ls, ShareRowExclusiveLock, c->pktable);
			break;
		case CONSTR_CHECK:
			col = not_null_check_column(c->raw_expr);
			if (col)
			{
				LintName   *n = palloc0(sizeof(LintName));

				n->schema = rel->schemaname;
				n->name = rel->relname;
				n->column = col;
				n->conname = c->conname;
				n->valid = !c->skip_validation;
				ls->notnull_checks = lappend(ls->notnull_checks, n);
			}
			if (!newrel && !c->skip_validation)
				lint_report(ls, "constraint-missing-not-valid", LINT_ERROR,
							lockmode, rel, 0,
							psprintf("adding a CHECK constraint scans all of %s under an ACCESS EXCLUSIVE lock",
									 relname_of(rel)),
							"Add it with NOT VALID, then VALIDATE CONSTRAINT in a later statement: validation takes a SHARE UPDATE EXCLUSIVE lock, which does not block reads or writes.");
			break;
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
			if (!newrel && c->indexname == NULL)
				lint_report(ls, "adding-unique-constraint", LINT_ERROR,
							lockmode, rel, 0,
							psprintf("adding a %s constraint builds its index while holding an ACCESS EXCLUSIVE lock on %s",
									 c->contype == CONSTR_PRIMARY ? "PRIMARY KEY" : "UNIQUE",
									 relname_of(rel)),
							"CREATE UNIQUE INDEX CONCURRENTLY in a non-transactional revision first, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX (or UNIQUE USING INDEX).");
			if (c->contype == CONSTR_PRIMARY && !newrel)
			{
				Oid			relid = lint_live_relid(rel);
				ListCell   *lc;

				foreach(lc, c->keys)
				{
					const char *k = strVal(lfirst(lc));
					AttrNumber	att = OidIsValid(relid) ? get_attnum(relid, k) : InvalidAttrNumber;

					if (att != InvalidAttrNumber &&
						small_int_oid(get_atttype(relid, att)))
						report_int_pk(ls, rel, k,
									  small_int_oid(get_atttype(relid, att)));
				}
			}
			break;
		default:
			break;
	}
}

static void
validate_constraint(LintState *ls, const RangeVar *rel, const char *conname)
{
	ListCell   *lc;

	foreach(lc, ls->notnull_checks)
	{
		LintName   *n = lfirst(lc);

		if (n->conname && strcmp(n->conname, conname) == 0 &&
			name_matches(n, rel->schemaname, rel->relname))
			n->valid = true;
	}
}

static void
lint_set_not_null(LintState *ls, const RangeVar *rel, LOCKMODE lockmode,
				  const char *col)
{
	ListCell   *lc;
	Oid			relid;

	foreach(lc, ls->notnull_checks)
	{
		LintName   *n = lfirst(lc);

		if (n->valid && strcmp(n->column, col) == 0 &&
			name_matches(n, rel->schemaname, rel->relname))
			return;
	}
	relid = lint_live_relid(rel);
	if (OidIsValid(relid) && lint_live_has_not_null_check(relid, col))
		return;
	lint_report(ls, "setting-not-null", LINT_ERROR, lockmode, rel, 0,
				psprintf("SET NOT NULL on column \"%s\" scans all of %s under an ACCESS EXCLUSIVE lock",
						 col, relname_of(rel)),
				psprintf("On PostgreSQL 12 and later: ADD CONSTRAINT %s_not_null CHECK (%s IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT %s_not_null (no write lock), then SET NOT NULL, which uses the validated check instead of scanning.",
						 col, quote_identifier(col), col));
}

static void
lint_alter_table(LintState *ls, AlterTableStmt *stmt)
{
	LOCKMODE	lockmode = AlterTableGetLockLevel(stmt->cmds);
	RangeVar   *rel = stmt->relation;
	bool		newrel = lint_created_in_plan(ls, rel);
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE)
	{
		lock_checks(ls, lockmode, rel);
		return;
	}
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
				lint_add_column(ls, rel, newrel, lockmode,
								castNode(ColumnDef, cmd->def));
				break;
			case AT_AlterColumnType:
				if (!newrel)
					lint_alter_type(ls, rel, lockmode, cmd->name,
									castNode(ColumnDef, cmd->def));
				break;
			case AT_AddConstraint:
				lint_add_constraint(ls, rel, newrel, lockmode,
									castNode(Constraint, cmd->def));
				break;
			case AT_ValidateConstraint:
				validate_constraint(ls, rel, cmd->name);
				break;
			case AT_SetNotNull:
				if (!newrel)
					lint_set_not_null(ls, rel, lockmode, cmd->name);
				break;
			case AT_DropColumn:
				if (!newrel)
					lint_report(ls, "dropping-column", LINT_WARNING, lockmode,
								rel, 0,
								psprintf("dropping column \"%s\" of %s breaks application code still running that reads or writes it",
										 cmd->name, relname_of(rel)),
								"Deploy code that no longer uses the column first, and drop it in a later release.");
				break;
			default:
				break;
		}
	}
	lock_checks(ls, lockmode, rel);
}

/* ---- other statements ---- */

static void
lint_create_table(LintState *ls, CreateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, ColumnDef))
		{
			ColumnDef  *cd = (ColumnDef *) elt;
			ListCell   *cc;

			foreach(cc, cd->constraints)
				if (lfirst_node(Constraint, cc)->contype == CONSTR_PRIMARY &&
					small_int_type(cd->typeName))
					report_int_pk(ls, stmt->relation, cd->colname,
								  small_int_type(cd->typeName));
		}
		else if (IsA(elt, Constraint) &&
				 ((Constraint *) elt)->contype == CONSTR_PRIMARY)
		{
			ListCell   *kc;

			foreach(kc, ((Constraint *) elt)->keys)
			{
				const char *k = strVal(lfirst(kc));
				ListCell   *ec;

				foreach(ec, stmt->tableElts)
				{
					ColumnDef  *cd = lfirst(ec);

					if (IsA(cd, ColumnDef) && strcmp(cd->colname, k) == 0 &&
						small_int_type(cd->typeName))
						report_int_pk(ls, stmt->relation, k,
									  small_int_type(cd->typeName));
				}
			}
		}
	}
	remember_created(ls, stmt->relation->schemaname, stmt->relation->relname);
}

/* CREATE INDEX: DefineIndex() locks the table SHARE, or SHARE UPDATE EXCLUSIVE when concurrent */
static void
lint_create_index(LintState *ls, IndexStmt *stmt)
{
	LOCKMODE	lockmode = stmt->concurrent ? ShareUpdateExclusiveLock : ShareLock;

	if (!stmt->concurrent && !lint_created_in_plan(ls, stmt->relation))
		lint_report(ls, "require-concurrent-index-creation", LINT_ERROR,
					lockmode, stmt->relation, 0,
					psprintf("CREATE INDEX blocks writes to %s (SHARE lock) while it builds",
							 relname_of(stmt->relation)),
					"Use CREATE INDEX CONCURRENTLY in a revision registered with transactional => false.");
	lock_checks(ls, lockmode, stmt->relation);
	if (stmt->idxname)
		remember_created(ls, stmt->relation->schemaname, stmt->idxname);
}

/* DROP: RemoveRelations() takes ACCESS EXCLUSIVE, or SHARE UPDATE EXCLUSIVE for DROP INDEX CONCURRENTLY */
static void
lint_drop(LintState *ls, DropStmt *stmt)
{
	ListCell   *lc;

	if (stmt->removeType != OBJECT_INDEX && stmt->removeType != OBJECT_TABLE)
		return;
	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList(lfirst(lc));
		LOCKMODE	lockmode = stmt->concurrent ? ShareUpdateExclusiveLock : AccessExclusiveLock;

		if (lint_created_in_plan(ls, rv))
			continue;
		if (stmt->removeType == OBJECT_INDEX && !stmt->concurrent)
			lint_report(ls, "require-concurrent-index-deletion", LINT_WARNING,
						lockmode, rv, 0,
						psprintf("DROP INDEX takes an ACCESS EXCLUSIVE lock on %s and its table, blocking reads and writes until the transaction ends",
								 relname_of(rv)),
						"Use DROP INDEX CONCURRENTLY in a revision registered with transactional => false.");
		else if (stmt->removeType == OBJECT_TABLE)
			lint_report(ls, "dropping-table", LINT_WARNING, lockmode, rv, 0,
						psprintf("dropping table %s breaks application code still running that uses it, and its data is gone",
								 relname_of(rv)),
						"Deploy code that no longer uses the table first; drop it in a later release.");
		lock_checks(ls, lockmode, rv);
	}
}

/* RENAME: RenameRelation() and renameatt() take ACCESS EXCLUSIVE */
static void
lint_rename(LintState *ls, RenameStmt *stmt)
{
	RangeVar   *rel = stmt->relation;

	if (rel == NULL ||
		(stmt->renameType != OBJECT_TABLE &&
		 !(stmt->renameType == OBJECT_COLUMN &&
		   stmt->relationType == OBJECT_TABLE)))
		return;
	if (lint_created_in_plan(ls, rel))
	{
		if (stmt->renameType == OBJECT_TABLE)
			remember_created(ls, rel->schemaname, stmt->newname);
		return;
	}
	if (stmt->renameType == OBJECT_TABLE)
		lint_report(ls, "renaming-table", LINT_WARNING, AccessExclusiveLock,
					rel, 0,
					psprintf("renaming table %s to \"%s\" breaks application code still running with the old name",
							 relname_of(rel), stmt->newname),
					"Rename it and create a view with the old name in the same revision, and drop the view once no code uses it.");
	else
		lint_report(ls, "renaming-column", LINT_WARNING, AccessExclusiveLock,
					rel, 0,
					psprintf("renaming column \"%s\" of %s to \"%s\" breaks application code still running with the old name",
							 stmt->subname, relname_of(rel), stmt->newname),
					"Add the new column, write both, backfill, move readers over, then drop the old column in a later release.");
	lock_checks(ls, AccessExclusiveLock, rel);
}

/* VACUUM FULL and CLUSTER: cluster_rel() takes ACCESS EXCLUSIVE and rewrites */
static void
lint_rewrite_all(LintState *ls, const char *rule, const char *what,
				 RangeVar *rel)
{
	lint_report(ls, rule, LINT_ERROR, AccessExclusiveLock, rel, 1,
				rel ? psprintf("%s rewrites %s under an ACCESS EXCLUSIVE lock, blocking reads and writes until it ends",
							   what, relname_of(rel)) :
				psprintf("%s rewrites every table of the database under ACCESS EXCLUSIVE locks", what),
				"Rebuild online with pg_repack or pg_squeeze, or use plain VACUUM.");
	lock_checks(ls, AccessExclusiveLock, rel);
}

static void
lint_vacuum(LintState *ls, VacuumStmt *stmt)
{
	ListCell   *lc;
	bool		full = false;

	foreach(lc, stmt->options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "full") == 0 && defGetBoolean(opt))
			full = true;
	}
	if (!stmt->is_vacuumcmd || !full)
		return;
	if (stmt->rels == NIL)
		lint_rewrite_all(ls, "vacuum-full", "VACUUM FULL", NULL);
	foreach(lc, stmt->rels)
	{
		RangeVar   *rel = lfirst_node(VacuumRelation, lc)->relation;

		if (rel && !lint_created_in_plan(ls, rel))
			lint_rewrite_all(ls, "vacuum-full", "VACUUM FULL", rel);
	}
}

static void
lint_set(LintState *ls, VariableSetStmt *stmt)
{
	if (stmt->name == NULL || strcmp(stmt->name, "lock_timeout") != 0)
		return;
	if (stmt->kind == VAR_SET_VALUE)
	{
		char	   *v = ExtractSetVariableArgs(stmt);

		ls->lock_timeout_set = v && strcmp(v, "0") != 0 && strcmp(v, "'0'") != 0;
	}
	else if (stmt->kind == VAR_SET_DEFAULT || stmt->kind == VAR_RESET)
		ls->lock_timeout_set = false;
}

/* Lint one statement; ls says which, and what the plan did before it */
void
lint_statement(LintState *ls, Node *stmt)
{
	switch (nodeTag(stmt))
	{
		case T_AlterTableStmt:
			lint_alter_table(ls, (AlterTableStmt *) stmt);
			break;
		case T_CreateStmt:
			lint_create_table(ls, (CreateStmt *) stmt);
			break;
		case T_CreateTableAsStmt:
			{
				RangeVar   *rel = ((CreateTableAsStmt *) stmt)->into->rel;

				remember_created(ls, rel->schemaname, rel->relname);
				break;
			}
		case T_IndexStmt:
			lint_create_index(ls, (IndexStmt *) stmt);
			break;
		case T_DropStmt:
			lint_drop(ls, (DropStmt *) stmt);
			break;
		case T_RenameStmt:
			lint_rename(ls, (RenameStmt *) stmt);
			break;
		case T_VacuumStmt:
			lint_vacuum(ls, (VacuumStmt *) stmt);
			break;
		case T_ClusterStmt:
			{
				RangeVar   *rel = ((ClusterStmt *) stmt)->relation;

				if (!lint_created_in_plan(ls, rel))
					lint_rewrite_all(ls, "cluster", "CLUSTER", rel);
				break;
			}
		case T_VariableSetStmt:
			lint_set(ls, (VariableSetStmt *) stmt);
			break;
		default:
			break;
	}
}
