/*-------------------------------------------------------------------------
 *
 * graphcache.h
 *	  The revision list shared between backends, in a DSA area.
 *
 * Layer: catalog (src/catalog/).
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_GRAPHCACHE_H
#define MIGRATE_GRAPHCACHE_H

#include "graph.h"
#include "catalog.h"

/* migrate.graph_cache_size, in MB; 0 switches the shared cache off */
extern int	migrate_graph_cache_size;

/*
 * The flat form of what catalog.c's load_graph() reads, per revision in
 * registration order.  serialize returns a palloc'd blob, or NULL when it
 * would exceed max_len; deserialize returns false for anything that is not
 * a well-formed blob for this key, and otherwise points the outputs into
 * blob (which must stay alive and unchanged) and into palloc'd arrays.
 */
extern char *migrate_graphcache_serialize(const MgRevisionInput *input,
										  const MigrateRevInfo *info,
										  int nrevs, Oid dboid, Oid relid,
										  int64 generation, Size max_len,
										  Size *len);
extern bool migrate_graphcache_deserialize(char *blob, Size len, Oid dboid,
										   Oid relid, int64 generation,
										   MgRevisionInput **input,
										   MigrateRevInfo **info,
										   int *nrevs);

/* Shared memory: only when preloaded and migrate.graph_cache_size > 0 */
extern void migrate_graphcache_shmem_init(void);
extern bool migrate_graphcache_enabled(void);
extern Size migrate_graphcache_max_blob(void);

/*
 * A palloc'd copy of the blob stored for the key, or NULL; and storing one.
 * Both may throw (a DSM segment that cannot be mapped, out of memory): the
 * caller runs them in a subtransaction and treats an error as a miss.
 */
extern char *migrate_graphcache_lookup(Oid dboid, Oid relid,
									   int64 generation, Size *len);
extern void migrate_graphcache_publish(Oid dboid, Oid relid,
									   int64 generation, const char *blob,
									   Size len);

#endif							/* MIGRATE_GRAPHCACHE_H */
