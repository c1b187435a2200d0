/*-------------------------------------------------------------------------
 *
 * lint.h
 *	  Lint and lock analysis of migration scripts.
 *
 * Module map (layer lint; each file calls only the files listed below it,
 * lint_report.c at the bottom, and lower layers: see test/layers):
 *	lint.c			splitting a script, suppression comments, the plan
 *					walk, migrate_lint() and migrate_lint_sql(), the
 *					registration gate (migrate.lint_fail_on)
 *	lint_rules.c	the rules: one raw parse tree in, findings out
 *	lint_alter.c	the rules of ALTER TABLE, command by command
 *	lint_enum.c		a new enum value used before it is committed: where
 *					an expression can carry the label, DO block bodies
 *	lint_txn.c		a VALIDATE CONSTRAINT under its ADD's lock
 *	lint_live.c		what only the server knows about locks: sessions
 *					holding conflicting locks, lock_timeout, NOT NULL
 *					checks that spare a scan
 *	lint_report.c	recording findings (suppression, live sizes and row
 *					estimates); helpers on names and types
 *	lint_measure.c	migrate_lint_measure(): the plan run for real, locks
 *					and rewrites observed, rolled back
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_LINT_H
#define MIGRATE_LINT_H

#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "storage/lockdefs.h"

typedef enum LintSeverity
{
	LINT_INFO,
	LINT_WARNING,
	LINT_ERROR
} LintSeverity;

/* One finding, in the order the statements would run */
typedef struct LintFinding
{
	const char *revision;		/* NULL for migrate_lint_sql() */
	int			statement;		/* 1-based, as in migrate's error context */
	int			line;			/* line of the statement's first keyword */
	const char *rule;
	LintSeverity severity;
	LOCKMODE	lockmode;		/* NoLock when the rule is not about one */
	char	   *relation;		/* as written in the script, or NULL */
	Oid			relid;			/* the live relation, InvalidOid if none */
	int			rewrites;		/* 1 yes, 0 no, -1 not known */
	bool		have_size;		/* size and total read (see lint_live.c) */
	int64		size;
	int64		total;
	bool		have_rows;		/* analyzed at least once */
	int64		rows;
	bool		created_in_plan;
	char	   *message;
	char	   *hint;
} LintFinding;

/* A relation (or index) the plan creates before a later statement uses it */
typedef struct LintName
{
	char	   *schema;			/* NULL when written unqualified */
	char	   *name;
	char	   *column;			/* for validated NOT NULL checks */
	char	   *conname;
	bool		valid;			/* the check has been validated */
} LintName;

/*
 * A constraint added NOT VALID in the transaction still open: its ADD took
 * a lock (ACCESS EXCLUSIVE for CHECK, SHARE ROW EXCLUSIVE on both tables
 * for FOREIGN KEY) that a VALIDATE in the same transaction keeps through
 * its scan.
 */
typedef struct LintNotValid
{
	char	   *schema;
	char	   *name;
	char	   *conname;
	LOCKMODE	lockmode;		/* the ADD statement's lock on the table */
	bool		relnew;			/* the table was created in the plan */
	RangeVar   *pktable;		/* referenced table of a foreign key, when
								 * it is another that existed before the
								 * plan (its lock is SHARE ROW EXCLUSIVE) */
	const char *revision;		/* where the ADD ran */
	int			statement;
} LintNotValid;

/* An enum label added by ALTER TYPE ... ADD VALUE in the open transaction */
typedef struct LintEnumValue
{
	char	   *schema;			/* NULL when written unqualified */
	char	   *typname;
	char	   *label;
	Oid			typid;			/* the live type, InvalidOid if none */
	const char *revision;		/* where it was added */
	int			statement;
} LintEnumValue;

/* A column the plan creates or retypes, as declared */
typedef struct LintColumn
{
	char	   *schema;			/* of the table; NULL when unqualified */
	char	   *relname;
	char	   *colname;
	TypeName   *type;
	bool		retyped;		/* ALTER COLUMN TYPE, not a new column */
} LintColumn;

/* A session holding a lock on a relation, as pg_locks showed it */
typedef struct LintHolder
{
	Oid			relid;
	int			pid;
	LOCKMODE	mode;
	char	   *state;
	char	   *age;
} LintHolder;

/* What the walk over a plan carries from statement to statement */
typedef struct LintState
{
	List	   *created;		/* of LintName: relations created so far */
	List	   *notnull_checks; /* of LintName: CHECK (col IS NOT NULL) */
	List	   *columns;		/* of LintColumn: declared so far */
	List	   *findings;		/* of LintFinding */
	bool		skip_live_locks;	/* no blocked-by-transaction (the gate) */
	bool		holders_loaded;
	List	   *holders;		/* of LintHolder, read once per run */
	/* per transaction of the run (see lint_transaction_end) */
	List	   *not_valid;		/* of LintNotValid */
	List	   *enum_values;	/* of LintEnumValue */
	/* per script */
	const char *revision;
	List	   *file_ignores;	/* rule names; "*" is every rule */
	bool		lock_timeout_set;	/* a SET lock_timeout ran earlier */
	bool		lock_timeout_reported;
	bool		statement_commits;	/* non-transactional: each statement
									 * runs in a transaction of its own */
	/* per statement */
	int			statement;
	int			line;
	List	   *ignores;
} LintState;

/* lint.c */
extern int	migrate_lint_small_table;	/* defined in lint_report.c */
extern void migrate_lint_init(void);
extern void migrate_lint_script(LintState *ls, const char *sql,
								const char *revision);
extern void migrate_lint_enforce(const char *sql, const char *revision);
extern void migrate_lint_report(const char *sql);
extern void migrate_measure_dry_run_begin(void);
extern void migrate_measure_dry_run_end(void);
extern const char *migrate_lint_severity_name(LintSeverity s);
extern void lint_transaction_end(LintState *ls);

/* lint_rules.c */
extern void lint_statement(LintState *ls, Node *stmt);

/* lint_alter.c */
extern void lint_alter_table(LintState *ls, AlterTableStmt *stmt);

/* lint_live.c */
extern bool lint_live_has_not_null_check(Oid relid, const char *column);
extern void lint_live_blockers(LintState *ls, LOCKMODE lockmode,
							   const RangeVar *rel);
extern void lint_lock_checks(LintState *ls, LOCKMODE lockmode,
							 const RangeVar *rel);

/* lint_report.c */
extern const char *lint_relname(const RangeVar *rel);
extern bool lint_name_matches(const LintName *n, const char *schema,
							  const char *name);
extern const char *lint_type_last_name(const TypeName *tn);
extern const char *lint_small_int_type(const TypeName *tn);
extern void lint_report_int_pk(LintState *ls, const RangeVar *rel,
							   const char *col, const char *type);
extern void lint_report(LintState *ls, const char *rule, LintSeverity sev,
						LOCKMODE lockmode, const RangeVar *rel, int rewrites,
						const char *message, const char *hint);
extern void lint_report_held(LintState *ls, const char *rule,
							 LintSeverity sev, LOCKMODE lockmode,
							 const RangeVar *rel, const char *message,
							 const char *hint);
extern char *lint_where(LintState *ls, const char *revision, int statement);
extern bool lint_created_in_plan(LintState *ls, const RangeVar *rel);
extern const char *lint_lock_sql_name(LOCKMODE mode);

/* lint_txn.c: a VALIDATE under the lock of its ADD ... NOT VALID */
extern void lint_txn_not_valid_added(LintState *ls, const RangeVar *rel,
									 LOCKMODE lockmode, Constraint *c);
extern void lint_txn_validate(LintState *ls, const RangeVar *rel,
							  const char *conname);

/* lint_enum.c: a new enum value used before its transaction commits */
extern void lint_enum_note_columns(LintState *ls, Node *stmt);
extern void lint_enum_value_added(LintState *ls, AlterEnumStmt *stmt);
extern void lint_enum_uses(LintState *ls, Node *stmt);

/* lint_report.c: live sizes of the relation a finding names */
extern Oid	lint_live_relid(const RangeVar *rel);
extern char *lint_live_summary(const LintFinding *f);
extern void lint_live_sizes(Oid relid, bool *have_size, int64 *size,
							int64 *total, bool *have_rows, int64 *rows);

#endif							/* MIGRATE_LINT_H */
