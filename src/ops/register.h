/*-------------------------------------------------------------------------
 *
 * register.h
 *	  Registering revisions and merges (register.c).
 *
 * Layer: ops (src/ops/), above lint/, run/ and catalog/.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MIGRATE_REGISTER_H
#define MIGRATE_REGISTER_H

#include "nodes/pg_list.h"

/* new revision ids: a plain file name of at most this many bytes */
#define MIGRATE_MAX_NEW_ID_LEN	128

extern void migrate_check_revision_id(const char *id);
extern char *migrate_register(const char *message, const char *upgrade,
							  const char *downgrade, const char *revision,
							  List *down_revisions, bool down_given,
							  List *branch_labels, List *depends_on,
							  const char *head, bool splice,
							  bool transactional);
extern char *migrate_register_merge(List *revisions, const char *message,
									List *branch_labels,
									const char *revision);

#endif							/* MIGRATE_REGISTER_H */
