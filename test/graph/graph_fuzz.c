/*-------------------------------------------------------------------------
 *
 * graph_fuzz.c
 *	  libFuzzer harness for the pure revision-graph module.
 *
 * The input bytes pick a small graph (parents, dependencies, labels, now
 * and then a cycle or a dangling reference), a set of version rows and a
 * handful of targets drawn from ids, prefixes, labels, symbols and
 * relative forms, then every entry point runs.  Beyond the sanitizers, it
 * checks that each plan is self-consistent: a step only removes rows that
 * exist, and replaying the steps yields the plan's final rows.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"

typedef struct Input
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} Input;

static unsigned
next_byte(Input *in)
{
	return in->pos < in->size ? in->data[in->pos++] : 0;
}

static const char *ids[] = {"ae10a", "ae10b", "b7c3", "c1d2e", "d9", "e55f",
	"f00d", "a1", "abcd", "bcde", "x1", "y2"};
static const char *labels[] = {"lib", "feat", "ae1", "other"};
#define NIDS 12
#define NLABELS 4

static const char *
pick_target(Input *in, int n)
{
	static const char *symbols[] = {"head", "heads", "base", "current", "-1",
		"+1", "+2", "-2", "lib@head", "lib@base", "feat@+1", "feat@-1",
		"lib@-1", "ae1", "ae10", "a", "ab", "base+1", "base+2", "heads@x",
		"", "@head", "lib@", "+0", "-0", "other@heads", "feat@head-1",
	"head-1"};
	unsigned	k = next_byte(in);
	char	   *buf = mg_alloc(64);

	switch (k % 5)
	{
		case 0:
			return symbols[next_byte(in) % (sizeof(symbols) / sizeof(symbols[0]))];
		case 1:
			return ids[next_byte(in) % (n > 0 ? n : 1)];
		case 2:
			snprintf(buf, 64, "%s%c%u", ids[next_byte(in) % NIDS],
					 (next_byte(in) & 1) ? '+' : '-', next_byte(in) % 4);
			return buf;
		case 3:
			snprintf(buf, 64, "%s@%s", labels[next_byte(in) % NLABELS],
					 ids[next_byte(in) % NIDS]);
			return buf;
		default:
			snprintf(buf, 64, "%.*s", 1 + (int) (next_byte(in) % 4),
					 ids[next_byte(in) % NIDS]);
			return buf;
	}
}

static void
check_plan(const MgPlan *plan, const char *const *cur, int ncur)
{
	const char **rows = mg_alloc(sizeof(char *) * (ncur + 1 + 64 * (plan->nsteps + 1)));
	int			n = 0;
	int			i,
				j,
				k;

	for (i = 0; i < ncur; i++)
	{
		for (k = 0; k < n; k++)
			if (strcmp(rows[k], cur[i]) == 0)
				break;
		if (k == n)
			rows[n++] = cur[i];
	}
	for (i = 0; i < plan->nsteps; i++)
	{
		const MgStep *s = &plan->steps[i];

		for (j = 0; j < s->nremove; j++)
		{
			for (k = 0; k < n; k++)
				if (strcmp(rows[k], s->remove[j]) == 0)
					break;
			if (k == n)
				abort();		/* removes a row that is not there */
			rows[k] = rows[--n];
		}
		for (j = 0; j < s->nadd; j++)
		{
			for (k = 0; k < n; k++)
				if (strcmp(rows[k], s->add[j]) == 0)
					abort();	/* adds a row twice */
			rows[n++] = s->add[j];
		}
	}
	if (n != plan->nheads)
		abort();
	for (i = 0; i < n; i++)
	{
		for (k = 0; k < plan->nheads; k++)
			if (strcmp(rows[i], plan->heads[k]) == 0)
				break;
		if (k == plan->nheads)
			abort();
	}
}

static void
check_error(bool ok, const MgError *err)
{
	if (!ok && (err->code == MG_OK || err->message == NULL))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Input		in = {data, size, 0};
	MgRevisionInput revs[NIDS];
	const char *downs[NIDS][3];
	const char *deps[NIDS][2];
	const char *labs[NIDS][2];
	const char *cur[4];
	int			ncur;
	int			n = 1 + next_byte(&in) % NIDS;
	int			i,
				t;
	MgError		err;
	MgGraph    *g;

	memset(revs, 0, sizeof(revs));
	for (i = 0; i < n; i++)
	{
		unsigned	b = next_byte(&in);
		int			j;

		revs[i].id = ids[i];
		revs[i].ndown = i > 0 ? (b % 4 == 3 ? 2 : b % 4 == 0 ? 0 : 1) : 0;
		for (j = 0; j < revs[i].ndown; j++)
		{
			unsigned	p = next_byte(&in);

			/* mostly earlier revisions; rarely anything, making cycles */
			downs[i][j] = (p & 0x80) && (p & 0x40) ? ids[p % NIDS]
				: ids[p % (unsigned) i];
		}
		revs[i].down_revisions = downs[i];
		if (b & 0x10)
		{
			unsigned	p = next_byte(&in);

			deps[i][0] = (p & 0x80) ? labels[p % NLABELS]
				: ids[i > 0 ? p % (unsigned) i : 0];
			revs[i].ndepends = 1;
			revs[i].depends_on = deps[i];
		}
		if (b & 0x20)
		{
			labs[i][0] = labels[next_byte(&in) % NLABELS];
			revs[i].nlabels = 1;
			revs[i].branch_labels = labs[i];
		}
	}
	g = mg_graph_build(revs, n, &err);
	if (g == NULL)
	{
		check_error(false, &err);
		mg_alloc_reset();
		return 0;
	}
	ncur = next_byte(&in) % 4;
	for (i = 0; i < ncur; i++)
		cur[i] = ids[next_byte(&in) % (n + 1 < NIDS ? n + 1 : NIDS)];

	for (t = 0; t < 6; t++)
	{
		const char *target = pick_target(&in, n);
		MgPlan		plan;
		int		   *out;
		const char **parents;
		int			np;
		bool		ok;
		bool	   *applied = mg_alloc(sizeof(bool) * (n + 1));

		ok = mg_plan_upgrade(g, cur, ncur, target, &plan, &err);
		check_error(ok, &err);
		if (ok)
			check_plan(&plan, cur, ncur);
		ok = mg_plan_downgrade(g, cur, ncur, target, &plan, &err);
		check_error(ok, &err);
		if (ok)
			check_plan(&plan, cur, ncur);
		ok = mg_plan_stamp(g, cur, ncur, target, next_byte(&in) & 1, &plan, &err);
		check_error(ok, &err);
		if (ok)
			check_plan(&plan, cur, ncur);
		check_error(mg_resolve_revisions(g, cur, ncur, target, &out, &err) >= 0,
					&err);
		{
			char		range[160];

			snprintf(range, sizeof(range), "%s:%s", target,
					 pick_target(&in, n));
			check_error(mg_history(g, cur, ncur, range, &out, &err) >= 0, &err);
		}
		check_error(mg_history(g, cur, ncur, NULL, &out, &err) >= 0, &err);
		check_error(mg_new_revision_parents(g, target, next_byte(&in) & 1,
											&parents, &np, &err), &err);
		check_error(mg_resolve_depends_on(g, &target, 1, &parents, &err), &err);
		check_error(mg_applied_set(g, cur, ncur, applied, &err), &err);
	}
	mg_alloc_reset();
	return 0;
}
