/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reading and writing migrate's own tables.
 *
 * Everything that touches schema "migrate" goes through this file, as the
 * extension's owner (migrate_catalog_enter/leave), so that a deploy role
 * needs EXECUTE on our functions and nothing on our tables, while revision
 * scripts keep running as the calling user.
 *
 * The revision graph is loaded into a per-backend cache.  Every change to
 * the graph bumps migrate.graph_state.generation to a fresh value of a
 * sequence (never reused, so a rolled-back change can never be mistaken for
 * a committed one); a backend reloads when the generation it reads under
 * its snapshot differs from the one it cached.  That keeps migrate_heads()
 * and planning on a 100,000-revision graph to a single-row read once warm,
 * while registration itself never loads the graph on its common path, so
 * its cost does not grow with the graph.  When preloaded, a new backend
 * takes the graph of the generation it sees from shared memory instead of
 * reading every row (graphcache.c; migrate_graph_get says when).
 *
 * Lock order.  Two advisory locks guard the catalog: the graph lock
 * (key 1835624306, 2; exclusive for registration, shared for runs) and the
 * runner lock (1835624306, 1; held by anything writing version rows).
 * Everywhere the graph lock is taken first, then the runner lock; code
 * holding the runner lock never waits for the graph lock (see
 * migrate_lock_graph).
 *
 * Layer: catalog (src/catalog/), above core/ and util/; below run/ and
 * everything else.  Within catalog/ it calls graphcache.c and
 * graph_error.c.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "jit/jit.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "catalog.h"
#include "compat.h"
#include "graphcache.h"

static MigrateGraphCache *graph_cache = NULL;

/* ---- the extension owner ---- */

static Oid
extension_owner(void)
{
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;
	Oid			owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("migrate"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
		owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"migrate\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION migrate.")));
	return owner;
}

/*
 * Become the extension owner for catalog access, with every setting that
 * decides what our SQL means pinned.
 *
 * Name resolution follows the session's search_path, and the session's temp
 * schema is searched first for types and relations unless search_path
 * names it: as the extension owner, an unqualified "::text" could run a
 * hostile domain's CHECK constraint.  So, besides writing every internal
 * name qualified, we open a GUC nest level (as a function's SET clause
 * does) holding search_path = pg_catalog, pg_temp: pg_temp explicitly last
 * is never searched before pg_catalog, and never for functions and
 * operators.  jit = off too: our catalog queries are short and must not pay
 * JIT compilation in every new session.
 *
 * SECURITY_LOCAL_USERID_CHANGE keeps SET ROLE and friends from undoing the
 * identity change.  Transaction (and subtransaction) abort restores both
 * the identity and the settings on error, so callers only call
 * migrate_catalog_leave on the success path.  The nest level travels to
 * migrate_catalog_leave in the upper bits of *save_sec, which callers treat
 * as opaque (the security context flags use the low bits only).
 */
#define CATALOG_NEST_SHIFT 16

int
migrate_pin_settings(void)
{
	int			nestlevel = NewGUCNestLevel();

	(void) set_config_option("search_path", MIGRATE_SAFE_SEARCH_PATH,
							 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
							 true, 0, false);
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

void
migrate_unpin_settings(int nestlevel)
{
	AtEOXact_GUC(true, nestlevel);
}

void
migrate_catalog_enter(Oid *save_userid, int *save_sec)
{
	Oid			owner = extension_owner();
	int			sec;
	int			nestlevel;

	GetUserIdAndSecContext(save_userid, &sec);
	Assert(sec < (1 << CATALOG_NEST_SHIFT));
	SetUserIdAndSecContext(owner, sec | SECURITY_LOCAL_USERID_CHANGE);
	nestlevel = migrate_pin_settings();
	*save_sec = sec | (nestlevel << CATALOG_NEST_SHIFT);
}

void
migrate_catalog_leave(Oid save_userid, int save_sec)
{
	migrate_unpin_settings(save_sec >> CATALOG_NEST_SHIFT);
	SetUserIdAndSecContext(save_userid,
						   save_sec & ((1 << CATALOG_NEST_SHIFT) - 1));
}

/* Whether the settings are pinned, as migrate_pin_settings leaves them */
static bool
settings_pinned(void)
{
	return strcmp(namespace_search_path, MIGRATE_SAFE_SEARCH_PATH) == 0 &&
		!jit_enabled;
}

/* ---- SPI helpers ---- */

/*
 * Our catalog queries, prepared once per backend.  There are a few dozen of
 * them, all string constants, so a short list searched by pointer (then by
 * text, should a compiler not merge equal literals) beats parsing and
 * planning each call: registering 10,000 revisions runs some 40,000 of them.
 * Saved plans survive DROP/CREATE EXTENSION: the plan cache re-resolves
 * names when the tables they used go away.
 */
typedef struct CachedQuery
{
	const char *sql;
	SPIPlanPtr	plan;
	struct CachedQuery *next;
} CachedQuery;

static CachedQuery *cached_queries = NULL;

static SPIPlanPtr
prepared_query(const char *sql, int nargs, Oid *types)
{
	CachedQuery *cq;
	SPIPlanPtr	plan;

	for (cq = cached_queries; cq != NULL; cq = cq->next)
		if (cq->sql == sql || strcmp(cq->sql, sql) == 0)
			return cq->plan;
	plan = SPI_prepare(sql, nargs, types);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed for query \"%s\": %s",
			 sql, SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "SPI_keepplan failed");
	cq = MemoryContextAlloc(TopMemoryContext, sizeof(CachedQuery));
	cq->sql = MemoryContextStrdup(TopMemoryContext, sql);
	cq->plan = plan;
	cq->next = cached_queries;
	cached_queries = cq;
	return plan;
}

/*
 * Run a catalog query with parameters, its saved plan (keep) or a plan made
 * for these values, planned without sequential scans if indexed; error out
 * unless it returns expected.
 */
static void
spi_exec(bool keep, bool indexed, int expected, const char *sql, int nargs,
		 Oid *types, Datum *values, const char *nulls)
{
	int			rc;
	int			nestlevel = -1;
	int			indexlevel = -1;

	/*
	 * Every catalog query is planned and run under the pinned settings,
	 * whoever calls it: a saved plan is revalidated against the search_path
	 * current when it runs, and a caller outside migrate_catalog_enter (a
	 * background worker writing the run log) must be immune too.
	 */
	if (!settings_pinned())
		nestlevel = migrate_pin_settings();
	if (indexed)
	{
		indexlevel = NewGUCNestLevel();
		(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	}
	if (keep)
		rc = SPI_execute_plan(prepared_query(sql, nargs, types), values, nulls,
							  false, 0);
	else
		rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
	if (indexlevel >= 0)
		AtEOXact_GUC(true, indexlevel);
	if (nestlevel >= 0)
		migrate_unpin_settings(nestlevel);
	if (rc != expected)
		elog(ERROR, "SPI failed executing query \"%s\": %s",
			 sql, SPI_result_code_string(rc));
}

/* Run a catalog query, prepared once per backend (above) */
void
migrate_spi_exec(int expected, const char *sql, int nargs, Oid *types,
				 Datum *values, const char *nulls)
{
	spi_exec(true, false, expected, sql, nargs, types, values, nulls);
}

/*
 * Run a catalog lookup by one key through its index, the plan saved as for
 * migrate_spi_exec.  A saved plan is made once, often while the table is
 * small, and kept while it grows: a sequential scan chosen for the first
 * registrations of a long push was run for every later one (pushing
 * 10,000 revisions took 7 s, 30,000 took 70 s).  The plan is made with
 * sequential scans off, so a key found through the primary key or a GIN
 * index stays a lookup however large migrate.revision grows.
 */
void
migrate_spi_exec_indexed(int expected, const char *sql, int nargs, Oid *types,
						 Datum *values, const char *nulls)
{
	spi_exec(true, true, expected, sql, nargs, types, values, nulls);
}

/*
 * Run a catalog query planned for these very values and not kept: for a
 * query whose good plan depends on them.  A saved plan may turn generic,
 * and a generic plan sees "x = ANY ($2)" as a linear search of an array it
 * does not know; planned with the array as a constant, the search becomes
 * a hash lookup.
 */
void
migrate_spi_exec_once(int expected, const char *sql, int nargs, Oid *types,
					  Datum *values, const char *nulls)
{
	spi_exec(false, false, expected, sql, nargs, types, values, nulls);
}

char *
migrate_spi_text(int row, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row],
								  SPI_tuptable->tupdesc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/* Deconstruct a text[] column value into a palloc'd C string array */
int
migrate_spi_text_array(int row, int col, const char ***out)
{
	bool		isnull;
	Datum		d = SPI_getbinval(SPI_tuptable->vals[row],
								  SPI_tuptable->tupdesc, col, &isnull);
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *elemnulls;
	int			n;
	const char **items;

	*out = NULL;
	if (isnull)
		return 0;
	arr = DatumGetArrayTypeP(d);
	if (ARR_NDIM(arr) == 0)
		return 0;
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &elemnulls, &n);
	items = palloc(sizeof(char *) * n);
	for (int i = 0; i < n; i++)
		items[i] = elemnulls[i] ? "" : TextDatumGetCString(elems[i]);
	*out = items;
	return n;
}

/* A text[] column value as a List of C strings (NULL elements as "") */
List *
migrate_spi_text_list(int row, int col)
{
	const char **items;
	int			n = migrate_spi_text_array(row, col, &items);

	return migrate_list_from_array((void *const *) items, n);
}

Datum
migrate_cstrings_to_text_array(const char *const *items, int n)
{
	Datum	   *elems;

	if (n == 0)
		return PointerGetDatum(construct_empty_array(TEXTOID));
	elems = palloc(sizeof(Datum) * n);

	for (int i = 0; i < n; i++)
		elems[i] = CStringGetTextDatum(items[i]);
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false,
										   TYPALIGN_INT));
}

Datum
migrate_list_to_text_array(List *list)
{
	int			n = list_length(list);
	const char **items = palloc(sizeof(char *) * Max(n, 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, list)
		items[i++] = lfirst(lc);
	return migrate_cstrings_to_text_array(items, n);
}

/*
 * A text[] argument as a List of C strings.  NULL elements and
 * multi-dimensional arrays are user errors, reported against argname.
 */
List *
migrate_text_array_to_list(ArrayType *arr, const char *argname)
{
	Datum	   *elems;
	bool	   *nulls;
	char	  **items;
	int			n;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must be a one-dimensional array",
						argname)));
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT,
					  &elems, &nulls, &n);
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not contain null elements",
							argname)));
	}
	items = palloc(sizeof(char *) * (n + 1));
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		items[i] = TextDatumGetCString(elems[i]);
	}
	return migrate_list_from_array((void *const *) items, n);
}

/*
 * A symbol a user hands us (target, range, revision to show) must be short
 * and printable before it is echoed in any message: identifiers are at most
 * MIGRATE_MAX_ID_LEN bytes, a symbol a few of them.
 */
void
migrate_check_symbol(const char *symbol, const char *what)
{
	size_t		len = strlen(symbol);

	if (len > 4 * MIGRATE_MAX_ID_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s is too long", what),
				 errdetail("It is %zu bytes long; the limit is %d.",
						   len, 4 * MIGRATE_MAX_ID_LEN)));
	for (size_t i = 0; i < len; i++)
		if ((unsigned char) symbol[i] < 0x20 || symbol[i] == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s must not contain control characters", what)));
}

/* ---- the graph cache ---- */

/*
 * The generation the current snapshot sees, and the OID of migrate.revision,
 * locked (AccessShareLock, as the load query would) so that a concurrent
 * DROP EXTENSION cannot swap the table between this look-up and our reads.
 */
static int64
read_generation(Oid *relid)
{
	int64		generation;
	bool		isnull;

	*relid = RangeVarGetRelid(makeRangeVar("migrate", "revision", -1),
							  AccessShareLock, false);
	migrate_spi_exec(SPI_OK_SELECT,
			"SELECT generation FROM migrate.graph_state", 0, NULL, NULL, NULL);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"migrate.graph_state\" must hold exactly one row"),
				 errhint("Restore it with ALTER EXTENSION migrate UPDATE or a fresh CREATE EXTENSION.")));
	generation = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1,
											 &isnull));
	return generation;
}

/*
 * Run fn in an internal subtransaction, for the shared cache: it is only a
 * shortcut, so an error there (a DSM segment that cannot be mapped, memory)
 * is logged at DEBUG1 and the caller reads the rows through SPI instead.
 * A cancel is still a cancel.
 */
static bool
shared_cache_call(void (*fn) (void *), void *arg)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = true;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		fn(arg);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata = migrate_subxact_abort(oldcxt, oldowner);

		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
			ReThrowError(edata);
		ereport(DEBUG1,
				(errmsg_internal("shared revision graph cache skipped: %s",
								 edata->message)));
		FreeErrorData(edata);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

typedef struct SharedGraph
{
	int64		generation;
	Oid			relid;
	MemoryContext cxt;			/* the new cache entry's context */
	/* from the shared cache */
	MigrateGraphCache *gc;
	/* to the shared cache */
	const MgRevisionInput *input;
	const MigrateRevInfo *info;
	int			nrevs;
} SharedGraph;

static void
shared_graph_copy(void *arg)
{
	SharedGraph *sg = arg;
	MemoryContext oldcxt = MemoryContextSwitchTo(sg->cxt);
	char	   *blob;
	Size		len;
	MgRevisionInput *input;
	MigrateRevInfo *info;
	int			n;

	blob = migrate_graphcache_lookup(MyDatabaseId, sg->relid, sg->generation,
									 &len);
	if (blob != NULL &&
		!migrate_graphcache_deserialize(blob, len, MyDatabaseId, sg->relid,
										sg->generation, &input, &info, &n))
	{
		ereport(DEBUG1,
				(errmsg_internal("ignoring malformed shared revision graph of generation " INT64_FORMAT,
								 sg->generation)));
		blob = NULL;
	}
	if (blob != NULL)
	{
		MgError		err = {0};
		MgGraph    *g = mg_graph_build(input, n, &err);

		/* an invalid graph: let the SPI load report it */
		if (g != NULL)
		{
			sg->gc = palloc0(sizeof(MigrateGraphCache));
			sg->gc->cxt = sg->cxt;
			sg->gc->generation = sg->generation;
			sg->gc->revision_relid = sg->relid;
			sg->gc->graph = g;
			sg->gc->info = info;
		}
	}
	MemoryContextSwitchTo(oldcxt);
}

/* The graph of this generation from the shared cache, or NULL */
static MigrateGraphCache *
graph_from_shared(int64 generation, Oid relid)
{
	SharedGraph sg = {0};
	MemoryContext oldcxt = CurrentMemoryContext;
	bool		ok;

	sg.generation = generation;
	sg.relid = relid;
	sg.cxt = AllocSetContextCreate(TopMemoryContext, "migrate graph cache",
								   ALLOCSET_DEFAULT_SIZES);
	/* a cancel while the graph is built is passed on: free its context */
	PG_TRY();
	{
		ok = shared_cache_call(shared_graph_copy, &sg);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(sg.cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	if (!ok || sg.gc == NULL)
	{
		MemoryContextDelete(sg.cxt);
		return NULL;
	}
	ereport(DEBUG1,
			(errmsg_internal("revision graph of generation " INT64_FORMAT " taken from the shared cache",
							 generation)));
	return sg.gc;
}

static void
shared_graph_store(void *arg)
{
	SharedGraph *sg = arg;
	char	   *blob;
	Size		len;

	blob = migrate_graphcache_serialize(sg->input, sg->info, sg->nrevs,
										MyDatabaseId, sg->relid,
										sg->generation,
										migrate_graphcache_max_blob(), &len);
	if (blob == NULL)
		return;
	migrate_graphcache_publish(MyDatabaseId, sg->relid, sg->generation,
							   blob, len);
	pfree(blob);
	ereport(DEBUG1,
			(errmsg_internal("revision graph of generation " INT64_FORMAT " offered to the shared cache",
							 sg->generation)));
}

/*
 * Load every revision into a new cache entry allocated in its own context,
 * keyed by the generation read in the same statement, so under the same
 * snapshot as the rows (two statements would let a commit in between pair
 * newer rows with an older generation).  With publish, store the rows in
 * the shared cache too.  The caller is connected to SPI and holds the lock
 * read_generation() took on migrate.revision (relid).
 */
static MigrateGraphCache *
load_graph(Oid relid, bool publish)
{
	MemoryContext cxt;
	MemoryContext oldcxt;
	MigrateGraphCache *gc;
	MgRevisionInput *input;
	MgError		err = {0};
	uint64		n;
	int64		generation;
	bool		isnull;

	/* a LEFT JOIN, so that an empty graph still returns its generation */
	migrate_spi_exec(SPI_OK_SELECT,
			"SELECT g.generation, r.id, r.down_revisions, r.branch_labels,"
			" r.depends_on, r.message, r.checksum, r.created_at"
			" FROM migrate.graph_state g LEFT JOIN migrate.revision r ON true"
			" ORDER BY r.registered",
			0, NULL, NULL, NULL);
	n = SPI_processed;
	if (n == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table \"migrate.graph_state\" must hold exactly one row"),
				 errhint("Restore it with ALTER EXTENSION migrate UPDATE or a fresh CREATE EXTENSION.")));
	generation = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
											 SPI_tuptable->tupdesc, 1,
											 &isnull));
	(void) SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
						 &isnull);
	if (isnull)
		n = 0;					/* no revisions */
	if (n > INT_MAX / 2)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many revisions: " UINT64_FORMAT, n)));

	cxt = AllocSetContextCreate(TopMemoryContext, "migrate graph cache",
								ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		gc = palloc0(sizeof(MigrateGraphCache));
		gc->cxt = cxt;
		gc->generation = generation;
		gc->revision_relid = relid;
		gc->info = palloc0(sizeof(MigrateRevInfo) * Max(n, 1));
		input = palloc0(sizeof(MgRevisionInput) * Max(n, 1));
		for (uint64 i = 0; i < n; i++)
		{
			Datum		d;

			if (DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i],
											SPI_tuptable->tupdesc, 1,
											&isnull)) != generation)
				elog(ERROR, "migrate.graph_state holds more than one row");
			input[i].id = migrate_spi_text(i, 2);
			input[i].ndown = migrate_spi_text_array(i, 3, (const char ***) &input[i].down_revisions);
			input[i].nlabels = migrate_spi_text_array(i, 4, (const char ***) &input[i].branch_labels);
			input[i].ndepends = migrate_spi_text_array(i, 5, (const char ***) &input[i].depends_on);
			gc->info[i].message = migrate_spi_text(i, 6);
			gc->info[i].checksum = migrate_spi_text(i, 7);
			d = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
							  8, &isnull);
			gc->info[i].created_at = isnull ? 0 : DatumGetTimestampTz(d);
		}
		gc->graph = mg_graph_build(input, (int) n, &err);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);

	if (gc->graph == NULL)
	{
		/* the error's texts live in cxt: copy them out before freeing it */
		MgError		copy = err;

		copy.message = err.message ? pstrdup(err.message) : NULL;
		copy.detail = err.detail ? pstrdup(err.detail) : NULL;
		copy.hint = err.hint ? pstrdup(err.hint) : NULL;
		MemoryContextDelete(cxt);
		migrate_raise_graph_error(&copy);
	}

	if (publish)
	{
		SharedGraph sg = {0};

		sg.generation = generation;
		sg.relid = relid;
		sg.input = input;
		sg.info = gc->info;
		sg.nrevs = (int) n;
		shared_cache_call(shared_graph_store, &sg);
	}
	return gc;
}

/* Forget the cached graph: this backend just changed the revisions */
void
migrate_graph_invalidate(void)
{
	if (graph_cache != NULL)
		graph_cache->generation = -1;
}

/*
 * Who owns a loaded graph, and how long it lives.
 *
 * This file owns every loaded graph.  migrate_graph_get() returns the
 * current one, valid until the next call of migrate_graph_get() or of
 * anything that may call it: any API function, so any revision script.
 * Code that keeps using a graph across such calls (a run, whose scripts may
 * register revisions and then read the graph again) pins it: a pinned graph
 * that a newer generation replaces is set aside, not freed, and freed when
 * its last pin goes.  Pins do not outlive the transaction: at its end
 * (commit or abort, so an error between pin and unpin leaks nothing) every
 * set-aside graph is freed and the pin count of the current one cleared.
 */
static List *orphaned_graphs = NIL;	/* pinned graphs no longer current */
static bool graph_xact_callback_registered = false;

static void
release_graph(MigrateGraphCache *gc)
{
	if (gc->pins > 0)
	{
		MemoryContext oldcxt = MemoryContextSwitchTo(TopMemoryContext);

		gc->orphaned = true;
		orphaned_graphs = lappend(orphaned_graphs, gc);
		MemoryContextSwitchTo(oldcxt);
	}
	else
		MemoryContextDelete(gc->cxt);
}

static void
graph_xact_callback(XactEvent event, void *arg)
{
	ListCell   *lc;

	if (event != XACT_EVENT_COMMIT && event != XACT_EVENT_ABORT &&
		event != XACT_EVENT_PARALLEL_COMMIT &&
		event != XACT_EVENT_PARALLEL_ABORT && event != XACT_EVENT_PREPARE)
		return;
	foreach(lc, orphaned_graphs)
		MemoryContextDelete(((MigrateGraphCache *) lfirst(lc))->cxt);
	list_free(orphaned_graphs);
	orphaned_graphs = NIL;
	if (graph_cache != NULL)
		graph_cache->pins = 0;
}

/* The current graph, pinned until migrate_graph_unpin (or transaction end) */
MigrateGraphCache *
migrate_graph_pin(void)
{
	MigrateGraphCache *gc = migrate_graph_get();

	if (!graph_xact_callback_registered)
	{
		RegisterXactCallback(graph_xact_callback, NULL);
		graph_xact_callback_registered = true;
	}
	gc->pins++;
	return gc;
}

void
migrate_graph_unpin(MigrateGraphCache *gc)
{
	Assert(gc->pins > 0);
	if (--gc->pins > 0 || !gc->orphaned)
		return;
	orphaned_graphs = list_delete_ptr(orphaned_graphs, gc);
	MemoryContextDelete(gc->cxt);
}

/*
 * The revision graph as this transaction sees it, loaded at most once per
 * graph generation.  The returned entry stays valid until the next call,
 * unless pinned (migrate_graph_pin).
 *
 * A backend that has no graph of the generation it sees takes it from the
 * shared cache (graphcache.c) when it can, and otherwise reads the rows and
 * offers them there.  Only a transaction that has written nothing may offer
 * them: what it read is then committed data, exactly the graph of the
 * generation it read with it.  A transaction that has changed the graph
 * does not use the shared cache at all: it must see its own changes.
 */
MigrateGraphCache *
migrate_graph_get(void)
{
	Oid			save_userid;
	int			save_sec;
	int64		generation;
	Oid			relid;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	generation = read_generation(&relid);
	if (graph_cache == NULL || graph_cache->generation != generation ||
		graph_cache->revision_relid != relid)
	{
		/* the shared path needs a subtransaction: none in parallel mode */
		bool		shared = migrate_graphcache_enabled() &&
			!migrate_graph_changed_in_this_xact() && !IsInParallelMode();
		MigrateGraphCache *fresh = NULL;

		if (shared)
			fresh = graph_from_shared(generation, relid);
		if (fresh == NULL)
			fresh = load_graph(relid, shared &&
							   !TransactionIdIsValid(GetTopTransactionIdIfAny()));
		if (graph_cache != NULL)
			release_graph(graph_cache);
		graph_cache = fresh;
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return graph_cache;
}

/*
 * Other backends see a transaction's changes all at once, so bumping the
 * graph generation once per transaction is enough; bumping it for every
 * registration would make a bulk registration in one statement update the
 * same row thousands of times, each update walking a longer chain of row
 * versions.  A subtransaction abort may have undone the bump, so it is
 * forgotten then.  This backend's own cache is invalidated on every change.
 */
static LocalTransactionId generation_bumped_in = InvalidLocalTransactionId;

static void
forget_generation_bump(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		generation_bumped_in = InvalidLocalTransactionId;
}

void
migrate_graph_bump_generation(void)
{
	static bool callback_registered = false;

	migrate_graph_invalidate();
	if (generation_bumped_in == migrate_current_lxid())
		return;
	if (!callback_registered)
	{
		RegisterSubXactCallback(forget_generation_bump, NULL);
		callback_registered = true;
	}
	migrate_spi_exec(SPI_OK_UPDATE,
					 "UPDATE migrate.graph_state SET generation ="
					 " pg_catalog.nextval('migrate.graph_generation_seq')",
					 0, NULL, NULL, NULL);
	generation_bumped_in = migrate_current_lxid();
}

/*
 * Whether this transaction has bumped the generation, so that the graph it
 * reads may hold registrations its generation does not account for (see
 * migrate_graph_bump_generation): this file neither publishes such a graph
 * to the shared cache nor takes one from it.  A subtransaction abort
 * forgets the bump, so this file also refuses to publish from any
 * transaction that has an xid.
 */
bool
migrate_graph_changed_in_this_xact(void)
{
	return generation_bumped_in != InvalidLocalTransactionId &&
		generation_bumped_in == migrate_current_lxid();
}

/* ---- version rows ---- */

/*
 * The version table's rows.  Alembic reads them in whatever order the
 * database returns; we sort them so that every run is deterministic.
 */
MigrateVersions
migrate_versions_read(void)
{
	Oid			save_userid;
	int			save_sec;
	MemoryContext cxt = CurrentMemoryContext;
	MigrateVersions v;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
			"SELECT version_num FROM migrate.version"
			" ORDER BY version_num COLLATE pg_catalog.\"C\"", 0, NULL, NULL, NULL);
	v.n = (int) SPI_processed;
	v.ids = MemoryContextAlloc(cxt, sizeof(char *) * Max(v.n, 1));
	for (int i = 0; i < v.n; i++)
	{
		char	   *s = migrate_spi_text(i, 1);

		v.ids[i] = MemoryContextStrdup(cxt, s ? s : "");
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return v;
}

/* Empty the version table, for migrate_stamp(purge => true) */
void
migrate_versions_purge(void)
{
	Oid			save_userid;
	int			save_sec;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_DELETE, "DELETE FROM migrate.version",
					 0, NULL, NULL, NULL);
	if (SPI_processed > 0)
		ereport(NOTICE,
				(errmsg_plural("purged %d version row",
							   "purged %d version rows",
							   (int) SPI_processed, (int) SPI_processed)));
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/* ---- full rows ---- */

/* Row r of a query selecting a revision's full row (see below) */
static MigrateRevisionRow *
spi_revision_row(uint64 r)
{
	MigrateRevisionRow *row = palloc0(sizeof(MigrateRevisionRow));
	bool		isnull;
	Datum		d;

	row->id = migrate_spi_text(r, 1);
	row->down_revisions = migrate_spi_text_list(r, 2);
	row->branch_labels = migrate_spi_text_list(r, 3);
	row->depends_on = migrate_spi_text_list(r, 4);
	row->message = migrate_spi_text(r, 5);
	row->upgrade = migrate_spi_text(r, 6);
	row->downgrade = migrate_spi_text(r, 7);
	row->checksum = migrate_spi_text(r, 8);
	d = SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 9, &isnull);
	row->created_at = isnull ? 0 : DatumGetTimestampTz(d);
	row->created_by = migrate_spi_text(r, 10);
	if (SPI_tuptable->tupdesc->natts >= 11)
		row->owner = migrate_spi_text(r, 11);
	return row;
}

/* Whether migrate.revision has the column (false without the catalog) */
static bool
revision_has_column(const char *column)
{
	Oid			nsp = get_namespace_oid("migrate", true);
	Oid			relid;

	if (!OidIsValid(nsp))
		return false;
	relid = get_relname_relid("revision", nsp);
	return OidIsValid(relid) && get_attnum(relid, column) != InvalidAttrNumber;
}

/*
 * Whether the catalog records revision owners (1.2).  One shared library
 * serves every database, some of which may not have run ALTER EXTENSION
 * UPDATE yet: there, scripts run as the caller, as before 1.2.
 */
bool
migrate_catalog_has_owners(void)
{
	return revision_has_column("owner");
}

/* Whether the catalog has the columns of 1.1 (migrate.revision.transactional) */
bool
migrate_catalog_has_transactional(void)
{
	return revision_has_column("transactional");
}

/*
 * Replacing a registered revision, or changing its downgrade script, is
 * changing code that runs as its owner: only the owner's members may.
 * A revision whose owner role was dropped may be changed by superusers.
 */
void
migrate_check_may_change(const char *id, const char *owner, Oid caller)
{
	Oid			role;

	if (owner == NULL)
		return;					/* a catalog before 1.2 */
	role = get_role_oid(owner, true);
	if (OidIsValid(role) ? has_privs_of_role(caller, role) :
		superuser_arg(caller))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("permission denied to change revision \"%s\"", id),
			 errdetail("Revision \"%s\" belongs to role \"%s\", and role \"%s\" is not a member of it.",
					   id, owner, GetUserNameFromId(caller, false)),
			 errhint("Register a new revision instead, or change this one as a member of role \"%s\".",
					 owner)));
}

/*
 * The role a revision's script runs as: its owner, the role that
 * registered it.  Nobody gets SQL run with privileges they do not hold,
 * and nobody runs SQL they did not intend to: a runner must be a member of
 * the owner role (a superuser is a member of every role), so a superuser's
 * upgrade runs a deployer's revision with the deployer's rights only, and
 * a deployer cannot run a superuser's revision at all.  Every path that
 * runs a script (the functions, the procedures, jobs, pg_cron, the
 * auto-upgrade worker) comes through here (exec.c for transactional steps, script.c for the
 * statements of non-transactional ones).  Before 1.2 the catalog has no
 * owners and scripts run as the caller.
 */
Oid
migrate_script_role(const MigrateRevisionRow *row, const char *which)
{
	Oid			current = GetUserId();
	Oid			role;

	if (row->owner == NULL)
		return current;
	role = get_role_oid(row->owner, true);
	if (!OidIsValid(role))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role \"%s\" owning revision \"%s\" does not exist",
						row->owner, row->id),
				 errdetail("The %s script of a revision runs as the role that registered it.",
						   which),
				 errhint("Create role \"%s\" again.", row->owner)));
	if (!has_privs_of_role(current, role))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to run revision \"%s\"", row->id),
				 errdetail("The %s script of revision \"%s\" runs as its owner, role \"%s\", and role \"%s\" is not a member of it.",
						   which, row->id, row->owner,
						   GetUserNameFromId(current, false)),
				 errhint("Run the migration as a member of role \"%s\".",
						 row->owner)));
	return role;
}

MigrateRevisionRow *
migrate_revision_fetch(const char *id)
{
	MigrateRevisionRow **rows = migrate_revisions_fetch(&id, 1);

	return rows[0];
}

/*
 * applied_at for every revision of the cached graph (0 where the revision
 * has no row in migrate.applied), indexed like the graph.
 */
TimestampTz *
migrate_applied_times(MigrateGraphCache *gc)
{
	Oid			save_userid;
	int			save_sec;
	int			n = mg_graph_count(gc->graph);
	TimestampTz *times = palloc0(sizeof(TimestampTz) * Max(n, 1));

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT,
			"SELECT revision, applied_at FROM migrate.applied",
			0, NULL, NULL, NULL);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		char	   *id = migrate_spi_text(i, 1);
		int			idx = mg_graph_lookup(gc->graph, id);

		if (idx >= 0)
			times[idx] = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i],
														   SPI_tuptable->tupdesc,
														   2, &isnull));
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return times;
}

/* ---- locks ---- */

/*
 * The lock order, everywhere: the graph lock first, then the runner lock.
 * Runs take the graph lock (shared) before the runner lock; registrations
 * take the graph lock (exclusive) and never the runner lock.  Code that
 * already holds the runner lock must not wait for the graph lock: a
 * session waiting for the runner lock while holding the graph lock would
 * wait for it forever.  Runs that commit per step (runner.c) must take the
 * graph lock before the runner lock too.  A revision script that registers a
 * revision during a run is the one case left in this file: there
 * migrate_lock_graph() only tries for the exclusive lock and fails at once
 * with 40P01 (clients retry deadlocks) rather than waiting for the deadlock
 * detector, which might as well abort the other session.  Not 55P03: the
 * lock-retry loop of a run retries that, and this wait would not end by
 * waiting.
 */
static void
advisory_tag(LOCKTAG *tag, int32 key2)
{
	/* as pg_advisory_lock(int4, int4) builds it (lockfuncs.c) */
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, MIGRATE_LOCK_KEY1, key2, 2);
}

static bool
holds_advisory(int32 key2, LOCKMODE mode)
{
	LOCKTAG		tag;

	advisory_tag(&tag, key2);
	return migrate_lock_held_by_me(&tag, mode);
}

void
migrate_lock_graph(bool exclusive)
{
	Datum		k1 = Int32GetDatum(MIGRATE_LOCK_KEY1);
	Datum		k2 = Int32GetDatum(MIGRATE_LOCK_GRAPH);

	if (exclusive && holds_advisory(MIGRATE_LOCK_RUNNER, ExclusiveLock) &&
		!holds_advisory(MIGRATE_LOCK_GRAPH, ExclusiveLock))
	{
		if (!DatumGetBool(DirectFunctionCall2(pg_try_advisory_xact_lock_int4,
											  k1, k2)))
			ereport(ERROR,
					(errcode(ERRCODE_T_R_DEADLOCK_DETECTED),
					 errmsg("could not lock the revision graph without risking a deadlock"),
					 errdetail("This session holds the migration runner lock, and another session holds the revision graph lock and may be waiting for the runner lock."),
					 errhint("Register revisions outside migration runs, or retry the transaction.")));
		return;
	}
	if (exclusive)
		DirectFunctionCall2(pg_advisory_xact_lock_int4, k1, k2);
	else
		DirectFunctionCall2(pg_advisory_xact_lock_shared_int4, k1, k2);
}

void
migrate_lock_runner(void)
{
	DirectFunctionCall2(pg_advisory_xact_lock_int4,
						Int32GetDatum(MIGRATE_LOCK_KEY1),
						Int32GetDatum(MIGRATE_LOCK_RUNNER));
}

/* ---- run log ---- */

static void
serialization_context(void *arg)
{
	errcontext("checking for migration runs committed after this transaction's snapshot");
}

/*
 * Open a run: a row in migrate.run, and an update of migrate.runner's row.
 * The runner lock is already held; the row update is what makes a runner
 * whose snapshot predates another runner's commit fail (REPEATABLE READ
 * and SERIALIZABLE) instead of planning against stale version rows.
 */
int64
migrate_run_begin(const char *operation, const char *target)
{
	Oid			save_userid;
	int			save_sec;
	int64		run_id;
	bool		isnull;
	char	   *caller = GetUserNameFromId(GetUserId(), false);
	const char *appname = GetConfigOption("application_name", true, false);
	Oid			types[4] = {TEXTOID, TEXTOID, NAMEOID, TEXTOID};
	Datum		values[4];
	char		nulls[4] = {' ', ' ', ' ', ' '};
	Oid			idtype[1] = {INT8OID};
	Datum		idval[1];
	ErrorContextCallback errcb;

	values[0] = CStringGetTextDatum(operation);
	if (target)
		values[1] = CStringGetTextDatum(target);
	else
		nulls[1] = 'n';
	values[2] = DirectFunctionCall1(namein, CStringGetDatum(caller));
	if (appname)
		values[3] = CStringGetTextDatum(appname);
	else
		nulls[3] = 'n';

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_INSERT_RETURNING,
			"INSERT INTO migrate.run (operation, target, status, role_name,"
			" application_name) VALUES ($1, $2, 'running', $3, $4)"
			" RETURNING run_id",
			4, types, values, nulls);
	run_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										 SPI_tuptable->tupdesc, 1, &isnull));

	errcb.callback = serialization_context;
	errcb.arg = NULL;
	errcb.previous = error_context_stack;
	error_context_stack = &errcb;
	idval[0] = Int64GetDatum(run_id);
	migrate_spi_exec(SPI_OK_UPDATE,
			"UPDATE migrate.runner SET last_run_id = $1", 1, idtype, idval,
			NULL);
	error_context_stack = errcb.previous;

	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return run_id;
}

void
migrate_run_finish(int64 run_id, int nsteps)
{
	Oid			save_userid;
	int			save_sec;
	Oid			types[2] = {INT8OID, INT4OID};
	Datum		values[2] = {Int64GetDatum(run_id), Int32GetDatum(nsteps)};

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_UPDATE,
			"UPDATE migrate.run SET status = 'succeeded', steps = $2,"
			" finished_at = pg_catalog.clock_timestamp()"
			" WHERE run_id OPERATOR(pg_catalog.=) $1",
			2, types, values, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/*
 * Everything one step writes besides what its script does: the version
 * rows it removes and adds (each removal must match exactly one row: a
 * mismatch means someone changed the table under the runner lock), the
 * applied row, and the run_step row.
 */
void
migrate_record_step(int64 run_id, int stepno, const MgStep *s,
					const char *id, const char *checksum, bool stamp,
					TimestampTz started)
{
	/*
	 * One statement per step, so that a long run pays one catalog round
	 * trip per revision: the CTEs all run under the same snapshot, and the
	 * rows they touch are distinct.  The applied row is upserted going up,
	 * deleted going down, left alone by a stamp.
	 */
#define STEP_VERSION_ROWS \
		"WITH del AS (DELETE FROM migrate.version" \
		"  WHERE version_num OPERATOR(pg_catalog.=) ANY ($1) RETURNING 1)," \
		" ins AS (INSERT INTO migrate.version (version_num)" \
		"  SELECT pg_catalog.unnest($2) ON CONFLICT DO NOTHING),"
#define STEP_RUN_STEP_ROW \
		" stp AS (INSERT INTO migrate.run_step (run_id, step, direction," \
		"  revision, from_revisions, to_revisions, status, started_at," \
		"  finished_at) VALUES ($3, $6, $7, $4, $8, $9, 'succeeded', $10," \
		"  pg_catalog.clock_timestamp()))" \
		" SELECT pg_catalog.count(*) FROM del"
	static const char *const sql[3] = {
		STEP_VERSION_ROWS
		" app AS (INSERT INTO migrate.applied (revision, checksum, applied_at, run_id)"
		"  VALUES ($4, $5, pg_catalog.clock_timestamp(), $3)"
		"  ON CONFLICT (revision) DO UPDATE SET checksum = excluded.checksum,"
		"  applied_at = excluded.applied_at, run_id = excluded.run_id),"
		STEP_RUN_STEP_ROW,
		STEP_VERSION_ROWS
		" app AS (DELETE FROM migrate.applied"
		"  WHERE revision OPERATOR(pg_catalog.=) $4),"
		STEP_RUN_STEP_ROW,
		STEP_VERSION_ROWS
		STEP_RUN_STEP_ROW,
	};
#undef STEP_VERSION_ROWS
#undef STEP_RUN_STEP_ROW
	Oid			types[10] = {TEXTARRAYOID, TEXTARRAYOID, INT8OID, TEXTOID,
		TEXTOID, INT4OID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID,
	TIMESTAMPTZOID};
	Datum		values[10];
	Oid			save_userid;
	int			save_sec;
	int			variant = stamp ? 2 : s->upgrade ? 0 : 1;
	bool		isnull;
	int64		removed;

	values[0] = migrate_cstrings_to_text_array(s->remove, s->nremove);
	values[1] = migrate_cstrings_to_text_array(s->add, s->nadd);
	values[2] = Int64GetDatum(run_id);
	values[3] = CStringGetTextDatum(id);
	values[4] = CStringGetTextDatum(checksum ? checksum : "");
	values[5] = Int32GetDatum(stepno);
	values[6] = CStringGetTextDatum(stamp ? "stamp" :
									s->upgrade ? "upgrade" : "downgrade");
	values[7] = migrate_cstrings_to_text_array(s->from, s->nfrom);
	values[8] = migrate_cstrings_to_text_array(s->to, s->nto);
	values[9] = TimestampTzGetDatum(started);

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT, sql[variant], 10, types, values, NULL);
	removed = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
										  SPI_tuptable->tupdesc, 1, &isnull));
	if (removed != s->nremove)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("version rows of the step to \"%s\" are missing", id),
				 errdetail("The step expected to remove %d version rows and found %d: the version table changed while the migration ran.",
						   s->nremove, (int) removed)));
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/*
 * The full rows of several revisions in one query, in the order asked;
 * NULL where a revision does not exist.  For running a segment of steps.
 */
MigrateRevisionRow **
migrate_revisions_fetch(const char *const *ids, int n)
{
	Oid			save_userid;
	int			save_sec;
	MemoryContext cxt = CurrentMemoryContext;
	MigrateRevisionRow **rows = palloc0(sizeof(MigrateRevisionRow *) * Max(n, 1));
	Datum		values[1];
	bool		owners = migrate_catalog_has_owners();

	values[0] = migrate_cstrings_to_text_array(ids, n);
	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_SELECT, owners ?
					 "SELECT id, down_revisions, branch_labels, depends_on, message,"
					 " upgrade, downgrade, checksum, created_at,"
					 " created_by::pg_catalog.text, owner::pg_catalog.text"
					 " FROM migrate.revision"
					 " WHERE id OPERATOR(pg_catalog.=) ANY ($1)" :
					 "SELECT id, down_revisions, branch_labels, depends_on, message,"
					 " upgrade, downgrade, checksum, created_at, created_by::pg_catalog.text"
					 " FROM migrate.revision"
					 " WHERE id OPERATOR(pg_catalog.=) ANY ($1)",
					 1, (Oid[]) {TEXTARRAYOID}, values, NULL);
	for (uint64 r = 0; r < SPI_processed; r++)
	{
		MemoryContext spicxt = MemoryContextSwitchTo(cxt);
		MigrateRevisionRow *row = spi_revision_row(r);

		MemoryContextSwitchTo(spicxt);
		for (int i = 0; i < n; i++)
			if (rows[i] == NULL && strcmp(ids[i], row->id) == 0)
				rows[i] = row;
	}
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
	return rows;
}

/*
 * After a stamp, forget applied rows of revisions the version rows no longer
 * stand for: a stamp runs no script, so it records no applied time either.
 */
void
migrate_applied_prune(MigrateGraphCache *gc, const char *const *versions,
					  int nversions)
{
	Oid			save_userid;
	int			save_sec;
	int			n = mg_graph_count(gc->graph);
	bool	   *applied = palloc0(sizeof(bool) * Max(n, 1));
	MgError		err = {0};
	List	   *gone = NIL;

	if (!mg_applied_set(gc->graph, versions, nversions, applied, &err))
		migrate_raise_graph_error(&err);
	for (int i = 0; i < n; i++)
		if (!applied[i])
			gone = lappend(gone, (char *) mg_graph_rev(gc->graph, i)->id);
	if (gone == NIL)
		return;

	migrate_catalog_enter(&save_userid, &save_sec);
	SPI_connect();
	migrate_spi_exec(SPI_OK_DELETE,
			"DELETE FROM migrate.applied"
			" WHERE revision OPERATOR(pg_catalog.=) ANY ($1)",
			1, (Oid[]) {TEXTARRAYOID},
			(Datum[]) {migrate_list_to_text_array(gone)}, NULL);
	SPI_finish();
	migrate_catalog_leave(save_userid, save_sec);
}

/*
 * The checksum of what defines a revision's effect: its place in the graph
 * and its upgrade script.  Each field is length-prefixed so that no two
 * different revisions serialize alike.  The message and the downgrade
 * script are left out on purpose: both may be corrected after a revision
 * has been applied without it having run differently.
 */
static void
checksum_field(StringInfo buf, const char *tag, const char *value)
{
	appendStringInfo(buf, "%s:%d:", tag, value ? (int) strlen(value) : -1);
	if (value)
		appendStringInfoString(buf, value);
	appendStringInfoChar(buf, '\n');
}

static void
checksum_list(StringInfo buf, const char *tag, List *list)
{
	ListCell   *lc;

	appendStringInfo(buf, "%s#%d\n", tag, list_length(list));
	foreach(lc, list)
		checksum_field(buf, tag, lfirst(lc));
}

char *
migrate_checksum(List *down_revisions, List *branch_labels, List *depends_on,
				 const char *upgrade, bool transactional)
{
	StringInfoData buf;
	bytea	   *input;
	bytea	   *digest;
	char	   *hex;
	int			len;

	initStringInfo(&buf);
	checksum_list(&buf, "down", down_revisions);
	checksum_list(&buf, "label", branch_labels);
	checksum_list(&buf, "depends", depends_on);
	checksum_field(&buf, "upgrade", upgrade);
	/* only when false, so that checksums taken before 1.1 stay valid */
	if (!transactional)
		checksum_field(&buf, "transactional", "false");

	input = (bytea *) palloc(VARHDRSZ + buf.len);
	SET_VARSIZE(input, VARHDRSZ + buf.len);
	memcpy(VARDATA(input), buf.data, buf.len);
	digest = DatumGetByteaPP(DirectFunctionCall1(sha256_bytea,
												 PointerGetDatum(input)));
	len = VARSIZE_ANY_EXHDR(digest);
	hex = palloc(len * 2 + 1);
	hex_encode(VARDATA_ANY(digest), len, hex);
	hex[len * 2] = '\0';
	return hex;
}
