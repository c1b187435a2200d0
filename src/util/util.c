/*-------------------------------------------------------------------------
 *
 * util.c
 *	  Small helpers at the bottom of migrate's layers.
 *
 * Layer: util (src/util/), just above the pure core (which does not link
 * it).  Nothing here reads our catalog or knows the revision graph, so
 * every other file may call it and it calls none of them.
 *
 *  - migrate_subxact_abort: the PG_CATCH half of running code in an
 *    internal subtransaction.
 *  - migrate_clip: what a message echoes of user input.  Identifiers,
 *    targets, labels and schema names come from users and can be any size;
 *    a 100 MB argument must not make a 100 MB error message (written to
 *    the server log on every call), so messages echo a bounded prefix, cut
 *    on a character boundary, as PostgreSQL truncates identifiers.
 *  - Lists of C strings: list_member() and list_concat_unique() compare
 *    with equal(), which only knows Nodes, so C-string lists get their own
 *    functions here.  Both are O(n log n) and answer cancel requests, since
 *    the lists come from user arrays of any length.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "util.h"

/*
 * A field of a caught error cut to MIGRATE_ERROR_FIELD_LEN bytes (on a
 * character boundary, "..." appended); the original is freed.
 */
static char *
clip_error_field(char *s)
{
	int			cut;
	char	   *out;

	if (s == NULL || strnlen(s, MIGRATE_ERROR_FIELD_LEN + 1) <= MIGRATE_ERROR_FIELD_LEN)
		return s;
	cut = pg_mbcliplen(s, MIGRATE_ERROR_FIELD_LEN + 1, MIGRATE_ERROR_FIELD_LEN);
	out = palloc(cut + 4);
	memcpy(out, s, cut);
	strcpy(out + cut, "...");
	pfree(s);
	return out;
}

/*
 * The PG_CATCH half of running code in an internal subtransaction (as
 * PL/pgSQL's exception blocks do): keep the error, roll the subtransaction
 * back, and return to the caller's memory context and resource owner.
 *
 * The error's texts are cut to MIGRATE_ERROR_FIELD_LEN bytes each: a
 * script statement holding a 40 MB literal that fails to convert echoes it
 * in the message and again as the query, and every later copy (the
 * re-throw, the server log, the client, a run's failure record) would pay
 * for it, past statement_timeout, since none of them can be interrupted.
 */
ErrorData *
migrate_subxact_abort(MemoryContext oldcxt, ResourceOwner oldowner)
{
	ErrorData  *edata;

	MemoryContextSwitchTo(oldcxt);
	edata = CopyErrorData();
	FlushErrorState();
	edata->message = clip_error_field(edata->message);
	edata->detail = clip_error_field(edata->detail);
	edata->detail_log = clip_error_field(edata->detail_log);
	edata->hint = clip_error_field(edata->hint);
	edata->context = clip_error_field(edata->context);
	if (edata->internalquery != NULL &&
		strnlen(edata->internalquery, MIGRATE_ERROR_FIELD_LEN + 1) > MIGRATE_ERROR_FIELD_LEN)
	{
		/* the position counts characters: keep it only if still inside */
		edata->internalquery = clip_error_field(edata->internalquery);
		if (edata->internalpos > pg_mbstrlen(edata->internalquery) - 3)
			edata->internalpos = 0;
	}
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(oldcxt);
	CurrentResourceOwner = oldowner;
	return edata;
}

/*
 * s as a message may echo it: itself when short, otherwise its first
 * MIGRATE_ECHO_LEN bytes (fewer, to end on a whole character) and "...".
 */
const char *
migrate_clip(const char *s)
{
	size_t		len;
	int			cut;
	char	   *out;

	if (s == NULL)
		return NULL;
	len = strnlen(s, MIGRATE_ECHO_LEN + 1);
	if (len <= MIGRATE_ECHO_LEN)
		return s;
	cut = pg_mbcliplen(s, MIGRATE_ECHO_LEN + 1, MIGRATE_ECHO_LEN);
	out = palloc(cut + 4);
	memcpy(out, s, cut);
	memcpy(out + cut, "...", 4);
	return out;
}

static int
cstring_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static const char **
sorted_strings(List *strings, int *n)
{
	const char **items;
	ListCell   *lc;
	int			i = 0;

	*n = list_length(strings);
	items = palloc(sizeof(char *) * Max(*n, 1));
	foreach(lc, strings)
	{
		CHECK_FOR_INTERRUPTS();
		items[i++] = lfirst(lc);
	}
	qsort(items, *n, sizeof(char *), cstring_cmp);
	return items;
}

/* A string listed more than once in strings (a List of char *), or NULL */
const char *
migrate_first_duplicate(List *strings)
{
	int			n;
	const char **items;
	const char *dup = NULL;

	if (list_length(strings) < 2)
		return NULL;
	items = sorted_strings(strings, &n);
	for (int i = 1; i < n && dup == NULL; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (strcmp(items[i - 1], items[i]) == 0)
			dup = items[i];
	}
	pfree(items);
	return dup;
}

/*
 * items[lo..hi-1] as a List, built by halves and concatenated rather than
 * appended one by one: PostgreSQL built for valgrind moves every cell of a
 * List on each append (DEBUG_LIST_MEMORY_USAGE in list.c), which made lists
 * of 100,000 branch labels quadratic there (a minute per list on
 * test/memcheck's server, deaf to cancel and to the job worker's SIGTERM).
 * Halves cost O(n log n) moves in that build and O(n) in any other.
 */
static List *
list_by_halves(void *const *items, int lo, int hi)
{
	List	   *left = NIL;
	List	   *right;
	int			mid;

	CHECK_FOR_INTERRUPTS();
	if (hi - lo <= 64)
	{
		for (int i = lo; i < hi; i++)
			left = lappend(left, items[i]);
		return left;
	}
	mid = lo + (hi - lo) / 2;
	left = list_by_halves(items, lo, mid);
	right = list_by_halves(items, mid, hi);
	left = list_concat(left, right);
	list_free(right);
	return left;
}

/*
 * The n pointers of items as a new List (the pointed-to data is shared).
 * Use it for any list whose length a user decides.
 */
List *
migrate_list_from_array(void *const *items, int n)
{
	return list_by_halves(items, 0, n);
}

/*
 * The strings of a, then those of b not in a, each once (a new List of
 * char *; the strings are shared).
 */
List *
migrate_strings_union(List *a, List *b)
{
	int			n;
	const char **seen = sorted_strings(a, &n);
	void	  **items = palloc(sizeof(void *) * (list_length(a) + list_length(b) + 1));
	int			count = 0;
	ListCell   *lc;

	foreach(lc, a)
		items[count++] = lfirst(lc);
	foreach(lc, b)
	{
		const char *s = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (n > 0 && bsearch(&s, seen, n, sizeof(char *), cstring_cmp) != NULL)
			continue;
		items[count++] = (char *) s;
	}
	pfree(seen);
	return migrate_list_from_array(items, count);
}
