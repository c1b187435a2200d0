/*-------------------------------------------------------------------------
 *
 * diff.h
 *	  Schema diff and autogenerate: an in-memory model of one schema read
 *	  from the system catalogs, the comparison of two models into upgrade
 *	  and downgrade scripts, and the shadow schema that turns a declarative
 *	  "desired" DDL text into a model.
 *
 * diff_catalog.c reads a model, diff.c compares and emits, shadow.c runs
 * the desired DDL in a rolled-back subtransaction, diff_rename.c applies
 * the renames the desired schema declares.
 *
 * Every object is keyed by its unqualified name (sub-objects by owning
 * relation plus name), and every deparsed fragment is produced while the
 * search_path holds only the schema being read, so references to objects of
 * that schema come out unqualified and two schemas with different names
 * compare equal when their contents do.
 *
 * Layer: diff (src/diff/).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_DIFF_H
#define MIGRATE_DIFF_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"
#include "utils/palloc.h"

typedef enum DiffKind
{
	DK_TYPE,					/* enum, domain, composite */
	DK_SEQUENCE,
	DK_FUNCTION,				/* functions and procedures */
	DK_RELATION,				/* tables, partitioned tables, views, matviews */
	DK_INDEX,
	DK_CONSTRAINT,
	DK_TRIGGER,
	DK_POLICY,
	DK_EXTENSION,				/* extensions installed in the schema */
	DK_NKINDS
} DiffKind;

typedef struct DiffColumn
{
	char	   *name;
	char	   *type;			/* format_type() */
	char	   *collation;		/* NULL when the type's default */
	bool		notnull;
	char	   *def;			/* default expression or NULL */
	char		identity;		/* '\0', 'a' or 'd' */
	char	   *identity_opts;	/* sequence options of an identity */
	char		generated;		/* '\0' or 's' */
	char	   *comment;
	bool		inherited;		/* column of a partition, from its parent */
	bool		dropped;		/* diff state: dropped by the script */
} DiffColumn;

typedef struct DiffObject
{
	DiffKind	kind;
	char	   *key;			/* sort and match key */
	char	   *name;			/* unqualified name */
	char	   *table;			/* owning relation of a sub-object */
	char		subkind;		/* relkind, typtype, prokind, contype */
	char	   *def;			/* comparable definition */
	char	   *comment;
	char	   *acl;			/* exploded ACL, grantee:priv[*],..., without
								 * the owner's own entries */
	char	   *owner;			/* owner's name (types, sequences, functions,
								 * relations) */
	char	   *args;			/* function identity arguments */
	char	   *result;			/* function result type */
	char	   *reftable;		/* FK: referenced relation */
	char	   *refkey;			/* FK: the unique index of reftable it uses */
	char	   *owner_table;	/* sequence: OWNED BY table, or NULL */
	char	   *owner_column;	/* sequence: OWNED BY column */
	char	   *defacl;			/* exploded default ACL of the kind */
	char	   *parent;			/* partition: parent relation */
	char	   *bound;			/* partition: bound expression */
	char	   *partkey;		/* partitioned table: key definition */
	char	   *options;		/* reloptions */
	bool		rls;
	bool		rls_force;
	List	   *labels;			/* enum labels, in order (char *) */
	List	   *columns;		/* DiffColumn *; also composite attributes */
	List	   *checks;			/* domain constraints: DiffObject * */
	List	   *deps;			/* relations a view depends on (char *) */
	/* diff state */
	int			state;			/* DIFF_SAME, DIFF_NEW, ... */
	bool		implicit;		/* dropped along with its parent */
	bool		touched;		/* column types changed or columns dropped */
	bool		keys_changed;	/* relation: a key a foreign key may use
								 * changes; index or constraint: this key
								 * changes */
	bool		visited;		/* topological sort */
} DiffObject;

typedef struct DiffModel
{
	char	   *schema;
	int			n[DK_NKINDS];
	DiffObject **v[DK_NKINDS];	/* sorted by key */
} DiffModel;

/* diff_catalog.c */
extern DiffModel *diff_read_schema(const char *schema, MemoryContext mcxt);
extern DiffObject *diff_lookup(DiffModel *m, DiffKind kind, const char *key);
extern char *diff_subkey(const char *table, const char *name);
extern void diff_replace_kind(DiffModel *m, DiffKind kind, List *objects,
							  MemoryContext mcxt);

/* diff.c */
typedef struct DiffResult
{
	char	   *upgrade;
	char	   *downgrade;
	int			nchanges;		/* statements in the upgrade */
	List	   *differences;	/* human-readable, one per change (char *) */
	List	   *destructive;	/* destructive changes of the upgrade */
} DiffResult;

extern DiffResult *diff_models(DiffModel *from, DiffModel *to,
							   const char *target, bool ownership,
							   bool strict, List *renames_up,
							   List *renames_down);

/* diff_rename.c */
extern List *diff_collect_renames(DiffModel *want);
extern DiffModel *diff_apply_renames(DiffModel *cur, List *decls,
									 const char *schema, MemoryContext mcxt,
									 List **up, List **down);
extern void diff_warn_likely_renames(DiffModel *cur, DiffModel *want);

/* shadow.c */
extern DiffModel *shadow_read_desired(const char *desired, const char *schema,
									  MemoryContext mcxt, bool ownership);

/* for the core's migrate_check(desired, schema) */
extern char *migrate_diff_against_desired(const char *desired,
										  const char *schema,
										  int *ndifferences);

#endif							/* MIGRATE_DIFF_H */
