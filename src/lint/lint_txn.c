/*-------------------------------------------------------------------------
 *
 * lint_txn.c
 *	  constraint-validated-in-same-transaction: a VALIDATE CONSTRAINT that
 *	  runs under the lock its ADD CONSTRAINT ... NOT VALID took.
 *
 * ADD CONSTRAINT ... NOT VALID exists so that the validating scan runs
 * later under VALIDATE's SHARE UPDATE EXCLUSIVE lock, which blocks neither
 * reads nor writes (on the referenced table of a foreign key, VALIDATE
 * takes only ROW SHARE).  But locks last until the transaction ends: when
 * the VALIDATE runs in the same transaction as its ADD, the scan runs under
 * the ADD's lock, which AlterTableGetLockLevel() makes ACCESS EXCLUSIVE for
 * a CHECK and SHARE ROW EXCLUSIVE for a FOREIGN KEY, and
 * ATAddForeignKeyConstraint() SHARE ROW EXCLUSIVE on the referenced table.
 *
 * Only locks on relations that existed before the plan matter: nobody else
 * can be waiting for a table the plan created.  So a CHECK validated on a
 * new table is fine, and so is a foreign key between two new tables; a
 * foreign key from a new table to an existing one is not, as the existing
 * table's writes wait for the scan of the new one (sql/lint_measure.sql
 * checks each mode the finding names against pg_locks).
 *
 * Which statements share a transaction is the plan's business (lint.c):
 * one script is one transaction; migrate_upgrade() runs the whole plan in
 * one, CALL migrate_upgrade_each() commits after each revision
 * (migrate.lint_transaction = revision), and a non-transactional revision
 * commits after each statement.  lint_transaction_end() forgets what the
 * committed transaction held.  The other rule about the transaction, on new
 * enum values, is in lint_enum.c.
 *
 * Layer: lint (src/lint/), above lint_report.c (it records its findings
 * there); lint_alter.c calls it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/builtins.h"

#include "lint.h"

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

/* Does the RangeVar name the same table as schema.name (NULL: unqualified)? */
static bool
same_table(const RangeVar *rv, const char *schema, const char *name)
{
	LintName	n = {0};

	n.schema = (char *) schema;
	n.name = (char *) name;
	return lint_name_matches(&n, rv->schemaname, rv->relname);
}

/*
 * An ADD CONSTRAINT ... NOT VALID: its lock stays until the transaction
 * ends.  Remembered only when it locks a relation the plan did not create.
 */
void
lint_txn_not_valid_added(LintState *ls, const RangeVar *rel,
						 LOCKMODE lockmode, Constraint *c)
{
	LintNotValid *nv;
	RangeVar   *pktable = NULL;
	bool		relnew;

	if (!c->skip_validation ||
		(c->contype != CONSTR_FOREIGN && c->contype != CONSTR_CHECK))
		return;
	relnew = lint_created_in_plan(ls, rel);
	/* a referenced table other than rel that existed before the plan */
	if (c->contype == CONSTR_FOREIGN && c->pktable &&
		!lint_created_in_plan(ls, c->pktable) &&
		!same_table(c->pktable, rel->schemaname, rel->relname))
		pktable = c->pktable;
	if (relnew && pktable == NULL)
		return;					/* nothing that existed before is locked */
	nv = palloc0(sizeof(LintNotValid));
	nv->schema = rel->schemaname;
	nv->name = rel->relname;
	nv->conname = c->conname ? c->conname :
		c->contype == CONSTR_FOREIGN ? default_fk_name(rel, c) : NULL;
	nv->lockmode = lockmode;
	nv->relnew = relnew;
	nv->pktable = pktable;
	nv->revision = ls->revision;
	nv->statement = ls->statement;
	if (nv->conname)
		ls->not_valid = lappend(ls->not_valid, nv);
}

/* "a SHARE ROW EXCLUSIVE", "an ACCESS EXCLUSIVE" */
static char *
lock_with_article(LOCKMODE mode)
{
	const char *name = lint_lock_sql_name(mode);

	return psprintf("%s %s", (name[0] == 'A' || name[0] == 'E') ? "an" : "a",
					name);
}

/* What the lock on the scanned table blocks */
static const char *
blocked(LOCKMODE mode)
{
	return mode == AccessExclusiveLock ? "reads and writes are" : "writes are";
}

/* VALIDATE CONSTRAINT: is its ADD's lock still held? */
void
lint_txn_validate(LintState *ls, const RangeVar *rel, const char *conname)
{
	ListCell   *lc;
	const char *rule = "constraint-validated-in-same-transaction";
	const char *later = "Validate in a later revision and run the upgrade with CALL migrate_upgrade_each(), which commits after each revision: the ADD's lock ends at its commit, and VALIDATE CONSTRAINT alone takes a SHARE UPDATE EXCLUSIVE lock, which blocks neither reads nor writes.";

	foreach(lc, ls->not_valid)
	{
		LintNotValid *nv = lfirst(lc);
		const char *add;

		if (strcmp(nv->conname, conname) != 0 ||
			!same_table(rel, nv->schema, nv->name))
			continue;
		add = lint_where(ls, nv->revision, nv->statement);
		if (nv->relnew)
		{
			/*
			 * Only the referenced table existed before: its SHARE ROW
			 * EXCLUSIVE lock lasts as long as the scan of the new table,
			 * whatever its own size.
			 */
			lint_report_held(ls, rule, LINT_ERROR, ShareRowExclusiveLock,
							 nv->pktable,
							 psprintf("VALIDATE CONSTRAINT \"%s\" scans all of %s, created in this plan, in the transaction of its ADD CONSTRAINT ... NOT VALID (%s), which holds a SHARE ROW EXCLUSIVE lock on the referenced table %s until the transaction ends: writes to %s are blocked through the scan",
									  conname, lint_relname(rel), add,
									  lint_relname(nv->pktable),
									  lint_relname(nv->pktable)),
							 "Declare the foreign key when the table is created, before it is filled: an empty table validates at once and later inserts are checked row by row. Or validate in a later revision and run the upgrade with CALL migrate_upgrade_each(), which commits after each revision.");
		}
		else if (nv->pktable)
			lint_report(ls, rule, LINT_ERROR, nv->lockmode, rel, 0,
						psprintf("VALIDATE CONSTRAINT \"%s\" scans all of %s in the transaction of its ADD CONSTRAINT ... NOT VALID (%s), which holds %s lock on it and a SHARE ROW EXCLUSIVE lock on %s until the transaction ends: %s blocked through the scan",
								 conname, lint_relname(rel), add,
								 lock_with_article(nv->lockmode),
								 lint_relname(nv->pktable),
								 nv->lockmode == AccessExclusiveLock ?
								 psprintf("reads and writes of %s and writes to %s are",
										  lint_relname(rel),
										  lint_relname(nv->pktable)) :
								 "writes to both are"),
						later);
		else
			lint_report(ls, rule, LINT_ERROR, nv->lockmode, rel, 0,
						psprintf("VALIDATE CONSTRAINT \"%s\" scans all of %s in the transaction of its ADD CONSTRAINT ... NOT VALID (%s), which holds %s lock on it until the transaction ends: %s blocked through the scan",
								 conname, lint_relname(rel), add,
								 lock_with_article(nv->lockmode),
								 blocked(nv->lockmode)),
						later);
		return;
	}
}
