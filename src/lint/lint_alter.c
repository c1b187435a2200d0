/*-------------------------------------------------------------------------
 *
 * lint_alter.c
 *	  The lint rules of ALTER TABLE, command by command.
 *
 * The lock the statement takes is AlterTableGetLockLevel() of its raw
 * commands, the function ALTER TABLE itself calls on the same commands, so
 * it cannot drift from the server.  Whether a type change rewrites comes
 * from the live column type and IsBinaryCoercible(), as
 * ATColumnChangeRequiresRewrite() decides; whether a default is volatile
 * from pg_proc; whether SET NOT NULL can skip its scan from validated
 * CHECK (col IS NOT NULL) constraints, earlier in the plan or in the
 * database.
 *
 * Layer: lint (src/lint/): lint_rules.c calls it; it calls lint_txn.c,
 * lint_live.c and lint_report.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/tablecmds.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_coerce.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "lint.h"

static bool
is_serial_type(const TypeName *tn)
{
	const char *n = lint_type_last_name(tn);

	return list_length(tn->names) == 1 &&
		(strcmp(n, "serial") == 0 || strcmp(n, "serial4") == 0 ||
		 strcmp(n, "bigserial") == 0 || strcmp(n, "serial8") == 0 ||
		 strcmp(n, "smallserial") == 0 || strcmp(n, "serial2") == 0);
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
	if (pk && lint_small_int_type(cd->typeName))
		lint_report_int_pk(ls, rel, cd->colname, lint_small_int_type(cd->typeName));
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
							 why, lint_relname(rel)),
					"Add the column without a default or with a constant one (no rewrite since PostgreSQL 11), backfill it in batches, then SET DEFAULT for new rows.");
	else if (notnull && def == NULL)
		lint_report(ls, "adding-required-field", LINT_ERROR, lockmode, rel, 0,
					psprintf("adding NOT NULL column \"%s\" without a default fails if %s has any row",
							 cd->colname, lint_relname(rel)),
					"Add it with a constant DEFAULT, or add it nullable, backfill it, and set NOT NULL the safe way.");
	if (pk || unique)
		lint_report(ls, "adding-unique-constraint", LINT_ERROR, lockmode, rel, 0,
					psprintf("adding column \"%s\" with %s builds its index while holding an ACCESS EXCLUSIVE lock on %s",
							 cd->colname, pk ? "PRIMARY KEY" : "UNIQUE",
							 lint_relname(rel)),
					"Add the column, CREATE UNIQUE INDEX CONCURRENTLY in a non-transactional revision, then ADD CONSTRAINT ... USING INDEX.");

	/* a constraint declared with the column cannot be NOT VALID */
	if (check)
		lint_report(ls, "constraint-missing-not-valid", LINT_ERROR, lockmode,
					rel, 0,
					psprintf("adding column \"%s\" with a CHECK constraint scans all of %s under an ACCESS EXCLUSIVE lock",
							 cd->colname, lint_relname(rel)),
					"Add the column without it, then ADD CONSTRAINT ... CHECK (...) NOT VALID, and VALIDATE CONSTRAINT after a commit (in a later revision, run with CALL migrate_upgrade_each()).");
	if (references)
	{
		lint_report(ls, "adding-foreign-key-constraint", LINT_ERROR, lockmode,
					rel, 0,
					psprintf("adding column \"%s\" with REFERENCES validates every row of %s while holding a SHARE ROW EXCLUSIVE lock on %s",
							 cd->colname, lint_relname(rel), lint_relname(references)),
					"Add the column without it, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, and VALIDATE CONSTRAINT after a commit (in a later revision, run with CALL migrate_upgrade_each()).");
		lint_lock_checks(ls, ShareRowExclusiveLock, references);
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
							 lint_relname(rel)),
					"Keep text and add CHECK (length(col) <= n) NOT VALID, then VALIDATE CONSTRAINT; widening a varchar never rewrites.");
	else if (rewrites == 1)
		lint_report(ls, "changing-column-type", LINT_ERROR, lockmode, rel, 1,
					psprintf("changing column \"%s\" from %s to %s rewrites %s and rebuilds its indexes under an ACCESS EXCLUSIVE lock",
							 colname, format_type_with_typemod(oldtype, oldmod),
							 OidIsValid(newtype) ? format_type_with_typemod(newtype, newmod) :
							 TypeNameToString(cd->typeName),
							 lint_relname(rel)),
					"Add a new column of the new type, backfill it in batches, switch the application to it, then drop the old one.");
	else
		lint_report(ls, "changing-column-type", LINT_WARNING, lockmode, rel, -1,
					psprintf("changing column \"%s\" to %s rewrites %s unless the change is binary-coercible, which cannot be told here: %s",
							 colname, TypeNameToString(cd->typeName),
							 lint_relname(rel),
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
									 lint_relname(rel), lint_relname(c->pktable)),
							"Add it with NOT VALID, then VALIDATE CONSTRAINT after a commit (in a later revision, run with CALL migrate_upgrade_each()): validation alone takes a SHARE UPDATE EXCLUSIVE lock, which does not block reads or writes.");
			if (!newrel)
				lint_lock_checks(ls, ShareRowExclusiveLock, c->pktable);
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
									 lint_relname(rel)),
							"Add it with NOT VALID, then VALIDATE CONSTRAINT after a commit (in a later revision, run with CALL migrate_upgrade_each()): validation alone takes a SHARE UPDATE EXCLUSIVE lock, which does not block reads or writes.");
			break;
		case CONSTR_PRIMARY:
		case CONSTR_UNIQUE:
			if (!newrel && c->indexname == NULL)
				lint_report(ls, "adding-unique-constraint", LINT_ERROR,
							lockmode, rel, 0,
							psprintf("adding a %s constraint builds its index while holding an ACCESS EXCLUSIVE lock on %s",
									 c->contype == CONSTR_PRIMARY ? "PRIMARY KEY" : "UNIQUE",
									 lint_relname(rel)),
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
						lint_report_int_pk(ls, rel, k,
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
			lint_name_matches(n, rel->schemaname, rel->relname))
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
			lint_name_matches(n, rel->schemaname, rel->relname))
			return;
	}
	relid = lint_live_relid(rel);
	if (OidIsValid(relid) && lint_live_has_not_null_check(relid, col))
		return;
	lint_report(ls, "setting-not-null", LINT_ERROR, lockmode, rel, 0,
				psprintf("SET NOT NULL on column \"%s\" scans all of %s under an ACCESS EXCLUSIVE lock",
						 col, lint_relname(rel)),
				psprintf("On PostgreSQL 12 and later: ADD CONSTRAINT %s_not_null CHECK (%s IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT %s_not_null after a commit (no write lock then), then SET NOT NULL, which uses the validated check instead of scanning.",
						 col, quote_identifier(col), col));
}

void
lint_alter_table(LintState *ls, AlterTableStmt *stmt)
{
	LOCKMODE	lockmode = AlterTableGetLockLevel(stmt->cmds);
	RangeVar   *rel = stmt->relation;
	bool		newrel = lint_created_in_plan(ls, rel);
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE)
	{
		lint_lock_checks(ls, lockmode, rel);
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
				lint_txn_not_valid_added(ls, rel, lockmode,
										 castNode(Constraint, cmd->def));
				break;
			case AT_ValidateConstraint:
				validate_constraint(ls, rel, cmd->name);
				lint_txn_validate(ls, rel, cmd->name);
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
										 cmd->name, lint_relname(rel)),
								"Deploy code that no longer uses the column first, and drop it in a later release.");
				break;
			default:
				break;
		}
	}
	lint_lock_checks(ls, lockmode, rel);
}
