/*-------------------------------------------------------------------------
 *
 * lint_enum.c
 *	  enum-value-used-in-same-transaction: a value that ALTER TYPE ... ADD
 *	  VALUE added is used before the transaction commits.
 *
 * AddEnumLabel() enters the new value in uncommitted_enums, and
 * check_safe_enum_use() fails with "unsafe use of new value" whenever
 * enum_in() reads that label (or enum_range() lists the values) before the
 * commit.  In a query that happens while it is parsed: a string literal is
 * read by enum_in() as soon as the parser coerces it to the enum type.  So
 * the question for each literal equal to the label is whether the parser
 * will coerce it to the type, and that is decided by where it stands:
 *	- cast to the type, or to its array type inside an array literal;
 *	- an operand of an operator, IN, ANY/ALL, BETWEEN, CASE, COALESCE,
 *	  GREATEST/LEAST, NULLIF or ARRAY[] whose other side is of the type (a
 *	  column of the type in a relation the statement names, or created
 *	  earlier in the plan; a cast; a function returning the type);
 *	- an argument of a function whose parameter at that place has the type;
 *	- assigned to a column of the type: INSERT (VALUES or SELECT, by
 *	  position), UPDATE ... SET, ON CONFLICT DO UPDATE, MERGE, DEFAULT.
 *	  (The branches of a UNION resolve their literals to text first: an
 *	  INSERT ... SELECT ... UNION of plain literals into an enum column
 *	  fails with a type mismatch instead, and is not reported.)
 * One walker over the raw expression tree looks for these; the statement
 * kinds only say where their expressions are (DML and queries wherever they
 * appear: views, CREATE TABLE AS, EXPLAIN, PREPARE, cursors, COPY, rules,
 * SQL function bodies, which CREATE FUNCTION analyzes; index expressions
 * and WHERE; CHECK, generated columns and defaults; USING of a type change;
 * partition bounds; policies; trigger WHEN; domains over the type).  A
 * literal compared with a text column, cast to text or standing alone
 * stays text and is not reported.
 *
 * A DO block's body is PL/pgSQL, which the SQL parser cannot read as a
 * whole.  Its statements that are SQL (or PERFORM) are parsed and searched
 * as above; the label written as a literal anywhere else in the body (an
 * IF condition, an assignment, RAISE, a dynamic command) is reported as a
 * possible use, with severity warning.  A PL/pgSQL function's body is only
 * parsed at its first call, not at CREATE FUNCTION, and is not searched.
 *
 * Which statements share a transaction is the plan's business (lint.c):
 * lint_transaction_end() forgets the values once their transaction
 * commits.
 *
 * Layer: lint (src/lint/), above lint_report.c (it records its findings
 * there); lint_rules.c calls it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_partitioned_table.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_type.h"
#include "parser/parser.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "compat.h"
#include "lint.h"

/* One search for one new value in one statement */
typedef struct EnumSearch
{
	LintState  *ls;
	const LintEnumValue *ev;
	List	   *rels;			/* of RangeVar: whose columns are in scope */
	bool		domain_value;	/* VALUE is of the type (a domain over it) */
	bool		found;
} EnumSearch;

static bool statement_uses(EnumSearch *es, Node *stmt);

/* ---- the plan's columns ---- */

static void
note_column(LintState *ls, const RangeVar *rel, const char *col, TypeName *tn,
			bool retyped)
{
	LintColumn *c = palloc0(sizeof(LintColumn));

	c->schema = rel->schemaname;
	c->relname = rel->relname;
	c->colname = pstrdup(col);
	c->type = tn;
	c->retyped = retyped;
	ls->columns = lappend(ls->columns, c);
}

/*
 * Columns the plan creates or retypes, with their declared types: a table
 * created earlier in the plan is not in the catalog yet when the lint runs.
 */
void
lint_enum_note_columns(LintState *ls, Node *stmt)
{
	ListCell   *lc;

	if (IsA(stmt, CreateStmt))
	{
		CreateStmt *cs = (CreateStmt *) stmt;

		foreach(lc, cs->tableElts)
			if (IsA(lfirst(lc), ColumnDef))
			{
				ColumnDef  *cd = lfirst(lc);

				if (cd->typeName)
					note_column(ls, cs->relation, cd->colname, cd->typeName,
								false);
			}
	}
	else if (IsA(stmt, AlterTableStmt))
	{
		AlterTableStmt *as = (AlterTableStmt *) stmt;

		foreach(lc, as->cmds)
		{
			AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
			ColumnDef  *cd = (ColumnDef *) cmd->def;

			if (cmd->subtype == AT_AddColumn && cd && cd->typeName)
				note_column(ls, as->relation, cd->colname, cd->typeName, false);
			else if (cmd->subtype == AT_AlterColumnType && cd && cd->typeName)
				note_column(ls, as->relation, cmd->name, cd->typeName, true);
		}
	}
}

/* ---- types and literals ---- */

/* Is tn the type of ev (array: its array type)?  By OID when live. */
static bool
is_enum_type(const LintEnumValue *ev, const TypeName *tn, bool array)
{
	const char *schema = NULL;
	const char *name;
	Type		t;

	if (tn == NULL || tn->names == NIL || tn->setof ||
		(tn->arrayBounds != NIL) != array)
		return false;
	if (OidIsValid(ev->typid))
	{
		TypeName   *elem = copyObject((TypeName *) tn);

		elem->arrayBounds = NIL;
		t = LookupTypeName(NULL, elem, NULL, true);
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

/* Is node the string literal ev->label? */
static bool
label_const(const LintEnumValue *ev, Node *node)
{
	A_Const    *ac = (A_Const *) node;

	return node && IsA(node, A_Const) && !ac->isnull &&
		IsA(&ac->val, String) && strcmp(strVal(&ac->val), ev->label) == 0;
}

/* The label, or the label cast to ev's type */
static bool
is_label(const LintEnumValue *ev, Node *node)
{
	if (node && IsA(node, TypeCast))
	{
		if (!is_enum_type(ev, ((TypeCast *) node)->typeName, false))
			return false;
		node = ((TypeCast *) node)->arg;
	}
	return label_const(ev, node);
}

/*
 * Is node an array literal ('{sad,happy}') with the label as an element?
 * Elements are split as array_in() splits them: commas and braces outside
 * double quotes, backslash escapes, blanks around unquoted elements.
 */
static bool
array_literal_has(const LintEnumValue *ev, Node *node)
{
	A_Const    *ac = (A_Const *) node;
	const char *p;
	StringInfoData elem;

	if (node == NULL || !IsA(node, A_Const) || ac->isnull ||
		!IsA(&ac->val, String))
		return false;
	p = strVal(&ac->val);
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '{')
		return false;
	initStringInfo(&elem);
	while (*p)
	{
		bool		quoted = false;

		CHECK_FOR_INTERRUPTS();
		while (*p == '{' || *p == ',' || *p == '}' ||
			   isspace((unsigned char) *p))
			p++;
		if (*p == '\0')
			break;
		resetStringInfo(&elem);
		while (*p && (quoted || (*p != ',' && *p != '}' && *p != '{')))
		{
			if (*p == '"')
				quoted = !quoted;
			else if (*p == '\\' && p[1])
				appendStringInfoChar(&elem, *++p);
			else
				appendStringInfoChar(&elem, *p);
			p++;
		}
		/* unquoted trailing blanks are not part of the element */
		while (elem.len > 0 && isspace((unsigned char) elem.data[elem.len - 1]))
			elem.data[--elem.len] = '\0';
		if (strcmp(elem.data, ev->label) == 0)
			return true;
	}
	return false;
}

/* ARRAY['sad', 'happy']: read as the element type of the cast around it */
static bool
array_expr_has_label(const LintEnumValue *ev, Node *node)
{
	ListCell   *lc;

	if (node == NULL || !IsA(node, A_ArrayExpr))
		return false;
	foreach(lc, ((A_ArrayExpr *) node)->elements)
		if (label_const(ev, lfirst(lc)) ||
			array_expr_has_label(ev, lfirst(lc)))
			return true;
	return false;
}

/* ---- columns in scope ---- */

/* Is column col of rel (live, or as the plan declared it) of the type? */
static bool
column_has_type(EnumSearch *es, const RangeVar *rel, const char *col,
				bool array)
{
	ListCell   *lc;
	Oid			relid;

	foreach(lc, es->ls->columns)
	{
		LintColumn *c = lfirst(lc);
		LintName	n = {0};

		n.schema = c->schema;
		n.name = c->relname;
		if (strcmp(c->colname, col) == 0 &&
			lint_name_matches(&n, rel->schemaname, rel->relname) &&
			is_enum_type(es->ev, c->type, array))
			return true;
	}
	if (!OidIsValid(es->ev->typid))
		return false;
	relid = lint_live_relid(rel);
	if (OidIsValid(relid))
	{
		AttrNumber	att = get_attnum(relid, col);
		Oid			want = array ? get_array_type(es->ev->typid) : es->ev->typid;

		if (att != InvalidAttrNumber && get_atttype(relid, att) == want)
			return true;
	}
	return false;
}

static bool
collect_rels_walker(Node *node, List **rels)
{
	if (node == NULL)
		return false;
	if (IsA(node, RangeVar))
	{
		*rels = lappend(*rels, node);
		return false;
	}
	return raw_expression_tree_walker(node, collect_rels_walker, (void *) rels);
}

/* Add the relations an expression or query names to the scope */
static void
add_scope(EnumSearch *es, Node *node)
{
	(void) collect_rels_walker(node, &es->rels);
}

/*
 * Is node an expression of ev's type (array: of its array type)?  A column
 * reference counts when any relation in scope has a column of that name
 * and type: the raw tree does not say which one it will resolve to.
 */
static bool
enum_typed(EnumSearch *es, Node *node, bool array)
{
	ListCell   *lc;

	if (node == NULL)
		return false;
	switch (nodeTag(node))
	{
		case T_TypeCast:
			return is_enum_type(es->ev, ((TypeCast *) node)->typeName, array);
		case T_ColumnRef:
			{
				ColumnRef  *cr = (ColumnRef *) node;
				const char *col;

				if (!IsA(llast(cr->fields), String))
					return false;
				col = strVal(llast(cr->fields));
				if (es->domain_value && !array &&
					list_length(cr->fields) == 1 && strcmp(col, "value") == 0)
					return true;
				foreach(lc, es->rels)
					if (column_has_type(es, lfirst(lc), col, array))
						return true;
				return false;
			}
		case T_FuncCall:
			{
				FuncCall   *fc = (FuncCall *) node;
				FuncCandidateList c;
				Oid			want;

				if (!OidIsValid(es->ev->typid))
					return false;
				want = array ? get_array_type(es->ev->typid) : es->ev->typid;
				c = FuncnameGetCandidates(fc->funcname,
										  list_length(fc->args), NIL,
										  false, false, false, true);
				for (; c; c = c->next)
					if (get_func_rettype(c->oid) == want)
						return true;
				return false;
			}
		case T_CoalesceExpr:
			foreach(lc, ((CoalesceExpr *) node)->args)
				if (enum_typed(es, lfirst(lc), array))
					return true;
			return false;
		case T_MinMaxExpr:
			foreach(lc, ((MinMaxExpr *) node)->args)
				if (enum_typed(es, lfirst(lc), array))
					return true;
			return false;
		case T_CaseExpr:
			{
				CaseExpr   *ce = (CaseExpr *) node;

				foreach(lc, ce->args)
					if (enum_typed(es, (Node *) lfirst_node(CaseWhen, lc)->result,
								   array))
						return true;
				return enum_typed(es, (Node *) ce->defresult, array);
			}
		case T_A_ArrayExpr:
			if (!array)
				return false;
			foreach(lc, ((A_ArrayExpr *) node)->elements)
				if (enum_typed(es, lfirst(lc), false))
					return true;
			return false;
		default:
			return false;
	}
}

/* One of the nodes is of the type and another is the label */
static bool
list_mixes(EnumSearch *es, List *nodes)
{
	ListCell   *lc;
	bool		typed = false;
	bool		label = false;

	foreach(lc, nodes)
	{
		typed |= enum_typed(es, lfirst(lc), false);
		label |= is_label(es->ev, lfirst(lc));
	}
	return typed && label;
}

static bool
is_comparison(List *opname)
{
	static const char *const ops[] = {"=", "<>", "!=", "<", ">", "<=", ">="};
	const char *op = strVal(llast(opname));

	for (int i = 0; i < lengthof(ops); i++)
		if (strcmp(op, ops[i]) == 0)
			return true;
	return false;
}

/* l op r, either way round; rows pairwise */
static bool
pair_uses(EnumSearch *es, Node *l, Node *r)
{
	if (l && r && IsA(l, RowExpr) && IsA(r, RowExpr))
	{
		List	   *la = ((RowExpr *) l)->args;
		List	   *ra = ((RowExpr *) r)->args;

		for (int i = 0; i < Min(list_length(la), list_length(ra)); i++)
			if (pair_uses(es, list_nth(la, i), list_nth(ra, i)))
				return true;
		return false;
	}
	return (enum_typed(es, l, false) && is_label(es->ev, r)) ||
		(enum_typed(es, r, false) && is_label(es->ev, l));
}

/* An argument that is the label, where a candidate's parameter is the type */
static bool
func_args_use(EnumSearch *es, FuncCall *fc)
{
	FuncCandidateList c;
	int			i = 0;
	ListCell   *lc;
	const char *name = strVal(llast(fc->funcname));

	/* enum_range() reads every value of the type, the new one too */
	if (strcmp(name, "enum_range") == 0)
		foreach(lc, fc->args)
			if (enum_typed(es, lfirst(lc), false))
				return true;
	if (!OidIsValid(es->ev->typid))
		return false;
	foreach(lc, fc->args)
	{
		if (is_label(es->ev, lfirst(lc)))
		{
			c = FuncnameGetCandidates(fc->funcname, list_length(fc->args),
									  NIL, false, false, false, true);
			for (; c; c = c->next)
				if (i < c->nargs && c->args[i] == es->ev->typid)
					return true;
		}
		i++;
	}
	return false;
}

static bool
enum_use_walker(Node *node, EnumSearch *es)
{
	ListCell   *lc;

	if (node == NULL || es->found)
		return es->found;
	switch (nodeTag(node))
	{
		case T_TypeCast:
			{
				TypeCast   *tc = (TypeCast *) node;

				if ((is_enum_type(es->ev, tc->typeName, false) &&
					 label_const(es->ev, tc->arg)) ||
					(is_enum_type(es->ev, tc->typeName, true) &&
					 (array_literal_has(es->ev, tc->arg) ||
					  array_expr_has_label(es->ev, tc->arg))))
					return es->found = true;
				break;
			}
		case T_A_Expr:
			{
				A_Expr	   *e = (A_Expr *) node;

				switch (e->kind)
				{
					case AEXPR_OP:
						/* comparisons: "||" and the like take text */
						if (!is_comparison(e->name))
							break;
						/* FALLTHROUGH */
					case AEXPR_DISTINCT:
					case AEXPR_NOT_DISTINCT:
					case AEXPR_NULLIF:
						if (pair_uses(es, e->lexpr, e->rexpr))
							return es->found = true;
						break;
					case AEXPR_OP_ANY:
					case AEXPR_OP_ALL:
						/* ARRAY['x'] alone is text[]: "operator does not exist" */
						if ((enum_typed(es, e->lexpr, false) &&
							 array_literal_has(es->ev, e->rexpr)) ||
							(is_label(es->ev, e->lexpr) &&
							 enum_typed(es, e->rexpr, true)))
							return es->found = true;
						break;
					case AEXPR_IN:
					case AEXPR_BETWEEN:
					case AEXPR_NOT_BETWEEN:
					case AEXPR_BETWEEN_SYM:
					case AEXPR_NOT_BETWEEN_SYM:
						if (e->rexpr && IsA(e->rexpr, List) &&
							list_mixes(es, lappend(list_copy((List *) e->rexpr),
												   e->lexpr)))
							return es->found = true;
						break;
					default:
						break;
				}
				break;
			}
		case T_CaseExpr:
			{
				CaseExpr   *ce = (CaseExpr *) node;
				List	   *results = NIL;
				List	   *tests = NIL;

				foreach(lc, ce->args)
				{
					results = lappend(results, lfirst_node(CaseWhen, lc)->result);
					tests = lappend(tests, lfirst_node(CaseWhen, lc)->expr);
				}
				if (ce->defresult)
					results = lappend(results, ce->defresult);
				if (list_mixes(es, results) ||
					(ce->arg && list_mixes(es, lappend(tests, ce->arg))))
					return es->found = true;
				break;
			}
		case T_CoalesceExpr:
			if (list_mixes(es, ((CoalesceExpr *) node)->args))
				return es->found = true;
			break;
		case T_MinMaxExpr:
			if (list_mixes(es, ((MinMaxExpr *) node)->args))
				return es->found = true;
			break;
		case T_A_ArrayExpr:
			if (list_mixes(es, ((A_ArrayExpr *) node)->elements))
				return es->found = true;
			break;
		case T_FuncCall:
			if (func_args_use(es, (FuncCall *) node))
				return es->found = true;
			break;
		default:
			break;
	}
	return raw_expression_tree_walker(node, enum_use_walker, (void *) es);
}

/* Search an expression or query, with what it names added to the scope */
static bool
expr_uses(EnumSearch *es, Node *node)
{
	if (node == NULL)
		return false;
	add_scope(es, node);
	(void) enum_use_walker(node, es);
	return es->found;
}

/* ---- assignments ---- */

/* value is assigned to column col of rel */
static bool
assign_uses(EnumSearch *es, const RangeVar *rel, const char *col, Node *value)
{
	if (col == NULL || value == NULL)
		return false;
	if (value && IsA(value, MultiAssignRef))
	{
		MultiAssignRef *mr = (MultiAssignRef *) value;

		if (!IsA(mr->source, RowExpr) ||
			mr->colno > list_length(((RowExpr *) mr->source)->args))
			return false;
		value = list_nth(((RowExpr *) mr->source)->args, mr->colno - 1);
	}
	return (is_label(es->ev, value) && column_has_type(es, rel, col, false)) ||
		(array_literal_has(es->ev, value) && column_has_type(es, rel, col, true));
}

/* SET col = value, ... */
static bool
set_list_uses(EnumSearch *es, const RangeVar *rel, List *targets)
{
	ListCell   *lc;

	foreach(lc, targets)
	{
		ResTarget  *rt = lfirst_node(ResTarget, lc);

		if (rt->indirection == NIL && assign_uses(es, rel, rt->name, rt->val))
			return true;
	}
	return false;
}

/*
 * The live columns of relid in attnum order, the ones an INSERT without a
 * column list fills.  One pass per statement: looking the n-th column up
 * for every value of every row was rows * columns^2 / 2 syscache lookups
 * (300 rows of a 1600-column table: 25 s, deaf to statement_timeout).
 */
static List *
live_columns(Oid relid)
{
	List	   *names = NIL;

	for (AttrNumber att = 1;; att++)
	{
		HeapTuple	tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
										  Int16GetDatum(att));
		Form_pg_attribute a;

		if (!HeapTupleIsValid(tup))
			return names;
		a = (Form_pg_attribute) GETSTRUCT(tup);
		if (!a->attisdropped)
			names = lappend(names, pstrdup(NameStr(a->attname)));
		ReleaseSysCache(tup);
	}
}

/* The columns, in order, an INSERT into rel fills */
static List *
insert_columns(EnumSearch *es, const RangeVar *rel, List *cols)
{
	ListCell   *lc;
	List	   *names = NIL;
	Oid			relid;

	if (cols != NIL)
	{
		foreach(lc, cols)
			names = lappend(names, lfirst_node(ResTarget, lc)->name);
		return names;
	}
	/* a table the plan created: its columns in the order declared */
	if (lint_created_in_plan(es->ls, rel))
	{
		foreach(lc, es->ls->columns)
		{
			LintColumn *c = lfirst(lc);
			LintName	name = {0};

			name.schema = c->schema;
			name.name = c->relname;
			if (!c->retyped &&
				lint_name_matches(&name, rel->schemaname, rel->relname))
				names = lappend(names, c->colname);
		}
		return names;
	}
	relid = lint_live_relid(rel);
	return OidIsValid(relid) ? live_columns(relid) : NIL;
}

/* The n-th (0-based) of the columns, NULL past the end */
static char *
nth_column(List *names, int n)
{
	return n < list_length(names) ? (char *) list_nth(names, n) : NULL;
}

/* The rows of an INSERT's source: VALUES lists, target lists by position */
static bool
insert_source_uses(EnumSearch *es, const RangeVar *rel, List *cols,
				   SelectStmt *sel)
{
	ListCell   *lc;
	List	   *names;

	/*
	 * A UNION's branches resolve their literals among themselves first
	 * (to text, unless one is typed), not as the column's type.
	 */
	if (sel == NULL || !IsA(sel, SelectStmt) || sel->op != SETOP_NONE)
		return false;
	names = insert_columns(es, rel, cols);
	foreach(lc, sel->valuesLists)
	{
		ListCell   *vc;
		int			i = 0;

		CHECK_FOR_INTERRUPTS();
		foreach(vc, (List *) lfirst(lc))
		{
			if (assign_uses(es, rel, nth_column(names, i), lfirst(vc)))
				return true;
			i++;
		}
	}
	{
		int			i = 0;

		foreach(lc, sel->targetList)
		{
			ResTarget  *rt = lfirst_node(ResTarget, lc);

			if (assign_uses(es, rel, nth_column(names, i), rt->val))
				return true;
			i++;
		}
	}
	return false;
}

/* ---- where each statement keeps its expressions ---- */

/* A column definition: a default of the type, its constraints */
static bool
column_def_uses(EnumSearch *es, ColumnDef *cd)
{
	ListCell   *lc;

	if (expr_uses(es, cd->raw_default) ||
		(is_enum_type(es->ev, cd->typeName, false) &&
		 is_label(es->ev, cd->raw_default)))
		return true;
	foreach(lc, cd->constraints)
	{
		Constraint *c = lfirst_node(Constraint, lc);

		if (c->contype == CONSTR_DEFAULT &&
			is_enum_type(es->ev, cd->typeName, false) &&
			is_label(es->ev, c->raw_expr))
			return true;
		if (expr_uses(es, c->raw_expr))
			return true;
	}
	return false;
}

static bool
constraint_uses(EnumSearch *es, Constraint *c)
{
	return c && (expr_uses(es, c->raw_expr) || expr_uses(es, c->where_clause));
}

/*
 * FOR VALUES IN ('happy') and FROM/TO bounds: the values are read as the
 * parent's partition key columns (conservatively: a label anywhere in the
 * bound, when a key column has the type).  Only a live parent's key is
 * known.
 */
static bool
partition_bound_uses(EnumSearch *es, const RangeVar *parent,
					 PartitionBoundSpec *spec)
{
	Oid			relid = lint_live_relid(parent);
	HeapTuple	tup;
	Form_pg_partitioned_table pt;
	bool		keyed = false;
	List	   *datums;
	ListCell   *lc;

	if (spec == NULL || !OidIsValid(relid) || !OidIsValid(es->ev->typid))
		return false;
	tup = SearchSysCache1(PARTRELID, ObjectIdGetDatum(relid));
	if (!HeapTupleIsValid(tup))
		return false;
	pt = (Form_pg_partitioned_table) GETSTRUCT(tup);
	for (int i = 0; i < pt->partnatts; i++)
		if (pt->partattrs.values[i] != 0 &&
			get_atttype(relid, pt->partattrs.values[i]) == es->ev->typid)
			keyed = true;
	ReleaseSysCache(tup);
	if (!keyed)
		return false;
	datums = list_concat(list_concat(list_copy(spec->listdatums),
									 spec->lowerdatums), spec->upperdatums);
	foreach(lc, datums)
	{
		Node	   *d = lfirst(lc);

		if (is_label(es->ev, d))
			return true;
	}
	return false;
}

static bool
alter_table_uses(EnumSearch *es, AlterTableStmt *stmt)
{
	ListCell   *lc;
	RangeVar   *rel = stmt->relation;

	es->rels = lappend(es->rels, rel);
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);

		switch (cmd->subtype)
		{
			case AT_AddColumn:
				if (column_def_uses(es, castNode(ColumnDef, cmd->def)))
					return true;
				break;
			case AT_ColumnDefault:
				if (expr_uses(es, cmd->def) ||
					assign_uses(es, rel, cmd->name, cmd->def))
					return true;
				break;
			case AT_AlterColumnType:
				{
					ColumnDef  *cd = castNode(ColumnDef, cmd->def);

					if (expr_uses(es, cd->raw_default))
						return true;
					break;
				}
			case AT_AddConstraint:
				if (constraint_uses(es, castNode(Constraint, cmd->def)))
					return true;
				break;
			case AT_AttachPartition:
				if (cmd->def && IsA(cmd->def, PartitionCmd) &&
					partition_bound_uses(es, rel,
										 ((PartitionCmd *) cmd->def)->bound))
					return true;
				break;
			default:
				break;
		}
	}
	return false;
}

static bool
create_table_uses(EnumSearch *es, CreateStmt *stmt)
{
	ListCell   *lc;

	es->rels = lappend(es->rels, stmt->relation);
	foreach(lc, stmt->tableElts)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, ColumnDef) && column_def_uses(es, (ColumnDef *) elt))
			return true;
		if (IsA(elt, Constraint) && constraint_uses(es, (Constraint *) elt))
			return true;
	}
	if (stmt->partbound && list_length(stmt->inhRelations) == 1 &&
		partition_bound_uses(es, linitial(stmt->inhRelations), stmt->partbound))
		return true;
	return false;
}

/* The string a DefElem list gives for name (LANGUAGE, AS) */
static DefElem *
find_option(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(lfirst_node(DefElem, lc)->defname, name) == 0)
			return lfirst(lc);
	return NULL;
}

/*
 * The raw parse trees of sql, or NIL with found_error set when it does not
 * parse (a body the server would refuse anyway, or PL/pgSQL).  Only syntax
 * errors are caught: the parser holds no resources, so dropping its error
 * is safe; anything else is thrown on.
 */
static List *
try_parse(const char *sql, bool *failed)
{
	MemoryContext cxt = CurrentMemoryContext;
	List	   *volatile result = NIL;

	*failed = false;
	PG_TRY();
	{
		result = migrate_raw_parser(sql);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		if (edata->sqlerrcode != ERRCODE_SYNTAX_ERROR)
			PG_RE_THROW();
		FlushErrorState();
		FreeErrorData(edata);
		*failed = true;
		result = NIL;
	}
	PG_END_TRY();
	return result;
}

static bool
parsed_uses(EnumSearch *es, List *raw)
{
	ListCell   *lc;

	foreach(lc, raw)
	{
		EnumSearch	sub = {es->ls, es->ev, NIL, false, false};

		if (statement_uses(&sub, lfirst_node(RawStmt, lc)->stmt))
			return true;
	}
	return false;
}

/*
 * CREATE FUNCTION: a BEGIN ATOMIC or RETURN body is analyzed when it is
 * created, and so is a LANGUAGE sql body given as a string while
 * check_function_bodies is on (fmgr_sql_validator).
 */
static bool
function_uses(EnumSearch *es, CreateFunctionStmt *stmt)
{
	DefElem    *lang = find_option(stmt->options, "language");
	DefElem    *as = find_option(stmt->options, "as");
	ListCell   *lc;
	bool		failed;

	if (stmt->sql_body)
	{
		if (IsA(stmt->sql_body, ReturnStmt))
			return expr_uses(es, ((ReturnStmt *) stmt->sql_body)->returnval);
		foreach(lc, (List *) stmt->sql_body)
		{
			ListCell   *sc;

			foreach(sc, (List *) lfirst(lc))
			{
				EnumSearch	sub = {es->ls, es->ev, NIL, false, false};

				if (statement_uses(&sub, lfirst(sc)))
					return true;
			}
		}
		return false;
	}
	if (lang == NULL || as == NULL || !IsA(as->arg, List) ||
		!IsA(lang->arg, String) || strcmp(strVal(lang->arg), "sql") != 0 ||
		!check_function_bodies)
		return false;
	return parsed_uses(es, try_parse(strVal(linitial((List *) as->arg)),
									 &failed));
}

/* ---- DO blocks ---- */

typedef struct DoSearch
{
	bool		used;			/* an SQL statement of the body uses it */
	bool		mentioned;		/* the label elsewhere, as a literal */
} DoSearch;

/* Does word (lower case) start at p, as a whole word? */
static bool
word_at(const char *p, const char *end, const char *word)
{
	int			n = strlen(word);

	return end - p >= n && pg_strncasecmp(p, word, n) == 0 &&
		(end - p == n || !(isalnum((unsigned char) p[n]) || p[n] == '_'));
}

/*
 * One statement of the body, text from p to end, known to hold the label
 * as a literal: an SQL command (PERFORM is a SELECT) is parsed and
 * searched, anything else is a possible use.
 */
static void
do_statement(EnumSearch *es, const char *p, const char *end, DoSearch *ds)
{
	static const char *const block_words[] = {
		"begin", "declare", "else", "loop", "then", "exception"
	};
	static const char *const sql_words[] = {
		"select", "insert", "update", "delete", "with", "merge", "perform",
		"values"
	};
	bool		skipped = true;

	while (skipped)
	{
		skipped = false;
		while (p < end && isspace((unsigned char) *p))
			p++;
		if (end - p >= 2 && p[0] == '<' && p[1] == '<')
		{
			const char *close = strstr(p, ">>");

			if (close && close < end)
			{
				p = close + 2;
				skipped = true;
			}
		}
		for (int i = 0; i < lengthof(block_words); i++)
			if (word_at(p, end, block_words[i]))
			{
				p += strlen(block_words[i]);
				skipped = true;
			}
	}
	for (int i = 0; i < lengthof(sql_words); i++)
	{
		bool		failed;
		List	   *raw;
		char	   *sql;

		if (!word_at(p, end, sql_words[i]))
			continue;
		if (strcmp(sql_words[i], "perform") == 0)
			sql = psprintf("SELECT%.*s", (int) (end - p - 7), p + 7);
		else
			sql = pnstrdup(p, end - p);
		raw = try_parse(sql, &failed);
		if (failed)
			break;
		if (parsed_uses(es, raw))
			ds->used = true;
		return;
	}
	ds->mentioned = true;
}

/*
 * Split the body at semicolons outside quotes, comments and parentheses,
 * and look at each statement that writes the label as a literal (in a
 * dollar-quoted string too: EXECUTE's command).
 */
static void
do_body_uses(EnumSearch *es, const char *body, DoSearch *ds)
{
	const char *p = body;
	const char *start = body;
	int			depth = 0;
	bool		has_label = false;
	char	   *quoted = psprintf("'%s'", es->ev->label);

	for (;;)
	{
		CHECK_FOR_INTERRUPTS();
		if (*p == '\0' || (*p == ';' && depth == 0))
		{
			if (has_label)
				do_statement(es, start, p, ds);
			has_label = false;
			if (*p == '\0')
				break;
			start = ++p;
			continue;
		}
		if (*p == '\'')
		{
			StringInfoData lit;

			initStringInfo(&lit);
			for (p++; *p; p++)
			{
				if (*p == '\'' && p[1] == '\'')
					appendStringInfoChar(&lit, *p++);
				else if (*p == '\'')
					break;
				else
					appendStringInfoChar(&lit, *p);
			}
			if (strcmp(lit.data, es->ev->label) == 0)
				has_label = true;
			if (*p)
				p++;
		}
		else if (*p == '-' && p[1] == '-')
		{
			while (*p && *p != '\n')
				p++;
		}
		else if (*p == '/' && p[1] == '*')
		{
			const char *close = strstr(p + 2, "*/");

			p = close ? close + 2 : p + strlen(p);
		}
		else if (*p == '$' && (p == body || !(isalnum((unsigned char) p[-1]) || p[-1] == '_')))
		{
			const char *q = p + 1;

			while (isalnum((unsigned char) *q) || *q == '_')
				q++;
			if (*q == '$')
			{
				char	   *tag = pnstrdup(p, q - p + 1);
				const char *close = strstr(q + 1, tag);
				const char *stop = close ? close : q + 1 + strlen(q + 1);
				char	   *inner = pnstrdup(q + 1, stop - (q + 1));

				if (strstr(inner, quoted))
					has_label = true;
				p = close ? close + strlen(tag) : stop;
			}
			else
				p++;
		}
		else
		{
			if (*p == '(')
				depth++;
			else if (*p == ')' && depth > 0)
				depth--;
			p++;
		}
	}
}

/* ---- statements ---- */

static bool
statement_uses(EnumSearch *es, Node *stmt)
{
	ListCell   *lc;

	CHECK_FOR_INTERRUPTS();
	check_stack_depth();
	if (stmt == NULL)
		return false;
	switch (nodeTag(stmt))
	{
		case T_InsertStmt:
			{
				InsertStmt *is = (InsertStmt *) stmt;

				add_scope(es, stmt);
				if (insert_source_uses(es, is->relation, is->cols,
									   (SelectStmt *) is->selectStmt) ||
					(is->onConflictClause &&
					 set_list_uses(es, is->relation,
								   is->onConflictClause->targetList)))
					return true;
				return expr_uses(es, stmt);
			}
		case T_UpdateStmt:
			add_scope(es, stmt);
			if (set_list_uses(es, ((UpdateStmt *) stmt)->relation,
							  ((UpdateStmt *) stmt)->targetList))
				return true;
			return expr_uses(es, stmt);
		case T_MergeStmt:
			{
				MergeStmt  *ms = (MergeStmt *) stmt;

				add_scope(es, stmt);
				foreach(lc, ms->mergeWhenClauses)
				{
					MergeWhenClause *wc = lfirst_node(MergeWhenClause, lc);

					if (wc->commandType == CMD_UPDATE &&
						set_list_uses(es, ms->relation, wc->targetList))
						return true;
					if (wc->commandType == CMD_INSERT && wc->values)
					{
						int			i = 0;
						ListCell   *vc;
						List	   *names = insert_columns(es, ms->relation,
														   wc->targetList);

						foreach(vc, wc->values)
							if (assign_uses(es, ms->relation,
											nth_column(names, i++),
											lfirst(vc)))
								return true;
					}
				}
				return expr_uses(es, stmt);
			}
		case T_DeleteStmt:
		case T_SelectStmt:
		case T_PLAssignStmt:
			return expr_uses(es, stmt);
		case T_CallStmt:
			return expr_uses(es, (Node *) ((CallStmt *) stmt)->funccall);
		case T_CreateStmt:
			return create_table_uses(es, (CreateStmt *) stmt);
		case T_AlterTableStmt:
			return alter_table_uses(es, (AlterTableStmt *) stmt);
		case T_IndexStmt:
			{
				IndexStmt  *is = (IndexStmt *) stmt;

				es->rels = lappend(es->rels, is->relation);
				foreach(lc, is->indexParams)
					if (expr_uses(es, lfirst_node(IndexElem, lc)->expr))
						return true;
				return expr_uses(es, is->whereClause);
			}
		case T_ViewStmt:
			return statement_uses(es, ((ViewStmt *) stmt)->query);
		case T_CreateTableAsStmt:
			return statement_uses(es, ((CreateTableAsStmt *) stmt)->query);
		case T_ExplainStmt:
			return statement_uses(es, ((ExplainStmt *) stmt)->query);
		case T_PrepareStmt:
			return statement_uses(es, ((PrepareStmt *) stmt)->query);
		case T_DeclareCursorStmt:
			return statement_uses(es, ((DeclareCursorStmt *) stmt)->query);
		case T_CopyStmt:
			{
				CopyStmt   *cs = (CopyStmt *) stmt;

				if (cs->relation)
					es->rels = lappend(es->rels, cs->relation);
				return statement_uses(es, cs->query) ||
					expr_uses(es, cs->whereClause);
			}
		case T_RuleStmt:
			{
				RuleStmt   *rs = (RuleStmt *) stmt;

				es->rels = lappend(es->rels, rs->relation);
				if (expr_uses(es, rs->whereClause))
					return true;
				foreach(lc, rs->actions)
				{
					EnumSearch	sub = {es->ls, es->ev, list_make1(rs->relation),
					false, false};

					if (statement_uses(&sub, lfirst(lc)))
						return true;
				}
				return false;
			}
		case T_CreatePolicyStmt:
			es->rels = lappend(es->rels, ((CreatePolicyStmt *) stmt)->table);
			return expr_uses(es, ((CreatePolicyStmt *) stmt)->qual) ||
				expr_uses(es, ((CreatePolicyStmt *) stmt)->with_check);
		case T_AlterPolicyStmt:
			es->rels = lappend(es->rels, ((AlterPolicyStmt *) stmt)->table);
			return expr_uses(es, ((AlterPolicyStmt *) stmt)->qual) ||
				expr_uses(es, ((AlterPolicyStmt *) stmt)->with_check);
		case T_CreateTrigStmt:
			es->rels = lappend(es->rels, ((CreateTrigStmt *) stmt)->relation);
			return expr_uses(es, ((CreateTrigStmt *) stmt)->whenClause);
		case T_CreateDomainStmt:
			{
				CreateDomainStmt *ds = (CreateDomainStmt *) stmt;
				bool		over = is_enum_type(es->ev, ds->typeName, false);

				es->domain_value = over;
				foreach(lc, ds->constraints)
				{
					Constraint *c = lfirst_node(Constraint, lc);

					if ((c->contype == CONSTR_DEFAULT && over &&
						 is_label(es->ev, c->raw_expr)) ||
						constraint_uses(es, c))
						return true;
				}
				return false;
			}
		case T_CreateFunctionStmt:
			return function_uses(es, (CreateFunctionStmt *) stmt);
		default:
			return false;
	}
}

/* ---- the rule ---- */

/* ALTER TYPE ... ADD VALUE: the value is unusable until the commit */
void
lint_enum_value_added(LintState *ls, AlterEnumStmt *stmt)
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

/* Does this statement use a value added earlier in its transaction? */
void
lint_enum_uses(LintState *ls, Node *stmt)
{
	ListCell   *lc;
	const char *hint = "New enum values must be committed before they can be used: add the value in an earlier revision and run the upgrade with CALL migrate_upgrade_each(), which commits after each revision.";

	foreach(lc, ls->enum_values)
	{
		LintEnumValue *ev = lfirst(lc);
		EnumSearch	es = {ls, ev, NIL, false, false};
		DoSearch	ds = {false, false};
		const char *type = quote_qualified_identifier(ev->schema, ev->typname);
		const char *added = lint_where(ls, ev->revision, ev->statement);

		if (IsA(stmt, DoStmt))
		{
			DefElem    *as = find_option(((DoStmt *) stmt)->args, "as");

			if (as && IsA(as->arg, String))
				do_body_uses(&es, strVal(as->arg), &ds);
		}
		else
			ds.used = statement_uses(&es, stmt);
		if (ds.used)
			lint_report(ls, "enum-value-used-in-same-transaction", LINT_ERROR,
						NoLock, NULL, 0,
						psprintf("value \"%s\" of enum type %s is used in the transaction that added it (%s): the statement fails with \"unsafe use of new value\"",
								 ev->label, type, added),
						hint);
		else if (ds.mentioned)
			lint_report(ls, "enum-value-used-in-same-transaction", LINT_WARNING,
						NoLock, NULL, 0,
						psprintf("DO block mentions value \"%s\" of enum type %s, added in the same transaction (%s), where the lint cannot tell its type: if it is used as a value of the type, the block fails with \"unsafe use of new value\"",
								 ev->label, type, added),
						hint);
	}
}
