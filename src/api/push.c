/*-------------------------------------------------------------------------
 *
 * push.c
 *	  migrate_push(): register a whole directory of revision files at once.
 *
 * pg_migrate keeps revisions as files and pushes every one of them before
 * each command, so the common call carries thousands of revisions of which
 * none changed.  One call takes them all (a jsonb array, one object per
 * file, in file order), compares each with the registered row by checksum
 * without parsing any script, and registers only what is new or changed,
 * through migrate_register() like migrate_revision() does.  The files may
 * come in any order: what must be registered is sorted so that parents and
 * dependencies come first, ties broken by file order (the order Alembic
 * would have defined them in), which becomes the registration order the
 * planner breaks ties with.
 *
 * An applied revision whose file changed is refused before anything is
 * registered, with what changed: which fields, and an excerpt of the
 * script in the style of a unified diff.  Revisions the database has and
 * the files do not are reported (Flyway's validate), not removed.
 *
 * Layer: api (src/api/): it calls ops/register.c, catalog/ and core/.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "catalog.h"
#include "compat.h"
#include "register.h"

PG_FUNCTION_INFO_V1(migrate_push);

/* at most this many revisions and lines per revision in a refusal */
#define PUSH_REPORT_REVISIONS	10
#define PUSH_REPORT_LINES		8
#define PUSH_REPORT_LINE_LEN	200

typedef enum PushState
{
	PUSH_NEW,					/* not registered yet */
	PUSH_SAME,					/* registered with the same content */
	PUSH_DESCRIPTIVE,			/* only message or downgrade differ */
	PUSH_CHANGED				/* parents, labels, deps, upgrade or flag */
} PushState;

/* One revision from the files */
typedef struct PushRev
{
	char	   *id;
	List	   *down_revisions;
	List	   *branch_labels;
	List	   *depends_on;
	char	   *message;
	char	   *upgrade;
	char	   *downgrade;
	bool		transactional;
	char	   *file;			/* for messages; may be NULL */
	PushState	state;
	char	   *changes;		/* what differs, for the report */
} PushRev;

/* One registered revision */
typedef struct Existing
{
	char	   *id;
	char	   *checksum;
	char	   *message;
	char	   *downgrade;
	bool		transactional;
	bool		in_files;
} Existing;

typedef struct IdEntry
{
	char		id[MIGRATE_MAX_ID_LEN + 1];
	int			index;
} IdEntry;

static HTAB *
id_table(const char *name, long n)
{
	HASHCTL		ctl = {0};

	ctl.keysize = MIGRATE_MAX_ID_LEN + 1;
	ctl.entrysize = sizeof(IdEntry);
	ctl.hcxt = CurrentMemoryContext;
	return hash_create(name, Max(n, 16), &ctl,
					   HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
}

static int
id_lookup(HTAB *h, const char *id)
{
	IdEntry    *e;

	if (strlen(id) > MIGRATE_MAX_ID_LEN)
		return -1;
	e = hash_search(h, id, HASH_FIND, NULL);
	return e ? e->index : -1;
}

/*
 * A file name as a message may echo it.  The client finds the file (and
 * the line) of a server error by the name in its context, so names are
 * echoed whole up to MAXPGPATH, and only longer ones are cut.
 */
static const char *
clip_file(const char *file)
{
	size_t		len;
	int			cut;

	if (file == NULL)
		return NULL;
	len = strnlen(file, MAXPGPATH + 1);
	if (len <= MAXPGPATH)
		return file;
	cut = pg_mbcliplen(file, MAXPGPATH + 1, MAXPGPATH);
	return psprintf("%.*s...", cut, file);
}

/* the file of a revision, else its id, as a message may echo it */
static const char *
where(const PushRev *r)
{
	return r->file ? clip_file(r->file) : migrate_clip(r->id);
}

/* ---- checking the argument's JSON types ---- */

static const char *
jsonb_type_name(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return "null";
		case jbvString:
			return "a string";
		case jbvNumeric:
			return "a number";
		case jbvBool:
			return "a boolean";
		case jbvBinary:
			return JsonContainerIsArray(v->val.binary.data) ?
				"an array" : "an object";
		case jbvArray:
			return "an array";
		case jbvObject:
			return "an object";
		default:
			return "a JSON value";
	}
}

/* The "file" of element i, clipped, for the detail of a type error */
static const char *
element_file(JsonbContainer *obj)
{
	JsonbValue	v;

	if (getKeyJsonValueFromContainer(obj, "file", 4, &v) == NULL ||
		v.type != jbvString)
		return NULL;
	return clip_file(pnstrdup(v.val.string.val, v.val.string.len));
}

static void
type_error(int i, JsonbContainer *obj, const char *key, const char *want,
		   const char *got, int item)
{
	const char *file = obj ? element_file(obj) : NULL;

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 item > 0 ?
			 errmsg("item %d of key \"%s\" of element %d of the revisions must be %s, not %s",
					item, key, i + 1, want, got) :
			 errmsg("key \"%s\" of element %d of the revisions must be %s, not %s",
					key, i + 1, want, got),
			 file ? errdetail("It comes from file \"%s\".", file) : 0,
			 errhint("Each element is an object such as {\"revision\": \"ae1027a6acf\", \"down_revisions\": [\"1975ea83b712\"], \"upgrade\": \"...\", \"transactional\": true}; null is the same as leaving a key out, except for \"revision\".")));
}

/*
 * jsonb_to_recordset would turn 123 into the id "123" and ["a"] into the
 * id "[\"a\"]": check every key we read for its JSON type first, so that a
 * wrong type is an error naming the element and the key.  Keys we do not
 * read are left alone (a newer client may send more).
 */
static void
check_input_types(Jsonb *input)
{
	static const char *const strings[] = {"revision", "message", "upgrade",
	"downgrade", "file"};
	static const char *const arrays[] = {"down_revisions", "branch_labels",
	"depends_on"};
	int			n;

	if (JB_ROOT_IS_SCALAR(input) || !JB_ROOT_IS_ARRAY(input))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"revisions\" must be a JSON array, not %s",
						JB_ROOT_IS_OBJECT(input) ? "an object" : "a scalar"),
				 errhint("Pass one object per revision file, in an array.")));
	n = JB_ROOT_COUNT(input);
	for (int i = 0; i < n; i++)
	{
		JsonbValue *e = getIthJsonbValueFromContainer(&input->root, i);
		JsonbContainer *obj;
		JsonbValue	v;

		CHECK_FOR_INTERRUPTS();
		if (e->type != jbvBinary || !JsonContainerIsObject(e->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("element %d of the revisions must be an object, not %s",
							i + 1, jsonb_type_name(e))));
		obj = e->val.binary.data;
		for (int k = 0; k < lengthof(strings); k++)
		{
			if (getKeyJsonValueFromContainer(obj, strings[k],
											 strlen(strings[k]), &v) == NULL)
				continue;
			if (v.type == jbvString ||
				(v.type == jbvNull && k > 0))
				continue;
			type_error(i, obj, strings[k], "a string", jsonb_type_name(&v), 0);
		}
		for (int k = 0; k < lengthof(arrays); k++)
		{
			JsonbContainer *arr;
			int			m;

			if (getKeyJsonValueFromContainer(obj, arrays[k],
											 strlen(arrays[k]), &v) == NULL ||
				v.type == jbvNull)
				continue;
			if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
				type_error(i, obj, arrays[k], "an array of strings",
						   jsonb_type_name(&v), 0);
			arr = v.val.binary.data;
			m = JsonContainerSize(arr);
			for (int j = 0; j < m; j++)
			{
				JsonbValue *item = getIthJsonbValueFromContainer(arr, j);

				if (item->type != jbvString)
					type_error(i, obj, arrays[k], "a string",
							   jsonb_type_name(item), j + 1);
			}
		}
		if (getKeyJsonValueFromContainer(obj, "transactional", 13, &v) != NULL &&
			v.type != jbvBool && v.type != jbvNull)
			type_error(i, obj, "transactional", "a boolean",
					   jsonb_type_name(&v), 0);
	}
}

/* ---- reading the argument ---- */

static char *
spi_text_copy(int row, int col)
{
	char	   *s = migrate_spi_text(row, col);

	return s ? pstrdup(s) : NULL;
}

/*
 * The jsonb array as PushRevs, in the caller's memory context.  Runs as the
 * caller: it reads nothing of ours.
 */
static PushRev *
read_input(Jsonb *input, int *n)
{
	MemoryContext cxt = CurrentMemoryContext;
	PushRev    *revs;

	check_input_types(input);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT r.revision, r.down_revisions, r.branch_labels,"
					 " r.depends_on, r.message, r.upgrade, r.downgrade,"
					 " r.transactional, r.file"
					 " FROM pg_catalog.jsonb_to_recordset($1) AS r("
					 " revision pg_catalog.text,"
					 " down_revisions pg_catalog.text[],"
					 " branch_labels pg_catalog.text[],"
					 " depends_on pg_catalog.text[],"
					 " message pg_catalog.text, upgrade pg_catalog.text,"
					 " downgrade pg_catalog.text,"
					 " transactional pg_catalog.bool, file pg_catalog.text)",
					 1, (Oid[]) {JSONBOID}, (Datum[]) {JsonbPGetDatum(input)},
					 NULL);
	*n = (int) SPI_processed;
	{
		MemoryContext spicxt = MemoryContextSwitchTo(cxt);

		revs = palloc0(sizeof(PushRev) * Max(*n, 1));
		for (int i = 0; i < *n; i++)
		{
			PushRev    *r = &revs[i];
			bool		isnull;
			Datum		d;

			CHECK_FOR_INTERRUPTS();
			r->id = spi_text_copy(i, 1);
			r->down_revisions = migrate_spi_text_list(i, 2);
			r->branch_labels = migrate_spi_text_list(i, 3);
			r->depends_on = migrate_spi_text_list(i, 4);
			r->message = spi_text_copy(i, 5);
			r->upgrade = spi_text_copy(i, 6);
			r->downgrade = spi_text_copy(i, 7);
			d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
							  8, &isnull);
			r->transactional = isnull ? true : DatumGetBool(d);
			r->file = spi_text_copy(i, 9);
			if (r->id == NULL || r->id[0] == '\0')
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("element %d of the revisions has no \"revision\"",
								i + 1),
						 r->file ? errdetail("It comes from file \"%s\".", clip_file(r->file)) : 0));
			/* an absent list is no list, as migrate_revision's '{}' */
		}
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	return revs;
}

/* The registered revisions, in registration order, as the owner */
static Existing *
read_existing(int *n)
{
	MemoryContext cxt = CurrentMemoryContext;
	Existing   *ex;
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT id, checksum, message, downgrade, transactional"
					 " FROM migrate.revision ORDER BY registered",
					 0, NULL, NULL, NULL);
	*n = (int) SPI_processed;
	{
		MemoryContext spicxt = MemoryContextSwitchTo(cxt);

		ex = palloc0(sizeof(Existing) * Max(*n, 1));
		for (int i = 0; i < *n; i++)
		{
			bool		isnull;

			ex[i].id = spi_text_copy(i, 1);
			ex[i].checksum = spi_text_copy(i, 2);
			ex[i].message = spi_text_copy(i, 3);
			ex[i].downgrade = spi_text_copy(i, 4);
			ex[i].transactional =
				DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i],
										   SPI_tuptable->tupdesc, 5, &isnull));
		}
		MemoryContextSwitchTo(spicxt);
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return ex;
}

/* ---- comparing ---- */

static bool
strings_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * A file cannot tell a script from the same script with other white space
 * around it (export writes sections trimmed), and that white space changes
 * nothing that runs: such texts count as the same, and the registered one
 * is kept.  NULL and empty count as the same too.
 */
static bool
texts_equivalent(const char *a, const char *b)
{
	const char *ws = " \t\n\r\f\v";
	size_t		la,
				lb;

	a = a ? a : "";
	b = b ? b : "";
	a += strspn(a, ws);
	b += strspn(b, ws);
	la = strlen(a);
	lb = strlen(b);
	while (la > 0 && strchr(ws, a[la - 1]))
		la--;
	while (lb > 0 && strchr(ws, b[lb - 1]))
		lb--;
	return la == lb && memcmp(a, b, la) == 0;
}

static char *
join_list(List *l)
{
	StringInfoData buf;
	ListCell   *lc;

	initStringInfo(&buf);
	foreach(lc, l)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "",
						 migrate_clip(lfirst(lc)));
	return buf.len ? buf.data : pstrdup("(none)");
}

static bool
lists_equal(List *a, List *b)
{
	ListCell   *la;
	ListCell   *lb;

	if (list_length(a) != list_length(b))
		return false;
	forboth(la, a, lb, b)
		if (strcmp(lfirst(la), lfirst(lb)) != 0)
		return false;
	return true;
}

/* depends_on as written may be a prefix the registration resolved */
static bool
deps_equal(List *written, List *stored)
{
	ListCell   *la;
	ListCell   *lb;

	if (list_length(written) != list_length(stored))
		return false;
	forboth(la, written, lb, stored)
		if (strncmp(lfirst(la), lfirst(lb), strlen(lfirst(la))) != 0)
		return false;
	return true;
}

/* Split text into lines (without their newlines) */
static char **
split_lines(const char *s, int *n)
{
	int			cap = 16;
	char	  **lines = palloc(sizeof(char *) * cap);
	const char *p = s ? s : "";

	*n = 0;
	while (*p)
	{
		const char *nl = strchr(p, '\n');
		int			len = nl ? (int) (nl - p) : (int) strlen(p);

		if (*n == cap)
		{
			cap *= 2;
			lines = repalloc(lines, sizeof(char *) * cap);
		}
		lines[(*n)++] = pnstrdup(p, len);
		p += len + (nl ? 1 : 0);
	}
	return lines;
}

static void
append_line(StringInfo buf, char mark, const char *line)
{
	int			len = strlen(line);

	if (len > PUSH_REPORT_LINE_LEN)
		len = pg_mbcliplen(line, len, PUSH_REPORT_LINE_LEN);
	appendStringInfo(buf, "\n  %c%.*s%s", mark, len, line,
					 line[len] ? "..." : "");
}

/*
 * A unified-diff-like excerpt: the lines between the common prefix and the
 * common suffix, with one line of context on each side, bounded.
 */
static void
append_script_diff(StringInfo buf, const char *which, const char *old,
				   const char *new)
{
	int			no,
				nn,
				pre = 0,
				suf = 0;
	char	  **lo = split_lines(old, &no);
	char	  **ln = split_lines(new, &nn);

	while (pre < no && pre < nn && strcmp(lo[pre], ln[pre]) == 0)
		pre++;
	while (suf < no - pre && suf < nn - pre &&
		   strcmp(lo[no - 1 - suf], ln[nn - 1 - suf]) == 0)
		suf++;
	appendStringInfo(buf, "\n  @@ %s script, line %d @@", which, pre + 1);
	if (pre > 0)
		append_line(buf, ' ', lo[pre - 1]);
	for (int i = pre; i < no - suf; i++)
	{
		if (i - pre == PUSH_REPORT_LINES)
		{
			appendStringInfo(buf, "\n  (%d more lines)", no - suf - i);
			break;
		}
		append_line(buf, '-', lo[i]);
	}
	for (int i = pre; i < nn - suf; i++)
	{
		if (i - pre == PUSH_REPORT_LINES)
		{
			appendStringInfo(buf, "\n  (%d more lines)", nn - suf - i);
			break;
		}
		append_line(buf, '+', ln[i]);
	}
	if (suf > 0)
		append_line(buf, ' ', lo[no - suf]);
}

/*
 * What differs between a file and its registered row, checksummed fields
 * only, or NULL when nothing does (depends_on written as a prefix).
 */
static char *
describe_changes(const PushRev *r, const MigrateRevisionRow *row,
				 bool stored_transactional)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (!lists_equal(r->down_revisions, row->down_revisions))
		appendStringInfo(&buf, "\n  revises: registered %s, file %s",
						 join_list(row->down_revisions),
						 join_list(r->down_revisions));
	if (!lists_equal(r->branch_labels, row->branch_labels))
		appendStringInfo(&buf, "\n  branch labels: registered %s, file %s",
						 join_list(row->branch_labels),
						 join_list(r->branch_labels));
	if (!deps_equal(r->depends_on, row->depends_on))
		appendStringInfo(&buf, "\n  depends on: registered %s, file %s",
						 join_list(row->depends_on),
						 join_list(r->depends_on));
	if (r->transactional != stored_transactional)
		appendStringInfo(&buf, "\n  transactional: registered %s, file %s",
						 stored_transactional ? "yes" : "no",
						 r->transactional ? "yes" : "no");
	if (!texts_equivalent(r->upgrade, row->upgrade))
		append_script_diff(&buf, "upgrade", row->upgrade, r->upgrade);
	return buf.len ? buf.data : NULL;
}

/*
 * For a file whose checksummed fields match: the same, or a new message or
 * downgrade (which may change even when applied).  Equivalent texts are
 * replaced by the registered ones, so registration sees no change.
 */
static PushState
descriptive_state(PushRev *r, const Existing *ex)
{
	bool		same = true;

	if (texts_equivalent(r->message, ex->message))
		r->message = ex->message;
	else
		same = false;
	if (texts_equivalent(r->downgrade, ex->downgrade) &&
		(r->downgrade == NULL) == (ex->downgrade == NULL))
		r->downgrade = ex->downgrade;
	else
		same = false;
	return same ? PUSH_SAME : PUSH_DESCRIPTIVE;
}

/* ---- ordering ---- */

/* A binary min-heap of file positions: ties go to the earlier file */
typedef struct Heap
{
	int		   *v;
	int			n;
} Heap;

static void
heap_push(Heap *h, int x)
{
	int			i = h->n++;

	h->v[i] = x;
	while (i > 0 && h->v[(i - 1) / 2] > h->v[i])
	{
		int			p = (i - 1) / 2,
					t = h->v[p];

		h->v[p] = h->v[i];
		h->v[i] = t;
		i = p;
	}
}

static int
heap_pop(Heap *h)
{
	int			top = h->v[0],
				i = 0;

	h->v[0] = h->v[--h->n];
	for (;;)
	{
		int			l = 2 * i + 1,
					r = l + 1,
					m = i,
					t;

		if (l < h->n && h->v[l] < h->v[m])
			m = l;
		if (r < h->n && h->v[r] < h->v[m])
			m = r;
		if (m == i)
			break;
		t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
	return top;
}

/*
 * The files' revisions that the given one needs first: its down revisions
 * and dependencies (by id or branch label) that are among the files.
 */
static List *
prerequisites(PushRev *revs, int i, HTAB *ids, HTAB *labels)
{
	List	   *pre = NIL;
	ListCell   *lc;

	foreach(lc, revs[i].down_revisions)
	{
		int			j = id_lookup(ids, lfirst(lc));

		if (j >= 0)
			pre = lappend_int(pre, j);
	}
	foreach(lc, revs[i].depends_on)
	{
		int			j = id_lookup(ids, lfirst(lc));

		if (j < 0)
			j = id_lookup(labels, lfirst(lc));
		if (j >= 0 && j != i)
			pre = lappend_int(pre, j);
	}
	return pre;
}

static void
report_cycle(PushRev *revs, int start, List **pres, const int *indeg)
{
	StringInfoData buf;
	int			cur = start;
	int			n = 0,
				cap = 16;
	int		   *path = palloc(sizeof(int) * cap);

	/* walk to an unsorted prerequisite until one repeats */
	for (;;)
	{
		ListCell   *lc;
		int			next = -1;

		for (int k = 0; k < n; k++)
			if (path[k] == cur)
			{
				initStringInfo(&buf);
				for (int m = k; m < n; m++)
					appendStringInfo(&buf, "%s -> ",
									 migrate_clip(revs[path[m]].id));
				appendStringInfoString(&buf, migrate_clip(revs[cur].id));
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
						 errmsg("revisions form a cycle: %s", buf.data),
						 errdetail("Revision \"%s\" (%s) is its own ancestor; each revision above revises or depends on the next.",
								   migrate_clip(revs[cur].id),
								   where(&revs[cur]))));
			}
		if (n == cap)
		{
			cap *= 2;
			path = repalloc(path, sizeof(int) * cap);
		}
		path[n++] = cur;
		foreach(lc, pres[cur])
			if (indeg[lfirst_int(lc)] > 0)
			{
				next = lfirst_int(lc);
				break;
			}
		if (next < 0)
			elog(ERROR, "revision \"%s\" is not on a cycle", revs[cur].id);
		cur = next;
	}
}

/*
 * Parents and dependencies first, earlier files first among the ready
 * ones (Kahn's algorithm with a heap): the smallest order in file order.
 */
static int *
sort_revisions(PushRev *revs, int n, HTAB *ids)
{
	HTAB	   *labels = id_table("migrate push labels", n);
	List	  **pres = palloc0(sizeof(List *) * Max(n, 1));
	List	  **children = palloc0(sizeof(List *) * Max(n, 1));
	int		   *indeg = palloc0(sizeof(int) * Max(n, 1));
	int		   *order = palloc(sizeof(int) * Max(n, 1));
	Heap		heap = {palloc(sizeof(int) * Max(n, 1)), 0};
	int			norder = 0;

	for (int i = 0; i < n; i++)
	{
		ListCell   *lc;

		foreach(lc, revs[i].branch_labels)
		{
			bool		found;
			IdEntry    *e;

			if (strlen(lfirst(lc)) > MIGRATE_MAX_ID_LEN)
				continue;		/* refused by the registration */
			e = hash_search(labels, lfirst(lc), HASH_ENTER, &found);
			if (!found)
				e->index = i;
		}
	}
	for (int i = 0; i < n; i++)
	{
		ListCell   *lc;

		pres[i] = prerequisites(revs, i, ids, labels);
		foreach(lc, pres[i])
			children[lfirst_int(lc)] = lappend_int(children[lfirst_int(lc)], i);
		indeg[i] = list_length(pres[i]);
		if (indeg[i] == 0)
			heap_push(&heap, i);
	}
	while (heap.n > 0)
	{
		int			i = heap_pop(&heap);
		ListCell   *lc;

		CHECK_FOR_INTERRUPTS();
		order[norder++] = i;
		foreach(lc, children[i])
			if (--indeg[lfirst_int(lc)] == 0)
				heap_push(&heap, lfirst_int(lc));
	}
	if (norder < n)
	{
		for (int i = 0; i < n; i++)
			if (indeg[i] > 0)
				report_cycle(revs, i, pres, indeg);
	}
	return order;
}

/* ---- the error context of one registration ---- */

static void
push_context(void *arg)
{
	PushRev    *r = arg;

	if (r->file)
		errcontext("push of revision \"%s\" from file \"%s\"",
				   migrate_clip(r->id), clip_file(r->file));
	else
		errcontext("push of revision \"%s\"", migrate_clip(r->id));
}

/* ---- the function ---- */

static void
put_row(FunctionCallInfo fcinfo, const char *id, const char *action,
		const char *detail)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Datum		values[3];
	bool		nulls[3] = {false, false, detail == NULL};

	values[0] = CStringGetTextDatum(id);
	values[1] = CStringGetTextDatum(action);
	values[2] = detail ? CStringGetTextDatum(detail) : (Datum) 0;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* The set of applied revisions (by the version rows), as an id table */
static HTAB *
applied_ids(void)
{
	MigrateGraphCache *gc = migrate_graph_get();
	MigrateVersions cur = migrate_versions_read();
	int			n = mg_graph_count(gc->graph);
	bool	   *applied = palloc0(sizeof(bool) * Max(n, 1));
	HTAB	   *h = id_table("migrate push applied", 64);
	MgError		err = {0};

	if (cur.n > 0 && !mg_applied_set(gc->graph, cur.ids, cur.n, applied, &err))
		migrate_raise_graph_error(&err);
	for (int i = 0; i < n; i++)
		if (applied[i])
		{
			const char *id = mg_graph_rev(gc->graph, i)->id;

			if (strlen(id) <= MIGRATE_MAX_ID_LEN)
				((IdEntry *) hash_search(h, id, HASH_ENTER, NULL))->index = i;
		}
	return h;
}

Datum
migrate_push(PG_FUNCTION_ARGS)
{
	Jsonb	   *input;
	bool		complete;
	PushRev    *revs;
	Existing   *ex;
	int			n,
				nex,
				nchanged = 0;
	HTAB	   *ids;
	HTAB	   *exids;
	HTAB	   *applied = NULL;
	int		   *order;
	StringInfoData refused;
	int			nrefused = 0;
	const char *first_refused = NULL;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"revisions\" must not be null")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"complete\" must not be null")));
	input = PG_GETARG_JSONB_P(0);
	complete = PG_GETARG_BOOL(1);
	migrate_init_srf(fcinfo, false);

	revs = read_input(input, &n);
	ids = id_table("migrate push ids", n);
	for (int i = 0; i < n; i++)
	{
		bool		found;
		IdEntry    *e;

		if (strlen(revs[i].id) > MIGRATE_MAX_ID_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("revision identifier in %s is too long", where(&revs[i])),
					 errdetail("It is %zu bytes long; the limit is %d.",
							   strlen(revs[i].id), MIGRATE_MAX_ID_LEN)));
		e = hash_search(ids, revs[i].id, HASH_ENTER, &found);
		if (found)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("revision \"%s\" is given more than once",
							migrate_clip(revs[i].id)),
					 errdetail("It is given by %s and by %s.",
							   where(&revs[e->index]), where(&revs[i]))));
		e->index = i;
	}

	/* from here on, nobody registers beside us */
	migrate_lock_graph(true);
	ex = read_existing(&nex);
	exids = id_table("migrate push existing", nex);
	for (int i = 0; i < nex; i++)
		if (strlen(ex[i].id) <= MIGRATE_MAX_ID_LEN)
			((IdEntry *) hash_search(exids, ex[i].id, HASH_ENTER, NULL))->index = i;

	/* classify by checksum: no script is parsed for an unchanged file */
	for (int i = 0; i < n; i++)
	{
		PushRev    *r = &revs[i];
		int			j = id_lookup(exids, r->id);
		char	   *checksum;

		CHECK_FOR_INTERRUPTS();
		if (j < 0)
		{
			r->state = PUSH_NEW;
			continue;
		}
		ex[j].in_files = true;
		checksum = migrate_checksum(r->down_revisions, r->branch_labels,
									r->depends_on, r->upgrade,
									r->transactional);
		if (strcmp(checksum, ex[j].checksum) != 0)
		{
			r->state = PUSH_CHANGED;
			nchanged++;
		}
		else
			r->state = descriptive_state(r, &ex[j]);
		pfree(checksum);
	}

	/* what changed in the changed ones; applied ones refuse the push */
	initStringInfo(&refused);
	if (nchanged > 0)
	{
		const char **cids = palloc(sizeof(char *) * nchanged);
		int		   *cidx = palloc(sizeof(int) * nchanged);
		MigrateRevisionRow **rows;
		int			k = 0;

		for (int i = 0; i < n; i++)
			if (revs[i].state == PUSH_CHANGED)
			{
				cidx[k] = i;
				cids[k++] = revs[i].id;
			}
		rows = migrate_revisions_fetch(cids, nchanged);
		applied = applied_ids();
		for (k = 0; k < nchanged; k++)
		{
			PushRev    *r = &revs[cidx[k]];
			int			j = id_lookup(exids, r->id);

			r->changes = describe_changes(r, rows[k], ex[j].transactional);
			if (r->changes == NULL)
			{
				/*
				 * White space around the script, or a dependency written as
				 * a prefix of what it resolved to: keep what is registered.
				 */
				r->upgrade = rows[k]->upgrade;
				r->depends_on = rows[k]->depends_on;
				r->state = descriptive_state(r, &ex[j]);
				continue;
			}
			if (id_lookup(applied, r->id) < 0)
				continue;
			if (nrefused++ == 0)
				first_refused = r->id;
			if (nrefused <= PUSH_REPORT_REVISIONS)
				appendStringInfo(&refused, "%sRevision \"%s\" (%s):%s",
								 refused.len ? "\n" : "", migrate_clip(r->id),
								 where(r),
								 r->changes);
		}
	}
	if (nrefused > 0)
	{
		if (nrefused > PUSH_REPORT_REVISIONS)
			appendStringInfo(&refused, "\n(and %d more revisions)",
							 nrefused - PUSH_REPORT_REVISIONS);
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 nrefused == 1 ?
				 errmsg("revision \"%s\" is applied and its file differs from the registered revision",
						migrate_clip(first_refused)) :
				 errmsg("%d applied revisions differ from their files",
						nrefused),
				 errdetail("%s", refused.data),
				 errhint("An applied revision cannot change: restore the file from version control and put the change in a new revision, or downgrade below the revision first.")));
	}

	/* register what is new or changed, parents and dependencies first */
	order = sort_revisions(revs, n, ids);
	for (int k = 0; k < n; k++)
	{
		PushRev    *r = &revs[order[k]];
		ErrorContextCallback ctx;

		if (r->state == PUSH_SAME)
			continue;
		CHECK_FOR_INTERRUPTS();
		ctx.callback = push_context;
		ctx.arg = r;
		ctx.previous = error_context_stack;
		error_context_stack = &ctx;
		(void) migrate_register(r->message, r->upgrade, r->downgrade, r->id,
								r->down_revisions, true, r->branch_labels,
								r->depends_on, NULL, false, r->transactional);
		error_context_stack = ctx.previous;
		if (r->state == PUSH_NEW)
			put_row(fcinfo, r->id, "registered", NULL);
		else
		{
			int			j = id_lookup(exids, r->id);
			StringInfoData what;

			initStringInfo(&what);
			if (r->state == PUSH_CHANGED)
				appendStringInfoString(&what, "content");
			if (!strings_equal(r->message, ex[j].message))
				appendStringInfo(&what, "%smessage", what.len ? ", " : "");
			if (!strings_equal(r->downgrade, ex[j].downgrade) ||
				(r->downgrade == NULL) != (ex[j].downgrade == NULL))
				appendStringInfo(&what, "%sdowngrade", what.len ? ", " : "");
			put_row(fcinfo, r->id, "updated", what.data);
		}
	}

	/* registered, but not among the files */
	if (complete)
	{
		for (int i = 0; i < nex; i++)
		{
			if (ex[i].in_files)
				continue;
			if (applied == NULL)
				applied = applied_ids();
			put_row(fcinfo, ex[i].id, "missing",
					id_lookup(applied, ex[i].id) >= 0 ? "applied" : "not applied");
		}
	}
	return (Datum) 0;
}

/*
 * migrate_export(): every registered revision with what its file holds, in
 * registration order, so that pg_migrate export writes files that push
 * back as no-ops.
 */
PG_FUNCTION_INFO_V1(migrate_export);

Datum
migrate_export(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo;
	Oid			save_userid;
	int			save_sec;

	migrate_init_srf(fcinfo, false);
	rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	migrate_lock_graph(false);
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
					 "SELECT id, down_revisions, branch_labels, depends_on,"
					 " message, upgrade, downgrade, transactional, created_at"
					 " FROM migrate.revision ORDER BY registered",
					 0, NULL, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Datum		values[9];
		bool		nulls[9];

		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < 9; c++)
			values[c] = SPI_getbinval(SPI_tuptable->vals[i],
									  SPI_tuptable->tupdesc, c + 1, &nulls[c]);
		/* the tuplestore copies the values out of SPI's memory */
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return (Datum) 0;
}
