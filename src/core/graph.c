/*-------------------------------------------------------------------------
 *
 * graph.c
 *	  The revision graph: building and validating it, heads and bases,
 *	  branch labels, and resolving Alembic's revision symbols.
 *
 * This is Alembic's RevisionMap (alembic/script/revision.py) redone in C so
 * that the database can plan migrations itself and agree with Alembic on
 * every answer.  The functions below follow the Python methods of the same
 * names closely, including their quirks (partial ids match branch labels
 * too, "heads" means the heads that count dependencies while "head" does
 * not, branch labels spread to descendants and down to the nearest branch
 * point), because users move between the two tools and a migration tool
 * that disagrees about what "head" means is dangerous.
 *
 * Two things differ on purpose.  Where Alembic iterates a Python set, and
 * so answers differently from run to run, registration order (the order
 * of mg_graph_build's input) is used.  And everything is near-linear:
 * traversals use explicit stacks and generation-stamped marks, so that a
 * 100,000-revision chain neither overflows the C stack nor goes quadratic.
 *
 * Planning (upgrade, downgrade, stamp, history) lives in plan.c; the
 * target grammar's string handling in target.c.
 *
 * Layer: core (src/core/), pure: no PostgreSQL, built standalone by
 * test/graph.  It calls target.c; plan.c calls it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_STANDALONE
#include "postgres.h"
#else
#include <stdlib.h>
#endif

#include <string.h>

#include "graph.h"
#include "graph_int.h"
#include "target.h"

/* ---------------------------------------------------------------------
 * Small containers
 * ---------------------------------------------------------------------
 */

void
mg_ints_push(MgInts *a, int x)
{
	if (a->n == a->cap)
	{
		int			cap = a->cap ? a->cap * 2 : 8;
		int		   *v = mg_alloc(sizeof(int) * cap);

		if (a->n > 0)
			memcpy(v, a->v, sizeof(int) * a->n);
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
}

static bool
ints_contains(const int *v, int n, int x)
{
	int			i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

MgMark *
mg_mark_new(const MgGraph *g)
{
	MgMark	   *m = mg_alloc(sizeof(MgMark));

	m->stamp = mg_alloc(sizeof(unsigned) * (g->n > 0 ? g->n : 1));
	m->gen = 1;
	return m;
}

void
mg_mark_clear(MgMark *m)
{
	m->gen++;
}

static unsigned
hash_string(const char *s)
{
	unsigned	h = 2166136261u;

	while (*s)
	{
		h ^= (unsigned char) *s++;
		h *= 16777619u;
	}
	return h;
}

static void
hash_init(MgHash *h, int n)
{
	int			cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	h->cap = cap;
	h->keys = mg_alloc(sizeof(char *) * cap);
	h->vals = mg_alloc(sizeof(int) * cap);
}

int
mg_hash_get(const MgHash *h, const char *key)
{
	unsigned	i;

	if (h->cap == 0)
		return -1;
	i = hash_string(key) & (h->cap - 1);
	while (h->keys[i] != NULL)
	{
		if (strcmp(h->keys[i], key) == 0)
			return h->vals[i];
		i = (i + 1) & (h->cap - 1);
	}
	return -1;
}

/* Inserts key unless present; returns the existing value or -1. */
static int
hash_put(MgHash *h, const char *key, int val)
{
	unsigned	i = hash_string(key) & (h->cap - 1);

	while (h->keys[i] != NULL)
	{
		if (strcmp(h->keys[i], key) == 0)
			return h->vals[i];
		i = (i + 1) & (h->cap - 1);
	}
	h->keys[i] = key;
	h->vals[i] = val;
	return -1;
}

static void *
pool_alloc(MgGraph *g, size_t size)
{
	void	   *r;

	size = (size + 7) & ~(size_t) 7;
	if (size > 4096)
		return mg_alloc(size);
	if (size > g->poolleft)
	{
		g->pool = mg_alloc(65536);
		g->poolleft = 65536;
	}
	r = g->pool;
	g->pool += size;
	g->poolleft -= size;
	return r;
}

/* "a, b, c" from revision indexes, for details and cycle messages */
char *
mg_format_ids(const MgGraph *g, const int *revs, int nrevs)
{
	MgBuf		buf = {0};
	int			i;

	mg_buf_append(&buf, "");
	for (i = 0; i < nrevs; i++)
	{
		if (i > 0)
			mg_buf_append(&buf, ", ");
		if (revs[i] >= 0)
			mg_buf_append(&buf, g->revs[revs[i]].id);
		else
			mg_buf_append(&buf, "base");
	}
	return buf.data;
}

/* ---------------------------------------------------------------------
 * Identifier rules
 * ---------------------------------------------------------------------
 */

static bool
is_reserved_word(const char *s)
{
	return strcmp(s, "head") == 0 || strcmp(s, "heads") == 0 ||
		strcmp(s, "base") == 0 || strcmp(s, "current") == 0;
}

/*
 * One rule for revision ids and branch labels: both share Alembic's
 * _revision_map, and either can appear on the left of '@' or inside a
 * relative target, so the same characters would break both.
 */
static bool
check_identifier(const char *s, const char *what, MgError *err)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0')
		return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
							"%s must not be empty", what);
	if (strlen(s) > 255)
		return mg_set_error(err, MG_ERR_SYNTAX,
							"It is longer than 255 bytes.", NULL,
							"%s \"%.32s...\" is too long", what, s);
	for (p = (const unsigned char *) s; *p; p++)
	{
		if (*p == '@' || *p == '-' || *p == '+' || *p == ':')
			return mg_set_error(err, MG_ERR_SYNTAX,
								"The characters '@', '-', '+' and ':' are not allowed.",
								NULL, "%s \"%s\" contains the character '%c'",
								what, s, *p);
		if (*p <= ' ' || *p == 0x7f)
			return mg_set_error(err, MG_ERR_SYNTAX,
								"White space and control characters are not allowed.",
								NULL,
								"%s \"%s\" contains white space or a control character",
								what, s);
	}
	if (is_reserved_word(s))
		return mg_set_error(err, MG_ERR_SYNTAX,
							"The words head, heads, base and current are reserved.",
							NULL, "%s \"%s\" is a reserved word", what, s);
	return true;
}

bool
mg_valid_revision_id(const char *id, MgError *err)
{
	return check_identifier(id, "revision identifier", err);
}

bool
mg_valid_branch_label(const char *label, MgError *err)
{
	return check_identifier(label, "branch label", err);
}

/* ---------------------------------------------------------------------
 * Traversals
 * ---------------------------------------------------------------------
 */

static void
traverse(const MgGraph *g, const int *starts, int nstarts, bool up,
		 bool deps, MgMark *m, MgInts *out)
{
	int		   *stack;
	int			sp = 0;
	int			i;

	mg_mark_clear(m);
	if (nstarts == 0)
		return;
	/* each node is pushed at most once, so n slots suffice */
	stack = mg_alloc(sizeof(int) * (g->n + nstarts));
	for (i = 0; i < nstarts; i++)
	{
		int			s = starts[i];

		if (s < 0 || MG_MARKED(m, s))
			continue;
		MG_SET_MARK(m, s);
		stack[sp++] = s;
	}
	while (sp > 0)
	{
		int			r = stack[--sp];
		const MgRevision *rev = &g->revs[r];
		const int  *edges;
		int			nedges;
		int			j;

		MG_CHECK_INTERRUPTS();
		if (out)
			mg_ints_push(out, r);
		if (up)
		{
			edges = deps ? rev->allnext : rev->next;
			nedges = deps ? rev->nallnext : rev->nnext;
		}
		else
		{
			edges = deps ? g->normdown[r] : rev->down;
			nedges = deps ? g->nnormdown[r] : rev->ndown;
		}
		for (j = 0; j < nedges; j++)
		{
			if (!MG_MARKED(m, edges[j]))
			{
				MG_SET_MARK(m, edges[j]);
				stack[sp++] = edges[j];
			}
		}
	}
}

void
mg_ancestors(const MgGraph *g, const int *starts, int nstarts, bool deps,
			 MgMark *m, MgInts *out)
{
	traverse(g, starts, nstarts, false, deps, m, out);
}

void
mg_descendants(const MgGraph *g, const int *starts, int nstarts, bool deps,
			   MgMark *m, MgInts *out)
{
	traverse(g, starts, nstarts, true, deps, m, out);
}

/*
 * Alembic's check=True on _iterate_related_revisions: no requested
 * revision may be an ancestor of another.
 */
bool
mg_check_overlap(const MgGraph *g, const int *revs, int nrevs, MgMark *m,
				 MgError *err)
{
	MgInts		downs = {0};
	int			i,
				j;

	for (i = 0; i < nrevs; i++)
	{
		if (revs[i] < 0)
			continue;
		for (j = 0; j < g->nnormdown[revs[i]]; j++)
			mg_ints_push(&downs, g->normdown[revs[i]][j]);
	}
	mg_ancestors(g, downs.v, downs.n, true, m, NULL);
	for (i = 0; i < nrevs; i++)
	{
		if (revs[i] >= 0 && MG_MARKED(m, revs[i]))
			return mg_set_error(err, MG_ERR_STATE,
								mg_psprintf("The requested revisions are %s.",
											mg_format_ids(g, revs, nrevs)),
								NULL,
								"requested revision \"%s\" overlaps with other requested revisions",
								g->revs[revs[i]].id);
	}
	return true;
}

/* ---------------------------------------------------------------------
 * Building
 * ---------------------------------------------------------------------
 */

static bool
build_fail(MgError *err, const char *fmt, const char *a, const char *b)
{
	return mg_set_error(err, MG_ERR_INVALID_GRAPH, NULL, NULL, fmt, a, b);
}

static bool
register_ids(MgGraph *g, const MgRevisionInput *in, MgError *err)
{
	int			i;

	hash_init(&g->ids, g->n);
	for (i = 0; i < g->n; i++)
	{
		if (!mg_valid_revision_id(in[i].id, err))
		{
			err->code = MG_ERR_INVALID_GRAPH;
			return false;
		}
		g->revs[i].id = in[i].id;
		if (hash_put(&g->ids, in[i].id, i) >= 0)
			return build_fail(err, "revision \"%s\" is defined more than once%s",
							  in[i].id, "");
	}
	return true;
}

/* Alembic's _map_branch_labels: labels share the namespace of ids. */
static bool
register_labels(MgGraph *g, const MgRevisionInput *in, MgError *err)
{
	int			nlabels = 0;
	int			i,
				j;

	for (i = 0; i < g->n; i++)
		nlabels += in[i].nlabels;
	hash_init(&g->labels, nlabels);
	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];

		rev->nlabels = in[i].nlabels;
		rev->labels = pool_alloc(g, sizeof(char *) * (in[i].nlabels + 1));
		for (j = 0; j < in[i].nlabels; j++)
		{
			const char *label = in[i].branch_labels[j];
			int			owner;

			if (!mg_valid_branch_label(label, err))
			{
				err->code = MG_ERR_INVALID_GRAPH;
				return false;
			}
			owner = mg_hash_get(&g->ids, label);
			if (owner < 0)
				owner = hash_put(&g->labels, label, i);
			if (owner >= 0)
				return mg_set_error(err, MG_ERR_INVALID_GRAPH, NULL, NULL,
									"branch label \"%s\" in revision \"%s\" is already used by revision \"%s\"",
									label, rev->id, g->revs[owner].id);
			rev->labels[j] = label;
		}
	}
	return true;
}

static int
lookup_key(const MgGraph *g, const char *key)
{
	int			r = mg_hash_get(&g->ids, key);

	return r >= 0 ? r : mg_hash_get(&g->labels, key);
}

/* Resolves down revisions (ids only) and depends_on (ids or labels). */
static bool
resolve_edges(MgGraph *g, const MgRevisionInput *in, MgError *err)
{
	int			i,
				j;

	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];

		rev->down = pool_alloc(g, sizeof(int) * (in[i].ndown + 1));
		for (j = 0; j < in[i].ndown; j++)
		{
			int			p = mg_hash_get(&g->ids, in[i].down_revisions[j]);

			if (p < 0)
				return build_fail(err, "revision \"%s\" referenced as a parent of \"%s\" does not exist",
								  in[i].down_revisions[j], rev->id);
			if (p == i)
				return build_fail(err, "cycle detected in revisions %s%s",
								  rev->id, "");
			if (!ints_contains(rev->down, rev->ndown, p))
				rev->down[rev->ndown++] = p;
		}
		rev->deps = pool_alloc(g, sizeof(int) * (in[i].ndepends + 1));
		for (j = 0; j < in[i].ndepends; j++)
		{
			int			p = lookup_key(g, in[i].depends_on[j]);

			if (p < 0)
				return build_fail(err, "revision \"%s\" referenced as a dependency of \"%s\" does not exist",
								  in[i].depends_on[j], rev->id);
			if (p == i)
				return build_fail(err, "dependency cycle detected in revisions %s%s",
								  rev->id, "");
			if (!ints_contains(rev->deps, rev->ndeps, p))
				rev->deps[rev->ndeps++] = p;
		}
	}
	return true;
}

/* Alembic's add_nextrev: versioned children and all dependents. */
static void
link_children(MgGraph *g)
{
	int		   *nnext = mg_alloc(sizeof(int) * g->n);
	int		   *nall = mg_alloc(sizeof(int) * g->n);
	int			i,
				j;

	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];

		for (j = 0; j < rev->ndown; j++)
		{
			nnext[rev->down[j]]++;
			nall[rev->down[j]]++;
		}
		for (j = 0; j < rev->ndeps; j++)
			if (!ints_contains(rev->down, rev->ndown, rev->deps[j]))
				nall[rev->deps[j]]++;
	}
	for (i = 0; i < g->n; i++)
	{
		g->revs[i].next = pool_alloc(g, sizeof(int) * (nnext[i] + 1));
		g->revs[i].allnext = pool_alloc(g, sizeof(int) * (nall[i] + 1));
	}
	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];

		for (j = 0; j < rev->ndown; j++)
		{
			MgRevision *p = &g->revs[rev->down[j]];

			p->next[p->nnext++] = i;
			p->allnext[p->nallnext++] = i;
		}
		for (j = 0; j < rev->ndeps; j++)
		{
			MgRevision *p = &g->revs[rev->deps[j]];

			if (!ints_contains(rev->down, rev->ndown, rev->deps[j]))
				p->allnext[p->nallnext++] = i;
		}
	}
}

/*
 * Kahn's algorithm from both ends; what neither pass can peel off lies on
 * a cycle or between cycles.  Alembic reports the same kind of set (the
 * revisions not reachable both from the heads and from the bases).
 */
static bool
detect_cycles(MgGraph *g, bool deps, MgError *err)
{
	int		   *indeg = mg_alloc(sizeof(int) * g->n);
	int		   *queue = mg_alloc(sizeof(int) * g->n);
	bool	   *peeled = mg_alloc(sizeof(bool) * g->n);
	MgInts		stuck = {0};
	int			pass,
				i,
				j;

	for (pass = 0; pass < 2; pass++)
	{
		bool		upward = (pass == 0);
		int			head = 0,
					tail = 0;

		for (i = 0; i < g->n; i++)
		{
			const MgRevision *r = &g->revs[i];

			indeg[i] = upward ? (deps ? r->ndown + r->ndeps : r->ndown)
				: (deps ? r->nallnext : r->nnext);
			/* a dependency that is also a parent is one edge */
			if (upward && deps)
				for (j = 0; j < r->ndeps; j++)
					if (ints_contains(r->down, r->ndown, r->deps[j]))
						indeg[i]--;
			if (indeg[i] == 0)
				queue[tail++] = i;
		}
		while (head < tail)
		{
			int			x = queue[head++];
			const MgRevision *r = &g->revs[x];
			const int  *e = upward ? (deps ? r->allnext : r->next) : r->down;
			int			ne = upward ? (deps ? r->nallnext : r->nnext) : r->ndown;

			if (pass == 1)
				peeled[x] = true;
			for (j = 0; j < ne; j++)
			{
				if (upward && deps && g->depth[e[j]] < g->depth[x] + 1)
					g->depth[e[j]] = g->depth[x] + 1;
				if (--indeg[e[j]] == 0)
					queue[tail++] = e[j];
			}
			if (!upward && deps)
			{
				for (j = 0; j < r->ndeps; j++)
				{
					if (ints_contains(r->down, r->ndown, r->deps[j]))
						continue;
					if (--indeg[r->deps[j]] == 0)
						queue[tail++] = r->deps[j];
				}
			}
		}
		if (pass == 0)
		{
			if (tail == g->n)
				return true;
			for (i = 0; i < g->n; i++)
				peeled[i] = (indeg[i] == 0);
		}
	}
	for (i = 0; i < g->n; i++)
		if (!peeled[i])
			mg_ints_push(&stuck, i);
	if (stuck.n == 0)			/* cannot happen; report everything */
		for (i = 0; i < g->n; i++)
			mg_ints_push(&stuck, i);
	return mg_set_error(err, MG_ERR_INVALID_GRAPH, NULL,
						"Remove the revision reference that closes the loop.",
						deps ? "dependency cycle detected in revisions %s"
						: "cycle detected in revisions %s",
						mg_format_ids(g, stuck.v, stuck.n));
}

/*
 * Alembic's _normalize_depends_on: drop each dependency that a versioned
 * ancestor already declares.  The search stops as soon as every
 * dependency is settled, so graphs with few dependencies stay linear.
 */
static void
normalize_depends_on(MgGraph *g, MgMark *m)
{
	int		   *stack = mg_alloc(sizeof(int) * (g->n + 1));
	bool	   *dropped = NULL;
	int			i,
				j,
				k;

	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];
		int			sp = 0;
		int			ndropped = 0;

		rev->normdeps = pool_alloc(g, sizeof(int) * (rev->ndeps + 1));
		if (rev->ndeps == 0)
			continue;
		dropped = pool_alloc(g, sizeof(bool) * rev->ndeps);
		mg_mark_clear(m);
		for (j = 0; j < rev->ndown; j++)
		{
			MG_SET_MARK(m, rev->down[j]);
			stack[sp++] = rev->down[j];
		}
		while (sp > 0 && ndropped < rev->ndeps)
		{
			const MgRevision *a = &g->revs[stack[--sp]];

			for (k = 0; k < a->ndeps; k++)
				for (j = 0; j < rev->ndeps; j++)
					if (!dropped[j] && rev->deps[j] == a->deps[k])
					{
						dropped[j] = true;
						ndropped++;
					}
			for (k = 0; k < a->ndown; k++)
				if (!MG_MARKED(m, a->down[k]))
				{
					MG_SET_MARK(m, a->down[k]);
					stack[sp++] = a->down[k];
				}
		}
		for (j = 0; j < rev->ndeps; j++)
			if (!dropped[j])
				rev->normdeps[rev->nnormdeps++] = rev->deps[j];
	}
	g->nnormdown = mg_alloc(sizeof(int) * g->n);
	g->normdown = mg_alloc(sizeof(int *) * g->n);
	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];
		int		   *nd = pool_alloc(g, sizeof(int) * (rev->ndown + rev->nnormdeps + 1));
		int			n = 0;

		for (j = 0; j < rev->ndown; j++)
			nd[n++] = rev->down[j];
		for (j = 0; j < rev->nnormdeps; j++)
			if (!ints_contains(nd, n, rev->normdeps[j]))
				nd[n++] = rev->normdeps[j];
		g->normdown[i] = nd;
		g->nnormdown[i] = n;
	}
}

static void
compute_flags_and_ends(MgGraph *g)
{
	int			i;

	g->heads = mg_alloc(sizeof(int) * (g->n + 1));
	g->realheads = mg_alloc(sizeof(int) * (g->n + 1));
	g->bases = mg_alloc(sizeof(int) * (g->n + 1));
	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];

		rev->is_head = (rev->nnext == 0);
		rev->is_real_head = (rev->nallnext == 0);
		rev->is_base = (rev->ndown == 0);
		rev->is_branch_point = (rev->nnext > 1);
		rev->is_merge_point = (rev->ndown > 1);
		if (rev->is_head)
			g->heads[g->nheads++] = i;
		if (rev->is_real_head)
			g->realheads[g->nrealheads++] = i;
		if (rev->is_base)
			g->bases[g->nbases++] = i;
	}
}

/*
 * Inheriting branch labels.  Labels are numbered (own labels of revision i
 * from lbase[i]) and each revision's set is kept as the labels in the
 * order they arrived plus an open-addressing hash of them, so that a
 * membership test costs O(1) however often a revision is reached: a hash
 * made afresh for each batch, as before, cost the size of the set per
 * batch and, never freed, made a 1,000-revision chain with a label each
 * take 24 GB (server OOM-killed).
 */
typedef struct LabelSet
{
	int			n;
	int		   *v;				/* label numbers, in order of arrival */
	int			cap;			/* power of two, or 0 */
	int		   *slots;			/* label number + 1; 0 is empty */
} LabelSet;

typedef struct LabelSpread
{
	MgGraph    *g;
	LabelSet   *sets;			/* one per revision */
	int		   *lbase;			/* first own label number of each revision */
	int		   *owner;			/* label number -> declaring revision */
	const char **names;			/* label number -> label */
	int		   *walked_tip;		/* tip each revision's walk started from, or
								 * -1 when it did not walk (or not yet) */
	long		copies;			/* entries in all sets */
	long		work;			/* labels offered to sets, revisions visited */
	MgError    *err;
} LabelSpread;

/* Program limits: beyond them a graph is refused rather than built. */
#define MG_MAX_LABEL_COPIES 2000000L
#define MG_MAX_LABEL_WORK	200000000L

static bool
spread_limit(LabelSpread *ls)
{
	if (ls->copies <= MG_MAX_LABEL_COPIES && ls->work <= MG_MAX_LABEL_WORK)
		return true;
	mg_set_error(ls->err, MG_ERR_LIMIT,
				 mg_psprintf("A revision carries the labels of its whole branch, as in Alembic; "
							 "this graph needs more than %ld label copies or %ld steps to compute them.",
							 MG_MAX_LABEL_COPIES, MG_MAX_LABEL_WORK),
				 "Label the first revision of a branch rather than each of its revisions: "
				 "the label covers the whole branch.",
				 "branch labels spread over too many revisions");
	return false;
}

static bool
label_set_has(const LabelSet *s, int label)
{
	unsigned	i;

	if (s->cap == 0)
	{
		for (i = 0; i < (unsigned) s->n; i++)
			if (s->v[i] == label)
				return true;
		return false;
	}
	i = ((unsigned) label * 2654435761u) & (s->cap - 1);
	while (s->slots[i] != 0)
	{
		if (s->slots[i] == label + 1)
			return true;
		i = (i + 1) & (s->cap - 1);
	}
	return false;
}

static void
label_set_slot(LabelSet *s, int label)
{
	unsigned	i = ((unsigned) label * 2654435761u) & (s->cap - 1);

	while (s->slots[i] != 0)
		i = (i + 1) & (s->cap - 1);
	s->slots[i] = label + 1;
}

/*
 * Adds a label unless present.  Small sets are scanned; from 16 entries a
 * hash at most half full is kept.  Arrays grow by doubling from the pool,
 * so the memory is a small multiple of the set.
 */
static void
label_set_add(LabelSpread *ls, LabelSet *s, int label)
{
	ls->work++;
	if (label_set_has(s, label))
		return;
	if (s->n == 0 || (s->n & (s->n - 1)) == 0)
	{
		int		   *v = pool_alloc(ls->g, sizeof(int) * (s->n * 2 + 1));

		if (s->n > 0)
			memcpy(v, s->v, sizeof(int) * s->n);
		s->v = v;
	}
	s->v[s->n++] = label;
	ls->copies++;
	if (s->n >= 16 && 2 * s->n > s->cap)
	{
		s->cap = s->cap ? s->cap * 2 : 64;
		s->slots = mg_alloc(sizeof(int) * s->cap);
		for (int i = 0; i < s->n; i++)
			label_set_slot(s, s->v[i]);
	}
	else if (s->cap > 0)
		label_set_slot(s, label);
}

static void
label_set_add_all(LabelSpread *ls, LabelSet *s, const int *labels, int n)
{
	MG_CHECK_INTERRUPTS();
	for (int i = 0; i < n; i++)
		label_set_add(ls, s, labels[i]);
}

static LabelSpread *
label_spread_new(MgGraph *g, MgError *err)
{
	LabelSpread *ls = mg_alloc(sizeof(LabelSpread));
	int			nlabels = 0;
	int			i,
				j;

	ls->g = g;
	ls->err = err;
	ls->sets = mg_alloc(sizeof(LabelSet) * (g->n + 1));
	ls->lbase = mg_alloc(sizeof(int) * (g->n + 1));
	ls->walked_tip = mg_alloc(sizeof(int) * (g->n + 1));
	for (i = 0; i < g->n; i++)
	{
		ls->lbase[i] = nlabels;
		ls->walked_tip[i] = -1;
		nlabels += g->revs[i].nlabels;
	}
	ls->owner = mg_alloc(sizeof(int) * (nlabels + 1));
	ls->names = mg_alloc(sizeof(char *) * (nlabels + 1));
	for (i = 0; i < g->n; i++)
		for (j = 0; j < g->revs[i].nlabels; j++)
		{
			ls->owner[ls->lbase[i] + j] = i;
			ls->names[ls->lbase[i] + j] = g->revs[i].labels[j];
		}
	return ls;
}

/*
 * Alembic's _add_branches: a label covers its revision and every
 * versioned descendant, and, walking down from the last descendant
 * visited, every revision until a branch point (counting dependents) or a
 * merge point.  When the descendants fork, that walk stops at the fork,
 * whichever tip Alembic happened to visit last, so only an unforked line
 * of descendants lets the label reach down below its revision.
 *
 * Revisions are taken in registration order and each hands on its set as
 * it stands then.  A label is not handed on again where it is sure to be
 * already: to the descendants of a revision below the label's own (which
 * handed it to all of them), or along a walk from the same tip as the
 * walk of the label's own revision (the very same path).  Both skip only
 * offers that would change nothing, so the sets are what Alembic builds,
 * in the same order, but a chain of n labelled revisions takes O(n^2)
 * steps instead of O(n^3).
 */
static bool
inherit_branch_labels(MgGraph *g, MgMark *m, MgError *err)
{
	LabelSpread *ls = label_spread_new(g, err);
	MgMark	   *anc = mg_mark_new(g);
	MgInts		desc = {0};
	MgInts		anc_list = {0};
	int		   *down_labels = mg_alloc(sizeof(int));
	int		   *walk_labels = mg_alloc(sizeof(int));
	int			cap = 0;
	int			i,
				k;

	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];
		LabelSet   *set = &ls->sets[i];
		int			ndown = 0;
		int			nwalk = 0;
		bool		forked = false;
		int			tip = i;
		int			p;

		for (k = 0; k < rev->nlabels; k++)
			label_set_add(ls, set, ls->lbase[i] + k);
		if (rev->nlabels == 0)
			continue;

		desc.n = 0;
		mg_descendants(g, &i, 1, false, m, &desc);
		for (k = 0; k < desc.n; k++)
		{
			MgRevision *d = &g->revs[desc.v[k]];

			if (d->nnext > 1)
				forked = true;
			if (d->nnext == 0)
				tip = desc.v[k];
		}
		anc_list.n = 0;
		mg_ancestors(g, &i, 1, false, anc, &anc_list);
		ls->work += desc.n + anc_list.n + set->n;
		if (!spread_limit(ls))
			return false;

		/* the snapshot, less what is surely everywhere it would go */
		if (set->n > cap)
		{
			cap = set->n * 2;
			down_labels = mg_alloc(sizeof(int) * cap);
			walk_labels = mg_alloc(sizeof(int) * cap);
		}
		for (k = 0; k < set->n; k++)
		{
			int			label = set->v[k];
			int			o = ls->owner[label];

			if (o == i || o > i || !MG_MARKED(anc, o))
				down_labels[ndown++] = label;
			if (o == i || o > i || ls->walked_tip[o] != tip)
				walk_labels[nwalk++] = label;
		}

		for (k = 0; k < desc.n; k++)
		{
			label_set_add_all(ls, &ls->sets[desc.v[k]], down_labels, ndown);
			if (!spread_limit(ls))
				return false;
		}
		if (forked)
			continue;
		ls->walked_tip[i] = tip;
		p = tip;
		while (p >= 0)
		{
			MgRevision *pr = &g->revs[p];

			if (pr->nallnext > 1 || pr->ndown > 1)
				break;
			label_set_add_all(ls, &ls->sets[p], walk_labels, nwalk);
			if (!spread_limit(ls))
				return false;
			p = pr->ndown == 1 ? pr->down[0] : -1;
		}
	}

	/* the sets as labels */
	for (i = 0; i < g->n; i++)
	{
		MgRevision *rev = &g->revs[i];
		LabelSet   *set = &ls->sets[i];

		rev->nalllabels = set->n;
		rev->alllabels = set->n ? mg_alloc(sizeof(char *) * (set->n + 1)) : NULL;
		for (k = 0; k < set->n; k++)
			rev->alllabels[k] = ls->names[set->v[k]];
	}
	return true;
}

/* Every key of Alembic's _revision_map, in a stable order. */
static void
collect_map_keys(MgGraph *g)
{
	int			total = g->n;
	int			i,
				j;

	for (i = 0; i < g->n; i++)
		total += g->revs[i].nlabels;
	g->keys = mg_alloc(sizeof(char *) * (total + 1));
	g->keyrev = mg_alloc(sizeof(int) * (total + 1));
	for (i = 0; i < g->n; i++)
	{
		g->keys[g->nkeys] = g->revs[i].id;
		g->keyrev[g->nkeys++] = i;
	}
	for (i = 0; i < g->n; i++)
		for (j = 0; j < g->revs[i].nlabels; j++)
		{
			g->keys[g->nkeys] = g->revs[i].labels[j];
			g->keyrev[g->nkeys++] = i;
		}
}

MgGraph *
mg_graph_build(const MgRevisionInput *revs, int nrevs, MgError *err)
{
	MgGraph    *g = mg_alloc(sizeof(MgGraph));
	MgMark	   *m;

	memset(err, 0, sizeof(*err));
	if (nrevs < 0)
		nrevs = 0;
	g->n = nrevs;
	g->revs = mg_alloc(sizeof(MgRevision) * (nrevs + 1));
	g->depth = mg_alloc(sizeof(int) * (nrevs + 1));
	m = mg_mark_new(g);
	if (!register_ids(g, revs, err) ||
		!register_labels(g, revs, err) ||
		!resolve_edges(g, revs, err))
		return NULL;
	link_children(g);
	if (!detect_cycles(g, false, err) || !detect_cycles(g, true, err))
		return NULL;
	normalize_depends_on(g, m);
	compute_flags_and_ends(g);
	if (!inherit_branch_labels(g, m, err))
		return NULL;
	collect_map_keys(g);
	return g;
}

int
mg_graph_count(const MgGraph *g)
{
	return g ? g->n : 0;
}

const MgRevision *
mg_graph_rev(const MgGraph *g, int idx)
{
	if (g == NULL || idx < 0 || idx >= g->n)
		return NULL;
	return &g->revs[idx];
}

int
mg_graph_lookup(const MgGraph *g, const char *id)
{
	if (g == NULL || id == NULL)
		return -1;
	return mg_hash_get(&g->ids, id);
}

int
mg_graph_heads(const MgGraph *g, bool real, int **out)
{
	int			n = real ? g->nrealheads : g->nheads;

	*out = mg_alloc(sizeof(int) * (n + 1));
	memcpy(*out, real ? g->realheads : g->heads, sizeof(int) * n);
	return n;
}

int
mg_graph_bases(const MgGraph *g, int **out)
{
	*out = mg_alloc(sizeof(int) * (g->nbases + 1));
	memcpy(*out, g->bases, sizeof(int) * g->nbases);
	return g->nbases;
}

bool
mg_has_label(const MgGraph *g, int rev, const char *label)
{
	int			i;

	if (rev < 0)
		return false;
	for (i = 0; i < g->revs[rev].nalllabels; i++)
		if (strcmp(g->revs[rev].alllabels[i], label) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------------
 * Resolution
 * ---------------------------------------------------------------------
 */

/* Alembic's _resolve_revision_number: either ids or one literal. */
typedef struct Resolved
{
	MgInts		ids;
	const char *literal;		/* set when not a symbol */
	const char *branch;			/* label before '@', NULL if none */
} Resolved;

static bool get_current_head(const MgGraph *g, const char *branch,
							 MgInts *out, MgError *err);

static bool
multiple_heads_error(const MgGraph *g, const int *heads, int nheads,
					 const char *argument, MgError *err)
{
	return mg_set_error(err, MG_ERR_MULTIPLE_HEADS,
						mg_psprintf("The heads are %s.",
									mg_format_ids(g, heads, nheads)),
						"Use \"heads\" to target all heads, or name one with its id or a branch label.",
						"multiple heads are present for target \"%s\"",
						argument);
}

static bool
resolve_revision_number(const MgGraph *g, const char *id, Resolved *res,
						MgError *err)
{
	char	   *branch = NULL;
	char	   *rest = NULL;

	memset(res, 0, sizeof(*res));
	if (id == NULL)
		return true;
	mg_target_split_first_at(id, &branch, &rest);
	if (branch != NULL && *branch == '\0')
		branch = NULL;			/* Python treats "" as no label */
	res->branch = branch;
	if (strcmp(rest, "heads") == 0)
	{
		if (branch)
			return mg_filter_for_lineage(g, g->heads, g->nheads, branch,
										 false, &res->ids, err);
		res->ids.v = g->realheads;
		res->ids.n = res->ids.cap = g->nrealheads;
		return true;
	}
	if (strcmp(rest, "head") == 0)
		return get_current_head(g, branch, &res->ids, err);
	if (strcmp(rest, "base") == 0)
		return true;
	res->literal = rest;
	return true;
}

static bool
get_current_head(const MgGraph *g, const char *branch, MgInts *out,
				 MgError *err)
{
	MgInts		heads = {0};

	if (branch)
	{
		if (!mg_filter_for_lineage(g, g->heads, g->nheads, branch, false,
								   &heads, err))
			return false;
	}
	else
	{
		heads.v = g->heads;
		heads.n = g->nheads;
	}
	if (heads.n > 1)
		return multiple_heads_error(g, heads.v, heads.n,
									branch ? mg_psprintf("%s@head", branch)
									: "head", err);
	if (heads.n == 1)
		mg_ints_push(out, heads.v[0]);
	return true;
}

static bool
shares_lineage(const MgGraph *g, int target, const int *against,
			   int nagainst, bool deps)
{
	MgMark	   *m = mg_mark_new(g);
	int			i;

	if (nagainst == 0)
		return true;
	mg_ancestors(g, &target, 1, deps, m, NULL);
	for (i = 0; i < nagainst; i++)
		if (MG_MARKED(m, against[i]))
			return true;
	mg_descendants(g, &target, 1, deps, m, NULL);
	for (i = 0; i < nagainst; i++)
		if (MG_MARKED(m, against[i]))
			return true;
	return false;
}

/*
 * How much of a symbol a message echoes: at most 64 bytes (the server's
 * migrate_clip), cut before a UTF-8 continuation byte, with "..." after a
 * cut.  This module does not know the server encoding; UTF-8 and the
 * single-byte encodings are cut on a character boundary.
 */
#define MG_ECHO_LEN 64

static int
clip_len(const char *s, const char **dots)
{
	size_t		n = strlen(s);
	int			cut = MG_ECHO_LEN;

	*dots = "";
	if (n <= MG_ECHO_LEN)
		return (int) n;
	while (cut > 0 && ((unsigned char) s[cut] & 0xC0) == 0x80)
		cut--;
	*dots = "...";
	return cut;
}

static bool
not_found_error(const char *ident, MgError *err)
{
	const char *dots;
	int			len = clip_len(ident, &dots);

	return mg_set_error(err, MG_ERR_UNDEFINED, NULL,
						strlen(ident) < 4 ?
						"Partial revision identifiers need at least four characters." :
						NULL,
						"revision \"%.*s%s\" does not exist", len, ident, dots);
}

static bool revision_for_ident(const MgGraph *g, const char *ident,
							   const char *check_branch, int *out,
							   MgError *err);

/* Alembic's partial-id lookup: any map key longer than three bytes. */
static bool
match_partial(const MgGraph *g, const char *ident, const char *check_branch,
			  int *out, MgError *err)
{
	MgInts		keys = {0};
	MgInts		revs = {0};
	size_t		len = strlen(ident);
	int			i;

	for (i = 0; i < g->nkeys; i++)
	{
		if (strlen(g->keys[i]) > 3 && strncmp(g->keys[i], ident, len) == 0)
		{
			mg_ints_push(&keys, i);
			mg_ints_push(&revs, g->keyrev[i]);
		}
	}
	if (check_branch && keys.n > 0)
	{
		MgInts		kept = {0};
		MgInts		keptkeys = {0};
		MgMark	   *m = mg_mark_new(g);

		if (!mg_filter_for_lineage(g, revs.v, revs.n, check_branch, false,
								   &kept, err))
			return false;
		/* filter_for_lineage keeps order; re-pair keys with survivors */
		mg_mark_clear(m);
		for (i = 0; i < kept.n; i++)
			MG_SET_MARK(m, kept.v[i]);
		for (i = 0; i < keys.n; i++)
			if (MG_MARKED(m, revs.v[i]))
				mg_ints_push(&keptkeys, keys.v[i]);
		keys = keptkeys;
	}
	if (keys.n == 0)
		return not_found_error(ident, err);
	if (keys.n > 1)
	{
		MgBuf		buf = {0};

		mg_buf_append(&buf, "It matches ");
		for (i = 0; i < keys.n && i < 10; i++)
		{
			if (i > 0)
				mg_buf_append(&buf, ", ");
			mg_buf_append(&buf, g->keys[keys.v[i]]);
		}
		mg_buf_append(&buf, keys.n > 10 ? ", ..." : ".");
		return mg_set_error(err, MG_ERR_AMBIGUOUS, buf.data,
							"Give more characters of the revision identifier.",
							"revision identifier \"%s\" is ambiguous", ident);
	}
	*out = g->keyrev[keys.v[0]];
	return true;
}

bool
mg_resolve_branch(const MgGraph *g, const char *label, int *out,
				  MgError *err)
{
	int			r = lookup_key(g, label);
	MgError		sub = {0};

	if (r >= 0)
	{
		*out = r;
		return true;
	}
	if (match_partial(g, label, NULL, out, &sub))
		return true;
	if (sub.code == MG_ERR_AMBIGUOUS)
	{
		*err = sub;
		return false;
	}
	{
		const char *dots;
		int			len = clip_len(label, &dots);

		return mg_set_error(err, MG_ERR_UNDEFINED, NULL, NULL,
							"branch \"%.*s%s\" does not exist", len, label,
							dots);
	}
}

/*
 * Alembic's _revision_for_ident.  ident NULL is Alembic's () (base) and
 * yields MG_REV_NONE.
 */
static bool
revision_for_ident(const MgGraph *g, const char *ident,
				   const char *check_branch, int *out, MgError *err)
{
	int			branch_rev = -1;
	int			r;

	if (check_branch && !mg_resolve_branch(g, check_branch, &branch_rev, err))
		return false;
	if (ident == NULL)
	{
		*out = MG_REV_NONE;
		return true;
	}
	if (*ident == '\0')
		return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
							"revision identifier must not be empty");
	r = lookup_key(g, ident);
	if (r < 0 && !match_partial(g, ident, check_branch, &r, err))
		return false;
	if (check_branch && !shares_lineage(g, r, &branch_rev, 1, false))
		return mg_set_error(err, MG_ERR_UNDEFINED, NULL, NULL,
							"revision \"%s\" is not a member of branch \"%s\"",
							g->revs[r].id, check_branch);
	*out = r;
	return true;
}

bool
mg_filter_for_lineage(const MgGraph *g, const int *targets, int ntargets,
					  const char *check_against, bool deps, MgInts *out,
					  MgError *err)
{
	Resolved	res;
	MgInts		shares = {0};
	MgMark	   *m;
	int			i;

	if (!resolve_revision_number(g, check_against, &res, err))
		return false;
	if (res.branch == NULL && res.literal == NULL && res.ids.n == 0)
	{
		for (i = 0; i < ntargets; i++)
			mg_ints_push(out, targets[i]);
		return true;
	}
	if (ntargets == 0)
		return true;			/* Alembic resolves lazily, per target */
	if (res.branch)
	{
		int			r;

		if (!revision_for_ident(g, res.branch, NULL, &r, err))
			return false;
		mg_ints_push(&shares, r);
	}
	if (res.literal)
	{
		int			r;

		if (!revision_for_ident(g, res.literal, NULL, &r, err))
			return false;
		mg_ints_push(&shares, r);
	}
	for (i = 0; i < res.ids.n; i++)
		mg_ints_push(&shares, res.ids.v[i]);

	/* t shares lineage with s iff t is an ancestor or descendant of s */
	{
		MgMark	   *up = mg_mark_new(g);

		m = mg_mark_new(g);
		mg_ancestors(g, shares.v, shares.n, deps, m, NULL);
		mg_descendants(g, shares.v, shares.n, deps, up, NULL);
		for (i = 0; i < ntargets; i++)
			if (targets[i] >= 0 &&
				(MG_MARKED(m, targets[i]) || MG_MARKED(up, targets[i])))
				mg_ints_push(out, targets[i]);
	}
	return true;
}

bool
mg_get_revisions(const MgGraph *g, const char *id, MgInts *out, MgError *err)
{
	Resolved	res;
	long		steps;
	int			i;

	if (!resolve_revision_number(g, id, &res, err))
		return false;
	if (res.literal && mg_target_parse_int(res.literal, &steps) && steps < 0)
	{
		/* "-N" and "label@-N": walk down from each real head */
		for (i = 0; i < g->nrealheads; i++)
		{
			int			h = g->realheads[i];
			int			r;

			if (res.branch && !mg_has_label(g, h, res.branch))
				continue;
			if (!mg_walk(g, h, steps, NULL, true, &r, err))
				return false;
			mg_ints_push(out, r);
		}
		return true;
	}
	if (res.literal)
	{
		int			r;

		if (!revision_for_ident(g, res.literal, res.branch, &r, err))
			return false;
		mg_ints_push(out, r);
		return true;
	}
	if (res.branch && res.ids.n > 0)
	{
		int			r;

		/* only checks membership; the ids are already full ids */
		if (!mg_resolve_branch(g, res.branch, &r, err))
			return false;
	}
	for (i = 0; i < res.ids.n; i++)
		mg_ints_push(out, res.ids.v[i]);
	return true;
}

bool
mg_get_revision(const MgGraph *g, const char *id, int *out, MgError *err)
{
	Resolved	res;

	if (!resolve_revision_number(g, id, &res, err))
		return false;
	if (res.ids.n > 1)
		return multiple_heads_error(g, res.ids.v, res.ids.n, id, err);
	if (res.ids.n == 1)
	{
		if (res.branch && !mg_resolve_branch(g, res.branch, out, err))
			return false;
		*out = res.ids.v[0];
		return true;
	}
	return revision_for_ident(g, res.literal, res.branch, out, err);
}

/*
 * Alembic's _walk.  start is a revision, MG_REV_NONE (below the bases) or
 * MG_REV_BASE; the result likewise.
 */
bool
mg_walk(const MgGraph *g, int start, long steps, const char *branch_label,
		bool no_overwalk, int *out, MgError *err)
{
	int			initial = start;
	long		count = steps < 0 ? -steps : steps;
	long		s;

	for (s = 0; s < count; s++)
	{
		MgInts		children = {0};

		if (steps > 0)
		{
			const int  *up;
			int			nup;

			if (initial < 0)
			{
				up = g->bases;
				nup = g->nbases;
			}
			else
			{
				up = g->revs[initial].next;
				nup = g->revs[initial].nnext;
			}
			if (branch_label)
			{
				if (!mg_filter_for_lineage(g, up, nup, branch_label, false,
										   &children, err))
					return false;
			}
			else
			{
				children.v = (int *) up;
				children.n = nup;
			}
		}
		else if (initial == MG_REV_BASE)
			children.n = 0;
		else
		{
			if (initial == MG_REV_NONE)
			{
				children.v = g->heads;
				children.n = g->nheads;
			}
			else
			{
				children.v = g->revs[initial].down;
				children.n = g->revs[initial].ndown;
			}
			if (children.n == 0)
			{
				static int	base_only = MG_REV_BASE;

				children.v = &base_only;
				children.n = 1;
			}
		}
		if (children.n == 0)
		{
			*out = no_overwalk ? MG_REV_NONE : initial;
			return true;
		}
		if (children.n > 1)
			return mg_set_error(err, MG_ERR_AMBIGUOUS,
								mg_psprintf("The step from %s can go to %s.",
											initial >= 0 ? g->revs[initial].id : "base",
											mg_format_ids(g, children.v, children.n)),
								"Name the branch with a branch label, as in \"label@+1\", or give a revision.",
								"relative revision step is ambiguous");
		initial = children.v[0];
	}
	*out = initial;
	return true;
}

/* Version table rows are exact ids; anything else is an error. */
bool
mg_lookup_rows(const MgGraph *g, const char *const *current, int ncurrent,
			   MgInts *out, MgError *err)
{
	MgMark	   *m = mg_mark_new(g);
	int			i;

	mg_mark_clear(m);
	for (i = 0; i < ncurrent; i++)
	{
		int			r = current[i] ? mg_hash_get(&g->ids, current[i]) : -1;

		if (r < 0)
			return mg_set_error(err, MG_ERR_UNDEFINED,
								"The version table names a revision the graph does not have.",
								NULL, "revision \"%s\" does not exist",
								current[i] ? current[i] : "");
		if (MG_MARKED(m, r))
			continue;
		MG_SET_MARK(m, r);
		mg_ints_push(out, r);
	}
	return true;
}

bool
mg_applied_set(const MgGraph *g, const char *const *current, int ncurrent,
			   bool *applied, MgError *err)
{
	MgInts		rows = {0};
	MgMark	   *m = mg_mark_new(g);
	int			i;

	memset(err, 0, sizeof(*err));
	if (!mg_lookup_rows(g, current, ncurrent, &rows, err))
		return false;
	mg_ancestors(g, rows.v, rows.n, true, m, NULL);
	for (i = 0; i < g->n; i++)
		applied[i] = MG_MARKED(m, i);
	return true;
}
