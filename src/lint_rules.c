/*-------------------------------------------------------------------------
 *
 * lint_rules.c
 *	  The lint rules: one raw parse tree in, findings out.
 *
 * The statements other than ALTER TABLE (which lint_alter.c takes) take a
 * fixed lock that their implementation hard-codes and does not expose:
 * DefineIndex, RemoveRelations, RenameRelation and renameatt, cluster_rel,
 * ReindexIndex and ReindexTable, LockTableCommand.
 * Each function below names the one it follows.  Also here: recording
 * findings (suppression, live size, migrate.lint_small_table) and the
 * checks every statement that locks an existing relation gets
 * (missing-lock-timeout, blocked-by-transaction).
 *
 * Most findings do not apply to a relation created earlier in the same
 * plan or script: nobody else can be using it yet.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#include "lint.h"
#include "locks.h"
#include "migrate.h"

const char *
lint_relname(const RangeVar *rel)
{
	if (rel == NULL)
		return NULL;
	return quote_qualified_identifier(rel->schemaname, rel->relname);
}

bool
lint_name_matches(const LintName *n, const char *schema, const char *name)
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
		if (lint_name_matches(lfirst(lc), rel->schemaname, rel->relname))
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
		"vacuum-full", "cluster", "reindex-without-concurrently",
		"constraint-validated-in-same-transaction"
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
	f->relation = (char *) lint_relname(rel);
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
void
lint_lock_checks(LintState *ls, LOCKMODE lockmode, const RangeVar *rel)
{
	if (rel == NULL || lockmode == NoLock || lint_created_in_plan(ls, rel))
		return;
	if (lockmode == AccessExclusiveLock && migrate_lock_timeout <= 0 &&
		!ls->lock_timeout_set && !ls->lock_timeout_reported)
	{
		lint_report(ls, "missing-lock-timeout", LINT_WARNING, lockmode, rel, -1,
					psprintf("statement waits for an ACCESS EXCLUSIVE lock on %s without a lock_timeout: while it waits, every query on the table queues behind it",
							 lint_relname(rel)),
					"Set \"migrate.lock_timeout\" (the runner then gives up and retries), or begin the script with SET lock_timeout = '5s'.");
		ls->lock_timeout_reported = true;
	}
	if (!ls->skip_live_locks)
		lint_live_blockers(ls, lockmode, rel);
}

/* A lock mode as LOCK TABLE spells it: "SHARE ROW EXCLUSIVE" */
const char *
lint_lock_sql_name(LOCKMODE mode)
{
	static const char *const names[] = {
		"", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE",
		"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE",
		"EXCLUSIVE", "ACCESS EXCLUSIVE"
	};

	return mode > 0 && mode < lengthof(names) ? names[mode] : "";
}

/* ---- types ---- */

const char *
lint_type_last_name(const TypeName *tn)
{
	if (tn == NULL || tn->names == NIL)
		return "";
	return strVal(llast(tn->names));
}

/* The SQL name of a 2- or 4-byte integer type, or NULL */
const char *
lint_small_int_type(const TypeName *tn)
{
	const char *n = lint_type_last_name(tn);

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

void
lint_report_int_pk(LintState *ls, const RangeVar *rel, const char *col,
			  const char *type)
{
	lint_report(ls, "int-primary-key", LINT_WARNING, NoLock, rel, 0,
				psprintf("primary key column \"%s\" of %s is %s: it runs out of values, and widening it later rewrites the table and every table referencing it",
						 col, lint_relname(rel), type),
				"Use bigint, or bigint GENERATED ALWAYS AS IDENTITY instead of serial.");
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
	if (ls->enum_values != NIL)
		lint_txn_enum_uses(ls, stmt);
	switch (nodeTag(stmt))
	{
		case T_ReindexStmt:
			lint_reindex(ls, (ReindexStmt *) stmt);
			break;
		case T_LockStmt:
			lint_lock(ls, (LockStmt *) stmt);
			break;
		case T_AlterEnumStmt:
			lint_txn_enum_value_added(ls, (AlterEnumStmt *) stmt);
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
