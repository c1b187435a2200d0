/*-------------------------------------------------------------------------
 *
 * graphcache.c
 *	  The revision list, shared between backends through a DSA area.
 *
 * Every backend caches the revision graph it last loaded (catalog.c), but a
 * new backend used to pay for reading every row of migrate.revision through
 * SPI: about 120 ms on a 100,000-revision graph, most of a first
 * migrate_heads().  When migrate is preloaded, a backend that loaded the
 * rows also stores them here, flattened into one blob, under the key
 * (database, OID of migrate.revision, graph generation); the next backend
 * that reads that generation copies the blob and builds its graph from it.
 *
 * The key is enough because every change to the graph commits a fresh
 * generation, drawn from a sequence and never reused while the extension
 * exists, and the generation and the rows a blob holds are read in one
 * statement, so under one snapshot; the relation OID tells a re-created
 * extension (whose sequence starts again) from the one before.  catalog.c
 * decides when a blob may be stored: never from a transaction that has
 * written anything, so nothing uncommitted is ever published.
 *
 * The blob is copied out whole and checked (a CRC32C, its key, every
 * length against its bounds) before anything in it is used; a blob that
 * fails is ignored and the rows are read through SPI as before.  A small
 * fixed array of slots, guarded by one LWLock, maps keys to blobs; the
 * least recently used slot is replaced, and an older generation of the
 * same graph goes first.  The area is created by the first backend that
 * stores a blob and pinned until the server stops; migrate.graph_cache_size
 * bounds it.
 *
 * Layer: catalog (src/catalog/): catalog.c calls it; it calls nothing of
 * ours.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/atomics.h"
#include "port/pg_crc32c.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/dsa.h"
#include "utils/memutils.h"

#include "graphcache.h"

int			migrate_graph_cache_size = 256;

/* ---- the blob ---- */

#define BLOB_MAGIC		0x4347474d	/* "MGGC" */
#define BLOB_VERSION	1
#define NULL_STRING		0xffffffff

/* smallest encodings, to bound counts by the blob's length */
#define MIN_STRING		5		/* length word plus the terminating zero */
#define MIN_REVISION	(MIN_STRING + 3 * 4 + 2 * 4 + 8)

typedef struct BlobHeader
{
	uint32		magic;
	uint32		version;
	Oid			dboid;
	Oid			relid;
	int64		generation;
	uint32		nrevs;
	uint32		nstrings;		/* elements of all the string arrays */
	uint64		len;			/* of the whole blob, header included */
	pg_crc32c	crc;			/* of everything after the header */
	uint32		pad;
} BlobHeader;

static Size
string_size(const char *s)
{
	return s ? 4 + strlen(s) + 1 : 4;
}

static char *
put_u32(char *p, uint32 v)
{
	memcpy(p, &v, 4);
	return p + 4;
}

static char *
put_string(char *p, const char *s)
{
	size_t		n;

	if (s == NULL)
		return put_u32(p, NULL_STRING);
	n = strlen(s);
	p = put_u32(p, (uint32) n);
	memcpy(p, s, n + 1);
	return p + n + 1;
}

static char *
put_strings(char *p, const char *const *items, int n)
{
	p = put_u32(p, (uint32) n);
	for (int i = 0; i < n; i++)
		p = put_string(p, items[i]);
	return p;
}

char *
migrate_graphcache_serialize(const MgRevisionInput *input,
							 const MigrateRevInfo *info, int nrevs,
							 Oid dboid, Oid relid, int64 generation,
							 Size max_len, Size *len)
{
	Size		size = sizeof(BlobHeader);
	uint64		nstrings = 0;
	BlobHeader	hdr;
	char	   *blob;
	char	   *p;

	for (int i = 0; i < nrevs; i++)
	{
		const MgRevisionInput *r = &input[i];

		size = add_size(size, string_size(r->id) + 3 * 4 + 8);
		size = add_size(size, string_size(info[i].message));
		size = add_size(size, string_size(info[i].checksum));
		for (int j = 0; j < r->ndown; j++)
			size = add_size(size, string_size(r->down_revisions[j]));
		for (int j = 0; j < r->nlabels; j++)
			size = add_size(size, string_size(r->branch_labels[j]));
		for (int j = 0; j < r->ndepends; j++)
			size = add_size(size, string_size(r->depends_on[j]));
		nstrings += r->ndown + r->nlabels + r->ndepends;
		if (size > max_len)
			return NULL;
	}
	if (size > max_len || nstrings > PG_UINT32_MAX)
		return NULL;

	blob = palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
	if (blob == NULL)
		return NULL;
	p = blob + sizeof(BlobHeader);
	for (int i = 0; i < nrevs; i++)
	{
		const MgRevisionInput *r = &input[i];
		int64		created_at = info[i].created_at;

		p = put_string(p, r->id);
		p = put_strings(p, r->down_revisions, r->ndown);
		p = put_strings(p, r->branch_labels, r->nlabels);
		p = put_strings(p, r->depends_on, r->ndepends);
		p = put_string(p, info[i].message);
		p = put_string(p, info[i].checksum);
		memcpy(p, &created_at, 8);
		p += 8;
	}
	Assert(p == blob + size);

	memset(&hdr, 0, sizeof(hdr));
	hdr.magic = BLOB_MAGIC;
	hdr.version = BLOB_VERSION;
	hdr.dboid = dboid;
	hdr.relid = relid;
	hdr.generation = generation;
	hdr.nrevs = (uint32) nrevs;
	hdr.nstrings = (uint32) nstrings;
	hdr.len = size;
	INIT_CRC32C(hdr.crc);
	COMP_CRC32C(hdr.crc, blob + sizeof(BlobHeader), size - sizeof(BlobHeader));
	FIN_CRC32C(hdr.crc);
	memcpy(blob, &hdr, sizeof(hdr));
	*len = size;
	return blob;
}

/* A cursor over a blob; any read past its end clears ok */
typedef struct Reader
{
	char	   *buf;
	Size		len;
	Size		off;
	bool		ok;
} Reader;

static uint32
get_u32(Reader *r)
{
	uint32		v;

	if (!r->ok || r->len - r->off < 4)
	{
		r->ok = false;
		return 0;
	}
	memcpy(&v, r->buf + r->off, 4);
	r->off += 4;
	return v;
}

/* A string in place: its bytes are followed by the zero written with it */
static const char *
get_string(Reader *r, bool nullable)
{
	uint32		n = get_u32(r);
	char	   *s;

	if (!r->ok)
		return NULL;
	if (n == NULL_STRING)
	{
		r->ok = nullable;
		return NULL;
	}
	if ((Size) n >= r->len - r->off || r->buf[r->off + n] != '\0')
	{
		r->ok = false;
		return NULL;
	}
	s = r->buf + r->off;
	r->off += (Size) n + 1;
	return s;
}

static int
get_strings(Reader *r, const char ***pool, uint32 *left,
			const char *const **out)
{
	uint32		n = get_u32(r);
	const char **items = *pool;

	*out = NULL;
	if (!r->ok || n > *left || n > (r->len - r->off) / MIN_STRING)
	{
		r->ok = false;
		return 0;
	}
	for (uint32 i = 0; i < n && r->ok; i++)
		items[i] = get_string(r, false);
	*pool += n;
	*left -= n;
	*out = items;
	return (int) n;
}

/* Zeroed, never empty (callers index the arrays with Max(n, 1) in mind) */
static void *
alloc_array(Size elem, uint32 n)
{
	return palloc_extended(mul_size(elem, Max(n, 1)),
						   MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

bool
migrate_graphcache_deserialize(char *blob, Size len, Oid dboid, Oid relid,
							   int64 generation, MgRevisionInput **input,
							   MigrateRevInfo **info, int *nrevs)
{
	BlobHeader	hdr;
	pg_crc32c	crc;
	Reader		r;
	MgRevisionInput *in;
	MigrateRevInfo *inf;
	const char **pool;
	uint32		left;

	if (len < sizeof(BlobHeader))
		return false;
	memcpy(&hdr, blob, sizeof(hdr));
	if (hdr.magic != BLOB_MAGIC || hdr.version != BLOB_VERSION ||
		hdr.len != len || hdr.dboid != dboid || hdr.relid != relid ||
		hdr.generation != generation)
		return false;
	if (hdr.nrevs > (len - sizeof(BlobHeader)) / MIN_REVISION ||
		hdr.nrevs > INT_MAX / 2 ||
		hdr.nstrings > (len - sizeof(BlobHeader)) / MIN_STRING)
		return false;
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, blob + sizeof(BlobHeader), len - sizeof(BlobHeader));
	FIN_CRC32C(crc);
	if (!EQ_CRC32C(crc, hdr.crc))
		return false;

	r.buf = blob;
	r.len = len;
	r.off = sizeof(BlobHeader);
	r.ok = true;
	in = alloc_array(sizeof(MgRevisionInput), hdr.nrevs);
	inf = alloc_array(sizeof(MigrateRevInfo), hdr.nrevs);
	pool = alloc_array(sizeof(const char *), hdr.nstrings);
	left = hdr.nstrings;
	for (uint32 i = 0; i < hdr.nrevs && r.ok; i++)
	{
		int64		created_at;

		in[i].id = get_string(&r, false);
		in[i].ndown = get_strings(&r, &pool, &left, &in[i].down_revisions);
		in[i].nlabels = get_strings(&r, &pool, &left, &in[i].branch_labels);
		in[i].ndepends = get_strings(&r, &pool, &left, &in[i].depends_on);
		inf[i].message = (char *) get_string(&r, true);
		inf[i].checksum = (char *) get_string(&r, true);
		if (!r.ok || r.len - r.off < 8)
			return false;
		memcpy(&created_at, r.buf + r.off, 8);
		r.off += 8;
		inf[i].created_at = created_at;
	}
	if (!r.ok || r.off != len || left != 0)
		return false;
	*input = in;
	*info = inf;
	*nrevs = (int) hdr.nrevs;
	return true;
}

/* ---- shared memory ---- */

#define GRAPHCACHE_SLOTS	8

typedef struct GraphCacheSlot
{
	Oid			dboid;
	Oid			relid;
	int64		generation;
	dsa_pointer blob;			/* InvalidDsaPointer: the slot is free */
	Size		len;
	pg_atomic_uint64 last_used;	/* a tick of GraphCacheShared.clock */
} GraphCacheSlot;

typedef struct GraphCacheShared
{
	LWLock	   *lock;			/* the slots and the fields below */
	int			area_tranche;	/* for the DSA area's own locks */
	bool		area_created;
	dsa_handle	area_handle;
	pg_atomic_uint64 clock;
	GraphCacheSlot slots[GRAPHCACHE_SLOTS];
} GraphCacheShared;

static GraphCacheShared *gc_shared = NULL;
static dsa_area *gc_area = NULL;

static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif

static void
graphcache_shmem_request(void)
{
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(MAXALIGN(sizeof(GraphCacheShared)));
	RequestNamedLWLockTranche("migrate graph cache", 1);
}

static void
graphcache_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	gc_shared = ShmemInitStruct("migrate graph cache",
								sizeof(GraphCacheShared), &found);
	if (!found)
	{
		memset(gc_shared, 0, sizeof(GraphCacheShared));
		gc_shared->lock = &(GetNamedLWLockTranche("migrate graph cache"))->lock;
		gc_shared->area_tranche = LWLockNewTrancheId();
		pg_atomic_init_u64(&gc_shared->clock, 0);
		for (int i = 0; i < GRAPHCACHE_SLOTS; i++)
		{
			gc_shared->slots[i].blob = InvalidDsaPointer;
			pg_atomic_init_u64(&gc_shared->slots[i].last_used, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/* From _PG_init, when preloaded, after migrate.graph_cache_size is known */
void
migrate_graphcache_shmem_init(void)
{
	if (migrate_graph_cache_size <= 0)
		return;
#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = graphcache_shmem_request;
#else
	graphcache_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = graphcache_shmem_startup;
}

bool
migrate_graphcache_enabled(void)
{
	return gc_shared != NULL;
}

Size
migrate_graphcache_max_blob(void)
{
	return (Size) migrate_graph_cache_size * 1024 * 1024;
}

/*
 * This backend's mapping of the area, attaching to it (or, with create,
 * creating it) on first use; NULL when it does not exist yet.  Both the
 * area and our mapping are pinned, so they outlive the (sub)transaction
 * that set them up; until the end the mapping is only kept in a local, so
 * that an error half way leaves gc_area unset.
 */
static dsa_area *
get_area(bool create)
{
	dsa_area   *area = NULL;
	MemoryContext oldcxt;

	if (gc_area != NULL)
		return gc_area;
	LWLockRegisterTranche(gc_shared->area_tranche, "migrate graph cache area");
	LWLockAcquire(gc_shared->lock, LW_EXCLUSIVE);
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	if (gc_shared->area_created)
	{
		area = dsa_attach(gc_shared->area_handle);
		dsa_pin_mapping(area);
	}
	else if (create)
	{
		area = dsa_create(gc_shared->area_tranche);
		dsa_pin_mapping(area);
		dsa_set_size_limit(area, migrate_graphcache_max_blob());
		dsa_pin(area);
		gc_shared->area_handle = dsa_get_handle(area);
		gc_shared->area_created = true;
	}
	MemoryContextSwitchTo(oldcxt);
	LWLockRelease(gc_shared->lock);
	gc_area = area;
	return area;
}

static void
touch(GraphCacheSlot *slot)
{
	pg_atomic_write_u64(&slot->last_used,
						pg_atomic_add_fetch_u64(&gc_shared->clock, 1));
}

static bool
slot_matches(GraphCacheSlot *slot, Oid dboid, Oid relid, int64 generation)
{
	return DsaPointerIsValid(slot->blob) && slot->dboid == dboid &&
		slot->relid == relid && slot->generation == generation;
}

char *
migrate_graphcache_lookup(Oid dboid, Oid relid, int64 generation, Size *len)
{
	dsa_area   *area;
	char	   *copy = NULL;

	if (gc_shared == NULL)
		return NULL;
	area = get_area(false);
	if (area == NULL)
		return NULL;
	LWLockAcquire(gc_shared->lock, LW_SHARED);
	for (int i = 0; i < GRAPHCACHE_SLOTS; i++)
	{
		GraphCacheSlot *slot = &gc_shared->slots[i];

		if (!slot_matches(slot, dboid, relid, generation))
			continue;
		copy = palloc_extended(slot->len, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
		if (copy != NULL)
		{
			memcpy(copy, dsa_get_address(area, slot->blob), slot->len);
			*len = slot->len;
			touch(slot);
		}
		break;
	}
	LWLockRelease(gc_shared->lock);
	return copy;
}

/* Free the least recently used blob, to make room; false if none is left */
static bool
evict_one(dsa_area *area)
{
	GraphCacheSlot *victim = NULL;

	LWLockAcquire(gc_shared->lock, LW_EXCLUSIVE);
	for (int i = 0; i < GRAPHCACHE_SLOTS; i++)
	{
		GraphCacheSlot *slot = &gc_shared->slots[i];

		if (DsaPointerIsValid(slot->blob) &&
			(victim == NULL || pg_atomic_read_u64(&slot->last_used) <
			 pg_atomic_read_u64(&victim->last_used)))
			victim = slot;
	}
	if (victim != NULL)
	{
		dsa_free(area, victim->blob);
		victim->blob = InvalidDsaPointer;
	}
	LWLockRelease(gc_shared->lock);
	return victim != NULL;
}

/*
 * Whether a blob for the key is worth storing: not when it is there
 * already, nor when a newer generation of the same graph is (the caller
 * read an old snapshot).
 */
static bool
worth_storing(Oid dboid, Oid relid, int64 generation)
{
	for (int i = 0; i < GRAPHCACHE_SLOTS; i++)
	{
		GraphCacheSlot *slot = &gc_shared->slots[i];

		if (DsaPointerIsValid(slot->blob) && slot->dboid == dboid &&
			slot->relid == relid && slot->generation >= generation)
			return false;
	}
	return true;
}

void
migrate_graphcache_publish(Oid dboid, Oid relid, int64 generation,
						   const char *blob, Size len)
{
	dsa_area   *area;
	dsa_pointer dp = InvalidDsaPointer;
	GraphCacheSlot *victim = NULL;
	bool		worth;

	if (gc_shared == NULL || len > migrate_graphcache_max_blob())
		return;
	LWLockAcquire(gc_shared->lock, LW_SHARED);
	worth = worth_storing(dboid, relid, generation);
	LWLockRelease(gc_shared->lock);
	if (!worth)
		return;

	/* allocate and fill outside our lock; the area locks itself */
	area = get_area(true);
	for (int attempt = 0; attempt <= GRAPHCACHE_SLOTS; attempt++)
	{
		dp = dsa_allocate_extended(area, len, DSA_ALLOC_HUGE | DSA_ALLOC_NO_OOM);
		if (DsaPointerIsValid(dp) || !evict_one(area))
			break;
	}
	if (!DsaPointerIsValid(dp))
		return;
	memcpy(dsa_get_address(area, dp), blob, len);

	/*
	 * The slot to replace: an older generation of the same graph, else a
	 * free slot, else the least recently used.
	 */
	LWLockAcquire(gc_shared->lock, LW_EXCLUSIVE);
	if (!worth_storing(dboid, relid, generation))
	{
		LWLockRelease(gc_shared->lock);
		dsa_free(area, dp);
		return;
	}
	for (int i = 0; i < GRAPHCACHE_SLOTS && victim == NULL; i++)
	{
		GraphCacheSlot *slot = &gc_shared->slots[i];

		if (DsaPointerIsValid(slot->blob) && slot->dboid == dboid &&
			slot->relid == relid)
			victim = slot;
	}
	for (int i = 0; i < GRAPHCACHE_SLOTS && victim == NULL; i++)
		if (!DsaPointerIsValid(gc_shared->slots[i].blob))
			victim = &gc_shared->slots[i];
	if (victim == NULL)
	{
		victim = &gc_shared->slots[0];
		for (int i = 1; i < GRAPHCACHE_SLOTS; i++)
			if (pg_atomic_read_u64(&gc_shared->slots[i].last_used) <
				pg_atomic_read_u64(&victim->last_used))
				victim = &gc_shared->slots[i];
	}
	if (DsaPointerIsValid(victim->blob))
		dsa_free(area, victim->blob);
	victim->dboid = dboid;
	victim->relid = relid;
	victim->generation = generation;
	victim->len = len;
	victim->blob = dp;
	touch(victim);
	LWLockRelease(gc_shared->lock);
}
