/*-------------------------------------------------------------------------
 *
 * util.h
 *	  Small helpers at the bottom of migrate's layers: leaving an internal
 *	  subtransaction, bounding echoed user input, string-list checks.
 *
 * Layer: util (src/util/), below catalog/.  Includes nothing of ours.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_UTIL_H
#define MIGRATE_UTIL_H

#include "nodes/pg_list.h"
#include "utils/elog.h"
#include "utils/palloc.h"
#include "utils/resowner.h"

/* How much of a user's input a message echoes, in bytes (before "...") */
#define MIGRATE_ECHO_LEN		64
/* bytes kept of each text of an error caught from a script */
#define MIGRATE_ERROR_FIELD_LEN	8192

extern ErrorData *migrate_subxact_abort(MemoryContext oldcxt,
										ResourceOwner oldowner);
extern const char *migrate_clip(const char *s);
extern const char *migrate_first_duplicate(List *strings);
extern List *migrate_strings_union(List *a, List *b);
extern List *migrate_list_from_array(void *const *items, int n);

#endif							/* MIGRATE_UTIL_H */
