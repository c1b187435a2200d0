/*-------------------------------------------------------------------------
 *
 * desired_names.c
 *	  Every name a desired-schema statement references, checked against
 *	  the schema the desired text is for.
 *
 * The desired DDL of migrate_diff, migrate_autogenerate and migrate_check
 * runs in a shadow that takes the target schema's name (shadow.c), so an
 * unqualified or target-qualified name stays inside the shadow.  A name
 * qualified with any other schema reaches out of it: CREATE SEQUENCE ...
 * OWNED BY other.t.c ties a sequence to a real table, COMMENT ON and GRANT
 * change real objects, and LIKE, REFERENCES, INHERITS, PARTITION OF, view
 * bodies, trigger functions and column types make the model depend on
 * objects the diff does not see.  A temporary object lives in pg_temp,
 * never in the schema.  All of them are refused with 22023 before any
 * statement runs.
 *
 * Objects a statement defines or changes (the table of CREATE TABLE, the
 * target of COMMENT ON or GRANT) must be the schema's; names it only reads
 * (types, functions, operators, collations, referenced relations) may also
 * be pg_catalog's, where the built-ins live and where the parser itself
 * puts SQL-standard type names (varchar is pg_catalog.varchar).
 *
 * The walk goes through the raw parse tree: utility statements by their
 * fields here, expressions and queries (view bodies, defaults, CHECK and
 * policy expressions, WHEN clauses) through raw_expression_tree_walker.
 * Node types it does not know are not descended into (the raw walker
 * errors out on them), and none of those carries a qualified name in the
 * statements the desired schema accepts.  What it leaves out: the text of
 * function bodies (it is text; the shadow takes care of it) and the values
 * of a function's SET clauses (a search_path is a setting, not a name).
 *
 * Layer: diff (src/diff/): it calls only util/ and PostgreSQL; shadow.c
 * calls it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"

#include "catalog.h"
#include "desired_names.h"

typedef struct NameCheck
{
	const char *schema;
	int			stmtno;
} NameCheck;

static bool names_walker(Node *node, void *context);

static void
refuse(const char *nsp, const NameCheck *nc)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("statement %d of the desired schema names an object in schema \"%s\"",
					nc->stmtno, migrate_clip(nsp)),
			 errdetail("The desired schema may only define objects of schema \"%s\" and refer to them and to pg_catalog.",
					   nc->schema),
			 errhint("Qualify names with \"%s\" or leave them unqualified; create no temporary objects.",
					 nc->schema)));
}

/* a defined or changed object: only the target schema */
static void
defined_qualifier(const char *nsp, const NameCheck *nc)
{
	if (nsp != NULL && strcmp(nsp, nc->schema) != 0)
		refuse(nsp, nc);
}

/* a name only read: the target schema or pg_catalog */
static void
referenced_qualifier(const char *nsp, const NameCheck *nc)
{
	if (nsp != NULL && strcmp(nsp, nc->schema) != 0 &&
		strcmp(nsp, "pg_catalog") != 0)
		refuse(nsp, nc);
}

static void
defined_rangevar(RangeVar *rv, const NameCheck *nc)
{
	if (rv == NULL)
		return;
	if (rv->relpersistence == RELPERSISTENCE_TEMP)
		refuse("pg_temp", nc);
	defined_qualifier(rv->schemaname, nc);
}

/*
 * The qualifier of a name list whose last skip elements are not the
 * object's own name (a column, a constraint, a trigger on a table): the
 * element before the object's name, if any.
 */
static const char *
list_qualifier(List *names, int skip)
{
	int			n = list_length(names) - skip;

	if (n < 2)
		return NULL;
	if (!IsA(list_nth(names, n - 2), String))
		return NULL;
	return strVal(list_nth(names, n - 2));
}

static void
defined_namelist(List *names, int skip, const NameCheck *nc)
{
	defined_qualifier(list_qualifier(names, skip), nc);
}

static void
referenced_namelist(List *names, const NameCheck *nc)
{
	referenced_qualifier(list_qualifier(names, 0), nc);
}

static void
walk(Node *node, NameCheck *nc)
{
	(void) names_walker(node, nc);
}

/*
 * The object of COMMENT ON, ALTER ... OWNER TO and the like, as the grammar
 * builds it for each kind (gram.y, comment_type_any_name and friends).
 */
static void
defined_object(ObjectType objtype, Node *object, NameCheck *nc)
{
	if (object == NULL)
		return;
	if (IsA(object, ObjectWithArgs))
	{
		ObjectWithArgs *owa = (ObjectWithArgs *) object;

		defined_namelist(owa->objname, 0, nc);
		walk((Node *) owa->objargs, nc);
		return;
	}
	if (IsA(object, TypeName))
	{
		defined_namelist(((TypeName *) object)->names, 0, nc);
		return;
	}
	if (!IsA(object, List))
		return;					/* a plain name: schema, role, extension */
	switch (objtype)
	{
		case OBJECT_COLUMN:
		case OBJECT_TABCONSTRAINT:
		case OBJECT_TRIGGER:
		case OBJECT_POLICY:
		case OBJECT_RULE:
			/* table name, then the object's own name */
			defined_namelist((List *) object, 1, nc);
			break;
		case OBJECT_DOMCONSTRAINT:
			/* (domain type name, constraint name) */
			if (list_length((List *) object) >= 1 &&
				IsA(linitial((List *) object), TypeName))
				defined_namelist(linitial_node(TypeName, (List *) object)->names,
								 0, nc);
			break;
		default:
			defined_namelist((List *) object, 0, nc);
			break;
	}
}

static void
check_grant(GrantStmt *s, NameCheck *nc)
{
	ListCell   *lc;

	if (s->targtype != ACL_TARGET_OBJECT)
		return;
	foreach(lc, s->objects)
	{
		Node	   *obj = lfirst(lc);

		if (IsA(obj, RangeVar))
			defined_rangevar((RangeVar *) obj, nc);
		else if (IsA(obj, ObjectWithArgs))
			defined_object(s->objtype, obj, nc);
		else if (IsA(obj, List))
			defined_namelist((List *) obj, 0, nc);
	}
}

/* DefElem options: OWNED BY t.c names a column, AS a type, and so on */
static void
walk_options(List *options, NameCheck *nc)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *d = lfirst_node(DefElem, lc);

		if (d->arg == NULL)
			continue;
		if (strcmp(d->defname, "owned_by") == 0 && IsA(d->arg, List))
			referenced_qualifier(list_qualifier((List *) d->arg, 1), nc);
		else if (IsA(d->arg, TypeName) || IsA(d->arg, List))
			walk(d->arg, nc);
	}
}

static bool
names_walker(Node *node, void *context)
{
	NameCheck  *nc = context;

	if (node == NULL)
		return false;
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	switch (nodeTag(node))
	{
		case T_List:
			{
				ListCell   *lc;

				foreach(lc, (List *) node)
					walk(lfirst(lc), nc);
				return false;
			}
		case T_RangeVar:
			referenced_qualifier(((RangeVar *) node)->schemaname, nc);
			return false;
		case T_TypeName:
			referenced_namelist(((TypeName *) node)->names, nc);
			break;
		case T_FuncCall:
			referenced_namelist(((FuncCall *) node)->funcname, nc);
			break;
		case T_A_Expr:
			referenced_namelist(((A_Expr *) node)->name, nc);
			break;
		case T_CollateClause:
			referenced_namelist(((CollateClause *) node)->collname, nc);
			break;
		case T_SortBy:
			referenced_namelist(((SortBy *) node)->useOp, nc);
			break;
		case T_IndexElem:
			referenced_namelist(((IndexElem *) node)->collation, nc);
			referenced_namelist(((IndexElem *) node)->opclass, nc);
			break;
		case T_ColumnDef:
			walk((Node *) ((ColumnDef *) node)->constraints, nc);
			break;
		case T_Constraint:
			{
				Constraint *c = (Constraint *) node;
				ListCell   *lc;

				referenced_qualifier(c->pktable ? c->pktable->schemaname : NULL,
									 nc);
				walk(c->raw_expr, nc);
				walk(c->where_clause, nc);
				/* EXCLUDE: (IndexElem, operator name list) pairs */
				foreach(lc, c->exclusions)
				{
					List	   *pair = lfirst(lc);

					walk(linitial(pair), nc);
					referenced_namelist(lsecond(pair), nc);
				}
				walk_options(c->options, nc);
				return false;
			}
		case T_TableLikeClause:
			walk((Node *) ((TableLikeClause *) node)->relation, nc);
			return false;
		case T_ObjectWithArgs:
			referenced_namelist(((ObjectWithArgs *) node)->objname, nc);
			walk((Node *) ((ObjectWithArgs *) node)->objargs, nc);
			return false;
		case T_FunctionParameter:
			walk((Node *) ((FunctionParameter *) node)->argType, nc);
			walk(((FunctionParameter *) node)->defexpr, nc);
			return false;
		case T_PartitionSpec:
			{
				ListCell   *lc;

				foreach(lc, ((PartitionSpec *) node)->partParams)
				{
					PartitionElem *pe = lfirst_node(PartitionElem, lc);

					walk(pe->expr, nc);
					referenced_namelist(pe->collation, nc);
					referenced_namelist(pe->opclass, nc);
				}
				return false;
			}
		case T_PartitionCmd:
			walk((Node *) ((PartitionCmd *) node)->name, nc);
			return false;
		case T_AlterTableCmd:
			walk(((AlterTableCmd *) node)->def, nc);
			return false;
		default:
			break;
	}

	/* descend only through the node types raw_expression_tree_walker knows */
	switch (nodeTag(node))
	{
		case T_SetToDefault:
		case T_CurrentOfExpr:
		case T_SQLValueFunction:
		case T_Integer:
		case T_Float:
		case T_Boolean:
		case T_String:
		case T_BitString:
		case T_ParamRef:
		case T_A_Const:
		case T_A_Star:
		case T_Alias:
		case T_GroupingFunc:
		case T_SubLink:
		case T_CaseExpr:
		case T_CaseWhen:
		case T_RowExpr:
		case T_CoalesceExpr:
		case T_MinMaxExpr:
		case T_XmlExpr:
		case T_NullTest:
		case T_BooleanTest:
		case T_JoinExpr:
		case T_IntoClause:
		case T_InsertStmt:
		case T_DeleteStmt:
		case T_UpdateStmt:
		case T_MergeStmt:
		case T_MergeWhenClause:
		case T_SelectStmt:
		case T_A_Expr:
		case T_BoolExpr:
		case T_ColumnRef:
		case T_FuncCall:
		case T_NamedArgExpr:
		case T_A_Indices:
		case T_A_Indirection:
		case T_A_ArrayExpr:
		case T_ResTarget:
		case T_MultiAssignRef:
		case T_TypeCast:
		case T_CollateClause:
		case T_SortBy:
		case T_WindowDef:
		case T_RangeSubselect:
		case T_RangeFunction:
		case T_RangeTableSample:
		case T_RangeTableFunc:
		case T_RangeTableFuncCol:
		case T_TypeName:
		case T_ColumnDef:
		case T_IndexElem:
		case T_GroupingSet:
		case T_LockingClause:
		case T_XmlSerialize:
		case T_WithClause:
		case T_InferClause:
		case T_OnConflictClause:
		case T_CommonTableExpr:
			return raw_expression_tree_walker(node, names_walker, context);
		default:
			return false;
	}
}

/*
 * Check one accepted statement of the desired text (shadow.c has refused
 * every other kind already).
 */
void
migrate_desired_check_names(Node *stmt, const char *schema, int stmtno)
{
	NameCheck	nc = {schema, stmtno};

	switch (nodeTag(stmt))
	{
		case T_CreateStmt:
			{
				CreateStmt *s = (CreateStmt *) stmt;

				defined_rangevar(s->relation, &nc);
				walk((Node *) s->tableElts, &nc);
				walk((Node *) s->inhRelations, &nc);	/* INHERITS, PARTITION OF */
				walk((Node *) s->partspec, &nc);
				walk((Node *) s->ofTypename, &nc);
				walk((Node *) s->constraints, &nc);
				break;
			}
		case T_IndexStmt:
			{
				IndexStmt  *s = (IndexStmt *) stmt;

				defined_rangevar(s->relation, &nc);
				walk((Node *) s->indexParams, &nc);
				walk((Node *) s->indexIncludingParams, &nc);
				walk(s->whereClause, &nc);
				break;
			}
		case T_ViewStmt:
			defined_rangevar(((ViewStmt *) stmt)->view, &nc);
			walk(((ViewStmt *) stmt)->query, &nc);
			break;
		case T_CreateTableAsStmt:
			defined_rangevar(((CreateTableAsStmt *) stmt)->into->rel, &nc);
			walk(((CreateTableAsStmt *) stmt)->query, &nc);
			break;
		case T_CreateSeqStmt:
			defined_rangevar(((CreateSeqStmt *) stmt)->sequence, &nc);
			walk_options(((CreateSeqStmt *) stmt)->options, &nc);
			break;
		case T_AlterSeqStmt:
			defined_rangevar(((AlterSeqStmt *) stmt)->sequence, &nc);
			walk_options(((AlterSeqStmt *) stmt)->options, &nc);
			break;
		case T_CreateFunctionStmt:
			{
				CreateFunctionStmt *s = (CreateFunctionStmt *) stmt;

				defined_namelist(s->funcname, 0, &nc);
				walk((Node *) s->parameters, &nc);
				walk((Node *) s->returnType, &nc);
				/* RETURNS TABLE columns are parameters; SET values are settings */
				break;
			}
		case T_AlterFunctionStmt:
			defined_object(((AlterFunctionStmt *) stmt)->objtype,
						   (Node *) ((AlterFunctionStmt *) stmt)->func, &nc);
			break;
		case T_CreateTrigStmt:
			{
				CreateTrigStmt *s = (CreateTrigStmt *) stmt;

				defined_rangevar(s->relation, &nc);
				referenced_namelist(s->funcname, &nc);
				walk((Node *) s->constrrel, &nc);
				walk(s->whenClause, &nc);
				break;
			}
		case T_CreateEnumStmt:
			defined_namelist(((CreateEnumStmt *) stmt)->typeName, 0, &nc);
			break;
		case T_AlterEnumStmt:
			defined_namelist(((AlterEnumStmt *) stmt)->typeName, 0, &nc);
			break;
		case T_CreateDomainStmt:
			{
				CreateDomainStmt *s = (CreateDomainStmt *) stmt;

				defined_namelist(s->domainname, 0, &nc);
				walk((Node *) s->typeName, &nc);
				walk((Node *) s->collClause, &nc);
				walk((Node *) s->constraints, &nc);
				break;
			}
		case T_AlterDomainStmt:
			defined_namelist(((AlterDomainStmt *) stmt)->typeName, 0, &nc);
			walk(((AlterDomainStmt *) stmt)->def, &nc);
			break;
		case T_CompositeTypeStmt:
			defined_rangevar(((CompositeTypeStmt *) stmt)->typevar, &nc);
			walk((Node *) ((CompositeTypeStmt *) stmt)->coldeflist, &nc);
			break;
		case T_CreatePolicyStmt:
			defined_rangevar(((CreatePolicyStmt *) stmt)->table, &nc);
			walk(((CreatePolicyStmt *) stmt)->qual, &nc);
			walk(((CreatePolicyStmt *) stmt)->with_check, &nc);
			break;
		case T_AlterPolicyStmt:
			defined_rangevar(((AlterPolicyStmt *) stmt)->table, &nc);
			walk(((AlterPolicyStmt *) stmt)->qual, &nc);
			walk(((AlterPolicyStmt *) stmt)->with_check, &nc);
			break;
		case T_AlterTableStmt:
			defined_rangevar(((AlterTableStmt *) stmt)->relation, &nc);
			walk((Node *) ((AlterTableStmt *) stmt)->cmds, &nc);
			break;
		case T_AlterOwnerStmt:
			defined_object(((AlterOwnerStmt *) stmt)->objectType,
						   ((AlterOwnerStmt *) stmt)->object, &nc);
			break;
		case T_CommentStmt:
			defined_object(((CommentStmt *) stmt)->objtype,
						   ((CommentStmt *) stmt)->object, &nc);
			break;
		case T_GrantStmt:
			check_grant((GrantStmt *) stmt, &nc);
			break;
		default:
			break;
	}
}
