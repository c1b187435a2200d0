/*-------------------------------------------------------------------------
 *
 * lint_txn.c
 *	  Lint rules about the transaction a statement runs in: what an earlier
 *	  statement of the same transaction did decides whether this one is
 *	  safe.
 *
 * constraint-validated-in-same-transaction: ADD CONSTRAINT ... NOT VALID
 * exists so that the validating scan runs later under VALIDATE's SHARE
 * UPDATE EXCLUSIVE lock, which blocks neither reads nor writes.  But locks
 * last until the transaction ends: when the VALIDATE runs in the same
 * transaction as its ADD, the scan runs under the ADD's lock, which
 * AlterTableGetLockLevel() makes ACCESS EXCLUSIVE for a CHECK and SHARE ROW
 * EXCLUSIVE (on both tables) for a FOREIGN KEY.
 *
 * enum-value-used-in-same-transaction: a value that ALTER TYPE ... ADD
 * VALUE added cannot be used until the transaction commits (AddEnumLabel()
 * enters it in uncommitted_enums; check_safe_enum_use() then fails with
 * "unsafe use of new value"): a literal cast to the type, a column default,
 * an INSERT or UPDATE of a column of the type, or a comparison with one.
 *
 * Which statements share a transaction is the plan's business (lint.c):
 * one script is one transaction; migrate_upgrade() runs the whole plan in
 * one, CALL migrate_upgrade_each() commits after each revision
 * (migrate.lint_transaction = revision), and a non-transactional revision
 * commits after each statement.  lint_transaction_end() forgets what the
 * committed transaction held.
 *
 * Layer: lint (src/lint/), above lint_live.c and lint_report.c (it records
 * its findings there); lint_rules.c and lint_alter.c call it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "lint.h"

/* "statement 3", or "revision \"r1\", statement 3" for another revision */
static char *
where(LintState *ls, const char *revision, int statement)
{
	if (revision == NULL || (ls->revision && strcmp(revision, ls->revision) == 0))
		return psprintf("statement %d", statement);
	return psprintf("revision \"%s\", statement %d", revision, statement);
}

/* ---- constraint-validated-in-same-transaction ---- */

/*
 * The name PostgreSQL gives an unnamed foreign key: table_col1_col2_fkey
 * (ChooseConstraintName with ChooseForeignKeyConstraintNameAddition),
 * before any truncation to NAMEDATALEN.
 */
static char *
default_fk_name(const RangeVar *rel, const Constraint *c)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	appendStringInfoString(&buf, rel->relname);
	foreach(lc, c->fk_attrs)
		appendStringInfo(&buf, "_%s", strVal(lfirst(lc)));
	appendStringInfoString(&buf, "_fkey");
	return buf.data;
}

/* An ADD CONSTRAINT ... NOT VALID on an existing table: its lock stays */
void
lint_txn_not_valid_added(LintState *ls, const RangeVar *rel,
						 LOCKMODE lockmode, Constraint *c)
{
	LintNotValid *nv;

	if (!c->skip_validation ||
		(c->contype != CONSTR_FOREIGN && c->contype != CONSTR_CHECK))
		return;
	nv = palloc0(sizeof(LintNotValid));
	nv->schema = rel->schemaname;
	nv->name = rel->relname;
	nv->conname = c->conname ? c->conname :
		c->contype == CONSTR_FOREIGN ? default_fk_name(rel, c) : NULL;
	nv->lockmode = lockmode;
	nv->pktable = c->contype == CONSTR_FOREIGN ? c->pktable : NULL;
	nv->revision = ls->revision;
	nv->statement = ls->statement;
	if (nv->conname)
		ls->not_valid = lappend(ls->not_valid, nv);
}

/* VALIDATE CONSTRAINT: is its ADD's lock still held? */
void
lint_txn_validate(LintState *ls, const RangeVar *rel, const char *conname)
{
	ListCell   *lc;

	foreach(lc, ls->not_valid)
	{
		LintNotValid *nv = lfirst(lc);
		LintName	n = {0};
		const char *mode;

		n.schema = nv->schema;
		n.name = nv->name;
		if (strcmp(nv->conname, conname) != 0 ||
			!lint_name_matches(&n, rel->schemaname, rel->relname))
			continue;
		mode = lint_lock_sql_name(nv->lockmode);
		lint_report(ls, "constraint-validated-in-same-transaction", LINT_ERROR,
					nv->lockmode, rel, 0,
					nv->pktable ?
					psprintf("VALIDATE CONSTRAINT \"%s\" scans all of %s in the transaction of its ADD CONSTRAINT ... NOT VALID (%s), which holds a %s lock on it and a SHARE ROW EXCLUSIVE lock on %s until the transaction ends: writes to both are blocked through the scan",
							 conname, lint_relname(rel),
							 where(ls, nv->revision, nv->statement), mode,
							 lint_relname(nv->pktable)) :
					psprintf("VALIDATE CONSTRAINT \"%s\" scans all of %s in the transaction of its ADD CONSTRAINT ... NOT VALID (%s), which holds an %s lock on it until the transaction ends: reads and writes are blocked through the scan",
							 conname, lint_relname(rel),
							 where(ls, nv->revision, nv->statement), mode),
					"Validate in a later revision and run the upgrade with CALL migrate_upgrade_each(), which commits after each revision: the ADD's lock ends at its commit, and VALIDATE CONSTRAINT alone takes a SHARE UPDATE EXCLUSIVE lock, which blocks neither reads nor writes.");
		return;
	}
}

/* ---- enum-value-used-in-same-transaction ---- */

/* ALTER TYPE ... ADD VALUE: the value is unusable until the commit */
void
lint_txn_enum_value_added(LintState *ls, AlterEnumStmt *stmt)
{
	LintEnumValue *ev;
	TypeName   *tn;
	Type		t;

	if (stmt->newVal == NULL || stmt->oldVal != NULL)
		return;					/* RENAME VALUE: usable at once */
	ev = palloc0(sizeof(LintEnumValue));
	tn = makeTypeNameFromNameList(stmt->typeName);
	ev->schema = list_length(stmt->typeName) > 1 ?
		strVal(list_nth(stmt->typeName, list_length(stmt->typeName) - 2)) : NULL;
	ev->typname = strVal(llast(stmt->typeName));
	ev->label = stmt->newVal;
	t = LookupTypeName(NULL, tn, NULL, true);
	if (t)
	{
		ev->typid = typeTypeId(t);
		ReleaseSysCache(t);
	}
	ev->revision = ls->revision;
	ev->statement = ls->statement;
	ls->enum_values = lappend(ls->enum_values, ev);
}

/* Is tn the type of ev?  By OID when both are live, else by name. */
static bool
is_enum_type(const LintEnumValue *ev, const TypeName *tn)
{
	const char *schema = NULL;
	const char *name;
	Type		t;

	if (tn == NULL || tn->names == NIL || tn->arrayBounds != NIL)
		return false;
	if (OidIsValid(ev->typid))
	{
		t = LookupTypeName(NULL, tn, NULL, true);
		if (t)
		{
			Oid			typid = typeTypeId(t);

			ReleaseSysCache(t);
			return typid == ev->typid;
		}
	}
	name = strVal(llast(tn->names));
	if (list_length(tn->names) > 1)
		schema = strVal(list_nth(tn->names, list_length(tn->names) - 2));
	return strcmp(name, ev->typname) == 0 &&
		(schema == NULL || ev->schema == NULL || strcmp(schema, ev->schema) == 0);
}

/* Is node the string literal label (possibly cast to ev's type)? */
static bool
is_label(const LintEnumValue *ev, Node *node)
{
	if (node && IsA(node, TypeCast))
	{
		TypeCast   *tc = (TypeCast *) node;

		if (!is_enum_type(ev, tc->typeName))
			return false;
		node = tc->arg;
	}
	return node && IsA(node, A_Const) && !((A_Const *) node)->isnull &&
		IsA(&((A_Const *) node)->val, String) &&
		strcmp(strVal(&((A_Const *) node)->val), ev->label) == 0;
}

/* Is column "col" of the live relation rel of ev's type? */
static bool
is_enum_column(const LintEnumValue *ev, const RangeVar *rel, const char *col)
{
	Oid			relid;
	AttrNumber	att;

	if (!OidIsValid(ev->typid) || rel == NULL || col == NULL)
		return false;
	relid = lint_live_relid(rel);
	if (!OidIsValid(relid))
		return false;
	att = get_attnum(relid, col);
	return att != InvalidAttrNumber && get_atttype(relid, att) == ev->typid;
}

static const char *
column_ref_name(Node *node)
{
	ColumnRef  *cr;

	if (node == NULL || !IsA(node, ColumnRef))
		return NULL;
	cr = (ColumnRef *) node;
	if (!IsA(llast(cr->fields), String))
		return NULL;
	return strVal(llast(cr->fields));
}

typedef struct EnumUseSearch
{
	const LintEnumValue *ev;
	const RangeVar *rel;		/* the statement's one table, or NULL */
	bool		found;
} EnumUseSearch;

/*
 * A literal the parser will coerce to the enum: cast to it, or compared
 * with (=, <>, IN, ...) a column of the statement's table that has the type.
 */
static bool
enum_use_walker(Node *node, EnumUseSearch *es)
{
	if (node == NULL)
		return false;
	if (IsA(node, TypeCast) && is_enum_type(es->ev, ((TypeCast *) node)->typeName) &&
		is_label(es->ev, node))
		return es->found = true;
	if (IsA(node, A_Expr))
	{
		A_Expr	   *e = (A_Expr *) node;
		const char *lcol = column_ref_name(e->lexpr);
		const char *rcol = column_ref_name(e->rexpr);

		if (lcol && is_enum_column(es->ev, es->rel, lcol))
		{
			if (is_label(es->ev, e->rexpr))
				return es->found = true;
			if (e->rexpr && IsA(e->rexpr, List))
			{
				ListCell   *lc;

				foreach(lc, (List *) e->rexpr)
					if (is_label(es->ev, lfirst(lc)))
						return es->found = true;
			}
		}
		if (rcol && is_label(es->ev, e->lexpr) &&
			is_enum_column(es->ev, es->rel, rcol))
			return es->found = true;
	}
	return raw_expression_tree_walker(node, enum_use_walker, (void *) es);
}

static bool
expr_uses(const LintEnumValue *ev, const RangeVar *rel, Node *expr)
{
	EnumUseSearch es = {ev, rel, false};

	(void) enum_use_walker(expr, &es);
	return es.found;
}

/* A column definition of the type with the new value as its default */
static bool
column_def_uses(const LintEnumValue *ev, ColumnDef *cd)
{
	ListCell   *lc;

	if (expr_uses(ev, NULL, cd->raw_default))
		return true;
	if (is_enum_type(ev, cd->typeName) && is_label(ev, cd->raw_default))
		return true;
	foreach(lc, cd->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == CONSTR_DEFAULT &&
			(expr_uses(ev, NULL, c->raw_expr) ||
			 (is_enum_type(ev, cd->typeName) && is_label(ev, c->raw_expr))))
			return true;
	}
	return false;
}

/* The name of the n-th (0-based) column INSERT fills without a list */
static char *
insert_column(Oid relid, int n)
{
	for (AttrNumber att = 1;; att++)
	{
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
										  Int16GetDatum(att));
		Form_pg_attribute a;
		char	   *name = NULL;

		if (!HeapTupleIsValid(tup))
			return NULL;
		a = (Form_pg_attribute) GETSTRUCT(tup);
		if (!a->attisdropped && n-- == 0)
			name = pstrdup(NameStr(a->attname));
		ReleaseSysCache(tup);
		if (name)
			return name;
	}
}

/* INSERT: a VALUES entry in a column of the type */
static bool
insert_uses(const LintEnumValue *ev, InsertStmt *stmt)
{
	SelectStmt *sel = (SelectStmt *) stmt->selectStmt;
	Oid			relid = lint_live_relid(stmt->relation);
	ListCell   *lc;

	if (sel == NULL || !IsA(sel, SelectStmt) || !OidIsValid(relid) ||
		!OidIsValid(ev->typid))
		return false;
	foreach(lc, sel->valuesLists)
	{
		List	   *row = lfirst(lc);
		ListCell   *vc;
		int			i = 0;

		foreach(vc, row)
		{
			const char *col = NULL;

			if (stmt->cols != NIL)
			{
				if (i < list_length(stmt->cols))
					col = lfirst_node(ResTarget, list_nth_cell(stmt->cols, i))->name;
			}
			else
				col = insert_column(relid, i);
			i++;
			if (col && is_label(ev, lfirst(vc)) &&
				is_enum_column(ev, stmt->relation, col))
				return true;
		}
	}
	return false;
}

/* UPDATE: SET col = 'new' on a column of the type */
static bool
update_uses(const LintEnumValue *ev, UpdateStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->targetList)
	{
		ResTarget  *rt = lfirst_node(ResTarget, lc);

		if (is_label(ev, rt->val) &&
			is_enum_column(ev, stmt->relation, rt->name))
			return true;
	}
	return false;
}

static bool
statement_uses(const LintEnumValue *ev, Node *stmt)
{
	ListCell   *lc;

	switch (nodeTag(stmt))
	{
		case T_InsertStmt:
			return insert_uses(ev, (InsertStmt *) stmt) ||
				expr_uses(ev, ((InsertStmt *) stmt)->relation, stmt);
		case T_UpdateStmt:
			return update_uses(ev, (UpdateStmt *) stmt) ||
				expr_uses(ev, ((UpdateStmt *) stmt)->relation, stmt);
		case T_DeleteStmt:
			return expr_uses(ev, ((DeleteStmt *) stmt)->relation, stmt);
		case T_SelectStmt:
			{
				SelectStmt *sel = (SelectStmt *) stmt;
				RangeVar   *rel = NULL;

				if (list_length(sel->fromClause) == 1 &&
					IsA(linitial(sel->fromClause), RangeVar))
					rel = linitial(sel->fromClause);
				return expr_uses(ev, rel, stmt);
			}
		case T_CreateStmt:
			foreach(lc, ((CreateStmt *) stmt)->tableElts)
				if (IsA(lfirst(lc), ColumnDef) &&
					column_def_uses(ev, lfirst(lc)))
					return true;
			return false;
		case T_AlterTableStmt:
			foreach(lc, ((AlterTableStmt *) stmt)->cmds)
			{
				AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
				RangeVar   *rel = ((AlterTableStmt *) stmt)->relation;

				if (cmd->subtype == AT_AddColumn &&
					column_def_uses(ev, castNode(ColumnDef, cmd->def)))
					return true;
				if (cmd->subtype == AT_ColumnDefault && cmd->def &&
					(expr_uses(ev, NULL, cmd->def) ||
					 (is_label(ev, cmd->def) &&
					  is_enum_column(ev, rel, cmd->name))))
					return true;
				if (cmd->subtype == AT_AlterColumnType &&
					(expr_uses(ev, NULL, castNode(ColumnDef, cmd->def)->raw_default)))
					return true;
			}
			return false;
		default:
			return false;
	}
}

/* Does this statement use a value added earlier in its transaction? */
void
lint_txn_enum_uses(LintState *ls, Node *stmt)
{
	ListCell   *lc;

	foreach(lc, ls->enum_values)
	{
		LintEnumValue *ev = lfirst(lc);

		if (!statement_uses(ev, stmt))
			continue;
		lint_report(ls, "enum-value-used-in-same-transaction", LINT_ERROR,
					NoLock, NULL, 0,
					psprintf("value \"%s\" of enum type %s is used in the transaction that added it (%s): the statement fails with \"unsafe use of new value\"",
							 ev->label,
							 quote_qualified_identifier(ev->schema, ev->typname),
							 where(ls, ev->revision, ev->statement)),
					"New enum values must be committed before they can be used: add the value in an earlier revision and run the upgrade with CALL migrate_upgrade_each(), which commits after each revision.");
	}
}
