/*-------------------------------------------------------------------------
 *
 * plan.c
 *	  Planning upgrades, downgrades and stamps, and listing history, with
 *	  Alembic's semantics.
 *
 * Alembic decides what to run in RevisionMap._collect_upgrade_revisions,
 * _collect_downgrade_revisions and _topological_sort (revision.py), and
 * what each step does to the version table in HeadMaintainer.update_to_step
 * with the RevisionStep/StampStep predicates (runtime/migration.py).  Both
 * halves are reproduced here: the first gives the steps and their order,
 * the second the rows each step deletes and inserts (an UPDATE from x to y
 * is reported as remove x, add y).
 *
 * Alembic's topological sort recomputes ancestor sets as it goes and is
 * quadratic; the version here reaches the same order in linear time by
 * keeping, for each pending revision, the number of pending revisions
 * directly above it: a candidate may be emitted exactly when none remain,
 * because every pending revision hangs below one of the current heads.
 * Likewise the head maintainer keeps per-revision counts of the version
 * rows that cover it instead of recomputing ancestors at every step.
 *
 * Layer: core (src/core/), pure, the top of the core: it calls graph.c and
 * target.c.
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
 * Topological sort (Alembic's _topological_sort)
 * ---------------------------------------------------------------------
 */

typedef struct TopoState
{
	const MgGraph *g;
	bool	   *pending;		/* in todo and not yet emitted */
	int		   *pchildren;		/* pending revisions directly above */
	bool	   *inheads;
	MgInts		heads;
	MgMark	   *mark;
	int		   *stack;
} TopoState;

/* distinct parents over versioned and dependency edges */
static int
all_down(const MgGraph *g, int r, int k)
{
	const MgRevision *rev = &g->revs[r];

	return k < rev->ndown ? rev->down[k] : rev->deps[k - rev->ndown];
}

static bool
all_down_is_duplicate(const MgGraph *g, int r, int k)
{
	const MgRevision *rev = &g->revs[r];
	int			i;

	if (k < rev->ndown)
		return false;
	for (i = 0; i < rev->ndown; i++)
		if (rev->down[i] == rev->deps[k - rev->ndown])
			return true;
	return false;
}

/*
 * The first head (in list order, other than idx) that has c among its
 * ancestors.  Each head is searched downwards through pending revisions
 * only, and never below c's depth: a path between two pending revisions
 * runs through pending revisions, and depth grows along every path.
 */
static bool
head_covers(TopoState *t, int head, int c)
{
	const MgGraph *g = t->g;
	int			floor = g->depth[c];
	int			sp = 0;
	int			j;

	mg_mark_clear(t->mark);
	MG_SET_MARK(t->mark, head);
	t->stack[sp++] = head;
	while (sp > 0)
	{
		int			r = t->stack[--sp];

		MG_CHECK_INTERRUPTS();

		if (r == c)
			return true;
		for (j = 0; j < g->nnormdown[r]; j++)
		{
			int			d = g->normdown[r][j];

			if (t->pending[d] && !MG_MARKED(t->mark, d) &&
				(g->depth[d] > floor || d == c))
			{
				MG_SET_MARK(t->mark, d);
				t->stack[sp++] = d;
			}
		}
	}
	return false;
}

static int
first_head_above(TopoState *t, int c, int idx)
{
	int			j;

	for (j = 0; j < t->heads.n; j++)
		if (j != idx && head_covers(t, t->heads.v[j], c))
			return j;
	return -1;
}

static void
emit(TopoState *t, int c, MgInts *out)
{
	int			k;

	mg_ints_push(out, c);
	t->pending[c] = false;
	for (k = 0; k < t->g->revs[c].ndown + t->g->revs[c].ndeps; k++)
	{
		if (all_down_is_duplicate(t->g, c, k))
			continue;
		if (t->pending[all_down(t->g, c, k)])
			t->pchildren[all_down(t->g, c, k)]--;
	}
}

static bool
topological_sort(const MgGraph *g, const bool *todo, const int *heads,
				 int nheads, MgInts *out, MgError *err)
{
	TopoState	t;
	int			ntodo = 0;
	int			idx = 0;
	int			i,
				k;

	memset(&t, 0, sizeof(t));
	t.g = g;
	t.pending = mg_alloc(sizeof(bool) * (g->n + 1));
	t.pchildren = mg_alloc(sizeof(int) * (g->n + 1));
	t.inheads = mg_alloc(sizeof(bool) * (g->n + 1));
	t.mark = mg_mark_new(g);
	t.stack = mg_alloc(sizeof(int) * (g->n + 1));
	for (i = 0; i < g->n; i++)
	{
		t.pending[i] = todo[i];
		ntodo += todo[i];
	}
	for (i = 0; i < g->n; i++)
	{
		if (!todo[i])
			continue;
		for (k = 0; k < g->revs[i].ndown + g->revs[i].ndeps; k++)
			if (!all_down_is_duplicate(g, i, k) && todo[all_down(g, i, k)])
				t.pchildren[all_down(g, i, k)]++;
	}
	/* the heads that are in todo, in registration order */
	for (i = 0; i < nheads; i++)
		if (heads[i] >= 0 && todo[heads[i]])
			t.inheads[heads[i]] = true;
	for (i = 0; i < g->n; i++)
		if (t.inheads[i])
			mg_ints_push(&t.heads, i);

	while (t.heads.n > 0)
	{
		int			c = t.heads.v[idx];
		MgInts		add = {0};

		MG_CHECK_INTERRUPTS();

		if (t.heads.n > 1 && t.pchildren[c] > 0)
		{
			int			j = first_head_above(&t, c, idx);

			if (j >= 0)
			{
				idx = j;
				continue;
			}
		}
		if (t.pending[c])
			emit(&t, c, out);
		for (k = 0; k < g->nnormdown[c]; k++)
		{
			int			d = g->normdown[c][k];

			if (t.pending[d] && !t.inheads[d])
				mg_ints_push(&add, d);
		}
		t.inheads[c] = false;
		if (add.n == 0)
		{
			memmove(&t.heads.v[idx], &t.heads.v[idx + 1],
					sizeof(int) * (t.heads.n - idx - 1));
			t.heads.n--;
			idx = idx > 0 ? idx - 1 : 0;
			continue;
		}
		t.heads.v[idx] = add.v[0];
		t.inheads[add.v[0]] = true;
		for (k = 1; k < add.n; k++)
		{
			mg_ints_push(&t.heads, add.v[k]);
			t.inheads[add.v[k]] = true;
		}
	}
	if (out->n != ntodo)
		return mg_set_error(err, MG_ERR_STATE,
							"Some revisions in the range are reachable only through revisions outside it.",
							NULL, "cannot order the revisions of this range");
	return true;
}

/* ---------------------------------------------------------------------
 * Version rows (Alembic's HeadMaintainer)
 * ---------------------------------------------------------------------
 */

typedef struct Rows
{
	const MgGraph *g;
	MgInts		list;			/* rows in a stable order */
	bool	   *in;
	/* cover[v]: rows having v as an ancestor; valid once counted */
	int		   *cover;
	bool		counted;
	int			mindepth;		/* cover is only kept at or above this */
	MgMark	   *mark;
	MgInts		scratch;
	/* the step being recorded */
	MgInts		removed;
	MgInts		added;
} Rows;

static void
rows_init(Rows *rows, const MgGraph *g, const int *current, int ncurrent)
{
	int			i;

	memset(rows, 0, sizeof(*rows));
	rows->g = g;
	rows->in = mg_alloc(sizeof(bool) * (g->n + 1));
	rows->cover = mg_alloc(sizeof(int) * (g->n + 1));
	rows->mark = mg_mark_new(g);
	for (i = 0; i < ncurrent; i++)
		if (!rows->in[current[i]])
		{
			rows->in[current[i]] = true;
			mg_ints_push(&rows->list, current[i]);
		}
}

/* ancestors of start (deps included) not below mindepth */
static void
ancestors_above(const MgGraph *g, const int *starts, int nstarts,
				int mindepth, MgMark *m, MgInts *out)
{
	MgInts		stack = {0};
	int			i,
				j;

	mg_mark_clear(m);
	out->n = 0;
	for (i = 0; i < nstarts; i++)
		if (!MG_MARKED(m, starts[i]) && g->depth[starts[i]] >= mindepth)
		{
			MG_SET_MARK(m, starts[i]);
			mg_ints_push(&stack, starts[i]);
		}
	while (stack.n > 0)
	{
		int			r = stack.v[--stack.n];

		MG_CHECK_INTERRUPTS();
		mg_ints_push(out, r);
		for (j = 0; j < g->nnormdown[r]; j++)
		{
			int			d = g->normdown[r][j];

			if (!MG_MARKED(m, d) && g->depth[d] >= mindepth)
			{
				MG_SET_MARK(m, d);
				mg_ints_push(&stack, d);
			}
		}
	}
}

static void
cover_add(Rows *rows, int r, int delta)
{
	int			i;

	if (!rows->counted)
		return;
	ancestors_above(rows->g, &r, 1, rows->mindepth, rows->mark,
					&rows->scratch);
	for (i = 0; i < rows->scratch.n; i++)
		rows->cover[rows->scratch.v[i]] += delta;
}

static void
rows_count(Rows *rows)
{
	int			i;

	if (rows->counted)
		return;
	rows->counted = true;
	for (i = 0; i < rows->list.n; i++)
		cover_add(rows, rows->list.v[i], 1);
}

static void
rows_insert(Rows *rows, int r)
{
	if (rows->in[r])
		return;
	rows->in[r] = true;
	mg_ints_push(&rows->list, r);
	mg_ints_push(&rows->added, r);
	cover_add(rows, r, 1);
}

static void
rows_delete(Rows *rows, int r)
{
	int			i;

	if (!rows->in[r])
		return;
	rows->in[r] = false;
	for (i = 0; i < rows->list.n; i++)
		if (rows->list.v[i] == r)
		{
			memmove(&rows->list.v[i], &rows->list.v[i + 1],
					sizeof(int) * (rows->list.n - i - 1));
			rows->list.n--;
			break;
		}
	mg_ints_push(&rows->removed, r);
	cover_add(rows, r, -1);
}

/*
 * An UPDATE from one row to another.  When "to" is from's only normalized
 * parent (or the other way round) the covered sets differ by one
 * revision, so the counts move in O(1).
 */
static void
rows_update(Rows *rows, int from, int to)
{
	const MgGraph *g = rows->g;
	bool		counted = rows->counted;

	if (counted && g->nnormdown[from] == 1 && g->normdown[from][0] == to &&
		!rows->in[to])
	{
		rows->counted = false;
		rows_delete(rows, from);
		rows_insert(rows, to);
		rows->counted = true;
		rows->cover[from]--;
		return;
	}
	if (counted && g->nnormdown[to] == 1 && g->normdown[to][0] == from &&
		rows->in[from] && !rows->in[to])
	{
		rows->counted = false;
		rows_delete(rows, from);
		rows_insert(rows, to);
		rows->counted = true;
		rows->cover[to]++;
		return;
	}
	rows_delete(rows, from);
	rows_insert(rows, to);
}

static int
int_cmp(const void *a, const void *b)
{
	int			x = *(const int *) a;
	int			y = *(const int *) b;

	return x < y ? -1 : x > y;
}

/*
 * The parents of a merge that no other row implies: those that are not an
 * ancestor of a row outside the parents.  The other rows are the same for
 * every parent, so their ancestors are marked once, down to the lowest
 * parent's depth (a path from a row down to a parent never goes below the
 * parent's depth).  Asked per parent, with the rows compared against every
 * parent, a merge of 3,000 branches took 7 s of planning deaf to cancel.
 */
static void
uncovered_parents(Rows *rows, const int *parents, int nparents, MgInts *out)
{
	const MgGraph *g = rows->g;
	int		   *sorted = mg_alloc(sizeof(int) * (nparents + 1));
	MgInts		others = {0};
	int			mindepth = 0;
	int			i;

	memcpy(sorted, parents, sizeof(int) * nparents);
	qsort(sorted, nparents, sizeof(int), int_cmp);
	for (i = 0; i < rows->list.n; i++)
		if (bsearch(&rows->list.v[i], sorted, nparents, sizeof(int), int_cmp) == NULL)
			mg_ints_push(&others, rows->list.v[i]);
	for (i = 0; i < nparents; i++)
		if (i == 0 || g->depth[parents[i]] < mindepth)
			mindepth = g->depth[parents[i]];
	ancestors_above(g, others.v, others.n, mindepth, rows->mark,
					&rows->scratch);
	for (i = 0; i < nparents; i++)
		if (!MG_MARKED(rows->mark, parents[i]))
			mg_ints_push(out, parents[i]);
}

/*
 * RevisionStep._unmerge_to_revisions for a downgrade of r, which is a
 * row: its normalized parents minus those that other rows already imply
 * or, when r is the only row, minus those implied by the others.
 */
static void
unmerge_to_revisions(Rows *rows, int r, MgInts *out)
{
	const MgGraph *g = rows->g;
	const int  *nd = g->normdown[r];
	int			nnd = g->nnormdown[r];
	int			i;

	out->n = 0;
	if (rows->list.n > 1)
	{
		rows_count(rows);
		for (i = 0; i < nnd; i++)
			if (rows->cover[nd[i]] <= 1)
				mg_ints_push(out, nd[i]);
		return;
	}
	if (nnd == 1)
	{
		mg_ints_push(out, nd[0]);
		return;
	}
	{
		MgInts		strict = {0};
		int			mindepth = g->depth[nd[0]];

		for (i = 0; i < nnd; i++)
		{
			int			k;

			if (g->depth[nd[i]] < mindepth)
				mindepth = g->depth[nd[i]];
			for (k = 0; k < g->nnormdown[nd[i]]; k++)
				mg_ints_push(&strict, g->normdown[nd[i]][k]);
		}
		ancestors_above(g, strict.v, strict.n, mindepth, rows->mark,
						&rows->scratch);
		for (i = 0; i < nnd; i++)
			if (!MG_MARKED(rows->mark, nd[i]))
				mg_ints_push(out, nd[i]);
	}
}

static bool
ambiguous_update_error(const MgGraph *g, int r, MgError *err)
{
	return mg_set_error(err, MG_ERR_STATE,
						"Alembic cannot tell which version row this step replaces.",
						"Check the version table for rows that imply one another.",
						"cannot determine the version row to update for revision \"%s\"",
						g->revs[r].id);
}

/* RevisionStep.update_version_num's choice of the parent row */
static bool
single_parent_row(Rows *rows, int r, int *out, MgError *err)
{
	const MgGraph *g = rows->g;
	int			found = -1;
	int			i;

	if (g->nnormdown[r] == 1)
	{
		*out = g->normdown[r][0];
		return true;
	}
	for (i = 0; i < g->nnormdown[r]; i++)
	{
		if (rows->in[g->normdown[r][i]])
		{
			if (found >= 0)
				return ambiguous_update_error(g, r, err);
			found = g->normdown[r][i];
		}
	}
	if (found < 0)
		return ambiguous_update_error(g, r, err);
	*out = found;
	return true;
}

static bool
apply_upgrade_step(Rows *rows, int r, MgError *err)
{
	const MgGraph *g = rows->g;
	const int  *nd = g->normdown[r];
	int			nnd = g->nnormdown[r];
	int			present = 0;
	int			down;
	int			i;

	for (i = 0; i < nnd; i++)
		present += rows->in[nd[i]];
	if (nnd == 0 || present == 0)
	{
		/* should_create_branch */
		rows_insert(rows, r);
		return true;
	}
	if (nnd > 1 && present > 1)
	{
		/* should_merge_branches: parents other rows imply stay */
		MgInts		from = {0};

		uncovered_parents(rows, nd, nnd, &from);
		for (i = 0; i < from.n; i++)
			rows_delete(rows, from.v[i]);
		rows_insert(rows, r);
		return true;
	}
	if (!single_parent_row(rows, r, &down, err))
		return false;
	rows_update(rows, down, r);
	return true;
}

static bool
apply_downgrade_step(Rows *rows, int r, MgError *err)
{
	const MgGraph *g = rows->g;
	MgInts		to = {0};
	int			down;
	int			i;

	if (!rows->in[r])
		return mg_set_error(err, MG_ERR_STATE,
							"Alembic would fail to update the version table at this step.",
							"Check the version table for rows that imply one another.",
							"revision \"%s\" is not a row of the version table when its downgrade runs",
							g->revs[r].id);
	if (g->nnormdown[r] == 0)
	{
		rows_delete(rows, r);	/* should_delete_branch: a base */
		return true;
	}
	unmerge_to_revisions(rows, r, &to);
	if (to.n == 0)
	{
		rows_delete(rows, r);	/* other rows imply every parent */
		return true;
	}
	if (g->nnormdown[r] > 1)
	{
		/* should_unmerge_branches */
		rows_delete(rows, r);
		for (i = 0; i < to.n; i++)
			rows_insert(rows, to.v[i]);
		return true;
	}
	if (!single_parent_row(rows, r, &down, err))
		return false;
	rows_update(rows, r, down);
	return true;
}

/* ---------------------------------------------------------------------
 * Plans
 * ---------------------------------------------------------------------
 */

static const char **
ids_of(const MgGraph *g, const int *revs, int n)
{
	const char **v = mg_alloc(sizeof(char *) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
		v[i] = g->revs[revs[i]].id;
	return v;
}

static void
finish_step(Rows *rows, MgStep *step)
{
	step->nremove = rows->removed.n;
	step->remove = ids_of(rows->g, rows->removed.v, rows->removed.n);
	step->nadd = rows->added.n;
	step->add = ids_of(rows->g, rows->added.v, rows->added.n);
	rows->removed.n = 0;
	rows->added.n = 0;
}

static void
finish_plan(Rows *rows, MgPlan *plan)
{
	plan->nheads = rows->list.n;
	plan->heads = ids_of(rows->g, rows->list.v, rows->list.n);
}

/* Runs RevisionSteps over the rows; "from -> to" as Alembic logs them. */
static bool
plan_revision_steps(const MgGraph *g, const int *current, int ncurrent,
					const int *order, int norder, bool upgrade,
					int mindepth, MgPlan *plan, MgError *err)
{
	Rows		rows;
	int			i;

	rows_init(&rows, g, current, ncurrent);
	rows.mindepth = mindepth;
	plan->nsteps = norder;
	plan->steps = mg_alloc(sizeof(MgStep) * (norder + 1));
	for (i = 0; i < norder; i++)
	{
		MgStep	   *step = &plan->steps[i];
		int			r = order[i];
		const MgRevision *rev = &g->revs[r];

		step->rev = r;
		step->upgrade = upgrade;
		if (upgrade ? !apply_upgrade_step(&rows, r, err)
			: !apply_downgrade_step(&rows, r, err))
			return false;
		finish_step(&rows, step);
		if (upgrade)
		{
			step->nfrom = rev->ndown;
			step->from = ids_of(g, rev->down, rev->ndown);
			step->nto = 1;
			step->to = ids_of(g, &r, 1);
		}
		else
		{
			step->nfrom = 1;
			step->from = ids_of(g, &r, 1);
			step->nto = rev->ndown;
			step->to = ids_of(g, rev->down, rev->ndown);
		}
	}
	finish_plan(&rows, plan);
	return true;
}

static bool
relative_error(const char *relstr, long rel, MgError *err)
{
	return mg_set_error(err, MG_ERR_STATE,
						"The graph does not have that many revisions in that direction.",
						NULL,
						"relative revision %s didn't produce %ld migrations",
						relstr, rel < 0 ? -rel : rel);
}

/* the tips of a set: members no other member has as normalized parent */
static void
tips_of(const MgGraph *g, const MgInts *set, MgMark *m, MgInts *out)
{
	MgMark	   *below = mg_mark_new(g);
	int			i,
				k;

	mg_mark_clear(m);
	mg_mark_clear(below);
	for (i = 0; i < set->n; i++)
		MG_SET_MARK(m, set->v[i]);
	for (i = 0; i < set->n; i++)
		for (k = 0; k < g->nnormdown[set->v[i]]; k++)
			MG_SET_MARK(below, g->normdown[set->v[i]][k]);
	for (i = 0; i < set->n; i++)
		if (!MG_MARKED(below, set->v[i]))
			mg_ints_push(out, set->v[i]);
}

/* resolves a list of version-row-like strings the way get_revisions does */
static bool
get_revisions_list(const MgGraph *g, const char *const *ids, int nids,
				   MgInts *out, MgError *err)
{
	int			i;

	for (i = 0; i < nids; i++)
		if (ids[i] != NULL && !mg_get_revisions(g, ids[i], out, err))
			return false;
	return true;
}

/* "+N" or "label@+N" relative to the current rows */
static bool
upgrade_start_from_current(const MgGraph *g, const char *const *current,
						   int ncurrent, const char *branch, int *start,
						   MgError *err)
{
	MgInts		revs = {0};
	MgInts		starts = {0};

	if (branch == NULL)
	{
		if (ncurrent > 1)
			return mg_set_error(err, MG_ERR_AMBIGUOUS, NULL,
								"Name the branch, as in \"label@+1\", or give a revision.",
								"ambiguous upgrade from multiple current revisions");
		if (ncurrent == 0 || current[0] == NULL)
		{
			*start = MG_REV_NONE;
			return true;
		}
		return mg_get_revision(g, current[0], start, err);
	}
	if (!get_revisions_list(g, current, ncurrent, &revs, err) ||
		!mg_filter_for_lineage(g, revs.v, revs.n, branch, false, &starts,
							   err))
		return false;
	if (starts.n == 0)
	{
		/* the branch has no row: start from its tip among applied ones */
		MgInts		active = {0};
		MgInts		onbranch = {0};
		MgMark	   *m = mg_mark_new(g);

		mg_ancestors(g, revs.v, revs.n, true, m, &active);
		if (!mg_filter_for_lineage(g, active.v, active.n, branch, false,
								   &onbranch, err))
			return false;
		tips_of(g, &onbranch, m, &starts);
		if (starts.n == 0)
			mg_ints_push(&starts, MG_REV_NONE);
	}
	if (starts.n > 1)
		return mg_set_error(err, MG_ERR_AMBIGUOUS, NULL,
							"Name the branch, as in \"label@+1\", or give a revision.",
							"ambiguous upgrade from multiple current revisions");
	*start = starts.v[0];
	return true;
}

/* Alembic's _parse_upgrade_target */
bool
mg_parse_upgrade_target(const MgGraph *g, const char *const *current,
						int ncurrent, const char *target, bool assert_length,
						MgInts *out, MgError *err)
{
	MgRelative rel;
	int			start;
	int			r;

	if (!mg_target_match_relative(target, &rel))
		return mg_get_revisions(g, target, out, err);
	if (rel.rel > 0)
	{
		if (rel.symbol == NULL)
		{
			if (!upgrade_start_from_current(g, current, ncurrent, rel.branch,
											&start, err) ||
				!mg_walk(g, start, rel.rel, rel.branch, assert_length, &r,
						 err))
				return false;
			if (r == MG_REV_NONE)
				return relative_error(rel.relstr, rel.rel, err);
		}
		else if (!mg_get_revision(g, rel.symbol, &start, err) ||
				 !mg_walk(g, start, rel.rel, rel.branch, assert_length, &r,
						  err))
			return false;
		mg_ints_push(out, r);
		return true;
	}
	if (rel.symbol == NULL)
		return relative_error(mg_psprintf("%ld", rel.rel), rel.rel, err);
	if (!mg_get_revision(g, rel.branch ?
						 mg_psprintf("%s@%s", rel.branch, rel.symbol) :
						 rel.symbol, &start, err) ||
		!mg_walk(g, start, rel.rel, NULL, assert_length, &r, err))
		return false;
	mg_ints_push(out, r);
	return true;
}

/*
 * Alembic's _get_all_current followed by _filter_into_branch_heads: the
 * applied revisions without an applied versioned child.
 */
static void
all_current_branch_heads(const MgGraph *g, const MgInts *rows, MgInts *out)
{
	MgMark	   *m = mg_mark_new(g);
	MgInts		applied = {0};
	int			i,
				k;

	mg_ancestors(g, rows->v, rows->n, true, m, &applied);
	for (i = 0; i < applied.n; i++)
	{
		const MgRevision *rev = &g->revs[applied.v[i]];
		bool		has_child = false;

		for (k = 0; k < rev->nnext; k++)
			if (MG_MARKED(m, rev->next[k]))
				has_child = true;
		if (!has_child)
			mg_ints_push(out, applied.v[i]);
	}
}

/* Alembic's _parse_downgrade_target; *branch is NULL when none */
static bool
parse_downgrade_target(const MgGraph *g, const char *const *current,
					   int ncurrent, const char *target, bool assert_length,
					   const char **branch, int *out, MgError *err)
{
	MgRelative rel;
	const char *symbol;
	char	   *b;
	char	   *s;
	int			start;

	*branch = NULL;
	if (target == NULL)
	{
		*out = MG_REV_NONE;
		return true;
	}
	if (!mg_target_match_relative(target, &rel))
	{
		mg_target_split_last_at(target, &b, &s);
		*branch = b;
		return mg_get_revision(g, s, out, err);
	}
	*branch = rel.branch;
	if (rel.rel >= 0)
	{
		if (rel.symbol == NULL)
			return relative_error(rel.relstr, rel.rel, err);
		if (!mg_get_revision(g, rel.symbol, &start, err) ||
			!mg_walk(g, start, rel.rel, rel.branch, assert_length, out, err))
			return false;
		if (*out == MG_REV_NONE)
			return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
								"relative revision \"%s\" walks beyond the graph",
								target);
		return true;
	}
	symbol = rel.symbol;
	if (symbol == NULL)
	{
		if (rel.branch)
		{
			MgInts		rows = {0};
			MgInts		list = {0};

			if (!get_revisions_list(g, current, ncurrent, &rows, err) ||
				!mg_filter_for_lineage(g, rows.v, rows.n, rel.branch, false,
									   &list, err))
				return false;
			if (list.n == 0)
			{
				MgInts		heads = {0};

				all_current_branch_heads(g, &rows, &heads);
				if (!mg_filter_for_lineage(g, heads.v, heads.n, rel.branch,
										   false, &list, err))
					return false;
			}
			if (list.n != 1)
				return mg_set_error(err, MG_ERR_STATE,
									list.n == 0 ? "No current revision is on that branch." :
									"Several current revisions are on that branch.",
									NULL,
									"cannot apply relative revision \"%s\" to the current revisions",
									target);
			symbol = g->revs[list.v[0]].id;
		}
		else
		{
			if (ncurrent == 0)
				return relative_error(rel.relstr, rel.rel, err);
			symbol = current[0];
			*branch = symbol;
		}
	}
	if (!mg_get_revision(g, *branch ? mg_psprintf("%s@%s", *branch, symbol)
						 : symbol, &start, err) ||
		!mg_walk(g, start, rel.rel, NULL, assert_length, out, err))
		return false;
	if (*out == MG_REV_NONE)
	{
		if (rel.symbol == NULL)
			return relative_error(rel.relstr, rel.rel, err);
		return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
							"relative revision \"%s\" walks beyond the graph",
							target);
	}
	return true;
}

static void
init_plan(MgPlan *plan, MgError *err)
{
	memset(plan, 0, sizeof(*plan));
	memset(err, 0, sizeof(*err));
}

static int
min_depth_of(const MgGraph *g, const int *revs, int n, bool parents)
{
	int			best = g->n + 1;
	int			i,
				k;

	for (i = 0; i < n; i++)
	{
		if (!parents && g->depth[revs[i]] < best)
			best = g->depth[revs[i]];
		if (parents)
			for (k = 0; k < g->nnormdown[revs[i]]; k++)
				if (g->depth[g->normdown[revs[i]][k]] < best)
					best = g->depth[g->normdown[revs[i]][k]];
	}
	return best;
}

static bool
check_targets_are_revisions(const MgGraph *g, const char *target,
							const MgInts *targets, MgError *err)
{
	int			i;

	for (i = 0; i < targets->n; i++)
	{
		if (targets->v[i] == MG_REV_NONE)
			return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
								"relative revision \"%s\" walks beyond the graph",
								target);
		if (targets->v[i] == MG_REV_BASE)
			return mg_set_error(err, MG_ERR_STATE, NULL,
								"Use downgrade to move to base.",
								"upgrade target \"%s\" is base", target);
	}
	return true;
}

bool
mg_plan_upgrade(const MgGraph *g, const char *const *current, int ncurrent,
				const char *target, MgPlan *plan, MgError *err)
{
	MgInts		rows = {0};
	MgInts		targets = {0};
	MgInts		order = {0};
	MgMark	   *m = mg_mark_new(g);
	MgMark	   *cur = mg_mark_new(g);
	bool	   *todo = mg_alloc(sizeof(bool) * (g->n + 1));
	int			i;

	init_plan(plan, err);
	if (target == NULL || *target == '\0')
		return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
							"upgrade target must not be empty");
	if (!mg_lookup_rows(g, current, ncurrent, &rows, err) ||
		!mg_parse_upgrade_target(g, current, ncurrent, target, true,
								 &targets, err) ||
		!check_targets_are_revisions(g, target, &targets, err) ||
		!mg_check_overlap(g, targets.v, targets.n, m, err) ||
		!mg_check_overlap(g, rows.v, rows.n, m, err))
		return false;
	/* needs = ancestors(targets) - ancestors(current) */
	mg_ancestors(g, rows.v, rows.n, true, cur, NULL);
	mg_ancestors(g, targets.v, targets.n, true, m, NULL);
	for (i = 0; i < g->n; i++)
		todo[i] = MG_MARKED(m, i) && !MG_MARKED(cur, i);
	if (!topological_sort(g, todo, targets.v, targets.n, &order, err))
		return false;
	/* Alembic runs the sorted list backwards: parents first */
	for (i = 0; i < order.n / 2; i++)
	{
		int			t = order.v[i];

		order.v[i] = order.v[order.n - 1 - i];
		order.v[order.n - 1 - i] = t;
	}
	return plan_revision_steps(g, rows.v, rows.n, order.v, order.n, true,
							   0, plan, err);
}

bool
mg_plan_downgrade(const MgGraph *g, const char *const *current, int ncurrent,
				  const char *target, MgPlan *plan, MgError *err)
{
	MgInts		rows = {0};
	MgInts		roots = {0};
	MgInts		order = {0};
	MgMark	   *down = mg_mark_new(g);
	MgMark	   *active = mg_mark_new(g);
	bool	   *todo = mg_alloc(sizeof(bool) * (g->n + 1));
	const char *branch;
	int			trev;
	bool		any = false;
	int			i;

	init_plan(plan, err);
	if (target == NULL || *target == '\0')
		return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
							"downgrade target must not be empty");
	if (!mg_lookup_rows(g, current, ncurrent, &rows, err) ||
		!parse_downgrade_target(g, current, ncurrent, target, true, &branch,
								&trev, err))
		return false;
	if (trev == MG_REV_BASE)
		trev = MG_REV_NONE;
	if (trev == MG_REV_NONE)
	{
		for (i = 0; i < g->n; i++)
			if (g->revs[i].ndown == 0)
				mg_ints_push(&roots, i);
	}
	else
		for (i = 0; i < g->revs[trev].nnext; i++)
			mg_ints_push(&roots, g->revs[trev].next[i]);
	if (branch && roots.n > 1)
	{
		MgInts		kept = {0};
		int			br;

		if (!mg_resolve_branch(g, branch, &br, err))
			return false;
		mg_ancestors(g, &br, 1, false, down, NULL);
		for (i = 0; i < roots.n; i++)
			if (MG_MARKED(down, roots.v[i]))
				mg_ints_push(&kept, roots.v[i]);
		if (kept.n == 0)
			return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
								"downgrade target \"%s\" is not valid from the current revisions",
								target);
		roots = kept;
	}
	/* drop what descends from the roots and is applied */
	mg_descendants(g, roots.v, roots.n, true, down, NULL);
	mg_ancestors(g, rows.v, rows.n, true, active, NULL);
	for (i = 0; i < g->n; i++)
	{
		todo[i] = MG_MARKED(down, i) && MG_MARKED(active, i);
		any |= todo[i];
	}
	if (trev >= 0 && !any)
	{
		bool		is_row = false;

		for (i = 0; i < rows.n; i++)
			is_row |= (rows.v[i] == trev);
		if (!is_row)
			return mg_set_error(err, MG_ERR_STATE,
								mg_psprintf("Revision %s is not an ancestor of the current revisions (%s).",
											g->revs[trev].id,
											rows.n ? mg_format_ids(g, rows.v, rows.n) : "none"),
								"Use upgrade to move to a later revision.",
								"downgrade target \"%s\" is not an ancestor of the current revisions",
								target);
	}
	if (!topological_sort(g, todo, rows.v, rows.n, &order, err))
		return false;
	return plan_revision_steps(g, rows.v, rows.n, order.v, order.n, false,
							   min_depth_of(g, order.v, order.n, true),
							   plan, err);
}

/* ---------------------------------------------------------------------
 * Stamp (ScriptDirectory._stamp_revs and StampStep)
 * ---------------------------------------------------------------------
 */

static void
stamp_step(Rows *rows, MgStep *step, const int *from, int nfrom, int to,
		   bool upgrade, bool branch_move)
{
	const MgGraph *g = rows->g;
	int			i;

	step->rev = to;
	step->upgrade = upgrade;
	step->nfrom = nfrom;
	step->from = ids_of(g, from, nfrom);
	step->nto = to >= 0 ? 1 : 0;
	step->to = ids_of(g, &to, step->nto);

	if (!upgrade && branch_move)
	{
		rows_delete(rows, from[0]);
	}
	else
	{
		bool		from_missing = false;

		for (i = 0; i < nfrom; i++)
			from_missing |= !rows->in[from[i]];
		if (upgrade && (branch_move || from_missing) && !rows->in[to])
			rows_insert(rows, to);
		else
		{
			/* a merge-like UPDATE: every "from" row becomes "to" */
			for (i = 0; i < nfrom; i++)
				rows_delete(rows, from[i]);
			rows_insert(rows, to);
		}
	}
	finish_step(rows, step);
}

static bool
ints_has(const MgInts *a, int x)
{
	for (int i = 0; i < a->n; i++)
		if (a->v[i] == x)
			return true;
	return false;
}

/*
 * target may name several revisions separated by spaces, as `alembic stamp
 * a b` does (no symbol contains white space): the version rows in lineage
 * with any of them are filtered, and each destination is stamped in turn
 * against those rows that lie above or below it.
 */
bool
mg_plan_stamp(const MgGraph *g, const char *const *current, int ncurrent,
			  const char *target, bool purge, MgPlan *plan, MgError *err)
{
	MgInts		rows = {0};
	MgInts		filtered = {0};
	MgInts		dests = {0};
	MgInts		steps = {0};
	MgInts		todo = {0};
	MgMark	   *anc = mg_mark_new(g);
	MgMark	   *desc = mg_mark_new(g);
	Rows		maint;
	MgStep	   *out;
	int			nout = 0;
	int			ntargets = 0;
	char	   *list;
	char	   *tok;
	char	   *save = NULL;
	int			i,
				j;

	init_plan(plan, err);
	if (target == NULL || *target == '\0')
		target = "base";
	if (!mg_lookup_rows(g, current, ncurrent, &rows, err))
		return false;
	rows_init(&maint, g, rows.v, rows.n);
	if (purge)
	{
		/* --purge empties the table before computing the steps */
		MgInts		none = {0};

		steps = rows;
		rows = none;
	}
	list = mg_strdup(target);
	for (tok = strtok_r(list, " ", &save); tok != NULL;
		 tok = strtok_r(NULL, " ", &save))
	{
		MgInts		f = {0};
		MgInts		d = {0};

		ntargets++;
		if (!mg_filter_for_lineage(g, rows.v, rows.n, tok, true, &f, err) ||
			!mg_get_revisions(g, tok, &d, err))
		{
			if (err->code == MG_ERR_MULTIPLE_HEADS)
				err->hint = mg_strdup("Name a single target revision to stamp.");
			return false;
		}
		for (i = 0; i < f.n; i++)
			if (!ints_has(&filtered, f.v[i]))
				mg_ints_push(&filtered, f.v[i]);
		for (i = 0; i < d.n; i++)
			if (!ints_has(&dests, d.v[i]))
				mg_ints_push(&dests, d.v[i]);
	}
	if (ntargets == 0)
		return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
							"stamp target \"%s\" names no revision", target);
	if (dests.n == 0)
		mg_ints_push(&dests, MG_REV_NONE);

	out = mg_alloc(sizeof(MgStep) * (dests.n + filtered.n + 2));
	if (purge && steps.n > 0)
	{
		/* one step with no script that deletes every row */
		out[nout].rev = -1;
		out[nout].nfrom = steps.n;
		out[nout].from = ids_of(g, steps.v, steps.n);
		for (i = 0; i < steps.n; i++)
			rows_delete(&maint, steps.v[i]);
		finish_step(&maint, &out[nout++]);
	}
	for (i = 0; i < dests.n; i++)
	{
		int			dest = dests.v[i];
		bool		above = false;
		bool		below = false;

		if (dest == MG_REV_BASE)
			return mg_set_error(err, MG_ERR_STATE, NULL,
								"Use \"base\" to stamp an empty version table.",
								"stamp target \"%s\" walks down to base", target);
		if (dest == MG_REV_NONE)
		{
			for (j = 0; j < filtered.n; j++)
				stamp_step(&maint, &out[nout++], &filtered.v[j], 1, -1,
						   false, true);
			continue;
		}
		if (ints_has(&filtered, dest))
			continue;			/* already a row */
		mg_descendants(g, &dest, 1, true, desc, NULL);
		mg_ancestors(g, &dest, 1, true, anc, NULL);
		todo.n = 0;
		for (j = 0; j < filtered.n; j++)
		{
			bool		is_above = MG_MARKED(desc, filtered.v[j]);
			bool		is_below = MG_MARKED(anc, filtered.v[j]);

			above |= is_above;
			below |= is_below;
			if (is_above || is_below)
				mg_ints_push(&todo, filtered.v[j]);
		}
		if (above && below)
			return mg_set_error(err, MG_ERR_STATE,
								"Some current revisions are above the target and some below it.",
								"Stamp the branches one at a time.",
								"cannot stamp revision \"%s\" over the current revisions",
								g->revs[dest].id);
		/* one target: every filtered row is in its lineage (Alembic 1.8) */
		if (ntargets == 1 && (above || below))
			stamp_step(&maint, &out[nout++], filtered.v, filtered.n, dest,
					   below, false);
		else if (above || below)
			stamp_step(&maint, &out[nout++], todo.v, todo.n, dest,
					   below, false);
		else
			stamp_step(&maint, &out[nout++], NULL, 0, dest, true, true);
	}
	plan->nsteps = nout;
	plan->steps = out;
	finish_plan(&maint, plan);
	return true;
}

/* ---------------------------------------------------------------------
 * History (command.history via ScriptDirectory.walk_revisions)
 * ---------------------------------------------------------------------
 */

typedef struct Side
{
	const char *const *ids;		/* a string, or the version rows */
	int			n;
	bool		is_string;
} Side;

static void
side_from_string(Side *side, const char *s, const char *dflt)
{
	const char **v = mg_alloc(sizeof(char *));

	v[0] = s ? s : dflt;
	side->ids = v;
	side->n = 1;
	side->is_string = true;
}

/* _collect_upgrade_revisions(upper, lower, inclusive=True, implicit_base=False) */
static bool
collect_history(const MgGraph *g, Side *upper, Side *lower, MgInts *out,
				MgError *err)
{
	MgInts		targets = {0};
	MgInts		currents = {0};
	MgMark	   *req = mg_mark_new(g);
	MgMark	   *cur = mg_mark_new(g);
	MgMark	   *m = mg_mark_new(g);
	bool	   *todo = mg_alloc(sizeof(bool) * (g->n + 1));
	const char *lower_id = NULL;
	bool		lower_is_none = false;
	int			i;

	if (upper->is_string)
	{
		if (!mg_parse_upgrade_target(g, lower->ids, lower->n, upper->ids[0],
									 false, &targets, err))
			return false;
	}
	else if (!get_revisions_list(g, upper->ids, upper->n, &targets, err))
		return false;
	for (i = 0; i < targets.n; i++)
		if (targets.v[i] < 0)
			return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
								"history range end resolves to base");
	if (lower->is_string && strchr(lower->ids[0], '@') != NULL)
	{
		char	   *branch;
		char	   *rest;
		int			br;
		MgInts		kept = {0};

		mg_target_split_first_at(lower->ids[0], &branch, &rest);
		if (!mg_get_revision(g, branch, &br, err))
			return false;
		if (br >= 0 && strcmp(g->revs[br].id, branch) == 0)
		{
			if (g->revs[br].nalllabels != 1)
				return mg_set_error(err, MG_ERR_STATE,
									"A revision used before '@' in a range must carry exactly one branch label.",
									NULL,
									"revision \"%s\" does not name a single branch",
									branch);
			branch = (char *) g->revs[br].alllabels[0];
		}
		for (i = 0; i < targets.n; i++)
			if (mg_has_label(g, targets.v[i], branch))
				mg_ints_push(&kept, targets.v[i]);
		targets = kept;
	}
	if (!mg_check_overlap(g, targets.v, targets.n, m, err))
		return false;
	mg_ancestors(g, targets.v, targets.n, true, req, NULL);

	if (!get_revisions_list(g, lower->ids, lower->n, &currents, err))
		return false;
	for (i = 0; i < currents.n; i++)
		if (currents.v[i] != MG_REV_NONE &&
			(currents.v[i] < 0 || !MG_MARKED(req, currents.v[i])))
			return mg_set_error(err, MG_ERR_STATE,
								"The start of the range is not an ancestor of its end.",
								NULL,
								"history range does not refer to ancestor and descendant revisions along the same branch");
	lower_id = lower->n > 0 ? lower->ids[0] : NULL;
	if (currents.n > 0 && currents.v[0] == MG_REV_NONE)
	{
		/* a relative start that get_revisions could not place */
		const char *branch;
		int			r;

		if (!parse_downgrade_target(g, upper->ids, upper->n, lower->ids[0],
									false, &branch, &r, err))
			return false;
		currents.n = 0;
		if (r == MG_REV_BASE)
			lower_is_none = true;
		else
		{
			mg_ints_push(&currents, r);
			lower_id = g->revs[r].id;
		}
	}
	for (i = 0; i < currents.n; i++)
		if (currents.v[i] < 0)
			return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
								"history range start walks beyond the graph");
	if (!mg_check_overlap(g, currents.v, currents.n, m, err))
		return false;
	mg_ancestors(g, currents.v, currents.n, true, cur, NULL);
	for (i = 0; i < g->n; i++)
		todo[i] = MG_MARKED(req, i) && !MG_MARKED(cur, i);
	/* inclusive: the start itself is listed too */
	if (!lower_is_none)
	{
		MgInts		incl = {0};

		if (lower->is_string || currents.n == 0)
		{
			if (lower_id && !mg_get_revisions(g, lower_id, &incl, err))
				return false;
		}
		else
			incl = currents;
		for (i = 0; i < incl.n; i++)
		{
			if (incl.v[i] < 0)
				return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
									"history range start resolves to base");
			todo[incl.v[i]] = true;
		}
	}
	if (currents.n > 0)
	{
		mg_descendants(g, currents.v, currents.n, false, m, NULL);
		for (i = 0; i < g->n; i++)
			todo[i] = todo[i] && MG_MARKED(m, i);
	}
	return topological_sort(g, todo, targets.v, targets.n, out, err);
}

int
mg_history(const MgGraph *g, const char *const *current, int ncurrent,
		   const char *range, int **out, MgError *err)
{
	char	   *lo = NULL;
	char	   *hi = NULL;
	Side		lower;
	Side		upper;
	MgInts		order = {0};
	MgInts		rows = {0};

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (range != NULL && !mg_target_split_range(range, &lo, &hi, err))
		return -1;
	side_from_string(&lower, lo, "base");
	side_from_string(&upper, hi, "heads");
	/* command.history looks at the end first, as Alembic does */
	if ((lo && strcmp(lo, "current") == 0) ||
		(hi && strcmp(hi, "current") == 0))
	{
		Side	   *side = (hi && strcmp(hi, "current") == 0) ? &upper : &lower;

		if (!mg_lookup_rows(g, current, ncurrent, &rows, err))
			return -1;
		if (ncurrent == 0)
			side_from_string(side, NULL, side == &lower ? "base" : "heads");
		else
		{
			side->ids = current;
			side->n = ncurrent;
			side->is_string = false;
		}
	}
	if (!collect_history(g, &upper, &lower, &order, err))
		return -1;
	*out = order.v ? order.v : mg_alloc(sizeof(int));
	return order.n;
}

/* ---------------------------------------------------------------------
 * Resolution entry points
 * ---------------------------------------------------------------------
 */

int
mg_resolve_revisions(const MgGraph *g, const char *const *current,
					 int ncurrent, const char *target, int **out,
					 MgError *err)
{
	MgInts		res = {0};
	MgInts		keep = {0};
	MgRelative rel;
	long		dummy;
	int			i;

	memset(err, 0, sizeof(*err));
	*out = NULL;
	if (target == NULL || *target == '\0')
	{
		mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
					 "revision target must not be empty");
		return -1;
	}
	if (strcmp(target, "current") == 0)
	{
		if (!mg_lookup_rows(g, current, ncurrent, &res, err))
			return -1;
	}
	else if (mg_target_match_relative(target, &rel) &&
			 !(rel.symbol == NULL && rel.rel < 0 &&
			   mg_target_parse_int(rel.relstr, &dummy)))
	{
		if (!mg_parse_upgrade_target(g, current, ncurrent, target, true,
									 &res, err))
			return -1;
	}
	else if (!mg_get_revisions(g, target, &res, err))
		return -1;
	for (i = 0; i < res.n; i++)
	{
		if (res.v[i] == MG_REV_NONE)
		{
			mg_set_error(err, MG_ERR_STATE, NULL, NULL,
						 "relative revision \"%s\" walks beyond the graph",
						 target);
			return -1;
		}
		if (res.v[i] >= 0)
			mg_ints_push(&keep, res.v[i]);
	}
	*out = keep.v ? keep.v : mg_alloc(sizeof(int));
	return keep.n;
}

bool
mg_new_revision_parents(const MgGraph *g, const char *head, bool splice,
						const char ***parents, int *nparents, MgError *err)
{
	MgInts		heads = {0};
	MgMark	   *m = mg_mark_new(g);
	int			i;

	memset(err, 0, sizeof(*err));
	*parents = NULL;
	*nparents = 0;
	if (head == NULL)
		head = "head";
	if (*head == '\0')
		return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
							"head revision must not be empty");
	if (!mg_get_revisions(g, head, &heads, err))
		return false;
	mg_mark_clear(m);
	for (i = 0; i < heads.n; i++)
	{
		if (heads.v[i] < 0)
			return mg_set_error(err, MG_ERR_STATE, NULL, NULL,
								"head revision \"%s\" resolves to base",
								head);
		if (MG_MARKED(m, heads.v[i]))
			return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
								"duplicate head revisions specified");
		MG_SET_MARK(m, heads.v[i]);
		if (!splice && !g->revs[heads.v[i]].is_head)
			return mg_set_error(err, MG_ERR_STATE, NULL,
								"Use splice to create a new branch from this revision.",
								"revision \"%s\" is not a head revision",
								g->revs[heads.v[i]].id);
	}
	*parents = ids_of(g, heads.v, heads.n);
	*nparents = heads.n;
	return true;
}

bool
mg_resolve_depends_on(const MgGraph *g, const char *const *depends_on,
					  int ndeps, const char ***resolved, MgError *err)
{
	const char **v = mg_alloc(sizeof(char *) * (ndeps + 1));
	int			i;

	memset(err, 0, sizeof(*err));
	*resolved = NULL;
	for (i = 0; i < ndeps; i++)
	{
		int			r;

		if (depends_on[i] == NULL || *depends_on[i] == '\0')
			return mg_set_error(err, MG_ERR_SYNTAX, NULL, NULL,
								"dependency must not be empty");
		if (!mg_get_revision(g, depends_on[i], &r, err))
			return false;
		if (r < 0)
			return mg_set_error(err, MG_ERR_UNDEFINED, NULL, NULL,
								"dependency \"%s\" does not name a revision",
								depends_on[i]);
		/* a branch label stays as written; a partial id becomes full */
		v[i] = mg_has_label(g, r, depends_on[i]) ? depends_on[i]
			: g->revs[r].id;
	}
	*resolved = v;
	return true;
}
