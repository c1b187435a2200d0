/*-------------------------------------------------------------------------
 *
 * graph_int.h
 *	  Internals shared by graph.c (building, traversal, resolution) and
 *	  plan.c (upgrade, downgrade, stamp, history).  Not part of the
 *	  interface: callers use graph.h.
 *
 * Layer: core (src/core/): pure, no PostgreSQL headers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_GRAPH_INT_H
#define MIGRATE_GRAPH_INT_H

#include "graph.h"
#include "target.h"

/* Open-addressing string hash: key -> revision index. */
typedef struct MgHash
{
	int			cap;			/* power of two */
	const char **keys;
	int		   *vals;
} MgHash;

struct MgGraph
{
	int			n;
	MgRevision *revs;
	int		   *nnormdown;		/* Alembic's _normalized_down_revisions */
	int		  **normdown;
	int		   *depth;			/* longest path from a root over parent and
								 * dependency edges: strictly grows towards
								 * descendants, so searches can stop early */
	MgHash		ids;			/* revision id -> index */
	MgHash		labels;			/* declared branch label -> index */
	int			nheads;
	int		   *heads;			/* versioned heads, registration order */
	int			nrealheads;
	int		   *realheads;
	int			nbases;
	int		   *bases;			/* no versioned parent */
	/* every key of Alembic's _revision_map, for partial-id matching */
	int			nkeys;
	const char **keys;
	int		   *keyrev;
	/* small arrays are carved from big blocks: far fewer allocations */
	char	   *pool;
	size_t		poolleft;
};

/* A growable int array. */
typedef struct MgInts
{
	int			n;
	int			cap;
	int		   *v;
} MgInts;

extern void mg_ints_push(MgInts *a, int x);

/*
 * Visited marks that need no clearing: a slot is set when it holds the
 * current generation.
 */
typedef struct MgMark
{
	unsigned   *stamp;
	unsigned	gen;
} MgMark;

extern MgMark *mg_mark_new(const MgGraph *g);
extern void mg_mark_clear(MgMark *m);
#define MG_MARKED(m, i) ((m)->stamp[i] == (m)->gen)
#define MG_SET_MARK(m, i) ((m)->stamp[i] = (m)->gen)

extern int	mg_hash_get(const MgHash *h, const char *key);

/*
 * Traversals with an explicit stack.  The start nodes are included.  With
 * deps, ancestors follow normalized down revisions and descendants follow
 * dependents too; without, only versioned edges.  Visited nodes are
 * marked in m (cleared first); when out is not NULL they are appended.
 */
extern void mg_ancestors(const MgGraph *g, const int *starts, int nstarts,
						 bool deps, MgMark *m, MgInts *out);
extern void mg_descendants(const MgGraph *g, const int *starts, int nstarts,
						   bool deps, MgMark *m, MgInts *out);

/*
 * Results of walking the graph may be a revision, Alembic's None (off the
 * end of the graph, or below every base) or the string "base".
 */
#define MG_REV_NONE (-1)
#define MG_REV_BASE (-2)

/* Resolution, mirroring RevisionMap methods of the same names. */
extern bool mg_get_revisions(const MgGraph *g, const char *id, MgInts *out,
							 MgError *err);
extern bool mg_get_revision(const MgGraph *g, const char *id, int *out,
							MgError *err);
extern bool mg_resolve_branch(const MgGraph *g, const char *label, int *out,
							  MgError *err);
extern bool mg_filter_for_lineage(const MgGraph *g, const int *targets,
								  int ntargets, const char *check_against,
								  bool deps, MgInts *out, MgError *err);
extern bool mg_walk(const MgGraph *g, int start, long steps,
					const char *branch_label, bool no_overwalk, int *out,
					MgError *err);
extern bool mg_has_label(const MgGraph *g, int rev, const char *label);
extern bool mg_lookup_rows(const MgGraph *g, const char *const *current,
						   int ncurrent, MgInts *out, MgError *err);
extern bool mg_check_overlap(const MgGraph *g, const int *revs, int nrevs,
							 MgMark *m, MgError *err);
extern char *mg_format_ids(const MgGraph *g, const int *revs, int nrevs);

/* plan.c, shared with mg_resolve_revisions() */
extern bool mg_parse_upgrade_target(const MgGraph *g,
									const char *const *current, int ncurrent,
									const char *target, bool assert_length,
									MgInts *out, MgError *err);

#endif							/* MIGRATE_GRAPH_INT_H */
