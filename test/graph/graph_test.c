/*-------------------------------------------------------------------------
 *
 * graph_test.c
 *	  Unit tests for the pure revision-graph module (graph.c, plan.c,
 *	  target.c), most of them ported from Alembic's own test suite
 *	  (tests/test_revision.py, test_version_traversal.py) so that the two
 *	  agree step for step.
 *
 * Graphs are written in a compact notation, one revision per word, in
 * registration order:
 *
 *		id[:parent,parent][/dependency,dependency][#label,label]
 *
 * Expected steps are written "rev=row,row": the revision whose script runs
 * and, optionally, the version rows after it (in any order).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "graph.h"

static int	passed = 0;
static int	failed = 0;
static const char *current_test = "";

#define FAIL(...) \
	do { \
		failed++; \
		fprintf(stderr, "FAIL %s (line %d): ", current_test, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
	} while (0)

/* ---- tiny string helpers ---- */

static char *
dup(const char *s)
{
	char	   *r = mg_alloc(strlen(s) + 1);

	strcpy(r, s);
	return r;
}

/* splits s on any of seps into a NULL-terminated mg_alloc'd array */
static int
split(const char *s, const char *seps, char ***out)
{
	char	   *copy = dup(s ? s : "");
	char	  **v = mg_alloc(sizeof(char *) * (strlen(copy) + 2));
	int			n = 0;
	char	   *tok = strtok(copy, seps);

	while (tok)
	{
		v[n++] = tok;
		tok = strtok(NULL, seps);
	}
	v[n] = NULL;
	*out = v;
	return n;
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* canonical "a,b,c" of a set of ids */
static char *
canon(const char *const *ids, int n)
{
	char	  **v = mg_alloc(sizeof(char *) * (n + 1));
	char	   *buf;
	size_t		len = 1;
	int			i;

	for (i = 0; i < n; i++)
	{
		v[i] = (char *) ids[i];
		len += strlen(ids[i]) + 1;
	}
	qsort(v, n, sizeof(char *), cmpstr);
	buf = mg_alloc(len);
	buf[0] = '\0';
	for (i = 0; i < n; i++)
	{
		if (i)
			strcat(buf, ",");
		strcat(buf, v[i]);
	}
	return buf;
}

static char *
canon_str(const char *s)
{
	char	  **v;
	int			n = split(s, ", ", &v);

	return canon((const char *const *) v, n);
}

/* ---- building graphs from the notation ---- */

static MgGraph *
build(const char *spec, MgError *err)
{
	char	  **words;
	int			n = split(spec, " \n", &words);
	MgRevisionInput *in = mg_alloc(sizeof(MgRevisionInput) * (n + 1));
	int			i;

	for (i = 0; i < n; i++)
	{
		char	   *w = words[i];
		char	   *labels = strchr(w, '#');
		char	   *deps;
		char	   *down;
		char	  **v;

		if (labels)
		{
			*labels++ = '\0';
			in[i].nlabels = split(labels, ",", &v);
			in[i].branch_labels = (const char *const *) v;
		}
		deps = strchr(w, '/');
		if (deps)
		{
			*deps++ = '\0';
			in[i].ndepends = split(deps, ",", &v);
			in[i].depends_on = (const char *const *) v;
		}
		down = strchr(w, ':');
		if (down)
		{
			*down++ = '\0';
			in[i].ndown = split(down, ",", &v);
			in[i].down_revisions = (const char *const *) v;
		}
		in[i].id = w;
	}
	return mg_graph_build(in, n, err);
}

static MgGraph *
G(const char *spec)
{
	MgError		err;
	MgGraph    *g = build(spec, &err);

	if (g == NULL)
	{
		fprintf(stderr, "graph \"%s\" failed to build: %s\n", spec,
				err.message);
		exit(2);
	}
	return g;
}

/* ---- expectations ---- */

typedef enum
{
	UP,
	DOWN,
	STAMP,
	STAMP_PURGE
} Kind;

static bool
run(const MgGraph *g, Kind kind, const char *cur, const char *target,
	MgPlan *plan, MgError *err)
{
	char	  **c;
	int			nc = split(cur, ", ", &c);

	switch (kind)
	{
		case UP:
			return mg_plan_upgrade(g, (const char *const *) c, nc, target,
								   plan, err);
		case DOWN:
			return mg_plan_downgrade(g, (const char *const *) c, nc, target,
									 plan, err);
		case STAMP:
			return mg_plan_stamp(g, (const char *const *) c, nc, target,
								 false, plan, err);
		case STAMP_PURGE:
			return mg_plan_stamp(g, (const char *const *) c, nc, target,
								 true, plan, err);
	}
	return false;
}

/* applies each step's remove/add to the rows and checks the result */
static void
check_step_consistency(const MgPlan *plan, const char *cur)
{
	const char **rows = mg_alloc(sizeof(char *) * 1024);
	char	  **c;
	int			n = split(cur, ", ", &c);
	int			i,
				j,
				k;

	for (i = 0; i < n; i++)
		rows[i] = c[i];
	for (i = 0; i < plan->nsteps; i++)
	{
		const MgStep *s = &plan->steps[i];

		for (j = 0; j < s->nremove; j++)
		{
			for (k = 0; k < n; k++)
				if (strcmp(rows[k], s->remove[j]) == 0)
					break;
			if (k == n)
				FAIL("step %d removes %s which is not a row", i,
					 s->remove[j]);
			else
				rows[k] = rows[--n];
		}
		for (j = 0; j < s->nadd; j++)
			rows[n++] = s->add[j];
	}
	if (strcmp(canon(rows, n), canon(plan->heads, plan->nheads)) != 0)
		FAIL("steps end at %s but plan heads are %s", canon(rows, n),
			 canon(plan->heads, plan->nheads));
}

/*
 * steps: "rev=row,row rev ..." (rev only for stamps: "=rows");
 * heads: final rows; NULL skips.
 */
static void
expect_plan(const MgGraph *g, Kind kind, const char *cur, const char *target,
			const char *steps, const char *heads)
{
	MgPlan		plan;
	MgError		err;
	char	  **want;
	int			nwant = split(steps, " ", &want);
	const char **rows = mg_alloc(sizeof(char *) * 1024);
	int			nrows;
	int			i,
				j,
				k;
	bool		ok = true;

	if (!run(g, kind, cur, target, &plan, &err))
	{
		FAIL("target \"%s\" from \"%s\": unexpected error: %s", target, cur,
			 err.message);
		return;
	}
	{
		char	  **c;

		nrows = split(cur, ", ", &c);
		for (i = 0; i < nrows; i++)
			rows[i] = c[i];
	}
	if (plan.nsteps != nwant)
		ok = false;
	for (i = 0; i < plan.nsteps && ok; i++)
	{
		char	   *w = dup(want[i]);
		char	   *eq = strchr(w, '=');
		const MgStep *s = &plan.steps[i];

		if (eq)
			*eq++ = '\0';
		if (*w && (s->rev < 0 || strcmp(mg_graph_rev(g, s->rev)->id, w) != 0))
			ok = false;
		for (j = 0; j < s->nremove; j++)
			for (k = 0; k < nrows; k++)
				if (strcmp(rows[k], s->remove[j]) == 0)
				{
					rows[k] = rows[--nrows];
					break;
				}
		for (j = 0; j < s->nadd; j++)
			rows[nrows++] = s->add[j];
		if (eq && strcmp(canon(rows, nrows), canon_str(eq)) != 0)
			ok = false;
	}
	if (ok && heads &&
		strcmp(canon(plan.heads, plan.nheads), canon_str(heads)) != 0)
		ok = false;
	if (!ok)
	{
		fprintf(stderr, "  got:");
		nrows = 0;
		{
			char	  **c;

			nrows = split(cur, ", ", &c);
			for (i = 0; i < nrows; i++)
				rows[i] = c[i];
		}
		for (i = 0; i < plan.nsteps; i++)
		{
			const MgStep *s = &plan.steps[i];

			for (j = 0; j < s->nremove; j++)
				for (k = 0; k < nrows; k++)
					if (strcmp(rows[k], s->remove[j]) == 0)
					{
						rows[k] = rows[--nrows];
						break;
					}
			for (j = 0; j < s->nadd; j++)
				rows[nrows++] = s->add[j];
			fprintf(stderr, " %s=%s", s->rev >= 0 ? mg_graph_rev(g, s->rev)->id : "",
					canon(rows, nrows));
		}
		fprintf(stderr, " heads=%s\n", canon(plan.heads, plan.nheads));
		FAIL("target \"%s\" from \"%s\": want \"%s\" heads \"%s\"", target,
			 cur, steps, heads ? heads : "?");
		return;
	}
	check_step_consistency(&plan, cur);
	passed++;
}

static void
expect_error(const MgGraph *g, Kind kind, const char *cur, const char *target,
			 MgErrorCode code, const char *msgpart)
{
	MgPlan		plan;
	MgError		err;

	if (run(g, kind, cur, target, &plan, &err))
	{
		FAIL("target \"%s\" from \"%s\": expected error %d, got a plan of %d steps",
			 target, cur, code, plan.nsteps);
		return;
	}
	if (err.code != code || err.message == NULL ||
		(msgpart && strstr(err.message, msgpart) == NULL))
	{
		FAIL("target \"%s\" from \"%s\": expected error %d \"%s\", got %d \"%s\"",
			 target, cur, code, msgpart ? msgpart : "", err.code,
			 err.message ? err.message : "(null)");
		return;
	}
	passed++;
}

static char *
ids_text(const MgGraph *g, const int *v, int n, bool sorted)
{
	const char **ids = mg_alloc(sizeof(char *) * (n + 1));
	char	   *buf;
	size_t		len = 1;
	int			i;

	for (i = 0; i < n; i++)
	{
		ids[i] = mg_graph_rev(g, v[i])->id;
		len += strlen(ids[i]) + 1;
	}
	if (sorted)
		return canon(ids, n);
	buf = mg_alloc(len);
	buf[0] = '\0';
	for (i = 0; i < n; i++)
	{
		if (i)
			strcat(buf, " ");
		strcat(buf, ids[i]);
	}
	return buf;
}

/* resolution as a set (sorted) */
static void
expect_resolve(const MgGraph *g, const char *cur, const char *target,
			   const char *want)
{
	char	  **c;
	int			nc = split(cur, ", ", &c);
	int		   *out;
	MgError		err;
	int			n = mg_resolve_revisions(g, (const char *const *) c, nc, target,
										 &out, &err);

	if (n < 0)
	{
		FAIL("resolve \"%s\": unexpected error: %s", target, err.message);
		return;
	}
	if (strcmp(ids_text(g, out, n, true), canon_str(want)) != 0)
	{
		FAIL("resolve \"%s\": want \"%s\" got \"%s\"", target, want,
			 ids_text(g, out, n, true));
		return;
	}
	passed++;
}

static void
expect_resolve_error(const MgGraph *g, const char *cur, const char *target,
					 MgErrorCode code, const char *msgpart)
{
	char	  **c;
	int			nc = split(cur, ", ", &c);
	int		   *out;
	MgError		err;
	int			n = mg_resolve_revisions(g, (const char *const *) c, nc, target,
										 &out, &err);

	if (n >= 0)
	{
		FAIL("resolve \"%s\": expected error, got %s", target,
			 ids_text(g, out, n, true));
		return;
	}
	if (err.code != code || (msgpart && strstr(err.message, msgpart) == NULL))
	{
		FAIL("resolve \"%s\": expected error %d \"%s\", got %d \"%s\"", target,
			 code, msgpart ? msgpart : "", err.code, err.message);
		return;
	}
	passed++;
}

/* history in order */
static void
expect_history(const MgGraph *g, const char *cur, const char *range,
			   const char *want)
{
	char	  **c;
	int			nc = split(cur, ", ", &c);
	int		   *out;
	MgError		err;
	int			n = mg_history(g, (const char *const *) c, nc, range, &out, &err);

	if (n < 0)
	{
		FAIL("history \"%s\": unexpected error: %s", range ? range : "(all)",
			 err.message);
		return;
	}
	if (strcmp(ids_text(g, out, n, false), want) != 0)
	{
		FAIL("history \"%s\": want \"%s\" got \"%s\"", range ? range : "(all)",
			 want, ids_text(g, out, n, false));
		return;
	}
	passed++;
}

static void
expect_history_error(const MgGraph *g, const char *cur, const char *range,
					 MgErrorCode code)
{
	char	  **c;
	int			nc = split(cur, ", ", &c);
	int		   *out;
	MgError		err;
	int			n = mg_history(g, (const char *const *) c, nc, range, &out, &err);

	if (n >= 0 || err.code != code)
	{
		FAIL("history \"%s\": expected error %d, got %d (%s)", range, code,
			 n >= 0 ? 0 : err.code, n >= 0 ? ids_text(g, out, n, false) : err.message);
		return;
	}
	passed++;
}

static void
expect_build_error(const char *spec, const char *msgpart)
{
	MgError		err;
	MgGraph    *g = build(spec, &err);

	if (g != NULL)
	{
		FAIL("graph \"%s\" built, expected error \"%s\"", spec, msgpart);
		return;
	}
	if (err.code != MG_ERR_INVALID_GRAPH || strstr(err.message, msgpart) == NULL)
	{
		FAIL("graph \"%s\": expected \"%s\", got %d \"%s\"", spec, msgpart,
			 err.code, err.message);
		return;
	}
	passed++;
}

#define CHECK(cond) \
	do { if (cond) passed++; else FAIL("%s", #cond); } while (0)

static const char *
labels_of(const MgGraph *g, const char *id)
{
	const MgRevision *r = mg_graph_rev(g, mg_graph_lookup(g, id));

	return canon(r->alllabels, r->nalllabels);
}

#include "graph_test_cases.c"

int
main(void)
{
	run_all_tests();
	mg_alloc_reset();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
