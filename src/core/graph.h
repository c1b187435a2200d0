/*-------------------------------------------------------------------------
 *
 * graph.h
 *	  The revision graph and Alembic's target grammar, as pure code.
 *
 * Nothing declared here touches SPI, the system catalogs or ereport: the
 * module is linked both into the extension and into a standalone test
 * program and a libFuzzer harness (test/graph/).  Failures are reported as
 * an MgErrorCode plus a message, as common/jsonapi.h does; the SQL-facing
 * caller turns that into ereport().
 *
 * Memory: everything is allocated through mg_alloc().  In the backend that
 * is palloc0() in CurrentMemoryContext, so the caller owns lifetimes by
 * choosing the context; nothing is ever freed piecemeal.  The standalone
 * build keeps a list it frees in mg_alloc_reset().
 *
 * Layer: core (src/core/): pure, no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_GRAPH_H
#define MIGRATE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "mgerror.h"

/* One revision as registered; the input to mg_graph_build(). */
typedef struct MgRevisionInput
{
	const char *id;
	const char *const *down_revisions;	/* parents (versioned) */
	int			ndown;
	const char *const *branch_labels;	/* labels declared on this revision */
	int			nlabels;
	const char *const *depends_on;	/* ids or branch labels */
	int			ndepends;
} MgRevisionInput;

/*
 * One revision of a built graph.  Indexes are positions in
 * MgGraph.revs, which is in registration order (Alembic breaks ties by the
 * order revisions were defined; registration order is ours).
 */
typedef struct MgRevision
{
	const char *id;
	int			ndown;
	int		   *down;			/* versioned parents */
	int			ndeps;
	int		   *deps;			/* resolved depends_on */
	int			nnormdeps;
	int		   *normdeps;		/* deps minus those already ancestors */
	int			nnext;
	int		   *next;			/* versioned children */
	int			nallnext;
	int		   *allnext;		/* children including dependents */
	int			nlabels;
	const char **labels;		/* declared labels */
	int			nalllabels;
	const char **alllabels;		/* declared plus inherited, Alembic's
								 * branch_labels after _add_branches */
	bool		is_head;		/* no versioned child */
	bool		is_real_head;	/* no child and no dependent */
	bool		is_base;		/* no versioned parent */
	bool		is_branch_point;	/* more than one versioned child */
	bool		is_merge_point;		/* more than one versioned parent */
} MgRevision;

typedef struct MgGraph MgGraph;	/* opaque beyond the accessors below */

extern MgGraph *mg_graph_build(const MgRevisionInput *revs, int nrevs,
							   MgError *err);
extern int	mg_graph_count(const MgGraph *g);
extern const MgRevision *mg_graph_rev(const MgGraph *g, int idx);
/* exact id lookup, -1 when absent */
extern int	mg_graph_lookup(const MgGraph *g, const char *id);
/* Alembic's heads (versioned) and, when real, counting dependents too */
extern int	mg_graph_heads(const MgGraph *g, bool real, int **out);
extern int	mg_graph_bases(const MgGraph *g, int **out);

/*
 * Checks that a candidate revision id is one Alembic would accept: not
 * empty, none of '@', '-', '+', ':', no white space or control bytes, not a
 * reserved word (head, heads, base, current), at most 255 bytes.
 */
extern bool mg_valid_revision_id(const char *id, MgError *err);
extern bool mg_valid_branch_label(const char *label, MgError *err);

/*
 * Resolving symbols.  "current" is the version table's rows, as ids; they
 * may name revisions missing from the graph, which is an MG_ERR_UNDEFINED.
 *
 * mg_resolve_revisions() resolves one symbol Alembic's get_revisions()
 * accepts (head, heads, base, id, partial id, label, label@head,
 * label@base, rev@head, relative forms) to revision indexes.
 */
extern int	mg_resolve_revisions(const MgGraph *g, const char *const *current,
								 int ncurrent, const char *target,
								 int **out, MgError *err);

/*
 * What one step does to the version table.  An Alembic UPDATE from x to y
 * is reported as remove x, add y.  from/to are what Alembic logs
 * ("Running upgrade a, b -> c"): the versioned parents, without
 * dependencies.  Stamp steps run no script: rev is the revision stamped,
 * or -1 when the step moves a branch to base; with purge, a first step
 * with rev -1 removes every existing row.
 */
typedef struct MgStep
{
	int			rev;			/* revision whose script runs */
	bool		upgrade;		/* upgrade() or downgrade() script */
	int			nremove;
	const char **remove;		/* version rows deleted by this step */
	int			nadd;
	const char **add;			/* version rows inserted by this step */
	/* for messages: "Running upgrade a, b -> c" */
	int			nfrom;
	const char **from;
	int			nto;
	const char **to;
} MgStep;

typedef struct MgPlan
{
	int			nsteps;
	MgStep	   *steps;			/* in execution order */
	int			nheads;
	const char **heads;			/* version rows after the last step */
} MgPlan;

/*
 * Plans with Alembic 1.8's semantics: the same steps, in the same order,
 * with the same version rows after each, as `alembic upgrade/downgrade
 * TARGET` and `alembic stamp [--purge] TARGET` against a version table
 * holding `current`.
 *
 * mg_plan_upgrade_range()/mg_plan_downgrade_range() serve the offline
 * "from:to" form: they plan as if the version table held `from` (NULL for
 * base) and ignore the database's rows.
 */
extern bool mg_plan_upgrade(const MgGraph *g, const char *const *current,
							int ncurrent, const char *target,
							MgPlan *plan, MgError *err);
extern bool mg_plan_downgrade(const MgGraph *g, const char *const *current,
							  int ncurrent, const char *target,
							  MgPlan *plan, MgError *err);
extern bool mg_plan_stamp(const MgGraph *g, const char *const *current,
						  int ncurrent, const char *target, bool purge,
						  MgPlan *plan, MgError *err);

/*
 * History in Alembic's `alembic history [-r RANGE]` order (newest first).
 * range is NULL for everything, else "a:b", "a:", ":b", where a and b are
 * anything mg_resolve_revisions() takes, plus "current".
 */
extern int	mg_history(const MgGraph *g, const char *const *current,
					   int ncurrent, const char *range, int **out,
					   MgError *err);

/*
 * Every revision the given version rows stand for: their ancestors,
 * following depends_on too, each counted once.  Sets applied[i] for each
 * revision index; applied is an array of mg_graph_count() bools.
 */
extern bool mg_applied_set(const MgGraph *g, const char *const *current,
						   int ncurrent, bool *applied, MgError *err);

/*
 * Where `alembic revision --head HEAD [--splice]` would put a new revision:
 * resolves head (NULL means "head") to parent ids, refusing several heads
 * and, unless splice, a parent that is not a head.  Also resolves each
 * depends_on entry the way generate_revision() does: a branch label stays
 * as written, a partial id becomes the full id.  Outputs point into the
 * graph or are mg_alloc'd.
 */
extern bool mg_new_revision_parents(const MgGraph *g, const char *head,
									bool splice, const char ***parents,
									int *nparents, MgError *err);
extern bool mg_resolve_depends_on(const MgGraph *g,
								  const char *const *depends_on, int ndeps,
								  const char ***resolved, MgError *err);

#endif							/* MIGRATE_GRAPH_H */
