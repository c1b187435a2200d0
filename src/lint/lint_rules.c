/*-------------------------------------------------------------------------
 *
 * lint_rules.c
 *	  The lint rules: one raw parse tree in, findings out.
 *
 * The statements other than ALTER TABLE (which lint_alter.c takes) take a
 * fixed lock that their implementation hard-codes and does not expose:
 * DefineIndex, RemoveRelations, RenameRelation and renameatt, cluster_rel,
 * ReindexIndex and ReindexTable, LockTableCommand.
 * Each function below names the one it follows.  Findings are recorded
 * through lint_report.c (suppression, live size, migrate.lint_small_table);
 * the checks every statement that locks an existing relation gets
 * (missing-lock-timeout, blocked-by-transaction) are in lint_live.c.
 *
 * Most findings do not apply to a relation created earlier in the same
 * plan or script: nobody else can be using it yet.
 *
 * Layer: lint, above lint_alter.c (ALTER TABLE goes there), lint_enum.c,
 * lint_live.c and lint_report.c; lint.c calls it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "catalog.h"
#include "lint.h"
#include "locks.h"

static void
remember_created(LintState *ls, const char *schema, const char *name)
{
	LintName   *n = palloc0(sizeof(LintName));

	n->schema = schema ? pstrdup(schema) : NULL;
	n->name = pstrdup(name);
	ls->created = lappend(ls->created, n);
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
					lint_small_int_type(cd->typeName))
					lint_report_int_pk(ls, stmt->relation, cd->colname,
								  lint_small_int_type(cd->typeName));
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
						lint_small_int_type(cd->typeName))
						lint_report_int_pk(ls, stmt->relation, k,
									  lint_small_int_type(cd->typeName));
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
							 lint_relname(stmt->relation)),
					"Use CREATE INDEX CONCURRENTLY in a non-transactional revision (transactional => false, or \"-- Transactional: no\" in its file).");
	lint_lock_checks(ls, lockmode, stmt->relation);
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
								 lint_relname(rv)),
						"Use DROP INDEX CONCURRENTLY in a non-transactional revision (transactional => false, or \"-- Transactional: no\" in its file).");
		else if (stmt->removeType == OBJECT_TABLE)
			lint_report(ls, "dropping-table", LINT_WARNING, lockmode, rv, 0,
						psprintf("dropping table %s breaks application code still running that uses it, and its data is gone",
								 lint_relname(rv)),
						"Deploy code that no longer uses the table first; drop it in a later release.");
		lint_lock_checks(ls, lockmode, rv);
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
							 lint_relname(rel), stmt->newname),
					"Rename it and create a view with the old name in the same revision, and drop the view once no code uses it.");
	else
		lint_report(ls, "renaming-column", LINT_WARNING, AccessExclusiveLock,
					rel, 0,
					psprintf("renaming column \"%s\" of %s to \"%s\" breaks application code still running with the old name",
							 stmt->subname, lint_relname(rel), stmt->newname),
					"Add the new column, write both, backfill, move readers over, then drop the old column in a later release.");
	lint_lock_checks(ls, AccessExclusiveLock, rel);
}

/* VACUUM FULL and CLUSTER: cluster_rel() takes ACCESS EXCLUSIVE and rewrites */
static void
lint_rewrite_all(LintState *ls, const char *rule, const char *what,
				 RangeVar *rel)
{
	lint_report(ls, rule, LINT_ERROR, AccessExclusiveLock, rel, 1,
				rel ? psprintf("%s rewrites %s under an ACCESS EXCLUSIVE lock, blocking reads and writes until it ends",
							   what, lint_relname(rel)) :
				psprintf("%s rewrites every table of the database under ACCESS EXCLUSIVE locks", what),
				"Rebuild online with pg_repack or pg_squeeze, or use plain VACUUM.");
	lint_lock_checks(ls, AccessExclusiveLock, rel);
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

/*
 * REINDEX: ReindexIndex() and ReindexTable() lock the table SHARE and
 * reindex_index() each index ACCESS EXCLUSIVE, or both SHARE UPDATE
 * EXCLUSIVE with CONCURRENTLY.  The ACCESS EXCLUSIVE lock on an index
 * blocks reads too: planning any query on the table opens all its indexes.
 * SCHEMA, DATABASE and SYSTEM do the same table by table.
 */
static void
lint_reindex(LintState *ls, ReindexStmt *stmt)
{
	ListCell   *lc;
	bool		concurrent = false;
	RangeVar   *rel = stmt->relation;
	const char *hint = "Use REINDEX CONCURRENTLY in a non-transactional revision (transactional => false, or \"-- Transactional: no\" in its file).";

	foreach(lc, stmt->params)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "concurrently") == 0 && defGetBoolean(opt))
			concurrent = true;
	}
	if (rel && lint_created_in_plan(ls, rel))
		return;
	if (concurrent)
	{
		lint_lock_checks(ls, ShareUpdateExclusiveLock, rel);
		return;
	}
	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
			lint_report(ls, "reindex-without-concurrently", LINT_ERROR,
						AccessExclusiveLock, rel, 1,
						psprintf("REINDEX INDEX rebuilds %s under an ACCESS EXCLUSIVE lock, and its table under a SHARE lock: writes are blocked, and so is every query whose planning opens the index",
								 lint_relname(rel)),
						hint);
			lint_lock_checks(ls, AccessExclusiveLock, rel);
			break;
		case REINDEX_OBJECT_TABLE:
			lint_report(ls, "reindex-without-concurrently", LINT_ERROR,
						ShareLock, rel, 0,
						psprintf("REINDEX TABLE blocks writes to %s (SHARE lock) and takes an ACCESS EXCLUSIVE lock on each of its indexes while it rebuilds them, blocking the queries that plan with them",
								 lint_relname(rel)),
						hint);
			lint_lock_checks(ls, ShareLock, rel);
			break;
		default:
			lint_report(ls, "reindex-without-concurrently", LINT_ERROR,
						ShareLock, NULL, 0,
						psprintf("REINDEX %s rebuilds the indexes of every table %s, table by table, each under a SHARE lock (writes blocked) with ACCESS EXCLUSIVE locks on its indexes",
								 stmt->kind == REINDEX_OBJECT_SCHEMA ? "SCHEMA" :
								 stmt->kind == REINDEX_OBJECT_SYSTEM ? "SYSTEM" : "DATABASE",
								 stmt->kind == REINDEX_OBJECT_SCHEMA ?
								 psprintf("of schema %s", quote_identifier(stmt->name)) :
								 stmt->kind == REINDEX_OBJECT_SYSTEM ?
								 "of the system catalogs" : "of the database"),
						hint);
			break;
	}
}

/*
 * LOCK TABLE: LockTableCommand() takes the mode written (ACCESS EXCLUSIVE
 * without IN ... MODE) and keeps it to the end of the transaction.  SHARE
 * and stronger block the application's writes, ACCESS EXCLUSIVE its reads
 * too; the weaker modes conflict with no ordinary query.
 */
static void
lint_lock(LintState *ls, LockStmt *stmt)
{
	ListCell   *lc;

	foreach(lc, stmt->relations)
	{
		RangeVar   *rel = lfirst_node(RangeVar, lc);
		const char *mode = lint_lock_sql_name(stmt->mode);

		if (lint_created_in_plan(ls, rel))
			continue;
		if (stmt->mode == AccessExclusiveLock)
			lint_report(ls, "lock-table", LINT_ERROR, stmt->mode, rel, 0,
						psprintf("LOCK TABLE %s takes an ACCESS EXCLUSIVE lock and keeps it until the transaction ends: every read and write of the table waits until then",
								 lint_relname(rel)),
						"Let each statement take the lock it needs, for as short as it needs it; if the lock is needed, keep the revision short and run it with CALL migrate_upgrade_each(), which commits after each revision.");
		else if (stmt->mode >= ShareLock)
			lint_report(ls, "lock-table", LINT_WARNING, stmt->mode, rel, 0,
						psprintf("LOCK TABLE %s takes a %s lock and keeps it until the transaction ends: every write to the table waits until then",
								 lint_relname(rel), mode),
						"Let each statement take the lock it needs, for as short as it needs it; if the lock is needed, keep the revision short and run it with CALL migrate_upgrade_each(), which commits after each revision.");
		if (!stmt->nowait)
			lint_lock_checks(ls, stmt->mode, rel);
	}
}

/*
 * SET lock_timeout counts for missing-lock-timeout; SET search_path is
 * applied for the rest of the script (lint.c undoes it at the end), so
 * later names resolve as they will when the script runs: generated scripts
 * begin with SET LOCAL search_path.
 */
static void
lint_set(LintState *ls, VariableSetStmt *stmt)
{
	if (stmt->name == NULL)
		return;
	if (strcmp(stmt->name, "search_path") == 0 &&
		(stmt->kind == VAR_SET_VALUE || stmt->kind == VAR_SET_DEFAULT ||
		 stmt->kind == VAR_RESET))
		(void) set_config_option("search_path",
								 stmt->kind == VAR_SET_VALUE ?
								 ExtractSetVariableArgs(stmt) : NULL,
								 PGC_USERSET, PGC_S_SESSION,
								 stmt->is_local ? GUC_ACTION_LOCAL : GUC_ACTION_SET,
								 true, 0, false);
	if (strcmp(stmt->name, "lock_timeout") != 0)
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
	lint_enum_note_columns(ls, stmt);
	if (ls->enum_values != NIL)
		lint_enum_uses(ls, stmt);
	switch (nodeTag(stmt))
	{
		case T_ReindexStmt:
			lint_reindex(ls, (ReindexStmt *) stmt);
			break;
		case T_LockStmt:
			lint_lock(ls, (LockStmt *) stmt);
			break;
		case T_AlterEnumStmt:
			lint_enum_value_added(ls, (AlterEnumStmt *) stmt);
			break;
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
